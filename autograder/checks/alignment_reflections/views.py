"""Checks for notebook 05/04: an author's view in your words, your cruxes, an investigation."""

from __future__ import annotations

import numbers
import re

from ...readings import KEYS, closest_keys
from ...reflections.views import VERDICTS
from ..core import Context, CustomCheck
from ..describe import describe
from ..spec import Mistake
from .form import (
    placeholder_mistake,
    probability_mistakes,
    require_choice,
    require_dict,
    require_keys,
    require_list,
    require_probability,
    require_set,
    require_text,
    similarity,
    variant,
)

# -- paraphrase until the author would agree -------------------------------------------

VIEW_FIELDS = ("reading", "author_claim", "drafts", "what_changed")
REFERENCE_VIEW = {
    "reading": "shlegeris_cruxes",
    "author_claim": "Whether to work on AI safety should follow from a few explicit cruxes "
                    "you can check, not from general impressions of the field.",
    "drafts": [
        "Shlegeris thinks AI is dangerous and so people should work on it. He gives a list of "
        "reasons why he personally works on safety instead of other causes, mainly that AI "
        "will be very powerful soon and nobody else is handling it, and says other people "
        "could come to different conclusions from the same list.",
        "Shlegeris separates the decision into a few questions he could be wrong about: "
        "whether powerful AI comes within a few decades, whether it goes badly by default, "
        "whether work done now can make a difference, and whether he in particular is well "
        "placed to do it. He works on safety because each answer currently comes out yes for "
        "him, and he says which evidence would flip each one, so a listener can disagree "
        "with a specific step instead of with the whole conclusion.",
    ],
    "what_changed": "My first draft summarised his conclusion; the second gives the structure "
                    "of his reasoning and what would change it, which is what he was "
                    "actually arguing for.",
}
UNKNOWN_READING = Mistake(
    "unknown reading",
    "`reading` is not a key of the reading list.",
    "Use the key from the reading list table, e.g. 'nanda_own_views'.",
    example=variant(REFERENCE_VIEW, {("reading",): "shlegeris"}))
ONE_DRAFT = Mistake(
    "one draft as text instead of a list of drafts",
    "`drafts` is a single text. The exercise is to write a paraphrase, compare it with the "
    "reading, and write it again: keep every version, in order, as a list.",
    "Write drafts = [\"first version ...\", \"second version ...\"].",
    example=variant(REFERENCE_VIEW, {("drafts",): REFERENCE_VIEW["drafts"][1]}))
UNCHANGED_DRAFT = Mistake(
    "a second draft that is the first one again",
    "Two consecutive drafts are (almost) the same text. A new draft should fix what you got "
    "wrong or left out after checking the first one against the reading.",
    "Reread the passage your first draft is weakest on, then rewrite that part.",
    example=variant(REFERENCE_VIEW, {("drafts", 1): REFERENCE_VIEW["drafts"][0] + " Also, "
                                     "he is thoughtful."}))
VIEW_PLACEHOLDER = placeholder_mistake(variant(REFERENCE_VIEW, {("what_changed",): "..."}))


def _verify_view(view, ctx: Context) -> None:
    require_set(ctx, view, "view_paraphrase")
    require_dict(ctx, view, "`view_paraphrase`")
    require_keys(ctx, view, "`view_paraphrase`", VIEW_FIELDS)
    if view["reading"] not in KEYS:
        close = closest_keys(str(view["reading"]))
        ctx.fail(f"view_paraphrase['reading'] is {view['reading']!r}, not a key of the "
                 "reading list", [f"did you mean {' or '.join(map(repr, close))}?"]
                 if close else [], mistake=UNKNOWN_READING)
    ctx.passed += 1
    require_text(ctx, view["author_claim"], "view_paraphrase['author_claim']", min_words=8,
                 max_words=60, placeholder=VIEW_PLACEHOLDER)
    if isinstance(view["drafts"], str):
        ctx.fail("view_paraphrase['drafts'] is one text, not a list of drafts",
                 mistake=ONE_DRAFT)
    drafts = require_list(ctx, view["drafts"], "view_paraphrase['drafts']", min_items=2)
    for i, draft in enumerate(drafts):
        require_text(ctx, draft, f"draft {i + 1}", min_words=40, max_words=400,
                     placeholder=VIEW_PLACEHOLDER)
    for i in range(1, len(drafts)):
        ctx.require(similarity(drafts[i - 1], drafts[i]) < 0.85,
                    f"draft {i + 1} is nearly the same as draft {i}", mistake=UNCHANGED_DRAFT)
    require_text(ctx, view["what_changed"], "view_paraphrase['what_changed']", min_words=15,
                 placeholder=VIEW_PLACEHOLDER)


check_view_paraphrase = CustomCheck(
    "view_paraphrase", _verify_view, reference=REFERENCE_VIEW,
    mistakes=[UNKNOWN_READING, ONE_DRAFT, UNCHANGED_DRAFT, VIEW_PLACEHOLDER])


# -- cruxes -----------------------------------------------------------------------------

