"""Checks for 08_research/06_a_question_of_your_own: pre-registration, plan, runs, verdict.

Oracles: the number of seeds by a search over n of the normal-approximation power
(`statistics.NormalDist`), not the closed formula; the runs as a dictionary keyed by
(condition, seed) filled by a check function that records every call; the verdict by
mirroring the interval onto the predicted direction and comparing endpoints.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from .errors import call_uncopied, values_then_errors

# ---------------------------------------------------------------------------
# Exercise 6.1: the pre-registration
# ---------------------------------------------------------------------------

TEXT_FIELDS = {"question": 20, "conditions": 0, "metric": 5, "prediction": 20,
               "analysis": 20, "stopping_rule": 20}
FIELDS = (*TEXT_FIELDS, "probability", "direction", "smallest_effect", "pilot_seeds", "seeds")

PILOT_REUSED = Mistake(
    "pilot seeds reused",
    "Some of the seeds of the main experiment are pilot seeds. The pilot chose the number of "
    "seeds (its spread went into the plan); running the test on the same seeds lets the data "
    "that shaped the plan also judge it.",
    "Give the main experiment seeds the pilot never used (e.g. the pilot 1000-1005, the "
    "experiment from 2000 on).",
    example={"question": "Does training twice as long help the 16-unit MLP?",
             "conditions": {"A": "300 steps", "B": "600 steps"},
             "metric": "test accuracy", "prediction": "B beats A by at least half a point",
             "analysis": "paired bootstrap 95% interval of mean(B) - mean(A)",
             "stopping_rule": "run exactly the seeds listed, analyse once",
             "probability": 0.6, "direction": 1, "smallest_effect": 0.005,
             "pilot_seeds": [1000, 1001, 1002], "seeds": [1002, 1003, 1004, 1005]})


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _verify_prereg(value, ctx: Context) -> None:
    ctx.require(isinstance(value, dict), "the pre-registration should be a dict",
                [f"got {type(value).__name__}"],
                hint="Fill in the dict given in the cell: replace each None.")
    missing = [k for k in FIELDS if value.get(k) is None]
    ctx.require(not missing, "every field of the pre-registration is written before the run",
                [f"not filled in yet: {', '.join(missing)}"])
    for key, shortest in TEXT_FIELDS.items():
        if key == "conditions":
            cond = value[key]
            ctx.require(isinstance(cond, dict) and len(cond) == 2
                        and all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                for k, v in cond.items()),
                        "conditions should name the two things compared",
                        ['a dict of two entries, e.g. {"A": "300 steps", "B": "600 steps"}',
                         f"got {str(cond)[:120]}"])
            continue
        text = value[key]
        ctx.require(isinstance(text, str) and len(text.strip()) >= shortest,
                    f"{key} should be a sentence (at least {shortest} characters)",
                    [f"got {str(text)[:120]!r}"])
    p = value["probability"]
    ctx.require(isinstance(p, (int, float)) and not isinstance(p, bool) and 0 < p < 1,
                "probability should be strictly between 0 and 1",
                [f"got {p!r}: your probability that the prediction comes true"])
    ctx.require(value["direction"] in (1, -1) and not isinstance(value["direction"], bool),
                "direction should be +1 (B above A) or -1 (B below A)",
                [f"got {value['direction']!r}"])
    e = value["smallest_effect"]
    ctx.require(isinstance(e, (int, float)) and not isinstance(e, bool) and e > 0,
                "smallest_effect should be a positive number in the metric's units",
                [f"got {e!r}: the smallest difference you would care about"])
    for key in ("pilot_seeds", "seeds"):
        seeds = value[key]
        ctx.require(isinstance(seeds, (list, tuple)) and len(seeds) >= 2
                    and all(_is_int(s) for s in seeds) and len(set(seeds)) == len(seeds),
                    f"{key} should be a list of at least two different whole numbers",
                    [f"got {str(seeds)[:120]}"])
    shared = sorted(set(value["pilot_seeds"]) & set(value["seeds"]))
    ctx.require(not shared, "the experiment's seeds should not include the pilot's",
                [f"in both lists: {shared[:8]}"], mistake=PILOT_REUSED)


check_preregistration = CustomCheck(
    "preregistration", _verify_prereg, reference={**PILOT_REUSED.example,
                                                  "seeds": [2000, 2001, 2002]},
    mistakes=[PILOT_REUSED])

# ---------------------------------------------------------------------------
# Exercise 6.2: how many seeds the plan needs
# ---------------------------------------------------------------------------


def _seeds_for_plan(pilot_differences, smallest_effect, alpha=0.05, power=0.8, *,
                    sd=None, z_alpha=None):
    values = [float(v) for v in np.asarray(pilot_differences).ravel()]
    sd = statistics.stdev(values) if sd is None else sd(values)
    dist = statistics.NormalDist()
    z = dist.inv_cdf(1 - alpha / 2) if z_alpha is None else z_alpha(alpha)
    n = 2
    while dist.cdf(smallest_effect * math.sqrt(n) / sd - z) < power:
        n += 1
    return n


def _pilot(rng, n, sd):
    return np.round(rng.normal(0.004, sd, n), 3)


_plan_values = FunctionCheck(
    "seeds_for_plan", _seeds_for_plan,
    lambda rng: [Case("6 pilot differences, smallest effect 0.005",
                      (np.array([0.004, -0.006, 0.011, 0.002, 0.009, -0.003]), 0.005)),
                 Case("8 pilot differences (sd about 0.01), smallest effect 0.003",
                      (_pilot(rng, 8, 0.01), 0.003)),
                 Case("5 pilot differences, effect 0.01, alpha 0.01, power 0.9",
                      (np.array([0.02, -0.01, 0.0, 0.015, 0.005]), 0.01, 0.01, 0.9)),
                 Case("a pilot of 2 differences, a large effect: the plan's floor of 2",
                      (np.array([0.001, 0.003]), 0.05))],
    mistakes=[
        Mistake("population sd of the pilot",
                "Your count uses the pilot's standard deviation divided by n (ddof=0). A pilot "
                "is a handful of seeds, and that version underestimates the spread, so the "
                "plan runs too few seeds.",
                "np.std(pilot_differences, ddof=1).",
                variant=lambda d, e, alpha=0.05, power=0.8: _seeds_for_plan(
                    d, e, alpha, power, sd=statistics.pstdev)),
        Mistake("one-sided z",
                "Your count uses z at 1 - alpha, a one-sided test. The analysis plan is a "
                "two-sided 95% interval, which leaves alpha / 2 in each tail: z at "
                "1 - alpha / 2.",
                "NormalDist().inv_cdf(1 - alpha / 2).",
                variant=lambda d, e, alpha=0.05, power=0.8: _seeds_for_plan(
                    d, e, alpha, power, z_alpha=lambda a: statistics.NormalDist().inv_cdf(1 - a))),
    ],
    hint="sd = the pilot's sample standard deviation; n = ceil(((z_{1-alpha/2} + z_power) "
         "* sd / smallest_effect) ** 2), and at least 2.")

check_seeds_for_plan = CustomCheck(
    "seeds_for_plan",
    values_then_errors(_plan_values, [
        (Case("smallest effect 0", (np.array([0.01, 0.02, 0.0]), 0.0)),
         "no number of seeds detects an effect of size 0"),
        (Case("a pilot of one seed", (np.array([0.01]), 0.005)),
         "one pilot difference has no spread to plan with"),
    ]),
    reference=lambda d, e, alpha=0.05, power=0.8: (
        _seeds_for_plan(d, e, alpha, power) if e > 0 and len(d) >= 2
        else int("not a plan")),
    mistakes=list(_plan_values.mistakes))

# ---------------------------------------------------------------------------
# Exercise 6.3: running exactly the planned seeds, both conditions per seed
# ---------------------------------------------------------------------------


class _Recorder:
    """A stand-in experiment: run(condition, seed) -> float, recording every call."""

    def __init__(self, effect: float):
        self.calls: list[tuple[str, int]] = []
        self.effect = effect

    def __call__(self, condition: str, seed: int) -> float:
        self.calls.append((condition, int(seed)))
        shared = np.random.default_rng([int(seed), 7]).normal(0.8, 0.02)   # the seed's data
        own = np.random.default_rng([int(seed), len(condition), ord(condition[-1])]).normal(
            0, 0.003)
        return round(float(shared + own + (self.effect if condition.endswith("B") else 0.0)), 3)


def _expected_runs(conditions, seeds, effect):
    run = _Recorder(effect)
    table = {(c, s): run(c, s) for c in conditions for s in seeds}
    return np.array([[table[(c, s)] for s in seeds] for c in conditions])


RERUNS = Mistake(
    "runs repeated or extra",
    "Your function called the experiment more often than once per condition and seed. The "
    "stopping rule fixes the runs in advance: every extra run (a re-run of a seed that "
    "looked odd, a few more seeds 'to be sure') is a chance to stop when the result looks "
    "good.",
    "One call per (condition, seed), in two loops, nothing else.",
    example=lambda run, conditions, seeds: np.array(
        [[run(c, s) for s in seeds] for c in conditions]) + 0 * run(conditions[0], seeds[0]))


def _verify_run_paired(fn: Callable, ctx: Context) -> None:
    rng = ctx.rng()
    first = [int(s) for s in rng.choice(np.arange(2000, 3000), 5, replace=False)]
    unordered = [int(s) for s in rng.choice(np.arange(100, 200), 3, replace=False)]
    cases = [(f"conditions ['A', 'B'], 5 seeds {first}", ["A", "B"], sorted(first), 0.01),
             (f"conditions ['base', 'new B'], seeds {unordered} in no order", ["base", "new B"],
              unordered, -0.02)]
    for label, conditions, seeds, effect in cases:
        run = _Recorder(effect)
        got = call_uncopied(ctx, fn, label, run, list(conditions), list(seeds))
        expected = _expected_runs(conditions, seeds, effect)
        ctx.expect(expected, np.asarray(got, dtype=float) if isinstance(got, (list, np.ndarray))
                   else got, label=f"{label}: results[condition, seed]", rtol=0, atol=1e-12,
                   dtype=None)  # a list of lists is as good as an array
        planned = sorted((c, s) for c in conditions for s in seeds)
        ctx.require(sorted(run.calls) == planned,
                    "each condition runs once on each planned seed, and nothing else",
                    [f"{label}: {len(run.calls)} calls for {len(planned)} planned runs"],
                    mistake=RERUNS if len(run.calls) > len(planned) else None)


check_run_paired = CustomCheck(
    "run_paired", _verify_run_paired,
    reference=lambda run, conditions, seeds: np.array(
        [[run(c, s) for s in seeds] for c in conditions]),
    mistakes=[RERUNS])

# ---------------------------------------------------------------------------
# Exercise 6.4: the pre-registered verdict
# ---------------------------------------------------------------------------


def _decide(interval, direction, smallest_effect, *, strict=True, sides=True, band=True):
    low, high = float(interval[0]), float(interval[1])
    if direction < 0:
        low, high = -high, -low                 # mirror: the prediction now points up
    beyond = (lambda v: v > 0) if strict else (lambda v: v >= 0)
    if beyond(low):
        return "confirmed"
    if sides and beyond(-high):
        return "refuted"
    if band and -smallest_effect < low and high < smallest_effect:
        return "refuted"
    return "inconclusive"


_decide_values = FunctionCheck(
    "decide", _decide,
    [Case("(+0.002, +0.011), predicted up, smallest effect 0.005", ((0.002, 0.011), 1, 0.005)),
     Case("(-0.03, -0.004), predicted up", ((-0.03, -0.004), 1, 0.005)),
     Case("(-0.03, -0.004), predicted down", ((-0.03, -0.004), -1, 0.005)),
     Case("(-0.002, +0.003), smallest effect 0.005: inside the band",
          ((-0.002, 0.003), 1, 0.005)),
     Case("(-0.002, +0.009), smallest effect 0.005", ((-0.002, 0.009), 1, 0.005)),
     Case("(0.0, +0.02), predicted up: touches zero", ((0.0, 0.02), 1, 0.005)),
     Case("(-0.02, 0.0), predicted up: touches zero", ((-0.02, 0.0), 1, 0.001)),
     Case("(-0.01, +0.002), predicted down, smallest effect 0.005",
          ((-0.01, 0.002), -1, 0.005))],
    mistakes=[
        Mistake("an interval touching zero taken as excluding it",
                "An interval that starts or ends exactly at 0 still contains 0, so it cannot "
                "confirm or refute a direction.",
                "Strict comparisons: low > 0, high < 0.",
                variant=lambda i, d, e: _decide(i, d, e, strict=False)),
        Mistake("the opposite direction called inconclusive",
                "An interval entirely on the other side of zero from your prediction refutes "
                "it: the effect is real and points the other way.",
                "Mirror the interval when the prediction points down, then test both sides.",
                variant=lambda i, d, e: _decide(i, d, e, sides=False)),
        Mistake("the equivalence band ignored",
                "An interval entirely inside (-smallest_effect, +smallest_effect) says every "
                "effect the data allow is smaller than the one you said mattered: the "
                "prediction is refuted, not left open.",
                "After the two sides, test -smallest_effect < low and high < smallest_effect.",
                variant=lambda i, d, e: _decide(i, d, e, band=False)),
    ],
    hint="Mirror the interval if direction is -1; low > 0: confirmed; high < 0 or inside "
         "the band: refuted; otherwise inconclusive.")

check_decide = CustomCheck(
    "decide",
    values_then_errors(_decide_values, [
        (Case("direction 0", ((0.01, 0.02), 0, 0.005)), "direction is +1 or -1"),
        (Case("smallest effect -0.005", ((0.01, 0.02), 1, -0.005)),
         "the smallest effect of interest is a size, above 0"),
        (Case("smallest effect 0", ((0.01, 0.02), 1, 0.0)),
         "the smallest effect of interest is a size, above 0"),
        (Case("an interval with low > high", ((0.02, 0.01), 1, 0.005)),
         "(low, high) with low > high is not an interval"),
    ]),
    reference=lambda i, d, e: (_decide(i, d, e) if d in (1, -1) and e > 0 and i[0] <= i[1]
                               else int("refused")),
    mistakes=list(_decide_values.mistakes))
