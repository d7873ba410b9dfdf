"""The course being graded: its nbgrader configuration, folders, gradebook and notebooks."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from ..notebooks import NotebookError, read_notebook


class CourseError(RuntimeError):
    """The course folder or the assignment is not ready to grade (the message says why)."""


def venv_on_path() -> None:
    """nbgrader runs `alembic` through PATH: put this environment's bin/ first."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


@dataclass
class Course:
    root: Path
    config: Any             # traitlets Config loaded from nbgrader_config.py
    coursedir: Any          # nbgrader CourseDirectory

    @classmethod
    def open(cls, root: str | Path, db_url: str | None = None) -> Course:
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        venv_on_path()
        root = Path(root).resolve()
        if not (root / "nbgrader_config.py").is_file():
            raise CourseError(f"{root} is not a course folder: it has no nbgrader_config.py")
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        config.CourseDirectory.root = str(root)
        if db_url:
            config.CourseDirectory.db_url = db_url
        return cls(root, config, CourseDirectory(config=config))

    # -- places -------------------------------------------------------------------
    @property
    def db_url(self) -> str:
        return self.coursedir.db_url

    @property
    def course_id(self) -> str:
        return self.coursedir.course_id

    def folder(self, step: str, student: str, assignment: str) -> Path:
        """nbgrader's folder for `step` ('submitted_directory', 'autograded_directory', ...)."""
        name = getattr(self.coursedir, step)
        return Path(self.coursedir.format_path(name, student, assignment))

    def source_dir(self, assignment: str) -> Path:
        return Path(self.coursedir.format_path(self.coursedir.source_directory, ".", assignment))

    def release_dir(self, assignment: str) -> Path:
        return Path(self.coursedir.format_path(self.coursedir.release_directory, ".", assignment))

    def submitted_root(self) -> Path:
        return self.root / self.coursedir.submitted_directory

    def reports_dir(self, assignment: str) -> Path:
        return self.root / "reports" / assignment

    @property
    def private_paths(self) -> list[str]:
        """What student code must never see: the whole course folder."""
        return [str(self.root)]

    # -- the assignment ---------------------------------------------------------------
    def ensure_assignment(self, assignment: str, say=print) -> list[str]:
        """The assignment's notebook names, registering it in the gradebook if needed."""
        from nbgrader.api import Gradebook, MissingEntry

        if not self.source_dir(assignment).is_dir():
            raise CourseError(f"no assignment {assignment!r}: {self.source_dir(assignment)} "
                              "does not exist")
        with Gradebook(self.db_url, self.course_id) as gb:
            try:
                names = [nb.name for nb in gb.find_assignment(assignment).notebooks]
            except MissingEntry:
                names = []
        if not names or not self.release_dir(assignment).is_dir():
            from nbgrader.apps import NbGraderAPI

            say(f"registering {assignment} in the gradebook (nbgrader generate_assignment)")
            api = NbGraderAPI(coursedir=self.coursedir, config=self.config)  # our db_url
            result = api.generate_assignment(assignment, force=True, create=True)
            if not result.get("success"):
                raise CourseError(f"nbgrader could not generate {assignment}:\n"
                                  f"{result.get('error') or result.get('log')}")
            with Gradebook(self.db_url, self.course_id) as gb:
                names = [nb.name for nb in gb.find_assignment(assignment).notebooks]
        if not names:
            raise CourseError(f"{assignment} has no notebooks in the gradebook")
        return sorted(names)

    def release_notebook(self, assignment: str, name: str) -> NotebookNode:
        """The learner copy nbgrader released: what a submission is compared with."""
        try:
            return read_notebook(self.release_dir(assignment) / f"{name}.ipynb")
        except NotebookError as exc:
            raise CourseError(f"{exc}; regenerate it with `python3 manage.py release "
                              f"{assignment}`") from None

    def source_files(self, assignment: str) -> dict[str, bytes]:
        """Non-notebook files of the source folder (nbgrader copies them over submissions)."""
        from nbgrader import utils

        folder = self.source_dir(assignment)
        files = {}
        for path in utils.find_all_files(str(folder), self.coursedir.ignore + ["*.ipynb"]):
            files[os.path.relpath(path, folder)] = Path(path).read_bytes()
        return files

    def hidden_markers(self) -> tuple[str, str]:
        section = self.config.get("ClearHiddenTests", {})
        return (section.get("begin_test_delimeter", "BEGIN HIDDEN TESTS"),
                section.get("end_test_delimeter", "END HIDDEN TESTS"))

    def cell_timeout(self) -> float | None:
        value = self.config.get("Execute", {}).get("timeout", None)
        return float(value) if isinstance(value, (int, float)) and value > 0 else None
