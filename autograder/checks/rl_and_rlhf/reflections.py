"""Checks for 07_rl_and_rlhf/09_reflections: the form of the learner's specification-gaming cases.

Form only (a person grades the substance against the rubric): a list of at
least three cases, each with every field filled in with real sentences, a
verdict on the KL penalty from a fixed set, and no two cases the same text.
"""

from __future__ import annotations

import re
from typing import Any

from ..core import Context, CustomCheck
from ..spec import Mistake

FIELDS = ("system", "specified", "intended", "exploit", "kl_penalty", "why")
TEXT_FIELDS = {"specified": 8, "intended": 8, "exploit": 10, "why": 12}
VERDICTS = ("yes", "partly", "no")
PLACEHOLDERS = ("todo", "tbd", "your answer here", "...", "xxx", "fill in")
_WORD = re.compile(r"[a-z0-9]+")

_GOOD = {
    "system": "CoastRunners boat-racing agent",
    "specified": "points from hitting targets along the race course, as the game counts them",
    "intended": "finish the race quickly and ahead of the other boats, like a human player",
    "exploit": "it circled a lagoon forever hitting the same respawning targets and never "
               "finished the race",
    "kl_penalty": "partly",
    "why": "a penalty toward a policy that races normally would make endless circling "
           "costly, but only if the reference already races, which a fresh agent does not",
}


def _example_cases(**change: Any) -> list[dict]:
    cases = []
    for i in range(3):
        case = {k: (f"{v} case {i}" if k in TEXT_FIELDS else v) for k, v in _GOOD.items()}
        cases.append(case)
    cases[0].update(change)
    return cases


PLACEHOLDER = Mistake(
    "placeholder text",
    "One of your fields is still a placeholder such as 'TODO'. The check can only see that "
    "something is written; the person grading needs your actual thinking.",
    "Write your own sentences; rough and honest beats polished and empty.",
    example=_example_cases(exploit="TODO"))
SINGLE = Mistake(
    "one case instead of a list",
    "gaming_cases is a single dict; the exercise asks for a list of at least three.",
    "Put the cases in square brackets: [{...}, {...}, {...}].",
    example=_GOOD)
VERDICT = Mistake(
    "a verdict outside the options",
    "kl_penalty should be exactly one of 'yes', 'partly' or 'no', so that your cases can be "
    "compared; put the nuance in 'why'.",
    "Choose 'yes', 'partly' or 'no', and explain in 'why'.",
    example=_example_cases(kl_penalty="maybe, it depends"))


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _verify(cases: Any, ctx: Context) -> None:
    ctx.require(cases is not None, "`gaming_cases` is still None: you have not filled it in yet",
                hint="Replace the None with your list of cases (see the example), run the "
                     "cell, then run this check again.")
    if isinstance(cases, dict):
        ctx.fail("gaming_cases should be a list [...] of cases, not a single case",
                 mistake=SINGLE)
    ctx.require(isinstance(cases, (list, tuple)), "gaming_cases should be a list [...]",
                [f"got {type(cases).__name__}"])
    ctx.require(len(cases) >= 3, f"gaming_cases has {len(cases)} case(s); write at least 3",
                hint="One from this stage's runs and two from elsewhere.")
    seen: dict[str, int] = {}
    for i, case in enumerate(cases):
        where = f"case {i}"
        ctx.require(isinstance(case, dict), f"{where} should be a dict like the example",
                    [f"got {type(case).__name__}"])
        missing = [k for k in FIELDS if k not in case]
        ctx.require(not missing, f"{where} is missing {', '.join(map(repr, missing))}",
                    hint="Copy the keys of the example exactly.")
        for key in ("system", *TEXT_FIELDS):
            text = case[key]
            ctx.require(isinstance(text, str), f"{where}['{key}'] should be text in quotes",
                        [f"got {type(text).__name__}"])
            if text.strip().lower() in PLACEHOLDERS:
                ctx.fail(f"{where}['{key}'] is a placeholder, not an answer", [repr(text)],
                         mistake=PLACEHOLDER)
            need = TEXT_FIELDS.get(key, 2)
            n = len(_words(text))
            ctx.require(n >= need, f"{where}['{key}'] is {n} word(s); write at least {need}",
                        [repr(text[:80])], hint="Say it fully: what, how, and an example.")
        if case["kl_penalty"] not in VERDICTS:
            ctx.fail(f"{where}['kl_penalty'] should be one of 'yes', 'partly', 'no'",
                     [f"got {case['kl_penalty']!r}"], mistake=VERDICT)
        key = " ".join(_words(case["exploit"]))
        ctx.require(key not in seen, f"cases {seen.get(key)} and {i} have the same exploit",
                    hint="Each case should be a different example.")
        seen[key] = i
        ctx.passed += 1


check_gaming_cases = CustomCheck(
    "gaming_cases", _verify, reference=_example_cases(),
    mistakes=[PLACEHOLDER, SINGLE, VERDICT],
    hint="A list of at least three dicts with the example's keys, each field in your own words.")
