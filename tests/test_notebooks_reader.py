"""The one reader of the notebook format (autograder.notebooks), on a made-up course."""

from __future__ import annotations

import json

import pytest
from synthetic_course import NB1, NB2, NB3, set_answer, write_course

from autograder import notebooks


@pytest.fixture
def course(tmp_path):
    return write_course(tmp_path / "c")


def summary(exs: list[notebooks.Exercise]) -> list[tuple]:
    return [(e.number, e.title, e.minutes, e.difficulty, e.points, e.checks,
             [(g.grade_id, g.kind, g.points, g.written) for g in e.graded]) for e in exs]


def test_exercises_headers_graded_cells_and_visible_checks(course):
    assert summary(notebooks.exercises(notebooks.load_cells(course / NB1))) == [
        ("1.1", "weeks needed", 20, 2, 1.0, ["check_weeks_needed"],
         [("weeks_test", "tests", 1.0, False)]),
        ("1.2", "fraction done", 15, 2, 1.0, ["check_fraction_done"],
         [("fraction_test", "tests", 1.0, False)]),
    ]
    hidden_only = notebooks.exercises(notebooks.load_cells(course / NB2))[1]
    assert hidden_only.checks == []          # check_secret is called in the hidden part only


def test_a_written_answer_counts_as_written_only_once_it_differs_from_the_stub(course):
    before = notebooks.exercises(notebooks.load_cells(course / NB3))[1].graded[0]
    set_answer(course / NB3, "hours_answer", "Eight hours a week.")
    after = notebooks.exercises(notebooks.load_cells(course / NB3))[1].graded[0]
    assert (before.kind, before.written, after.written) == ("answer", False, True)


def test_the_raw_and_the_validated_readings_are_the_same_reading(course):
    for rel in (NB1, NB2, NB3):
        raw = notebooks.exercises(notebooks.load_cells(course / rel))
        validated = notebooks.exercises(notebooks.read_notebook(course / rel))
        assert summary(raw) == summary(validated) and raw


def test_a_graded_cell_before_any_header_belongs_to_no_exercise(course):
    nb = json.loads((course / NB1).read_text())
    nb["cells"].insert(0, nb["cells"][2])        # a copy of 1.1's test cell, above every header
    (course / NB1).write_text(json.dumps(nb))
    cells = notebooks.load_cells(course / NB1)
    assert len(notebooks.graded_cells(cells)) == 3
    assert [len(e.graded) for e in notebooks.exercises(cells)] == [1, 1]


@pytest.mark.parametrize("content, says", [
    (None, "no such notebook"), ("{ damaged", "not valid JSON"), ('{"cells": 3}', "not a Jupyter"),
])
def test_broken_files_give_a_clear_error(tmp_path, content, says):
    path = tmp_path / "x.ipynb"
    if content is not None:
        path.write_text(content)
    with pytest.raises(notebooks.NotebookError, match=says):
        notebooks.load_cells(path)
    with pytest.raises(notebooks.NotebookError):
        notebooks.read_notebook(path)


def test_importing_the_reader_does_not_import_nbformat():
    import subprocess
    import sys

    code = "import sys, autograder.notebooks; print('nbformat' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
