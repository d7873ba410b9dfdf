"""The gradient checker: exact on known gradients, and it names the classic mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import CustomCheck
from autograder.checks.gradcheck import (
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
    from autograder.checks.gradcheck import expect_gradients

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


# -- which entries are wrong, more diagnoses, a check's own variants ------------------------

def _report_with(mutate):
    params, loss, grads, _ = _linear_problem(n=5, d_in=3, d_out=4)
    g = grads()
    g["W"] = mutate(g["W"].copy())
    return gradient_check(loss, params, g).worst


@pytest.mark.parametrize(("mutate", "where"), [
    (lambda W: W + np.array([[0.0], [1.0], [0.0]]), "all of row 1"),
    (lambda W: W + np.array([0.0, 0.0, 2.0, 3.0]), "all of columns 2, 3"),
    (lambda W: -W, "every entry"),
    (lambda W: W + np.eye(3, 4), "W[0, 0], W[1, 1], W[2, 2]"),
])
def test_the_report_says_which_entries_are_wrong(mutate, where):
    worst = _report_with(mutate)
    assert worst is not None and worst.wrong_entries() == where
    assert f"wrong: {where}" in worst.line()


def test_many_scattered_wrong_entries_are_summarised():
    def scatter(W):
        W[0, 0] += 1
        W[0, 2] += 1
        W[1, 1] += 1
        W[2, 0] += 1
        W[2, 3] += 1
        return W
    assert _report_with(scatter).wrong_entries().endswith("and 1 more")


def test_a_nan_gradient_counts_as_wrong():
    worst = _report_with(lambda W: np.where(W > 0, np.nan, W))
    assert worst is not None and not worst.ok and worst.n_wrong >= 1


def test_reports_made_the_old_way_still_work():
    from autograder.checks.gradcheck import GRADIENT_MISTAKES, TensorReport
    t = TensorReport("W", (2, 2), 0.5, (0, 1), 1.0, 2.0, 1)
    assert not t.ok and "BAD W" in t.line() and t.wrong_entries() == ""
    assert [m.name for m in GRADIENT_MISTAKES] == [
        "a gradient with the wrong sign", "a transposed weight gradient",
        "a gradient off by a constant factor", "bias gradient not summed over the batch"]


def test_an_all_zero_gradient_is_named():
    message = _check_with(lambda g: {"W": np.zeros_like(g["W"]), "b": g["b"]})
    assert "Diagnosis (a gradient that is zero everywhere)" in message


def test_gradients_that_are_not_a_dict_get_a_plain_message():
    message = _check_with(lambda g: (g["W"], g["b"]))
    assert "should be a dict with the keys 'W', 'b', not a tuple" in message


def _check_with_variants(mutate, variants):
    from autograder.checks.gradcheck import expect_gradients

    def verify(grad_fn, ctx):
        params, loss, grads, n = _linear_problem()
        expect_gradients(ctx, loss, params, grad_fn(grads()), label="linear layer gradients",
                         batch_size=n, variants=variants)
    return CustomCheck("linear backward", verify, reference=lambda g: g).explain(mutate)


def test_a_checks_own_variant_wins_over_the_generic_diagnosis():
    from autograder.checks import Mistake
    mean_bias = Mistake("bias gradient averaged", "You averaged.", example="a mean")
    times_n = Mistake("forgot the 1/N", "You summed.", example="N times")
    params, _, grads, n = _linear_problem()
    g = grads()
    variants = [(mean_bias, {"b": g["b"] / n}),
                (times_n, lambda numerics: {k: n * v for k, v in numerics.items()})]
    message = _check_with_variants(lambda g: {"W": g["W"], "b": g["b"] / 5}, variants)
    assert "Diagnosis (bias gradient averaged)" in message
    message = _check_with_variants(lambda g: {"W": 5 * g["W"], "b": 5 * g["b"]}, variants)
    assert "Diagnosis (forgot the 1/N)" in message
    message = _check_with_variants(lambda g: {"W": -g["W"], "b": g["b"]}, variants)
    assert "Diagnosis (a gradient with the wrong sign)" in message
    assert _check_with_variants(lambda g: g, variants) is None
