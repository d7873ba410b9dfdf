"""Checks for notebook 05/05: the Hamming questions, and an impact plan as a chain."""

from __future__ import annotations

import numbers
from typing import Any

from ...reflections.chains import weakest_step
from ..core import Context, CustomCheck
from ..describe import describe
from ..spec import Mistake
from .form import (
    placeholder_mistake,
    probability_mistakes,
    require_dict,
    require_distinct,
    require_keys,
    require_list,
    require_probability,
    require_set,
    require_text,
    variant,
)

# -- the Hamming questions -----------------------------------------------------------------

HAMMING_FIELDS = ("important_problems", "my_work", "addresses", "connection")
REFERENCE_HAMMING: dict[str, Any] = {
    "important_problems": [
        "We cannot tell whether a capable model's good behaviour reflects good goals.",
        "Developers have strong incentives to deploy before safety is established.",
        "Supervision breaks down on tasks humans cannot check themselves.",
    ],
    "my_work": "Building evaluation harnesses that test models for deceptive behaviour under "
               "pressure.",
    "addresses": 0,
    "connection": "Evaluations cannot read goals directly, but tests designed so that honest "
                  "and deceptive models behave differently give partial evidence, and a "
                  "reliable negative result is exactly what a developer would need before "
                  "delaying a release.",
}
PROBLEMS_AS_TEXT = Mistake(
    "one text instead of a list of problems",
    "`important_problems` is one piece of text. List the problems separately, so that "
    "`addresses` can point at the one your work is about.",
    "Write important_problems = [\"first problem\", \"second problem\", \"third problem\"].",
    example=variant(REFERENCE_HAMMING, {("important_problems",):
                                        " ".join(REFERENCE_HAMMING["important_problems"])}))
BAD_INDEX = Mistake(
    "an index past the end of the list",
    "`addresses` points past the end of your list. Python counts from 0: with three "
    "problems the indices are 0, 1 and 2.",
    "Use the position of the problem counting from 0, or None if your work addresses none "
    "of them.",
    example=variant(REFERENCE_HAMMING, {("addresses",): 3}))
SAME_PROBLEM = Mistake(
    "the same problem twice",
    "Two of your 'most important problems' are the same problem in different words.",
    "Merge them and add a genuinely different problem.",
    example=variant(REFERENCE_HAMMING, {("important_problems", 2):
                                        REFERENCE_HAMMING["important_problems"][0]}))
HAMMING_PLACEHOLDER = placeholder_mistake(variant(REFERENCE_HAMMING, {("my_work",): "tbd"}))


def _verify_hamming(hamming, ctx: Context) -> None:
    require_set(ctx, hamming, "hamming")
    require_dict(ctx, hamming, "`hamming`")
    require_keys(ctx, hamming, "`hamming`", HAMMING_FIELDS)
    if isinstance(hamming["important_problems"], str):
        ctx.fail("hamming['important_problems'] is one text, not a list",
                 mistake=PROBLEMS_AS_TEXT)
    problems = require_list(ctx, hamming["important_problems"],
                            "hamming['important_problems']", min_items=3, max_items=7)
    texts = {}
    for i, problem in enumerate(problems):
        texts[f"problem {i}"] = require_text(ctx, problem, f"problem {i}", min_words=5,
                                             max_words=50, placeholder=HAMMING_PLACEHOLDER)
    require_distinct(ctx, texts, "texts", mistake=SAME_PROBLEM, threshold=0.75)
    require_text(ctx, hamming["my_work"], "hamming['my_work']", min_words=6,
                 placeholder=HAMMING_PLACEHOLDER)
    index = hamming["addresses"]
    if index is not None:
        ctx.require(isinstance(index, numbers.Integral) and not isinstance(index, bool),
                    f"hamming['addresses'] should be a whole number or None, not "
                    f"{describe(index)}")
        ctx.require(0 <= index < len(problems), f"hamming['addresses'] is {index}, but your "
                    f"list has {len(problems)} problems (indices 0 to {len(problems) - 1})",
                    mistake=BAD_INDEX)
    require_text(ctx, hamming["connection"], "hamming['connection']", min_words=25,
                 placeholder=HAMMING_PLACEHOLDER)


check_hamming = CustomCheck(
    "hamming", _verify_hamming, reference=REFERENCE_HAMMING,
    mistakes=[PROBLEMS_AS_TEXT, BAD_INDEX, SAME_PROBLEM, HAMMING_PLACEHOLDER])


# -- the impact plan ---------------------------------------------------------------------

PLAN_FIELDS = ("steps", "outcome", "weakest_link", "review_every_weeks", "review_triggers")
REFERENCE_PLAN = {
    "steps": [
        {"step": "I finish stages 01 to 04 and replicate one evaluation paper", "p": 0.8},
        {"step": "I get a research engineering role on an evaluations team", "p": 0.35},
        {"step": "My team's evaluations detect a dangerous capability before release",
         "p": 0.4},
        {"step": "The developer delays or restricts the release because of the result",
         "p": 0.5},
    ],
    "outcome": "A model that could have caused serious harm is not deployed unchecked.",
    "weakest_link": 1,
    "review_every_weeks": 8,
    "review_triggers": ["two rejected applications in a row from evaluation teams",
                        "a published case where a failed evaluation was ignored"],
}
STEP_PERCENT, STEP_AS_TEXT = probability_mistakes(
    "step probability",
    percent_example=variant(REFERENCE_PLAN, {("steps", 1, "p"): 35}),
    text_example=variant(REFERENCE_PLAN, {("steps", 1, "p"): "0.35"}))
