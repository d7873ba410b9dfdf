"""Roles, learning plans and time logs (notebook 07).

ROLES summarises the kinds of technical alignment work described in
Rogers-Smith's career guide (2022, adapted there from Rohin Shah), in this
project's words. The plots show a learner's skill gaps for a role, their plan
on a calendar, and the hours they actually logged against the plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .inputs import filled


@dataclass(frozen=True)
class Role:
    name: str
    does: str
    needs: str


ROLES: tuple[Role, ...] = (
    Role("research lead (empirical)",
         "proposes and leads projects that find out something new with current ML systems",
         "strong research taste and alignment knowledge, solid ML, moderate engineering; "
         "most people in these roles have a PhD"),
    Role("research lead (theoretical)",
         "proposes and leads conceptual or mathematical research, mostly thinking and writing",
         "very strong epistemics and research taste, deep alignment knowledge, mathematical "
         "maturity; little feedback from experiments to lean on"),
    Role("research contributor (empirical)",
         "executes projects proposed by others: experiments, infrastructure, analysis",
         "strong programming and usually ML engineering, moderate research taste and "
         "alignment knowledge; a PhD is not required"),
    Role("research contributor (theoretical)",
         "works on theory agendas set by others; such roles have been rare",
         "strong mathematics or theoretical computer science"),
    Role("software engineer",
         "builds the tools research runs on: training frameworks, clusters, clean codebases",
         "strong software engineering; ML knowledge helps but can be learned on the job"),
)
ROLE_NAMES = tuple(r.name for r in ROLES)


def roles_table() -> str:
    lines = ["| role | does | needs |", "|---|---|---|"]
    lines += [f"| {r.name} | {r.does} | {r.needs} |" for r in ROLES]
    return "\n".join(lines)


def plot_skill_gaps(my_role: dict, ax=None):
    """For each skill of `my_role`, what the role needs (outline) and what you have (filled).

    my_role: {"role": name, "skills": {skill: {"need": 1-5, "have": 1-5}}, ...}.
    The biggest gaps come first: they are where learning hours pay most. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    role, skills = filled(my_role, "my_role")["role"], my_role["skills"]

    names = sorted(skills, key=lambda s: -(skills[s]["need"] - skills[s]["have"]))
    need = np.array([skills[s]["need"] for s in names], dtype=float)
    have = np.array([skills[s]["have"] for s in names], dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.5 * len(names) + 1.4))
    y = np.arange(len(names))
    ax.barh(y, need, color="white", edgecolor="black", label="the role needs")
    ax.barh(y, have, height=0.5, color=["tab:red" if h < n else "tab:green"
                                        for h, n in zip(have, need, strict=True)],
            label="you have")
    for i, (h, n) in enumerate(zip(have, need, strict=True)):
        if n > h:
            ax.text(n + 0.08, i, f"gap {n - h:g}", va="center", fontsize=8, color="tab:red")
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 6)
    ax.set_xticks(range(0, 6))
    ax.set_xlabel("level (1 = beginner, 5 = what the best people in the role have)")
    ax.set_title(f"Skill gaps{' for ' + role if role else ''} (biggest first)")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_plan(plan: dict, axes=None):
    """The plan on a calendar (milestones by week) and its hour budget; returns the Figure.

    axes: two matplotlib Axes (timeline, budget), or None to make a new figure.
    """
    import textwrap

    import matplotlib.pyplot as plt

    weeks, per_week = int(filled(plan, "learning_plan")["weeks"]), float(plan["hours_per_week"])
    milestones = plan["milestones"]
    if axes is None:
        _, axes = plt.subplots(2, 1, figsize=(10, 4.6), height_ratios=[3, 1],
                               layout="constrained")
    top, bottom = axes
    top.axhline(0, color="tab:blue", lw=6, alpha=0.25)
    for i, m in enumerate(milestones):
        w = int(m["week"])
        y = 0.45 if i % 2 == 0 else -0.45
        top.plot([w], [0], "D", color="tab:orange", ms=10, zorder=3)
        top.plot([w, w], [0, y * 0.8], color="grey", lw=0.8)
        label = f"week {w}: " + "\n".join(textwrap.wrap(str(m["deliverable"]), 34)[:3])
        top.text(w, y, label, ha="center", va="bottom" if y > 0 else "top", fontsize=7.5)
    top.set_xlim(0, weeks * 1.04 + 2)
    top.set_ylim(-1.3, 1.3)
    top.set_yticks([])
    top.set_xlabel("week")
    top.set_title(f"{weeks} weeks at {per_week:g} h a week = {weeks * per_week:.0f} hours, "
                  f"{len(milestones)} milestones")
    for side in ("left", "right", "top"):
        top.spines[side].set_visible(False)
    total = weeks * per_week
    paper = float(plan["paper_to_replicate"]["hours"])
    bottom.barh([0], [paper], color="tab:purple", label=f"replication: {paper:g} h")
    bottom.barh([0], [total - paper], left=[paper], color="lightgrey",
                label=f"everything else: {total - paper:g} h")
    bottom.text(paper / 2, 0, f"{paper / total:.0%}", ha="center", va="center", color="white",
                fontsize=9)
    bottom.set_xlim(0, total)
    bottom.set_yticks([])
    bottom.set_xlabel("hours in the plan")
    bottom.legend(loc="upper center", bbox_to_anchor=(0.5, -0.6), ncol=2, fontsize=8,
                  frameon=False)
    return top.figure


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def plot_time_log(plan: dict, time_log: list[dict], change_course: dict | None = None,
                  ax=None):
    """Cumulative hours logged against hours planned, week by week, with review points.

    Each logged week is a point at the end of that week. The shaded area is the
    shortfall; the dotted line is half the plan, a threshold worth writing down
    as a signal in advance. change_course: your rules; its "review_every_weeks"
    marks the reviews. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    filled(plan, "learning_plan")
    entries = sorted(filled(time_log, "time_log"), key=lambda e: _date(e["week"]))
    start = _date(entries[0]["week"])
    ends = np.array([(_date(e["week"]) - start).days / 7 + 1 for e in entries])
    actual = np.cumsum([float(e["hours"]) for e in entries])
    per_week = float(plan["hours_per_week"])
    planned = per_week * ends
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.8))
    xs = np.array([0.0, *ends])
    ax.plot(xs, per_week * xs, color="tab:blue", label="plan")
    ax.plot(xs, 0.5 * per_week * xs, ":", color="tab:blue", label="half the plan")
    ax.plot(xs, [0.0, *actual], "o-", color="tab:orange", lw=2, label="logged")
    ax.fill_between(xs, [0.0, *actual], per_week * xs, where=[True, *(actual < planned)],
                    color="tab:red", alpha=0.12, interpolate=True, label="shortfall")
    review_every_weeks = (filled(change_course, "change_course")["review_every_weeks"]
                          if change_course is not None else None)
    if review_every_weeks:
        for w in np.arange(review_every_weeks, ends[-1] + 1e-9, review_every_weeks):
            ax.axvline(w, color="grey", lw=0.8, ls="--")
    ax.set_xlabel(f"weeks since {start}")
    ax.set_ylabel("cumulative hours")
    ax.set_title(f"Logged {actual[-1]:.0f} h of {planned[-1]:.0f} h planned "
                 f"({actual[-1] / planned[-1]:.0%})")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return ax
