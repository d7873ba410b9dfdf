"""Diagnoses that apply to any array-valued answer.

A check tries its own registered mistakes first; when none matches, these
recognise mistakes that look the same in every exercise: a finite number where
infinity is the answer, a transposed result or axes in another order, a stray
or missing length-1 axis, accidental broadcasting, a flipped sign, a result off
by a constant factor, integer arithmetic, an all-zero result, normalised or
reduced over the wrong axis, shifted by one position, wrong only at an edge or
on the diagonal, inf/NaN only for large inputs (numerical stability), right
values in the wrong dtype. Relations across cases (right only for square
inputs or a single batch item; a result that changes between calls) are found
by the FunctionCheck itself (see core.py).

A relation is named only when it holds on every failing case and no other
relation does (see :func:`autograder.checks.core._only`).
"""

from __future__ import annotations

import math
from typing import Any

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
    """got is expected with its last two axes swapped (a transpose, batched or not)."""
    if not (_arrays(expected, got) and expected.ndim >= 2 and got.ndim == expected.ndim
            and got.shape == (*expected.shape[:-2], *expected.shape[-2:][::-1])
            and expected.shape[-2] != 1 and expected.shape[-1] != 1):
        return False
    swapped = got.swapaxes(-1, -2)
    tol = _rtol(expected, got)
    if got.shape == expected.shape and compare(expected, expected.swapaxes(-1, -2), rtol=tol,
                                               dtype=None) is None:
        return False  # a symmetric result: its transpose is no evidence
    return compare(expected, swapped, rtol=tol, dtype=None) is None


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


def _flipped_sign(expected, got, case) -> bool | None:
    if not (_arrays(expected, got) and got.shape == expected.shape
            and expected.dtype.kind in "fiu" and got.dtype.kind in "fiu"):
        return False
    if int((abs(expected) > 1e-12).sum()) < 2:
        return None  # one number: cannot tell a sign error from any other error
    return compare(expected, -got, rtol=_rtol(expected, got)) is None


MIN_FACTOR_ENTRIES = 3  # with fewer non-zero entries, any wrong value "is" a factor


def constant_factor(expected, got) -> float | None:
    """k if got == k * expected for a single k != 1 (within tolerance), else None.

    Needs MIN_FACTOR_ENTRIES non-zero expected entries: on one entry every wrong
    value is some multiple of the right one, which is no evidence at all.
    """
    if not _arrays(expected, got) or got.shape != expected.shape:
        return None
    if expected.dtype.kind not in "fiu" or got.dtype.kind not in "fiu":
        return None
    with errstate(all="ignore"):
        e = expected.astype("float64")
        g = got.astype("float64")
        big = abs(e) > 1e-9 * abs(e).max()
        small_where_zero = abs(g[~big]) <= 1e-9 * (abs(g).max() + 1e-300)
        if int(big.sum()) < MIN_FACTOR_ENTRIES or not bool(small_where_zero.all()):
            return None
        ratios = g[big] / e[big]
        k = float(ratios.mean())
        tol = _rtol(expected, got)
        if not math.isfinite(float(abs(ratios).max())) or not math.isfinite(k):
            return None  # inf or nan in the result is a stability problem, not a scale
        if abs(k) < 1e-12 or abs(k - 1) < tol or abs(k + 1) < tol:
            return None
        if float(abs(ratios - k).max()) > tol * abs(k):
            return None
    return k


def _scaled(expected, got, case) -> bool | None:
    if (_arrays(expected, got) and got.shape == expected.shape
            and int((abs(expected) > 0).sum()) < MIN_FACTOR_ENTRIES):
        return None  # too few entries to tell a factor from any other error
    return constant_factor(expected, got) is not None


def _integer_result(expected, got, case) -> bool:
    # Sure only when the integers are the expected fractions with their fractional part
    # dropped (rounded down, toward zero or to the nearest): an integer array of other
    # values (indices, counts) or booleans is some other mistake.
    if not (isinstance(expected, ndarray) and isinstance(got, ndarray)
            and expected.dtype.kind == "f" and got.dtype.kind in "iu"
            and got.shape == expected.shape and not _right_values(expected, got)):
        return False
    import numpy as _np  # after integrity.verify(): the functions are NumPy's own

    if not bool(_np.isfinite(expected).all()):
        return False
    return any(bool(_np.array_equal(got, drop(expected)))
               for drop in (_np.floor, _np.trunc, _np.rint))


