"""Chains of claims, each conditional on the ones before: an argument or a theory of change.

If step k holds with probability p_k *given that steps 1..k-1 hold*, then the
chance that steps 1..k all hold is p_1 * p_2 * ... * p_k. Notebook 02 uses this
for the steps of an argument for AI risk, notebook 05 for the steps from your
work to its impact. `plot_chain` draws both: each step's own probability and
how the chance that everything so far holds shrinks along the chain.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np

from .inputs import filled


def weakest_step(conditionals: Sequence[float] | np.ndarray) -> int:
    """Index of the step with the lowest conditional probability (the first, on ties)."""
    values = [float(p) for p in conditionals]
    if not values:
        raise ValueError("a chain needs at least one step")
    return values.index(min(values))


def plot_chain(labels: Sequence[str], conditionals: Sequence[float] | np.ndarray,
               cumulative: Sequence[float] | np.ndarray, *, weakest: int | None = None, ax=None,
               title: str | None = None, wrap: int = 46):
    """Horizontal bars, one per step from top to bottom; returns the Axes.

    labels: (n,) step names. conditionals: (n,) P(step k | steps before it).
    cumulative: (n,) P(steps 1..k all hold), e.g. from the learner's chain_probability.
    weakest: index of the step to mark as the weakest link (red).
    """
    import matplotlib.pyplot as plt

    labels = [str(s) for s in labels]
    p = np.asarray(conditionals, dtype=float)
    c = np.asarray(cumulative, dtype=float)
    if not (len(labels) == p.shape[0] == c.shape[0]):
        raise ValueError(f"labels, conditionals and cumulative must have the same length; "
                         f"got {len(labels)}, {p.shape[0]} and {c.shape[0]}")
    n = len(labels)
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 0.55 * n + 1.9), layout="constrained")
    y = np.arange(n)
    colors = ["tab:red" if i == weakest else "lightsteelblue" for i in range(n)]
    ax.barh(y, p, color=colors, height=0.7, label="this step, given the ones above")
    ax.barh(y, c, color="navy", height=0.28, label="all steps so far")
    for i in range(n):
        ax.text(min(p[i], 0.98) + 0.01, i - 0.18, f"{p[i]:.2f}", va="center", fontsize=8)
        ax.text(c[i] + 0.01, i + 0.2, f"{c[i]:.3f}", va="center", fontsize=8, color="navy")
    ax.set_yticks(y)
    ax.set_yticklabels([textwrap.shorten(s, 90) if wrap <= 0 else "\n".join(
        textwrap.wrap(s, wrap)[:2]) for s in labels], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("probability")
    ax.axvline(c[-1], color="navy", ls=":", lw=1)
    ax.set_title(title or f"All {n} steps hold with probability {c[-1]:.3f}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=8,
              frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_impact_plan(impact_plan: dict, ax=None):
    """An impact plan ({"steps": [{"step", "p"}, ...], "weakest_link": i, ...}) as a chain."""
    filled(impact_plan, "impact_plan")
    steps = impact_plan["steps"]
    ps = np.array([float(s["p"]) for s in steps])
    cumulative = np.cumprod(ps)
    return plot_chain([s["step"] for s in steps], ps, cumulative,
                      weakest=impact_plan.get("weakest_link"), ax=ax,
                      title=f"Your impact plan succeeds end to end with probability "
                            f"{cumulative[-1]:.3f}")
