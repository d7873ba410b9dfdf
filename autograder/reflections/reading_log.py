"""A learner's reading log: how much they read, of what, and how that compares with the plan.

A log is a list of sessions, each a dict:

    {"date": "2025-01-06", "reading": "cotra_hard", "minutes": 45,
     "takeaway": "Training rewards behaviour, so several different goals fit the same scores."}

`reading` is a key of the reading list (autograder.readings) or, for anything
else, the title. The notebook's check validates a log with feedback; the
functions here raise ReadingLogError with a plain message if given a bad one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..readings import KEYS, reading
from .inputs import filled

TARGET_HOURS_PER_WEEK = 2.0  # the guides' advice: read a couple of hours a week


class ReadingLogError(ValueError):
    """The log is not a list of sessions with a date, a reading and minutes."""


@dataclass(frozen=True)
class Session:
    date: dt.date
    reading: str
    minutes: float
    takeaway: str


@dataclass
class LogSummary:
    sessions: int
    total_minutes: float
    first: dt.date
    last: dt.date
    weeks: float                      # weeks spanned, at least 1
    minutes_by_reading: dict[str, float] = field(default_factory=dict)

    @property
    def hours(self) -> float:
        return self.total_minutes / 60

    @property
    def hours_per_week(self) -> float:
        return self.hours / self.weeks


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def sessions(log) -> list[Session]:
    """The log as Session objects sorted by date; ReadingLogError says which entry is bad."""
    filled(log, "reading_log")
    if not isinstance(log, (list, tuple)) or not log:
        raise ReadingLogError("a reading log is a non-empty list of sessions (dicts)")
    out = []
    for i, entry in enumerate(log):
        where = f"session {i + 1}"
        if not isinstance(entry, dict):
            raise ReadingLogError(f"{where} should be a dict, got {type(entry).__name__}")
        try:
            date = _date(entry["date"])
            minutes = float(entry["minutes"])
            name = str(entry["reading"])
        except KeyError as exc:
            raise ReadingLogError(f"{where} has no {exc.args[0]!r}") from None
        except (TypeError, ValueError):
            raise ReadingLogError(f"{where}: the date should be 'YYYY-MM-DD' and minutes a "
                                  "number") from None
        if minutes <= 0:
            raise ReadingLogError(f"{where}: minutes should be positive, got {minutes:g}")
        out.append(Session(date, name, minutes, str(entry.get("takeaway", ""))))
    return sorted(out, key=lambda s: s.date)


def summarize_log(log) -> LogSummary:
    """Totals of a reading log: sessions, minutes, weeks spanned and minutes per reading."""
    items = sessions(log)
    first, last = items[0].date, items[-1].date
    by_reading: dict[str, float] = {}
    for s in items:
        by_reading[s.reading] = by_reading.get(s.reading, 0.0) + s.minutes
    weeks = max(1.0, ((last - first).days + 1) / 7)
    return LogSummary(len(items), sum(s.minutes for s in items), first, last, weeks, by_reading)


def _estimate(name: str) -> int | None:
    return reading(name).minutes if name in KEYS else None


def format_summary(summary: LogSummary, target: float = TARGET_HOURS_PER_WEEK) -> str:
    """A few lines a learner can read: totals, pace against the target, and each reading."""
    lines = [f"{summary.sessions} sessions, {summary.hours:.1f} hours, from {summary.first} to "
             f"{summary.last} ({summary.weeks:.1f} weeks): {summary.hours_per_week:.1f} hours "
             f"a week (the advice is about {target:g})."]
    lines.append("Per reading (logged / estimated for a first active read):")
    for name, minutes in sorted(summary.minutes_by_reading.items(), key=lambda kv: -kv[1]):
        estimate = _estimate(name)
        if estimate is None:
            lines.append(f"  {name[:44]:44s} {minutes:5.0f} min  (not on the list)")
            continue
        done = min(1.0, minutes / estimate)
        bar = "#" * round(10 * done) + "." * (10 - round(10 * done))
        lines.append(f"  {name[:44]:44s} {minutes:5.0f} / {estimate:3d} min  {bar}")
    return "\n".join(lines)


def plot_reading_log(log, axes=None, target: float = TARGET_HOURS_PER_WEEK):
    """Two panels: cumulative hours against the target pace, and minutes per reading.

    axes: two matplotlib Axes, or None to make a new figure. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    items = sessions(log)
    summary = summarize_log(log)
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.8),
                                 gridspec_kw={"width_ratios": [1.1, 1]})
    left, right = axes
    fig = left.figure
    days = [(s.date - summary.first).days for s in items]
    cumulative, total = [], 0.0
    for s in items:
        total += s.minutes / 60
        cumulative.append(total)
    span = max(days[-1], 7)
    left.step([0, *days], [0, *cumulative], where="post", color="tab:blue", lw=2,
              label="your reading")
    left.plot([0, span], [0, target * span / 7], "--", color="grey",
              label=f"{target:g} hours a week")
    left.set_xlabel(f"days since {summary.first}")
    left.set_ylabel("hours read (cumulative)")
    left.set_title(f"{summary.hours:.1f} h in {summary.weeks:.1f} weeks: "
                   f"{summary.hours_per_week:.1f} h/week")
    left.legend(loc="upper left", fontsize=8)
    left.grid(alpha=0.3)

    names = sorted(summary.minutes_by_reading, key=lambda n: -summary.minutes_by_reading[n])
    logged = [summary.minutes_by_reading[n] for n in names]
    estimates = [_estimate(n) or 0 for n in names]
    ypos = range(len(names))
    right.barh(ypos, estimates, color="lightgrey", label="estimated for one active read")
    right.barh(ypos, logged, height=0.5, color="tab:blue", label="you logged")
    right.set_yticks(list(ypos))
    right.set_yticklabels([n if len(n) <= 28 else n[:27] + "…" for n in names], fontsize=8)
    right.invert_yaxis()
    right.set_xlabel("minutes")
    right.set_title("time per reading")
    right.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_weekly_hours(weekly: dict, target: float = TARGET_HOURS_PER_WEEK, ax=None):
    """Bars of hours per week ({'2025-01-06': 2.5, ...}), empty weeks marked; returns the Axes."""
    import matplotlib.pyplot as plt

    if not isinstance(weekly, dict) or not weekly:
        raise ReadingLogError("weekly should be a non-empty dict {week start: hours}")
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.2))
    weeks = sorted(weekly)
    hours = [float(weekly[w]) for w in weeks]
    colors = ["tab:red" if h == 0 else ("tab:blue" if h >= target else "tab:cyan")
              for h in hours]
    ax.bar(range(len(weeks)), hours, color=colors)
    ax.axhline(target, ls="--", color="grey", label=f"{target:g} hours a week")
    for i, h in enumerate(hours):
        if h == 0:
            ax.text(i, 0.05, "none", ha="center", va="bottom", fontsize=8, color="tab:red")
    step = max(1, len(weeks) // 10)
    ax.set_xticks(range(0, len(weeks), step))
    ax.set_xticklabels([weeks[i] for i in range(0, len(weeks), step)], rotation=30,
                       ha="right", fontsize=8)
    ax.set_ylabel("hours")
    ax.set_ylim(0, max(max(hours), target) * 1.35)
    missed = sum(h == 0 for h in hours)
    ax.set_title(f"Reading per week: {sum(hours) / len(hours):.1f} h on average, "
                 f"{missed} week{'s' if missed != 1 else ''} with none")
    ax.legend(loc="upper right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return ax