def _all_zero(expected, got, case) -> bool | None:
    if _arrays(expected, got) and got.shape == expected.shape and expected.size < 2:
        return None  # one zero is no pattern
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


def fmt_factor(k: float) -> str:
    """'1.732 (= sqrt(3))', '0.5 (= 1/2)', '3': the factor, and a simple form if it has one."""
    text = fmt_number(k)
    for value, form in ((abs(k), "{}"), (1 / abs(k), "1/{}")):
        for n in range(2, 4097):
            if abs(value - n) < 1e-4 * n:
                return text if form == "{}" else f"{text} (= {'-' if k < 0 else ''}1/{n})"
            if abs(value * value - n) < 1e-4 * n and round(n ** 0.5) ** 2 != n:
                root = form.format(f"sqrt({n})")
                return f"{text} (= {'-' if k < 0 else ''}{root})"
            if n > max(value, value * value) * 1.01 + 1:
                break
    return text


def describe_factor(expected, got) -> str:
    """'about 2' for a result off by a constant factor of 2; '' otherwise."""
    k = constant_factor(expected, got)
    return f"about {fmt_number(k)}" if k is not None else ""


# -- structural relations: how a wrong array relates to the right one ------------------
# Each detector is evidence-based: it fires only when the relation holds exactly (within
# tolerance) and the data could have shown otherwise; the check names a relation only
# when it holds on every failing case and no other relation does.

def _rtol(expected, got) -> float:
    """1e-5, or float32 round-off when either side is float32 (or lower)."""
    low = any(getattr(x, "dtype", None) is not None and x.dtype.kind in "fc"
              and x.dtype.itemsize <= (8 if x.dtype.kind == "c" else 4) for x in (expected, got))
    return 4 * 512 * 2.0 ** -23 if low else 1e-5


def _floats(x):
    return x.astype("complex128" if x.dtype.kind == "c" else "float64")


def _numeric(expected, got) -> bool:
    return (_arrays(expected, got) and expected.dtype.kind in "fiucb"
            and got.dtype.kind in "fiucb")


def _right_values(expected, got) -> bool:
    return (_arrays(expected, got) and got.shape == expected.shape
            and compare(expected, got, rtol=_rtol(expected, got), atol=1e-8, dtype=None) is None)


def _close_mask(expected, got):
    """Entry-wise: got agrees with expected (NaN with NaN, inf with the same inf)."""
    with errstate(all="ignore"):
        e, g = _floats(expected), _floats(got)
        close = abs(g - e) <= 1e-8 + _rtol(expected, got) * abs(e)
        return close | ((e != e) & (g != g)) | ((abs(e) == math.inf) & (e == g))


def axis_word(ndim: int, axis: int, plural: bool = False) -> str:
    """'row'/'column' for a 2-D array, else 'position along axis k'."""
    if ndim == 2:
        word = ("rows", "columns")[axis] if plural else ("row", "column")[axis]
        return word
    return f"positions along axis {axis}" if plural else f"position along axis {axis}"


def _permutation(expected, got):
    """The axis order p (not the identity) with got == expected.transpose(p), or None."""
    if not (_numeric(expected, got) and expected.ndim >= 3 and got.ndim == expected.ndim
            and sorted(got.shape) == sorted(expected.shape)):
        return None
    import itertools

    found = []
    for p in itertools.permutations(range(expected.ndim)):
        if p == tuple(range(expected.ndim)):
            continue
        moved = expected.transpose(p)
        if moved.shape == got.shape and compare(moved, got, rtol=_rtol(expected, got),
                                                dtype=None) is None:
            if compare(moved, expected, rtol=1e-5, dtype=None) is not None \
                    or moved.shape != expected.shape:
                found.append(p)
    return found[0] if len(found) == 1 else None


def _axes_permuted(expected, got, case) -> bool:
    p = _permutation(expected, got)
    last_two = tuple(range(expected.ndim - 2)) + (expected.ndim - 1, expected.ndim - 2)
    return p is not None and p != last_two  # the last two swapped is a transpose


