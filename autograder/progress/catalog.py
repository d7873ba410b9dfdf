"""The curriculum's exercises, read fast: stages, notebooks, exercises, graded cells.

This is the reading of :mod:`autograder.notebooks` (the same header pattern,
the same graded cells, the same check calls), done on the notebook's raw JSON.
It exists because ``autograder.notebooks`` imports nbformat, whose import takes
about three seconds (its jsonschema format checkers), and the progress report
runs at the end of every notebook and inside the learner's checks.
tests/test_progress_report.py proves both readings agree on every notebook.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..stages import STAGE_FOLDERS

EXERCISE_HEADER = re.compile(
    r"^#{2,4} Exercise (?P<nb>\d+)\.(?P<k>\d+): (?P<title>.+?) "
    r"\(about (?P<minutes>\d+) min, difficulty (?P<difficulty>[1-5])/5\)\s*$",
    re.MULTILINE)
CHECK_CALL = re.compile(r"\b(check_\w+)\s*\(")
HIDDEN_TESTS = "### BEGIN HIDDEN TESTS"
# What nbgrader leaves in an answer the learner has not written (nbgrader_config.py).
ANSWER_STUBS = {"YOUR ANSWER HERE", "# YOUR CODE HERE\nraise NotImplementedError()"}
# Copies that autograder.lab.workspace writes beside a notebook the learner changed.
UPSTREAM_COPY = re.compile(r"\.upstream-[0-9a-f]+\.ipynb$")


class CatalogError(Exception):
    """A notebook cannot be read (missing, not JSON, not a notebook)."""


@dataclass(frozen=True)
class Graded:
    grade_id: str
    kind: str            # "tests" (autograded) or "answer" (graded by a person)
    points: float
    checks: tuple[str, ...]   # check_* names its visible part calls (tests only)
    written: bool        # for answers: the text differs from nbgrader's stub


@dataclass
class Exercise:
    number: str          # "2.3"
    title: str
    minutes: int
    difficulty: int
    graded: list[Graded] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(g.points for g in self.graded)

    @property
    def checks(self) -> list[str]:
        names: list[str] = []
        for g in self.graded:
            names += [n for n in g.checks if n not in names]
        return names


@dataclass
class Notebook:
    stage: str           # "00_orientation"
    path: str            # "00_orientation/02_numpy_warmup.ipynb" (relative to its base)
    exercises: list[Exercise]

    @property
    def name(self) -> str:
        return Path(self.path).stem


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def load_cells(path: str | Path) -> list[dict]:
    """The cells of a notebook file, each with its source joined into one string."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: no such notebook") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot be read ({exc})") from None
    except ValueError as exc:
        raise CatalogError(f"{path}: not valid JSON ({exc}); the file is damaged") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise CatalogError(f"{path}: not a Jupyter notebook")
    return [{**c, "source": _source(c)} for c in cells if isinstance(c, dict)]


def exercises(cells: list[dict]) -> list[Exercise]:
    """The exercises of a notebook, each with the graded cells after its header."""
    found: list[Exercise] = []
    for cell in cells:
        source = cell["source"]
        if cell.get("cell_type") == "markdown":
            match = EXERCISE_HEADER.search(source)
            if match:
                found.append(Exercise(f"{int(match['nb'])}.{int(match['k'])}", match["title"],
                                      int(match["minutes"]), int(match["difficulty"])))
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if not meta.get("grade") or not found:
            continue
        is_tests = cell.get("cell_type") == "code" and not meta.get("solution")
        visible = source.split(HIDDEN_TESTS)[0]
        checks = tuple(dict.fromkeys(CHECK_CALL.findall(visible))) if is_tests else ()
        found[-1].graded.append(Graded(
            str(meta.get("grade_id", "")), "tests" if is_tests else "answer",
            float(meta.get("points", 0) or 0), checks,
            written=not is_tests and source.strip() not in ANSWER_STUBS | {""}))
    return found


def notebook_files(base: str | Path) -> list[Path]:
    """Every stage notebook under `base` (stage folders in curriculum order)."""
    base = Path(base)
    if not base.is_dir():
        return []
    folders = [p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")
               and p.name[:2].isdigit()]
    order = {name: i for i, name in enumerate(STAGE_FOLDERS)}
    folders.sort(key=lambda p: (order.get(p.name, len(order)), p.name))
    return [nb for folder in folders for nb in sorted(folder.glob("*.ipynb"))
            if not UPSTREAM_COPY.search(nb.name)]


def read_catalog(base: str | Path, fallback: str | Path | None = None
                 ) -> tuple[list[Notebook], list[str]]:
    """Every notebook under `base` with its exercises, and warnings for unreadable ones.

    A notebook that cannot be read is taken from `fallback` (the same relative
    path, e.g. the pristine curriculum/ copy) when there is one.
    """
    base = Path(base)
    notebooks, warnings = [], []
    for path in notebook_files(base):
        rel = path.relative_to(base).as_posix()
        try:
            cells = load_cells(path)
        except CatalogError as exc:
            spare = Path(fallback) / rel if fallback is not None else None
            if spare is None or not spare.is_file():
                warnings.append(f"skipped {rel}: {exc}")
                continue
            warnings.append(f"{rel} cannot be read ({exc}); its exercises are taken from "
                            "the original copy")
            cells = load_cells(spare)
        notebooks.append(Notebook(path.parent.name, rel, exercises(cells)))
    return notebooks, warnings
