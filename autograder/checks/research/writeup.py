"""Checks for 08_research/05_writing_it_up: a research log, scored predictions, a figure, claims.

Oracles: the log operations written as dictionary comprehensions over the entries
(not list appends and index searches), the scores as explicit sums with `math.log`
(not `autograder.calibration`, which the learner calls), the intervals of the
figure from `statistics.stdev` and `statistics.NormalDist`, and the verdict of a claim from the
sign of the product of its endpoints.
"""

from __future__ import annotations

import copy
import math
import statistics

import numpy as np

from ..core import CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from .errors import values_then_errors


def _refuse(bad: object) -> bool:
    """Raise ValueError if `bad` is true, else False (the references' refusals of bad input)."""
    if bad:
        raise ValueError("refused")
    return False


KEYS = ("time", "question", "prediction", "probability", "run", "outcome")

# ---------------------------------------------------------------------------
# Exercise 5.1: a prediction goes into the log before the run
# ---------------------------------------------------------------------------


def _entry(time, question, prediction, probability):
    return dict(zip(KEYS, (time, question, prediction, probability, None, None), strict=True))


def _log_prediction(log, time, question, prediction, probability):
    return [*({**e} for e in log), _entry(time, question, prediction, float(probability))]


def _appended_in_place(log, time, question, prediction, probability):
    log.append(_entry(time, question, prediction, float(probability)))
    return log


_LOG1 = [_entry("2026-12-07 10:00", "wider is better on new seeds", "B beats A", 0.7)]
_LOG2 = [*_LOG1, _entry("2026-12-07 10:05", "paired interval excludes 0", "it does", 0.55)]

_log_values = FunctionCheck(
    "log_prediction", _log_prediction,
    [Case("an empty log", ([], "2026-12-07 09:00", "does lr 1.0 diverge?", "it diverges", 0.2)),
     Case("a log with one entry",
          (copy.deepcopy(_LOG1), "2026-12-07 11:00", "lr 1.0 helps", "no", 0.35)),
     Case("a log with two entries, the same time as the last",
          (copy.deepcopy(_LOG2), "2026-12-07 10:05", "width 8 is worse", "it is worse", 0.9))],
    mutation=Mistake(
        "appended to the log in place",
        "Your function appended the entry to the log it was given. The log is the record of "
        "what you predicted and when; a function that edits the caller's copy makes it easy "
        "to change the record without noticing (run a cell twice and the entry is there twice).",
        "Build a new list: the old entries followed by the new one.",
        example=_appended_in_place),
    hint="Return a new list: the old entries, then a dict with the six keys time, question, "
         "prediction, probability, run (None) and outcome (None).")

check_log_prediction = CustomCheck(
    "log_prediction",
    values_then_errors(_log_values, [
        (Case("probability 1.0", ([], "2026-12-07 09:00", "q", "p", 1.0)),
         "a probability of 1 is certainty: the promise is strictly between 0 and 1"),
        (Case("probability 0", ([], "2026-12-07 09:00", "q", "p", 0.0)),
         "a probability of 0 is certainty too: strictly between 0 and 1"),
        (Case("probability 70 (a percentage)", ([], "2026-12-07 09:00", "q", "p", 70)),
         "probabilities lie strictly between 0 and 1"),
        (Case("a question already in the log",
              (copy.deepcopy(_LOG1), "2026-12-07 11:00", "wider is better on new seeds", "p", 0.5)),
         "a question is predicted once: a second prediction would hide the first"),
        (Case("a time earlier than the last entry's",
              (copy.deepcopy(_LOG2), "2026-12-07 09:59", "q", "p", 0.5)),
         "entries are in time order: an entry dated before the last one was written after it"),
    ]),
    reference=lambda log, time, question, prediction, probability: _refuse(
        not 0 < probability < 1 or any(e["question"] == question for e in log)
        or (log and time < log[-1]["time"]))
    or _log_prediction(log, time, question, prediction, probability),
    mistakes=[_log_values.mutation])

# ---------------------------------------------------------------------------
# Exercise 5.2: resolving a prediction after the run
# ---------------------------------------------------------------------------


def _resolve(log, question, run, outcome):
    return [{**e, "run": run, "outcome": bool(outcome)} if e["question"] == question else {**e}
            for e in log]


def _resolved_shallow(log, question, run, outcome):
    new = list(log)
    for e in new:
        if e["question"] == question:
            e["run"], e["outcome"] = run, bool(outcome)
    return new


def _resolved(entry, run, outcome):
    return {**entry, "run": run, "outcome": outcome}


_LOG3 = [*_LOG2, _resolved(_entry("2026-12-07 10:09", "lr 1.0 diverges", "yes", 0.3),
                           "lr sweep, seeds 0-9", False)]

