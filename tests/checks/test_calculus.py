"""Stage 02 checks: promises beyond 'the solution passes and every mistake is named'.

test_against_solutions.py and test_every_check.py prove that for every check. Here:
the checks that take several learner objects, the hidden edge cases the notebooks use, the autograd
checks on other correct engines (a recursive backward), the diagnosis of a training
run that diverges without NaN, and determinism.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograder.checks import Case
from autograder.checks.calculus import autograd, derivatives, descent, layers, mlp, reference_mlp
from autograder.checks.calculus.data import make_spirals
from autograder.checks.calculus.engines import make_backward, make_engine
from autograder.checks.multi import MultiCheck

# -- MultiCheck -------------------------------------------------------------------


def test_multicheck_takes_separate_objects_or_one_tuple(capsys):
    engine = make_engine()
    autograd.check_add_mul(engine.add, engine.mul, engine.Value)
    assert capsys.readouterr().out.startswith("✓ add_mul:")
    assert autograd.check_add_mul.explain((engine.add, engine.mul, engine.Value)) is None
    with pytest.raises(TypeError, match="add, mul, Value"):
        autograd.check_add_mul(engine.add, engine.mul)


def test_multicheck_explains_a_value_that_is_not_a_function():
    engine = make_engine()
    message = autograd.check_add_mul.explain(engine.add, None, engine.Value)
    assert message is not None and "`mul` should be a function" in message


def test_a_stub_is_reported_as_not_implemented():
    def add(a, b):
        raise NotImplementedError()
    engine = make_engine()
    message = autograd.check_add_mul.explain(add, engine.mul, engine.Value)
    assert message.startswith("add_mul: you have not implemented `add` yet")


# -- the autograd checks accept any correct engine ------------------------------------


def _recursive_backward(root):
    """The notebook's style: a recursive topological sort."""
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for parent in node._prev:
                visit(parent)
            order.append(node)
    visit(root)
    root.grad = 1.0
    for node in reversed(order):
        node._backward()


def test_backward_accepts_a_recursive_topological_sort_on_deep_graphs():
    Value = make_engine().Value
    assert autograd.check_backward.explain(_recursive_backward, Value) is None
    hidden = [autograd.chain_graph(300),
              autograd.graph("an inner node used four times", {"x": 0.6},
                             [("a", "tanh", ("x",)), ("b", "mul", ("a", "a")),
                              ("c", "add", ("b", "a")), ("out", "mul", ("c", "a"))])]
    assert autograd.check_backward.explain(_recursive_backward, Value, cases=hidden,
                                           hidden=True) is None
    assert autograd.check_backward.explain(make_backward("no_visited"), Value, cases=hidden,
                                           hidden=True) is not None


def test_hidden_autograd_cases_use_other_values():
    engine = make_engine()
    assert autograd.check_add_mul.explain(
        engine.add, engine.mul, engine.Value, cases=[Case("zero", (0.0, 5.0))],
        hidden=True) is None
    relu_at_zero = [Case("relu at 0", ("relu", 0.0)), Case("square root", ("power", 4.0, 0.5))]
    assert autograd.check_unary_ops.explain(
        engine.tanh, engine.exp, engine.power, engine.relu, engine.Value, cases=relu_at_zero,
        hidden=True) is None
    leaky = make_engine("relu_always")
    message = autograd.check_unary_ops.explain(
        leaky.tanh, leaky.exp, leaky.power, leaky.relu, leaky.Value, cases=relu_at_zero,
        hidden=True)
    assert message is not None and "relu" in message


def test_unknown_engine_bug_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown bug"):
        make_engine("typo")


# -- hidden edge cases catch what the visible cases let through -------------------------


def test_naive_sigmoid_derivative_fails_visibly_on_the_promised_huge_inputs():
    def naive(x):
        e = np.exp(-x)
        return e / (1 + e) ** 2
    message = derivatives.check_sigmoid_derivative.explain(naive)
    assert message is not None and "large inputs" in message
    assert "Diagnosis (overflow for large inputs)" in message


