"""Checks for 08_research/09_weak_to_strong.

Oracles: the definition of the performance gap recovered written with `fractions`
(exact arithmetic) for PGR; a loop over the entries with `math.log1p` and `math.exp`
(the softplus written per sign) for the cross-entropy with soft targets and its
gradient; the same loop, with the targets hardened from the logits, for the
confidence loss, and central finite differences of the learner's own loss for its
gradient; a loop over the resamples with `statistics.fmean` for the bootstrap of PGR.
"""

from __future__ import annotations

import math
import statistics
from fractions import Fraction

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..gradcheck import expect_gradients
from ..spec import Case, Mistake
from . import shared
from .errors import values_then_errors

# ---------------------------------------------------------------------------
# Exercise 9.1: predictions recorded before the runs
# ---------------------------------------------------------------------------

CLAIMS = ("w2s_beats_weak_every_seed", "pgr_above_half", "hard_below_soft",
          "confidence_raises_pgr")

check_w2s_predictions = CustomCheck(
    "predictions", shared.predictions_verifier(CLAIMS, "the experiment cells"),
    reference={"w2s_beats_weak_every_seed": 0.8, "pgr_above_half": 0.4,
               "hard_below_soft": 0.5, "confidence_raises_pgr": 0.6},
    hint="predictions = {'w2s_beats_weak_every_seed': 0.8, ...}: one probability per claim.")

# ---------------------------------------------------------------------------
# Exercise 9.2: the performance gap recovered
# ---------------------------------------------------------------------------


def _pgr_reference(weak, w2s, ceiling):
    w, s, c = (Fraction(float(x)) for x in (weak, w2s, ceiling))
    if c <= w:
        raise ValueError("no gap")
    return float((s - w) / (c - w))


_PGR_CASES = [
    Case("weak 0.70, weak-to-strong 0.80, ceiling 0.90 (half the gap)", (0.70, 0.80, 0.90)),
    Case("weak 0.62, weak-to-strong 0.70, ceiling 0.94", (0.62, 0.70, 0.94)),
    Case("a student worse than its supervisor: weak 0.75, w2s 0.72, ceiling 0.95",
         (0.75, 0.72, 0.95)),
    Case("a student above the ceiling: weak 0.60, w2s 0.93, ceiling 0.90", (0.60, 0.93, 0.90)),
]

_pgr_values = FunctionCheck(
    "pgr", _pgr_reference, _PGR_CASES,
    mistakes=[
        Mistake("the gap left, not the gap recovered",
                "Your number is (ceiling - w2s) / (ceiling - weak): the share of the gap the "
                "student did NOT close, which is 1 - PGR. A student no better than its "
                "supervisor should score 0, and yours scores 1.",
                "The numerator is what the student gained over its supervisor: w2s - weak.",
                variant=lambda w, s, c: (c - s) / (c - w)),
        Mistake("the gain, not divided by the gap",
                "Your number is w2s - weak: the gain in accuracy, in points. PGR divides it "
                "by the gain that was possible, ceiling - weak, so that tasks with different "
                "gaps can be compared.",
                "Divide by (ceiling - weak).",
                variant=lambda w, s, c: s - w),
        Mistake("divided by the student's distance to the ceiling",
                "You divided by ceiling - w2s. The gap to recover is fixed before the "
                "student is trained: it runs from the weak supervisor to the ceiling.",
                "The denominator is ceiling - weak.",
                variant=lambda w, s, c: (s - w) / (c - s)),
    ],
    dtype="kind", rtol=1e-9, atol=1e-12,
    hint="PGR = (w2s - weak) / (ceiling - weak): 0 when the student only matches its "
         "supervisor, 1 when it matches the ceiling.")

check_pgr = CustomCheck(
    "pgr",
    values_then_errors(_pgr_values, [
        (Case("ceiling == weak (0.8, 0.85, 0.8)", (0.8, 0.85, 0.8)),
         "with no gap between the weak model and the ceiling there is nothing to recover: "
         "the ratio is 0/0 or x/0, so the promise is a ValueError"),
        (Case("ceiling below weak (0.9, 0.85, 0.8)", (0.9, 0.85, 0.8)),
         "a ceiling below the weak model is a negative gap: the ratio's sign would mean the "
         "opposite of what it says, so the promise is a ValueError"),
    ]),
    reference=_pgr_reference,
    mistakes=list(_pgr_values.mistakes),
    hint=_pgr_values.hint)

