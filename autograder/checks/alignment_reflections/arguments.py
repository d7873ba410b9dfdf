"""Checks for notebook 05/02: paraphrased arguments, a chain of premises, its probability."""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np

from ...readings import KEYS, closest_keys
from ...reflections.arguments import ARGUMENT_KEYS, PREMISE_KEYS, argument
from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from .form import (
    copied_mistake,
    placeholder_mistake,
    probability_mistakes,
    require_dict,
    require_distinct,
    require_keys,
    require_probability,
    require_set,
    require_text,
    similarity,
    variant,
)

MIN_ARGUMENTS = 4
ARGUMENT_FIELDS = ("paraphrase", "source", "confidence", "would_change_my_mind")

# The notebook shows this example for one argument; copying it is a known mistake.
EXAMPLE_ARGUMENT: dict[str, Any] = {
    "capabilities": {
        "paraphrase": (
            "Karnofsky's case is mostly about economic history: growth rates have sped up "
            "again and again, and software that could do the work of scientists and engineers, "
            "including the work of improving itself, would speed them up once more, possibly "
            "within this century. He does not say this is certain, only likely enough that "
            "planning as if it were impossible would be a mistake."),
        "source": "karnofsky_mic",
        "confidence": 0.6,
        "would_change_my_mind": (
            "If the next two generations of models, trained with ten times more compute, "
            "showed no gain on long multi-step tasks, I would lower this a lot."),
    },
}

REFERENCE_ARGUMENTS = {
    "agency": {
        "paraphrase": (
            "Ngo's point is economic rather than technical: a system that only answers "
            "questions leaves a human to do the planning, and whoever removes that human from "
            "the loop gets faster, cheaper results. So even if nobody sets out to build an "
            "agent, the pressure to automate whole jobs, not single tasks, pushes towards "
            "systems that choose their own intermediate goals over weeks or months."),
        "source": "ngo_first_principles",
        "confidence": 0.7,
        "would_change_my_mind": (
            "Seeing companies keep tool-like assistants for years because agents proved too "
            "unreliable to sell would make me think the pressure is weaker than claimed."),
    },
    "goal_misgeneralization": {
        "paraphrase": (
            "Cotra compares training to hiring when you can only watch the work, never the "
            "motives. A model that genuinely wants what we want, one that wants our approval, "
            "and one that wants something else but knows good scores keep it running would all "
            "earn the same training reward. Gradient descent picks whichever is easiest to "
            "find, and nothing in the reward says it must be the first kind."),
        "source": "cotra_hard",
        "confidence": 0.8,
        "would_change_my_mind": (
            "Interpretability tools that could read a trained model's objective and found the "
            "intended one across many training setups would make this much less worrying."),
    },
    "deception": {
        "paraphrase": (
            "Hubinger and colleagues describe a learned optimiser whose own objective differs "
            "from the training objective but which understands that it is being trained. "
            "Behaving well keeps it from being modified, so it behaves well until training "
            "stops. The upshot is that passing every test we can devise would look identical "
            "for an aligned model and for this one."),
        "source": "hubinger_learned_optimization",
        "confidence": 0.35,
        "would_change_my_mind": (
            "Evidence that current training reliably removes planted hidden behaviours, even "
            "when the model could tell training from deployment, would lower my estimate."),
    },
    "power_seeking": {
        "paraphrase": (
            "Carlsmith's argument is that resources, influence and staying switched on are "
            "useful for almost any objective, so a capable planner with an objective we did "
            "not intend has a reason to acquire them, and humans are the obvious obstacle. It "
            "does not require malice, only competent pursuit of a goal that is not ours."),
        "source": "carlsmith_power_seeking",
        "confidence": 0.55,
        "would_change_my_mind": (
            "If strongly goal-directed systems in long-horizon environments kept settling for "
            "narrow, bounded behaviour without special training, I would update down."),
    },
}

UNKNOWN_ARGUMENT = Mistake(
    "not one of the core arguments",
    "A key of `arguments` is not one of the six argument keys in the table.",
    "Use the keys exactly as in the table, e.g. 'goal_misgeneralization'.",
    example=dict(REFERENCE_ARGUMENTS, **{"misgeneralisation": REFERENCE_ARGUMENTS["agency"]}))
UNKNOWN_SOURCE = Mistake(
    "unknown reading",
    "A `source` is not a key of the reading list.",
    "Use a key from the reading list table, such as 'cotra_hard'.",
    example=variant(REFERENCE_ARGUMENTS, {("agency", "source"): "ngo"}))
PERCENT, AS_TEXT = probability_mistakes(
    "confidence",
    percent_example=variant(REFERENCE_ARGUMENTS, {("deception", "confidence"): 35}),
    text_example=variant(REFERENCE_ARGUMENTS, {("deception", "confidence"): "35%"}))
