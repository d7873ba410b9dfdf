"""Tolerances fit the precision, and messages show the difference.

Guarantees: a float32 expected value (or float32 inputs) is compared with a
tolerance derived from float32 round-off, so a correct float32 softmax written
as exp(x - logsumexp(x)) passes every softmax check; float64 keeps its tight
tolerance (the same relative error fails there); a failure never shows two
identical numbers and states the relative error against the tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import all_checks, compare
from autograder.checks.compare import FLOAT32_RTOL, fit_precision
from autograder.checks.describe import fmt_pair

SOFTMAX_CHECKS = sorted(n for n in all_checks() if n.endswith(".check_softmax"))


def softmax_via_logsumexp(x, axis=-1):
    """softmax(x) = exp(x - logsumexp(x)), in the input's precision."""
    m = x.max(axis=axis, keepdims=True)
    lse = m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
    return np.exp(x - lse)


@pytest.mark.parametrize("name", SOFTMAX_CHECKS)
def test_a_float32_softmax_via_logsumexp_passes(name):
    check = all_checks()[name]
    assert check.explain(softmax_via_logsumexp) is None


def test_float32_tolerance_is_round_off_sized_and_float64_stays_tight():
    x32 = np.ones(3, dtype=np.float32)
    rtol, atol = fit_precision(1e-6, 1e-8, x32)
    assert rtol == FLOAT32_RTOL and 1e-5 < rtol < 1e-4
    assert fit_precision(1e-6, 1e-8, np.ones(3)) == (1e-6, 1e-8)
    assert fit_precision(1e-6, 1e-8, np.ones(3), (x32,))[0] == FLOAT32_RTOL  # float32 inputs
    e = np.array([0.02755, 0.5])
    off = e * (1 + 3e-5)
    assert compare(e.astype(np.float32), off.astype(np.float32), rtol=rtol, atol=atol) is None
    assert compare(e, off) is not None  # float64: 3e-5 relative is a real error


def test_a_failure_never_shows_two_identical_numbers():
    mismatch = compare(np.array([0.02755, 1.0]), np.array([0.027551, 1.0]), rtol=1e-6)
    line = next(d for d in mismatch.details if d.startswith("first difference"))
    assert "expected 0.02755, got 0.027551" in line
    assert any("relative (allowed: 1e-06 relative" in d for d in mismatch.details)
    scalar = compare(0.1 + 0.2, 0.300001)
    assert scalar.summary == "your result is 0.300001, expected 0.3"


@pytest.mark.parametrize(("a", "b"), [(1.0, 1.0000001), (0.02755, 0.027550001), (-3.0, -3.5),
                                      (1e-300, 2e-300)])
def test_fmt_pair_tells_numbers_apart(a, b):
    x, y = fmt_pair(a, b)
    assert x != y and float(x) == pytest.approx(a, rel=1e-12 if x != y else 1)


def test_a_0d_array_where_a_python_number_is_promised_is_a_type_mismatch():
    m = compare(1.5, np.array(1.5))
    assert m is not None and m.kind == "type" and "0-d NumPy array" in m.summary
    assert "float(x)" in " ".join(m.details)
    assert compare(2, np.array(2)).kind == "type"
    assert compare(1.5, np.float64(1.5)) is None           # a NumPy scalar is a float
    assert compare(np.array(1.5), np.array(1.5)) is None   # an array was promised
    assert compare(1.5, np.array(1.5), dtype=None) is None  # no type policy: values only


def _lse_0d(x):
    m = x.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True))).squeeze(-1)


def _ce_0d(p, q):
    support = p > 0
    return np.asarray(-(p[support] * np.log(q[support])).sum())


def _lm_ce_0d(logits, targets, mask):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]
    return np.asarray(-(picked * mask).sum() / mask.sum())


@pytest.mark.parametrize(("check", "fn"), [
    ("probability.information.check_logsumexp", _lse_0d),
    ("probability.information.check_cross_entropy", _ce_0d),
    ("transformer.embeddings.check_cross_entropy", _lm_ce_0d)])
def test_logsumexp_and_cross_entropy_promise_a_float_not_a_0d_array(check, fn):
    message = all_checks()[f"autograder.checks.{check}"].explain(fn)
    assert message is not None and "0-d NumPy array" in message, message