CRUX_FIELDS = ("question", "probability", "if_yes", "if_no", "impact")
MIN_CRUXES = 3
REFERENCE_CRUXES = [
    {"question": "Will systems that can do most AI research exist before 2040?",
     "probability": 0.45,
     "if_yes": "Skip a PhD and take the fastest route to useful engineering work on safety.",
     "if_no": "A PhD becomes a good investment, since research taste matters for decades.",
     "impact": 5},
    {"question": "Can interpretability results on small models transfer to frontier models?",
     "probability": 0.5,
     "if_yes": "Spend the next six months on circuit-style interpretability projects.",
     "if_no": "Move to evaluations, where results apply to large models directly.",
     "impact": 4},
    {"question": "Will labs act on a failed dangerous-capability evaluation by delaying a "
                 "release?",
     "probability": 0.7,
     "if_yes": "Evaluation work has a direct path to impact and is worth joining now.",
     "if_no": "Evaluations matter mainly through regulation, so learn how policy uses them.",
     "impact": 3},
]
NOT_A_QUESTION = Mistake(
    "a statement instead of a question",
    "A crux is a question you are unsure about, written so that it could be answered yes or "
    "no. Your `question` is a statement.",
    "Rewrite it as a yes/no question ending in '?', e.g. 'Will ... by 2030?'.",
    example=variant(REFERENCE_CRUXES, {(0, "question"): "AI research gets automated soon."}))
SAME_EITHER_WAY = Mistake(
    "not a crux: the same plan either way",
    "Your 'if yes' and 'if no' describe the same plan. If the answer does not change what "
    "you would do, the question is interesting but it is not a crux for you.",
    "Either say concretely how your plan differs between the answers, or replace the "
    "question with one that would change your plan.",
    example=variant(REFERENCE_CRUXES, {(1, "if_no"): REFERENCE_CRUXES[1]["if_yes"]}))
SETTLED = Mistake(
    "a crux you are certain about",
    "You gave a crux a probability of exactly 0 or 1. If you are certain of the answer, it is "
    "settled for you and there is nothing to investigate.",
    "Use your honest uncertainty (e.g. 0.9 rather than 1), or drop the question.",
    example=variant(REFERENCE_CRUXES, {(2, "probability"): 1}))
CRUX_PERCENT, CRUX_AS_TEXT = probability_mistakes(
    "probability",
    percent_example=variant(REFERENCE_CRUXES, {(0, "probability"): 45}),
    text_example=variant(REFERENCE_CRUXES, {(0, "probability"): "45%"}))
IMPACT_SCALE = Mistake(
    "impact outside 1 to 5",
    "`impact` is a whole number from 1 (your plans barely depend on the answer) to 5 (your "
    "plans turn on it).",
    "Use 1, 2, 3, 4 or 5.",
    example=variant(REFERENCE_CRUXES, {(0, "impact"): 9}))
CRUX_PLACEHOLDER = placeholder_mistake(variant(REFERENCE_CRUXES, {(2, "if_no"): "TODO"}))


def _verify_cruxes(cruxes, ctx: Context) -> None:
    require_set(ctx, cruxes, "cruxes")
    items = require_list(ctx, cruxes, "`cruxes`", min_items=1, max_items=8)
    for i, crux in enumerate(items):
        where = f"crux {i + 1}"
        require_dict(ctx, crux, where)
        require_keys(ctx, crux, where, CRUX_FIELDS)
        question = require_text(ctx, crux["question"], f"the question of {where}",
                                min_words=5, max_words=40, placeholder=CRUX_PLACEHOLDER)
        ctx.require(question.strip().endswith("?"), f"the question of {where} does not end "
                    "with '?'", [f"got {question!r}"], mistake=NOT_A_QUESTION)
        require_probability(ctx, crux["probability"], f"the probability of {where}",
                            percent=CRUX_PERCENT, as_text=CRUX_AS_TEXT, certain=SETTLED)
        yes = require_text(ctx, crux["if_yes"], f"'if_yes' of {where}", min_words=6,
                           placeholder=CRUX_PLACEHOLDER)
        no = require_text(ctx, crux["if_no"], f"'if_no' of {where}", min_words=6,
                          placeholder=CRUX_PLACEHOLDER)
        ctx.require(similarity(yes, no) < 0.7, f"{where} leads to the same plan either way",
                    mistake=SAME_EITHER_WAY)
        impact = crux["impact"]
        ctx.require(isinstance(impact, numbers.Integral) and not isinstance(impact, bool)
                    and 1 <= int(impact) <= 5, f"the impact of {where} is {describe(impact)}",
                    mistake=IMPACT_SCALE)
    ctx.require(len(items) >= MIN_CRUXES, f"you listed {len(items)} crux"
                f"{'es' if len(items) != 1 else ''}; this exercise asks for at least "
                f"{MIN_CRUXES}", hint="Everything so far is in the right form; add more.")


check_cruxes = CustomCheck(
    "cruxes", _verify_cruxes, reference=REFERENCE_CRUXES,
    mistakes=[NOT_A_QUESTION, SAME_EITHER_WAY, SETTLED, CRUX_PERCENT, CRUX_AS_TEXT,
              IMPACT_SCALE, CRUX_PLACEHOLDER])


