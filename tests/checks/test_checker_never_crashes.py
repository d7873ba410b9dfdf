"""The checker never crashes on a learner's answer.

Whatever a learner's function returns (or raises), and whatever value they
pass to a value check, every FunctionCheck and ValueCheck either passes or
raises AssertionError with a message: never another exception, and never the
last-resort "could not judge" message (which would mean the checker tripped
over the answer). Answers come from Hypothesis with a fixed seed
(derandomize), so a run is repeatable.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.checks import FunctionCheck, ValueCheck, all_checks, compare
from autograder.checks.core import JUDGE_FAILED

CHECKS = {name.removeprefix("autograder.checks."): check
          for name, check in sorted(all_checks().items())
          if type(check) in (FunctionCheck, ValueCheck)}


class Weird:
    """An object that breaks everything a checker might do with it."""

    def __eq__(self, other):
        raise RuntimeError("no comparing")

    def __repr__(self):
        raise RuntimeError("no repr")

    def __len__(self):
        raise RuntimeError("no len")

    def __float__(self):
        raise RuntimeError("no float")

    __hash__ = object.__hash__


class OddError(Exception):
    def __str__(self):
        raise RuntimeError("a __str__ that raises")


class Quiet(ValueError):
    def __str__(self):
        return "\x1b[31m" + "x" * 5000 + "\n\n"


dtypes = st.sampled_from(["float64", "float32", "float16", "int64", "int8", "uint8",
                          "bool", "complex128"])
arrays = dtypes.flatmap(lambda d: hnp.arrays(
    d, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5),
    elements=None if d in ("bool",) else hnp.from_dtype(np.dtype(d), allow_nan=True,
                                                        allow_infinity=True)))
numbers = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True),
    st.complex_numbers(allow_nan=True),
    st.builds(np.float32, st.floats(width=32)), st.builds(np.int8, st.integers(-128, 127)),
    st.builds(np.float16, st.floats(width=16)))
scalars = st.one_of(numbers, st.text(max_size=20), st.binary(max_size=8),
                    st.just(math.nan), st.builds(Weird), st.just(object()),
                    st.just(np.zeros(200_000)), st.just(list(range(100_000))),
                    st.just("y" * 100_000), st.just(np.array(3.5)), st.just(np.array("s")),
                    st.just(np.array([1, "a"], dtype=object)), st.just(print), st.just(int))
answers = st.recursive(
    st.one_of(scalars, arrays),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                            st.dictionaries(st.text(max_size=3), inner, max_size=3)),
    max_leaves=6)
raising = st.sampled_from([OddError, lambda: Quiet("x"), ZeroDivisionError,
                           lambda: KeyError(Weird()), RecursionError, MemoryError,
                           lambda: SystemExit(3), NotImplementedError]).map(lambda make: make())


def _judge(check, submission) -> None:
    try:
        check(submission)
    except AssertionError as exc:
        message = str(exc)
        assert message.strip(), "an AssertionError without a message"
        assert JUDGE_FAILED not in message, f"the checker tripped over the answer:\n{message}"


def _as_submission(check, answer):
    if isinstance(check, ValueCheck):
        return answer
    return lambda *args, **kwargs: answer


SETTINGS = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("name", sorted(CHECKS))
@SETTINGS
@given(answer=answers)
def test_any_answer_gets_a_verdict_never_a_crash(name, answer, capsys):
    check = CHECKS[name]
    _judge(check, _as_submission(check, answer))


@pytest.mark.parametrize("name", sorted(n for n, c in CHECKS.items()
                                        if isinstance(c, FunctionCheck)))
@SETTINGS
@given(error=raising)
def test_any_exception_gets_a_verdict_never_a_crash(name, error, capsys):
    def submission(*args, **kwargs):
        raise error

    _judge(CHECKS[name], submission)


@SETTINGS
@given(expected=answers, got=answers)
def test_compare_never_raises(expected, got):
    mismatch = compare(expected, got)
    assert mismatch is None or (mismatch.summary and isinstance(mismatch.summary, str))


def test_a_wrong_zero_dimensional_array_is_reported_not_crashed_on():
    mismatch = compare(np.array(2.0), np.array(3.0))
    assert mismatch is not None
    assert any("expected 2, got 3" in line for line in mismatch.details), mismatch.details
