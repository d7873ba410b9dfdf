"""Checks for 03_linear_systems: back substitution, Gaussian elimination, inverses.

The expected solutions come from np.linalg.solve and np.linalg.inv; whether a
matrix is singular is decided from its singular values (np.linalg.svd), not
by elimination. Known mistakes are buggy eliminations (:func:`_eliminate`
with one thing wrong), so a learner's wrong numbers are matched against what
that bug really produces on the same system.
"""

from __future__ import annotations

import numpy as np

from ..core import Context, CustomCheck
from ..spec import Case, Mistake
from .shared import (
    SOLVERS,
    HandWrittenCheck,
    attempt,
    case_label,
    expect_raises,
    explain,
    require_hand_written,
    unchanged,
)

SINGULAR_WORDS = ("singular", "invertible", "no unique", "not unique", "dependent", "pivot")

# ---------------------------------------------------------------------------
# 3.1 back_substitution
# ---------------------------------------------------------------------------


def _back_substitute(U, c, *, rows=None, divide=True, out_dtype=float, forward=False):
    """Back substitution, optionally with one of the classic bugs."""
    n = len(c)
    x = np.zeros(n, dtype=out_dtype)
    order = rows if rows is not None else range(n - 1, -1, -1)
    if forward:
        order = range(n)
    for i in order:
        total = c[i] - sum(U[i, j] * x[j] for j in range(i + 1, n))
        x[i] = total / U[i, i] if divide else total
    return x


def _back_substitution_reference(U, c):
    # Column-oriented: once x[j] is known, remove its contribution from every row above.
    rhs = np.array(c, dtype=float)
    x = np.zeros(len(rhs))
    for j in reversed(range(len(rhs))):
        x[j] = rhs[j] / U[j, j]
        rhs[:j] -= U[:j, j] * x[j]
    return x


def _back_with_linalg(U, c):
    return np.linalg.solve(U, c)


def _upper(rng, n):
    U = np.triu(rng.normal(size=(n, n)))
    U[np.diag_indices(n)] = rng.uniform(1.0, 3.0, size=n) * rng.choice([-1.0, 1.0], size=n)
    return U


check_back_substitution = HandWrittenCheck(
    "back_substitution", lambda U, c: np.linalg.solve(U, c),
    lambda rng: [
        Case("a 3x3 upper-triangular system", (_upper(rng, 3), rng.normal(size=3))),
        Case("integer entries", (np.array([[2, 1, -1], [0, 3, 2], [0, 0, 4]]),
                                 np.array([1, 2, 3]))),
        Case("a 5x5 upper-triangular system", (_upper(rng, 5), rng.normal(size=5))),
    ],
    reference=_back_substitution_reference, forbidden=SOLVERS, rtol=1e-9, atol=1e-12,
    dtype=None,
    builtin_mistake=Mistake(
        "used np.linalg",
        "Your results are right, but this exercise asks you to write back substitution "
        "yourself, and your function calls np.linalg.",
        "Solve the last equation first, then work upwards, one unknown per row.",
        example=_back_with_linalg),
    mistakes=[
        Mistake("skipped the first row",
                "The last unknown you solve, x[0], is 0 in your result: your loop stops "
                "before row 0. range(n - 1, 0, -1) counts n-1, ..., 1 and never reaches 0.",
                "range(n - 1, -1, -1) (or reversed(range(n))) visits every row from the last "
                "to the first.",
                variant=lambda U, c: _back_substitute(U, c, rows=range(len(c) - 1, 0, -1))),
        Mistake("went from top to bottom",
                "You solved row 0 first. In an upper-triangular system row 0 involves every "
                "unknown, and at that point x[1:] are still 0. Only the *last* row has a "
                "single unknown.",
                "Start at the last row (x[n-1] = c[n-1] / U[n-1, n-1]) and go upwards.",
                variant=lambda U, c: _back_substitute(U, c, forward=True)),
        Mistake("forgot to divide by the diagonal",
                "You subtracted the known terms but did not divide by U[i, i], as if every "
                "diagonal entry were 1.",
                "x[i] = (c[i] - sum_{j > i} U[i, j] x[j]) / U[i, i].",
                variant=lambda U, c: _back_substitute(U, c, divide=False)),
        Mistake("integer result array",
                "Your answer is rounded towards zero on the integer system: the array you store "
                "x in has an integer dtype (np.zeros_like(c) copies c's dtype), so 0.75 is "
                "stored as 0.",
                "Create x with a float dtype: np.zeros(n).",
                variant=lambda U, c: _back_substitute(U, c, out_dtype=np.asarray(c).dtype)),
    ],
    hint="Solve the last row first: x[n-1] = c[n-1] / U[n-1, n-1]; then each row above "
         "has one new unknown.")

