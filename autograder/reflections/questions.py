"""The field's big forecasting questions (notebook 06) and published numbers to compare with.

The questions are the ones the career guides say drive the field: timelines,
the chance of catastrophe, and whether failure would come from alignment or from
coordination. REFERENCE_POINTS are published estimates that answer *nearby but
different* questions; the notebook asks the learner to say how they differ
before comparing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .inputs import filled


@dataclass(frozen=True)
class BigQuestion:
    key: str
    text: str


BIG_QUESTIONS: tuple[BigQuestion, ...] = (
    BigQuestion("tai_by_2040",
                "By the end of 2040, AI has been developed that transforms the world at least "
                "as much as the industrial revolution did (transformative AI)."),
    BigQuestion("tai_by_2070", "The same, by the end of 2070."),
    BigQuestion("catastrophe_by_2070",
                "By 2070, AI causes an existential catastrophe: human extinction, or a "
                "permanent and drastic loss of humanity's future."),
    BigQuestion("catastrophe_by_2100", "The same, by 2100."),
    BigQuestion("alignment_not_coordination",
                "If AI does cause such a catastrophe, it is mainly because of an alignment "
                "failure (systems pursuing goals nobody intended) rather than misuse or a "
                "coordination failure (systems doing what someone wanted, or a race no one "
                "could stop)."),
    BigQuestion("misaligned_later",
                "If the first developers of transformative AI manage to align their systems, "
                "someone else still deploys a misaligned system of similar capability within "
                "five years."),
    BigQuestion("market_covers_it",
                "By 2035, commercial incentives alone (making products reliable and "
                "trustworthy) pay for most of the alignment work that turns out to matter."),
    BigQuestion("month_tasks_by_2030",
                "By the end of 2030, some AI system succeeds at least half the time on software "
                "tasks that take a skilled professional a working month (about 170 hours), "
                "measured the way METR measures task time horizons (Kwa et al., 2025)."),
)
BIG_KEYS = tuple(q.key for q in BIG_QUESTIONS)
# (earlier, later): anything that happens by the earlier date has happened by the later one.
NESTED = (("tai_by_2040", "tai_by_2070"), ("catastrophe_by_2070", "catastrophe_by_2100"))


@dataclass(frozen=True)
class ReferencePoint:
    question: str      # the BIG_QUESTIONS key it is closest to
    value: float
    label: str
    short: str         # a few words for the plot
    difference: str   # how the published question differs from ours
    reading: str      # reading-list key


REFERENCE_POINTS: tuple[ReferencePoint, ...] = (
    ReferencePoint("catastrophe_by_2070", 0.05, "Carlsmith, 2021 report: about 5%",
                   "Carlsmith 2021",
                   "only catastrophe from misaligned power-seeking AI, by 2070",
                   "carlsmith_power_seeking"),
    ReferencePoint("catastrophe_by_2070", 0.10, "Carlsmith, 2022 update: above 10%",
                   "Carlsmith 2022 (>10%)",
                   "the same question, after a year of further thought",
                   "carlsmith_power_seeking"),
    ReferencePoint("catastrophe_by_2100", 0.05,
                   "2022 survey of ML researchers: median 5%", "ML researchers' median",
                   "'extremely bad (e.g. human extinction)' long-run outcome of human-level "
                   "machine intelligence, with no date", "aiimpacts_espai_2022"),
    ReferencePoint("catastrophe_by_2100", 0.0213,
                   "XPT superforecasters: 2.13% AI catastrophe by 2100",
                   "XPT superforecasters",
                   "their 'catastrophe' is defined differently from ours: read the "
                   "definition before comparing", "fri_xpt_ai_risk"),
)


def questions_table() -> str:
    lines = ["| key | question |", "|---|---|"]
    lines += [f"| `{q.key}` | {q.text} |" for q in BIG_QUESTIONS]
    return "\n".join(lines)


def _logit(p):
    p = np.clip(np.asarray(p, dtype=float), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def plot_big_forecasts(forecasts: dict, ax=None):
    """Your probability for each big question on a log-odds axis, with published reference
    points (grey diamonds) where they exist; returns the Axes.

    A log-odds axis gives as much room to 1% vs 5% as to 50% vs 84%: small
    probabilities are where most disagreement about catastrophe lives.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5))
    ys = np.arange(len(BIG_KEYS))
    values = [float(filled(forecasts, "forecasts")[k]["p"]) for k in BIG_KEYS]
    ax.scatter(_logit(values), ys, s=80, color="tab:blue", zorder=3, label="you")
    for row, v in zip(ys, values, strict=True):
        ax.annotate(f"{v:.2g}", (_logit(v), row), xytext=(0, 7), textcoords="offset points",
                    ha="center", fontsize=8, color="tab:blue")
    rows: dict[str, int] = {}
    for point in REFERENCE_POINTS:
        k = rows.get(point.question, 0)
        rows[point.question] = k + 1
        y = BIG_KEYS.index(point.question) + 0.2 + 0.2 * k
        ax.scatter(_logit(point.value), y, marker="D", s=28, color="grey", zorder=2,
                   label="published estimates (different questions!)" if not k and
                   point is REFERENCE_POINTS[0] else None)
        ax.annotate(point.short, (_logit(point.value), y), xytext=(6, 0),
                    textcoords="offset points", fontsize=7, color="dimgrey", va="center")
    ticks = [0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99, 0.999]
    ax.set_xticks(_logit(ticks))
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.set_xlim(_logit(0.0007), _logit(0.9993))
    ax.set_yticks(ys)
    ax.set_ylim(len(BIG_KEYS) - 0.4, -0.6)
    ax.set_yticklabels(BIG_KEYS, fontsize=8)
    ax.set_xlabel("probability (log-odds scale)")
    ax.set_title("Your forecasts on the field's big questions")
    ax.legend(loc="lower right", fontsize=7)
    ax.grid(axis="x", alpha=0.3)
    return ax
