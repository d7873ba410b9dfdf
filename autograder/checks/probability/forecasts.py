"""Checks for 03_probability/08_calibration: scoring rules, reliability, recalibration.

The oracles are the functions of :mod:`autograder.calibration`, the package's
own scoring tools (written independently of the notebook's solutions, and
shared with stage 05), and plain loops for the rest.
"""

from __future__ import annotations

import math

import numpy as np

from ... import calibration
from ..core import FunctionCheck
from ..spec import Case, Mistake


def _forecast_cases(rng):
    truth = rng.uniform(0.05, 0.95, 20)
    return [Case("forecasts [0.9, 0.7, 0.2, 0.6], outcomes [1, 1, 0, 0]",
                 (np.array([0.9, 0.7, 0.2, 0.6]), np.array([1, 1, 0, 0]))),
            Case("20 forecasts of random events",
                 (np.round(truth, 2), (rng.uniform(size=20) < truth).astype(int))),
            Case("certain and right: forecasts [1, 0, 0.5], outcomes [1, 0, 1]",
                 (np.array([1.0, 0.0, 0.5]), np.array([1, 0, 1]))),
            Case("certain and wrong: forecasts [0.5, 1], outcomes [1, 0] (log score inf)",
                 (np.array([0.5, 1.0]), np.array([1, 0])))]


# ---------------------------------------------------------------------------
# Exercise 8.1: the Brier score
# ---------------------------------------------------------------------------

check_brier_score = FunctionCheck(
    "brier_score", calibration.brier_score, _forecast_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("absolute error, not squared",
                "You averaged |forecast - outcome|. That looks reasonable, but it is not a "
                "proper scoring rule: it rewards exaggerating. If you believe 70%, saying 100% "
                "gives a lower expected absolute error, so forecasters scored this way learn "
                "to claim certainty (you will see this in a plot below).",
                "Square the differences: mean((forecast - outcome) ** 2).",
                variant=lambda p, o: float(np.abs(p - o).mean())),
        Mistake("the forecast of the other event",
                "You compared 1 - forecast with the outcome, as if the forecast were the "
                "probability that the event does *not* happen.",
                "The forecast is the probability that the event happens (outcome 1).",
                variant=lambda p, o: float(((1 - p - o) ** 2).mean())),
        Mistake("the sum, not the mean",
                "You summed the squared errors. The Brier score is their mean, so that "
                "forecasters with different numbers of forecasts can be compared.",
                "Divide by the number of forecasts.",
                variant=lambda p, o: float(((p - o) ** 2).sum())),
    ],
    hint="mean((forecast - outcome) ** 2).")

# ---------------------------------------------------------------------------
# Exercise 8.2: the log score
# ---------------------------------------------------------------------------


def _naive_log_score(p, o):
    return float(-(o * np.log(p) + (1 - o) * np.log(1 - p)).mean())


check_log_score = FunctionCheck(
    "log_score", calibration.log_score, _forecast_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("log of zero gives NaN",
                "Your score is NaN when a forecast is exactly 0 or 1 and it was right. Then "
                "o * log(p) + (1 - o) * log(1 - p) contains 0 * log(0) = 0 * (-inf), which is "
                "NaN in floating point, although that term should simply be absent.",
                "Take the probability given to what happened, np.where(o == 1, p, 1 - p), and "
                "then its log.",
                variant=_naive_log_score),
        Mistake("log of the forecast whatever happened",
                "You took -log(forecast) for every event, even those that did not happen. The "
                "log score uses the probability the forecaster gave to what *actually* "
                "happened: p if it happened, 1 - p if not.",
                "np.where(outcome == 1, p, 1 - p), then -mean(log(...)).",
                variant=lambda p, o: float(-np.log(p).mean())),
        Mistake("bits, not nats",
                "You used log base 2. This stage measures the log score in nats (natural "
                "logarithm), like the cross-entropy loss.",
                "Use np.log.",
                variant=lambda p, o: calibration.log_score(p, o, base=2.0)),
        Mistake("the mean log-probability, not its negative",
                "Your score is negative: the mean log-probability. As a penalty (lower is "
                "better, like the Brier score) it needs a minus sign.",
                "-mean(log(probability given to what happened)).",
                variant=lambda p, o: -calibration.log_score(p, o)),
    ],
    hint="-mean(log(np.where(outcome == 1, forecast, 1 - forecast))).")

