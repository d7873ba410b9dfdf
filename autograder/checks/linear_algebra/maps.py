"""Checks for 02_matrices_as_maps: products by hand, composition, geometry, inverses.

The oracles are NumPy's own products (``@``, np.linalg.inv) and explicit
formulas. Cases always include a square matrix, where a transposed or
wrongly ordered product gives wrong numbers instead of a shape error, and a
non-square one, where the shapes themselves tell the directions apart.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from .shared import (
    PRODUCT_BUILTINS,
    HandWrittenCheck,
    attempt,
    case_label,
    expect_raises,
    explain,
    unchanged,
)

# ---------------------------------------------------------------------------
# 2.1 matvec_loops
# ---------------------------------------------------------------------------


def _matvec_with_builtin(A, x):
    return A @ x


USED_PRODUCT = Mistake(
    "used the built-in product",
    "Your results are right, but this exercise is about writing the product yourself, and "
    "your function uses NumPy's own product (@, np.dot, np.matmul or np.einsum).",
    "Write the loops: each entry of the result is a sum of products of numbers. You will "
    "use @ from the next exercise on.",
    example=_matvec_with_builtin)


def _matvec_cases(rng):
    return [Case("a 3x3 matrix", (rng.normal(size=(3, 3)), rng.normal(size=3))),
            Case("a 2x4 matrix (4 inputs, 2 outputs)", (rng.normal(size=(2, 4)),
                                                        rng.normal(size=4))),
            Case("a 4x2 matrix (2 inputs, 4 outputs)", (rng.normal(size=(4, 2)),
                                                        rng.normal(size=2))),
            Case("a float matrix and an integer vector", (np.array([[0.5, 1.5], [2.0, -0.25]]),
                                                          np.array([3, -2])))]


def _matvec_reference(A, x):
    # A correct hand-written submission, organised differently from the exercise's own.
    out = [0.0] * A.shape[0]
    for (i, j), a in np.ndenumerate(A):
        out[i] += a * x[j]
    return np.array(out, dtype=float)


check_matvec_loops = HandWrittenCheck(
    "matvec_loops", lambda A, x: A @ x, _matvec_cases, reference=_matvec_reference,
    forbidden=PRODUCT_BUILTINS, builtin_mistake=USED_PRODUCT,
    mistakes=[
        Mistake("summed down the columns",
                "Your loop computes sum_i A[i, j] * x[i]: it walks down column j instead of "
                "along row i. That is A.T @ x, the product with the transpose (a row vs column "
                "mix-up). For a non-square matrix it fails with an index error.",
                "Entry i of the result is row i of A dotted with x: sum over j of A[i, j] * "
                "x[j]. The loop over j runs over the columns, len(x) of them.",
                variant=lambda A, x: A.T @ x),
        Mistake("multiplied without adding",
                "Your result holds the products A[i, j] * x[j] without adding them up: that "
                "is what `A * x` does (elementwise, broadcast across the rows), not a "
                "matrix-vector product.",
                "Add the products along each row: one number per row.",
                variant=lambda A, x: A * x),
        Mistake("skipped the last column",
                "Your sums leave out the last term: the inner loop stops one column early "
                "(range(n - 1) or range(1, n) instead of range(n)).",
                "range(n) already runs 0, 1, ..., n - 1: all n columns.",
                variant=lambda A, x: A[:, :-1] @ x[:-1]),
        Mistake("integer result array",
                "Your numbers are rounded towards zero: the result array has an integer dtype, "
                "so every float you store in it is cut to a whole number. np.zeros_like(x) "
                "copies the dtype of x, and here x holds integers.",
                "Create the result with a float dtype: np.zeros(n) (float64 by default).",
                variant=lambda A, x: (A @ x).astype(x.dtype)),
    ],
    hint="Result entry i is sum over j of A[i, j] * x[j]; the result has one entry per row "
         "of A.")


# ---------------------------------------------------------------------------
# 2.2 matmul_loops
# ---------------------------------------------------------------------------


def _matmul_with_builtin(A, B):
    return np.matmul(A, B)


def _matmul_cases(rng):
    return [Case("two 3x3 matrices", (rng.normal(size=(3, 3)), rng.normal(size=(3, 3)))),
            Case("A 2x3 and B 3x4", (rng.normal(size=(2, 3)), rng.normal(size=(3, 4)))),
            Case("a column times a row: A 4x1, B 1x3", (rng.normal(size=(4, 1)),
                                                        rng.normal(size=(1, 3)))),
            Case("a row times a column: A 1x3, B 3x1", (rng.normal(size=(1, 3)),
                                                        rng.normal(size=(3, 1))))]


def _matmul_reference(A, B):
    # Column by column: column j of A @ B is A times column j of B.
    out = np.zeros((A.shape[0], B.shape[1]))
    for j in range(B.shape[1]):
        for k in range(A.shape[1]):
            out[:, j] += A[:, k] * B[k, j]
    return out


check_matmul_loops = HandWrittenCheck(
    "matmul_loops", lambda A, B: A @ B, _matmul_cases, reference=_matmul_reference,
    forbidden=PRODUCT_BUILTINS,
    builtin_mistake=Mistake(
        "used the built-in product",
        "Your results are right, but this exercise is about writing the product yourself, "
        "and your function uses NumPy's own product (@, np.dot, np.matmul or np.einsum).",
        "Three nested loops: over rows i of A, columns j of B, and the shared index k.",
        example=_matmul_with_builtin),
    mistakes=[
        Mistake("multiplied in the wrong order",
                "Your result is B @ A, not A @ B. Matrix products do not commute: A @ B "
                "means 'apply B first, then A', and entry [i, j] pairs row i of *A* with "
                "column j of *B*.",
                "Entry [i, j] of A @ B is sum over k of A[i, k] * B[k, j].",
                variant=lambda A, B: B @ A),
        Mistake("elementwise product",
                "Your result is the elementwise product A * B: entry [i, j] is A[i, j] * "
                "B[i, j]. In NumPy `*` multiplies entry by entry; the matrix product is "
                "`@`, and its entries are sums over a shared index.",
                "Entry [i, j] is a sum of n products, sum over k of A[i, k] * B[k, j].",
                variant=lambda A, B: A * B),
        Mistake("skipped the last term of each sum",
                "Each entry leaves out its last product: the loop over the shared index k "
                "stops one step early.",
                "k runs over all columns of A (= all rows of B): range(A.shape[1]).",
                variant=lambda A, B: A[:, :-1] @ B[:-1]),
        Mistake("result transposed",
                "Your result is (A @ B).T: you filled entry [j, i] where [i, j] belongs.",
                "The result has shape (rows of A, columns of B); write result[i, j].",
                variant=lambda A, B: (A @ B).T),
    ],
    hint="Result[i, j] = sum over k of A[i, k] * B[k, j]; shape (A rows, B columns).")


# ---------------------------------------------------------------------------
# 2.3 matmul_broadcast
# ---------------------------------------------------------------------------


def _matmul_via_rows(A, B):
    # A correct loop-free, @-free submission, unlike the exercise's own.
    return np.add.reduce(np.multiply.outer(A, B).diagonal(axis1=1, axis2=2), axis=-1)


check_matmul_broadcast = HandWrittenCheck(
    "matmul_broadcast", lambda A, B: A @ B, _matmul_cases,
    no_loops=True, reference=_matmul_via_rows, forbidden=PRODUCT_BUILTINS,
    builtin_mistake=Mistake(
        "used the built-in product",
        "Your results are right, but this exercise asks for broadcasting and a sum, and your "
        "function uses NumPy's own product (@, np.dot, np.matmul or np.einsum).",
        "Build the (m, n, p) array of all products A[i, k] * B[k, j] with new axes, then "
        "sum out k.",
        example=_matmul_with_builtin),
    mistakes=[
        Mistake("summed over the wrong axis",
                "You built the products A[:, :, None] * B[None, :, :] (shape (m, n, p), with "
                "k in the middle) but summed over axis 0, the rows of A. The shared index k "
                "is axis 1.",
                "Sum over the axis that holds k: axis=1 in that layout.",
                variant=lambda A, B: (A[:, :, None] * B[None, :, :]).sum(axis=0)),
        Mistake("B not transposed",
                "You multiplied row i of A with *row* j of B (A[:, None, :] * B[None, :, :]), "
                "which is A @ B.T. The product needs the columns of B.",
                "Pair A[i, k] with B[k, j]: put new axes so that k lines up, e.g. "
                "A[:, :, None] * B[None, :, :] and sum over axis 1.",
                variant=lambda A, B: (A[:, None, :] * B[None, :, :]).sum(axis=-1)),
        Mistake("elementwise product",
                "Your result is A * B, the elementwise product, not the matrix product.",
                "The matrix product sums over a shared index; `*` alone does not.",
                variant=lambda A, B: A * B),
    ],
    hint="A[:, :, None] has shape (m, n, 1) and B[None, :, :] has shape (1, n, p); their "
         "product holds every A[i, k] * B[k, j].")


# ---------------------------------------------------------------------------
# 2.4 compose
# ---------------------------------------------------------------------------


def _rotation_matrix(theta):
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


check_compose = FunctionCheck(
    "compose", lambda first, second: second @ first,
    lambda rng: [
        Case("first a rotation by 90 degrees, then a shear",
             (_rotation_matrix(math.pi / 2), np.array([[1.0, 1.5], [0.0, 1.0]]))),
        Case("two random 3x3 maps", (rng.normal(size=(3, 3)), rng.normal(size=(3, 3)))),
        Case("first 2-D to 3-D (3x2), then 3-D to 4-D (4x3)",
             (rng.normal(size=(3, 2)), rng.normal(size=(4, 3)))),
    ],
    mistakes=[
        Mistake("composed in the wrong order",
                "Your matrix is first @ second, which applies `second` first. For a column "
                "vector x, (B @ A) @ x = B @ (A @ x): the matrix next to x acts first, so "
                "'first A, then B' is B @ A.",
                "Read the product right to left: second @ first.",
                variant=lambda first, second: first @ second),
        Mistake("elementwise product",
                "Your result is the elementwise product first * second. Composing maps is a "
                "matrix product.",
                "Use @.",
                variant=lambda first, second: first * second),
    ],
    hint="Applying `first` and then `second` to x gives second @ (first @ x).")


# ---------------------------------------------------------------------------
# 2.5 rotation
# ---------------------------------------------------------------------------


check_rotation = FunctionCheck(
    "rotation", _rotation_matrix,
    [Case("theta = pi/6 (30 degrees)", (math.pi / 6,)),
     Case("theta = pi/2 (90 degrees)", (math.pi / 2,)),
     Case("theta = 2.0", (2.0,)),
     Case("theta = -pi/3 (-60 degrees, clockwise)", (-math.pi / 3,))],
    mistakes=[
        Mistake("clockwise",
                "Your matrix rotates clockwise: the minus sign is on the wrong sin. "
                "Counter-clockwise rotation sends e_0 = (1, 0) to (cos t, sin t), the first "
                "column, and e_1 = (0, 1) to (-sin t, cos t), the second column.",
                "The columns of a matrix are the images of the basis vectors: write those "
                "two images as columns.",
                variant=lambda t: _rotation_matrix(-t)),
        Mistake("treated the angle as degrees",
                "You converted theta from degrees to radians, but theta is already in "
                "radians (np.cos and np.sin take radians).",
                "Use theta as it is.",
                variant=lambda t: _rotation_matrix(math.radians(t))),
        Mistake("sin and cos swapped",
                "You swapped sin and cos: your matrix sends (1, 0) to (sin t, cos t), which "
                "is not a rotation by t (for t = 0 it is not even the identity).",
                "At t = 0 the rotation must be the identity: cos on the diagonal.",
                variant=lambda t: np.array([[math.sin(t), -math.cos(t)],
                                            [math.cos(t), math.sin(t)]])),
    ],
    hint="Columns: the image of (1, 0) is (cos t, sin t); the image of (0, 1) is "
         "(-sin t, cos t).")


# ---------------------------------------------------------------------------
# 2.6 reflection
# ---------------------------------------------------------------------------

def _reflection(d):
    # Reflect e_0 and e_1 by the formula r(x) = 2 proj_d(x) - x, then use them as columns.
    dd = float(d[0] * d[0] + d[1] * d[1])
    cols = []
    for e in ([1.0, 0.0], [0.0, 1.0]):
        c = (e[0] * d[0] + e[1] * d[1]) / dd
        cols.append([2 * c * d[0] - e[0], 2 * c * d[1] - e[1]])
    return np.array(cols).T


check_reflection = FunctionCheck(
    "reflection", _reflection,
    [Case("the line along (1, 2)", (np.array([1.0, 2.0]),)),
     Case("the line along (3, 0), the x axis", (np.array([3.0, 0.0]),)),
     Case("the line along (1, -1)", (np.array([1.0, -1.0]),)),
     Case("the line along (0.6, 0.8), a unit vector", (np.array([0.6, 0.8]),))],
    mistakes=[
        Mistake("forgot to normalise the direction",
                "You used d d^T as if d had length 1. For a longer d that stretches "
                "everything along d by |d|^2, so the matrix is not a reflection (it only "
                "works for the unit vector case).",
                "Divide by d . d: R = 2 d d^T / (d . d) - I.",
                variant=lambda d: 2 * np.outer(d, d) - np.eye(2)),
        Mistake("projection, not reflection",
                "Your matrix projects onto the line (it flattens the plane onto it) instead "
                "of reflecting across it.",
                "A reflection moves x to the other side: x -> 2 proj(x) - x.",
                variant=lambda d: np.outer(d, d) / (d @ d)),
        Mistake("reflected across the perpendicular line",
                "Your matrix reflects across the line perpendicular to d (I - 2 d d^T / d.d): "
                "it keeps the perpendicular direction and flips d itself.",
                "Vectors along d must stay put: R @ d == d.",
                variant=lambda d: np.eye(2) - 2 * np.outer(d, d) / (d @ d)),
    ],
    hint="Reflecting x across the line is x -> 2 proj_d(x) - x, and proj_d(x) = d (d . x) / "
         "(d . d).")


# ---------------------------------------------------------------------------
# 2.7 inverse_2x2
# ---------------------------------------------------------------------------

def _is_singular(A) -> bool:
    s = np.linalg.svd(np.asarray(A, dtype=float), compute_uv=False)
    return s[0] == 0 or s[-1] <= 1e-12 * s[0]


def _adjugate(A):
    (a, b), (c, d) = A.tolist()
    return np.array([[d, -b], [-c, a]], dtype=float)


def _det(A):
    (a, b), (c, d) = np.asarray(A, dtype=float).tolist()
    return a * d - b * c


def _inverse_formula(A):
    return _adjugate(A) / _det(A)


def _inverse_exact_zero_test(A):
    det = _det(A)
    if det == 0:
        raise ValueError("matrix is singular")
    return _adjugate(A) / det


def _inverse_absolute_tolerance(A):
    det = _det(A)
    if abs(det) < 1e-10:
        raise ValueError("matrix is singular")
    return _adjugate(A) / det


def _inverse_zero_division(A):
    det = _det(A)
    if det == 0:
        raise ZeroDivisionError("det is 0")
    return _adjugate(A) / det


def _inverse_reference(A):
    a, b, c, d = (float(v) for v in np.asarray(A).ravel())
    scale = max(abs(a), abs(b), abs(c), abs(d))
    det = a * d - b * c
    if scale == 0 or abs(det) <= 1e-12 * scale * scale:
        raise ValueError("the matrix is singular: its determinant is 0, so it has no inverse")
    return np.array([[d / det, -b / det], [-c / det, a / det]])


SINGULAR_NOT_DETECTED = Mistake(
    "singular matrix not detected",
    "Your function returned a result for a singular matrix (determinant 0). A singular map "
    "squashes the plane onto a line or a point, so there is no inverse, and dividing by a "
    "determinant of 0 gives inf or nan.",
    "Compute the determinant first, and if it is (numerically) zero raise "
    "ValueError(\"matrix is singular\") before dividing.",
    example=_inverse_formula)
EXACT_ZERO_TEST = Mistake(
    "exact test for zero",
    "Your function only treats an *exactly* zero determinant as singular. With floats, "
    "0.7 * 0.3 - 0.1 * 2.1 comes out as -2.8e-17, not 0, although the second row is exactly "
    "3 times the first. Dividing by that gives entries around 1e16: garbage.",
    "Compare |det| with a tolerance relative to the size of the entries, as the docstring "
    "says: |det| <= 1e-12 * (largest |entry|)**2.",
    example=_inverse_exact_zero_test)
ABSOLUTE_TOLERANCE = Mistake(
    "absolute tolerance",
    "Your function says this matrix is singular, but it is a perfectly good invertible "
    "matrix with small entries: its determinant is small only because the entries are. A "
    "fixed threshold such as 1e-10 does not know the scale of the matrix.",
    "Make the threshold relative to the entries: |det| <= 1e-12 * (largest |entry|)**2. "
    "Scaling A by 1e-6 scales det by 1e-12 and the threshold by the same factor.",
    example=_inverse_absolute_tolerance)
WRONG_ERROR = Mistake(
    "the wrong kind of error",
    "Your function stops on a singular matrix, which is right, but with another exception "
    "than the ValueError the docstring asks for. Callers catch specific exception types, so "
    "the type is part of the contract.",
    "raise ValueError(\"matrix is singular\") when the determinant is (numerically) zero.",
    example=_inverse_zero_division)


def _inverse_cases():
    return [Case("A = [[4, 7], [2, 6]]", (np.array([[4.0, 7.0], [2.0, 6.0]]),)),
            Case("A = [[1, 2], [3, 4]] (negative determinant)", (np.array([[1, 2], [3, 4]]),)),
            Case("A = [[0.5, -1.5], [2.5, 0.25]]", (np.array([[0.5, -1.5], [2.5, 0.25]]),)),
            Case("a well-behaved matrix with tiny entries (around 1e-6)",
                 (1e-6 * np.array([[2.0, 1.0], [-1.0, 3.0]]),)),
            Case("the singular matrix [[1, 2], [2, 4]]", (np.array([[1, 2], [2, 4]]),)),
            Case("the singular matrix [[0.7, 0.1], [2.1, 0.3]] (row 2 = 3 x row 1)",
                 (np.array([[0.7, 0.1], [2.1, 0.3]]),)),
            Case("a well-behaved matrix with entries around 1e-8",
                 (1e-8 * np.array([[1.0, -2.0], [3.0, 0.5]]),)),
            Case("a well-behaved matrix with entries around 1e6",
                 (1e6 * np.array([[2.0, 1.0], [1.0, 3.0]]),)),
            Case("a singular matrix with entries around 1e8 (row 2 = 3 x row 1)",
                 (7e8 * np.array([[0.7, 0.1], [2.1, 0.3]]),)),
            Case("a singular matrix with entries around 1e-8 (row 2 = 3 x row 1)",
                 (1e-8 * np.array([[0.7, 0.1], [2.1, 0.3]]),)),
            Case("the zero matrix", (np.zeros((2, 2)),))]


def _verify_inverse_2x2(fn, ctx: Context) -> None:
    cases = ctx.cases if ctx.cases is not None else _inverse_cases()
    for i, case in enumerate(cases, 1):
        label = case_label(ctx, i, len(cases), case)
        A = np.asarray(case.args[0], dtype=float)
        if _is_singular(A):
            returned = SINGULAR_NOT_DETECTED if _det(A) == 0 else EXACT_ZERO_TEST
            expect_raises(ctx, fn, case, label, words=("singular", "invert", "inverse",
                                                       "determinant", "det"),
                          returned=returned, wrong_error=WRONG_ERROR)
            continue
        result, args, _, exc = attempt(fn, case)
        if isinstance(exc, ValueError):
            tiny = float(np.abs(A).max()) < 1e-3
            ctx.fail(label, [f"your function raised ValueError ({exc}), but this matrix is "
                             f"invertible: its determinant is {_det(A):.3g}"],
                     mistake=ABSOLUTE_TOLERANCE if tiny else None,
                     hint=None if tiny else "Only a (numerically) zero determinant makes a "
                     "matrix singular.")
        if exc is not None:
            raise explain(exc, fn, case, ctx.check.name, label, ctx.hidden)
        ctx.expect(np.linalg.inv(A), result, label=label, case=case, fn=fn)
        ctx.require(unchanged(case, args), label,
                    ["your result is right, but your function changed the matrix it was given"],
                    hint="Work on new arrays; do not assign into A.")
    ctx.passed = len(cases)  # the success line counts cases, as failures do


check_inverse_2x2 = CustomCheck(
    "inverse_2x2", _verify_inverse_2x2, reference=_inverse_reference, rtol=1e-9, atol=0.0,
    mistakes=[
        Mistake("forgot to divide by the determinant",
                "Your matrix is the adjugate [[d, -b], [-c, a]] without the division by the "
                "determinant ad - bc. Multiplying it by A gives det * I, not I.",
                "Divide every entry by ad - bc.",
                variant=lambda A: _adjugate(np.asarray(A, dtype=float))),
        Mistake("swapped the wrong entries",
                "You negated b and c, but left a and d where they were. The inverse swaps "
                "the two diagonal entries: [[d, -b], [-c, a]] / (ad - bc).",
                "Swap a and d; negate b and c; divide by the determinant.",
                variant=lambda A: np.array([[A[0, 0], -A[0, 1]], [-A[1, 0], A[1, 1]]],
                                           dtype=float) / _det(A)),
        Mistake("forgot the minus signs",
                "You swapped a and d but did not negate b and c.",
                "The off-diagonal entries change sign: [[d, -b], [-c, a]] / (ad - bc).",
                variant=lambda A: np.array([[A[1, 1], A[0, 1]], [A[1, 0], A[0, 0]]],
                                           dtype=float) / _det(A)),
        Mistake("transposed",
                "Your result is the transpose of the inverse: b and c are in each other's "
                "places.",
                "Entry [0, 1] of the inverse is -b / det, where b = A[0, 1].",
                variant=lambda A: _inverse_formula(np.asarray(A, dtype=float)).T),
        SINGULAR_NOT_DETECTED, EXACT_ZERO_TEST, ABSOLUTE_TOLERANCE, WRONG_ERROR,
    ],
    hint="inverse([[a, b], [c, d]]) = [[d, -b], [-c, a]] / (ad - bc), and no inverse when "
         "ad - bc is 0.")


# ---------------------------------------------------------------------------
# 2.8 transform_points
# ---------------------------------------------------------------------------

def _transform_points(A, points):
    return np.array([[sum(A[i, j] * p[j] for j in range(A.shape[1]))
                      for i in range(A.shape[0])] for p in points]).reshape(len(points),
                                                                            A.shape[0])


check_transform_points = FunctionCheck(
    "transform_points", _transform_points,
    lambda rng: [
        Case("a shear applied to 2 points",
             (np.array([[1.0, 0.8], [0.0, 1.0]]), np.array([[1.0, 2.0], [-1.0, 0.5]]))),
        Case("a random 2x2 map applied to 5 points", (rng.normal(size=(2, 2)),
                                                      rng.normal(size=(5, 2)))),
        Case("a 3x2 map (plane to space) applied to 4 points", (rng.normal(size=(3, 2)),
                                                                rng.normal(size=(4, 2)))),
    ],
    mistakes=[
        Mistake("applied the transpose",
                "You computed points @ A, which applies A.T to every point. With points "
                "stored as rows, the map x -> A @ x becomes points @ A.T (transpose both "
                "sides of A @ x).",
                "Each row p must become A @ p; for all rows at once that is points @ A.T.",
                variant=lambda A, P: P @ A),
        Mistake("matrix on the wrong side",
                "You computed A @ points, which treats the *columns* of `points` as the "
                "vectors. Here every row is a point. (For 2 points in the plane this runs "
                "and gives wrong numbers; otherwise it is a shape error.)",
                "Rows are points: points @ A.T, or (A @ points.T).T.",
                variant=lambda A, P: A @ P),
        Mistake("points as columns",
                "Your result holds the transformed points as columns (shape (m, n)): "
                "A @ points.T without transposing back.",
                "Transpose back so that each row is one point: (A @ points.T).T.",
                variant=lambda A, P: A @ P.T),
    ],
    hint="Rows are points. For one point p the image is A @ p; for all rows at once, "
         "points @ A.T.")
