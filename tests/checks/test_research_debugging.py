"""Stage 08, notebook 07: sanity checks that find silent bugs.

Each check passes a second correct implementation written another way and fails the
registered mistakes with their own diagnoses; the oracles are held to other
formulations (closed forms, hashing, a while loop); the planted-bug runs raise the
flags the notebook's prose says they raise, and the diagnosis check's reference is the
one the runs' readings imply.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from autograder.checks.research import debugging as checks
from autograder.research import debugging

# -- second correct implementations, written differently from the notebook's ---------------


def reference_losses_by_unique(labels, n_classes):
    _, counts = np.unique(np.asarray(labels), return_counts=True)
    p = counts / counts.sum()
    return {"prior": float(-np.dot(p, np.log(p))), "uniform": float(math.log(n_classes))}


def worst_relative_error_vectorised(f, grad_f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    a = np.asarray(grad_f(x), dtype=np.float64).ravel()
    steps = np.eye(x.size) * eps
    n = np.array([(f((x.ravel() + s).reshape(x.shape)) - f((x.ravel() - s).reshape(x.shape)))
                  / (2 * eps) for s in steps])
    return float((np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-8)).max())


def steps_to_overfit_while(step, max_steps, target):
    losses: list[float] = []
    while len(losses) < max_steps:
        losses.append(float(step()))
        if losses[-1] <= target:
            return {"steps": len(losses), "losses": np.array(losses)}
        if math.isnan(losses[-1]) or math.isinf(losses[-1]):
            break
    return {"steps": None, "losses": np.array(losses)}


def leaked_rows_sha(train, test, decimals=6):
    def digest(row):
        return hashlib.sha1((np.round(row, decimals) + 0.0).tobytes()).hexdigest()
    seen = {digest(r) for r in np.asarray(train, dtype=float)}
    return np.flatnonzero([digest(r) in seen for r in np.asarray(test, dtype=float)])


SECOND = [(checks.check_reference_losses, reference_losses_by_unique),
          (checks.check_worst_relative_error, worst_relative_error_vectorised),
          (checks.check_steps_to_overfit, steps_to_overfit_while),
          (checks.check_leaked_rows, leaked_rows_sha)]


@pytest.mark.parametrize("check, fn", SECOND, ids=lambda v: getattr(v, "name", ""))
@pytest.mark.parametrize("seed", [None, 4242])
def test_a_second_correct_implementation_passes(check, fn, seed):
    assert check.explain(fn) is None if seed is None else check.explain(fn, seed=seed) is None


@pytest.mark.parametrize("check", [c for c, _ in SECOND], ids=lambda c: c.name)
def test_each_registered_mistake_is_named(check):
    for mistake in check.known_mistakes:
        message = check.explain(mistake.demo)
        assert message is not None and mistake.name in message, (mistake.name, message)


# -- the oracles against other formulations ------------------------------------------------


def test_the_gradient_oracle_matches_closed_forms():
    rng = np.random.default_rng(0)
    k, x, eps = rng.uniform(1, 3, 4), rng.uniform(0.5, 1.5, 4), 0.01
    f, grad = checks._cubic(k)
    # the central difference of k x^3 is exactly 3 k x^2 + k eps^2
    a, n = 3 * k * x ** 2, 3 * k * x ** 2 + k * eps ** 2
    assert checks._worst_relative_error(f, grad, x, eps) == pytest.approx(
        float(np.max(np.abs(a - n) / (a + n))), rel=1e-6)
    # one entry 10% too large: error 0.1 / 2.1 on that entry
    fs, gs = checks._sin_quadratic(np.ones(3), np.ones(3))
    wrong = checks._wrong_entry(gs, 1, 1.1)
    assert checks._worst_relative_error(fs, wrong, x[:3]) == pytest.approx(0.1 / 2.1, rel=1e-6)


def test_float32_differences_really_are_the_trap():
    f, grad = checks._sin_quadratic(np.ones(5), np.ones(5))
    x = np.linspace(-1, 1, 5).astype(np.float32)
    assert checks._worst_relative_error(f, grad, x) < 1e-7
    assert checks._variant(keep_dtype=True)(f, grad, x) > 1e-3


def test_the_leak_oracle_agrees_with_hashing_on_random_data():
    rng = np.random.default_rng(1)
    for _ in range(5):
        train = np.round(rng.normal(size=(40, 3)), 1)
        test = np.round(rng.normal(size=(40, 3)), 1)          # coarse: collisions happen
        assert np.array_equal(checks._leaked_rows(train, test, 1),
                              leaked_rows_sha(train, test, 1))


def test_a_step_called_too_often_fails_the_check():
    def overruns(step, max_steps, target):
        losses = [step() for _ in range(max_steps + 1)]
        return {"steps": None, "losses": np.array(losses)}
    message = checks.check_steps_to_overfit.explain(overruns)
    assert message is not None and "max_steps" in message


# -- the planted bugs -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def run_flags():
    return checks.measured_flags()


def test_the_flags_the_check_uses_are_the_measured_ones(run_flags):
    assert checks.RUN_FLAGS == run_flags


def test_every_bug_is_planted_once_and_one_run_is_healthy():
    key = debugging.answer_key()
    assert sorted(key.values()) == sorted([*debugging.BUGS, debugging.HEALTHY])


def test_the_runs_raise_the_flags_the_notebook_describes(run_flags):
    key = debugging.answer_key()
    by_bug = {key[letter]: flags for letter, flags in run_flags.items()}
    assert by_bug[debugging.HEALTHY] == set()
    assert "initial loss" in by_bug["softmax over the batch axis"]
    assert "initial loss" in by_bug["loss summed over the batch, not averaged"]
    assert by_bug["ReLU's gradient not masked in the backward pass"] == {"gradient check"}
    assert by_bug["evaluation on the training set"] == {"leakage"}
    assert by_bug["labels shuffled against inputs"] == {"chance accuracy"}
    assert "overfit one batch" in by_bug["learning rate 100x too high"]
    for bug in debugging.BUGS:                        # every bug is caught by something
        assert by_bug[bug], bug


def test_the_diagnosis_reference_is_what_the_readings_imply(run_flags):
    key = debugging.answer_key()
    for letter, (check, bug) in checks.check_diagnosis.reference.items():
        assert bug == key[letter]
        assert check in run_flags[letter] or (check == "none" and not run_flags[letter])
    assert checks.check_diagnosis.explain(checks.check_diagnosis.reference) is None


def test_a_wrong_diagnosis_fails_with_the_run_named():
    wrong = dict(checks.check_diagnosis.reference)
    wrong["A"], wrong["D"] = wrong["D"], wrong["A"]
    message = checks.check_diagnosis.explain(wrong)
    assert message is not None and "run A" in message
    flagless = dict(checks.check_diagnosis.reference)
    letter = next(k for k, v in flagless.items() if v[1] == "evaluation on the training set")
    flagless[letter] = ("gradient check", "evaluation on the training set")
    message = checks.check_diagnosis.explain(flagless)
    assert message is not None and "does not flag" in message


def test_the_gradients_of_the_runs_are_right_except_the_planted_one():
    for run in debugging.runs():
        params = run.init_params()
        x, y = run.x_train[:6], run.y_train[:6]
        g = run.gradients(params, x, y)["w2"]
        h = 1e-6
        p = {k: v.copy() for k, v in params.items()}
        p["w2"][3, 4] += h
        up = run.loss(p, x, y)
        p["w2"][3, 4] -= 2 * h
        down = run.loss(p, x, y)
        assert (up - down) / (2 * h) == pytest.approx(g[3, 4], rel=1e-5, abs=1e-9), run.letter