# ---------------------------------------------------------------------------
# 3.2 solve (Gaussian elimination with partial pivoting)
# ---------------------------------------------------------------------------


def _eliminate(A, b, *, pivoting="partial", last_row=True, swap_b=True, update_b=True,
               as_float=True, tolerance="relative", error=ValueError, in_place=False):
    """Gaussian elimination + back substitution, correct with the default options.

    Every other option reproduces a known mistake: pivoting "none" or "zero"
    (swap only on an exact zero); last_row=False (the elimination loop stops one
    row early); swap_b / update_b False (b forgotten); as_float=False (works in
    the caller's integer dtype, so assignments truncate); tolerance "exact",
    "absolute" or "none"; error (the exception raised); in_place (works in A and b).
    """
    if not in_place:
        A = A.astype(float) if as_float else A.copy()
        b = b.astype(float) if as_float else b.copy()
    n = len(b)
    scale = float(np.abs(A).max()) if A.size else 0.0
    for k in range(n):
        if pivoting == "partial":
            p = k + int(np.argmax(np.abs(A[k:, k])))
        elif pivoting == "zero" and A[k, k] == 0:
            nonzero = np.flatnonzero(A[k:, k])
            p = k + int(nonzero[0]) if nonzero.size else k
        else:
            p = k
        if p != k:
            A[[k, p]] = A[[p, k]]
            if swap_b:
                b[[k, p]] = b[[p, k]]
        pivot = A[k, k]
        if (tolerance == "relative" and abs(pivot) <= 1e-12 * scale) or \
                (tolerance == "exact" and pivot == 0) or \
                (tolerance == "absolute" and abs(pivot) < 1e-10):
            raise error("matrix is singular")
        for i in range(k + 1, n if last_row else n - 1):
            m = A[i, k] / pivot
            A[i] = A[i] - m * A[k]
            if update_b:
                b[i] = b[i] - m * b[k]
    return _back_substitute(A, b)


def _solve_reference(A, b):
    return _eliminate(A, b)


def _solve_with_linalg(A, b):
    return np.linalg.solve(A, b)


ZERO_PIVOT = Mistake(
    "not handling a zero pivot",
    "This matrix has a 0 where the first pivot goes (A[0, 0] = 0), but it is not singular: "
    "swapping two rows fixes it. Your elimination divides by that 0 (giving inf or nan) or "
    "gives up. A zero pivot only means 'swap in a row from below'.",
    "Before eliminating column k, find the row i >= k with the largest |A[i, k]| and swap "
    "it with row k, in A *and* in b.",
    variant=lambda A, b: _eliminate(A, b, pivoting="none", tolerance="none"))
NO_PARTIAL_PIVOTING = Mistake(
    "no partial pivoting",
    "Your solution is badly wrong on a system whose first pivot is tiny (1e-17) but not "
    "zero. Dividing by it makes multipliers around 1e17, and rounding then wipes out the "
    "information in the other rows. Swapping only when a pivot is exactly 0 is not enough.",
    "Always swap in the row with the largest |entry| in the pivot column (partial "
    "pivoting), not only when the pivot is 0.",
    variant=lambda A, b: _eliminate(A, b, pivoting="zero", tolerance="none"))
LAST_ROW_SKIPPED = Mistake(
    "off by one in the elimination",
    "The last row is never eliminated: your loop over the rows below the pivot stops one "
    "row early (range(k + 1, n - 1)), so the matrix you back-substitute is not upper "
    "triangular.",
    "The rows below pivot k are range(k + 1, n).",
    variant=lambda A, b: _eliminate(A, b, last_row=False))
B_NOT_SWAPPED = Mistake(
    "rows of b not swapped",
    "You swapped rows of A but not the same rows of b, so the equations got mixed up: row "
    "i of A no longer goes with entry i of b.",
    "A row swap swaps whole equations: swap b[k] and b[p] together with A[k] and A[p].",
    variant=lambda A, b: _eliminate(A, b, swap_b=False))
