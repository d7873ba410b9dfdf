"""Every solution notebook runs and passes; every graded cell fails on the learner's stub.

These are the two guarantees that make a check honest: the worked solution
earns every point, and a learner who has written nothing earns none.
"""

from __future__ import annotations

import nbformat
import pytest
from nbfiles import curriculum_notebooks, execute, rel, solution_notebooks, text_of

from autograder.notebooks import nbgrader_meta


def _test_cells(nb):
    return [(i, c) for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and nbgrader_meta(c).get("grade")
            and not nbgrader_meta(c).get("solution")]


#: 04/10's short run trains the learner's GPT for 80 steps, nearly all of that notebook's time
#: (about a minute of CPU). Its kernel here trains 10: every cell still runs, and
#: tests/test_my_gpt.py runs the 80 steps with the learner's own pieces and checks the loss
#: the notebook promises. (The notebook reads the variable; a learner never sets it.)
SHORT_RUN_STEPS = "10"


@pytest.mark.slow
@pytest.mark.parametrize("path", solution_notebooks(), ids=rel)
def test_solution_runs_and_every_check_passes(path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_SHORT_RUN_STEPS", SHORT_RUN_STEPS)    # the kernel inherits it
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


def _last_graded(path) -> int:
    """The index of the notebook's last graded test cell (-1: none)."""
    return max((i for i, _ in _test_cells(nbformat.read(str(path), as_version=4))), default=-1)


@pytest.mark.slow
@pytest.mark.parametrize("path", curriculum_notebooks(), ids=rel)
def test_every_graded_cell_fails_on_the_stub(path):
    # Cells after the last graded one cannot change how a graded cell fares: they are not
    # run (04/10 would train its GPT and sample from it for nothing).
    run = execute(path, allow_errors=True, through=_last_graded(path))
    cells = _test_cells(run.nb)
    assert cells, "no graded test cells"
    for _, cell in cells:
        grade_id = nbgrader_meta(cell)["grade_id"]
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert errors, f"{grade_id} passes on the learner's stub: a test that cannot fail"
        assert errors[0].ename == "AssertionError", (
            f"{grade_id} fails on the stub with {errors[0].ename}, not with the check's "
            f"explanation: {errors[0].evalue}")
