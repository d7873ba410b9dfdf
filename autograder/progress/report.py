"""Where a learner stands across the whole curriculum, from their progress store.

:func:`build` reads the workspace's notebooks (their exercises, time boxes,
points and written answers) and the store (every check run), and works out
for each exercise whether it is passed, failing (with the last diagnosis) or
not started. :class:`Report` prints as text, renders as HTML, and
:func:`show_progress` shows it in a notebook with the chart.

An exercise is *done* when every check its test cells call last passed and
every written answer in it has been written (and saved). Points for written
answers are "awaiting review": a person grades them.
"""

from __future__ import annotations

import html
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..stages import STAGE_FOLDERS, STAGES
from . import catalog, store
from .locate import current_notebook, relative_to

BINDER_ENVS = ("BINDER_LAUNCH_HOST", "BINDER_REQUEST", "BINDER_REPO_URL")
BINDER_NOTE = ("This is a temporary Binder session: it is deleted after about 10 minutes "
               "without activity, and your work with it. Download your notebooks before you "
               "stop (right-click a notebook in the file browser > Download), or all of them "
               "at once: run `!python -m autograder.lab archive` in a cell and download "
               "the zip file it names.")


@dataclass
class ExerciseProgress:
    number: str
    title: str
    minutes: int
    points: float            # all points of the exercise
    auto_points: float       # points of its test cells
    written_points: float    # points of its written answers
    earned: float            # test-cell points whose checks last passed
    pending: float           # written-answer points for answers written, awaiting review
    status: str              # "passed", "written", "in progress", "failing", "not started"
    attempts: int = 0
    last_diagnosis: str | None = None
    last_summary: str | None = None

    @property
    def done(self) -> bool:
        return self.status in ("passed", "written")


@dataclass
class NotebookProgress:
    stage: str
    path: str
    exercises: list[ExerciseProgress]
    current: bool = False

    @property
    def name(self) -> str:
        return Path(self.path).stem

    @property
    def done(self) -> int:
        return sum(e.done for e in self.exercises)

    @property
    def total(self) -> int:
        return len(self.exercises)

    @property
    def earned(self) -> float:
        return sum(e.earned for e in self.exercises)

    @property
    def auto_points(self) -> float:
        return sum(e.auto_points for e in self.exercises)

    @property
    def written_points(self) -> float:
        return sum(e.written_points for e in self.exercises)

    @property
    def pending(self) -> float:
        return sum(e.pending for e in self.exercises)

    @property
    def minutes_total(self) -> int:
        return sum(e.minutes for e in self.exercises)

    @property
    def minutes_left(self) -> int:
        return sum(e.minutes for e in self.exercises if not e.done)


@dataclass
class StageProgress:
    folder: str
    title: str
    notebooks: list[NotebookProgress]

    def _sum(self, attr: str):
        return sum(getattr(n, attr) for n in self.notebooks)

    done = property(lambda self: self._sum("done"))
    total = property(lambda self: self._sum("total"))
    earned = property(lambda self: self._sum("earned"))
    auto_points = property(lambda self: self._sum("auto_points"))
    written_points = property(lambda self: self._sum("written_points"))
    pending = property(lambda self: self._sum("pending"))
    minutes_total = property(lambda self: self._sum("minutes_total"))
    minutes_left = property(lambda self: self._sum("minutes_left"))