B_NOT_UPDATED = Mistake(
    "row operations not applied to b",
    "You subtracted multiples of the pivot row from the rows of A but not from b. Every "
    "row operation must be done to the whole equation: both sides.",
    "When you do A[i] -= m * A[k], also do b[i] -= m * b[k].",
    variant=lambda A, b: _eliminate(A, b, update_b=False))
INTEGER_ARITHMETIC = Mistake(
    "integer arithmetic",
    "Your elimination ran in the integer dtype of the input. Storing a float such as "
    "3 - 0.5 * 4 into an integer array cuts it to a whole number (or, with -=, NumPy "
    "refuses with a casting error).",
    "Start with float copies: A = A.astype(float), b = b.astype(float). That also leaves "
    "the caller's arrays alone.",
    variant=lambda A, b: _eliminate(A, b, as_float=False))


def _solve_in_place(A, b):
    return _eliminate(A, b, in_place=True) if A.dtype.kind == "f" else _eliminate(A, b)


CHANGED_INPUT = Mistake(
    "changed A or b in place",
    "Your answer is right, but after your function ran, the caller's A or b had changed: "
    "the elimination worked directly in the arrays it was given. The caller may still need "
    "them (to check the answer, or to solve with another b).",
    "Work on copies: A = A.astype(float) makes a new array (and a float one).",
    example=_solve_in_place)
SINGULAR_NOT_DETECTED = Mistake(
    "singular matrix not detected",
    "Your function returned numbers for a singular matrix. A singular system has no "
    "solution or infinitely many, never exactly one, so any numbers returned are "
    "meaningless (here: inf or nan, from dividing by a zero pivot).",
    "After choosing the pivot, if |pivot| <= 1e-12 * (largest |entry| of A), raise "
    "ValueError(\"matrix is singular\").",
    example=lambda A, b: _eliminate(A, b, tolerance="none"))
EXACT_ZERO_TEST = Mistake(
    "exact test for zero",
    "Your function only treats an *exactly* zero pivot as singular. This matrix is singular "
    "(row 3 - row 2 = row 2 - row 1), but rounding leaves a last pivot of about 1e-16 "
    "instead of 0, and dividing by it gives numbers around 1e16.",
    "Use the tolerance from the docstring: |pivot| <= 1e-12 * (largest |entry| of A).",
    example=lambda A, b: _eliminate(A, b, tolerance="exact"))
ABSOLUTE_TOLERANCE = Mistake(
    "absolute tolerance",
    "Your function calls this matrix singular, but it is an ordinary invertible matrix whose "
    "entries are all tiny (around 1e-12). A fixed threshold such as 1e-10 does not know the "
    "scale of the matrix: multiplying a system by 1e-12 does not change its solution.",
    "Make the threshold relative: 1e-12 * (largest |entry| of A).",
    example=lambda A, b: _eliminate(A, b, tolerance="absolute"))
WRONG_ERROR = Mistake(
    "the wrong kind of error",
    "Your function stops on a singular matrix, which is right, but with another exception "
    "than the ValueError the docstring asks for.",
    "raise ValueError(\"matrix is singular\") when a pivot is (numerically) zero.",
    example=lambda A, b: _eliminate(A, b, error=ZeroDivisionError))
USED_LINALG = Mistake(
    "used np.linalg",
    "Your function calls np.linalg, but this exercise is about writing Gaussian elimination "
    "yourself. (np.linalg.solve is what you will use afterwards, and the notebook compares "
    "the two.)",
    "Eliminate column by column with row operations, then call your back_substitution.",
    example=_solve_with_linalg)