_resolve_values = FunctionCheck(
    "resolve", _resolve,
    [Case("the first of two entries, it happened",
          (copy.deepcopy(_LOG2), "wider is better on new seeds", "widths, seeds 100-139", True)),
     Case("the second of three entries, it did not happen (outcome 0)",
          (copy.deepcopy(_LOG3), "paired interval excludes 0", "widths, seeds 100-139", 0))],
    mutation=Mistake(
        "changed the caller's entries",
        "The log you were given changed: copying the list (list(log), log[:]) copies the "
        "references to the same entry dicts, so setting a key on an entry of the copy sets "
        "it on the caller's entry too.",
        "Make a new dict for each entry: {**entry, 'run': run, 'outcome': ...}.",
        example=_resolved_shallow),
    hint="Return a new list of new dicts; only the entry of that question gets its run and "
         "its outcome (a bool).")

check_resolve = CustomCheck(
    "resolve",
    values_then_errors(_resolve_values, [
        (Case("a question nobody predicted", (copy.deepcopy(_LOG2), "unknown", "run", True)),
         "only a prediction recorded before the run can be resolved"),
        (Case("a question already resolved", (copy.deepcopy(_LOG3), "lr 1.0 diverges", "r", True)),
         "an outcome, once recorded, is not rewritten"),
    ]),
    reference=lambda log, question, run, outcome: _refuse(
        [e["outcome"] for e in log if e["question"] == question] != [None])
    or _resolve(log, question, run, outcome),
    mistakes=[_resolve_values.mutation])

# ---------------------------------------------------------------------------
# Exercise 5.3: scoring the resolved predictions against a base rate
# ---------------------------------------------------------------------------


def _score_log(log, base_rate):
    done = [(e["probability"], 1.0 if e["outcome"] else 0.0) for e in log
            if e["outcome"] is not None]
    n = len(done)
    brier = sum((p - o) ** 2 for p, o in done) / n
    brier_base = sum((base_rate - o) ** 2 for _, o in done) / n
    log_score = -sum(math.log(p if o else 1 - p) for p, o in done) / n
    log_base = -sum(math.log(base_rate if o else 1 - base_rate) for _, o in done) / n
    return {"n": n, "brier": brier, "brier_base": brier_base, "log": log_score,
            "log_base": log_base}


def _score_unresolved_as_misses(log, base_rate):
    return _score_log([{**e, "outcome": bool(e["outcome"])} for e in log], base_rate)


def _log_with(probabilities, outcomes):
    return [_resolved(_entry(f"2026-12-07 1{i // 10}:{i % 10}0", f"question {i}", "p", p),
                      "run", o)
            for i, (p, o) in enumerate(zip(probabilities, outcomes, strict=True))]


_SCORE_MIXED = _log_with([0.8, 0.3, 0.6, 0.9, 0.55], [True, False, None, True, None])

_score_values = FunctionCheck(
    "score_log", _score_log,
    [Case("three resolved entries, base rate 0.5",
          (_log_with([0.9, 0.2, 0.7], [True, False, False]), 0.5)),
     Case("five entries, two not resolved yet, base rate 0.6", (_SCORE_MIXED, 0.6)),
     Case("one resolved entry, base rate 0.25", (_log_with([0.4], [True]), 0.25))],
    mistakes=[Mistake(
        "unresolved entries scored as misses",
        "Your scores count the predictions whose outcome is still None as if they had not "
        "happened. An unresolved prediction has no outcome yet: it is not scored at all.",
        "Keep only the entries whose outcome is not None.",
        variant=_score_unresolved_as_misses)],
    rtol=1e-9, atol=1e-12,
    hint="Keep the resolved entries; score their probabilities with brier_score and "
         "log_score, and a forecaster who always says base_rate the same way.")

check_score_log = CustomCheck(
    "score_log",
    values_then_errors(_score_values, [
        (Case("a log with nothing resolved", (_log_with([0.5], [None]), 0.5)),
         "no resolved prediction means nothing to score"),
        (Case("base rate 0", (_log_with([0.4], [True]), 0.0)),
         "a base rate is a probability strictly between 0 and 1"),
        (Case("base rate 1", (_log_with([0.4], [False]), 1.0)),
         "a base rate is a probability strictly between 0 and 1"),
    ]),
    reference=lambda log, base_rate: _refuse(
        not 0 < base_rate < 1 or all(e["outcome"] is None for e in log))
    or _score_log(log, base_rate),
    mistakes=list(_score_values.mistakes))

# ---------------------------------------------------------------------------
# Exercise 5.4: a figure that carries its evidence
# ---------------------------------------------------------------------------

def _normal_intervals(results):
    z = statistics.NormalDist().inv_cdf(0.975)
    rows = [[float(v) for v in row] for row in results]
    means = [statistics.fmean(r) for r in rows]
    half = [z * statistics.stdev(r) / math.sqrt(len(r)) for r in rows]
    return np.array(means), np.array(half)


def _interval_bars(results):
    means, half = _normal_intervals(results)
    return means, half


