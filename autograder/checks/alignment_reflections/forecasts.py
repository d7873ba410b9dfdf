"""Checks for notebook 05/06: forecasts of the big questions, the practice set, scoring.

check_big_forecasts and check_practice_forecasts look at form (valid
probabilities, rationales, coherence between nested questions);
check_expected_brier compares the learner's formula with an enumeration of the
two outcomes; check_my_experiment tests the learner's own practice question.
"""

from __future__ import annotations

import difflib
import numbers
import time

import numpy as np

from ...reflections.practice import PRACTICE_KEYS
from ...reflections.questions import BIG_KEYS, NESTED
from ..core import Context, CustomCheck, FunctionCheck
from ..describe import describe, preview
from ..randomness import global_rng_state
from ..spec import Case, Mistake
from .form import (
    MultiValueCheck,
    placeholder_mistake,
    probability_mistakes,
    require_choice,
    require_dict,
    require_distinct,
    require_keys,
    require_probability,
    require_set,
    require_text,
    variant,
)

# -- the big questions ------------------------------------------------------------------

_RATIONALES = {
    "tai_by_2040": "Training compute has grown several times a year for a decade and models "
                   "already write code; I discount for bottlenecks in data, chips and "
                   "deployment in the real economy.",
    "tai_by_2070": "Forty-five years is a long time; the main way this fails is a long "
                   "plateau in what scaling delivers, which I think is possible but less "
                   "likely than not.",
    "catastrophe_by_2070": "I find the misgeneralisation argument fairly convincing but expect "
                           "many chances to notice warning signs and correct course before "
                           "anything irreversible happens.",
    "catastrophe_by_2100": "Slightly higher than by 2070 because the risk keeps accumulating "
                           "after that date, but most of it is concentrated in the first "
                           "decades of very capable systems.",
    "alignment_not_coordination": "Misuse and races seem easier to notice and regulate than a "
                                  "system that looks aligned and is not, which is the failure "
                                  "I worry about most.",
    "misaligned_later": "Capabilities spread quickly once shown to be possible, and not every "
                        "developer will pay the cost of alignment, unless regulation or "
                        "monitoring stops them.",
    "market_covers_it": "Companies pay for reliability that customers notice, but the rare, "
                        "high-stakes failures that matter most are exactly the ones markets "
                        "price badly.",
    "month_tasks_by_2030": "The measured horizon has doubled every few months for six years; "
                           "I expect the trend to slow as tasks need more reliability, so I "
                           "put a little under even odds on a month by 2030.",
}
_PS = {"tai_by_2040": 0.35, "tai_by_2070": 0.7, "catastrophe_by_2070": 0.06,
       "catastrophe_by_2100": 0.09, "alignment_not_coordination": 0.55,
       "misaligned_later": 0.4, "market_covers_it": 0.2, "month_tasks_by_2030": 0.45}
REFERENCE_FORECASTS = {k: {"p": _PS[k], "rationale": _RATIONALES[k]} for k in BIG_KEYS}

PERCENT, AS_TEXT = probability_mistakes(
    "forecast",
    percent_example=variant(REFERENCE_FORECASTS, {("tai_by_2040", "p"): 35}),
    text_example=variant(REFERENCE_FORECASTS, {("tai_by_2040", "p"): "35%"}))
CERTAIN = Mistake(
    "a forecast of exactly 0 or 1",
    "A probability of exactly 0 or 1 says no evidence could ever change your mind, and the "
    "log score of a certain forecast that turns out wrong is minus infinity. None of these "
    "questions is settled.",
    "Use a small or large number instead, such as 0.01 or 0.99.",
    example=variant(REFERENCE_FORECASTS, {("market_covers_it", "p"): 0}))
INCOHERENT = Mistake(
    "an earlier deadline with a higher probability",
    "You gave the earlier date a higher probability than the later one. Everything that has "
    "happened by the earlier date has also happened by the later one, so the later "
    "probability can only be the same or higher.",
    "Raise the later probability (or lower the earlier one) until later >= earlier.",
    example=variant(REFERENCE_FORECASTS, {("tai_by_2070", "p"): 0.3}))
SAME_RATIONALE = Mistake(
    "the same rationale for different questions",
    "Two questions have (nearly) the same rationale. Each question turns on different "
    "evidence, so each needs its own reason.",
    "For each question, write the one consideration that moves your number most.",
    example=variant(REFERENCE_FORECASTS, {("misaligned_later", "rationale"):
                                          _RATIONALES["market_covers_it"]}))