def _solve_cases(rng):
    return [
        Case("a 3x3 system", (rng.normal(size=(3, 3)) + 2 * np.eye(3), rng.normal(size=3))),
        Case("a zero where the first pivot goes (A[0, 0] = 0)",
             (np.array([[0.0, 2.0, 1.0], [1.0, 1.0, 1.0], [2.0, 1.0, 3.0]]),
              np.array([1.0, 2.0, 3.0]))),
        Case("a tiny first pivot: A = [[1e-17, 1], [1, 1]], b = [1, 2]",
             (np.array([[1e-17, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0]))),
        Case("integer entries", (np.array([[3, 1, 2], [2, 4, 1], [1, 2, 5]]),
                                 np.array([1, 2, 3]))),
        Case("a 5x5 system", (rng.normal(size=(5, 5)) + 3 * np.eye(5), rng.normal(size=5))),
        Case("a well-behaved 3x3 system with tiny entries (around 1e-12)",
             (1e-12 * np.array([[3.0, 1.0, 0.0], [1.0, 4.0, 1.0], [0.0, 1.0, 5.0]]),
              1e-12 * np.array([1.0, 2.0, 3.0]))),
        Case("the singular matrix [[1, 2], [2, 4]]", (np.array([[1, 2], [2, 4]]),
                                                      np.array([1, 2]))),
        Case("the singular matrix [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]",
             (np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]),
              np.array([1.0, 0.0, 0.0]))),
        Case("a tiny pivot above a negative entry: A = [[1e-17, 1], [-1, 1]], b = [1, 0]",
             (np.array([[1e-17, 1.0], [-1.0, 1.0]]), np.array([1.0, 0.0]))),
        Case("a singular matrix with zero entries (row 2 = 3 x row 1)",
             (np.array([[0.7, 0.1, 0.0], [2.1, 0.3, 0.0], [0.2, 0.5, 1.0]]),
              np.array([1.0, 2.0, 3.0]))),
        Case("a singular matrix with only negative entries",
             (-np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]),
              np.array([1.0, 0.0, 0.0]))),
        Case("the zero matrix (singular, as the docstring says)",
             (np.zeros((2, 2)), np.array([1.0, 1.0]))),
    ]


def is_singular(A: np.ndarray) -> bool:
    """True if A (square) is singular to working precision, judged by its singular values."""
    A = np.asarray(A, dtype=float)
    if A.size == 0:
        return False
    s = np.linalg.svd(A, compute_uv=False)
    return bool(s[0] == 0 or s[-1] <= 1e-12 * s[0])


def _value_error_mistake(A: np.ndarray) -> Mistake | None:
    """Which mistake a ValueError on this (invertible) matrix points to."""
    scale = float(np.abs(A).max())
    if scale < 1e-6:
        return ABSOLUTE_TOLERANCE
    if A[0, 0] == 0 or abs(A[0, 0]) < 1e-8 * scale:
        return ZERO_PIVOT
    return None


def _returned_on_singular(result) -> Mistake:
    """inf/nan means no test at all; finite garbage means a test that missed rounding."""
    try:
        finite = bool(np.isfinite(np.asarray(result, dtype=float)).all())
    except (TypeError, ValueError):
        finite = False
    return EXACT_ZERO_TEST if finite else SINGULAR_NOT_DETECTED


def _verify_solve(fn, ctx: Context) -> None:
    require_hand_written(ctx, fn, SOLVERS, USED_LINALG)
    cases = ctx.cases if ctx.cases is not None else _solve_cases(ctx.rng())
    for i, case in enumerate(cases, 1):
        label = case_label(ctx, i, len(cases), case)
        A, b = case.args[0], case.args[1]
        if is_singular(A):
            expect_raises(ctx, fn, case, label, words=SINGULAR_WORDS,
                          returned=_returned_on_singular, wrong_error=WRONG_ERROR)
            continue
        result, args, _, exc = attempt(fn, case)
        if isinstance(exc, ValueError):
            mistake = _value_error_mistake(np.asarray(A, dtype=float))
            ctx.fail(label, [f"your function raised ValueError ({exc}), but this system has "
                             "exactly one solution"], mistake=mistake,
                     hint=None if mistake else "Only a (numerically) zero pivot *after* "
                     "choosing the largest one in its column means the matrix is singular.")
        if isinstance(exc, TypeError) and "cast" in str(exc) and \
                np.asarray(A).dtype.kind in "iu":
            failure = explain(exc, fn, case, ctx.check.name, label, ctx.hidden)
            failure.mistake, failure.hint = INTEGER_ARITHMETIC, None
            raise failure
        if exc is not None:
            raise explain(exc, fn, case, ctx.check.name, label, ctx.hidden)
        expected = np.linalg.solve(np.asarray(A, dtype=float), np.asarray(b, dtype=float))
        ctx.expect(expected, result, label=label, case=case, fn=fn, dtype=None)
        ctx.require(unchanged(case, args), label,
                    ["your answer is right, but your function changed A or b"],
                    mistake=CHANGED_INPUT)
    ctx.passed = len(cases)  # the success line counts cases, as failures do


