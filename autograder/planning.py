"""Turn a weekly pace into a schedule of the stages, and draw it.

Used by stage 00: the overview of how long the curriculum takes at a few
paces, and the learner's own plan. Stage 05 (reading) runs alongside the
others from the first week: it gets its share of each week's hours, and never
less than a couple of hours, so that both tracks finish together when the pace
allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from .stages import STAGES, Stage

MIN_READING_HOURS_PER_WEEK = 2.0  # the field's common advice: read a couple of hours a week


@dataclass(frozen=True)
class Block:
    stage: Stage
    start_week: float
    end_week: float


def reading_hours_per_week(hours_per_week: float, stages: tuple[Stage, ...] = STAGES) -> float:
    """The reading stage's share of a week: proportional to its hours, at least 2."""
    reading = sum(s.hours for s in stages if s.folder.startswith("05"))
    share = reading / sum(s.hours for s in stages)
    return max(MIN_READING_HOURS_PER_WEEK, hours_per_week * share)


def schedule(hours_per_week: float, stages: tuple[Stage, ...] = STAGES) -> list[Block]:
    """When each stage starts and ends (in weeks) at `hours_per_week`.

    The reading stage (05) runs from week 0 at reading_hours_per_week(); the
    other stages share the rest of each week, one after another.
    """
    reading_hours = reading_hours_per_week(hours_per_week, stages)
    if hours_per_week <= reading_hours:
        raise ValueError(f"at {hours_per_week} hours a week nothing is left after the "
                         f"{reading_hours:g} hours of reading; plan at least 4 hours a week")
    blocks = []
    week = 0.0
    study = hours_per_week - reading_hours
    reading = [s for s in stages if s.folder.startswith("05")]
    for s in stages:
        if s in reading:
            continue
        length = s.hours / study
        blocks.append(Block(s, week, week + length))
        week += length
    for s in reading:
        blocks.append(Block(s, 0.0, s.hours / reading_hours))
    return blocks


def total_weeks(hours_per_week: float) -> float:
    """Weeks until every stage is done at this pace."""
    return max(b.end_week for b in schedule(hours_per_week))


def plot_schedule(hours_per_week: float, ax=None, title: str | None = None,
                  xmax: float | None = None):
    """A horizontal bar per stage over the weeks; returns the matplotlib Axes.

    xmax: the last week shown (give several plots the same one to compare paces).
    """
    import matplotlib.pyplot as plt

    blocks = schedule(hours_per_week)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.2))
    colors = plt.get_cmap("tab10")
    for i, block in enumerate(blocks):
        ax.barh(i, block.end_week - block.start_week, left=block.start_week,
                color=colors(i), alpha=0.85)
        ax.text(block.end_week + 0.2, i, f"{block.end_week - block.start_week:.1f} wk",
                va="center", fontsize=8)
    ax.set_yticks(range(len(blocks)))
    ax.set_yticklabels([f"{b.stage.folder[:2]} {b.stage.title}" for b in blocks])
    ax.invert_yaxis()
    ax.set_xlabel("week")
    ax.set_xlim(0, xmax if xmax is not None else max(b.end_week for b in blocks) * 1.12)
    ax.set_title(title or f"At {hours_per_week:g} hours a week: about "
                 f"{total_weeks(hours_per_week):.0f} weeks")
    ax.grid(axis="x", alpha=0.3)
    return ax


def _require_plan(my_plan: object) -> dict:
    """`my_plan` with its pace and length, or a ValueError saying what to fill in first."""
    fix = "complete it above and run its check, then run this cell again."
    if my_plan is None or (isinstance(my_plan, dict) and not my_plan):
        raise ValueError(f"`my_plan` is not filled in yet: {fix}")
    if not isinstance(my_plan, dict):
        raise ValueError(f"`my_plan` should be a dict like the example above, not a "
                         f"{type(my_plan).__name__}: {fix}")
    missing = [k for k in ("hours_per_week", "weeks") if my_plan.get(k) is None]
    if missing:
        raise ValueError(f"`my_plan` has no {' and no '.join(repr(k) for k in missing)} yet: {fix}")
    return my_plan


def plot_my_plan(my_plan: dict | None, ax=None):
    """The learner's plan on a calendar: plot_schedule at my_plan's pace; returns the Axes.

    my_plan: the stage-00 plan dict; this uses "hours_per_week" (a number) and "weeks"
    (the length the learner planned, shown in the title for comparison).
    Raises ValueError naming `my_plan` while it is None, empty or lacks those keys,
    instead of the TypeError that indexing None gives.
    """
    plan = _require_plan(my_plan)
    pace = float(plan["hours_per_week"])
    return plot_schedule(pace, ax=ax,
                         title=f"Your pace, {pace:g} h/week: about {total_weeks(pace):.0f} "
                               f"weeks (you planned {plan['weeks']})")
