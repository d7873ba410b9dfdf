"""The gradebook is the one record: manual grades and regrades show in the report, issues.csv
and the grades CSV; "what to teach again" counts only students who attempted an exercise."""

from __future__ import annotations

import csv
import re

import pytest
from helpers import HAS_BWRAP, grade

from autograder.grading import synthetic

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap is not installed")]

# wrong, and worth a look (eval): a row in issues.csv and in the report's table
WRONG = {**synthetic.CORRECT,
         "row_means": "def row_means(a):\n    return eval('a.mean(axis=0)')\n"}
GRID_ONLY = {"make_grid": synthetic.CORRECT["make_grid"]}   # has not reached 1.2 yet


def _set_manual(root, student: str, grade_id: str, score: float) -> None:
    """What formgrader does when an instructor saves a manual score."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "alignment-curriculum") as gb:
        found = gb.find_grade(grade_id, synthetic.TINY_NOTEBOOK, synthetic.TINY_STAGE, student)
        found.manual_score = score
        found.needs_manual_grade = False
        gb.db.commit()


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _exercise_row(report: str, number: str) -> list[str]:
    row = re.search(rf"<tr><td>{re.escape(number)} .*?</tr>", report)
    assert row, f"no row for exercise {number}"
    return re.findall(r"<td[^>]*>(.*?)</td>", row[0])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = synthetic.make_course(tmp_path_factory.mktemp("one") / "course")
    for student in ("ann", "bob"):
        synthetic.make_submission(root, student, synthetic.CORRECT)
    synthetic.make_submission(root, "cat", WRONG)
    for student in ("dan", "eve"):
        synthetic.make_submission(root, student, GRID_ONLY)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "alignment-curriculum") as gb:
        gb.add_student("fay")      # enrolled, has submitted nothing
    assert grade(root) == 0
    return root


def test_attempted_and_wrong_is_told_from_not_attempted_and_not_submitted(graded):
    report = (graded / "reports" / "tiny" / "report.html").read_text()
    # 1.1: everyone who submitted passed; fay did not submit
    assert _exercise_row(report, "1.1")[2:] == ["5/5 (100%)", "0", "0", "1"]
    # 1.2: ann and bob passed, cat got it wrong, dan and eve have not reached it
    assert _exercise_row(report, "1.2")[2:] == ["2/3 (67%)", "1", "2", "1"]
    teach = report.split("What to teach again", 1)[1].split("<h2>", 1)[0]
    # counted over the whole cohort 1.2 would be 2/6 and listed; over those who tried, not
    assert "Exercise 1.2" not in teach and "Exercise 1.1" not in teach
    assert "fay" in report and "have not submitted" in report


def test_a_manual_grade_shows_in_report_issues_and_csv(graded):
    before = {r["student_id"]: float(r["score"]) for r in _rows(
        graded / "reports" / "tiny" / "grades.csv")}
    assert before["cat"] == 1.0
    _set_manual(graded, "cat", "why_axis", 1.0)
    assert grade(graded, "--feedback-only") == 0
    after = {r["student_id"]: float(r["score"]) for r in _rows(
        graded / "reports" / "tiny" / "grades.csv")}
    assert after["cat"] == 2.0 and after["ann"] == before["ann"]
    issues = [r for r in _rows(graded / "reports" / "tiny" / "issues.csv")
              if r["student"] == "cat"]
    assert issues and {float(r["score"]) for r in issues} == {2.0}
    report = (graded / "reports" / "tiny" / "report.html").read_text()
    assert "<tr><td>cat</td><td>2/4</td>" in report