check_solve = CustomCheck(
    "solve", _verify_solve, reference=_solve_reference, rtol=1e-8, atol=1e-12,
    mistakes=[NO_PARTIAL_PIVOTING, ZERO_PIVOT, LAST_ROW_SKIPPED, B_NOT_SWAPPED, B_NOT_UPDATED,
              INTEGER_ARITHMETIC, CHANGED_INPUT, SINGULAR_NOT_DETECTED, EXACT_ZERO_TEST,
              ABSOLUTE_TOLERANCE, WRONG_ERROR, USED_LINALG],
    hint="Eliminate column by column with partial pivoting, stop with ValueError on a "
         "(numerically) zero pivot, then back-substitute.")

# ---------------------------------------------------------------------------
# 3.3 inverse
# ---------------------------------------------------------------------------


def _inverse_reference(A):
    n = len(A)
    columns = [_eliminate(A, np.eye(n)[:, j]) for j in range(n)]
    return np.array(columns).T


def _inverse_swallowing_errors(A):
    try:
        return _inverse_reference(A)
    except ValueError:
        return np.zeros(A.shape)


INVERSE_SINGULAR_RETURNED = Mistake(
    "singular matrix not reported",
    "Your function returned an array for a singular matrix, which has no inverse. If your "
    "solve raises ValueError, let that error pass through instead of catching it.",
    "Do not catch the ValueError from solve; a caller must learn that there is no inverse.",
    example=_inverse_swallowing_errors)
INVERSE_WRONG_ERROR = Mistake(
    "the wrong kind of error",
    "On a singular matrix your function raised another exception than ValueError.",
    "Let solve's ValueError pass through.",
    example=lambda A: 1 / 0 if is_singular(A) else _inverse_reference(A))


def _inverse_cases(rng):
    return [Case("A = [[2, 1], [7, 4]]", (np.array([[2.0, 1.0], [7.0, 4.0]]),)),
            Case("a random 4x4 matrix", (rng.normal(size=(4, 4)) + 2 * np.eye(4),)),
            Case("a 3x3 matrix with a zero first pivot",
                 (np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [4.0, -3.0, 8.0]]),)),
            Case("the singular matrix [[1, 2, 3], [2, 4, 6], [1, 0, 1]]",
                 (np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]]),))]


def _verify_inverse(fn, ctx: Context) -> None:
    cases = ctx.cases if ctx.cases is not None else _inverse_cases(ctx.rng())
    for i, case in enumerate(cases, 1):
        label = case_label(ctx, i, len(cases), case)
        A = np.asarray(case.args[0], dtype=float)
        if is_singular(A):
            expect_raises(ctx, fn, case, label, words=SINGULAR_WORDS,
                          returned=INVERSE_SINGULAR_RETURNED, wrong_error=INVERSE_WRONG_ERROR)
            continue
        result, args, _, exc = attempt(fn, case)
        if exc is not None:
            raise explain(exc, fn, case, ctx.check.name, label, ctx.hidden)
        ctx.expect(np.linalg.inv(A), result, label=label, case=case, fn=fn, dtype=None)
        ctx.require(unchanged(case, args), label,
                    ["your result is right, but your function changed A"],
                    hint="Work on copies of A.")
    ctx.passed = len(cases)  # the success line counts cases, as failures do


check_inverse = CustomCheck(
    "inverse", _verify_inverse, reference=_inverse_reference, rtol=1e-8, atol=1e-12,
    mistakes=[
        Mistake("solutions stored as rows",
                "Your result is the transpose of the inverse: you stored the solution of "
                "A x = e_j as row j. The inverse has those solutions as its *columns* (so "
                "that A @ X = I column by column).",
                "Put solution j in column j: X[:, j] = solve(A, e_j), or transpose at the end.",
                variant=lambda A: np.linalg.inv(np.asarray(A, dtype=float)).T),
        Mistake("elementwise reciprocal",
                "You returned 1 / A, the reciprocal of every entry. The inverse matrix is the "
                "matrix X with A @ X = I; 1 / A is a different thing entirely (and A @ (1 / A) "
                "is not I).",
                "Solve A x = e_j for every column e_j of the identity.",
                variant=lambda A: 1 / np.asarray(A, dtype=float)),
        INVERSE_SINGULAR_RETURNED, INVERSE_WRONG_ERROR,
    ],
    hint="Column j of the inverse is the solution of A x = e_j, where e_j is column j of "
         "np.eye(n).")
