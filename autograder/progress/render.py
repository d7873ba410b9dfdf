"""The progress report as text (the `progress` command) and as HTML (a notebook, a saved page).

The HTML comes from the Jinja2 templates in ``templates/`` (autoescaped, so a
notebook or check name can never inject markup).
"""

from __future__ import annotations

import base64
import os
import time
from functools import cache
from typing import TYPE_CHECKING

from .model import NotebookProgress, Report, StageProgress

if TYPE_CHECKING:
    import jinja2

BINDER_ENVS = ("BINDER_LAUNCH_HOST", "BINDER_REQUEST", "BINDER_REPO_URL")
BINDER_NOTE = ("This is a temporary Binder session: it is deleted after about 10 minutes "
               "without activity, and your work with it. Download your notebooks before you "
               "stop (right-click a notebook in the file browser > Download), or all of them "
               "at once: run `!python -m autograder.lab archive` in a cell and download "
               "the zip file it names.")
STATUS_STYLE = {"passed": ("✓ passed", "#1a7f37"), "written": ("✓ written", "#1a7f37"),
                "failing": ("✗ failing", "#c4432b"), "in progress": ("… in progress", "#b35900"),
                "not started": ("not started", "#777")}


def hours(minutes: float) -> str:
    """'1 h 35 min', '40 min', '0 min'."""
    minutes = int(round(minutes))
    if minutes < 60:
        return f"{minutes} min"
    h, m = divmod(minutes, 60)
    return f"{h} h" + (f" {m:02d} min" if m else "")


def points(part: NotebookProgress | StageProgress | Report) -> str:
    """'7/13' or '0/1 +4/9 written': checked points earned, then written points awaiting review.

    `part` is a NotebookProgress, StageProgress or Report.
    """
    text = f"{part.earned:g}/{part.auto_points:g}"
    if part.written_points:
        text += f" +{part.pending:g}/{part.written_points:g} written"
    if part.reviewed_of:
        text += f" (peer {part.reviewed:g}/{part.reviewed_of:g})"
    return text


def review_line(report: Report) -> str | None:
    """One sentence on peer reviews of written answers, or None when there are none."""
    if not report.reviewed_of and not report.stale_reviews:
        return None
    line = (f"Peer review: {report.reviewed:g}/{report.reviewed_of:g} points on the written "
            "answers a peer has scored")
    if report.stale_reviews:
        line += (f"; {report.stale_reviews} review(s) judged an answer you have rewritten since "
                 "and do not count (export the notebook again for a new review)")
    return line + "."


def _when(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t))


def _headline(report: Report) -> list[str]:
    lines = []
    if report.workspace is None:
        lines.append("No workspace found, so nothing is recorded here. Run `python3 manage.py "
                     "lab` and work in the notebooks it opens (workspace/).")
    elif not report.records:
        lines.append("No checks recorded yet: run an exercise's check cell and it will count.")
    else:
        lines.append(f"{len(report.records)} check runs recorded, the last on "
                     f"{_when(report.records[-1]['time'])}.")
    return lines


def _binder() -> bool:
    return any(os.environ.get(name) for name in BINDER_ENVS)


def format_text(report: Report) -> str:
    """The report as plain text (the `progress` command prints this)."""
    lines = ["Your progress", *_headline(report), ""]
    width = max([len(n.name) for n in report.notebooks()] + [24]) + 2
    if report.stages:
        lines.append(f"  {'notebook':{width}s}{'exercises':>10s}    {'points':22s}"
                     f"{'time left':>12s}")
    for stage in report.stages:
        lines.append(f"{stage.folder[:2]} {stage.title}")
        rows: list[NotebookProgress | StageProgress] = [*stage.notebooks, stage]
        for nb in rows:
            name = nb.name if isinstance(nb, NotebookProgress) else "stage total"
            mark = "  ◀ you are here" if isinstance(nb, NotebookProgress) and nb.current else ""
            tick = " ✓ " if nb.done == nb.total and nb.total else "   "
            lines.append(f"  {name:{width}s}{nb.done:>6d}/{nb.total:<3d}{tick}  "
                         f"{points(nb):22s}{hours(nb.minutes_left):>12s}{mark}")
        lines.append("")
    if report.stages:
        written = (f" (+{report.pending:g}/{report.written_points:g} for written answers, "
                   "graded by a person)" if report.written_points else "")
        lines.append(f"Whole curriculum: {report.done}/{report.total} exercises done; "
                     f"points {report.earned:g}/{report.auto_points:g} from checks{written}; "
                     f"about {hours(report.minutes_left)} of exercises left (from their time "
                     "boxes; reading takes longer).")
        reviewed = review_line(report)
        if reviewed:
            lines.append(reviewed)
    failing = report.failing()
    if failing:
        lines.append("")
        lines.append("Not passing yet (the last run of their check):")
        for nb, ex in failing[:8]:
            why = f": {ex.last_diagnosis}" if ex.last_diagnosis else ""
            lines.append(f"  {nb.path}, exercise {ex.number} {ex.title}{why}")
        if len(failing) > 8:
            lines.append(f"  ... and {len(failing) - 8} more")
    following = report.next_exercise()
    if following:
        nb, ex = following
        lines.append("")
        lines.append(f"Next: {nb.path}, exercise {ex.number} {ex.title} (about {ex.minutes} min).")
    elif report.total:
        lines.append("")
        lines.append("Every exercise is done. Well done.")
    if report.new_upstream:
        lines.append("")
        lines.append(f"{len(report.new_upstream)} new notebook(s) are in the curriculum but not "
                     "in your workspace yet; `python3 manage.py lab` adds them.")
    for warning in report.warnings:
        lines.append(f"Note: {warning}")
    if _binder():
        lines.append("")
        lines.append(BINDER_NOTE)
    return "\n".join(lines).rstrip() + "\n"


@cache
def _templates() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("autograder.progress", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              keep_trailing_newline=True)


def format_html(report: Report) -> str:
    """The report as an HTML fragment (a notebook shows this; the command saves a page)."""
    return _templates().get_template("progress.html.j2").render(
        report=report, headline=_headline(report), following=report.next_exercise(),
        points=points, hours=hours, status_style=STATUS_STYLE, review_line=review_line(report),
        binder_note=BINDER_NOTE if _binder() else None)


def html_page(report: Report, png: bytes | None = None) -> str:
    """A self-contained page (table and embedded chart) that opens without a server."""
    return _templates().get_template("page.html.j2").render(
        fragment=format_html(report),
        png_base64=base64.b64encode(png).decode() if png else None)
