"""Tampering is found by reading the submission, before any of it runs."""

from __future__ import annotations

import nbformat
import pytest

from autograder.authoring import text_to_notebook
from autograder.grading import tamper
from autograder.grading.prepare import UnreadableNotebook, load_submitted, reset_metadata
from autograder.grading.synthetic import CORRECT, TINY_TEXT, fill

RELEASE = text_to_notebook(TINY_TEXT)


def flags_for(code: str = "", edit=None):
    nb = fill(RELEASE, {**CORRECT, "row_means": code + CORRECT["row_means"]})
    if edit:
        edit(nb)
    return {(f.severity, f.kind) for f in tamper.inspect_notebook("nb", nb, RELEASE)}


def test_a_clean_submission_has_no_flags():
    assert flags_for() == set()
    assert flags_for("import numpy as np\nfrom autograder.checks.orientation import "
                     "check_row_means\n%timeit 1 + 1\n") == set()


@pytest.mark.parametrize("code, kind", [
    ("check_row_means = lambda f: None\n", "replaced a helper the tests use"),
    ("def check_make_grid(f):\n    pass\n", "replaced a helper the tests use"),
    ("from math import sqrt as check_row_means\n", "replaced a helper the tests use"),
    ("np.allclose = lambda *a, **k: True\n", "monkeypatching"),
    ("import numpy\nnumpy.testing.assert_allclose = print\n", "monkeypatching"),
    ("setattr(np, 'isclose', print)\n", "monkeypatching"),
    ("import autograder.checks.core as c\nc.Check.__call__ = print\n", "monkeypatching"),
    ("check_row_means.oracle = lambda a: a\n", "monkeypatching"),
    ("import builtins\nbuiltins.isinstance = lambda *a: True\n", "monkeypatching"),
    ("import sys\nsys.modules['numpy'] = None\n", "monkeypatching"),
    ("get_ipython().set_custom_exc((AssertionError,), print)\n", "kernel manipulation"),
    ("ip = get_ipython()\nip.events.register('pre_run_cell', print)\n", "kernel manipulation"),
    ("import sys\nsys.settrace(print)\n", "kernel manipulation"),
])
def test_code_that_can_change_a_check_is_untrusted(code, kind):
    assert ("untrusted", kind) in flags_for(code)


@pytest.mark.parametrize("code, kind", [
    ("exec('x = 1')\n", "code built at run time"),
    ("open('/course/gradebook.db')\n", "course files"),
    ("open('../alice/tiny/01_tiny.ipynb')\n", "course files"),
    ("import socket\n", "network access"),
    ("import os\nos._exit(0)\n", "process control"),
    ("import ctypes\n", "low-level access"),
])
def test_suspicious_code_is_flagged_for_review(code, kind):
    assert ("review", kind) in flags_for(code)


def test_local_names_and_data_changes_are_not_tampering():
    code = ("def helper(np):\n    np = 3\n    return np\n"
            "import matplotlib.pyplot as plt\nplt.rcParams['figure.dpi'] = 80\n")
    assert flags_for(code) == set()


def _cell(nb, gid):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def test_locked_cells_edited_deleted_renamed_or_repointed_are_found():
    def edit(nb):
        _cell(nb, "setup").source += "\nx = 1"
        _cell(nb, "make_grid_test").metadata["nbgrader"]["grade_id"] = "renamed"
        nb.cells.remove(_cell(nb, "row_means_test"))
        _cell(nb, "why_axis").metadata["nbgrader"]["points"] = 99
    found = flags_for(edit=edit)
    assert ("restored", "edited locked cell") in found
    assert ("restored", "renamed test cell") in found
    assert ("restored", "deleted test cell") in found
    assert ("restored", "changed metadata") in found
    assert ("restored", "unknown cell id") in found


def test_metadata_is_reset_to_the_released_copy():
    nb = fill(RELEASE, CORRECT)
    _cell(nb, "row_means_test").metadata["nbgrader"]["points"] = 100
    _cell(nb, "row_means").metadata["nbgrader"].update(grade=True, points=50)
    nb.cells.append(nbformat.v4.new_code_cell("1", metadata={"nbgrader": {
        "grade": True, "grade_id": "bonus", "points": 1000}}))
    reset_metadata(nb, RELEASE)
    assert _cell(nb, "row_means_test").metadata["nbgrader"]["points"] == 2
    assert _cell(nb, "row_means").metadata["nbgrader"]["grade"] is False
    assert "nbgrader" not in nb.cells[-1].metadata


@pytest.mark.parametrize("data, reason", [
    (b"\xff\xfe", "not a text file"),
    (b"{not json", "not valid JSON"),
    (b"[1, 2]", "not a Jupyter notebook"),
    (b'{"nbformat": 5, "cells": []}', "format 5"),
    (b'{"nbformat": 4, "nbformat_minor": 5, "cells": "nope", "metadata": {}}',
     "not a valid notebook"),
])
def test_damaged_files_give_a_reason(data, reason):
    with pytest.raises(UnreadableNotebook, match=reason):
        load_submitted(data, "x.ipynb")


def test_watched_names_are_what_the_locked_cells_import():
    names = tamper.watched_names(RELEASE)
    assert names["np"] == ("numpy", None)
    assert names["check_row_means"] == ("autograder.checks.orientation", "check_row_means")
