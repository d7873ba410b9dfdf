"""The progress chart: where you stand in each stage, and how your recent days went.

Left: one bar per stage, as long as the stage's exercise time boxes, split
into done, started but not passing, and not started. Right: the check runs of
the last weeks, passed and failed, per day.
"""

from __future__ import annotations

import time
from collections import Counter

from .model import Report
from .render import hours

DONE, STARTED, TODO = "#2e9e4f", "#f0a030", "#d9d9d9"
PASSED_RUN, FAILED_RUN = "#2e9e4f", "#d0583c"
DAYS = 28


def _day(t: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(t))


def progress_figure(report: Report, days: int = DAYS):
    """A matplotlib Figure with the two panels (needs no display; Agg is enough)."""
    from matplotlib.figure import Figure

    rows = max(len(report.stages), 1)
    fig = Figure(figsize=(11, max(2.6, 1.4 + 0.5 * rows)), layout="constrained")
    ax_stages, ax_days = fig.subplots(1, 2, width_ratios=[3, 2])
    _plot_stages(ax_stages, report)
    _plot_days(ax_days, report, days)
    return fig


def _plot_stages(ax, report: Report) -> None:
    stages = report.stages
    if not stages:
        ax.text(0.5, 0.5, "no notebooks found", ha="center", va="center")
        ax.set_axis_off()
        return
    for i, stage in enumerate(stages):
        exercises = [e for nb in stage.notebooks for e in nb.exercises]
        done = sum(e.minutes for e in exercises if e.done)
        started = sum(e.minutes for e in exercises
                      if not e.done and e.status in ("failing", "in progress"))
        todo = stage.minutes_total - done - started
        left = 0
        for width, color in ((done, DONE), (started, STARTED), (todo, TODO)):
            ax.barh(i, width / 60, left=left / 60, color=color, height=0.6)
            left += width
        ax.text(stage.minutes_total / 60, i, f"  {stage.done}/{stage.total} done, "
                f"{hours(stage.minutes_left)} left", va="center", fontsize=8)
    ax.set_yticks(range(len(stages)), [f"{s.folder[:2]} {s.title}" for s in stages])
    ax.set_ylim(max(len(stages), 3) - 0.5, -0.5)   # top to bottom; one stage is not a slab
    longest = max(s.minutes_total for s in stages) / 60
    ax.set_xlim(0, longest * 1.55 + 0.1)
    ax.set_xlabel("hours of exercises (from their time boxes)")
    ax.set_title(f"Where you stand: {report.done}/{report.total} exercises, "
                 f"about {hours(report.minutes_left)} left", fontsize=10)
    handles = [ax.bar(0, 0, color=c)[0] for c in (DONE, STARTED, TODO)]
    ax.figure.legend(handles, ["done", "started, not passing yet", "not started"], fontsize=8,
                     loc="outside lower left", ncol=3, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)


def _plot_days(ax, report: Report, days: int) -> None:
    from matplotlib.ticker import MaxNLocator

    now = time.time()
    labels = [_day(now - 86400 * k) for k in range(days - 1, -1, -1)]
    passed = Counter(_day(r["time"]) for r in report.records if r["passed"])
    failed = Counter(_day(r["time"]) for r in report.records if not r["passed"])
    x = range(len(labels))
    ax.bar(x, [passed[d] for d in labels], color=PASSED_RUN, label="passed")
    ax.bar(x, [failed[d] for d in labels], bottom=[passed[d] for d in labels],
           color=FAILED_RUN, label="failed")
    ticks = list(range(0, days, 7)) + [days - 1]
    ax.set_xticks(ticks, [labels[i][5:] for i in ticks], fontsize=8)
    ax.set_ylabel("check runs")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(f"Your check runs, last {days} days", fontsize=10)
    if not any(passed[d] or failed[d] for d in labels):
        ax.text((days - 1) / 2, 0.5, "nothing recorded in these days yet:\n"
                "run a check cell and it shows up here", ha="center", va="center",
                fontsize=9, color="#555")
        ax.set_ylim(0, 1)
    else:
        ax.legend(fontsize=8, frameon=False, loc="upper left")
    ax.spines[["top", "right"]].set_visible(False)


def figure_png(report: Report, dpi: int = 100) -> bytes:
    """The chart as PNG bytes (shown the same way with any matplotlib backend)."""
    import io

    buffer = io.BytesIO()
    progress_figure(report).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