# ---------------------------------------------------------------------------
# Exercise 9.3: cross-entropy with soft targets, and its gradient
# ---------------------------------------------------------------------------


def _softplus(x: float) -> float:
    """log(1 + e^x) without overflow."""
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _bce_loop(logits, targets, *, mean=True, sign=1.0):
    z = [float(v) for v in np.ravel(logits)]
    q = [float(v) for v in np.ravel(targets)]
    n = len(z)
    total, grad = 0.0, []
    for zi, qi in zip(z, q, strict=True):
        total += _softplus(zi) - qi * zi     # = -q log s(z) - (1 - q) log(1 - s(z))
        grad.append(sign * (_sigmoid(zi) - qi) / (n if mean else 1))
    return total / n, np.array(grad)


def _naive_bce(logits, targets):
    # the textbook formula through the sigmoid: log(0) at extreme logits
    with np.errstate(all="ignore"):
        z, q = np.asarray(logits, dtype=float), np.asarray(targets, dtype=float)
        p = 1 / (1 + np.exp(-z))
        loss = float(-np.mean(q * np.log(p) + (1 - q) * np.log(1 - p)))
    return loss, _bce_loop(logits, targets)[1]


def _soft_bce_reference(logits, targets):
    return _bce_loop(logits, targets)


def _bce_cases(rng):
    z = rng.normal(0, 2, size=7)
    return [
        Case("7 logits, soft targets between 0 and 1",
             (z, rng.uniform(0.05, 0.95, size=7))),
        Case("5 logits, hard targets in {0, 1}",
             (rng.normal(0, 2, size=5), np.array([0.0, 1.0, 1.0, 0.0, 1.0]))),
        Case("extreme logits (+-800), right and wrong",
             (np.array([800.0, -800.0, 800.0, -800.0, 0.5, -3.0]),
              np.array([1.0, 0.0, 0.0, 1.0, 0.3, 0.9]))),
    ]


check_soft_bce = FunctionCheck(
    "soft_bce", _soft_bce_reference, _bce_cases,
    mistakes=[
        Mistake("gradient summed, not averaged",
                "Your loss is the mean over the examples, but your gradient is the gradient "
                "of the sum: every entry is n times too large. The trainer would then take "
                "steps n times the size it was tuned for.",
                "Each example's gradient is (sigmoid(z) - q) / n, n the number of logits.",
                variant=lambda z, q: _bce_loop(z, q)[0:1] + (_bce_loop(z, q, mean=False)[1],)),
        Mistake("the gradient's sign flipped",
                "Your gradient is (q - sigmoid(z)) / n: the direction that makes the loss "
                "larger. Gradient descent would walk away from the targets.",
                "The derivative of softplus(z) - q z is sigmoid(z) - q.",
                variant=lambda z, q: _bce_loop(z, q)[0:1] + (_bce_loop(z, q, sign=-1.0)[1],)),
        Mistake("log of the sigmoid (overflows)",
                "Your values are right for moderate logits, but at +-800 the sigmoid rounds "
                "to exactly 0 or 1 and its log is -inf: the loss becomes inf or nan. A "
                "confident wrong answer should cost a large finite amount (about 800), "
                "not infinity.",
                "Write the loss as softplus(z) - q * z, with softplus(z) = np.logaddexp(0, z).",
                variant=_naive_bce),
    ],
    rtol=1e-9, atol=1e-12,
    hint="loss = mean(softplus(z) - q * z) with softplus(z) = np.logaddexp(0, z); "
         "gradient = (sigmoid(z) - q) / n.")

# ---------------------------------------------------------------------------
# Exercise 9.4: the auxiliary confidence loss and its gradient
# ---------------------------------------------------------------------------


def _confidence_loop(logits, weak_probs, alpha, *, harden_from="student", swap=False):
    z = np.asarray(logits, dtype=float)
    q = np.asarray(weak_probs, dtype=float)
    source = z if harden_from == "student" else q - 0.5
    hard = (source > 0).astype(float)
    a = 1 - alpha if swap else alpha
    lw, gw = _bce_loop(z, q)
    lh, gh = _bce_loop(z, hard)
    return (1 - a) * lw + a * lh, (1 - a) * gw + a * gh


