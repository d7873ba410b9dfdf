"""Read curriculum notebooks: their exercises, graded cells and the checks they call.

Used by the test harness, the progress report and cohort grading, so that all
three agree on what an exercise is. The conventions (docs/contributing.md):

- an exercise starts with a markdown header
  ``### Exercise 2.3: title (about 15 min, difficulty 2/5)``
  where 2 is the notebook's number and 3 the exercise's number in it;
- it ends with its graded cell: an nbgrader "autograder tests" code cell, or a
  manually graded markdown answer cell; each has points and a unique grade_id.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

EXERCISE_HEADER = re.compile(
    r"^#{2,4} Exercise (?P<nb>\d+)\.(?P<k>\d+): (?P<title>.+?) "
    r"\(about (?P<minutes>\d+) min, difficulty (?P<difficulty>[1-5])/5\)\s*$",
    re.MULTILINE)
ANY_EXERCISE_HEADER = re.compile(r"^#{1,6}\s*Exercise\b.*$", re.MULTILINE)
CHECK_CALL = re.compile(r"\b(check_\w+)\s*\(")


class NotebookError(Exception):
    """A notebook file cannot be read: missing, not JSON, or not a valid notebook."""


@dataclass(frozen=True)
class GradedCell:
    grade_id: str
    kind: str          # "tests" (autograded) or "answer" (graded by hand)
    points: float
    index: int         # position of the cell in the notebook
    source: str


@dataclass
class Exercise:
    number: str        # "2.3"
    title: str
    minutes: int
    difficulty: int
    header_index: int
    graded: list[GradedCell] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(c.points for c in self.graded)

    @property
    def checks(self) -> list[str]:
        """Names of the check functions its test cells call (visible part only)."""
        names = []
        for cell in self.graded:
            visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
            names += [n for n in CHECK_CALL.findall(visible) if n not in names]
        return names


def read_notebook(path: str | Path):
    """Read a notebook (an nbformat NotebookNode), raising NotebookError with a clear
    message if it is broken. nbformat is imported here, not at module level: its
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


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def graded_cells(nb) -> list[GradedCell]:
    """Every cell that carries points, in notebook order."""
    found = []
    for i, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        if not meta.get("grade"):
            continue
        kind = "tests" if cell.cell_type == "code" and not meta.get("solution") else "answer"
        found.append(GradedCell(str(meta.get("grade_id", "")), kind,
                                float(meta.get("points", 0) or 0), i, cell.source))
    return found


def exercises(nb) -> list[Exercise]:
    """The exercises of a notebook, each with the graded cells that follow its header."""
    result: list[Exercise] = []
    graded = {c.index: c for c in graded_cells(nb)}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            match = EXERCISE_HEADER.search(cell.source)
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