# ---------------------------------------------------------------------------
# Exercise 8.3: the reliability table
# ---------------------------------------------------------------------------


def _reliability(p, o, n_bins):
    return tuple(calibration.reliability_table(p, o, n_bins))[1:]


def _table_with(index_fn, empty=np.nan, means="mean", freq="mean"):
    def table(p, o, n_bins):
        idx = index_fn(p, n_bins)
        size = max(n_bins, int(idx.max()) + 1)
        counts = np.bincount(idx, minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_f = np.bincount(idx, p, size) / counts
            hits = np.bincount(idx, o.astype(float), size)
            observed = hits / counts if freq == "mean" else hits
        if means == "centres":
            mean_f = (np.arange(size) + 0.5) / n_bins
        mean_f = np.where(counts > 0, mean_f, empty)
        observed = np.where(counts > 0, observed, empty)
        return counts, mean_f, observed
    return table


def _good_index(p, n):
    return np.minimum(np.floor(p * n + 1e-9).astype(int), n - 1)


def _reliability_cases(rng):
    truth = rng.uniform(0.0, 1.0, 200)
    return [Case("8 forecasts, 5 bins (bin [0.4, 0.6) is empty; one forecast is exactly 1)",
                 (np.array([0.05, 0.12, 0.33, 0.38, 0.71, 0.9, 1.0, 0.95]),
                  np.array([0, 0, 1, 0, 1, 1, 1, 0]), 5)),
            Case("200 random forecasts, 10 bins",
                 (truth, (rng.uniform(size=200) < truth).astype(int), 10)),
            Case("6 forecasts, 3 bins", (np.array([0.1, 0.5, 0.55, 0.9, 0.2, 0.75]),
                                         np.array([0, 1, 0, 1, 0, 1]), 3))]


check_reliability_table = FunctionCheck(
    "reliability_table", _reliability, _reliability_cases, rtol=1e-9, atol=1e-12, dtype=None,
    mistakes=[
        Mistake("a forecast of 1 falls off the end",
                "A forecast of exactly 1 lands in a bin number n_bins, one past the last bin: "
                "floor(1.0 * n_bins) = n_bins. Bins are numbered 0 .. n_bins - 1, and the last "
                "one includes 1.",
                "Clip the bin index: np.minimum(index, n_bins - 1).",
                variant=_table_with(lambda p, n: np.floor(p * n + 1e-9).astype(int))),
        Mistake("empty bins set to 0",
                "Your empty bins have mean forecast and frequency 0. An empty bin has no "
                "average at all; 0 would be drawn as a real point at (0, 0) in the diagram. "
                "Use NaN, which plotting skips.",
                "np.where(counts > 0, sums / counts, np.nan).",
                variant=_table_with(_good_index, empty=0.0)),
        Mistake("bin centres instead of mean forecasts",
                "You used the middle of each bin as its forecast. The point of a bin is the "
                "*average* forecast of the events in it, which can sit anywhere in the bin.",
                "Average the forecasts that fall in each bin.",
                variant=_table_with(_good_index, means="centres")),
        Mistake("event counts, not frequencies",
                "Your observed_frequency is the number of events that happened in each bin, "
                "not the fraction.",
                "Divide by the number of forecasts in the bin.",
                variant=_table_with(_good_index, freq="count")),
    ],
    hint="index = min(floor(p * n_bins), n_bins - 1); counts, mean forecast and event "
         "frequency per index (np.bincount with weights); NaN where a bin is empty.")

# ---------------------------------------------------------------------------
# Exercise 8.4: the expected penalty of a report
# ---------------------------------------------------------------------------


def absolute_penalty(forecasts, outcomes) -> float:
    """The mean absolute error |forecast - outcome|: a scoring rule that is NOT proper."""
    p = np.asarray(forecasts, dtype=float)
    o = np.asarray(outcomes, dtype=float)
    return float(np.abs(p - o).mean())


def _expected_penalty(penalty, report, belief):
    if_yes = penalty(np.array([report]), np.array([1]))
    if_no = penalty(np.array([report]), np.array([0]))
    return belief * if_yes + (1 - belief) * if_no


check_expected_penalty = FunctionCheck(
    "expected_penalty", _expected_penalty,
    [Case("Brier score, report 0.2, belief 0.7", (calibration.brier_score, 0.2, 0.7)),
     Case("log score, report 0.9, belief 0.6", (calibration.log_score, 0.9, 0.6)),
     Case("absolute error, report 0.4, belief 0.8", (absolute_penalty, 0.4, 0.8))],
    rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("belief weights swapped",
                "You weighted the penalty for 'it happened' by 1 - belief. If you believe the "
                "event has probability `belief`, the outcome 1 happens with that probability.",
                "belief * penalty(report, 1) + (1 - belief) * penalty(report, 0).",
                variant=lambda f, r, b: _expected_penalty(f, r, 1 - b)),
        Mistake("the report used as the probability",
                "You weighted the outcomes by the *report*. The expectation is over what you "
                "actually believe will happen; the report is only what you say.",
                "Weight by belief, not by report.",
                variant=lambda f, r, b: _expected_penalty(f, r, r)),
        Mistake("an unweighted average",
                "You averaged the two penalties equally. They must be weighted by how likely "
                "each outcome is under your belief.",
                "belief * penalty(report, 1) + (1 - belief) * penalty(report, 0).",
                variant=lambda f, r, b: _expected_penalty(f, r, 0.5)),
    ],
    hint="belief * penalty([report], [1]) + (1 - belief) * penalty([report], [0]).")

