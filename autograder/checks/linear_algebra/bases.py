"""Checks for 04_bases_and_rank: coordinates, change of basis, bases, RREF, null spaces.

The RREF oracle works in exact rational arithmetic (fractions.Fraction) on
integer matrices, so it shares nothing with a learner's floating-point
elimination. A null space has many bases, so :data:`check_null_space` tests
what makes a set of vectors a basis of it (right count, inside the null
space, independent) instead of comparing with one answer.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from .shared import attempt, case_label, explain

# ---------------------------------------------------------------------------
# 4.1 coordinates
# ---------------------------------------------------------------------------

check_coordinates = FunctionCheck(
    "coordinates", lambda basis, v: np.linalg.solve(basis, v),
    lambda rng: [
        Case("the basis (2, 1), (-1, 1) and v = (3, 3)",
             (np.array([[2.0, -1.0], [1.0, 1.0]]), np.array([3.0, 3.0]))),
        Case("a random basis of 3-D space", (rng.normal(size=(3, 3)) + np.eye(3),
                                             rng.normal(size=3))),
        Case("a rotated orthonormal basis of the plane",
             (np.array([[0.6, -0.8], [0.8, 0.6]]), np.array([1.0, 2.0]))),
    ],
    mistakes=[
        Mistake("basis vectors read as rows",
                "You treated the *rows* of `basis` as the basis vectors. Here every column is "
                "a basis vector, so the coordinates c must satisfy basis @ c = v.",
                "Solve basis @ c = v for c: np.linalg.solve(basis, v).",
                variant=lambda B, v: np.linalg.solve(B.T, v)),
        Mistake("went the wrong way",
                "You computed basis @ v, which reads v as coordinates in the new basis and "
                "gives its standard coordinates: the opposite direction.",
                "You know v in standard coordinates and want c with basis @ c = v: solve that "
                "system.",
                variant=lambda B, v: B @ v),
        Mistake("the transpose as the inverse",
                "You used basis.T @ v. The transpose is the inverse only for an *orthonormal* "
                "basis (perpendicular vectors of length 1); for any other basis it gives "
                "wrong coordinates.",
                "Solve basis @ c = v instead; it works for every basis.",
                variant=lambda B, v: B.T @ v),
    ],
    hint="c are the coordinates of v in the basis if c[0] * b_0 + c[1] * b_1 + ... = v, "
         "i.e. basis @ c = v.")

# ---------------------------------------------------------------------------
# 4.2 change_of_basis
# ---------------------------------------------------------------------------


def _in_basis(A, B):
    return np.linalg.solve(B, A @ B)


check_change_of_basis = FunctionCheck(
    "change_of_basis", _in_basis,
    lambda rng: [
        Case("a shear, in the basis (1, 1), (-1, 2)",
             (np.array([[1.0, 1.0], [0.0, 1.0]]), np.array([[1.0, -1.0], [1.0, 2.0]]))),
        Case("a random 3x3 map in a random basis", (rng.normal(size=(3, 3)),
                                                    rng.normal(size=(3, 3)) + np.eye(3))),
        Case("a stretch, in the basis of its eigenvectors",
             (np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([[1.0, 1.0], [1.0, -1.0]]))),
    ],
    mistakes=[
        Mistake("converted in the wrong direction",
                "You computed B @ A @ inv(B). Read right to left on a coordinate vector c: "
                "first B @ c turns new coordinates into standard ones, then A acts, then "
                "inv(B) turns the result back into new coordinates. That is inv(B) @ A @ B.",
                "inv(B) @ A @ B, best written np.linalg.solve(B, A @ B).",
                variant=lambda A, B: B @ A @ np.linalg.inv(B)),
        Mistake("the transpose as the inverse",
                "You used B.T in place of inv(B). That is only right when the basis is "
                "orthonormal (perpendicular vectors of length 1).",
                "Use the inverse: np.linalg.solve(B, A @ B).",
                variant=lambda A, B: B.T @ A @ B),
        Mistake("forgot to convert back",
                "You computed A @ B: the images of the new basis vectors, in *standard* "
                "coordinates. The matrix in the new basis needs them in new coordinates.",
                "Convert the result back to new coordinates with inv(B) on the left.",
                variant=lambda A, B: A @ B),
    ],
    hint="For new coordinates c: standard vector B @ c, its image A @ B @ c, back in new "
         "coordinates inv(B) @ A @ B @ c.")

# ---------------------------------------------------------------------------
# 4.3 is_basis
# ---------------------------------------------------------------------------


def _rank(V) -> int:
    return int(np.linalg.matrix_rank(np.asarray(V, dtype=float))) if np.size(V) else 0


check_is_basis = FunctionCheck(
    "is_basis", lambda V: V.shape[0] == V.shape[1] and _rank(V) == V.shape[0],
    [Case("3 independent vectors in 3-D", (np.array([[1.0, 0.0, 2.0], [1.0, 1.0, 0.0],
                                                     [0.0, 1.0, 1.0]]),)),
     Case("2 independent vectors in 3-D", (np.array([[1.0, 0.0], [2.0, 1.0], [0.0, 3.0]]),)),
     Case("4 vectors that span 3-D", (np.array([[1.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 1.0],
                                                [0.0, 0.0, 1.0, 1.0]]),)),
     Case("2 vectors in the plane, one twice the other", (np.array([[1, 2], [2, 4]]),)),
     Case("3 vectors in 3-D where the third is the sum of the other two",
          (np.array([[0.1, 0.4, 0.5], [0.2, 0.5, 0.7], [0.3, 0.6, 0.9]]),)),
     Case("2 vectors in the plane", (np.array([[2.0, 0.5], [0.0, 3.0]]),))],
    mistakes=[
        Mistake("only counted the vectors",
                "You only checked that there are as many vectors as dimensions. Three vectors "
                "in 3-D are not a basis if one of them is a combination of the others: they "
                "span only a plane.",
                "Also check that they are independent: the rank must equal the dimension.",
                variant=lambda V: V.shape[0] == V.shape[1]),
        Mistake("only checked independence",
                "You only checked that the vectors are independent. Two independent vectors "
                "in 3-D span only a plane, so they are not a basis of 3-D space.",
                "A basis must also span the space: rank == dimension, with no more vectors "
                "than that.",
                variant=lambda V: _rank(V) == V.shape[1]),
        Mistake("only checked spanning",
                "You only checked that the vectors span the space. Four vectors in 3-D can "
                "span it but are never independent, and a basis must be both.",
                "Also require exactly d vectors (rank == number of vectors == dimension).",
                variant=lambda V: _rank(V) == V.shape[0]),
        Mistake("exact determinant test",
                "You tested det != 0. Rounding makes the determinant of this dependent set "
                "about 1e-17 instead of exactly 0, so the test says 'independent'.",
                "Use np.linalg.matrix_rank, which decides with a tolerance.",
                variant=lambda V: V.shape[0] == V.shape[1] and bool(np.linalg.det(V) != 0)),
    ],
    hint="A basis of d-dimensional space is d vectors that are independent (equivalently, "
         "that span the space): matrix_rank(vectors) == d == number of vectors.")

# ---------------------------------------------------------------------------
# 4.4 rref
# ---------------------------------------------------------------------------


def _rref_exact(A, *, reduce_above=True, scale=True, row_per_column=False):
    """RREF in exact rational arithmetic; the options reproduce classic bugs."""
    M = [[Fraction(x) for x in row] for row in np.asarray(A, dtype=float).tolist()]
    m, n = len(M), len(M[0]) if M else 0
    pivots: list[int] = []
    r = 0
    for j in range(n):
        if r >= m:
            break
        p = next((i for i in range(r, m) if M[i][j] != 0), None)
        if p is None:
            if row_per_column:
                r += 1
            continue
        M[r], M[p] = M[p], M[r]
        if scale:
            M[r] = [x / M[r][j] for x in M[r]]
        for i in range(m):
            if i != r and (reduce_above or i > r) and M[i][j] != 0:
                f = M[i][j] / M[r][j]
                M[i] = [a - f * b for a, b in zip(M[i], M[r], strict=True)]
        pivots.append(j)
        r += 1
    return np.array([[float(x) for x in row] for row in M]).reshape(m, n), pivots


def _rref_reference(A, relative_tol=1e-10):
    # A correct floating-point submission (partial pivoting, relative tolerance).
    R = np.asarray(A, dtype=float).copy()
    m, n = R.shape
    tol = relative_tol * (np.abs(R).max() if R.size else 0.0)
    pivots, r = [], 0
    for j in range(n):
        if r == m:
            break
        p = r + int(np.argmax(np.abs(R[r:, j])))
        if abs(R[p, j]) <= tol:
            R[r:, j] = 0.0
            continue
        R[[r, p]] = R[[p, r]]
        R[r] /= R[r, j]
        others = np.arange(m) != r
        R[others] -= np.outer(R[others, j], R[r])
        pivots.append(j)
        r += 1
    return R, pivots


def _rref_cases():
    return [
        Case("a 3x4 matrix of rank 3", (np.array([[1.0, 2.0, -1.0, 4.0], [2.0, 3.0, 1.0, 1.0],
                                                  [0.0, 1.0, 2.0, -2.0]]),)),
        Case("a 3x4 matrix whose second column is twice the first",
             (np.array([[1.0, 2.0, 1.0, 3.0], [2.0, 4.0, 0.0, 2.0], [3.0, 6.0, 1.0, 5.0]]),)),
        Case("a 3x3 matrix of rank 2", (np.array([[2.0, 4.0, 2.0], [1.0, 3.0, 2.0],
                                                  [3.0, 7.0, 4.0]]),)),
        Case("a tall 4x2 matrix", (np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0],
                                             [7.0, 8.0]]),)),
        Case("a matrix whose first column is zero", (np.array([[0.0, 3.0, 6.0],
                                                               [0.0, 1.0, 4.0]]),)),
        Case("a 2x3 matrix of rank 2 with entries around 1e-6",
             (1e-6 * np.array([[1.0, 2.0, 3.0], [2.0, -1.0, 1.0]]),)),
        Case("a 3x3 matrix of rank 2 with entries around 1e6",
             (1e6 * np.array([[2.0, 4.0, 2.0], [1.0, 3.0, 2.0], [3.0, 7.0, 4.0]]),)),
        Case("a 3x3 matrix of rank 2 with only negative entries",
             (-np.array([[3.0, 1.0, 7.0], [2.0, 4.0, 8.0], [7.0, 9.0, 23.0]]),)),
        Case("a tiny entry above a larger negative one: [[1e-17, 1, 1], [-1, 1, 2]]",
             (np.array([[1e-17, 1.0, 1.0], [-1.0, 1.0, 2.0]]),)),
        Case("the 2x3 zero matrix (rank 0, no pivots)", (np.zeros((2, 3)),)),
        Case("an integer matrix (integers are allowed; R is float)",
             (np.array([[2, 4, 1], [3, 7, 2]]),)),
    ]


check_rref = FunctionCheck(
    "rref", _rref_exact, _rref_cases(), reference=_rref_reference, rtol=1e-9, atol=1e-9,
    mistakes=[
        Mistake("not reduced above the pivots",
                "Your matrix is in row echelon form (zeros below each pivot) but not *reduced*: "
                "there are still nonzero entries above some pivots.",
                "After scaling the pivot row, subtract multiples of it from every other row, "
                "the rows above as well as below.",
                variant=lambda A: _rref_exact(A, reduce_above=False)),
        Mistake("pivots not scaled to 1",
                "Your pivots are not 1. In reduced row echelon form every pivot is 1 (divide "
                "the pivot row by its pivot).",
                "Divide the pivot row by the pivot before clearing the column.",
                variant=lambda A: _rref_exact(A, scale=False)),
        Mistake("pivot columns counted from 1",
                "Your list of pivot columns counts from 1; Python (and this exercise) counts "
                "columns from 0.",
                "Append the column index j itself.",
                variant=lambda A: (_rref_exact(A)[0], [p + 1 for p in _rref_exact(A)[1]])),
        Mistake("exact test for zero",
                "A column that should have no pivot got one: after elimination its entries "
                "are not exactly 0 but rounding leftovers around 1e-16, and your test only "
                "skips a column whose entries are exactly 0. The tiny leftover then became a "
                "pivot and was scaled up to 1.",
                "Treat |entry| <= 1e-10 * (largest |entry| of A) as zero, as the docstring "
                "says.",
                variant=lambda A: _rref_reference(A, relative_tol=0.0)),
        Mistake("moved down a row at a column without a pivot",
                "When a column has no pivot (all zeros at and below the current row), you "
                "still moved on to the next row. The next pivot must go in the *same* row: "
                "only a column that has a pivot uses up a row.",
                "Keep a separate row counter r and increase it only when you find a pivot.",
                variant=lambda A: _rref_exact(A, row_per_column=True)),
    ],
    hint="Column by column: find a pivot at or below row r, swap it up, scale it to 1, clear "
         "the rest of its column, and move to row r + 1.")

# ---------------------------------------------------------------------------
# 4.5 null_space
# ---------------------------------------------------------------------------


def _null_space_svd(A):
    A = np.asarray(A, dtype=float)
    n = A.shape[1]
    if A.size == 0 or not np.abs(A).max() > 0:
        return np.eye(n)
    _, s, vt = np.linalg.svd(A)
    rank = int((s > 1e-10 * s[0]).sum())
    return vt[rank:].T


def _null_space_plus_sign(A):
    R, pivots = _rref_exact(A)
    n = R.shape[1]
    free = [j for j in range(n) if j not in pivots]
    N = np.zeros((n, len(free)))
    for k, f in enumerate(free):
        N[f, k] = 1.0
        for row, p in enumerate(pivots):
            N[p, k] = R[row, f]  # the minus sign is missing
    return N


def _null_space_pivot_columns(A):
    pivots = _rref_exact(A)[1]
    return np.eye(np.shape(A)[1])[:, pivots]


def _null_space_repeated(A):
    N = _null_space_svd(A)
    return np.repeat(N[:, :1], N.shape[1], axis=1) if N.shape[1] > 1 else N


def _null_space_flat(A):
    N = _null_space_svd(A)
    return N[:, 0] if N.shape[1] == 1 else N


AS_ROWS = Mistake(
    "basis vectors as rows",
    "Your result has shape (k, n): one basis vector per *row*. The docstring asks for the "
    "vectors as the columns of an (n, k) array, so that A @ N is all zeros.",
    "Put basis vector j in column j, or transpose your result.",
    example=lambda A: _null_space_svd(A).T)
FLAT = Mistake(
    "a single vector instead of a matrix",
    "For a null space of dimension 1 you returned the vector itself, with shape (n,). Return "
    "an (n, 1) array, so that the result always has one column per basis vector.",
    "N[:, None] or N.reshape(-1, 1) turns a vector into a single column.",
    example=_null_space_flat)
PIVOT_COUNT = Mistake(
    "one vector per pivot column",
    "You returned one vector per *pivot* column. The null space has one basis vector per "
    "*free* column (a column without a pivot): n - rank of them (rank-nullity).",
    "Loop over the free columns f: set x[f] = 1, the other free variables to 0, and solve "
    "for the pivot variables.",
    example=_null_space_pivot_columns)
PLUS_SIGN = Mistake(
    "lost the minus sign",
    "Your vectors are not in the null space: A @ N is not zero. The usual cause is a lost "
    "minus sign: if row i of the RREF says x[p_i] + R[i, f] * x[f] = 0, then with x[f] = 1 "
    "the pivot variable is x[p_i] = -R[i, f].",
    "Check A @ N yourself: every entry should be (close to) 0.",
    example=_null_space_plus_sign)
DEPENDENT = Mistake(
    "dependent vectors",
    "Your vectors lie in the null space and there are the right number of them, but they are "
    "not independent (some column is a combination of the others), so they do not span the "
    "whole null space.",
    "Give each vector a 1 in a *different* free column and 0 in the other free columns: "
    "then they are independent automatically.",
    example=_null_space_repeated)


def _null_space_cases():
    return [
        Case("a 2x3 matrix of rank 2", (np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 4.0]]),)),
        Case("a 3x4 matrix of rank 2", (np.array([[1.0, 2.0, 0.0, 1.0], [2.0, 4.0, 1.0, 4.0],
                                                  [3.0, 6.0, 1.0, 5.0]]),)),
        Case("a 3x3 matrix of rank 1", (np.array([[1.0, -1.0, 2.0], [2.0, -2.0, 4.0],
                                                  [-3.0, 3.0, -6.0]]),)),
        Case("an invertible 3x3 matrix (null space {0})",
             (np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]]),)),
    ]


def _verify_null_space(fn, ctx: Context) -> None:
    cases = ctx.cases if ctx.cases is not None else _null_space_cases()
    for i, case in enumerate(cases, 1):
        label = case_label(ctx, i, len(cases), case)
        A = np.asarray(case.args[0], dtype=float)
        m, n = A.shape
        rank = _rank(A)
        k = n - rank
        N, _, _, exc = attempt(fn, case)
        if exc is not None:
            raise explain(exc, fn, case, ctx.check.name, label, ctx.hidden)
        ctx.require(isinstance(N, np.ndarray), label,
                    [f"your function returned {type(N).__name__}; expected a NumPy array of "
                     f"shape ({n}, {k})"])
        if N.shape == (n,) and k == 1:
            ctx.fail(label, [f"your result has shape {N.shape}, expected ({n}, 1)"],
                     mistake=FLAT)
        if N.ndim == 2 and N.shape == (k, n) and k != n:
            ctx.fail(label, [f"your result has shape {N.shape}, expected ({n}, {k})"],
                     mistake=AS_ROWS)
        ctx.require(N.ndim == 2 and N.shape[0] == n, label,
                    [f"your result has shape {N.shape}; it should have {n} rows (one per "
                     f"column of A) and one column per basis vector"])
        if N.shape[1] != k:
            mistake = PIVOT_COUNT if N.shape[1] == rank and rank != k else None
            ctx.fail(label, [f"your result has {N.shape[1]} basis vectors, but this null space "
                             f"has dimension {k}: A has {n} columns and rank {rank}, and "
                             f"dimension = columns - rank"], mistake=mistake,
                     hint=None if mistake else "One basis vector per free column.")
        ctx.require(bool(np.isfinite(N).all()), label,
                    ["your result contains NaN or infinity"])
        if k == 0:
            ctx.passed += 1
            continue
        scale = (float(np.abs(A).max()) or 1.0) * max(1.0, float(np.abs(N).max()))
        residual = float(np.abs(A @ N).max()) / scale
        shown = [] if ctx.hidden else [f"largest |entry| of A @ N: {residual * scale:.3g}"]
        ctx.require(residual <= 1e-8, label,
                    ["your vectors are not in the null space: A @ N should be all zeros",
                     *shown], mistake=PLUS_SIGN)
        ctx.require(_rank(N) == k, label,
                    [f"your {k} vectors span only a space of dimension {_rank(N)}"],
                    mistake=DEPENDENT)
    ctx.passed = len(cases)  # the success line counts cases, as failures do


check_null_space = CustomCheck(
    "null_space", _verify_null_space, reference=_null_space_svd,
    mistakes=[AS_ROWS, FLAT, PIVOT_COUNT, PLUS_SIGN, DEPENDENT],
    hint="From the RREF: one vector per free column f, with x[f] = 1, the other free "
         "variables 0, and x[p_i] = -R[i, f] for the pivot variables.")
