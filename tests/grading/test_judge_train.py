"""04/06's training check, judged outside the kernel as at cohort grading.

The notebook's cells up to the training exercise run in this process (standing for
the student's kernel, through the real driver); then the trusted judge judges the
graded `train_test` cell, hidden tests included. The check builds its tiny model in
the kernel with the notebook's `gpt_from_data`, so the learner's train() updates a
real model there, and the judge reads the losses, evaluations and final weights back
as data. An honest loop keeps every point; a wrong loop loses the cell, with the same
diagnosis a learner gets in their own kernel.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import nbformat
import pytest
from fakekernel import FakeKernel

from autograder.grading import judge

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "solutions" / "04_transformer" / "06_training.ipynb"
MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
#: What a learner's loop gets wrong, as an edit of the solution's source -> the diagnosis.
WRONG = {
    "never written back": (("model.params[name], m, v = adamw_update(", "_, m, v = adamw_update("),
                           "the updates never reach the model"),
    "state reset": (("m, v = state[name]", "m, v = np.zeros_like(p), np.zeros_like(p)"),
                    "the optimiser state started afresh"),
    "one batch": (("inputs, targets, mask = task_batch(",
                   "rng = np.random.default_rng(seed)\n"
                   "        inputs, targets, mask = task_batch("), "the same batch every step"),
}


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _kernel_until_train_test(train_source: str | None = None):
    """(notebook, kernel namespace, the train_test cell): the cells before it have run."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    user_ns: dict = {"__name__": "__main__"}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = _meta(cell)
        if meta.get("grade_id") == "train_test":
            return nb, user_ns, cell
        if meta.get("grade") and not meta.get("solution"):
            continue   # other test cells: judged elsewhere (test_judge_safe)
        source = cell.source
        if meta.get("grade_id") == "train" and train_source is not None:
            source = train_source
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(judge._python(source), str(NOTEBOOK), "exec"), user_ns)
    raise AssertionError("06_training has no train_test cell")


def _judge_train_test(train_source: str | None = None) -> tuple[list, list[int]]:
    nb, user_ns, cell = _kernel_until_train_test(train_source)
    return judge.Judge(nb, FakeKernel(user_ns), MARKERS).judge(cell, 120)


def _solution_source() -> str:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    return next(c.source for c in nb.cells if _meta(c).get("grade_id") == "train")


@pytest.mark.slow
def test_an_honest_train_keeps_every_point_when_judged():
    outputs, hidden = _judge_train_test()
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, errors[0].evalue[:600]
    text = "".join(o.get("text", "") for o in outputs)
    assert text.count("✓") == 2, text   # the visible check and the hidden one
    assert hidden


@pytest.mark.slow
@pytest.mark.parametrize("mistake", sorted(WRONG))
def test_a_wrong_training_loop_loses_the_cell_with_its_diagnosis(mistake):
    (old, new), diagnosis = WRONG[mistake]
    source = _solution_source()
    assert old in source
    outputs, _ = _judge_train_test(source.replace(old, new, 1))
    errors = [o for o in outputs if o.output_type == "error"]
    assert errors, f"a loop with '{mistake}' passed as judged"
    assert f"Diagnosis ({diagnosis})" in " ".join(errors[0].evalue.split()) or \
        f"Diagnosis ({diagnosis})" in "".join(errors[0].traceback), errors[0].evalue[:600]