def _sums_to_one(x, axis: int) -> bool:
    with errstate(all="ignore"):
        s = _floats(x).sum(axis=axis)
        return bool((abs(s - 1) <= 1e-5).all())


def _normalised_axes(expected, got):
    """(right axis, your axis) when got sums to 1 along another axis than expected does."""
    if not (_numeric(expected, got) and got.shape == expected.shape and expected.ndim >= 2):
        return None
    if expected.dtype.kind == "c" or bool((_floats(expected) < -1e-12).any()):
        return None
    right = [a for a in range(expected.ndim) if expected.shape[a] > 1
             and _sums_to_one(expected, a)]
    yours = [a for a in range(got.ndim) if got.shape[a] > 1 and _sums_to_one(got, a)]
    if len(right) != 1 or len(yours) != 1 or right == yours:
        return None
    if _sums_to_one(got, right[0]):
        return None
    return right[0], yours[0]


def _other_axis_normalised(expected, got, case) -> bool:
    return _normalised_axes(expected, got) is not None


_REDUCTIONS = ("sum", "mean", "max", "min", "std", "var", "prod")


def _reduction(x, how: str, axis: int, keepdims: bool):
    with errstate(all="ignore"):
        return getattr(_floats(x), how)(axis=axis, keepdims=keepdims)


def _reduced_axes(expected, got, case):
    """(how, right axis, your axis) when got is the same reduction of the input over
    another axis, else None. Uses the case's first array input."""
    if case is None or not case.args or not isinstance(case.args[0], ndarray):
        return None
    x = case.args[0]
    if not (isinstance(expected, ndarray) and isinstance(got, ndarray) and x.ndim >= 2
            and x.dtype.kind in "fiu" and x.size > 0 and expected.ndim < x.ndim + 1):
        return None
    found = []
    for how in _REDUCTIONS:
        for keep in (False, True):
            right = [a for a in range(x.ndim)
                     if compare(_reduction(x, how, a, keep), expected, rtol=1e-6,
                                dtype=None) is None]
            if len(right) != 1:
                continue
            yours = [a for a in range(x.ndim) if a != right[0]
                     and compare(_reduction(x, how, a, keep), got, rtol=1e-6,
                                 dtype=None) is None]
            if len(yours) == 1:
                found.append((how, right[0], yours[0]))
    return found[0] if len(set(found)) == 1 else None


def _reduced_other_axis(expected, got, case) -> bool:
    return _reduced_axes(expected, got, case) is not None


def _shift(expected, got):
    """(axis, step) when got is expected shifted by one position along an axis."""
    if not (_numeric(expected, got) and got.shape == expected.shape):
        return None
    found: list = []
    tol = _rtol(expected, got)
    for axis in range(expected.ndim):
        n = expected.shape[axis]
        if n < 3:
            continue
        e, g = _floats(expected), _floats(got)
        first = [slice(None)] * e.ndim
        rest = [slice(None)] * e.ndim
        first[axis], rest[axis] = slice(0, n - 1), slice(1, n)
        lo, hi = tuple(first), tuple(rest)
        if compare(e[lo], e[hi], rtol=tol) is None:
            continue  # constant along this axis: a shift would change nothing
        if compare(e[lo], g[hi], rtol=tol, dtype=None) is None:
            found.append((axis, 1))   # your entry i is the right entry i - 1
        elif compare(e[hi], g[lo], rtol=tol, dtype=None) is None:
            found.append((axis, -1))  # your entry i is the right entry i + 1
    return found[0] if len(found) == 1 else None


def _shifted(expected, got, case) -> bool | None:
    if (_numeric(expected, got) and got.shape == expected.shape
            and max(expected.shape, default=0) < 3):
        return None  # too short to see a shift
    return _shift(expected, got) is not None


