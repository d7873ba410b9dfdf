"""The checks of 06/05 (probing) against the solution notebook and against wrong answers."""

from __future__ import annotations

import numpy as np
import pytest
from nbfiles import SOLUTIONS
from solution_pieces import solution_source

from autograder.checks.interpretability import probing

NOTEBOOK = SOLUTIONS / "06_interpretability" / "05_probing.ipynb"


@pytest.fixture(scope="module")
def solution():
    namespace: dict = {}
    exec(compile(solution_source(NOTEBOOK), str(NOTEBOOK), "exec"), namespace)
    return namespace


@pytest.mark.parametrize("name", ["token_labels", "probe_loss", "fit_probe", "control_labels"])
def test_the_solutions_pass(solution, name):
    assert getattr(probing, f"check_{name}").explain(solution[name]) is None


def test_labels_as_floats_fail_without_a_wrong_diagnosis(solution):
    def as_float(byte_labels, token_lengths):
        return solution["token_labels"](byte_labels, token_lengths).astype(float)
    message = probing.check_token_labels.explain(as_float)
    assert message is not None and "Diagnosis (the first byte" not in message


def test_an_overflowing_loss_is_explained_not_misnamed():
    def naive(w, b, X, y, l2):
        z = X @ w + b
        p = 1 / (1 + np.exp(-z))
        loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + 0.5 * l2 * w @ w
        return loss, X.T @ (p - y) / len(y) + l2 * w, np.mean(p - y)
    message = probing.check_probe_loss.explain(naive)
    assert message is not None and "not finite" in message and "Diagnosis (" not in message


def test_a_probe_that_stops_too_early_fails(solution):
    def too_short(X, y, l2=0.01, lr=4.0, steps=100):
        return solution["fit_probe"](X, y, l2=l2, lr=lr, steps=min(steps, 3))
    message = probing.check_fit_probe.explain(too_short)
    assert message is not None and "minimum" in message and "uphill" not in message


def test_copying_the_real_labels_is_not_a_control_task():
    message = probing.check_control_labels.explain(lambda ids, labels, seed: labels.copy())
    assert message is not None and "different control labels" in message


def test_the_control_check_accepts_any_correct_draw():
    def by_loop(token_ids, labels, seed):
        rng = np.random.default_rng(seed + 1000)
        flat = labels.reshape(-1)
        chosen = {}
        for t in sorted(set(token_ids.reshape(-1).tolist())):
            chosen[t] = flat[rng.integers(len(flat))]
        return np.array([chosen[t] for t in token_ids.reshape(-1).tolist()],
                        dtype=labels.dtype).reshape(labels.shape)
    assert probing.check_control_labels.explain(by_loop) is None
