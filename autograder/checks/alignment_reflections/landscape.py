"""Checks for notebook 05/03: a map of the research agendas, and your place on it."""

from __future__ import annotations

import difflib

from ...reflections.landscape import AGENDA_KEYS, FOCUSES, ROLES, agenda, best_agenda
from ..core import Context, CustomCheck
from ..spec import Mistake
from .form import (
    MultiValueCheck,
    copied_mistake,
    placeholder_mistake,
    probability_mistakes,
    require_choice,
    require_dict,
    require_keys,
    require_probability,
    require_set,
    require_text,
    similarity,
    variant,
)

MIN_AGENDAS = 5
FIELDS = ("problem", "theory_of_change", "importance", "my_fit")

REFERENCE_MAP = {
    "interpretability": {
        "problem": "We cannot look inside a network and tell which algorithm it runs, so we "
                   "only ever judge it by its outputs.",
        "theory_of_change": "Tools that read internal goals or plans would let developers "
                            "catch a deceptive model before deployment and give evidence "
                            "that regulators and labs can act on.",
        "importance": 0.7, "my_fit": 0.6},
    "scalable_oversight": {
        "problem": "Human feedback stops being a reliable training signal once models do work "
                   "that people cannot check.",
        "theory_of_change": "If weaker overseers can still reward the right behaviour with "
                            "help from AI assistants, training keeps pointing at what we want "
                            "as systems get more capable.",
        "importance": 0.75, "my_fit": 0.4},
    "evaluations": {
        "problem": "Nobody knows what a new model can do until it is tested, and dangerous "
                   "abilities may appear without warning.",
        "theory_of_change": "Reliable measurements of dangerous abilities give labs and "
                            "governments a trigger for pausing or restricting deployment "
                            "before harm happens.",
        "importance": 0.6, "my_fit": 0.8},
    "agent_foundations": {
        "problem": "We lack a theory saying what it means for a system to have goals, so we "
                   "cannot tell when a proposal really solves alignment.",
        "theory_of_change": "A precise theory of agency would let researchers prove or refute "
                            "that a training scheme produces the intended goals instead of "
                            "hoping.",
        "importance": 0.5, "my_fit": 0.2},
    "robustness": {
        "problem": "Models that behave well on familiar inputs can behave badly on unusual or "
                   "adversarial ones.",
        "theory_of_change": "Training methods that hold up under adversarial pressure reduce "
                            "the chance that a deployed system fails in the rare situations "
                            "that matter most.",
        "importance": 0.4, "my_fit": 0.6},
}

UNKNOWN_AGENDA = Mistake(
    "not one of the listed agendas",
    "A key of `agenda_map` is not one of the agenda keys in the table.",
    "Use the keys exactly as in the table, e.g. 'scalable_oversight'. If you want to add an "
    "agenda that is missing, describe it in your written answer instead.",
    example=dict(REFERENCE_MAP, **{"interpretibility": REFERENCE_MAP["interpretability"]}))
PERCENT, AS_TEXT = probability_mistakes(
    "importance or fit score",
    percent_example=variant(REFERENCE_MAP, {("evaluations", "my_fit"): 80}),
    text_example=variant(REFERENCE_MAP, {("evaluations", "my_fit"): "high"}))
COPIED = copied_mistake(
    "the one-line description in the table",
    variant(REFERENCE_MAP, {("robustness", "problem"): "Make models behave as intended on "
                            "inputs unlike their training data, including inputs chosen to "
                            "make them fail."}))
PLACEHOLDER = placeholder_mistake(
    variant(REFERENCE_MAP, {("robustness", "theory_of_change"): "TBD"}))
TOC_IS_PROBLEM = Mistake(
    "the problem restated as a theory of change",
    "Your theory of change says again what the problem is. A theory of change is the causal "
    "path from the research succeeding to the world being safer: who uses the result, for "
    "what decision, and what goes differently because of it.",
    "Write it as a chain: 'If this research succeeds, then ..., which means ..., so ...'.",
    example=variant(REFERENCE_MAP, {("robustness", "theory_of_change"):
                                    REFERENCE_MAP["robustness"]["problem"]}))
SAME_IMPORTANCE = Mistake(
    "every agenda equally important",
    "You gave every agenda the same importance. The point of the map is to force a ranking: "
    "if everything matters equally, the map cannot tell you where to go.",
    "Compare the agendas two at a time: which would you fund first, and by how much?",
    example={k: dict(v, importance=0.5) for k, v in REFERENCE_MAP.items()})