# -- a minimal-trust investigation ------------------------------------------------------

INVESTIGATION_FIELDS = ("claim", "why_it_matters", "sources", "steps", "verdict",
                        "confidence_before", "confidence_after")
LINK = re.compile(r"https?://|arxiv|doi\.org|\b10\.\d{4,}/", re.IGNORECASE)
REFERENCE_INVESTIGATION = {
    "claim": "Median machine learning researchers put about 5% on extremely bad outcomes "
             "from advanced AI.",
    "why_it_matters": "People quote this number to show that worry about AI risk is "
                      "mainstream, and I was about to quote it too.",
    "sources": ["AI Impacts, 2022 Expert Survey on Progress in AI, https://wiki.aiimpacts.org/",
                "the survey's question wording and response counts on the same page"],
    "steps": ["Found the exact question: the long-run impact of machines that can do every "
              "task better than humans.",
              "Checked who answered: 738 of about 4271 contacted researchers, a 17% response "
              "rate.",
              "Checked what the median means: half the respondents gave 5% or more, not that "
              "5% of them are worried."],
    "verdict": "partly holds",
    "confidence_before": 0.8,
    "confidence_after": 0.6,
}
NO_LINK = Mistake(
    "no link to a source",
    "None of your sources has a link (a URL, an arXiv number or a DOI). A minimal-trust "
    "investigation goes back to the primary source, and a grader needs to be able to follow "
    "you there.",
    "Add the link of at least one primary source: the paper, the data, the original post.",
    example=variant(REFERENCE_INVESTIGATION, {("sources",): ["a blog post about the survey",
                                                             "a podcast episode"]}))
INV_PERCENT, INV_AS_TEXT = probability_mistakes(
    "confidence",
    percent_example=variant(REFERENCE_INVESTIGATION, {("confidence_after",): 60}),
    text_example=variant(REFERENCE_INVESTIGATION, {("confidence_after",): "60%"}))
UNKNOWN_VERDICT = Mistake(
    "a verdict that is not one of the options",
    "`verdict` should be one of the four options, so that verdicts can be compared.",
    "Use one of: " + ", ".join(map(repr, VERDICTS)) + ", and explain nuance in your "
    "written answer.",
    example=variant(REFERENCE_INVESTIGATION, {("verdict",): "mostly true"}))
VERDICT_VS_CONFIDENCE = Mistake(
    "verdict and confidence disagree",
    "Your verdict and your confidence after the investigation point in opposite directions "
    "(e.g. 'does not hold' but more than 0.5 that the claim is true).",
    "Make them agree, or explain the difference by choosing 'partly holds'.",
    example=variant(REFERENCE_INVESTIGATION, {("verdict",): "does not hold"}))
INV_PLACEHOLDER = placeholder_mistake(variant(REFERENCE_INVESTIGATION,
                                              {("why_it_matters",): "YOUR ANSWER HERE"}))


def _verify_investigation(inv, ctx: Context) -> None:
    require_set(ctx, inv, "investigation")
    require_dict(ctx, inv, "`investigation`")
    require_keys(ctx, inv, "`investigation`", INVESTIGATION_FIELDS)
    require_text(ctx, inv["claim"], "investigation['claim']", min_words=6, max_words=60,
                 placeholder=INV_PLACEHOLDER)
    require_text(ctx, inv["why_it_matters"], "investigation['why_it_matters']", min_words=10,
                 placeholder=INV_PLACEHOLDER)
    sources = require_list(ctx, inv["sources"], "investigation['sources']", min_items=2)
    for i, source in enumerate(sources):
        require_text(ctx, source, f"source {i + 1}", min_words=2, placeholder=INV_PLACEHOLDER)
    ctx.require(any(LINK.search(s) for s in sources), "none of your sources has a link",
                mistake=NO_LINK)
    steps = require_list(ctx, inv["steps"], "investigation['steps']", min_items=3)
    for i, step in enumerate(steps):
        require_text(ctx, step, f"step {i + 1}", min_words=6, placeholder=INV_PLACEHOLDER)
    require_choice(ctx, inv["verdict"], "investigation['verdict']", VERDICTS,
                   mistake=UNKNOWN_VERDICT)
    require_probability(ctx, inv["confidence_before"], "investigation['confidence_before']",
                        percent=INV_PERCENT, as_text=INV_AS_TEXT)
    after = require_probability(ctx, inv["confidence_after"],
                                "investigation['confidence_after']", percent=INV_PERCENT,
                                as_text=INV_AS_TEXT)
    contradiction = ((inv["verdict"] == "does not hold" and after > 0.5)
                     or (inv["verdict"] == "holds" and after < 0.5))
    ctx.require(not contradiction, f"your verdict is {inv['verdict']!r} but your confidence "
                f"after is {after:g}", mistake=VERDICT_VS_CONFIDENCE)


check_investigation = CustomCheck(
    "investigation", _verify_investigation, reference=REFERENCE_INVESTIGATION,
    mistakes=[NO_LINK, INV_PERCENT, INV_AS_TEXT, UNKNOWN_VERDICT, VERDICT_VS_CONFIDENCE,
              INV_PLACEHOLDER])