COPIED = copied_mistake(
    "the one-line summary in the table (or the example)",
    variant(REFERENCE_ARGUMENTS, {("power_seeking", "paraphrase"):
                                  "In short: " + argument("power_seeking").statement +
                                  " That is the whole argument as I read it, and I find "
                                  "it fairly convincing overall."}))
PLACEHOLDER = placeholder_mistake(
    variant(REFERENCE_ARGUMENTS, {("agency", "would_change_my_mind"): "YOUR ANSWER HERE"}))
SAME_PARAPHRASE = Mistake(
    "the same paraphrase twice",
    "Two of your paraphrases are (nearly) the same text. Each argument makes a different "
    "claim, so each needs its own explanation.",
    "Write each paraphrase separately, starting from what that argument claims.",
    example=variant(REFERENCE_ARGUMENTS, {("deception", "paraphrase"):
                                          REFERENCE_ARGUMENTS["goal_misgeneralization"]
                                          ["paraphrase"]}))
MIND_REPEATS_ARGUMENT = Mistake(
    "the argument again instead of evidence",
    "Your 'would change my mind' repeats the paraphrase. What would change your mind is an "
    "observation or a result, something you could see in the world, not the argument restated.",
    "Complete the sentence: 'If I saw ..., I would believe this less (or more).'",
    example=variant(REFERENCE_ARGUMENTS, {("agency", "would_change_my_mind"):
                                          REFERENCE_ARGUMENTS["agency"]["paraphrase"]}))


def _verify_arguments(arguments, ctx: Context) -> None:
    require_set(ctx, arguments, "arguments")
    require_dict(ctx, arguments, "`arguments`")
    for key in arguments:
        if key not in ARGUMENT_KEYS:
            close = difflib.get_close_matches(str(key), ARGUMENT_KEYS, n=1, cutoff=0.5)
            ctx.fail(f"{key!r} is not one of the core arguments",
                     [f"did you mean {close[0]!r}?" if close else
                      f"the keys are {', '.join(ARGUMENT_KEYS)}"], mistake=UNKNOWN_ARGUMENT)
    paraphrases = {}
    for key, entry in arguments.items():
        where = f"arguments[{key!r}]"
        require_dict(ctx, entry, where)
        require_keys(ctx, entry, where, ARGUMENT_FIELDS)
        sources = {"the one-line summary of this argument": argument(key).statement}
        sources.update({f"the example for {k!r}": v["paraphrase"]
                        for k, v in EXAMPLE_ARGUMENT.items()})
        paraphrases[where] = require_text(
            ctx, entry["paraphrase"], f"{where}['paraphrase']", min_words=40, max_words=250,
            placeholder=PLACEHOLDER, copied=COPIED, sources=sources)
        source = entry["source"]
        if source not in KEYS:
            close = closest_keys(str(source))
            ctx.fail(f"{where}['source'] is {source!r}, not a key of the reading list",
                     [f"did you mean {' or '.join(map(repr, close))}?"] if close else [],
                     mistake=UNKNOWN_SOURCE)
        ctx.passed += 1
        require_probability(ctx, entry["confidence"], f"{where}['confidence']",
                            percent=PERCENT, as_text=AS_TEXT)
        mind = require_text(ctx, entry["would_change_my_mind"],
                            f"{where}['would_change_my_mind']", min_words=12,
                            placeholder=PLACEHOLDER)
        ctx.require(similarity(mind, entry["paraphrase"]) < 0.6,
                    f"{where}['would_change_my_mind'] repeats the paraphrase",
                    mistake=MIND_REPEATS_ARGUMENT)
    require_distinct(ctx, paraphrases, "paraphrases", mistake=SAME_PARAPHRASE, threshold=0.8)
    ctx.require(len(arguments) >= MIN_ARGUMENTS,
                f"you paraphrased {len(arguments)} argument{'s' if len(arguments) != 1 else ''};"
                f" this exercise asks for at least {MIN_ARGUMENTS} of the {len(ARGUMENT_KEYS)}",
                [f"still to do: {', '.join(k for k in ARGUMENT_KEYS if k not in arguments)}"],
                hint="Everything so far is in the right form. Add the arguments you have not "
                     "done yet.")


check_arguments = CustomCheck(
    "arguments", _verify_arguments, reference=REFERENCE_ARGUMENTS,
    mistakes=[UNKNOWN_ARGUMENT, UNKNOWN_SOURCE, PERCENT, AS_TEXT, COPIED, PLACEHOLDER,
              SAME_PARAPHRASE, MIND_REPEATS_ARGUMENT])


# -- the chain of premises --------------------------------------------------------


def _running_products(conditionals):
    """Oracle: the product of the first k conditionals, for k = 1..n, by a plain loop."""
    out, product = [], 1.0
    for p in np.asarray(conditionals, dtype=float).tolist():
        product *= p
        out.append(product)
    return np.array(out)