def _verify_agenda_map(agenda_map, ctx: Context) -> None:
    require_set(ctx, agenda_map, "agenda_map")
    require_dict(ctx, agenda_map, "`agenda_map`")
    for key in agenda_map:
        if key not in AGENDA_KEYS:
            close = difflib.get_close_matches(str(key), AGENDA_KEYS, n=1, cutoff=0.5)
            ctx.fail(f"{key!r} is not one of the agendas in the table",
                     [f"did you mean {close[0]!r}?" if close else
                      f"the keys are {', '.join(AGENDA_KEYS)}"], mistake=UNKNOWN_AGENDA)
    importances = []
    for key, entry in agenda_map.items():
        where = f"agenda_map[{key!r}]"
        require_dict(ctx, entry, where)
        require_keys(ctx, entry, where, FIELDS)
        problem = require_text(ctx, entry["problem"], f"{where}['problem']", min_words=10,
                               max_words=80, placeholder=PLACEHOLDER, copied=COPIED,
                               sources={"the table's description": agenda(key).problem})
        toc = require_text(ctx, entry["theory_of_change"], f"{where}['theory_of_change']",
                           min_words=15, max_words=120, placeholder=PLACEHOLDER)
        ctx.require(similarity(problem, toc) < 0.6,
                    f"{where}['theory_of_change'] restates the problem",
                    mistake=TOC_IS_PROBLEM)
        importances.append(require_probability(ctx, entry["importance"],
                                               f"{where}['importance']", percent=PERCENT,
                                               as_text=AS_TEXT))
        require_probability(ctx, entry["my_fit"], f"{where}['my_fit']", percent=PERCENT,
                            as_text=AS_TEXT)
    ctx.require(len(agenda_map) >= MIN_AGENDAS,
                f"your map has {len(agenda_map)} agenda{'s' if len(agenda_map) != 1 else ''}; "
                f"this exercise asks for at least {MIN_AGENDAS}",
                [f"not yet mapped: {', '.join(k for k in AGENDA_KEYS if k not in agenda_map)}"],
                hint="Everything so far is in the right form; add more agendas.")
    ctx.require(len(set(importances)) > 1, "every agenda has the same importance",
                mistake=SAME_IMPORTANCE)


check_agenda_map = CustomCheck(
    "agenda_map", _verify_agenda_map, reference=REFERENCE_MAP,
    mistakes=[UNKNOWN_AGENDA, PERCENT, AS_TEXT, COPIED, PLACEHOLDER, TOC_IS_PROBLEM,
              SAME_IMPORTANCE])


# -- your place on the map -----------------------------------------------------------

PLACE_FIELDS = ("agenda", "role", "focus", "first_project", "what_would_move_me")
REFERENCE_PLACE = {
    "agenda": "evaluations",
    "role": "research contributor",
    "focus": "empirical",
    "first_project": "Reproduce a published capability evaluation on an open model and write "
                     "up where the measurements are fragile.",
    "what_would_move_me": "If after the replication I found the engineering dull and the "
                          "open questions exciting, I would try a short project of my own.",
}
NOT_MAPPED = Mistake(
    "an agenda you did not map",
    "You placed yourself on an agenda that is not in your `agenda_map`, so the map cannot "
    "show your choice against the alternatives.",
    "Add that agenda to `agenda_map` (with its scores), or choose one of the agendas you "
    "rated.",
    example=(variant(REFERENCE_PLACE, {("agenda",): "inner_alignment"}), REFERENCE_MAP))
UNEXPLAINED_CHOICE = Mistake(
    "a choice your own numbers argue against, unexplained",
    "By your own scores another agenda has a clearly larger importance x fit than the one you "
    "chose. That can be right (fit can change, some work is a stepping stone), but then it "
    "needs a reason.",
    "Add a 'why_not_top' entry explaining why you chose this agenda over the top one, or "
    "revisit your scores.",
    example=(variant(REFERENCE_PLACE, {("agenda",): "agent_foundations"}), REFERENCE_MAP))
PLACE_PLACEHOLDER = placeholder_mistake(
    (variant(REFERENCE_PLACE, {("first_project",): "todo"}), REFERENCE_MAP))


def _verify_my_place(values, ctx: Context) -> None:
    place, agenda_map = values
    require_set(ctx, place, "my_place")
    require_dict(ctx, place, "`my_place`")
    require_keys(ctx, place, "`my_place`", PLACE_FIELDS)
    require_set(ctx, agenda_map, "agenda_map")
    require_choice(ctx, place["agenda"], "my_place['agenda']", AGENDA_KEYS)
    ctx.require(place["agenda"] in agenda_map,
                f"my_place['agenda'] is {place['agenda']!r}, which is not in your agenda_map",
                mistake=NOT_MAPPED)
    require_choice(ctx, place["role"], "my_place['role']", ROLES)
    require_choice(ctx, place["focus"], "my_place['focus']", FOCUSES)
    require_text(ctx, place["first_project"], "my_place['first_project']", min_words=12,
                 placeholder=PLACE_PLACEHOLDER)
    require_text(ctx, place["what_would_move_me"], "my_place['what_would_move_me']",
                 min_words=12, placeholder=PLACE_PLACEHOLDER)
    best = best_agenda(agenda_map)

    def score(key):
        return float(agenda_map[key]["importance"]) * float(agenda_map[key]["my_fit"])

    if score(best) - score(place["agenda"]) > 0.1:
        ctx.require("why_not_top" in place,
                    f"your scores favour {best!r} (importance x fit {score(best):.2f}) over "
                    f"your choice {place['agenda']!r} ({score(place['agenda']):.2f})",
                    mistake=UNEXPLAINED_CHOICE)
        require_text(ctx, place["why_not_top"], "my_place['why_not_top']", min_words=12,
                     placeholder=PLACE_PLACEHOLDER)


check_my_place = MultiValueCheck(
    "my_place", _verify_my_place, reference=(REFERENCE_PLACE, REFERENCE_MAP),
    mistakes=[NOT_MAPPED, UNEXPLAINED_CHOICE, PLACE_PLACEHOLDER])
