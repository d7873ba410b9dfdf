"""Checks for 07_rl_and_rlhf/07_reward_hacking: repetition, and Gao et al.'s overoptimisation curve.

Oracles: a loop with a set of seen words for the repetition rate; for the fit,
the 2x2 normal equations written out in plain floats and solved by Cramer's
rule (the notebook's solution calls a least-squares solver).
"""

from __future__ import annotations

import math

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake

# ---------------------------------------------------------------------------
# Exercise 7.1: how repetitive is a completion?
# ---------------------------------------------------------------------------


def _repetition_rate(words):
    seen: set[str] = set()
    repeats = 0
    for w in words:
        if w in seen:
            repeats += 1
        seen.add(w)
    return repeats / len(words) if words else 0.0


def _rep_cases(rng):
    pool = ["on", "self", "that", "return", "x"]
    return [Case("['on', 'on', 'that', 'on', 'it']", (["on", "on", "that", "on", "it"],)),
            Case("12 words drawn from 5", ([pool[i] for i in rng.integers(0, 5, 12)],)),
            Case("no repeats", (["def", "load", "fp", "cls"],)),
            Case("no words at all", ([],))]


def _share_of_repeated_words(words):
    if not words:
        return 0.0
    counts = {w: words.count(w) for w in words}
    return sum(counts[w] > 1 for w in words) / len(words)


check_repetition_rate = FunctionCheck(
    "repetition_rate", _repetition_rate, _rep_cases, rtol=1e-12, atol=1e-12,
    mistakes=[
        Mistake("the share of distinct words",
                "You returned the fraction of *distinct* words, which is 1 minus the "
                "repetition rate: a completion with no repeats should score 0, not 1.",
                "Count the words that already appeared earlier, divided by the number of words.",
                variant=lambda ws: len(set(ws)) / len(ws) if ws else 0.0),
        Mistake("first occurrences counted",
                "You counted every word that occurs more than once, its first occurrence "
                "included. In ['on', 'on', 'that'] only the second 'on' repeats anything: "
                "the rate is 1/3, not 2/3.",
                "Walk through the words with a set of the ones seen so far.",
                variant=_share_of_repeated_words),
    ],
    hint="repeats = words that are already in a set of the words before them; return "
         "repeats / len(words), or 0.0 for no words.")

# ---------------------------------------------------------------------------
# Exercise 7.2: fitting Gao et al.'s functional form
# ---------------------------------------------------------------------------


def _xlogx(d: float) -> float:
    return 0.0 if d == 0.0 else d * math.log(d)


def _fit(kl, gain):
    # gain ~ alpha * d - beta * d log d, d = sqrt(kl): least squares in (alpha, beta)
    a = [math.sqrt(float(k)) for k in kl]                  # column 1: d
    b = [-_xlogx(d) for d in a]                            # column 2: -d log d
    y = [float(g) for g in gain]
    saa = math.fsum(x * x for x in a)
    sbb = math.fsum(x * x for x in b)
    sab = math.fsum(x * z for x, z in zip(a, b, strict=True))
    say = math.fsum(x * z for x, z in zip(a, y, strict=True))
    sby = math.fsum(x * z for x, z in zip(b, y, strict=True))
    det = saa * sbb - sab * sab
    return np.array([(say * sbb - sby * sab) / det, (saa * sby - sab * say) / det])


def _fit_cases(rng):
    kl = np.array([0.0, 1.0, 4.0, 9.0, 25.0, 49.0, 81.0])
    d = np.sqrt(kl)
    with np.errstate(divide="ignore", invalid="ignore"):
        dlogd = np.where(d > 0, d * np.log(np.where(d > 0, d, 1.0)), 0.0)
    exact = 2.0 * d - 0.8 * dlogd
    kl2 = rng.uniform(0.5, 100.0, 30)
    d2 = np.sqrt(kl2)
    noisy = 1.5 * d2 - 0.5 * d2 * np.log(d2) + rng.normal(0.0, 0.3, 30)
    return [Case("exact data, alpha 2, beta 0.8, KL from 0 to 81", (kl, exact)),
            Case("30 noisy points", (kl2, noisy))]


def _fit_with(transform, sign=1.0):
    def fit(kl, gain):
        d = transform(np.asarray(kl, dtype=float))
        with np.errstate(divide="ignore", invalid="ignore"):
            dlogd = np.where(d > 0, d * np.log(np.where(d > 0, d, 1.0)), 0.0)
        X = np.stack([d, -sign * dlogd], axis=1)
        return np.linalg.lstsq(X, np.asarray(gain, dtype=float), rcond=None)[0]
    return fit


check_fit_overoptimisation = FunctionCheck(
    "fit_overoptimisation", _fit, _fit_cases, rtol=1e-6, atol=1e-9,
    mistakes=[
        Mistake("KL instead of its square root",
                "You fitted against the KL itself. Gao et al.'s form uses d = sqrt(KL), "
                "roughly a distance from the reference: gain = d (alpha - beta log d).",
                "d = np.sqrt(kl), then columns d and -d log d.",
                variant=_fit_with(lambda k: k)),
        Mistake("beta with the wrong sign",
                "Your beta has the opposite sign: the second column should be -d log d, so "
                "that a positive beta bends the curve down.",
                "Columns [d, -d * log(d)]; the coefficients are (alpha, beta).",
                variant=_fit_with(np.sqrt, -1.0)),
    ],
    hint="d = sqrt(kl); X = [d, -d log d] (with 0 log 0 = 0); (alpha, beta) = least squares of "
         "X against gain.")