# ---------------------------------------------------------------------------
# Exercise 8.5: temperature scaling
# ---------------------------------------------------------------------------


def _scaled(p, t):
    logit = np.log(p) - np.log1p(-p)
    return 1.0 / (1.0 + np.exp(-logit / t))


def _best_temperature(forecasts, outcomes, temperatures):
    best, best_score = None, math.inf
    for t in temperatures.tolist():
        score = calibration.log_score(_scaled(forecasts, t), outcomes)
        if score < best_score:
            best, best_score = t, score
    return best


def _overconfident(rng, n, sharpen):
    truth = rng.uniform(0.03, 0.97, n)
    logit = np.log(truth) - np.log1p(-truth)
    forecasts = 1.0 / (1.0 + np.exp(-sharpen * logit))
    return np.clip(forecasts, 1e-6, 1 - 1e-6), (rng.uniform(size=n) < truth).astype(int)


def _temperature_cases(rng):
    temps = np.round(np.linspace(0.2, 4.0, 20), 2)
    return [Case("1000 overconfident forecasts, temperatures 0.2, 0.4, .., 4.0",
                 (*_overconfident(rng, 1000, 2.5), temps)),
            Case("1000 underconfident forecasts, temperatures 0.2, 0.4, .., 4.0",
                 (*_overconfident(rng, 1000, 0.4), temps)),
            Case("500 calibrated forecasts, temperatures 0.5, 1, 2",
                 (*_overconfident(rng, 500, 1.0), np.array([0.5, 1.0, 2.0]))),
            Case("8 forecasts of 0.5: every temperature (2, 0.5, 1) ties, so the first",
                 (np.full(8, 0.5), np.array([1, 0, 1, 1, 0, 0, 1, 0]),
                  np.array([2.0, 0.5, 1.0])))]


check_best_temperature = FunctionCheck(
    "best_temperature", _best_temperature, _temperature_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("logits multiplied by the temperature",
                "You multiplied the logits by T. Temperature divides: logit / T, as in "
                "notebook 06, so T > 1 softens overconfident forecasts.",
                "sigmoid(logit(p) / T).",
                variant=lambda p, o, ts: ts[int(np.argmin(
                    [calibration.log_score(_scaled(p, 1 / t), o) for t in ts]))]),
        Mistake("the worst temperature",
                "You returned the temperature with the *highest* log score. The log score is "
                "a penalty: lower is better.",
                "Use np.argmin over the scores.",
                variant=lambda p, o, ts: ts[int(np.argmax(
                    [calibration.log_score(_scaled(p, t), o) for t in ts]))]),
        Mistake("probabilities divided by the temperature",
                "You divided the probabilities by T instead of the logits. The result need not "
                "even be a probability, and it does not soften or sharpen a forecast evenly.",
                "Convert to logits first: log(p) - log(1 - p), divide by T, apply the sigmoid.",
                variant=lambda p, o, ts: ts[int(np.argmin(
                    [calibration.log_score(np.clip(p / t, 0, 1), o) for t in ts]))]),
    ],
    hint="For each T: calibrated = sigmoid((log p - log(1 - p)) / T); keep the T with the "
         "lowest log score.")
