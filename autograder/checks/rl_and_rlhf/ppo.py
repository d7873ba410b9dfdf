"""Checks for 07_rl_and_rlhf/04_ppo: GAE, the clipped surrogate objective and its gradient.

Oracles: GAE as the explicit double sum A_t = sum_l (gamma lambda)^l delta_{t+l}
(the notebook asks for the backward recursion); its two limits are visible cases
(lambda = 0: the one-step TD error; lambda = 1: the discounted return minus V).
The surrogate is a loop over samples with min and clip written out; its gradient
is checked against central differences of that loop, at ratios away from the kinks.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake

# ---------------------------------------------------------------------------
# Exercise 4.1: generalised advantage estimation
# ---------------------------------------------------------------------------


def _gae(rewards, values, gamma, lam):
    r, v = rewards.tolist(), values.tolist()
    T = len(r)
    deltas = [r[t] + gamma * v[t + 1] - v[t] for t in range(T)]
    return np.array([math.fsum((gamma * lam) ** (k - t) * deltas[k] for k in range(t, T))
                     for t in range(T)])


def _gae_variant(delta, decay):
    def gae(rewards, values, gamma, lam):
        T = len(rewards)
        d = [delta(rewards[t], values[t], values[t + 1], gamma) for t in range(T)]
        return np.array([sum(decay(gamma, lam) ** (k - t) * d[k] for k in range(t, T))
                         for t in range(T)])
    return gae


def _gae_cases(rng):
    r5 = np.array([0.0, 1.0, -0.5, 0.0, 2.0])
    v5 = np.array([0.3, 0.8, 0.1, -0.2, 0.6, 0.0])
    return [Case("5 steps, gamma 0.9, lambda 0.8", (r5, v5, 0.9, 0.8)),
            Case("12 random steps, the episode cut off (values[T] = 0.7), gamma 0.95, lambda 0.5",
                 (rng.normal(size=12), np.append(rng.normal(size=12), 0.7), 0.95, 0.5)),
            Case("lambda 0: the one-step TD errors", (r5, v5, 0.9, 0.0)),
            Case("lambda 1: discounted returns minus the values", (r5, v5, 0.9, 1.0)),
            Case("one step", (np.array([1.5]), np.array([0.5, 0.0]), 0.9, 0.8))]


check_gae = FunctionCheck(
    "gae", _gae, _gae_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("the next value not discounted",
                "Your TD error is r_t + V(s_{t+1}) - V(s_t): the next state's value needs the "
                "factor gamma, delta_t = r_t + gamma V(s_{t+1}) - V(s_t).",
                "delta_t = rewards[t] + gamma * values[t + 1] - values[t].",
                variant=_gae_variant(lambda r, v, v2, g: r + v2 - v, lambda g, lam: g * lam)),
        Mistake("decay by lambda only",
                "You summed the TD errors with weights lambda**l; the weights are "
                "(gamma * lambda)**l, so that lambda = 1 gives the discounted return.",
                "A_t = delta_t + gamma * lambda * A_{t+1}.",
                variant=_gae_variant(lambda r, v, v2, g: r + g * v2 - v, lambda g, lam: lam)),
        Mistake("decay by gamma only",
                "You summed the TD errors with weights gamma**l, ignoring lambda (this is "
                "always the lambda = 1 estimate).",
                "A_t = delta_t + gamma * lambda * A_{t+1}.",
                variant=_gae_variant(lambda r, v, v2, g: r + g * v2 - v, lambda g, lam: g)),
    ],
    hint="delta_t = r_t + gamma V_{t+1} - V_t; then backwards: A_t = delta_t + gamma lambda "
         "A_{t+1}, with A_T = 0.")

# ---------------------------------------------------------------------------
# Exercise 4.2: the clipped surrogate objective
# ---------------------------------------------------------------------------


def _surrogate(ratio, advantages, eps):
    terms = []
    for r, a in zip(ratio.tolist(), advantages.tolist(), strict=True):
        clipped = min(max(r, 1 - eps), 1 + eps)
        terms.append(min(r * a, clipped * a))
    return math.fsum(terms) / len(terms)


def _surrogate_cases(rng):
    ratio = np.array([0.5, 0.9, 1.0, 1.1, 1.5, 0.7, 1.3, 2.0])
    adv = np.array([1.0, -1.0, 2.0, 0.5, 1.0, -2.0, -0.5, -1.0])
    return [Case("8 samples, ratios on both sides of the clip range, advantages of both signs, "
                 "eps 0.2", (ratio, adv, 0.2)),
            Case("50 random samples, eps 0.1",
                 (np.exp(rng.normal(0, 0.3, 50)), rng.normal(size=50), 0.1)),
            Case("every ratio 1 (the first step of an update)", (np.ones(4),
                                                                 np.array([1, -2, 3, 0.5]), 0.2))]


def _clip_all(ratio, adv, eps):
    return float(np.mean(np.clip(ratio, 1 - eps, 1 + eps) * adv))


check_clipped_surrogate = FunctionCheck(
    "clipped_surrogate", _surrogate, _surrogate_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("max instead of min",
                "You took the larger of the clipped and unclipped terms. PPO takes the "
                "*smaller*: a pessimistic bound, so the objective never rewards moving the "
                "ratio far from 1.",
                "np.minimum(ratio * adv, np.clip(ratio, 1 - eps, 1 + eps) * adv).",
                variant=lambda r, a, e: float(np.mean(np.maximum(r * a, np.clip(
                    r, 1 - e, 1 + e) * a)))),
        Mistake("only the clipped term",
                "You used the clipped term alone. Without the min, a ratio that has moved the "
                "wrong way (below 1 - eps for a positive advantage) is not penalised in full, so "
                "the objective hides mistakes the policy already made.",
                "Take the min of the clipped and the unclipped term.",
                variant=_clip_all),
        Mistake("the advantage clipped",
                "You clipped the advantages instead of the ratios.",
                "clip the ratio to [1 - eps, 1 + eps], then multiply by the advantage.",
                variant=lambda r, a, e: float(np.mean(np.minimum(r * a, r * np.clip(
                    a, 1 - e, 1 + e))))),
    ],
    hint="Mean over samples of min(ratio * A, clip(ratio, 1 - eps, 1 + eps) * A).")

# ---------------------------------------------------------------------------
# Exercise 4.3: its gradient with respect to the ratios
# ---------------------------------------------------------------------------


def _surrogate_grad(ratio, advantages, eps):
    """Central differences of the looped objective, one ratio at a time (no kinks nearby)."""
    h = 1e-6
    out = []
    for i in range(len(ratio)):
        up, down = ratio.copy(), ratio.copy()
        up[i] += h
        down[i] -= h
        out.append((_surrogate(up, advantages, eps) - _surrogate(down, advantages, eps)) / (2 * h))
    return np.array(out)


def _grad_cases(rng):
    ratio = np.array([0.5, 0.9, 1.05, 1.1, 1.5, 0.7, 1.3, 2.0])
    adv = np.array([1.0, -1.0, 2.0, 0.5, 1.0, -2.0, -0.5, -1.0])
    r = np.exp(rng.normal(0, 0.3, 40))
    r = np.where(np.abs(np.abs(r - 1) - 0.1) < 1e-3, r + 0.01, r)       # keep off the kinks
    return [Case("8 samples on both sides of the clip range, eps 0.2", (ratio, adv, 0.2)),
            Case("40 random samples, eps 0.1", (r, rng.normal(size=40), 0.1))]


check_surrogate_gradient = FunctionCheck(
    "surrogate_gradient", _surrogate_grad, _grad_cases, rtol=1e-5, atol=1e-8,
    mistakes=[
        Mistake("clipped samples still pushed",
                "You returned A / N for every sample. Where the clip is active (A > 0 and the "
                "ratio above 1 + eps, or A < 0 and the ratio below 1 - eps) the objective is "
                "flat in the ratio, so its gradient there is 0: that is how PPO stops pushing.",
                "Zero the gradient where the clipped term is the smaller one.",
                variant=lambda r, a, e: a / len(a)),
        Mistake("the wrong side clipped",
                "You zeroed the gradient on the wrong side: for a positive advantage the "
                "objective is flat once the ratio is *above* 1 + eps; below 1 - eps it still "
                "pulls the ratio back up.",
                "active = ((A > 0) & (ratio < 1 + eps)) | ((A < 0) & (ratio > 1 - eps)).",
                variant=lambda r, a, e: np.where(((a > 0) & (r > 1 - e)) | ((a < 0) & (r < 1 + e)),
                                                 a, 0.0) / len(a)),
        Mistake("the mean forgotten",
                "Your gradient is N times too large: the objective is a mean over the N samples, "
                "so each sample's gradient carries a factor 1 / N.",
                "Divide by the number of samples.",
                variant=lambda r, a, e: len(a) * _surrogate_grad(r, a, e)),
    ],
    hint="Per sample: A / N where the unclipped term is the one the min picks "
         "(A > 0 and ratio < 1 + eps, or A < 0 and ratio > 1 - eps), else 0.")
