"""Every solution notebook runs and passes; every graded cell fails on the learner's stub.

These are the two guarantees that make a check honest: the worked solution
earns every point, and a learner who has written nothing earns none.
"""

from __future__ import annotations

import pytest
from nbfiles import curriculum_notebooks, execute, rel, solution_notebooks, text_of

from autograder.notebooks import nbgrader_meta


def _test_cells(nb):
    return [(i, c) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and nbgrader_meta(c).get("grade")
            and not nbgrader_meta(c).get("solution")]


@pytest.mark.slow
@pytest.mark.parametrize("path", solution_notebooks(), ids=rel)
def test_solution_runs_and_every_check_passes(path):
    run = execute(path, allow_errors=True)
    errors = [(i, text_of(c.outputs)) for i, c in enumerate(run.nb.cells)
              if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)]
    assert not errors, f"cells raised: {errors[:3]}"
    for _, cell in _test_cells(run.nb):
        grade_id = nbgrader_meta(cell)["grade_id"]
        printed = text_of(cell.outputs)
        assert "✓" in printed, f"{grade_id}: the check printed no success line: {printed!r}"
        stderr = [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
        assert not stderr, (f"{grade_id} wrote to stderr, and nbgrader scores such a cell 0: "
                            f"{text_of(stderr)!r}")


@pytest.mark.slow
@pytest.mark.parametrize("path", curriculum_notebooks(), ids=rel)
def test_every_graded_cell_fails_on_the_stub(path):
    run = execute(path, allow_errors=True)
    cells = _test_cells(run.nb)
    assert cells, "no graded test cells"
    for _, cell in cells:
        grade_id = nbgrader_meta(cell)["grade_id"]
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert errors, f"{grade_id} passes on the learner's stub: a test that cannot fail"
        assert errors[0].ename == "AssertionError", (
            f"{grade_id} fails on the stub with {errors[0].ename}, not with the check's "
            f"explanation: {errors[0].evalue}")