def _chain_cases(rng):
    return [Case("six conditional probabilities", (rng.uniform(0.3, 0.95, size=6),)),
            Case("three steps: 0.9, 0.5, 0.8", (np.array([0.9, 0.5, 0.8]),)),
            Case("a single step of 0.7", (np.array([0.7]),)),
            Case("ten steps of 0.9 each", (np.full(10, 0.9),))]


check_chain_probability = FunctionCheck(
    "chain_probability", _running_products, _chain_cases, rtol=1e-9,
    mistakes=[
        Mistake("only the final product",
                "You returned one number, the probability that *all* the steps hold. The "
                "exercise asks for the whole running product, one value per step, so that the "
                "plot can show where the chain loses most of its probability.",
                "np.cumprod keeps every partial product.",
                variant=lambda p: np.prod(p)),
        Mistake("added instead of multiplied",
                "Your values grow past 1: you added the probabilities. For claims that must all "
                "hold, the probabilities multiply.",
                "Use a running product (np.cumprod), not a running sum.",
                variant=lambda p: np.cumsum(p)),
        Mistake("a running average",
                "You averaged the steps. An average tells you how strong a typical step is, "
                "but a chain is only as likely as all of its steps together, which is the "
                "product.",
                "Multiply: np.cumprod(p).",
                variant=lambda p: np.cumsum(p) / np.arange(1, len(p) + 1)),
        Mistake("at least one instead of all",
                "You computed the probability that *at least one* step holds, "
                "1 - (1 - p1)(1 - p2)..., which grows along the chain. The argument needs every "
                "step to hold.",
                "All steps holding is p1 * p2 * ...: np.cumprod(p).",
                variant=lambda p: 1 - np.cumprod(1 - p)),
        Mistake("shifted by one step",
                "Your first value is 1 and your values lag one step behind: entry k should "
                "include step k itself.",
                "Start the product with the first step, not with 1.",
                variant=lambda p: np.concatenate([[1.0], np.cumprod(p)[:-1]])),
    ],
    hint="Entry k is p[0] * p[1] * ... * p[k].")


PREMISE_FIELDS = ("p", "why")
REFERENCE_PREMISES = {
    "feasible": {"p": 0.6, "why": "Compute keeps growing and 45 years is a long time for a "
                                  "field this young."},
    "incentives": {"p": 0.85, "why": "Planning agents would be worth a lot to every "
                                     "company that can build them."},
    "harder_to_align": {"p": 0.35, "why": "Some alignment techniques may scale, and "
                                          "developers will be looking for failures."},
    "seek_power": {"p": 0.6, "why": "If misaligned planners are deployed widely, some "
                                    "will pursue power-seeking strategies."},
    "disempowerment": {"p": 0.3, "why": "Warning shots and human responses could stop the "
                                        "problem before it spreads everywhere."},
    "catastrophe": {"p": 0.9, "why": "Permanent loss of control over the future would "
                                     "almost certainly be catastrophic."},
}
PREMISE_PERCENT, PREMISE_AS_TEXT = probability_mistakes(
    "probability",
    percent_example=variant(REFERENCE_PREMISES, {("incentives", "p"): 85}),
    text_example=variant(REFERENCE_PREMISES, {("incentives", "p"): "0.85"}))
ALL_THE_SAME = Mistake(
    "the same number for every premise",
    "Every premise has the same probability. That usually means the numbers were filled in "
    "without considering each premise on its own, and the premises are very different "
    "claims (one about technology, one about incentives, one about philosophy).",
    "Take the premises one at a time: for each, ask 'out of 10 worlds where the earlier "
    "premises hold, in how many does this one hold too?'",
    example={k: {"p": 0.5, "why": v["why"]} for k, v in REFERENCE_PREMISES.items()})
PREMISE_PLACEHOLDER = placeholder_mistake(
    variant(REFERENCE_PREMISES, {("catastrophe", "why"): "TODO"}))


def _verify_premises(premises, ctx: Context) -> None:
    require_set(ctx, premises, "my_premises")
    require_dict(ctx, premises, "`my_premises`")
    require_keys(ctx, premises, "`my_premises`", PREMISE_KEYS)
    values = []
    for key in PREMISE_KEYS:
        where = f"my_premises[{key!r}]"
        entry = require_dict(ctx, premises[key], where)
        require_keys(ctx, entry, where, PREMISE_FIELDS)
        values.append(require_probability(ctx, entry["p"], f"{where}['p']",
                                          percent=PREMISE_PERCENT, as_text=PREMISE_AS_TEXT))
        require_text(ctx, entry["why"], f"{where}['why']", min_words=8,
                     placeholder=PREMISE_PLACEHOLDER)
    ctx.require(len(set(values)) > 1, "every premise has the same probability",
                [f"all {values[0]:g}"], mistake=ALL_THE_SAME)


check_premises = CustomCheck(
    "my_premises", _verify_premises, reference=REFERENCE_PREMISES,
    mistakes=[PREMISE_PERCENT, PREMISE_AS_TEXT, ALL_THE_SAME, PREMISE_PLACEHOLDER])