PLACEHOLDER = placeholder_mistake(
    variant(REFERENCE_FORECASTS, {("catastrophe_by_2100", "rationale"): "TODO"}))


def _verify_big_forecasts(forecasts, ctx: Context) -> None:
    require_set(ctx, forecasts, "forecasts")
    require_dict(ctx, forecasts, "`forecasts`")
    require_keys(ctx, forecasts, "`forecasts`", BIG_KEYS)
    rationales = {}
    for key in BIG_KEYS:
        where = f"forecasts[{key!r}]"
        entry = require_dict(ctx, forecasts[key], where)
        require_keys(ctx, entry, where, ("p", "rationale"))
        require_probability(ctx, entry["p"], f"{where}['p']", percent=PERCENT,
                            as_text=AS_TEXT, certain=CERTAIN)
        rationales[key] = require_text(ctx, entry["rationale"], f"{where}['rationale']",
                                       min_words=15, max_words=200, placeholder=PLACEHOLDER)
    require_distinct(ctx, rationales, "rationales", mistake=SAME_RATIONALE, threshold=0.8)
    for earlier, later in NESTED:
        p1, p2 = float(forecasts[earlier]["p"]), float(forecasts[later]["p"])
        ctx.require(p1 <= p2, f"{earlier} is {p1:g} but {later} is only {p2:g}",
                    mistake=INCOHERENT)


check_big_forecasts = CustomCheck(
    "forecasts", _verify_big_forecasts, reference=REFERENCE_FORECASTS,
    mistakes=[PERCENT, AS_TEXT, CERTAIN, INCOHERENT, SAME_RATIONALE, PLACEHOLDER])


# -- the practice set --------------------------------------------------------------------

REFERENCE_PRACTICE = dict(zip(PRACTICE_KEYS, (0.8, 0.5, 0.4, 0.05, 0.3, 0.85, 0.3, 0.6, 0.7,
                                              0.9, 0.6, 0.1, 0.2), strict=True))
REFERENCE_SEED = 31415
P_PERCENT, P_AS_TEXT = probability_mistakes(
    "forecast",
    percent_example=(variant(REFERENCE_PRACTICE, {("sixty_heads",): 5}), REFERENCE_SEED),
    text_example=(variant(REFERENCE_PRACTICE, {("sixty_heads",): "5%"}), REFERENCE_SEED))
P_CERTAIN = Mistake(
    "a forecast of exactly 0 or 1",
    "A forecast of exactly 0 or 1 leaves no room for a slip in your reasoning, and if it is "
    "wrong its log score is minus infinity, which no number of good forecasts can make up.",
    "Even for a question you can work out on paper, use 0.01 or 0.99.",
    example=(variant(REFERENCE_PRACTICE, {("diverges_at_lr_011",): 1}), REFERENCE_SEED))
ALL_HALF = Mistake(
    "every forecast 0.5",
    "All your forecasts are 0.5. That is always allowed, but it scores like a coin and "
    "teaches you nothing: the point is to find out where your intuition is good and where "
    "it is not.",
    "Commit to a number for each question, even a rough one.",
    example=({k: 0.5 for k in PRACTICE_KEYS}, REFERENCE_SEED))
UNKNOWN_QUESTION = Mistake(
    "not one of the practice questions",
    "A key of `practice_forecasts` is not a question of the practice set (a typo is the "
    "usual cause), so it cannot be resolved.",
    "Copy the keys from the table of questions.",
    example=(dict(REFERENCE_PRACTICE, sixty_head=0.1), REFERENCE_SEED))
BAD_SEED = Mistake(
    "a seed that is not a whole number",
    "`my_seed` must be a whole number (an int such as 1987). It decides the random draws of "
    "your experiments, so the same seed always gives the same results.",
    "Write it without quotes or decimals, e.g. my_seed = 1987.",
    example=(REFERENCE_PRACTICE, "1987"))


