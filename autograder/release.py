"""Make the learner copies (curriculum/) from the instructor notebooks (solutions/).

A thin layer over nbgrader's own `generate_assignment`: it strips solutions,
hidden tests and outputs, locks the read-only cells and records checksums. The
result must never be edited by hand; tests/test_release.py regenerates it and
fails if the committed copy differs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .stages import STAGE_FOLDERS


class ReleaseError(RuntimeError):
    """nbgrader could not generate an assignment (the message holds its log)."""


def find_course_root(start: str | Path | None = None) -> Path:
    """The nearest folder at or above `start` holding nbgrader_config.py and solutions/.

    Without `start`, the search begins at the current folder and falls back to the
    folder this package was installed from. A `start` given explicitly must be (in)
    a course: falling back to another course would act on the wrong one.
    """
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file() and (folder / "solutions").is_dir():
            return folder
    package_parent = Path(__file__).resolve().parent.parent
    if start is None and (package_parent / "nbgrader_config.py").is_file():
        return package_parent
    raise FileNotFoundError("no course here: run this inside the repository "
                            "(a folder with nbgrader_config.py and solutions/)")


def stages_in(root: Path) -> list[str]:
    """The stage folders present under solutions/, in order."""
    present = {p.name for p in (root / "solutions").iterdir() if p.is_dir()}
    known = [s for s in STAGE_FOLDERS if s in present]
    return known + sorted(present - set(known) - {"__pycache__", ".ipynb_checkpoints"})


def _ensure_venv_on_path() -> None:
    # nbgrader runs `alembic` through PATH when it creates the gradebook.
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def generate(root: Path, stages: list[str] | None = None, *, quiet: bool = False) -> list[str]:
    """Run nbgrader generate_assignment for each stage; return the stages done."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    _ensure_venv_on_path()
    root = Path(root).resolve()
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    todo = stages or stages_in(root)
    unknown = [s for s in todo if not (root / "solutions" / s).is_dir()]
    if unknown:
        raise ReleaseError(f"no such stage under solutions/: {', '.join(unknown)}")
    for stage in todo:
        result = api.generate_assignment(stage, force=True, create=True)
        if not result.get("success"):
            raise ReleaseError(f"nbgrader could not generate {stage}:\n"
                               f"{result.get('error') or result.get('log')}")
        if not quiet:
            print(f"released {stage}: curriculum/{stage}/")
    return todo