def _confidence_reference(logits, weak_probs, alpha):
    return _confidence_loop(logits, weak_probs, alpha)


def _confidence_cases(rng):
    # Logits at least 0.1 from 0 (so that hardening is the same for z +- the finite
    # difference step), small and large, of both signs; the weak model disagrees with the
    # student on the first three entries.
    size = np.concatenate([rng.uniform(0.1, 0.9, size=4), rng.uniform(1.5, 3.5, size=4)])
    z = np.array([1, -1, 1, -1, -1, 1, -1, 1]) * size[[0, 4, 1, 5, 2, 6, 3, 7]]
    q = rng.uniform(0.1, 0.9, size=8)
    q[:3] = np.where(z[:3] > 0, 0.1, 0.9)
    return [
        Case("8 logits, weak probabilities that disagree on some, alpha=0.3", (z, q, 0.3)),
        Case("alpha=0: only the weak supervisor", (z[:5], q[:5], 0.0)),
        Case("alpha=1: only the student's own hardened predictions", (z[2:7], q[2:7], 1.0)),
        Case("6 logits, one exactly 0 (hardened to 0), alpha=0.75",
             (np.array([0.0, 0.4, -0.6, 2.2, -3.0, 0.9]) * [1, *rng.uniform(0.8, 1.2, 5)],
              rng.uniform(0.1, 0.9, size=6), 0.75)),
    ]


_confidence_values = FunctionCheck(
    "confidence_loss", _confidence_reference, _confidence_cases,
    mistakes=[
        Mistake("hardened the weak labels, not the student's predictions",
                "Your second target is the weak supervisor's labels rounded to 0 or 1. The "
                "confidence term is the student's own predictions, hardened: it lets the "
                "student disagree with its supervisor where it is confident. Rounding the "
                "weak labels only makes the student copy its supervisor harder.",
                "hard = (logits > 0), the student's prediction, as a float array of 0 and 1.",
                variant=lambda z, q, a: _confidence_loop(z, q, a, harden_from="weak")),
        Mistake("alpha on the wrong term",
                "You gave weight alpha to the weak labels and 1 - alpha to the hardened "
                "predictions. alpha is the weight of the student's own confidence: at "
                "alpha=0 the loss is plain cross-entropy with the weak labels.",
                "loss = (1 - alpha) * bce(z, weak_probs) + alpha * bce(z, hard).",
                variant=lambda z, q, a: _confidence_loop(z, q, a, swap=True)),
    ],
    rtol=1e-9, atol=1e-12,
    hint="hard = (logits > 0) as floats; loss = (1 - alpha) * bce(z, weak_probs) + alpha * "
         "bce(z, hard), and the gradient is the same mixture of the two gradients (the "
         "hardened targets are constants).")


def _verify_confidence(fn, ctx: Context) -> None:
    case = _confidence_values.make_cases(ctx.seed)[0]
    z0, q, alpha = case.args
    out = ctx.call(fn, case)
    ctx.require(isinstance(out, (tuple, list)) and len(out) == 2,
                "confidence_loss should return two things: (loss, grad)",
                [f"got {type(out).__name__}"])
    grad = np.asarray(out[1], dtype=float) if isinstance(out[1], np.ndarray) else None
    ctx.require(grad is not None and grad.shape == z0.shape,
                f"the gradient should be an array of the logits' shape {z0.shape}",
                [f"got {type(out[1]).__name__} with shape {getattr(out[1], 'shape', None)}"])
    assert grad is not None
    params = {"logits": np.array(z0, dtype=float)}

    def loss() -> float:
        return float(ctx.call(fn, Case(case.label, (params["logits"].copy(), q, alpha)))[0])

    # Your gradient against finite differences of your own loss: the hardened targets are
    # constant within the step, since every logit is at least 0.05 from 0.
    expect_gradients(ctx, loss, params, {"logits": grad},
                     label=f"{case.label}: your gradient is not the derivative of your loss",
                     eps=1e-5)
    _confidence_values._run(fn, ctx)