check_interval_bars = FunctionCheck(
    "interval_bars", _interval_bars,
    lambda rng: [Case("3 configurations x 6 seeds",
                      (np.round(np.array([[0.80], [0.81], [0.78]])
                                + rng.normal(0, [[0.01], [0.02], [0.04]], (3, 6)), 3),)),
                 Case("1 configuration x 2 seeds", (np.array([[0.5, 0.7]]),)),
                 Case("2 differences x 30 seeds",
                      (np.round(rng.normal(0.003, 0.01, (2, 30)), 3),))],
    mistakes=[
        Mistake("error bars of one standard deviation",
                "Your half-widths are one standard deviation of a single run. That is how "
                "much one run varies, not how well the mean is known: the mean of n runs has "
                "standard error sd / sqrt(n), and a 95% interval is about 1.96 of those on "
                "each side.",
                "half-width = 1.96 * sd / sqrt(n), with the sample sd (ddof=1).",
                variant=lambda r: (r.mean(axis=1), r.std(axis=1, ddof=1))),
        Mistake("error bars of one standard error",
                "Your half-widths are one standard error: that is a 68% interval, not a 95% "
                "one. Readers take error bars for 95% intervals unless told otherwise.",
                "Multiply the standard error by z = NormalDist().inv_cdf(0.975), about 1.96.",
                variant=lambda r: (r.mean(axis=1), r.std(axis=1, ddof=1) / np.sqrt(r.shape[1]))),
    ],
    rtol=1e-9, atol=1e-12,
    hint="means over axis 1; half-widths NormalDist().inv_cdf(0.975) * sd / sqrt(n), sd with "
         "ddof=1 over axis 1.")


# ---------------------------------------------------------------------------
# Exercise 5.5: claims against evidence
# ---------------------------------------------------------------------------


def _verdict(low, high):
    # Both endpoints on one side of zero exactly when their product is positive.
    if low * high > 0:
        return "positive effect" if high > 0 else "negative effect"
    return "no detectable effect"


def _claims_table(claims, verdict=_verdict):
    return [{"claim": c["claim"], "experiment": c["experiment"],
             "low": float(c["interval"][0]), "high": float(c["interval"][1]),
             "verdict": verdict(float(c["interval"][0]), float(c["interval"][1]))}
            for c in claims]


def _touching(low, high):
    if low >= 0 and high > 0:
        return "positive effect"
    if high <= 0 and low < 0:
        return "negative effect"
    return "no detectable effect"


def _positive_only(low, high):
    return "positive effect" if low > 0 else "no detectable effect"


def _claim(claim, experiment, low, high):
    return {"claim": claim, "experiment": experiment, "interval": (low, high)}


_CLAIMS = [_claim("width 32 beats 16", "01: 40 seeds, paired", 0.0019, 0.0105),
           _claim("lr 1.0 hurts", "01: 40 seeds, paired", -0.031, -0.004),
           _claim("re-initialising changes nothing", "01: 40 seeds, paired", -0.004, 0.006)]
_EDGES = [_claim("interval starts at 0", "eval, 497 items", 0.0, 0.032),
          _claim("interval ends at 0", "eval, 497 items", -0.02, 0.0),
          _claim("GPT beats always-)", "eval, 497 items, paired", 0.173, 0.249),
          _claim("a point interval", "one item", 0.01, 0.01)]

_claims_values = FunctionCheck(
    "claims_table", _claims_table,
    [Case("three claims: a positive, a negative and a null interval", (copy.deepcopy(_CLAIMS),)),
     Case("intervals that touch zero, a clear effect, a point interval",
          (copy.deepcopy(_EDGES),))],
    mistakes=[
        Mistake("an interval touching zero called an effect",
                "An interval that starts or ends exactly at 0 does not exclude 0: a zero "
                "effect is still consistent with the data. Only an interval strictly above 0 "
                "(low > 0) or strictly below it (high < 0) supports calling it an effect.",
                "Use strict comparisons: low > 0, high < 0.",
                variant=lambda claims: _claims_table(claims, _touching)),
        Mistake("negative effects not reported",
                "Your table calls an interval entirely below zero 'no detectable effect'. A "
                "change that reliably hurts is an effect too, and often the most useful one to "
                "report.",
                "Test both sides: low > 0 is a positive effect, high < 0 a negative one.",
                variant=lambda claims: _claims_table(claims, _positive_only)),
    ],
    rtol=0, atol=0,
    hint="One row per claim with claim, experiment, low, high and the verdict: 'positive "
         "effect' if low > 0, 'negative effect' if high < 0, else 'no detectable effect'.")

check_claims_table = CustomCheck(
    "claims_table",
    values_then_errors(_claims_values, [
        (Case("a claim with no experiment", ([_claim("it works", "", 0.1, 0.2)],)),
         "a claim without the experiment behind it has no place in the table"),
        (Case("an interval with low > high", ([_claim("it works", "01", 0.2, 0.1)],)),
         "(low, high) with low > high is not an interval: something upstream went wrong"),
    ]),
    reference=lambda claims: _refuse(
        any(not c["experiment"] or c["interval"][0] > c["interval"][1] for c in claims))
    or _claims_table(claims),
    mistakes=list(_claims_values.mistakes))
