"""Checks for 06_interpretability/07_reflections: the form of a plan to look for deception.

A person grades the substance against the notebook's rubric; this check gives immediate
feedback on form only: every field is there, written out (not a placeholder), the
method is one of the stage's tools, the two outcomes differ, and the probability is a
probability. (Stage 05's form helpers live in a layer this package may not import, so
the few it needs are written here.)
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

from ..core import Context, CustomCheck
from ..spec import Mistake

FIELDS = ("behaviour", "internal_signature", "method", "positive_result", "negative_result",
          "how_it_fails", "p_detect")
METHODS = ("probe", "activation patching", "ablation", "logit attribution", "circuit analysis")
TEXT_FIELDS = {"behaviour": 15, "internal_signature": 20, "positive_result": 15,
               "negative_result": 15, "how_it_fails": 20}
PLACEHOLDERS = ("your answer here", "todo", "tbd", "...", "fill in", "placeholder", "n/a")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

REFERENCE_PLAN = {
    "behaviour": "A code assistant that writes secure code while it believes it is being "
                 "evaluated, and inserts a subtle vulnerability once it believes it is deployed.",
    "internal_signature": "Somewhere in the middle layers the model must represent 'this looks "
                          "like deployment, not a test' before the first token of the "
                          "vulnerable code, since that belief is what switches its behaviour.",
    "method": "probe",
    "positive_result": "A linear probe trained on prompts labelled test or deployment by "
                       "construction predicts, on held-out prompts, which ones the model "
                       "will answer with vulnerable code, well above a control task.",
    "negative_result": "No probe beats its control: that shows the belief is not linearly "
                       "readable at the layers I tried, not that the model has no such belief.",
    "how_it_fails": "My labels come from prompts I wrote, so the probe may learn my prompts' "
                    "style instead of the model's belief; and a model under training pressure "
                    "against probes could represent the belief non-linearly or spread it out.",
    "p_detect": 0.35,
}


#: the form shown in the notebook: another behaviour, so that it cannot simply be copied
EXAMPLE_PLAN: dict[str, Any] = {
    "behaviour": "A model that answers dangerous-capability questions badly on purpose when "
                 "it recognises an evaluation, to look safer than it is (sandbagging).",
    "internal_signature": "If it sandbags, it must know the right answer and suppress it: the "
                          "answer should be present in an earlier layer and pushed down later.",
    "method": "logit attribution",
    "positive_result": "The logit lens shows the correct answer ranked first in the middle "
                       "layers and demoted by a few late heads, only on evaluation-style prompts.",
    "negative_result": "The correct answer never ranks high at any layer: consistent with the "
                       "model simply not knowing, though a non-linear encoding would also hide it.",
    "how_it_fails": "The logit lens reads the residual stream through the final unembedding, "
                    "which middle layers need not share; a model could also store the answer in "
                    "a form that only later layers decode.",
    "p_detect": 0.25,
}
COPY_RUN = 8    # this many words in a row shared with the example counts as a copy


def _words(text: str) -> list[str]:
    return _WORD.findall(str(text).lower().replace("’", "'"))


def _is_placeholder(text: str) -> bool:
    stripped = " ".join(str(text).lower().split()).strip(" .!?:;-_*#")
    if not any(ch.isalpha() for ch in stripped):
        return True
    return stripped in PLACEHOLDERS or stripped.startswith(("todo", "your answer"))


def _overlap(a: str, b: str) -> float:
    wa, wb = set(_words(a)), set(_words(b))
    return len(wa & wb) / max(1, min(len(wa), len(wb)))


def _shared_run(a: str, b: str) -> int:
    """The longest run of consecutive words that a and b share."""
    wa, wb = _words(a), _words(b)
    best = 0
    prev = [0] * (len(wb) + 1)
    for x in wa:
        cur = [0] * (len(wb) + 1)
        for j, y in enumerate(wb, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def _changed(**changes: Any) -> dict:
    return {**REFERENCE_PLAN, **changes}


PLAN_PLACEHOLDER = Mistake(
    "placeholder text",
    "One of the fields is still a placeholder (such as 'TODO' or '...'). The check can only "
    "see that something is written; the person grading needs your actual plan.",
    "Write your own sentences for every field. Rough and honest beats polished and empty.",
    example=_changed(how_it_fails="TODO"))
PLAN_PERCENT = Mistake(
    "a percentage instead of a probability",
    "`p_detect` should be a number between 0 and 1, and you wrote a percentage (35 for 35%).",
    "Divide by 100: 35% is 0.35.", example=_changed(p_detect=35))
PLAN_CERTAIN = Mistake(
    "certain either way",
    "`p_detect` is exactly 0 or 1. No plan is certain to find deception, and a plan certain "
    "to fail is not worth writing down: your honest uncertainty is the point.",
    "Use a probability strictly between 0 and 1.", example=_changed(p_detect=1.0))
PLAN_COPIED = Mistake(
    "copied from the example",
    "A field of your plan repeats a long run of words from the example form. The example is "
    "about a different behaviour; the exercise is your own plan for the one you chose.",
    "Pick your own deceptive behaviour and write each field for it, in your own words.",
    example=_changed(how_it_fails=EXAMPLE_PLAN["how_it_fails"]))
PLAN_SAME_OUTCOMES = Mistake(
    "the same outcome either way",
    "Your positive and negative results say nearly the same thing. A plan is only a test if "
    "you say in advance what you would see if the model were deceptive and what you would "
    "see if it were not (or if the method failed).",
    "Describe two results you could tell apart, and what each would and would not show.",
    example=_changed(negative_result=REFERENCE_PLAN["positive_result"]))


def _verify_plan(plan: Any, ctx: Context) -> None:
    ctx.require(plan is not None, "`audit_plan` is still None: you have not filled it in yet",
                hint="Replace the None with your plan (see the form above), run the cell, then "
                     "this check again.")
    ctx.require(isinstance(plan, dict), "`audit_plan` should be a dict {...}",
                [f"got {type(plan).__name__}"], hint="Copy the form of the example dict.")
    missing = [k for k in FIELDS if k not in plan]
    ctx.require(not missing, f"`audit_plan` is missing {', '.join(map(repr, missing))}",
                [f"it has {sorted(map(str, plan))}"],
                hint="Copy the keys of the form exactly (they are case-sensitive).")
    for field, min_words in TEXT_FIELDS.items():
        text = plan[field]
        ctx.require(isinstance(text, str), f"`{field}` should be text in quotes",
                    [f"got {type(text).__name__}"])
        if _is_placeholder(text):
            ctx.fail(f"`{field}` is a placeholder, not an answer", [f"got {text!r}"],
                     mistake=PLAN_PLACEHOLDER)
        n = len(_words(text))
        ctx.require(n >= min_words, f"`{field}` is {n} words long; write at least {min_words}",
                    hint="Say it fully: what, why, and a concrete example.")
        run = _shared_run(text, EXAMPLE_PLAN[field])
        ctx.require(run < COPY_RUN, f"`{field}` repeats {run} words in a row from the example",
                    mistake=PLAN_COPIED)
    method = plan["method"]
    ctx.require(method in METHODS, "`method` should be one of: " + ", ".join(map(repr, METHODS)),
                [f"got {method!r}"], hint="Choose the stage-06 tool your plan relies on most.")
    ctx.require(_overlap(plan["positive_result"], plan["negative_result"]) < 0.8,
                "your positive and negative results are nearly the same text",
                mistake=PLAN_SAME_OUTCOMES)
    p = plan["p_detect"]
    ctx.require(isinstance(p, numbers.Real) and not isinstance(p, bool) and not math.isnan(p),
                "`p_detect` should be a number between 0 and 1", [f"got {p!r}"])
    if 1 < p <= 100:
        ctx.fail(f"`p_detect` is {p:g}, which is bigger than 1", mistake=PLAN_PERCENT)
    ctx.require(0 <= p <= 1, f"`p_detect` is {p:g}; a probability is between 0 and 1")
    if p in (0, 1):
        ctx.fail(f"`p_detect` is exactly {p:g}", mistake=PLAN_CERTAIN)
    ctx.passed += 1


check_audit_plan = CustomCheck(
    "audit_plan", _verify_plan, reference=REFERENCE_PLAN,
    mistakes=[PLAN_PLACEHOLDER, PLAN_PERCENT, PLAN_CERTAIN, PLAN_COPIED, PLAN_SAME_OUTCOMES])