def test_softmax_with_the_global_maximum_fails_on_rows_of_different_scales():
    def global_max(z):
        e = np.exp(z - z.max())
        return e / e.sum(axis=-1, keepdims=True)
    visible = layers.check_softmax.explain(global_max)
    assert visible is not None and "Diagnosis (the maximum of the whole array)" in visible
    message = layers.check_softmax.explain(
        global_max, cases=[Case("rows of very different sizes",
                                (np.array([[1000.0, 999.0], [-1000.0, -999.0]]),))],
        hidden=True)
    assert message is not None and "hidden check 1 of 1 failed" in message


def test_hidden_failures_do_not_show_the_inputs():
    message = layers.check_relu_backward.explain(
        lambda dy, x: dy, cases=[Case("1-D", (np.array([0.5, -0.5]), np.array([-1.0, 1.0])))],
        hidden=True)
    assert message is not None and "inputs:" not in message


def test_linear_backward_names_the_wrong_entries():
    def one_bad_row(dy, x, W):
        dW = x.T @ dy
        dW[1] += 1.0
        return dy @ W.T, dW, dy.sum(axis=0)
    message = layers.check_linear_backward.explain(one_bad_row)
    assert "BAD W" in message and "wrong: all of row 1" in message


# -- the trained network ----------------------------------------------------------------


def test_a_diverged_run_without_nan_is_diagnosed_as_exploding_steps():
    params = reference_mlp.init_params([2, 16, 16, 2], 0)
    losses = [0.7] * 10 + [5.0, 40.0, 20.0] + [19.0] * 10     # rising, finite
    message = mlp.check_trained_mlp.explain(params, losses)
    assert "Diagnosis (exploding steps from a learning rate too high)" in message


def test_more_steps_than_the_budget_fail():
    params, losses = mlp._reference_run()
    message = mlp.check_trained_mlp.explain(params, list(losses) + [0.001] * 5)
    assert message is not None and "at most 2000 steps" in message


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_the_stated_target_is_reached_from_other_seeds(seed):
    X, y = make_spirals()
    params, losses = reference_mlp.train(X, y, seed=seed)
    assert mlp.check_trained_mlp.explain(params, losses) is None


def test_held_out_points_are_not_the_training_points():
    X_train, _ = make_spirals()
    X_held, _ = mlp.held_out_spirals()
    assert not np.isin(X_held[:, 0], X_train[:, 0]).any()


# -- determinism and the learning-rate checks ---------------------------------------------


@pytest.mark.parametrize("check, submission", [
    (descent.check_gradient_descent, lambda g, x0, lr, n: np.zeros((n + 1, len(x0)))),
    (layers.check_softmax_cross_entropy, lambda z, y: (0.0, np.zeros(z.shape))),
    (autograd.check_neuron, (lambda xs, ws, b: b, make_engine().Value)),
])
def test_the_same_submission_gets_the_same_message(check, submission):
    np.random.seed(1)               # a check that drew from the global state would differ
    first = check.explain(submission)
    np.random.seed(2)
    assert first is not None and check.explain(submission) == first


def test_ravine_learning_rates_are_judged_by_the_loss_they_reach():
    assert descent.check_ravine_lr.explain(0.15) is None
    assert "edge of stability" in descent.check_ravine_lr.explain(0.199)
    assert "exploding steps" in descent.check_ravine_lr.explain(0.3)
    assert "should be positive" in descent.check_ravine_lr.explain(-0.1)
    assert "should be a number" in descent.check_ravine_lr.explain("0.1")


def test_the_ravine_limit_matches_the_largest_stable_learning_rate():
    H = np.diag(descent.RAVINE)
    assert math.isclose(descent._largest_stable_lr(H), 0.2)


def test_every_calculus_check_is_a_known_kind():
    from autograder.checks import all_checks
    from autograder.checks.core import CustomCheck, FunctionCheck
    checks = {n: c for n, c in all_checks().items() if ".calculus." in n}
    assert len(checks) == 37
    assert all(isinstance(c, (FunctionCheck, CustomCheck, MultiCheck)) for c in checks.values())