def _verify_practice(values, ctx: Context) -> None:
    forecasts, seed = values
    require_set(ctx, forecasts, "practice_forecasts")
    require_dict(ctx, forecasts, "`practice_forecasts`")
    for key in forecasts:
        if key not in PRACTICE_KEYS:
            close = difflib.get_close_matches(str(key), PRACTICE_KEYS, n=1, cutoff=0.5)
            ctx.fail(f"{key!r} is not one of the practice questions",
                     [f"did you mean {close[0]!r}?"] if close else [],
                     mistake=UNKNOWN_QUESTION)
    require_keys(ctx, forecasts, "`practice_forecasts`", PRACTICE_KEYS)
    ps = [require_probability(ctx, forecasts[k], f"practice_forecasts[{k!r}]",
                              percent=P_PERCENT, as_text=P_AS_TEXT, certain=P_CERTAIN)
          for k in PRACTICE_KEYS]
    ctx.require(any(p != 0.5 for p in ps), "every forecast is 0.5", mistake=ALL_HALF)
    require_set(ctx, seed, "my_seed")
    ctx.require(isinstance(seed, numbers.Integral) and not isinstance(seed, bool)
                and 0 <= int(seed) < 2**32, f"my_seed is {describe(seed)}", mistake=BAD_SEED)


check_practice_forecasts = MultiValueCheck(
    "practice_forecasts", _verify_practice, reference=(REFERENCE_PRACTICE, REFERENCE_SEED),
    mistakes=[P_PERCENT, P_AS_TEXT, P_CERTAIN, ALL_HALF, UNKNOWN_QUESTION, BAD_SEED])


# -- expected Brier score -----------------------------------------------------------------


def _expected_brier_by_enumeration(p, t):
    """Oracle: for each question, weigh the two outcomes by their real probability t."""
    total = 0.0
    pairs = list(zip(np.asarray(p, dtype=float).tolist(), np.asarray(t, dtype=float).tolist(),
                     strict=True))
    for forecast, truth in pairs:
        total += truth * (forecast - 1.0) ** 2 + (1.0 - truth) * (forecast - 0.0) ** 2
    return total / len(pairs)


def _brier_cases(rng):
    t = rng.uniform(0, 1, size=13)
    return [Case("13 forecasts and real probabilities",
                 (rng.uniform(0.05, 0.95, size=13), t)),
            Case("forecasts equal to the real probabilities", (t.copy(), t)),
            Case("always 0.5", (np.full(5, 0.5), np.array([0.1, 0.3, 0.5, 0.9, 0.95]))),
            Case("questions whose answer is certain (real probability 0 or 1)",
                 (np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 1.0])))]


check_expected_brier = FunctionCheck(
    "expected_brier", _expected_brier_by_enumeration, _brier_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("only the calibration term",
                "You returned the mean of (p - t)^2. That is the part of the score you control; "
                "the outcome is still random, and even a forecaster who knows t exactly "
                "expects to lose t(1 - t) on each question.",
                "Expand E[(p - Y)^2] with Y = 1 with probability t and Y = 0 otherwise.",
                variant=lambda p, t: np.mean((p - t) ** 2)),
        Mistake("the forecast's variance instead of the outcome's",
                "You added p(1 - p). The randomness comes from the outcome, whose probability is "
                "t, so the term that cannot be avoided is t(1 - t).",
                "Write E[(p - Y)^2] as t * (p - 1)^2 + (1 - t) * p^2 and simplify.",
                variant=lambda p, t: np.mean((p - t) ** 2 + p * (1 - p))),
        Mistake("one value per question",
                "You returned an array with one expected score per question. The Brier score of "
                "a set of forecasts is their mean.",
                "Take the mean over the questions.",
                variant=lambda p, t: (p - t) ** 2 + t * (1 - t)),
        Mistake("the sum instead of the mean",
                "Your result grows with the number of questions: you summed instead of "
                "averaging.",
                "Divide by the number of questions (np.mean).",
                variant=lambda p, t: np.sum((p - t) ** 2 + t * (1 - t))),
        Mistake("the outcomes swapped",
                "You weighted the outcomes the wrong way round, as if t were the probability "
                "that the event does *not* happen.",
                "When the event happens (probability t) the loss is (p - 1)^2; when it does "
                "not (probability 1 - t) it is p^2.",
                variant=lambda p, t: np.mean(t * p ** 2 + (1 - t) * (1 - p) ** 2)),
    ],
    hint="For one question, the expected loss is t * (p - 1)^2 + (1 - t) * p^2; average it.")


# -- your own practice question -----------------------------------------------------------

RUNS = 120
MAX_SECONDS_PER_RUN = 0.05
STAGES = ("00_orientation", "01_linear_algebra", "02_calculus", "03_probability",
          "04_transformer")
QUESTION_FIELDS = ("text", "stage", "forecast")


def _reference_experiment(rng):
    """Is the largest of 10 standard normal draws above 2?"""
    return bool(rng.normal(size=10).max() > 2.0)