@dataclass
class Report:
    base: Path | None               # the folder the notebooks were read from
    workspace: Path | None          # the learner's workspace (None: nothing is recorded)
    stages: list[StageProgress]
    records: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    new_upstream: list[str] = field(default_factory=list)   # notebooks not yet in the workspace

    # -- totals -----------------------------------------------------------------
    def _sum(self, attr: str):
        return sum(getattr(s, attr) for s in self.stages)

    done = property(lambda self: self._sum("done"))
    total = property(lambda self: self._sum("total"))
    earned = property(lambda self: self._sum("earned"))
    auto_points = property(lambda self: self._sum("auto_points"))
    written_points = property(lambda self: self._sum("written_points"))
    pending = property(lambda self: self._sum("pending"))
    minutes_total = property(lambda self: self._sum("minutes_total"))
    minutes_left = property(lambda self: self._sum("minutes_left"))

    def notebooks(self) -> list[NotebookProgress]:
        return [n for s in self.stages for n in s.notebooks]

    def next_exercise(self) -> tuple[NotebookProgress, ExerciseProgress] | None:
        """The first exercise not done, in curriculum order (the current notebook's first)."""
        ordered = sorted(self.notebooks(), key=lambda n: not n.current)
        for nb in ordered:
            for ex in nb.exercises:
                if not ex.done:
                    return nb, ex
        return None

    def failing(self) -> list[tuple[NotebookProgress, ExerciseProgress]]:
        return [(nb, ex) for nb in self.notebooks() for ex in nb.exercises
                if ex.status in ("failing", "in progress")]

    # -- text ---------------------------------------------------------------------
    def text(self) -> str:
        return format_text(self)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return format_html(self)


# ---------------------------------------------------------------------------
# building
# ---------------------------------------------------------------------------

def _check_names() -> dict[str, set[str]]:
    """{check identifier: the names its check reports}, e.g. check_row_means -> {row_means}."""
    try:
        from ..checks import all_checks

        found: dict[str, set[str]] = {}
        for key, check in all_checks().items():
            found.setdefault(key.rsplit(".", 1)[-1], set()).add(check.name)
        return found
    except Exception:  # a stage module that does not import must not hide the report
        return {}


def _names(ident: str, registry: dict[str, set[str]]) -> set[str]:
    return registry.get(ident, set()) | {ident.removeprefix("check_")}


def _latest(records: list[dict], notebooks: set[str]) -> tuple[dict, dict, dict]:
    """(latest record per (notebook, check), latest per check among unplaced records).

    A record is *placed* when it names a notebook the report knows; otherwise
    (no JupyterLab session, a renamed notebook) it counts for every exercise
    whose test cell calls that check.
    """
    placed: dict[tuple[str, str], dict] = {}
    loose: dict[str, dict] = {}
    counts: dict[tuple[str | None, str], int] = {}
    for rec in records:
        if rec.get("hidden"):
            continue
        nb = rec.get("notebook")
        key = (nb if nb in notebooks else None, rec["check"])
        counts[key] = counts.get(key, 0) + 1
        if key[0] is None:
            loose[rec["check"]] = rec
        else:
            placed[(nb, rec["check"])] = rec
    return placed, loose, counts


def _progress_of(ex: catalog.Exercise, nb_path: str, placed, loose, counts,
                 registry) -> ExerciseProgress:
    earned = pending = auto = written = 0.0
    all_tests_passed = True
    attempted = False
    all_written = True
    attempts = 0
    last: dict | None = None
    for graded in ex.graded:
        if graded.kind == "answer":
            written += graded.points
            if graded.written:
                pending += graded.points
                attempted = True
            else:
                all_written = False
            continue
        auto += graded.points
        cell_passed = bool(graded.checks)
        for ident in graded.checks:
            found = None
            for name in _names(ident, registry):
                for rec, n in ((placed.get((nb_path, name)), counts.get((nb_path, name), 0)),
                               (loose.get(name), counts.get((None, name), 0))):
                    attempts += n if rec is not None else 0
                    if rec is not None and (found is None or rec["time"] >= found["time"]):
                        found = rec
            if found is None:
                cell_passed = False
                continue
            attempted = True
            if not found["passed"]:
                cell_passed = False
                if last is None or found["time"] >= last["time"]:
                    last = found
        if cell_passed:
            earned += graded.points
        else:
            all_tests_passed = False
    has_tests = auto > 0 or any(g.kind == "tests" for g in ex.graded)
    if all_tests_passed and all_written:
        status = "passed" if has_tests else "written"
    elif last is not None:
        status = "failing"
    elif attempted:
        status = "in progress"
    else:
        status = "not started"
    return ExerciseProgress(
        ex.number, ex.title, ex.minutes, ex.points, auto, written, earned, pending, status,
        attempts, last.get("diagnosis") if last else None, last.get("summary") if last else None)


