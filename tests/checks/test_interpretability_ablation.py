"""The checks of 06/06 (ablation) against the solution notebook and against wrong answers."""

from __future__ import annotations

import numpy as np
import pytest
from nbfiles import SOLUTIONS
from solution_pieces import solution_source

from autograder.checks.interpretability import ablation

NOTEBOOK = SOLUTIONS / "06_interpretability" / "06_ablation.ipynb"


@pytest.fixture(scope="module")
def solution():
    namespace: dict = {}
    exec(compile(solution_source(NOTEBOOK), str(NOTEBOOK), "exec"), namespace)
    return namespace


@pytest.mark.parametrize("name", ["replace_head", "zero_shift", "spearman"])
def test_the_solutions_pass(solution, name):
    assert getattr(ablation, f"check_{name}").explain(solution[name]) is None


def test_replacing_in_place_is_caught_with_its_own_diagnosis():
    def in_place(z, head, value):
        z[:, :, head, :] = value
        return z
    message = ablation.check_replace_head.explain(in_place)
    assert message is not None and "changed z in place" in message


def test_a_float64_result_for_float32_z_fails():
    def widened(z, head, value):
        out = z.astype(np.float64)
        out[:, :, head, :] = value
        return out
    assert ablation.check_replace_head.explain(widened) is not None


def test_spearman_with_scipy_style_average_ranks_agrees_without_ties():
    def by_formula(a, b):
        ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
        n = len(a)
        return 1 - 6 * float(((ra - rb) ** 2).sum()) / (n * (n * n - 1))
    assert ablation.check_spearman.explain(by_formula) is None


def test_a_rms_around_zero_shift_gets_its_diagnosis():
    def rms_about_zero(outputs):
        rows = outputs.reshape(-1, outputs.shape[-1]).astype(float)
        return float(np.linalg.norm(rows.mean(0)) / np.sqrt((rows ** 2).sum(1).mean()))
    message = ablation.check_zero_shift.explain(rms_about_zero)
    assert message is not None and "the distance from zero, not from the mean" in message
