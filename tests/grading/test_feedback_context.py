"""Feedback never shows hidden tests, not even as traceback context of a visible failure."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.grading.feedback import HideHiddenTests

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TEST_CELL = '''"""row_means averages each row."""
check_row_means(row_means)
### BEGIN HIDDEN TESTS
from autograder.checks import Case
SECRET_CASE = 123
check_row_means(row_means, cases=[Case("secret", (SECRET_CASE,))], hidden=True)
### END HIDDEN TESTS'''


def _executed_test_cell():
    setup = ("from autograder.checks.orientation import check_row_means\n"
             "def row_means(a):\n    return a.mean(axis=0)")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup),
                                         nbformat.v4.new_code_cell(TEST_CELL)])
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute()
    cell = nb.cells[1]
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "points": 1, "grade_id": "t", "schema_version": 3}
    return cell


@pytest.mark.slow
@pytest.mark.parametrize("hidden_outputs", [None, []], ids=["plain nbgrader", "our grader"])
def test_a_visible_failure_does_not_quote_the_hidden_tests(hidden_outputs):
    cell = _executed_test_cell()
    assert "SECRET_CASE" in ANSI.sub("", "\n".join(cell.outputs[-1].traceback))  # the risk
    if hidden_outputs is not None:
        cell.metadata["autograder"] = {"hidden_outputs": hidden_outputs}
    hide = HideHiddenTests()
    hide.enforce_metadata = False
    cell, _ = hide.preprocess_cell(cell, {}, 1)
    shown = ANSI.sub("", "\n".join(cell.source.splitlines() + [
        line for out in cell.outputs for line in out.get("traceback", [])]))
    assert "SECRET_CASE" not in shown and "BEGIN HIDDEN TESTS" not in shown
    assert "check_row_means(row_means)" in shown                 # the learner's own call stays
    assert "Diagnosis (mean over the wrong axis)" in shown      # and the feedback message
    assert "A hidden test failed" not in shown                  # it was a visible failure
