"""Turn one submission into self-contained jobs (coordinator side).

For each notebook of the assignment: read the submitted file (a damaged one
becomes a clear reason, not a crash), look for tampering, reset every known
cell's nbgrader metadata to the released one, then run nbgrader's own
sanitising preprocessors (clear outputs, de-duplicate ids, restore the
kernelspec, restore locked and test cells, hidden tests included, and put back
deleted ones, check the metadata). What a worker gets is ready to execute.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode

from . import tamper
from .collect import Submission
from .course import Course
from .jobs import FAILED, Job, Result
from .sandbox import Limits

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
MAX_FILES_BYTES = 50 * 1024 * 1024


class UnreadableNotebook(Exception):
    """A submitted file is not a notebook this grader can run (the message says why)."""


@dataclass
class Prepared:
    submission: Submission
    jobs: list[Job] = field(default_factory=list)
    failures: list[Result] = field(default_factory=list)
    flags: list[tamper.Flag] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


def load_submitted(data: bytes, name: str) -> tuple[NotebookNode, list[str]]:
    """Parse a submitted notebook leniently; raise UnreadableNotebook with a reason."""
    events = []
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise UnreadableNotebook(f"{name} is {len(data) // 2**20} MB, more than the "
                                 f"{MAX_NOTEBOOK_BYTES // 2**20} MB a notebook may be")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableNotebook(f"{name} is not a text file (not UTF-8)") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableNotebook(f"{name} is not valid JSON (line {exc.lineno}: {exc.msg}); "
                                 "the file is damaged") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int):
        raise UnreadableNotebook(f"{name} is JSON but not a Jupyter notebook")
    version = raw["nbformat"]
    if version not in (3, 4):
        raise UnreadableNotebook(f"{name} says it is notebook format {version}; this grader "
                                 "reads formats 3 and 4 (ask for it to be saved again)")
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat's validation and conversion errors
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise UnreadableNotebook(f"{name} is not a valid notebook ({first[:200]})") from None
    if version == 3:
        events.append(f"{name} was converted from notebook format 3")
    return nb, events


def reset_metadata(nb: NotebookNode, release: NotebookNode) -> None:
    """Known cells get the released nbgrader metadata; unknown ones lose theirs."""
    released = {}
    for cell in release.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta and meta.get("grade_id"):
            released[meta["grade_id"]] = meta
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if not meta:
            continue
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if gid in released:
            cell.metadata["nbgrader"] = copy.deepcopy(released[gid])
        else:
            del cell.metadata["nbgrader"]


class Preparer:
    """Prepares submissions of one assignment; holds what all of them share."""

    def __init__(self, course: Course, assignment: str, notebooks: list[str], limits: Limits,
                 *, sandbox: str = "auto", prestart: bool = True):
        from nbgrader.preprocessors import (
            CheckCellMetadata,
            ClearOutput,
            DeduplicateIds,
            OverwriteCells,
            OverwriteKernelspec,
        )

        self.course = course
        self.assignment = assignment
        self.notebooks = notebooks
        self.limits = limits
        self.sandbox = sandbox
        self.prestart = prestart
        self.releases = {name: course.release_notebook(assignment, name) for name in notebooks}
        self.watched = {name: tamper.watched_names(nb) for name, nb in self.releases.items()}
        self.source_files = course.source_files(assignment)
        self.markers = course.hidden_markers()
        self.preprocessors = [ClearOutput(), DeduplicateIds(), OverwriteKernelspec(),
                              OverwriteCells(add_missing_cells=True), CheckCellMetadata()]

    def sanitize(self, nb: NotebookNode, notebook: str, student: str) -> NotebookNode:
        resources = {"nbgrader": {"notebook": notebook, "assignment": self.assignment,
                                  "student": student, "db_url": self.course.db_url}}
        for preprocessor in self.preprocessors:
            nb, resources = preprocessor.preprocess(nb, resources)
        return nb

    def _files(self, submission: Submission, prepared: Prepared) -> dict[str, bytes]:
        files, total = {}, 0
        for name, path in submission.files.items():
            size = path.stat().st_size
            if total + size > MAX_FILES_BYTES:
                prepared.events.append(f"{name} was not given to the kernel: the submission's "
                                       f"files exceed {MAX_FILES_BYTES // 2**20} MB")
                continue
            files[name] = path.read_bytes()
            total += size
        files.update(self.source_files)   # as nbgrader does: the instructor's files win
        return files

    def prepare(self, submission: Submission) -> Prepared:
        prepared = Prepared(submission)
        files = None
        for notebook in self.notebooks:
            path = submission.notebook_path(notebook)
            fail = Result(submission.student, self.assignment, notebook, FAILED)
            if path is None:
                fail.reason = f"{notebook}.ipynb was not submitted"
                prepared.failures.append(fail)
                continue
            try:
                nb, events = load_submitted(path.read_bytes(), f"{notebook}.ipynb")
            except UnreadableNotebook as exc:
                fail.reason = str(exc)
                prepared.failures.append(fail)
                continue
            prepared.events += events
            release = self.releases[notebook]
            prepared.flags += tamper.inspect_notebook(notebook, nb, release)
            prepared.flags += tamper.file_flags(notebook, {   # helper modules run in the kernel
                name: p.read_bytes() for name, p in submission.files.items()
                if name.endswith(".py") and not p.is_symlink() and p.is_file()
                and p.stat().st_size <= 1024 * 1024}, release)
            reset_metadata(nb, release)
            try:
                nb = self.sanitize(nb, notebook, submission.student)
            except Exception as exc:  # nbgrader's own checks refused it
                fail.reason = (f"nbgrader could not prepare {notebook}.ipynb for grading "
                               f"({type(exc).__name__}: {str(exc)[:200]})")
                prepared.failures.append(fail)
                continue
            if files is None:
                files = self._files(submission, prepared)
            prepared.jobs.append(Job(
                submission.student, self.assignment, notebook, nbformat.writes(nb), files,
                self.limits, self.watched[notebook], self.markers,
                tuple(self.course.private_paths), self.sandbox, self.prestart))
        return prepared
