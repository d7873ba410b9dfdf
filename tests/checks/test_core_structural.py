"""Structural diagnoses for mistakes nobody registered.

Each relation is shown firing on an answer that has it (with the specifics in
beginner words) and staying silent on a similar answer that does not, or on
evidence that cannot tell (a symmetric matrix, a single corner entry).
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import Case, FunctionCheck

RNG = np.random.default_rng(7)
X34 = RNG.normal(size=(3, 4))
X33 = RNG.normal(size=(3, 3))


def _softmax(x, axis=-1):
    z = np.exp(x - x.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def _named(message: str | None) -> str | None:
    if message is None:
        return None
    for line in message.splitlines():
        if line.startswith("Diagnosis ("):
            return line[len("Diagnosis ("):line.index(")")]
    return None


def _check(oracle, *cases, **options):
    return FunctionCheck("f", oracle, [Case(f"case {i}", args) for i, args in enumerate(cases)],
                         **options)


def test_softmax_over_the_wrong_axis():
    check = _check(_softmax, (X34,))
    message = check.explain(lambda x: _softmax(x, axis=0))
    assert _named(message) == "normalised over the wrong axis"
    assert "each column of your result sums to 1; each row should" in message
    assert _named(check.explain(lambda x: _softmax(2 * x))) is None  # rows sum to 1: no relation


def test_reduced_over_the_wrong_axis():
    check = _check(lambda x: x.mean(axis=1), (X33,))
    message = check.explain(lambda x: x.mean(axis=0))
    assert _named(message) == "reduced over the wrong axis"
    assert "the mean over axis 0 of the input; the mean over axis 1 is expected" in message
    assert _named(check.explain(lambda x: x.mean(axis=1) + 0.1)) is None


def test_transposed_square_result_but_not_a_symmetric_one():
    check = _check(lambda a, b: a @ b, (X33, X33.T + 1))
    assert _named(check.explain(lambda a, b: (a @ b).T)) == "transposed result"
    sym = X33 @ X33.T
    symmetric = _check(lambda a: a @ a.T, (X33,))
    assert _named(symmetric.explain(lambda a: (a @ a.T).T + 0 * sym + 1)) is None


def test_axes_permuted():
    x = RNG.normal(size=(2, 3, 4))
    check = _check(lambda x: x * 2, (x,))
    message = check.explain(lambda x: (x * 2).transpose(1, 0, 2))
    assert _named(message) == "axes in the wrong order" and "(1, 0, 2)" in message
    assert _named(check.explain(lambda x: (x * 2).reshape(3, 2, 4))) is None


def test_shifted_by_one():
    x = np.arange(1.0, 7.0) ** 2
    check = _check(lambda x: x[1:] - x[:-1], (x,))
    message = check.explain(lambda x: np.concatenate([[0.0], (x[1:] - x[:-1])[:-1]]))
    assert _named(message) == "shifted by one position"
    assert "your entry i holds the expected entry i - 1" in message
    assert _named(check.explain(lambda x: (x[1:] - x[:-1])[::-1])) is None


def test_sign_flipped_and_a_partial_flip():
    check = _check(lambda x: x - 1, (X34,))
    assert _named(check.explain(lambda x: 1 - x)) == "wrong sign"

    def partly(x):
        out = 1 - x
        out[0, 0] = x[0, 0] - 1
        return out

    assert _named(check.explain(partly)) is None


def test_scaled_by_a_constant_missing_sqrt_d():
    q, k = RNG.normal(size=(3, 4)), RNG.normal(size=(5, 4))
    check = _check(lambda q, k: q @ k.T / np.sqrt(4), (q, k))
    message = check.explain(lambda q, k: q @ k.T)
    assert _named(message) == "off by a constant factor" and "about 2" in message
    assert _named(check.explain(lambda q, k: q @ k.T / 2 + 0.01)) is None


def test_wrong_only_at_an_edge():
    x = RNG.normal(size=(4, 5))
    check = _check(lambda x: np.cumsum(x, axis=0), (x,))

    def first_row_zero(x):
        out = np.cumsum(x, axis=0)
        out[0] = 0
        return out

    message = check.explain(first_row_zero)
    assert _named(message) == "wrong only at an edge" and "the first row" in message

    def also_inside(x):
        out = first_row_zero(x)
        out[2, 2] += 1
        return out

    assert _named(check.explain(also_inside)) is None


def test_wrong_only_on_the_diagonal_but_not_on_one_corner():
    pts = RNG.normal(size=(4, 2))
    oracle = lambda p: ((p[:, None] - p[None]) ** 2).sum(-1)  # noqa: E731
    check = _check(oracle, (pts,))
    message = check.explain(lambda p: oracle(p) + np.eye(4))
    assert _named(message) == "wrong only on the diagonal"

    def corner(p):
        out = oracle(p)
        out[0, 0] = 1.0
        return out  # first row, first column and diagonal all fit: no name

    assert _named(check.explain(corner)) is None


def test_numerically_unstable_only_for_large_inputs():
    big = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 999.0]])
    check = _check(_softmax, (big,))
    naive = lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)  # noqa: E731
    message = check.explain(naive)
    assert _named(message) == "numerically unstable for large inputs"
    assert "largest input of this case is about 1001" in message
    small = _check(lambda x: np.sqrt(x), (np.array([1.0, 4.0, 9.0]),))
    assert _named(small.explain(lambda x: np.array([1.0, np.nan, 3.0]))) is None


def test_right_only_for_square_inputs():
    x22 = np.array([[1.0, -2.0], [0.5, 3.0]])
    check = _check(lambda a: a.sum(axis=0), (X33,), (x22,), (X34,))
    mixed_up = lambda a: np.array([a[:, j].sum() for j in range(a.shape[0])])  # noqa: E731
    assert _named(check.explain(mixed_up)) == "right only for square inputs"
    assert _named(check.explain(lambda a: a.sum(axis=0) + 1)) != "right only for square inputs"
    # one square case passing is not enough: it may pass by luck (here the extra term
    # a[0] * a[-1] is 0 on the square input, and nothing about it concerns the shape)
    lucky = _check(lambda a: a.sum(axis=0), (np.array([[1.0, 0.0], [0.0, 2.0]]),), (X34,))
    extra_term = lambda a: a.sum(axis=0) + a[0] * a[-1]  # noqa: E731
    message = lucky.explain(extra_term)
    assert message is not None and _named(message) != "right only for square inputs"


def test_right_only_for_a_single_batch_item():
    one, three = RNG.normal(size=(1, 2, 3)), RNG.normal(size=(3, 2, 3))
    check = _check(lambda x: x - x.mean(axis=-1, keepdims=True), (one,), (three,))
    wrong = lambda x: x - x.mean(axis=(0, 2), keepdims=True)  # noqa: E731
    assert _named(check.explain(wrong)) == "right only for a single batch item"
    assert _named(check.explain(lambda x: x - 1)) != "right only for a single batch item"


def test_a_single_batch_diagnosis_is_confirmed_item_by_item():
    # Right on the one-item case by luck (its first row is the only one it gets wrong, and
    # there it happens to be right) but wrong on an item of the batch even alone: the batch
    # axis is not the problem, so the diagnosis is not named.
    one = np.zeros((1, 2, 3))
    three = RNG.normal(size=(3, 2, 3))
    check = _check(lambda x: x - x.mean(axis=-1, keepdims=True), (one,), (three,))

    def wrong_first_row(x):
        out = x - x.mean(axis=-1, keepdims=True)
        out[:, 0] = x[:, 0]                      # forgets to centre row 0 of every item
        return out

    message = check.explain(wrong_first_row)
    assert message is not None and _named(message) != "right only for a single batch item"


def test_right_values_in_the_wrong_dtype():
    x = RNG.normal(size=(3, 4)).astype(np.float32)
    check = _check(lambda x: x * 2, (x,), dtype="exact")
    message = check.explain(lambda x: x.astype(np.float64) * 2)
    assert _named(message) == "right values in the wrong dtype"
    assert "dtype float64, expected float32" in message
    assert _named(check.explain(lambda x: (x * 2 + 1).astype(np.float64))) is None


def test_a_result_that_depends_on_earlier_calls():
    x = RNG.normal(size=(5,))
    check = _check(lambda x: np.cumsum(x), (x,), (x[::-1].copy(),))
    total = np.zeros(5)

    def accumulating(x):
        total[:] += np.cumsum(x)
        return total.copy()

    assert _named(check.explain(accumulating)) == "a result that depends on earlier calls"
    assert _named(check.explain(lambda x: np.cumsum(x) + 1)) is None


@pytest.mark.parametrize("learner", [lambda x: _softmax(x) + 0.01, lambda x: x])
def test_no_relation_no_name(learner):
    assert _named(_check(_softmax, (X34,)).explain(learner)) is None


def test_an_infinite_ratio_is_not_a_constant_factor():
    from autograder.checks.generic import constant_factor

    expected = np.array([1.0, 2.0, 3.0, 4.0])
    assert constant_factor(expected, np.array([np.inf, np.inf, np.inf, np.inf])) is None
    assert constant_factor(expected, np.array([1.0, np.inf, 3.0, 4.0])) is None
    assert constant_factor(expected, 2 * expected) == pytest.approx(2.0)
