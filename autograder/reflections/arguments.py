"""The core arguments of notebook 02, in this project's own one-line statements.

Each statement is a claim to paraphrase and test, not a quotation: the readings
named with it develop it at length. PREMISES follows the six-step structure of
Carlsmith's report (*Is Power-Seeking AI an Existential Risk?*, 2022), again in
our own words; each premise is meant given that the ones before it hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from .inputs import filled


@dataclass(frozen=True)
class Argument:
    key: str
    statement: str
    readings: tuple[str, ...]   # reading-list keys that develop it


CORE_ARGUMENTS: tuple[Argument, ...] = (
    Argument("capabilities",
             "AI systems that can do most cognitive work as well as people, including "
             "research on AI itself, may be built within decades.",
             ("karnofsky_mic", "ngo_first_principles")),
    Argument("agency",
             "The most useful of those systems will pursue goals over long time spans and "
             "plan to reach them, so developers have reasons to build agents rather than "
             "tools.",
             ("ngo_first_principles", "carlsmith_power_seeking")),
    Argument("goal_misgeneralization",
             "Training rewards behaviour that scores well, and many different internal goals "
             "produce the same scores in training, so the goal a system ends up with need not "
             "be the one we intended.",
             ("cotra_hard", "hubinger_learned_optimization", "langosco_goal_misgeneralization",
              "shah_goal_misgeneralization")),
    Argument("deception",
             "A system that models its own training could behave well while it is watched and "
             "differently once it is not, so good behaviour in tests is weak evidence of good "
             "goals.",
             ("hubinger_learned_optimization", "cotra_hard", "hubinger_sleeper_agents",
              "greenblatt_alignment_faking")),
    Argument("power_seeking",
             "For most goals, more resources and not being switched off help, so capable "
             "agents with goals we did not intend would tend to seek power, including over us.",
             ("carlsmith_power_seeking", "ngo_first_principles")),
    Argument("hard_to_correct",
             "Competition may push developers to deploy such systems before these problems are "
             "solved, and mistakes made by widely deployed, more capable systems may be "
             "impossible to undo.",
             ("carlsmith_power_seeking", "karnofsky_mic")),
)
ARGUMENT_KEYS = tuple(a.key for a in CORE_ARGUMENTS)

# The steps of Carlsmith's six-premise argument (abstract of arXiv:2206.13353), reworded.
PREMISES: tuple[tuple[str, str], ...] = (
    ("feasible", "By 2070 it is possible and affordable to build AI systems that are highly "
                 "capable, plan towards goals and understand their own situation."),
    ("incentives", "There are strong incentives to build and deploy such systems."),
    ("harder_to_align", "It is much harder to build such systems that are aligned than ones "
                        "that are misaligned but still attractive to deploy."),
    ("seek_power", "Some deployed misaligned systems seek power over humans in high-impact "
                   "ways."),
    ("disempowerment", "This scales to the permanent disempowerment of humanity."),
    ("catastrophe", "That disempowerment is an existential catastrophe."),
)
PREMISE_KEYS = tuple(k for k, _ in PREMISES)


def argument(key: str) -> Argument:
    for a in CORE_ARGUMENTS:
        if a.key == key:
            return a
    raise KeyError(f"no core argument {key!r}; the keys are {', '.join(ARGUMENT_KEYS)}")


def arguments_table() -> str:
    """A Markdown table of the core arguments and where to read about them."""
    from ..readings import reading

    lines = ["| key | the claim, in one line | read |", "|---|---|---|"]
    for a in CORE_ARGUMENTS:
        refs = "; ".join(f"{reading(k).author_text.split(' et al.')[0]} ({reading(k).year})"
                         for k in a.readings)
        lines.append(f"| `{a.key}` | {a.statement} | {refs} |")
    return "\n".join(lines)


def plot_confidences(arguments: dict, ax=None):
    """Your confidence in each argument you paraphrased, lowest first; returns the Axes."""
    import matplotlib.pyplot as plt

    items = sorted(((float(v["confidence"]), k) for k, v in filled(arguments,
                                                                   "arguments").items()))
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * len(items) + 1.4))
    ys = range(len(items))
    ax.hlines(list(ys), 0, [c for c, _ in items], color="lightgrey", lw=3)
    ax.plot([c for c, _ in items], list(ys), "o", color="tab:blue", ms=9)
    for y, (c, _) in zip(ys, items, strict=True):
        ax.text(c + 0.02, y, f"{c:.2f}", va="center", fontsize=8)
    ax.set_yticks(list(ys))
    ax.set_yticklabels([k for _, k in items])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.08)
    ax.axvline(0.5, ls=":", color="grey")
    ax.set_xlabel("your probability that the claim is true")
    ax.set_title("How much you believe each argument (weakest at the top)")
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_premise_chain(my_premises: dict, chain_probability, ax=None):
    """The six premises as a chain, drawn with the learner's `chain_probability`; returns Axes.

    my_premises: {premise key: {"p": probability, "why": text}}.
    chain_probability: the learner's function, (n,) conditionals -> (n,) running products.
    """
    import numpy as np

    from .chains import plot_chain, weakest_step

    filled(my_premises, "my_premises")
    labels = [f"{i}. {key}" for i, (key, _) in enumerate(PREMISES, 1)]
    ps = np.array([float(my_premises[key]["p"]) for key in PREMISE_KEYS])
    cumulative = np.asarray(chain_probability(ps), dtype=float)
    return plot_chain(labels, ps, cumulative, weakest=weakest_step(ps), ax=ax,
                      title=f"Your chain: all six premises hold with probability "
                            f"{cumulative[-1]:.3f}")
