"""Read curriculum notebooks: their exercises, graded cells and the checks they call.

The one reader of the notebook format, used by the test harness, the progress
report, the workspace and cohort grading, so that all of them agree on what an
exercise is. The conventions (docs/contributing.md):

- an exercise starts with a markdown header
  ``### Exercise 2.3: title (about 15 min, difficulty 2/5)``
  where 2 is the notebook's number and 3 the exercise's number in it;
- it ends with its graded cell: an nbgrader "autograder tests" code cell, or a
  manually graded markdown answer cell; each has points and a unique grade_id.

Two ways in, one reading: :func:`load_cells` reads a file's raw JSON (fast; the
progress report runs inside the learner's checks), :func:`read_notebook`
validates it with nbformat (whose import alone takes seconds, so it is imported
only there). :func:`exercises` and :func:`graded_cells` take either.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXERCISE_HEADER = re.compile(
    r"^#{2,4} Exercise (?P<nb>\d+)\.(?P<k>\d+): (?P<title>.+?) "
    r"\(about (?P<minutes>\d+) min, difficulty (?P<difficulty>[1-5])/5\)\s*$",
    re.MULTILINE)
ANY_EXERCISE_HEADER = re.compile(r"^#{1,6}\s*Exercise\b.*$", re.MULTILINE)
CHECK_CALL = re.compile(r"\b(check_\w+)\s*\(")
HIDDEN_TESTS = "### BEGIN HIDDEN TESTS"
# What nbgrader leaves in an answer the learner has not written (nbgrader_config.py).
ANSWER_STUBS = frozenset({"YOUR ANSWER HERE", "# YOUR CODE HERE\nraise NotImplementedError()"})

Cell = Mapping[str, Any]


class NotebookError(Exception):
    """A notebook file cannot be read: missing, not JSON, or not a valid notebook."""


@dataclass(frozen=True)
class GradedCell:
    grade_id: str
    kind: str          # "tests" (autograded) or "answer" (graded by hand)
    points: float
    index: int         # position of the cell in the notebook
    source: str

    @property
    def checks(self) -> tuple[str, ...]:
        """Names of the check functions a test cell calls in its visible part."""
        if self.kind != "tests":
            return ()
        return tuple(dict.fromkeys(CHECK_CALL.findall(self.source.split(HIDDEN_TESTS)[0])))

    @property
    def written(self) -> bool:
        """For an answer cell: the text differs from nbgrader's empty stub."""
        return self.kind == "answer" and self.source.strip() not in ANSWER_STUBS | {""}


@dataclass
class Exercise:
    number: str        # "2.3"
    title: str
    minutes: int
    difficulty: int
    header_index: int  # position of its header cell in the notebook
    graded: list[GradedCell] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(c.points for c in self.graded)

    @property
    def checks(self) -> list[str]:
        """Names of the check functions its test cells call (visible part only)."""
        names: list[str] = []
        for cell in self.graded:
            names += [n for n in cell.checks if n not in names]
        return names


def cell_source(cell: Cell) -> str:
    """A cell's source as one string (the raw JSON may hold a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def load_cells(path: str | Path) -> list[dict[str, Any]]:
    """The cells of a notebook file from its raw JSON, each source joined into one string.

    Fast (no nbformat); raises NotebookError with a clear message if the file is
    missing, not JSON, or has no list of cells.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotebookError(f"{path}: no such notebook") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(f"{path}: cannot be read ({exc})") from None
    except ValueError as exc:
        raise NotebookError(f"{path}: not valid JSON ({exc}); the file is damaged") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        raise NotebookError(f"{path}: not a Jupyter notebook")
    return [{**c, "source": cell_source(c)} for c in cells if isinstance(c, dict)]


def read_notebook(path: str | Path) -> Any:
    """Read and validate a notebook (an nbformat NotebookNode), raising NotebookError with a
    clear message if it is broken. nbformat is imported here, not at module level: its
    schema machinery takes seconds to import."""
    import nbformat

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotebookError(f"{path}: no such notebook") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookError(f"{path}: cannot be read ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg}); "
                            "the file is damaged") from None
    if not isinstance(data, dict) or data.get("nbformat") != 4:
        raise NotebookError(f"{path}: not a version-4 Jupyter notebook")
    try:
        nb = nbformat.reads(text, as_version=4)  # joins multi-line sources
        nbformat.validate(nb)
    except Exception as exc:  # nbformat's ValidationError and friends
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NotebookError(f"{path}: not a valid notebook ({first})") from None
    return nb


def nbgrader_meta(cell: Cell) -> dict[str, Any]:
    """The cell's nbgrader metadata ({} when it has none)."""
    return (cell.get("metadata") or {}).get("nbgrader", {}) or {}


def _cells(nb: Any) -> Sequence[Cell]:
    """The cells of a NotebookNode, a raw notebook dict, or a list of cells."""
    if isinstance(nb, Sequence):
        return nb
    return nb["cells"]


def graded_cells(nb: Any) -> list[GradedCell]:
    """Every cell that carries points, in notebook order (`nb`: a notebook or its cells)."""
    found = []
    for i, cell in enumerate(_cells(nb)):
        meta = nbgrader_meta(cell)
        if not meta.get("grade"):
            continue
        kind = ("tests" if cell.get("cell_type") == "code" and not meta.get("solution")
                else "answer")
        found.append(GradedCell(str(meta.get("grade_id", "")), kind,
                                float(meta.get("points", 0) or 0), i, cell_source(cell)))
    return found


def exercises(nb: Any) -> list[Exercise]:
    """The exercises of a notebook (or of its cells), each with the graded cells that follow
    its header. Graded cells before the first header belong to no exercise."""
    result: list[Exercise] = []
    graded = {c.index: c for c in graded_cells(nb)}
    for i, cell in enumerate(_cells(nb)):
        if cell.get("cell_type") == "markdown":
            match = EXERCISE_HEADER.search(cell_source(cell))
            if match:
                result.append(Exercise(f"{int(match['nb'])}.{int(match['k'])}",
                                       match["title"], int(match["minutes"]),
                                       int(match["difficulty"]), i))
        if i in graded and result:
            result[-1].graded.append(graded[i])
    return result


def notebook_number(path: str | Path) -> int:
    """3 for '.../03_attention.ipynb'."""
    return int(Path(path).name.split("_", 1)[0])
