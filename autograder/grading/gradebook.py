"""The gradebook's single writer: save one graded submission with nbgrader's own code.

Only the coordinator process writes. For each returned notebook it runs the
rest of nbgrader's autograde pipeline (everything after Execute: IgnorePattern,
ClearMetadata, LimitOutput, SaveAutoGrades, AssignLatePenalties,
CheckCellMetadata) and writes nbgrader's autograded/ folder. Notebooks that
could not run get 0 on every cell, with the reason as nbgrader's automatic
comment, so a failed re-grade never leaves stale scores behind. Notebooks with
``untrusted`` tampering get 0 on their test cells and are marked for manual
review. Those last changes and the grader's record of the submission (records.py:
its checksum, and what the run saw) are one transaction; the record is cleared
before the submission is graded again, so a kill in between means "grade it
again", never "graded" with half its scores.

A locked database (formgrader, a sqlite3 shell, another grader) is waited out:
the whole save is retried until the lock goes away or `wait_seconds` pass.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import threading
import time
from collections.abc import Set as AbstractSet
from typing import Any

import nbformat

from .collect import Submission
from .course import Course
from .jobs import FAILED, Result
from .tamper import UNTRUSTED, Flag

DIAGNOSIS = re.compile(r"Diagnosis \(([^)]+)\)")


class GradebookLocked(RuntimeError):
    """The gradebook stayed locked for longer than we were allowed to wait."""


def is_lock_error(exc: BaseException) -> bool:
    text = f"{type(exc).__name__} {exc}".lower()
    return ("database is locked" in text or "database table is locked" in text
            or "lock timeout" in text or "could not obtain lock" in text
            or "deadlock detected" in text)


def retry_while_locked(action, what: str, wait_seconds: float, say):
    """Run `action()`; while the database is locked, wait and try again."""
    deadline = time.monotonic() + wait_seconds
    delay, warned = 0.5, False
    while True:
        try:
            return action()
        except Exception as exc:
            if not is_lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                raise GradebookLocked(
                    f"the gradebook was still locked after {wait_seconds:g} s while {what}. "
                    "Close whatever holds it (formgrader, a sqlite3 shell) and run the same "
                    "command again: graded submissions are kept, the rest will be graded."
                ) from exc
            if not warned:
                say(f"the gradebook is locked by another program (formgrader? a sqlite3 "
                    f"shell?); waiting for it while {what} (up to {wait_seconds:g} s)")
                warned = True
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


@contextlib.contextmanager
def shared_engines():
    """Within this block, every nbgrader ``Gradebook`` of one URL shares one engine.

    nbgrader opens a new SQLAlchemy engine for each ``Gradebook``, and with it an
    empty cache of compiled SQL; saving one submission opens several, so a batch
    spent most of its time compiling the same queries again (about 0.3 s per
    submission). Sharing the engine keeps the cache. ``Gradebook.close`` still
    disposes of the engine's connections, so no connection, and no lock on the
    database, outlives the ``with Gradebook(...)`` that opened it.
    """
    import nbgrader.api as api

    original = api.create_engine
    engines: dict[tuple, Any] = {}
    guard = threading.Lock()

    def create_engine(url, *args, **kwargs):
        key = (str(url), args, tuple(sorted(kwargs.items())))
        with guard:
            if key not in engines:
                engines[key] = original(url, *args, **kwargs)
            return engines[key]

    api.create_engine = create_engine
    try:
        yield
    finally:
        api.create_engine = original
        for engine in engines.values():
            engine.dispose()


def cell_outcomes(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """grade_id -> the check and diagnoses its failure named (from the error output)."""
    found = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        text = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                text.append(f"{output.get('ename', '')}: {output.get('evalue', '')}")
        message = "\n".join(text)
        first = message.split("\n", 1)[0]
        check = first.split(": ", 2)[1] if message.startswith("AssertionError: ") and \
            first.count(": ") >= 2 else None
        found[meta["grade_id"]] = {"error": first[:200] if message else None,
                                   "check": check,
                                   "diagnoses": DIAGNOSIS.findall(message)}
    return found


def solution_stubs(nb: nbformat.NotebookNode) -> dict[str, str]:
    """grade_id -> source, for every solution or written-answer cell of a handout."""
    found = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        if meta.get("solution") and meta.get("grade_id"):
            found[meta["grade_id"]] = cell.source
    return found


def changed_cells(nb: nbformat.NotebookNode, stubs: dict[str, str]) -> dict[str, bool]:
    """grade_id -> whether the submitted cell differs from the handout's (a cell the
    student deleted counts as unchanged: nothing was attempted there)."""
    submitted = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        if meta.get("grade_id") in stubs:
            submitted[meta["grade_id"]] = cell.source
    return {gid: gid in submitted and submitted[gid].strip() != stub.strip()
            for gid, stub in stubs.items()}


class GradebookWriter:
    def __init__(self, course: Course, assignment: str, notebooks: list[str],
                 test_cells: dict[str, set[str]], *, wait_seconds: float = 600.0, say=print,
                 stubs: dict[str, dict[str, str]] | None = None):
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.preprocessors import (
            AssignLatePenalties,
            CheckCellMetadata,
            IgnorePattern,
            LimitOutput,
            SaveAutoGrades,
        )

        self.course = course
        self.assignment = assignment
        self.notebooks = notebooks
        self.test_cells = test_cells            # notebook -> grade ids of test cells
        self.stubs = stubs or {}                # notebook -> solution grade id -> handout
        self.wait_seconds = wait_seconds
        self.say = say
        config = course.config
        clear = ClearMetadataPreprocessor(config=config)
        clear.preserve_cell_metadata_mask = set(clear.preserve_cell_metadata_mask) | {
            "nbgrader", "autograder"}
        self.post = [IgnorePattern(config=config), clear, LimitOutput(config=config),
                     SaveAutoGrades(config=config), AssignLatePenalties(config=config),
                     CheckCellMetadata(config=config)]

    def save(self, submission: Submission, results: dict[str, Result],
             flags: list[Flag], log: dict | None = None) -> dict:
        """Commit one submission and its record (`log`: what the run saw, kept in the
        gradebook with it); return its scores per notebook and cell."""
        return retry_while_locked(lambda: self._save(submission, results, flags, log or {}),
                                  f"saving {submission.student}'s grades", self.wait_seconds,
                                  self.say)

    def _save(self, submission: Submission, results: dict[str, Result],
              flags: list[Flag], log: dict) -> dict:
        from nbgrader.api import Gradebook

        from .records import mark_pending

        student, assignment = submission.student, self.assignment
        timestamp = None
        stamp = submission.folder / "timestamp.txt"
        if not submission.problems.get("timestamp.txt") and not (
                submission.folder.is_symlink() or stamp.is_symlink()):
            timestamp = self.course.coursedir.get_existing_timestamp(str(submission.folder))
        with Gradebook(self.course.db_url, self.course.course_id) as gb:
            # a kill from here until the record is committed means "grade it again"
            mark_pending(gb, self.course.course_id, assignment, student)
            gb.update_or_create_student(student)
            if timestamp is not None:
                gb.update_or_create_submission(assignment, student, timestamp=timestamp)
            else:
                gb.update_or_create_submission(assignment, student)
        dest = self.course.folder("autograded_directory", student, assignment)
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        graded = {f"{name}.ipynb" for name in self.notebooks}
        for name, path in submission.files.items():
            if name not in graded:
                target = dest / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target)
        if stamp.is_file() and not (submission.folder.is_symlink() or stamp.is_symlink()):
            shutil.copy(submission.folder / "timestamp.txt", dest / "timestamp.txt")

        cells: dict[str, dict] = {}
        attempted: dict[str, bool] = {}
        zeroed: dict[str, str] = {}
        for notebook in self.notebooks:
            result = results.get(notebook)
            if result is not None and result.notebook_json is not None:
                nb = nbformat.reads(result.notebook_json, as_version=4)
                attempted.update({f"{notebook}/{gid}": changed for gid, changed in
                                  changed_cells(nb, self.stubs.get(notebook, {})).items()})
                resources = {"nbgrader": {"notebook": notebook, "assignment": assignment,
                                          "student": student,
                                          "db_url": self.course.db_url}}
                for preprocessor in self.post:
                    nb, resources = preprocessor(nb, resources)
                nbformat.write(nb, str(dest / f"{notebook}.ipynb"))
                cells.update({f"{notebook}/{gid}": outcome
                              for gid, outcome in cell_outcomes(nb).items()})
            else:
                reason = result.reason if result is not None else "not graded"
                zeroed[notebook] = f"Not graded: {reason}"
        untrusted = {f.notebook for f in flags if f.severity == UNTRUSTED}
        held = {(name, gid) for name, r in results.items() if r is not None
                for gid in r.undetermined}
        for key, outcome in cells.items():
            notebook, gid = key.split("/", 1)
            outcome["auto"] = gid in self.test_cells.get(notebook, set())
        detail = {**log, "cells": cells, "attempted": attempted,
                  "notebooks": {name: {"status": r.status if r else FAILED,
                                       "reason": r.reason if r else "not graded"}
                                for name in self.notebooks
                                for r in [results.get(name)]}}
        self._commit(submission, zeroed, untrusted, detail, held)
        return self._summary(student, cells, results)

    def _commit(self, submission: Submission, zeroed: dict[str, str], untrusted: set[str],
                detail: dict, held: AbstractSet[tuple[str, str]] = frozenset()) -> None:
        """In one transaction: zero the notebooks that could not run (the reason as
        nbgrader's automatic comment), hold untrusted notebooks' test cells, and the
        cells the grader could not judge (`held`: (notebook, grade_id)), for manual
        review, and record the submission as graded."""
        from nbgrader.api import Gradebook

        from .records import stage_record

        student = submission.student
        with Gradebook(self.course.db_url, self.course.course_id) as gb:
            for notebook, comment in zeroed.items():
                sub = gb.find_submission_notebook(notebook, self.assignment, student)
                for grade in sub.grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
                for note in sub.comments:
                    note.auto_comment = comment
            for notebook in untrusted:
                tests = self.test_cells.get(notebook, set())
                sub = gb.find_submission_notebook(notebook, self.assignment, student)
                for grade in sub.grades:
                    if grade.name in tests:
                        grade.auto_score = 0
                        grade.needs_manual_grade = True
            for notebook, grade_id in sorted(held):
                sub = gb.find_submission_notebook(notebook, self.assignment, student)
                for grade in sub.grades:
                    if grade.name == grade_id:
                        grade.auto_score = 0
                        grade.needs_manual_grade = True
            stage_record(gb, self.course.course_id, self.assignment, student,
                         submission.digest, str(submission.folder), detail)
            gb.db.commit()

    def _summary(self, student: str, cells: dict[str, dict],
                 results: dict[str, Result]) -> dict:
        from nbgrader.api import Gradebook

        summary: dict[str, Any] = {"notebooks": {}, "cells": {}}
        with Gradebook(self.course.db_url, self.course.course_id) as gb:
            submission = gb.find_submission(self.assignment, student)
            summary["score"] = float(submission.score)
            summary["max_score"] = float(submission.max_score)
            summary["needs_manual_grade"] = bool(submission.needs_manual_grade)
            for sub_nb in submission.notebooks:
                result = results.get(sub_nb.name)
                summary["notebooks"][sub_nb.name] = {
                    "score": float(sub_nb.score), "max_score": float(sub_nb.max_score),
                    "status": result.status if result else FAILED,
                    "reason": result.reason if result else "not graded"}
                for grade in sub_nb.grades:
                    key = f"{sub_nb.name}/{grade.name}"
                    entry = {"score": None if grade.score is None else float(grade.score),
                             "max_score": float(grade.max_score),
                             "auto": grade.name in self.test_cells.get(sub_nb.name, set()),
                             "needs_manual_grade": bool(grade.needs_manual_grade)}
                    entry.update(cells.get(key, {}))
                    summary["cells"][key] = entry
        return summary
