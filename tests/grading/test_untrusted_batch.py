"""Careless and hostile submissions of the collection kind, graded end to end in one batch.

Each student's score is what their own work earns, or 0 with the reason in
issues.csv and grades.csv; the decoy outside every submission (a correct
notebook and a secret) is never read; the batch and the feedback phase
finish, and so does ``--feedback-only`` afterwards.
"""

from __future__ import annotations

import copy
import csv
import json
import os

import nbformat
import pytest
from helpers import HAS_BWRAP, grade, latest, scores

from autograder.grading import synthetic

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap is not installed")]

SECRET = "SECRET-SOLUTION-TEXT-1234"


def _paste_copy_of(grade_id, where: str, same_id: bool = False):
    """A careless paste: a second copy of a locked cell, metadata and all (with the
    same cell id too, as a text editor would paste it)."""
    def edit(nb):
        index = next(i for i, c in enumerate(nb.cells)
                     if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
        twin = copy.deepcopy(nb.cells[index])
        if not same_id:
            twin["id"] = f"pasted-{grade_id}"
        at = {"after": index + 1, "before": index - 1, "end": len(nb.cells)}[where]
        nb.cells.insert(at, twin)
        return json.dumps(nb) if same_id else nb
    return edit


def _with_missing_image(nb):
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("My sketch: ![grid](attachment:grid.png)"))
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("untrusted")
    root = synthetic.make_course(base / "course")
    outside = base / "outside"
    decoy = synthetic.make_submission(root, "x", synthetic.CORRECT, folder=outside)
    (outside / "secret.txt").write_text(SECRET)
    expected = {}

    def student(name, answers, score, **kw):
        synthetic.make_submission(root, name, answers, **kw)
        expected[name] = score

    student("alice", synthetic.CORRECT, 3)
    student("张伟", synthetic.CORRECT, 3)
    student("Zoë", synthetic.CORRECT, 3)
    student("Zoé", None, 0)
    student("tim", synthetic.CORRECT, 3)
    (root / "submitted" / "tim" / "tiny" / "timestamp.txt").write_text("next tuesday")
    student("dangling", synthetic.CORRECT, 3)
    (root / "submitted" / "dangling" / "tiny" / "data.csv").symlink_to(outside / "gone.csv")
    student("broken", synthetic.CORRECT, 0, edit=lambda nb: '{"cells": [')
    student("pic", synthetic.CORRECT, 3, edit=_with_missing_image)
    student("paste_test", synthetic.CORRECT, 3, edit=_paste_copy_of("make_grid_test", "after"))
    student("paste_setup", synthetic.CORRECT, 3, edit=_paste_copy_of("setup", "end"))
    student("paste_early", synthetic.CORRECT, 3,
            edit=_paste_copy_of("row_means_test", "before", same_id=True))
    link = root / "submitted" / "linker" / "tiny"
    link.mkdir(parents=True)
    (link / "01_tiny.ipynb").symlink_to(decoy)
    (link / "notes.txt").symlink_to(outside / "secret.txt")
    expected["linker"] = 0
    (root / "submitted" / "stagelink").mkdir()
    (root / "submitted" / "stagelink" / "tiny").symlink_to(outside)
    expected["stagelink"] = 0
    code = grade(root)
    return root, expected, code


def _csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_batch_finishes_and_every_student_is_graded(graded):
    root, expected, code = graded
    assert code == 0
    got = scores(root)
    assert {s: got[s]["score"] for s in expected} == expected
    assert set(latest(root)) == set(expected)


def test_every_problem_is_the_students_recorded_reason(graded):
    root, expected, _ = graded
    grades = {r["student_id"]: r for r in _csv(root / "reports" / "tiny" / "grades.csv")}
    assert set(grades) == set(expected)
    assert "symbolic link" in grades["linker"]["reason"]
    assert "symbolic link" in grades["stagelink"]["reason"]
    assert "not valid JSON" in grades["broken"]["reason"]
    assert "symbolic link" in grades["dangling"]["reason"]
    assert grades["alice"]["reason"] == ""
    issues = _csv(root / "reports" / "tiny" / "issues.csv")
    mine = {}
    for row in issues:
        mine.setdefault(row["student"], []).append(row["detail"])
    assert any("does not hold a date" in d for d in mine["tim"])
    assert any("attachment:grid.png" in d for d in mine["pic"])
    assert any("notes.txt" in d and "symbolic link" in d for d in mine["linker"])


def test_nothing_outside_a_submission_was_read(graded):
    root, _, _ = graded
    for folder in ("autograded", "feedback", "submitted"):
        for dirpath, _, names in os.walk(root / folder):
            for name in names:
                path = os.path.join(dirpath, name)
                if os.path.islink(path):
                    continue
                with open(path, "rb") as fh:
                    assert SECRET.encode() not in fh.read(), path


def test_feedback_is_written_per_notebook_and_feedback_only_never_crashes(graded):
    root, expected, _ = graded
    page = root / "feedback" / "pic" / "tiny" / "01_tiny.html"
    assert page.is_file() and "could not" not in page.read_text()
    for student in expected:
        assert (root / "feedback" / student / "tiny" / "01_tiny.html").is_file(), student
    damaged = root / "autograded" / "alice" / "tiny" / "01_tiny.ipynb"
    damaged.write_text("{not json")       # a page that cannot be built at all
    assert grade(root, "--feedback-only") == 0
    assert "could not be built" in (root / "feedback" / "alice" / "tiny" / "01_tiny.html"
                                    ).read_text()
    assert page.is_file() and "could not" not in page.read_text()