check_confidence_loss = CustomCheck(
    "confidence_loss", _verify_confidence, reference=_confidence_reference,
    mistakes=list(_confidence_values.mistakes), hint=_confidence_values.hint)

# ---------------------------------------------------------------------------
# Exercise 9.5: a bootstrap over seeds of PGR
# ---------------------------------------------------------------------------


def _bootstrap_loop(weak, w2s, ceiling, idx, *, per_seed=False):
    out = []
    for row in np.asarray(idx):
        rows = [int(i) for i in row]
        if per_seed:
            vals = [(w2s[i] - weak[i]) / (ceiling[i] - weak[i]) for i in rows]
            out.append(statistics.fmean(vals))
            continue
        w = statistics.fmean(float(weak[i]) for i in rows)
        s = statistics.fmean(float(w2s[i]) for i in rows)
        c = statistics.fmean(float(ceiling[i]) for i in rows)
        out.append((s - w) / (c - w) if c > w else math.nan)
    return np.array(out)


def _bootstrap_reference(weak, w2s, ceiling, idx):
    return _bootstrap_loop(weak, w2s, ceiling, idx)


def _bootstrap_cases(rng):
    n = 6
    weak = rng.uniform(0.70, 0.78, size=n).round(4)
    ceiling = rng.uniform(0.93, 0.98, size=n).round(4)
    w2s = (weak + rng.uniform(-0.02, 0.15, size=n)).round(4)
    idx = rng.integers(0, n, size=(7, n))
    # seeds with a tiny gap make one seed's own ratio huge: the mean of the ratios and the
    # ratio of the means then differ a lot
    weak2 = np.array([0.80, 0.70, 0.74, 0.90])
    ceiling2 = np.array([0.82, 0.95, 0.96, 0.895])
    w2s2 = np.array([0.83, 0.78, 0.80, 0.88])
    idx2 = np.array([[0, 1, 2, 3], [0, 0, 1, 2], [3, 3, 3, 3], [1, 2, 2, 0], [0, 0, 0, 0]])
    return [
        Case("4 seeds, 5 resamples, one seed with a small gap, one resample without any gap",
             (weak2, w2s2, ceiling2, np.vstack([idx2, [[3, 3, 0, 3]]]))),
        Case("6 seeds, 7 resamples", (weak, w2s, ceiling, idx)),
        Case("3 seeds, the identity resample and 2 others",
             (weak[:3], w2s[:3], ceiling[:3], np.array([[0, 1, 2], [2, 2, 1], [1, 0, 0]]))),
    ]


def _all_arms_resampled_apart(weak, w2s, ceiling, idx):
    # the student's seeds resampled by idx, the weak and ceiling seeds left in place
    out = []
    for row in np.asarray(idx):
        w, c = statistics.fmean(weak), statistics.fmean(ceiling)
        s = statistics.fmean(float(w2s[int(i)]) for i in row)
        out.append((s - w) / (c - w))
    return np.array(out)


check_bootstrap_pgr = FunctionCheck(
    "bootstrap_pgr", _bootstrap_reference, _bootstrap_cases,
    mistakes=[
        Mistake("the mean of the per-seed PGRs",
                "You averaged each seed's own PGR. A seed whose ceiling is barely above its "
                "weak model has a tiny denominator, and its ratio swamps all the others. "
                "The PGR of a resample is computed from its mean accuracies: the mean weak, "
                "mean w2s and mean ceiling of the resampled seeds.",
                "For each row of idx: average weak, w2s and ceiling over those seeds, then "
                "take (w2s_mean - weak_mean) / (ceiling_mean - weak_mean).",
                variant=lambda w, s, c, i: _bootstrap_loop(w, s, c, i, per_seed=True)),
        Mistake("only the student resampled",
                "You resampled the student's accuracies but kept the weak and ceiling "
                "accuracies of all the seeds. The three numbers of a seed belong together "
                "(the same data and split): a resample draws whole seeds, all three arms "
                "at once.",
                "Index weak, w2s and ceiling with the same row of idx.",
                variant=_all_arms_resampled_apart),
    ],
    rtol=1e-9, atol=1e-12,
    hint="for each row r of idx: w, s, c = weak[r].mean(), w2s[r].mean(), ceiling[r].mean(); "
         "the resample's PGR is (s - w) / (c - w), or nan when c <= w.")
