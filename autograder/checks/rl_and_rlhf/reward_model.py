"""Checks for 07_rl_and_rlhf/05_reward_model: a Bradley-Terry reward model on the GPT's features.

Oracles: explicit loops in plain Python floats (one position, one pair, one
feature at a time) for the pooling, the loss, its gradient and the accuracy;
for training, the same loops driving gradient descent step by step. None of
them is the notebook's vectorised solution.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import FunctionCheck
from ..scalar_math import sigmoid as _sigmoid
from ..scalar_math import softplus as _softplus
from ..spec import Case, Mistake

# ---------------------------------------------------------------------------
# Exercise 5.1: mean-pooling the completion's positions
# ---------------------------------------------------------------------------


def _mean_pool(h, mask):
    B, T, D = h.shape
    out = np.zeros((B, D))
    for b in range(B):
        rows = [h[b, t].astype(np.float64) for t in range(T) if mask[b, t]]
        for d in range(D):
            out[b, d] = math.fsum(float(r[d]) for r in rows) / len(rows)
    return out


def _pool_cases(rng):
    mask_a = np.array([[0, 0, 1, 1, 1], [0, 1, 1, 1, 1]], dtype=float)
    mask_b = (rng.random((4, 7)) < 0.5).astype(float)
    mask_b[:, 3] = 1.0                                     # every row has a position
    return [Case("2 sequences of 5 positions, 3 features, completions of different lengths",
                 (rng.normal(size=(2, 5, 3)), mask_a)),
            Case("4 sequences of 7 positions, 6 features, scattered masks",
                 (rng.normal(3.0, 2.0, size=(4, 7, 6)), mask_b)),
            Case("one sequence, one masked position",
                 (rng.normal(size=(1, 4, 2)), np.array([[0.0, 0.0, 0.0, 1.0]])))]


check_mean_pool = FunctionCheck(
    "mean_pool", _mean_pool, _pool_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("the mask is ignored",
                "You averaged over every position, the prompt's included. The reward model "
                "should judge the completion: only positions where mask is 1 count.",
                "Multiply h by mask[..., None], sum over positions, divide by mask.sum(axis=1).",
                variant=lambda h, m: h.mean(axis=1)),
        Mistake("a sum, not a mean",
                "You summed the masked positions without dividing by how many there are, so a "
                "longer completion gets a bigger vector just for being longer.",
                "Divide by mask.sum(axis=1)[:, None], the number of masked positions per row.",
                variant=lambda h, m: (h * m[..., None]).sum(axis=1)),
        Mistake("divided by every position",
                "You summed the masked positions but divided by the sequence length T, not by "
                "the number of masked positions.",
                "Divide by mask.sum(axis=1)[:, None].",
                variant=lambda h, m: (h * m[..., None]).sum(axis=1) / h.shape[1]),
    ],
    hint="sum over t of mask[b, t] * h[b, t], divided by the number of ones in mask[b].")

# ---------------------------------------------------------------------------
# Exercise 5.2: the reward model's loss and gradient
# ---------------------------------------------------------------------------


def _diffs(w, fc, fr):
    """The score differences r(chosen) - r(rejected), pair by pair, in plain floats."""
    return [math.fsum(float(w[d]) * (float(fc[i, d]) - float(fr[i, d])) for d in range(len(w)))
            for i in range(len(fc))]


def _rm_loss(w, fc, fr, l2):
    ds = _diffs(w, fc, fr)
    data = math.fsum(_softplus(-d) for d in ds) / len(ds)
    return data + 0.5 * l2 * math.fsum(float(x) ** 2 for x in w)


def _rm_grad(w, fc, fr, l2):
    ds = _diffs(w, fc, fr)
    m = len(ds)
    out = np.zeros(len(w))
    for d in range(len(w)):
        out[d] = math.fsum(-_sigmoid(-ds[i]) * (float(fc[i, d]) - float(fr[i, d])) / m
                           for i in range(m)) + l2 * float(w[d])
    return out


def _rm_cases(rng):
    extreme_c = np.array([[0.0, 0.0], [1.0, 2.0]])
    extreme_r = np.array([[400.0, 0.0], [0.0, 1.0]])        # pair 0: a difference of -800
    return [Case("5 features, 7 pairs, l2 = 0.1",
                 (rng.normal(size=5), rng.normal(size=(7, 5)), rng.normal(size=(7, 5)), 0.1)),
            Case("3 features, 12 pairs, l2 = 0",
                 (rng.normal(size=3), rng.normal(1.0, 2.0, (12, 3)), rng.normal(size=(12, 3)),
                  0.0)),
            Case("a confident model proved wrong: a score difference of -800, l2 = 0.01",
                 (np.array([2.0, 0.5]), extreme_c, extreme_r, 0.01))]


def _rm_loss_with(data, penalty):
    def loss(w, fc, fr, l2):
        d = (fc - fr) @ w
        return float(data(d)) + penalty(w, l2)
    return loss


_HALF = lambda w, l2: 0.5 * l2 * float(w @ w)        # noqa: E731
check_rm_loss = FunctionCheck(
    "rm_loss", _rm_loss, _rm_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("the rejected completion's loss",
                "Your loss is smallest when the *rejected* completion scores higher: the "
                "difference is r(rejected) - r(chosen).",
                "d = r(chosen) - r(rejected); the loss is mean log(1 + exp(-d)).",
                variant=_rm_loss_with(lambda d: np.logaddexp(0.0, d).mean(), _HALF)),
        Mistake("the sum over pairs, not the mean",
                "You summed the pairs' losses; the loss is their mean.",
                "Divide the data term by the number of pairs.",
                variant=_rm_loss_with(lambda d: np.logaddexp(0.0, -d).sum(), _HALF)),
        Mistake("log of a sigmoid that underflowed",
                "You computed -log(sigmoid(d)). For d = -800 the sigmoid is exactly 0 in "
                "float64 and the loss becomes inf, on the pair the model most needs to learn "
                "from (stage 03, exercise 7.3).",
                "-log sigmoid(d) = np.logaddexp(0, -d).",
                variant=_rm_loss_with(lambda d: (-np.log(1 / (1 + np.exp(-d)))).mean(), _HALF)),
        Mistake("l2 without the 1/2",
                "Your penalty is l2 * ||w||^2; the exercise defines it as (l2 / 2) * ||w||^2, "
                "whose gradient is simply l2 * w.",
                "Add 0.5 * l2 * np.sum(w ** 2).",
                variant=_rm_loss_with(lambda d: np.logaddexp(0.0, -d).mean(),
                                      lambda w, l2: l2 * float(w @ w))),
        Mistake("the penalty is missing",
                "Your loss has no weight penalty: add (l2 / 2) * ||w||^2.",
                "Add 0.5 * l2 * np.sum(w ** 2).",
                variant=_rm_loss_with(lambda d: np.logaddexp(0.0, -d).mean(), lambda w, l2: 0.0)),
    ],
    hint="d = (f_chosen - f_rejected) @ w, then np.logaddexp(0, -d).mean() + 0.5 * l2 * w @ w.")


def _rm_grad_with(scale, penalty):
    def grad(w, fc, fr, l2):
        diff = fc - fr                                      # (m, D)
        surprise = 1.0 / (1.0 + np.exp(diff @ w))           # sigmoid(-d), (m,)
        return -(diff.T @ surprise) * scale(len(fc)) + penalty * l2 * w
    return grad


check_rm_grad = FunctionCheck(
    "rm_grad", _rm_grad, _rm_cases, rtol=1e-8, atol=1e-11,
    mistakes=[
        Mistake("the penalty's gradient is missing",
                "Your gradient has no l2 term. The gradient of (l2 / 2) * ||w||^2 is l2 * w.",
                "Add l2 * w.",
                variant=_rm_grad_with(lambda m: 1.0 / m, 0.0)),
        Mistake("the penalty's gradient doubled",
                "Your penalty term is 2 * l2 * w, the gradient of l2 * ||w||^2; the loss has "
                "(l2 / 2) * ||w||^2.",
                "Add l2 * w.",
                variant=_rm_grad_with(lambda m: 1.0 / m, 2.0)),
        Mistake("the sum over pairs, not the mean",
                "Your data term is m times too large: the loss is a mean over the m pairs.",
                "Divide the data term by the number of pairs.",
                variant=_rm_grad_with(lambda m: 1.0, 1.0)),
        Mistake("a gradient with the wrong sign",
                "Your data term points uphill: each pair should push w toward "
                "f_chosen - f_rejected, scaled by how surprised the model was, "
                "sigmoid(-d), and the gradient is minus that.",
                "-(f_chosen - f_rejected).T @ sigmoid(-d) / m + l2 * w.",
                variant=_rm_grad_with(lambda m: -1.0 / m, 1.0)),
    ],
    hint="d = (f_c - f_r) @ w; the gradient is -(f_c - f_r).T @ sigmoid(-d) / m + l2 * w.")

# ---------------------------------------------------------------------------
# Exercise 5.3: training by gradient descent
# ---------------------------------------------------------------------------


def _train(fc, fr, l2, lr, steps):
    w = np.zeros(fc.shape[1])
    for _ in range(steps):
        w = w - lr * _rm_grad(w, fc, fr, l2)
    return w


def _train_cases(rng):
    return [Case("4 features, 30 pairs, l2 = 0.05, lr 0.5, 40 steps",
                 (rng.normal(0.3, 1.0, (30, 4)), rng.normal(size=(30, 4)), 0.05, 0.5, 40)),
            Case("2 features, 10 pairs, l2 = 0.2, lr 1.0, 1 step",
                 (rng.normal(size=(10, 2)), rng.normal(size=(10, 2)), 0.2, 1.0, 1)),
            Case("3 features, 8 pairs, 0 steps (w stays at zero)",
                 (rng.normal(size=(8, 3)), rng.normal(size=(8, 3)), 0.1, 0.5, 0))]


def _ascent(fc, fr, l2, lr, steps):
    w = np.zeros(fc.shape[1])
    for _ in range(steps):
        w = w + lr * _rm_grad_with(lambda m: 1.0 / m, 1.0)(w, fc, fr, l2)
    return w


def _one_step_short(fc, fr, l2, lr, steps):
    w = np.zeros(fc.shape[1])
    for _ in range(max(steps - 1, 0)):
        w = w - lr * _rm_grad_with(lambda m: 1.0 / m, 1.0)(w, fc, fr, l2)
    return w


check_train_reward_model = FunctionCheck(
    "train_reward_model", _train, _train_cases, rtol=1e-7, atol=1e-10,
    mistakes=[
        Mistake("gradient ascent",
                "Your w moves *up* the loss: w + lr * gradient. Training minimises the loss.",
                "w = w - lr * rm_grad(w, f_chosen, f_rejected, l2).",
                variant=_ascent),
        Mistake("one step short",
                "Your w is the result of steps - 1 updates, not steps: a loop off by one.",
                "for _ in range(steps): one update per step, starting from zeros.",
                variant=_one_step_short),
    ],
    hint="Start from w = np.zeros(D); repeat `steps` times: w = w - lr * rm_grad(...).")

# ---------------------------------------------------------------------------
# Exercise 5.4: pairwise accuracy
# ---------------------------------------------------------------------------


def _accuracy(rc, rr):
    total = 0.0
    for a, b in zip(rc.tolist(), rr.tolist(), strict=True):
        total += 1.0 if a > b else 0.5 if a == b else 0.0
    return total / len(rc)


def _accuracy_cases(rng):
    return [Case("6 pairs, one tie", (np.array([1.0, 0.2, -0.5, 3.0, 0.0, 2.0]),
                                      np.array([0.5, 0.9, -0.5, 1.0, 0.1, -2.0]))),
            Case("20 random pairs", (rng.normal(size=20), rng.normal(size=20))),
            Case("4 pairs, two ties", (np.array([1.0, 1.0, 0.0, -1.0]),
                                       np.array([1.0, 0.0, 0.0, 2.0])))]


check_pairwise_accuracy = FunctionCheck(
    "pairwise_accuracy", _accuracy, _accuracy_cases, rtol=1e-12, atol=1e-12,
    mistakes=[
        Mistake("ties count as right",
                "You counted a tie (equal scores) as a correct ranking. A tie ranks neither "
                "completion above the other: it counts one half, like a coin flip.",
                "(r_chosen > r_rejected) counts 1, (r_chosen == r_rejected) counts 0.5.",
                variant=lambda a, b: float(np.mean(a >= b))),
        Mistake("ties count as wrong",
                "You counted a tie as a wrong ranking; it counts one half, like a coin flip.",
                "(r_chosen > r_rejected) counts 1, (r_chosen == r_rejected) counts 0.5.",
                variant=lambda a, b: float(np.mean(a > b))),
        Mistake("the rejected completion's accuracy",
                "You measured how often the *rejected* completion scores higher.",
                "Count the pairs where r_chosen > r_rejected.",
                variant=lambda a, b: float(np.mean(a < b) + 0.5 * np.mean(a == b))),
    ],
    hint="np.mean((r_chosen > r_rejected) + 0.5 * (r_chosen == r_rejected)).")
