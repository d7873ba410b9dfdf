"""A small made-up curriculum for the tests of infrastructure (progress, workspace, catalog).

Infrastructure tests read these notebooks instead of the real curriculum, so adding,
removing or renaming an exercise in the curriculum never breaks them. Every notebook
follows docs/contributing.md: exercise headers with time boxes, nbgrader test cells with
visible and hidden parts, written answers with nbgrader's stub.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

ANSWER_STUB = "YOUR ANSWER HERE"


@dataclass
class Test:
    grade_id: str
    points: float
    calls: list[str]                 # check_* names the visible part calls
    hidden_calls: list[str] = field(default_factory=list)


@dataclass
class Answer:
    grade_id: str
    points: float
    text: str = ANSWER_STUB


@dataclass
class Ex:
    title: str
    minutes: int
    graded: list[Test | Answer]
    difficulty: int = 2


def _meta(grade_id: str, points: float, *, solution: bool, locked: bool) -> dict:
    return {"nbgrader": {"grade": True, "grade_id": grade_id, "locked": locked,
                         "points": points, "schema_version": 3, "solution": solution}}


def notebook(number: int, exercises: list[Ex]) -> dict:
    """A version-4 notebook dict: a title, then per exercise its header and graded cells."""
    cells: list[dict] = [{"cell_type": "markdown", "id": f"title{number}", "metadata": {},
                          "source": f"# Notebook {number}"}]
    for k, ex in enumerate(exercises, start=1):
        cells.append({"cell_type": "markdown", "id": f"h{number}-{k}", "metadata": {},
                      "source": f"### Exercise {number}.{k}: {ex.title} (about {ex.minutes} min, "
                                f"difficulty {ex.difficulty}/5)\n\nWhat to do."})
        for g in ex.graded:
            if isinstance(g, Test):
                source = "\n".join([f'"""{g.grade_id}."""', *[f"{c}(f)" for c in g.calls]])
                if g.hidden_calls:
                    source += "\n### BEGIN HIDDEN TESTS\n" + "\n".join(
                        f"{c}(f, hidden=True)" for c in g.hidden_calls) + "\n### END HIDDEN TESTS"
                cells.append({"cell_type": "code", "id": g.grade_id, "execution_count": None,
                              "metadata": _meta(g.grade_id, g.points, solution=False,
                                                locked=True),
                              "outputs": [], "source": source})
            else:
                cells.append({"cell_type": "markdown", "id": g.grade_id,
                              "metadata": _meta(g.grade_id, g.points, solution=True,
                                                locked=False),
                              "source": g.text})
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3",
                                                        "display_name": "Python 3",
                                                        "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


# The course: one stage, three notebooks. Minutes and points are chosen so that sums are
# unambiguous in the tests (1.1: 20 min, 1.2: 15 min, ...).
NB1 = "00_orientation/01_first.ipynb"
NB2 = "00_orientation/02_second.ipynb"
NB3 = "00_orientation/03_third.ipynb"
COURSE: dict[str, list[Ex]] = {
    NB1: [Ex("weeks needed", 20, [Test("weeks_test", 1, ["check_weeks_needed"])]),
          Ex("fraction done", 15, [Test("fraction_test", 1, ["check_fraction_done"],
                                        hidden_calls=["check_fraction_done"])])],
    NB2: [Ex("row means", 10, [Test("row_means_test", 2, ["check_row_means"])]),
          Ex("only hidden", 5, [Test("hidden_only_test", 1, [], ["check_secret"])])],
    NB3: [Ex("your plan", 30, [Test("plan_test", 1, ["check_learning_plan"])]),
          Ex("hours", 10, [Answer("hours_answer", 2)]),
          Ex("why", 25, [Answer("why_answer", 3), Answer("why_more", 4)])],
}


def write_course(base: Path, course: dict[str, list[Ex]] | None = None) -> Path:
    """Write the notebooks under `base` (a curriculum/ or workspace/ folder); return `base`."""
    for rel, exercises in (course or COURSE).items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        number = int(Path(rel).name.split("_", 1)[0])
        path.write_text(json.dumps(notebook(number, exercises), indent=1), encoding="utf-8")
    return base


def set_answer(path: Path, grade_id: str, text: str) -> None:
    """Write `text` into the answer cell `grade_id` of the notebook at `path`."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    (cell,) = [c for c in nb["cells"]
               if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]
    cell["source"] = text
    path.write_text(json.dumps(nb), encoding="utf-8")