def _edge(expected, got):
    """'the first row' etc. when got is right everywhere except one edge, else None."""
    if not (_numeric(expected, got) and got.shape == expected.shape and expected.size >= 4):
        return None
    bad = ~_close_mask(expected, got)
    n_bad = int(bad.sum())
    if n_bad == 0 or n_bad > expected.size // 2:
        return None
    found = []
    for axis in range(expected.ndim):
        n = expected.shape[axis]
        if n < 3:
            continue
        for index, name in ((0, "first"), (n - 1, "last")):
            outside = bad.copy()
            where: list[Any] = [slice(None)] * expected.ndim
            where[axis] = index
            outside[tuple(where)] = False
            if not outside.any():
                found.append(f"the {name} {axis_word(expected.ndim, axis)}"
                             if expected.ndim > 1 else f"the {name} entry")
    if expected.ndim >= 2 and expected.shape[-1] == expected.shape[-2] >= 3:
        import numpy as _np  # the identity mask only; values are compared above

        diag = _np.broadcast_to(_np.eye(expected.shape[-1], dtype=bool), expected.shape)
        if not (bad & ~diag).any() and n_bad >= 2:
            found.append("the diagonal")
    return found[0] if len(found) == 1 else None


def _wrong_at_an_edge(expected, got, case) -> bool | None:
    if _numeric(expected, got) and got.shape == expected.shape and expected.size < 4:
        return None  # too small to have an inside and an edge
    where = _edge(expected, got)
    return where is not None and where != "the diagonal"


def _wrong_on_diagonal(expected, got, case) -> bool | None:
    if (_numeric(expected, got) and got.shape == expected.shape
            and (expected.ndim < 2 or min(expected.shape[-2:]) < 3)):
        return None  # no diagonal to speak of
    return _edge(expected, got) == "the diagonal"


EXTREME_INPUT = 50.0  # |x| above this makes exp(x) overflow float32 (88) soon after


def _largest_input(case) -> float:
    if case is None:
        return 0.0
    largest = 0.0
    for a in (*case.args, *case.kwargs.values()):
        try:
            if isinstance(a, ndarray) and a.dtype.kind in "fiu" and a.size:
                with errstate(all="ignore"):
                    v = abs(a.astype("float64"))
                    v = v[v < math.inf]
                    if v.size:
                        largest = max(largest, float(v.max()))
            elif isinstance(a, (int, float)) and not isinstance(a, bool):
                largest = max(largest, abs(float(a)) if math.isfinite(a) else 0.0)
        except Exception:
            continue
    return largest


def _unstable(expected, got, case) -> bool:
    if not (_numeric(expected, got) and got.shape == expected.shape):
        return False
    with errstate(all="ignore"):
        e, g = _floats(expected), _floats(got)
        e_finite = abs(e) < math.inf
        g_bad = ~(abs(g) < math.inf)
        if not e_finite.all() or not g_bad.any():
            return False
        ok = _close_mask(expected, got)
    return bool((ok | g_bad).all()) and _largest_input(case) >= EXTREME_INPUT


def _wrong_dtype(expected, got, case) -> bool:
    return (_arrays(expected, got) and got.shape == expected.shape
            and got.dtype != expected.dtype and _right_values(expected, got))


AXES_PERMUTED = Mistake(
    "axes in the wrong order",
    "Your result holds the right numbers, but its axes are in a different order (like a "
    "transpose, for an array with more than two axes).",
    "Compare your result's .shape with the docstring, axis by axis; np.transpose(x, axes) or "
    "x.swapaxes(i, j) puts them in order. Check which axis each of your operations works on.",
    detect=_axes_permuted)
OTHER_AXIS_NORMALISED = Mistake(
    "normalised over the wrong axis",
    "Your result adds up to 1 along a different axis than it should: for example each column "
    "sums to 1 where each row should.",
    "Look at the axis= of your sum (and max) and keep the result's dimensions with "
    "keepdims=True, so it divides along the axis the docstring names.",
    detect=_other_axis_normalised)
REDUCED_OTHER_AXIS = Mistake(
    "reduced over the wrong axis",
    "Your result is the right kind of summary (a sum, mean, max...) of the input, but taken "
    "along a different axis than the exercise asks for.",
    "axis=0 goes down the rows (one result per column); axis=1 goes along each row (one "
    "result per row). Check which one the docstring describes.",
    detect=_reduced_other_axis)
SHIFTED = Mistake(
    "shifted by one position",
    "Your numbers are right but sit one position away from where they belong, a classic "
    "off-by-one: an index, a slice bound or a range() that starts or ends one too early "
    "or too late.",
    "Write out by hand which input positions produce output position 0, 1 and the last one, "
    "and compare with your indices and slice bounds.",
    detect=_shifted)
