"""Static rules every notebook of every stage keeps (docs/contributing.md).

Fast: nothing is executed. A new stage gets these tests by adding its folders.
"""

from __future__ import annotations

import re

import pytest
from nbfiles import CURRICULUM, SOLUTIONS, curriculum_notebooks, rel, solution_notebooks

from autograder.notebooks import (
    ANY_EXERCISE_HEADER,
    CHECK_CALL,
    EXERCISE_HEADER,
    exercises,
    graded_cells,
    nbgrader_meta,
    notebook_number,
    read_notebook,
)
from autograder.stages import STAGE_FOLDERS

ALL = solution_notebooks() + curriculum_notebooks()
HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def test_there_are_notebooks():
    assert solution_notebooks(), "no notebooks under solutions/"


def test_stage_folders_are_known_stages():
    for folder in (p.name for p in SOLUTIONS.iterdir() if p.is_dir()):
        assert folder in STAGE_FOLDERS, f"solutions/{folder} is not a stage in autograder/stages.py"


def test_every_solution_has_a_learner_copy_and_back():
    solutions = {p.relative_to(SOLUTIONS) for p in solution_notebooks()}
    learner = {p.relative_to(CURRICULUM) for p in curriculum_notebooks()}
    assert solutions - learner == set(), "run `python3 manage.py release` to make the copies"
    assert learner - solutions == set(), "curriculum/ has notebooks with no source in solutions/"


@pytest.mark.parametrize("path", ALL, ids=lambda p: f"{p.parent.parent.name}/{rel(p)}")
def test_committed_without_outputs(path):
    nb = read_notebook(path)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"cell {i} has outputs; clear them before committing"
            assert cell.execution_count is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("path", solution_notebooks(), ids=rel)
def test_exercise_headers_and_graded_cells(path):
    nb = read_notebook(path)
    number = notebook_number(path)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in ANY_EXERCISE_HEADER.findall(cell.source):
            assert EXERCISE_HEADER.match(line), (
                f"exercise header {line!r} must read '### Exercise {number}.K: title "
                "(about N min, difficulty D/5)'")
    found = exercises(nb)
    assert found, "a notebook with no exercises"
    numbers = [e.number for e in found]
    assert numbers == [f"{number}.{k}" for k in range(1, len(found) + 1)], (
        f"exercises must be numbered {number}.1, {number}.2, ... in order; got {numbers}")
    for ex in found:
        assert ex.graded, f"exercise {ex.number} has no graded cell after its header"
    graded = graded_cells(nb)
    first_header = found[0].header_index
    assert all(c.index > first_header for c in graded), "a graded cell before any exercise header"
    ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells if nbgrader_meta(c)]
    assert all(ids), "every nbgrader cell needs a grade_id"
    assert len(ids) == len(set(ids)), f"grade_ids repeat: {sorted(ids)}"
    for cell in graded:
        assert cell.points > 0, f"graded cell {cell.grade_id} has no points"
        if cell.kind == "tests":
            visible = cell.source.split("### BEGIN HIDDEN TESTS")[0]
            assert CHECK_CALL.search(visible), (
                f"test cell {cell.grade_id} should call a check_* function in its visible part")


@pytest.mark.parametrize("path", solution_notebooks(), ids=rel)
def test_solution_cells_mark_their_solution(path):
    for cell in read_notebook(path).cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and cell.cell_type == "code":
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, (
                f"solution cell {meta['grade_id']} needs ### BEGIN/END SOLUTION markers")


@pytest.mark.parametrize("path", curriculum_notebooks(), ids=rel)
def test_learner_copy_hides_solutions_and_hidden_tests(path):
    learner = read_notebook(path)
    source = read_notebook(SOLUTIONS / path.relative_to(CURRICULUM))
    text = "\n".join(c.source for c in learner.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text, f"{marker} appears in the learner copy"
    learner_by_id = {nbgrader_meta(c).get("grade_id"): c for c in learner.cells
                     if nbgrader_meta(c)}
    for cell in source.cells:
        meta = nbgrader_meta(cell)
        for block in HIDDEN_BLOCK.findall(cell.source):
            released = learner_by_id[meta["grade_id"]].source
            for line in block.splitlines():
                if line.strip() and not line.strip().startswith(("from ", "import ")):
                    assert line not in released, f"hidden test line leaked: {line!r}"
