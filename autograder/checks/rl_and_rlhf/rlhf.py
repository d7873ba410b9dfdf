"""Checks for 07_rl_and_rlhf/06_rlhf: token log-probabilities, KL-shaped rewards, REINFORCE.

Oracles: loops in plain Python floats, one sequence and one position at a time
(a log-sum-exp written out with math.fsum; the KL estimate as a running sum of
log-ratios; the advantage against the batch mean). None is the notebook's
vectorised solution.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake

# ---------------------------------------------------------------------------
# Exercise 6.1: log-probabilities of the sampled tokens
# ---------------------------------------------------------------------------


def _token_logprobs(logits, targets):
    B, T, V = logits.shape
    out = np.zeros((B, T))
    for b in range(B):
        for t in range(T):
            row = [float(x) for x in logits[b, t]]
            top = max(row)
            lse = top + math.log(math.fsum(math.exp(x - top) for x in row))
            out[b, t] = row[int(targets[b, t])] - lse
    return out


def _logprob_cases(rng):
    return [Case("2 sequences, 3 positions, 5 tokens",
                 (rng.normal(size=(2, 3, 5)), rng.integers(0, 5, (2, 3)))),
            Case("1 sequence, 4 positions, 7 tokens, float32 logits",
                 (rng.normal(0.0, 3.0, (1, 4, 7)).astype(np.float32), rng.integers(0, 7, (1, 4)))),
            Case("logits in the thousands, one position far below the others",
                 (np.array([[[1000.0, 990.0, -1000.0], [0.0, 800.0, 5.0],
                             [-1000.0, -1001.0, -1002.0]]]),
                  np.array([[1, 1, 2]])))]


def _no_max(logits, targets):
    z = np.asarray(logits, dtype=np.float64)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]


def _probabilities(logits, targets):
    z = np.asarray(logits, dtype=np.float64)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return np.take_along_axis(p, targets[..., None], axis=-1)[..., 0]


def _raw_logits(logits, targets):
    return np.take_along_axis(np.asarray(logits, dtype=np.float64), targets[..., None],
                              axis=-1)[..., 0]


check_token_logprobs = FunctionCheck(
    "token_logprobs", _token_logprobs, _logprob_cases, rtol=1e-6, atol=1e-9, dtype="exact",
    mistakes=[
        Mistake("exp overflowed",
                "Your log-softmax is right for ordinary logits but not for logits in the "
                "thousands: exp(1000) is inf in float64. Subtract each position's own maximum "
                "first; it cancels in the softmax.",
                "z = logits - logits.max(axis=-1, keepdims=True); log p = z - log(sum exp z).",
                variant=_no_max),
        Mistake("probabilities, not log-probabilities",
                "You returned the probability of each token, not its logarithm. A sequence's "
                "log-probability is a *sum* of token log-probabilities, which is why the "
                "policy gradient works with logs.",
                "Take the log-softmax: z - log(sum(exp(z))) with z = logits - max.",
                variant=_probabilities),
        Mistake("the raw logit",
                "You returned the target's logit without normalising: a logit is a "
                "log-probability only up to a constant per position, log(sum(exp(logits))).",
                "Subtract the log-sum-exp of each position's logits.",
                variant=_raw_logits),
    ],
    hint="log p(target) = logit[target] - logsumexp(logits), over the last axis; subtract the "
         "maximum first.")

# ---------------------------------------------------------------------------
# Exercise 6.2: the KL-penalised reward
# ---------------------------------------------------------------------------


def _kl_penalised(rewards, logp, logp_ref, mask, beta):
    out = np.zeros(len(rewards))
    for b in range(len(rewards)):
        kl = math.fsum((float(logp[b, t]) - float(logp_ref[b, t])) * float(mask[b, t])
                       for t in range(logp.shape[1]))
        out[b] = float(rewards[b]) - beta * kl
    return out


def _kl_cases(rng):
    mask = np.array([[0, 1, 1, 1], [0, 0, 1, 1], [1, 1, 1, 1]], dtype=float)
    return [Case("3 sequences of 4 positions, completions of 3, 2 and 4 tokens, beta 0.1",
                 (rng.normal(size=3), rng.normal(-2.0, 1.0, (3, 4)), rng.normal(-2.0, 1.0, (3, 4)),
                  mask, 0.1)),
            Case("2 sequences, every position masked, beta 0.5",
                 (np.array([1.0, -0.5]), np.array([[-1.0, -2.0], [-0.5, -3.0]]),
                  np.array([[-1.5, -1.0], [-0.7, -2.0]]), np.ones((2, 2)), 0.5)),
            Case("beta 0 (the reward alone)",
                 (np.array([0.3, 0.7]), rng.normal(size=(2, 3)), rng.normal(size=(2, 3)),
                  np.ones((2, 3)), 0.0))]


check_kl_penalised_rewards = FunctionCheck(
    "kl_penalised_rewards", _kl_penalised, _kl_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("the penalty's sign",
                "Your KL term has the wrong sign: it *rewards* the policy for moving away from "
                "the reference. The estimate of KL(pi || pi_ref) on a sample from pi is "
                "sum_t log pi(y_t) - log pi_ref(y_t), and it is subtracted.",
                "rewards - beta * sum over masked t of (logp_policy - logp_ref).",
                variant=lambda r, lp, lr, m, b: r + b * ((lp - lr) * m).sum(axis=1)),
        Mistake("the mask is ignored",
                "You summed the log-ratio over the prompt's positions too. The policy did not "
                "choose the prompt; only the completion's tokens count.",
                "Multiply by mask before summing over positions.",
                variant=lambda r, lp, lr, m, b: r - b * (lp - lr).sum(axis=1)),
        Mistake("a mean over positions, not a sum",
                "You averaged the log-ratio over the completion's positions. The KL between "
                "two distributions over whole sequences is the sum of the per-token terms "
                "(the chain rule of probability), so a longer completion can drift further.",
                "Sum, do not average: ((logp_policy - logp_ref) * mask).sum(axis=1).",
                variant=lambda r, lp, lr, m, b: r - b * ((lp - lr) * m).sum(axis=1)
                / m.sum(axis=1)),
    ],
    hint="kl_b = sum_t mask[b, t] * (logp_policy[b, t] - logp_ref[b, t]); return "
         "rewards - beta * kl.")

# ---------------------------------------------------------------------------
# Exercise 6.3: REINFORCE as weights of a cross-entropy
# ---------------------------------------------------------------------------


def _weights(shaped, mask):
    B, T = mask.shape
    baseline = math.fsum(float(x) for x in shaped) / B
    out = np.zeros((B, T))
    for b in range(B):
        for t in range(T):
            out[b, t] = (float(shaped[b]) - baseline) * float(mask[b, t]) / B
    return out


def _weight_cases(rng):
    mask = np.array([[0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 1, 1, 1]], float)
    ragged = np.array([[1, 1, 0], [0, 1, 1]], dtype=float)
    return [Case("4 sequences of 5 positions (2 of prompt)", (rng.normal(1.0, 1.0, 4), mask)),
            Case("2 sequences, different masks", (np.array([3.0, 1.0]), ragged)),
            Case("6 sequences with rewards far from 0",
                 (rng.normal(10.0, 2.0, 6), np.ones((6, 2))))]


check_reinforce_weights = FunctionCheck(
    "reinforce_weights", _weights, _weight_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("no baseline",
                "You used the reward itself, not the advantage over the batch mean. The "
                "gradient is still right on average but much noisier: when every reward is "
                "about 10, every sample is pushed up, and only their small differences carry "
                "information (notebook 03).",
                "Subtract the batch mean: advantage = shaped - shaped.mean().",
                variant=lambda s, m: s[:, None] * m / len(s)),
        Mistake("the wrong sign",
                "Your weights would make the optimiser *lower* the probability of completions "
                "with a high reward. The weighted cross-entropy sum w * (-log pi) is "
                "minimised, so a good completion (positive advantage) needs a positive "
                "weight: lowering -log pi raises log pi.",
                "weights = +advantage / B on the completion's positions.",
                variant=lambda s, m: -(s - s.mean())[:, None] * m / len(s)),
        Mistake("not divided by the batch size",
                "Your weights are B times too large: the policy gradient is an average over "
                "the batch's samples, so each sample's weight is divided by B.",
                "Divide by len(shaped).",
                variant=lambda s, m: (s - s.mean())[:, None] * m),
        Mistake("the mask is ignored",
                "You gave the prompt's positions a weight too. The policy did not choose the "
                "prompt's tokens, so their log-probability is not part of log pi(completion).",
                "Multiply by mask.",
                variant=lambda s, m: np.broadcast_to((s - s.mean())[:, None] / len(s),
                                                     m.shape).copy()),
    ],
    hint="advantage = shaped - shaped.mean(); weights = advantage[:, None] * mask / B.")
