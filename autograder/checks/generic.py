"""Diagnoses that apply to any array-valued answer.

A check tries its own registered mistakes first; when none matches, these
recognise mistakes that look the same in every exercise: a finite number where
infinity is the answer, a transposed result, a stray or missing length-1 axis,
accidental broadcasting, a flipped sign, a result off by a constant factor,
integer arithmetic, or an all-zero result.
"""

from __future__ import annotations

import math

from .compare import compare
from .describe import fmt_number
from .integrity import errstate, ndarray
from .spec import Mistake


def _finite_where_infinite(expected, got, case) -> bool:
    if isinstance(expected, ndarray) and isinstance(got, ndarray):
        if got.shape != expected.shape or expected.dtype.kind not in "fc":
            return False
        with errstate(all="ignore"):
            inf = abs(expected) == math.inf
            if not bool(inf.any()) or got.dtype.kind not in "fc":
                return False
            return bool((abs(got[inf]) < math.inf).any() & (got[inf] == got[inf]).all())
    try:
        e, g = float(expected), float(got)
    except (TypeError, ValueError):
        return False
    return math.isinf(e) and math.isfinite(g)


def _arrays(expected, got) -> bool:
    return isinstance(expected, ndarray) and isinstance(got, ndarray) and expected.size > 0


def _transposed(expected, got, case) -> bool:
    return (_arrays(expected, got) and expected.ndim == 2 and got.ndim == 2
            and got.shape == expected.shape[::-1] and expected.shape[0] != 1
            and expected.shape[1] != 1 and compare(expected, got.T, rtol=1e-5) is None)


def _length_one_axis(expected, got, case) -> bool:
    if not _arrays(expected, got) or got.shape == expected.shape or got.size != expected.size:
        return False
    squeeze = tuple(n for n in expected.shape if n != 1)
    return tuple(n for n in got.shape if n != 1) == squeeze and \
        compare(expected, got.reshape(expected.shape), rtol=1e-5, dtype=None) is None


def _broadcast_blowup(expected, got, case) -> bool:
    if not _arrays(expected, got) or got.shape == expected.shape:
        return False
    if got.ndim > expected.ndim and got.size > expected.size:
        return True
    return (got.ndim == expected.ndim and got.size > expected.size and
            all(g == e or e == 1 or g == e * e or g in expected.shape
                for g, e in zip(got.shape, expected.shape, strict=True)))


def _flipped_sign(expected, got, case) -> bool:
    return (_arrays(expected, got) and got.shape == expected.shape
            and bool((abs(expected) > 1e-12).any()) and compare(expected, -got) is None)


def constant_factor(expected, got) -> float | None:
    """k if got == k * expected for a single k != 1 (within tolerance), else None."""
    if not _arrays(expected, got) or got.shape != expected.shape:
        return None
    if expected.dtype.kind not in "fiu" or got.dtype.kind not in "fiu":
        return None
    with errstate(all="ignore"):
        e = expected.astype("float64")
        g = got.astype("float64")
        big = abs(e) > 1e-9 * abs(e).max()
        if not big.any() or not bool((abs(g[~big]) <= 1e-9 * (abs(g).max() + 1e-300)).all()):
            return None
        ratios = g[big] / e[big]
        k = float(ratios.mean())
        if not (k == k) or abs(k) < 1e-12 or abs(k - 1) < 1e-6 or abs(k + 1) < 1e-6:
            return None
        if float(abs(ratios - k).max()) > 1e-6 * abs(k):
            return None
    return k


def _scaled(expected, got, case) -> bool:
    return constant_factor(expected, got) is not None


def _integer_result(expected, got, case) -> bool:
    return (isinstance(expected, ndarray) and isinstance(got, ndarray)
            and expected.dtype.kind in "fc" and got.dtype.kind in "iub")


def _all_zero(expected, got, case) -> bool:
    return (_arrays(expected, got) and got.shape == expected.shape
            and got.dtype.kind in "fiub" and not bool(got.any()) and bool(expected.any()))


FINITE_WHERE_INFINITE = Mistake(
    "a finite number where infinity is right",
    "Where the expected answer is infinite, yours is a finite number. Here infinity is the "
    "right answer, not an accident: the log of probability 0 is -inf, and an event you gave "
    "probability 0 that then happens costs an infinite loss. Clipping probabilities to a "
    "tiny number such as 1e-12 turns 'impossible' into merely 'very unlikely' and hides "
    "exactly the cases that matter.",
    "Let np.log(0) give -inf (np.errstate(divide='ignore') silences the warning); don't clip.",
    detect=_finite_where_infinite)
TRANSPOSED = Mistake(
    "transposed result",
    "Your result is the transpose of the expected one: rows and columns are swapped.",
    "Check the order of the axes you build the result with, or whether a matrix "
    "product has its operands in the right order (A @ B is not B @ A).",
    detect=_transposed)
LENGTH_ONE_AXIS = Mistake(
    "a stray or missing length-1 axis",
    "Your values are right but an axis of length 1 is extra or missing, e.g. shape (3,) "
    "where (3, 1) was asked for.",
    "Look at keepdims= in your reductions, or reshape to the shape in the docstring.",
    detect=_length_one_axis)
BROADCAST_BLOWUP = Mistake(
    "accidental broadcasting",
    "Your result is larger than it should be. This usually happens when two arrays of "
    "shapes like (n,) and (n, 1) meet in an operation: NumPy broadcasts them into an "
    "(n, n) grid instead of raising an error.",
    "Print the shapes of the arrays you combine; make both (n,) or both (n, 1).",
    detect=_broadcast_blowup)
FLIPPED_SIGN = Mistake(
    "wrong sign",
    "Your result has the right size everywhere but the opposite sign.",
    "Look for a subtraction written the wrong way round, or a minus sign lost or added.",
    detect=_flipped_sign)
SCALED = Mistake(
    "off by a constant factor",
    "Every entry of your result is the expected one times the same constant, so the "
    "shape of the computation is right but a scale factor is missing or extra.",
    "Compare the factor with the scales in the formula: a 1/n of a mean, a 1/sqrt(d), a 2 "
    "from a derivative.",
    detect=_scaled)
INTEGER_RESULT = Mistake(
    "integer arithmetic",
    "Your result holds integers where fractions were expected. Integer division (//) or "
    "an integer array created with np.zeros(..., dtype=int) drops the fractional part.",
    "Use / for division, and create arrays that hold fractions with a float dtype.",
    detect=_integer_result)
ALL_ZERO = Mistake(
    "an all-zero result",
    "Every entry of your result is 0. Often the result array was created but never "
    "filled in, or an integer division rounded everything down to 0.",
    "Check that your loop or expression writes into the array you return.",
    detect=_all_zero)

GENERIC_MISTAKES: tuple[Mistake, ...] = (
    FINITE_WHERE_INFINITE, INTEGER_RESULT, TRANSPOSED, LENGTH_ONE_AXIS, BROADCAST_BLOWUP,
    FLIPPED_SIGN, SCALED, ALL_ZERO)


def describe_factor(expected, got) -> str:
    """'about 2' for a result off by a constant factor of 2; '' otherwise."""
    k = constant_factor(expected, got)
    return f"about {fmt_number(k)}" if k is not None else ""