IMPOSSIBLE_STEP = Mistake(
    "a step that cannot happen",
    "One step has probability 0, so the whole plan has probability 0. If you really think "
    "that step cannot happen, the plan needs a different route.",
    "Give the step your honest (small) probability, or replace it with a step that can work.",
    example=variant(REFERENCE_PLAN, {("steps", 2, "p"): 0}))
WEAKEST_NOT_LOWEST = Mistake(
    "the weakest link is not your least likely step",
    "You marked one step as the weakest link, but by your own numbers another step is less "
    "likely. Either your probabilities or your marking is off, and finding out which is the "
    "point of the exercise.",
    "Mark the step with the lowest probability, or change the probabilities to match what "
    "you believe.",
    example=variant(REFERENCE_PLAN, {("weakest_link",): 2}))
ONE_BASED = Mistake(
    "counting steps from 1",
    "`weakest_link` is past the end of your steps. Python counts from 0: with four steps the "
    "indices are 0, 1, 2 and 3.",
    "Use the position counting from 0.",
    example=variant(REFERENCE_PLAN, {("weakest_link",): 4}))
PLAN_PLACEHOLDER = placeholder_mistake(variant(REFERENCE_PLAN, {("outcome",): "TODO"}))
VAGUE_TRIGGER = Mistake(
    "a review trigger nobody could observe",
    "A review trigger should be an event you will notice when it happens (a rejection, a "
    "result, a date), not a feeling such as 'if it feels wrong'.",
    "Name something that happens in the world, with a number or a name where you can.",
    example=variant(REFERENCE_PLAN, {("review_triggers", 1): "if it feels wrong"}))


def _verify_plan(plan, ctx: Context) -> None:
    require_set(ctx, plan, "impact_plan")
    require_dict(ctx, plan, "`impact_plan`")
    require_keys(ctx, plan, "`impact_plan`", PLAN_FIELDS)
    steps = require_list(ctx, plan["steps"], "impact_plan['steps']", min_items=4,
                         max_items=12)
    ps = []
    for i, step in enumerate(steps):
        where = f"step {i}"
        require_dict(ctx, step, where)
        require_keys(ctx, step, where, ("step", "p"))
        require_text(ctx, step["step"], f"the text of {where}", min_words=6, max_words=40,
                     placeholder=PLAN_PLACEHOLDER)
        p = require_probability(ctx, step["p"], f"the probability of {where}",
                                percent=STEP_PERCENT, as_text=STEP_AS_TEXT)
        ctx.require(p > 0, f"the probability of {where} is 0", mistake=IMPOSSIBLE_STEP)
        ps.append(p)
    require_text(ctx, plan["outcome"], "impact_plan['outcome']", min_words=5,
                 placeholder=PLAN_PLACEHOLDER)
    link = plan["weakest_link"]
    ctx.require(isinstance(link, numbers.Integral) and not isinstance(link, bool),
                f"impact_plan['weakest_link'] should be the index of a step, not "
                f"{describe(link)}")
    ctx.require(0 <= link < len(steps), f"impact_plan['weakest_link'] is {link}, but the steps "
                f"are numbered 0 to {len(steps) - 1}", mistake=ONE_BASED)
    lowest = weakest_step(ps)
    ctx.require(ps[link] <= ps[lowest], f"you marked step {link} (p = {ps[link]:g}) as the "
                f"weakest link, but step {lowest} has p = {ps[lowest]:g}",
                mistake=WEAKEST_NOT_LOWEST)
    weeks = plan["review_every_weeks"]
    ctx.require(isinstance(weeks, numbers.Integral) and not isinstance(weeks, bool)
                and 1 <= int(weeks) <= 26, "impact_plan['review_every_weeks'] should be a whole "
                "number of weeks from 1 to 26", [f"got {describe(weeks)}"],
                hint="A plan is only kept up to date if you look at it: every 4 to 12 weeks "
                     "is typical.")
    triggers = require_list(ctx, plan["review_triggers"], "impact_plan['review_triggers']",
                            min_items=2)
    for i, trigger in enumerate(triggers):
        text = require_text(ctx, trigger, f"review trigger {i}", min_words=4,
                            placeholder=PLAN_PLACEHOLDER)
        ctx.require(not any(w in text.lower() for w in ("feel", "feels", "seems wrong",
                                                        "if needed", "when necessary")),
                    f"review trigger {i} is a feeling, not an event", [f"got {text!r}"],
                    mistake=VAGUE_TRIGGER)


check_impact_plan = CustomCheck(
    "impact_plan", _verify_plan, reference=REFERENCE_PLAN,
    mistakes=[STEP_PERCENT, STEP_AS_TEXT, IMPOSSIBLE_STEP, WEAKEST_NOT_LOWEST, ONE_BASED,
              PLAN_PLACEHOLDER, VAGUE_TRIGGER])
