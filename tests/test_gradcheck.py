"""The gradient checker: exact on known gradients, and it names the classic mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import CustomCheck
from autograder.gradcheck import (
    gradient_check,
    numerical_gradient,
    relative_error,
)


def _linear_problem(seed=0, n=5, d_in=3, d_out=4):
    rng = np.random.default_rng(seed)
    params = {"W": rng.normal(size=(d_in, d_out)), "b": rng.normal(size=d_out)}
    x, target = rng.normal(size=(n, d_in)), rng.normal(size=(n, d_out))

    def loss():
        y = x @ params["W"] + params["b"]
        return float(((y - target) ** 2).mean())

    def grads():
        y = x @ params["W"] + params["b"]
        dy = 2 * (y - target) / y.size
        return {"W": x.T @ dy, "b": dy.sum(axis=0)}

    return params, loss, grads, n


def test_numerical_gradient_of_a_known_function():
    p = np.array([1.0, -2.0, 3.0])
    g = numerical_gradient(lambda: float((p ** 3).sum()), p)
    assert np.allclose(g, 3 * p ** 2, rtol=1e-8)
    assert np.array_equal(p, [1.0, -2.0, 3.0]), "the parameter must be restored"


def test_correct_gradients_pass_per_tensor():
    params, loss, grads, _ = _linear_problem()
    report = gradient_check(loss, params, grads())
    assert report.ok, str(report)
    assert [t.name for t in report.tensors] == ["W", "b"]
    assert all(t.rel_error < 1e-7 for t in report.tensors)


def test_a_wrong_tensor_is_named_with_its_worst_entry():
    params, loss, grads, _ = _linear_problem()
    g = grads()
    g["W"] = g["W"].copy()
    g["W"][1, 2] += 0.5
    report = gradient_check(loss, params, g)
    assert not report.ok and report.worst.name == "W"
    assert report.worst.worst_index == (1, 2) and report.worst.n_wrong == 1
    assert "BAD W" in str(report) and "ok  b" in str(report)


def test_relative_error_scale():
    a = np.array([1.0, 2.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, np.zeros(2)) == pytest.approx(1.0)


def _check_with(mutate):
    from autograder.gradcheck import expect_gradients

    def verify(grad_fn, ctx):
        params, loss, grads, n = _linear_problem()
        expect_gradients(ctx, loss, params, grad_fn(grads()), label="linear layer gradients",
                         batch_size=n)
    check = CustomCheck("linear backward", verify, reference=lambda g: g)
    return check.explain(mutate)


@pytest.mark.parametrize(("mutate", "diagnosis"), [
    (lambda g: {"W": -g["W"], "b": g["b"]}, "a gradient with the wrong sign"),
    (lambda g: {"W": g["W"].T, "b": g["b"]}, "a transposed weight gradient"),
    (lambda g: {"W": g["W"] * 5, "b": g["b"]}, "a gradient off by a constant factor"),
    (lambda g: {"W": g["W"], "b": np.tile(g["b"] / 5, (5, 1))},
     "bias gradient not summed over the batch"),
])
def test_gradient_mistakes_are_diagnosed(mutate, diagnosis):
    message = _check_with(mutate)
    assert message is not None and f"Diagnosis ({diagnosis})" in message, message


def test_scale_factor_mentions_the_batch_size():
    message = _check_with(lambda g: {"W": g["W"] * 5, "b": g["b"]})
    assert "the batch size is 5" in message


def test_correct_gradients_pass_inside_a_check():
    assert _check_with(lambda g: g) is None