def _course_curriculum() -> Path | None:
    try:
        from ..release import find_course_root

        folder = find_course_root() / "curriculum"
        return folder if folder.is_dir() else None
    except (FileNotFoundError, OSError):
        return None


def build(workspace: str | Path | None = None, *, curriculum: str | Path | None = None,
          current: str | None = None) -> Report:
    """The report for `workspace` (default: the one this runs in, see store.find_workspace).

    Without a workspace the exercises come from the course's curriculum/ and
    nothing is recorded yet. `curriculum` (default: found from the repository)
    is where new notebooks and unreadable ones are looked up. `current` is the
    notebook to mark (default: this kernel's, when JupyterLab started it).
    """
    ws = Path(workspace).resolve() if workspace is not None else store.find_workspace()
    upstream = Path(curriculum) if curriculum is not None else _course_curriculum()
    base = ws if ws is not None and ws.is_dir() else upstream
    if base is None:
        return Report(None, ws, [], warnings=["no curriculum found: run this inside the "
                                              "repository or a learner workspace"])
    notebooks, warnings = catalog.read_catalog(base, fallback=upstream)
    records = store.read(store.store_path(ws)) if ws is not None else []
    if current is None and ws is not None:
        here = current_notebook(ws)
        current = relative_to(here, ws) if here is not None else None
    placed, loose, counts = _latest(records, {nb.path for nb in notebooks})
    registry = _check_names() if records else {}
    titles = {s.folder: s.title for s in STAGES}
    stages: dict[str, StageProgress] = {}
    for nb in notebooks:
        progress = NotebookProgress(nb.stage, nb.path, [
            _progress_of(ex, nb.path, placed, loose, counts, registry) for ex in nb.exercises],
            current=nb.path == current)
        stages.setdefault(nb.stage, StageProgress(
            nb.stage, titles.get(nb.stage, nb.stage), [])).notebooks.append(progress)
    new = []
    if upstream is not None and ws is not None and Path(upstream).resolve() != ws:
        have = {nb.path for nb in notebooks}
        new = [p.relative_to(upstream).as_posix() for p in catalog.notebook_files(upstream)
               if p.relative_to(upstream).as_posix() not in have]
    order = {f: i for i, f in enumerate(STAGE_FOLDERS)}
    ordered = sorted(stages.values(), key=lambda s: (order.get(s.folder, len(order)), s.folder))
    return Report(base, ws, ordered, records, warnings, new)


# ---------------------------------------------------------------------------
# text and HTML
# ---------------------------------------------------------------------------

def hours(minutes: float) -> str:
    """'1 h 35 min', '40 min', '0 min'."""
    minutes = int(round(minutes))
    if minutes < 60:
        return f"{minutes} min"
    h, m = divmod(minutes, 60)
    return f"{h} h" + (f" {m:02d} min" if m else "")


def points(part) -> str:
    """'7/13' or '0/1 +4/9 written': checked points earned, then written points awaiting review.

    `part` is a NotebookProgress, StageProgress or Report.
    """
    text = f"{part.earned:g}/{part.auto_points:g}"
    if part.written_points:
        text += f" +{part.pending:g}/{part.written_points:g} written"
    return text


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
        for nb in [*stage.notebooks, stage]:
            name = nb.name if nb is not stage else "stage total"
            mark = "  ◀ you are here" if getattr(nb, "current", False) else ""
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


STATUS_STYLE = {"passed": ("✓ passed", "#1a7f37"), "written": ("✓ written", "#1a7f37"),
                "failing": ("✗ failing", "#c4432b"), "in progress": ("… in progress", "#b35900"),
                "not started": ("not started", "#777")}


