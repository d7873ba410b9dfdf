"""The research agendas of notebook 03 and the map of importance against personal fit.

Each agenda is described in one line of this project's own words, with a reading
where it is explained (Nanda's overview covers most of them). The map plots, for
each agenda the learner rated, how much they think success would matter
(importance) against how well they fit the work (fit). The dashed curves join
points with the same importance x fit: moving along a curve trades one for the
other, which is the idea of comparative advantage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .inputs import filled


@dataclass(frozen=True)
class Agenda:
    key: str
    name: str
    problem: str                 # the problem it targets, in one line
    readings: tuple[str, ...]    # reading-list keys


AGENDAS: tuple[Agenda, ...] = (
    Agenda("interpretability", "Interpretability",
           "Understand the computations inside trained networks well enough to say what a "
           "model is doing and why.", ("nanda_landscape", "bricken_monosemanticity",
                                      "zou_representation_engineering")),
    Agenda("scalable_oversight", "Scalable oversight",
           "Supervise systems on tasks people cannot judge directly; learning from human "
           "preferences is the first step.", ("christiano_rlhf", "bai_constitutional_ai",
                                             "burns_weak_to_strong")),
    Agenda("evaluations", "Evaluations",
           "Measure dangerous capabilities and tendencies of models before and after they are "
           "deployed, so that decisions can depend on them.", ("shevlane_extreme_risks",
                                                               "kwa_long_tasks")),
    Agenda("eliciting_latent_knowledge", "Eliciting latent knowledge",
           "Get a model to report what it actually knows, even when a false report would "
           "score just as well.", ("christiano_elk",)),
    Agenda("agent_foundations", "Agent foundations",
           "Build a mathematical theory of agents, goals and abstractions against which "
           "alignment proposals can be checked.", ("wentworth_natural_abstractions",)),
    Agenda("inner_alignment", "Inner alignment and deception",
           "Understand when training yields a model whose own goal differs from the training "
           "objective, and how to detect or prevent it.", ("hubinger_learned_optimization",
                                                           "hubinger_sleeper_agents")),
    Agenda("robustness", "Robustness",
           "Make models behave as intended on inputs unlike their training data, including "
           "inputs chosen to make them fail.", ("hendrycks_unsolved", "amodei_concrete_problems")),
    Agenda("control", "AI control",
           "Deploy models that might be misaligned so that they cannot cause a catastrophe even "
           "if they try: monitors, limited permissions, and red-team tests of the protocol.",
           ("greenblatt_ai_control",)),
)
AGENDA_KEYS = tuple(a.key for a in AGENDAS)
ROLES = ("research lead", "research contributor", "software engineer", "undecided")
FOCUSES = ("empirical", "theoretical", "undecided")


def agenda(key: str) -> Agenda:
    for a in AGENDAS:
        if a.key == key:
            return a
    raise KeyError(f"no agenda {key!r}; the keys are {', '.join(AGENDA_KEYS)}")


def agendas_table() -> str:
    """A Markdown table of the agendas: key, the problem it targets, where to read."""
    from ..readings import reading

    lines = ["| key | the problem it targets | read |", "|---|---|---|"]
    for a in AGENDAS:
        refs = "; ".join(f"[{reading(k).title}]({reading(k).url})" for k in a.readings)
        lines.append(f"| `{a.key}` | {a.problem} | {refs} |")
    return "\n".join(lines)


def best_agenda(agenda_map: dict) -> str:
    """The agenda with the largest importance x fit (the first, on ties)."""
    scores = {k: float(v["importance"]) * float(v["my_fit"]) for k, v in agenda_map.items()}
    return max(scores, key=lambda k: scores[k])


def plot_agenda_map(agenda_map: dict, my_place: dict | None = None, ax=None):
    """Importance (x) against your fit (y) for each agenda, with curves of equal product.

    agenda_map: {key: {"importance": p, "my_fit": p, ...}}. my_place: your
    {"agenda": key, ...}, drawn as a star. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    filled(agenda_map, "agenda_map")
    choice = None if my_place is None else filled(my_place, "my_place")["agenda"]

    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 6))
    grid = np.linspace(0.01, 1, 200)
    xx, yy = np.meshgrid(grid, grid)
    levels = [0.1, 0.2, 0.3, 0.45, 0.6, 0.8]
    contours = ax.contour(xx, yy, xx * yy, levels=levels, colors="grey", linestyles="--",
                          linewidths=0.8)
    ax.clabel(contours, fmt=lambda v: f"{v:.2f}", fontsize=7)
    best = best_agenda(agenda_map)
    for key, entry in agenda_map.items():
        x, y = float(entry["importance"]), float(entry["my_fit"])
        marker, size, color = ("*", 260, "tab:orange") if key == choice else ("o", 70,
                                                                             "tab:blue")
        ax.scatter([x], [y], s=size, marker=marker, color=color, zorder=3,
                   edgecolor="black", linewidth=0.5)
        label = key + ("  (highest importance x fit)" if key == best else "")
        ax.annotate(label, (x, y), xytext=(6, 5), textcoords="offset points", fontsize=8)
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("importance: how much success here would reduce risk (your estimate)")
    ax.set_ylabel("your fit: skills, interest, and what you can learn")
    title = "Where you could do the most good: importance x fit"
    if choice is not None:
        title += f"\n(star: your choice, {choice})"
    ax.set_title(title)
    ax.grid(alpha=0.2)
    return ax
