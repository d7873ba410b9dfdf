"""Build the progress report from a workspace's notebooks and its progress store.

:func:`build` reads the notebooks (their exercises, time boxes, points and
written answers) and the store (every check run), and works out for each
exercise whether it is passed, failing (with the last diagnosis) or not started.
"""

from __future__ import annotations

from pathlib import Path

from ..stages import STAGE_FOLDERS, STAGES
from . import catalog, peer, store
from .locate import current_notebook, relative_to
from .model import ExerciseProgress, NotebookProgress, Report, StageProgress


def _check_names() -> dict[str, set[str]]:
    """{check identifier: the names its check reports}, e.g. check_row_means -> {row_means}."""
    try:
        from ..checks import Check, all_checks

        found: dict[str, set[str]] = {}
        for key, check in all_checks().items():
            if isinstance(check, Check):
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
        known = nb if isinstance(nb, str) and nb in notebooks else None
        counts[(known, rec["check"])] = counts.get((known, rec["check"]), 0) + 1
        if known is None:
            loose[rec["check"]] = rec
        else:
            placed[(known, rec["check"])] = rec
    return placed, loose, counts


def _latest_record(ident: str, nb_path: str, placed, loose, counts,
                   registry) -> tuple[dict | None, int]:
    """The newest record of check `ident` (run in this notebook, or in no known one) and
    how many times it was run."""
    found: dict | None = None
    attempts = 0
    for name in _names(ident, registry):
        for rec, n in ((placed.get((nb_path, name)), counts.get((nb_path, name), 0)),
                       (loose.get(name), counts.get((None, name), 0))):
            attempts += n if rec is not None else 0
            if rec is not None and (found is None or rec["time"] >= found["time"]):
                found = rec
    return found, attempts


def _status(complete: bool, has_tests: bool, failing: bool, attempted: bool) -> str:
    """The exercise's status from what its cells show."""
    if complete:
        return "passed" if has_tests else "written"
    if failing:
        return "failing"
    return "in progress" if attempted else "not started"


def _progress_of(ex: catalog.Exercise, nb_path: str, placed, loose, counts,
                 registry, reviews=None) -> ExerciseProgress:
    earned = pending = auto = written = reviewed = reviewed_of = 0.0
    stale = 0
    all_tests_passed = True
    attempted = False
    all_written = True
    attempts = 0
    last: dict | None = None
    for graded in ex.graded:
        if graded.kind == "answer":
            written += graded.points
            review = (reviews or {}).get((nb_path, graded.grade_id))
            if review is not None:
                text = graded.source if graded.written else ""
                if review["answer_sha"] == peer.answer_sha(text):
                    reviewed += review["score"]
                    reviewed_of += graded.points
                else:
                    stale += 1
            if graded.written:
                pending += graded.points
                attempted = True
            else:
                all_written = False
            continue
        auto += graded.points
        cell_passed = bool(graded.checks)
        for ident in graded.checks:
            found, n_attempts = _latest_record(ident, nb_path, placed, loose, counts, registry)
            attempts += n_attempts
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
    status = _status(all_tests_passed and all_written, has_tests, last is not None, attempted)
    return ExerciseProgress(
        ex.number, ex.title, ex.minutes, ex.points, auto, written, earned, pending, status,
        attempts, last.get("diagnosis") if last else None, last.get("summary") if last else None,
        reviewed, reviewed_of, stale)


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
    reviews = peer.latest_reviews(ws) if ws is not None else {}
    titles = {s.folder: s.title for s in STAGES}
    stages: dict[str, StageProgress] = {}
    for nb in notebooks:
        progress = NotebookProgress(nb.stage, nb.path, [
            _progress_of(ex, nb.path, placed, loose, counts, registry, reviews)
            for ex in nb.exercises],
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