def format_html(report: Report) -> str:
    """The report as an HTML fragment (a notebook shows this; the command saves a page)."""
    esc = html.escape
    out = ['<div class="autograder-progress" style="font-family:sans-serif;max-width:60em">',
           "<h3 style='margin:0.2em 0'>Your progress</h3>"]
    out += [f"<p style='margin:0.2em 0'>{esc(line)}</p>" for line in _headline(report)]
    if report.stages:
        out.append(f"<p style='margin:0.2em 0'><b>{report.done}/{report.total}</b> exercises done, "
                   f"<b>{esc(points(report))}</b> "
                   f"points, about <b>{esc(hours(report.minutes_left))}</b> of exercises left.</p>")
    following = report.next_exercise()
    if following:
        nb, ex = following
        out.append(f"<p style='margin:0.2em 0'>Next: <code>{esc(nb.path)}</code>, exercise "
                   f"{esc(ex.number)} {esc(ex.title)} (about {ex.minutes} min).</p>")
    cell = "padding:2px 10px;text-align:left"
    out.append("<table style='border-collapse:collapse;font-size:90%'>")
    out.append(f"<tr><th style='{cell}'>notebook</th><th style='{cell}'>exercises</th>"
               f"<th style='{cell}'>points</th><th style='{cell}'>time left</th>"
               f"<th style='{cell}'>not passing yet</th></tr>")
    for stage in report.stages:
        out.append(f"<tr style='background:#eef'><td style='{cell}' colspan='5'><b>"
                   f"{esc(stage.folder[:2])} {esc(stage.title)}</b>: {stage.done}/{stage.total}, "
                   f"{esc(hours(stage.minutes_left))} left</td></tr>")
        for nb in stage.notebooks:
            here = " <b>◀ you are here</b>" if nb.current else ""
            notes = "; ".join(
                f"{esc(ex.number)} <span style='color:{STATUS_STYLE[ex.status][1]}'>"
                f"{esc(ex.last_diagnosis or STATUS_STYLE[ex.status][0])}</span>"
                for ex in nb.exercises if ex.status in ("failing", "in progress"))
            out.append(f"<tr><td style='{cell}'>{esc(nb.name)}{here}</td>"
                       f"<td style='{cell}'>{nb.done}/{nb.total}</td>"
                       f"<td style='{cell}'>"
                       f"{esc(points(nb))}</td>"
                       f"<td style='{cell}'>{esc(hours(nb.minutes_left))}</td>"
                       f"<td style='{cell}'>{notes}</td></tr>")
    out.append("</table>")
    if report.new_upstream:
        out.append(f"<p>{len(report.new_upstream)} new notebook(s) are in the curriculum but not "
                   "in your workspace yet; <code>python3 manage.py lab</code> adds them.</p>")
    out += [f"<p style='color:#777'>Note: {esc(w)}</p>" for w in report.warnings]
    if _binder():
        out.append(f"<p style='background:#fff3cd;padding:6px'><b>{esc(BINDER_NOTE)}</b></p>")
    out.append("</div>")
    return "\n".join(out)


def html_page(report: Report, png: bytes | None = None) -> str:
    """A self-contained page (table and embedded chart) that opens without a server."""
    import base64

    img = ""
    if png:
        img = (f"<img alt='progress chart' style='max-width:100%' "
               f"src='data:image/png;base64,{base64.b64encode(png).decode()}'>")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>Your progress</title>"
            f"</head><body>{format_html(report)}{img}</body></html>\n")


# ---------------------------------------------------------------------------
# in a notebook
# ---------------------------------------------------------------------------

def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_progress(workspace: str | Path | None = None) -> Report | None:
    """Show the report: in a notebook as a table and a chart, elsewhere as text."""
    if os.environ.get("NBGRADER_EXECUTION"):
        print("(Your progress is not shown while nbgrader grades or validates a notebook.)")
        return None
    report = build(workspace)
    if not _in_kernel():
        print(report.text())
        return report
    from IPython.display import Image, display

    from .figure import figure_png

    display(report)
    if report.workspace is not None:   # without one there is nothing to draw (and CI runs
        display(Image(data=figure_png(report)))   # every notebook: the chart costs ~0.5 s)
    return None
