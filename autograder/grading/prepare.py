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

from . import safefs, tamper
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
    repaired = repair_cell_ids(raw)
    if repaired:
        events.append(f"{name}: {len(repaired)} cells had the id of an earlier cell "
                      f"({', '.join(sorted(set(repaired))[:3])}); they were given new ids")
        text = json.dumps(raw)
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
    """Known cells get the released nbgrader metadata; unknown ones lose theirs.

    A cell id claimed twice (a careless paste of a copy of a locked or test cell)
    stays with the last cell that claims it, as in nbgrader's DeduplicateIds, and
    the earlier copies become plain cells: nbgrader's own de-duplication leaves
    them an empty nbgrader section, which its later steps cannot read (the whole
    notebook used to score 0).
    """
    released = {}
    for cell in release.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta and meta.get("grade_id"):
            released[meta["grade_id"]] = meta
    seen: set[str] = set()
    for cell in reversed(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is None:
            continue
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if gid is not None and gid in released and gid not in seen:
            cell.metadata["nbgrader"] = copy.deepcopy(released[gid])
            seen.add(gid)
        else:
            del cell.metadata["nbgrader"]


def repair_cell_ids(raw: dict) -> list[str]:
    """Give a fresh id to every cell whose id an earlier cell already has (a cell
    pasted with a text editor); nbformat refuses such a notebook otherwise."""
    import uuid

    seen: set[str] = set()
    repaired = []
    for cell in raw.get("cells", []) if isinstance(raw.get("cells"), list) else []:
        if not isinstance(cell, dict) or not isinstance(cell.get("id"), str):
            continue
        if cell["id"] in seen:
            repaired.append(cell["id"])
            cell["id"] = uuid.uuid4().hex[:12]
        seen.add(cell["id"])
    return repaired


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
        from .settings import excluded_from_overwriting

        self.keep_submitted = excluded_from_overwriting(course.config, assignment)
        config = course.config   # nbgrader_config.py: settings honoured as by nbgrader
        overwrite = OverwriteCells(config=config)
        overwrite.add_missing_cells = True   # a deleted test cell is put back, always
        self.preprocessors = [ClearOutput(config=config), DeduplicateIds(config=config),
                              OverwriteKernelspec(config=config), overwrite,
                              CheckCellMetadata(config=config)]

    def sanitize(self, nb: NotebookNode, notebook: str, student: str) -> NotebookNode:
        resources = {"nbgrader": {"notebook": notebook, "assignment": self.assignment,
                                  "student": student, "db_url": self.course.db_url}}
        for preprocessor in self.preprocessors:
            nb, resources = preprocessor.preprocess(nb, resources)
        return nb

    def _files(self, submission: Submission, prepared: Prepared) -> dict[str, bytes]:
        files, total = {}, 0
        for name, path in submission.files.items():
            try:
                data = safefs.read_regular(path, MAX_FILES_BYTES - total)
            except safefs.Refused as exc:
                prepared.events.append(f"{name} was not given to the kernel: {name} {exc} "
                                       f"(the submission's files may hold "
                                       f"{MAX_FILES_BYTES // 2**20} MB at most)")
                continue
            files[name] = data
            total += len(data)
        # as nbgrader does: the instructor's files win, except those the course lets
        # students replace (c.Autograde.exclude_overwriting)
        files.update({name: data for name, data in self.source_files.items()
                      if name not in self.keep_submitted or name not in files})
        return files

    def _problems(self, submission: Submission, prepared: Prepared) -> None:
        """What collection refused or noticed, for the record (notebooks: as reasons)."""
        graded = {f"{name}.ipynb" for name in self.notebooks}
        for name, why in sorted(submission.problems.items()):
            if name in graded:
                continue                  # the notebook's own reason (see prepare)
            if name.startswith("note:"):
                prepared.events.append(why)
                continue
            prepared.flags.append(tamper.Flag("", tamper.REVIEW, "refused file", why))

    def prepare(self, submission: Submission) -> Prepared:
        prepared = Prepared(submission)
        self._problems(submission, prepared)
        files = None
        for notebook in self.notebooks:
            path = submission.notebook_path(notebook)
            fail = Result(submission.student, self.assignment, notebook, FAILED)
            if path is None:
                why = (submission.problems.get(f"{notebook}.ipynb")
                       or submission.problems.get("."))
                fail.reason = (f"{notebook}.ipynb was not graded: {why}" if why
                               else f"{notebook}.ipynb was not submitted")
                prepared.failures.append(fail)
                continue
            try:
                data = safefs.read_regular(path, MAX_NOTEBOOK_BYTES + 1)
                nb, events = load_submitted(data, f"{notebook}.ipynb")
            except safefs.Refused as exc:
                fail.reason = f"{notebook}.ipynb was not graded: {notebook}.ipynb {exc}"
                prepared.failures.append(fail)
                continue
            except UnreadableNotebook as exc:
                fail.reason = str(exc)
                prepared.failures.append(fail)
                continue
            prepared.events += events
            from .feedback import missing_attachments

            missing = missing_attachments(nb)
            if missing:
                prepared.events.append(
                    f"{notebook}.ipynb shows images it does not carry (attachment:"
                    f"{', attachment:'.join(sorted(set(missing))[:5])}); the feedback shows a "
                    "broken image there, the grade is unaffected")
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