REFERENCE_QUESTION = {"text": "The largest of 10 standard normal draws is above 2.",
                      "stage": "03_probability", "forecast": 0.25}
NOT_BOOL = Mistake(
    "returns a number, not True or False",
    "Your experiment returns a number. The practice set scores forecasts of events, so an "
    "experiment must say whether the event happened: True or False.",
    "Return a comparison, e.g. `return x.mean() > 0.5`.",
    example=(lambda rng: float(rng.normal(size=10).max()), REFERENCE_QUESTION))
NO_UNCERTAINTY = Mistake(
    "no uncertainty",
    f"Your experiment gave the same answer in all {RUNS} runs with different seeds. A "
    "question whose answer never changes cannot teach calibration (and it probably does not "
    "use `rng`).",
    "Draw the random parts from `rng` (rng.normal, rng.integers, ...) and pick a threshold "
    "where you genuinely do not know the answer.",
    example=(lambda rng: bool(np.ones(10).max() > 2.0), REFERENCE_QUESTION))
GLOBAL_RANDOMNESS = Mistake(
    "the global random state",
    "Your experiment used NumPy's global random functions (np.random.normal, np.random.rand, "
    "...) instead of the `rng` it was given, so the same seed does not give the same answer.",
    "Use the generator passed in: rng.normal(...), rng.integers(...).",
    example=(lambda rng: bool(np.random.normal(size=10).max() > 2.0), REFERENCE_QUESTION))
Q_PERCENT, Q_AS_TEXT = probability_mistakes(
    "forecast",
    percent_example=(_reference_experiment, variant(REFERENCE_QUESTION, {("forecast",): 25})),
    text_example=(_reference_experiment, variant(REFERENCE_QUESTION, {("forecast",): "25%"})))
Q_PLACEHOLDER = placeholder_mistake(
    (_reference_experiment, variant(REFERENCE_QUESTION, {("text",): "YOUR ANSWER HERE"})))


def _verify_my_experiment(values, ctx: Context) -> None:
    experiment, question = values
    ctx.require(experiment is not None, "`my_experiment` is still None: you have not written "
                "it yet", hint="Define `def my_experiment(rng):` returning True or False.")
    results = []
    state = global_rng_state()
    start = time.perf_counter()
    first = ctx.call(experiment, Case("one run with seed 0", (np.random.default_rng(0),)))
    ctx.require(isinstance(first, (bool, np.bool_)),
                f"my_experiment returned {describe(first)}, not True or False",
                [f"got {preview(first)}"], mistake=NOT_BOOL)
    ctx.require(time.perf_counter() - start < MAX_SECONDS_PER_RUN,
                f"one run of my_experiment takes {time.perf_counter() - start:.2f} s; keep "
                f"it under {MAX_SECONDS_PER_RUN} s so it can be run {RUNS} times",
                hint="Make the experiment smaller: fewer draws, fewer steps.")
    again = ctx.call(experiment, Case("seed 0 again", (np.random.default_rng(0),)))
    global_used = global_rng_state() != state
    ctx.require(not global_used and bool(again) == bool(first),
                "my_experiment does not give the same answer for the same seed",
                mistake=GLOBAL_RANDOMNESS)
    for seed in range(1, RUNS):
        results.append(bool(ctx.call(experiment, Case(f"seed {seed}",
                                                      (np.random.default_rng(seed),)))))
    ctx.require(0 < sum(results) < len(results),
                f"my_experiment returned {results[0]} for every seed", mistake=NO_UNCERTAINTY)
    require_set(ctx, question, "my_question")
    require_dict(ctx, question, "`my_question`")
    require_keys(ctx, question, "`my_question`", QUESTION_FIELDS)
    require_text(ctx, question["text"], "my_question['text']", min_words=6, max_words=60,
                 placeholder=Q_PLACEHOLDER)
    require_choice(ctx, question["stage"], "my_question['stage']", STAGES)
    require_probability(ctx, question["forecast"], "my_question['forecast']",
                        percent=Q_PERCENT, as_text=Q_AS_TEXT)


check_my_experiment = MultiValueCheck(
    "my_experiment", _verify_my_experiment, reference=(_reference_experiment,
                                                       REFERENCE_QUESTION),
    mistakes=[NOT_BOOL, NO_UNCERTAINTY, GLOBAL_RANDOMNESS, Q_PERCENT, Q_AS_TEXT, Q_PLACEHOLDER])
