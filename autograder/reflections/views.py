"""Cruxes and investigations (notebook 04): which uncertainty is worth resolving first?

A crux is a question whose answer would change what you do. Resolving it is
worth more the less sure you are (p(1 - p) is largest at p = 0.5) and the more
your plans hang on it (impact, 1 to 5). `plot_cruxes` draws each crux by its
probability and impact, sized by p(1 - p) x impact.
"""

from __future__ import annotations

import textwrap

import numpy as np

from .inputs import filled

VERDICTS = ("holds", "partly holds", "does not hold", "cannot tell yet")


def resolution_value(probability: float, impact: int) -> float:
    """How much resolving a crux is worth, on an arbitrary scale: p(1 - p) x impact."""
    p = float(probability)
    return p * (1 - p) * float(impact)


def plot_cruxes(cruxes: list[dict], ax=None):
    """Each crux at (probability, impact), bubble area ~ p(1 - p) x impact; returns the Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 5))
    values = [resolution_value(c["probability"], c["impact"])
              for c in filled(cruxes, "cruxes")]
    best = int(np.argmax(values))
    ax.axvline(0.5, ls=":", color="grey",
               label="p = 0.5: where you are least sure, and resolving teaches most")
    for i, (c, v) in enumerate(zip(cruxes, values, strict=True)):
        color = "tab:orange" if i == best else "tab:blue"
        size = 150 + 1200 * v
        ax.scatter([c["probability"]], [c["impact"]], s=size, color=color,
                   alpha=0.7, edgecolor="black", linewidth=0.5, zorder=3)
        label = "\n".join(textwrap.wrap(c["question"], 30)[:3])
        ax.annotate(label, (c["probability"], c["impact"]), xytext=(4 + size ** 0.5 / 2, 0),
                    textcoords="offset points", fontsize=7, va="center")
    ax.set_xlim(-0.02, 1.35)
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylim(0.4, 5.6)
    ax.set_yticks(range(1, 6))
    ax.set_xlabel("your probability that the answer is yes")
    ax.set_ylabel("how much your plans depend on it (1-5)")
    ax.set_title("Your cruxes: investigate the big orange one first")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.2)
    return ax
