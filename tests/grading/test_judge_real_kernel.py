"""The judge's handles and callbacks through a real sandboxed kernel.

The autograd notebook (the learner's `Value`, graphs of handles, the check's own
`_backward` closures called back from the learner's `backward`) and the
gradient-descent notebook (gradients passed as functions) are graded for a
student with the worked solutions and one with a known mistake in each: every
test cell is judged outside the kernel, the right one gets every point, the
wrong one loses exactly the cells of its mistakes.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from helpers import HAS_BWRAP, grade, journal, scores
from nbfiles import SOLUTIONS

from autograder.grading import synthetic
from autograder.notebooks import graded_cells, nbgrader_meta, read_notebook

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap is not installed")]
STAGE = "02_calculus"
NOTEBOOKS = ("04_gradient_descent", "05_autograd")
MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*\n", re.M)
# gradient descent that climbs
WRONG = {"gradient_descent": "def gradient_descent(grad, x0, lr, n_steps):\n"
                             "    x = np.asarray(x0, dtype=float)\n    path = [x]\n"
                             "    for _ in range(n_steps):\n        x = x + lr * grad(x)\n"
                             "        path.append(x)\n    return np.array(path)\n"}


def _submit(root, student, overrides):
    for name in NOTEBOOKS:
        release = read_notebook(root / "curriculum" / STAGE / f"{name}.ipynb")
        source = read_notebook(SOLUTIONS / STAGE / f"{name}.ipynb")
        answers = {nbgrader_meta(c)["grade_id"]: MARKERS.sub("", c.source)
                   for c in source.cells if nbgrader_meta(c).get("solution")}
        answers.update({k: v for k, v in overrides.items() if k in answers})
        dest = root / "submitted" / student / STAGE
        dest.mkdir(parents=True, exist_ok=True)
        nbformat.write(synthetic.fill(release, answers), str(dest / f"{name}.ipynb"))


def test_handles_and_callbacks_grade_exactly_in_a_real_kernel(tmp_path):
    root = synthetic.make_course(tmp_path / "course", stages={}, copy_stages=[STAGE])
    _submit(root, "right", {})
    _submit(root, "climbs", WRONG)
    assert grade(root, "--timeout", "300", "--cell-timeout", "120", assignment=STAGE) == 0
    points = {}
    for name in NOTEBOOKS:
        points.update({c.grade_id: c.points for c in graded_cells(
            read_notebook(SOLUTIONS / STAGE / f"{name}.ipynb")) if c.kind == "tests"})
    got = scores(root, STAGE)
    for grade_id, value in points.items():
        assert got["right"]["cells"][grade_id][0] == value, grade_id
    lost = {g for g, value in points.items() if got["climbs"]["cells"][g][0] != value}
    assert lost == {"gradient_descent_test"}
    events = [e for entry in journal(root, STAGE) for e in entry.get("events", [])]
    assert not [e for e in events if "judge" in e], events   # no "not judge-safe" cell
