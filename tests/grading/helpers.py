"""Shared helpers for the grading tests: run the command, read the gradebook and journal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from autograder.cli import main as autograder_main
from autograder.grading import synthetic

HAS_BWRAP = shutil.which("bwrap") is not None
# Limits for the synthetic course (whose honest cells take milliseconds). Wide enough that a
# loaded CI machine (xdist workers beside other kernels) never cuts an honest cell short:
# at 4 s per cell the network and big-output cases and one of 500 students timed out there.
FAST_LIMITS = ["--timeout", "30", "--cell-timeout", "10"]


def grade(root: Path, *extra: str, assignment: str = synthetic.TINY_STAGE,
          workers: int = 2, source: Path | None = None) -> int:
    """Run `autograder grade` in this process; its exit code."""
    return autograder_main(["grade", assignment, *([str(source)] if source else []),
                            "--root", str(root), "--workers", str(workers), "--quiet",
                            *FAST_LIMITS, *extra])


def scores(root: Path, assignment: str = synthetic.TINY_STAGE) -> dict[str, dict]:
    """student -> {"score", "max_score", "cells": {grade_id: (score, needs_manual)}}."""
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            cells = {}
            for nb in sub.notebooks:
                for grade in nb.grades:
                    cells[grade.name] = (grade.score, grade.needs_manual_grade)
            found[sub.student.id] = {"score": sub.score, "max_score": sub.max_score,
                                     "cells": cells}
    return found


def records(root: Path, assignment: str = synthetic.TINY_STAGE) -> dict[str, dict]:
    """student -> the grader's record in the gradebook (digest, times_graded, detail)."""
    from nbgrader.api import Gradebook

    from autograder.grading.records import read_records

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        found = read_records(gb, "alignment-curriculum", assignment)
    return {student: record for (_, student), record in found.items()}


def journal(root: Path, assignment: str = synthetic.TINY_STAGE) -> list[dict]:
    path = root / "reports" / assignment / "journal.jsonl"
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries


def latest(root: Path, assignment: str = synthetic.TINY_STAGE) -> dict[str, dict]:
    return {e["student"]: e for e in journal(root, assignment)}


def cohort(root: Path, n: int, *, prefix: str = "s") -> dict[str, float]:
    """n students cycling through correct / wrong / blank; student -> expected score."""
    kinds = [(synthetic.CORRECT, 3.0),
             ({**synthetic.CORRECT, "row_means": synthetic.WRONG_ROW_MEANS}, 1.0),
             (None, 0.0)]
    expected = {}
    for i in range(n):
        answers, score = kinds[i % len(kinds)]
        student = f"{prefix}{i:03d}"
        synthetic.make_submission(root, student, answers)
        expected[student] = score
    return expected
