"""In a real kernel, a failed check shows the learner's cell and the message only."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _run(sources: list[str]) -> list:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute()
    return nb.cells


@pytest.mark.slow
def test_failed_check_hides_the_package_frames_but_not_the_learners():
    cells = _run([
        "from autograder.checks.orientation import check_row_means\n"
        "from autograder.lab.session import start_session\nstart_session()",
        "def row_means(a):\n    return a.mean(axis=0)",
        "check_row_means(row_means)",
        "def helper():\n    assert 1 == 2, 'my own assert'\nhelper()",
    ])
    check_error = cells[2].outputs[-1]
    text = ANSI.sub("", "\n".join(check_error.traceback))
    assert check_error.output_type == "error" and check_error.ename == "AssertionError"
    assert "check_row_means(row_means)" in text and "Diagnosis (mean over the wrong axis)" in text
    assert "autograder" not in text and "core.py" not in text
    own = ANSI.sub("", "\n".join(cells[3].outputs[-1].traceback))
    assert "helper()" in own and "assert 1 == 2" in own and "my own assert" in own


@pytest.mark.slow
def test_a_check_run_before_its_function_cell_says_so_in_one_line():
    cells = _run([
        "from autograder.checks.orientation import check_row_means\n"
        "from autograder.lab.session import start_session\nstart_session()",
        "check_row_means(row_means)",
    ])
    error = cells[1].outputs[-1]
    assert error.output_type == "error" and error.ename == "NameError"
    assert error.traceback == ["`row_means` is not defined yet: run the cell above that "
                               "defines it (the one with `def row_means`), then this check "
                               "again."]


@pytest.mark.slow
def test_without_start_session_nothing_is_trimmed():
    cells = _run([
        "from autograder.checks.orientation import check_row_means",
        "check_row_means(lambda a: a.mean(axis=0))",
    ])
    text = ANSI.sub("", "\n".join(cells[1].outputs[-1].traceback))
    assert "core.py" in text  # importing the checks installed no handler