WRONG_AT_AN_EDGE = Mistake(
    "wrong only at an edge",
    "Your result is right everywhere except along one edge (its first or last row, column or "
    "entry), so the main computation is right and the boundary case is not.",
    "Look at how your code starts or ends: the first step of a loop, a slice such as x[1:] "
    "or x[:-1], or a special case for the first or last position.",
    detect=_wrong_at_an_edge)
WRONG_ON_DIAGONAL = Mistake(
    "wrong only on the diagonal",
    "Your result is right everywhere except on its diagonal (the entries [i, i]).",
    "The diagonal pairs each item with itself: check what your formula gives when both "
    "indices are the same (a distance to itself, a self-comparison, a mask including i == j).",
    detect=_wrong_on_diagonal)
NUMERICALLY_UNSTABLE = Mistake(
    "numerically unstable for large inputs",
    "Your result is right wherever it is finite, but it becomes inf or NaN for this case, "
    "whose inputs include large numbers. Mathematically your formula is fine; in floating "
    "point an intermediate value overflowed (np.exp(100) is already 2.7e43, and float32 "
    "overflows above exp(88)).",
    "Rewrite the computation so no intermediate value gets huge: for example subtract the "
    "maximum before np.exp (the result does not change), or use np.logaddexp / log-sum-exp.",
    detect=_unstable)
WRONG_DTYPE = Mistake(
    "right values in the wrong dtype",
    "Your numbers are right, but the array has a different dtype than the exercise asks for "
    "(for example float64 where float32 was asked for, or floats where counts should be "
    "integers).",
    "Create the result with the dtype the docstring names (np.zeros(n, dtype=...)), or convert "
    "at the end with .astype(...); operations between float32 and a float64 array give float64.",
    detect=_wrong_dtype)

GENERIC_MISTAKES = (*GENERIC_MISTAKES, AXES_PERMUTED, OTHER_AXIS_NORMALISED,
                    REDUCED_OTHER_AXIS, SHIFTED, WRONG_AT_AN_EDGE, WRONG_ON_DIAGONAL,
                    NUMERICALLY_UNSTABLE, WRONG_DTYPE)


def relation_detail(mistake: Mistake, expected, got, case=None) -> str:
    """One line with the specifics of a structural diagnosis ('' if it has none)."""
    try:
        if mistake is SCALED:
            k = constant_factor(expected, got)
            return f"your result / expected = about {fmt_factor(k)}" if k is not None else ""
        if mistake is AXES_PERMUTED:
            p = _permutation(expected, got)
            return (f"your shape {tuple(got.shape)} is the expected {tuple(expected.shape)} with "
                    f"its axes in the order {p}") if p is not None else ""
        if mistake is OTHER_AXIS_NORMALISED:
            axes = _normalised_axes(expected, got)
            if axes is None:
                return ""
            right, yours = axes
            if expected.ndim == 2:
                each = {0: "each column", 1: "each row"}
                return f"{each[yours]} of your result sums to 1; {each[right]} should"
            return f"your result sums to 1 along axis {yours}; it should along axis {right}"
        if mistake is REDUCED_OTHER_AXIS:
            found = _reduced_axes(expected, got, case)
            if found is None:
                return ""
            how, right, yours = found
            return (f"your result is the {how} over axis {yours} of the input; the {how} over "
                    f"axis {right} is expected")
        if mistake is SHIFTED:
            found = _shift(expected, got)
            if found is None:
                return ""
            axis, step = found
            where = axis_word(expected.ndim, axis) if expected.ndim > 1 else "entry"
            sign = "-" if step == 1 else "+"
            return (f"your {where} i holds the expected {where} i {sign} 1")
        if mistake in (WRONG_AT_AN_EDGE, WRONG_ON_DIAGONAL):
            where = _edge(expected, got)
            return f"every entry is right except {'on' if where == 'the diagonal' else 'in'} " \
                f"{where}" if where else ""
        if mistake is NUMERICALLY_UNSTABLE:
            return (f"the largest input of this case is about {fmt_number(_largest_input(case))}"
                    if case is not None else "")
        if mistake is WRONG_DTYPE:
            return ""  # the mismatch line already names both dtypes
    except Exception:
        return ""
    return ""


# -- relations across cases (found by FunctionCheck, which sees every case) ------------

def _never(expected, got, case) -> bool:
    return False


SQUARE_ONLY = Mistake(
    "right only for square inputs",
    "Your function gives the right answer for every square input and fails for every "
    "rectangular one, so somewhere it uses one dimension where the other belongs (a "
    "transpose, or a shape[0] that should be shape[1]).",
    "Take a 2x3 input and write the shape of every intermediate array next to your code; "
    "the first one that disagrees with the docstring is the bug.",
    detect=_never)
SINGLE_BATCH_ONLY = Mistake(
    "right only for a single batch item",
    "Your function is right when the batch holds one item and wrong when it holds several, "
    "so the batch axis gets mixed into the computation (a reduction, reshape or transpose "
    "over the wrong axis, or an operation that treats the batch as one long sequence).",
    "Check every axis= and reshape with the batch axis in mind: use axis=-1 (or the named "
    "axis) rather than axis=0, and reshape with the batch size kept first.",
    detect=_never)
STATEFUL = Mistake(
    "a result that depends on earlier calls",
    "Called twice with the same input, your function returned different results, so it "
    "keeps something between calls and adds to it (a list or array created outside the "
    "function, a default argument such as acc=[], or an array updated in place with +=).",
    "Create every accumulator inside the function, so each call starts fresh.",
    detect=_never)


def _arrays_of(case, min_ndim: int) -> list:
    return [a for a in (*case.args, *case.kwargs.values())
            if isinstance(a, ndarray) and a.ndim >= min_ndim]


def is_square(case) -> bool | None:
    """True if every 2-D (or more) array input is square in its last two axes; None if none."""
    arrays = _arrays_of(case, 2)
    if not arrays:
        return None
    return all(a.shape[-1] == a.shape[-2] for a in arrays)


def is_single_batch(case) -> bool | None:
    """True if every 3-D (or more) array input has one item on axis 0; None if none."""
    arrays = _arrays_of(case, 3)
    if not arrays:
        return None
    return all(a.shape[0] == 1 for a in arrays)


# One square case may pass by luck (a zero row, a symmetric input): that is no pattern.
MIN_SQUARE_PASSES = 2


def cross_case_pattern(cases, failing: list[bool]) -> Mistake | None:
    """SQUARE_ONLY / SINGLE_BATCH_ONLY when the failures are exactly the non-square /
    several-item cases, else None.

    SQUARE_ONLY needs MIN_SQUARE_PASSES passing square cases and a failing one;
    SINGLE_BATCH_ONLY needs a passing and a failing case, and the caller must still
    confirm it item by item (see split_batch) before naming it.
    """
    found = []
    for mistake, kind in ((SQUARE_ONLY, is_square), (SINGLE_BATCH_ONLY, is_single_batch)):
        kinds = [kind(case) for case in cases]
        if None in kinds:
            continue
        passing = sum(1 for bad in failing if not bad)
        needed = MIN_SQUARE_PASSES if mistake is SQUARE_ONLY else 1
        if any(failing) and passing >= needed and all(
                bad != good for bad, good in zip(failing, kinds, strict=True)):
            found.append(mistake)
    return found[0] if len(found) == 1 else None


def split_batch(case) -> list | None:
    """The case cut into one case per batch item, or None if its batch axis is unclear.

    The batch size B is axis 0 of every 3-D (or more) array input (they must agree);
    every array input whose axis 0 has length B (per-item labels and indices too) is
    cut to [i:i+1], and other inputs are kept.
    """
    from .spec import Case

    arrays = _arrays_of(case, 3)
    sizes = {a.shape[0] for a in arrays}
    if len(sizes) != 1:
        return None
    (batch,) = sizes
    if batch < 2:
        return None

    def item(value, i):
        if isinstance(value, ndarray) and value.ndim >= 1 and value.shape[0] == batch:
            return value[i:i + 1]
        return value

    return [Case(f"{case.label}, item {i} alone",
                 tuple(item(a, i) for a in case.args),
                 {k: item(v, i) for k, v in case.kwargs.items()})
            for i in range(batch)]
