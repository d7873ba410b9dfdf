"""Checks for 07_least_squares: projection matrices, design matrices, normal equations, planes.

Oracles: the projection onto a column space is Q Q^T with Q from np.linalg.qr;
least-squares solutions come from np.linalg.lstsq; the plane fit is computed
from centred covariances (a different route from the design-matrix solve the
learner writes).
"""

from __future__ import annotations

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake
from .shared import HandWrittenCheck

# ---------------------------------------------------------------------------
# 7.1 projection_matrix
# ---------------------------------------------------------------------------


def _projection(B):
    Q, _ = np.linalg.qr(np.asarray(B, dtype=float))
    return Q @ Q.T


check_projection_matrix = FunctionCheck(
    "projection_matrix", _projection,
    lambda rng: [
        Case("the line through (1, 2, 2)", (np.array([[1.0], [2.0], [2.0]]),)),
        Case("the plane spanned by (1, 0, 1) and (1, 1, 0)",
             (np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]),)),
        Case("a random plane in 4-D", (rng.normal(size=(4, 2)),)),
    ],
    mistakes=[
        Mistake("forgot (B^T B)^-1",
                "You returned B @ B.T. That is the projection only when the columns of B are "
                "perpendicular and of length 1. For other columns the factor (B^T B)^-1 "
                "undoes their lengths and angles.",
                "P = B @ inv(B.T @ B) @ B.T; better, B @ np.linalg.solve(B.T @ B, B.T).",
                variant=lambda B: B @ B.T),
        Mistake("multiplied by B^T B instead of its inverse",
                "You put B^T B between B and B^T without inverting it.",
                "P = B @ inv(B.T @ B) @ B.T.",
                variant=lambda B: B @ (B.T @ B) @ B.T),
        Mistake("projection onto the complement",
                "You returned I - P, the projection onto the directions *perpendicular* to "
                "the columns of B.",
                "P itself keeps the part in the column space: B @ inv(B.T @ B) @ B.T.",
                variant=lambda B: np.eye(len(B)) - _projection(B)),
        Mistake("only the middle factor",
                "You returned (B^T B)^-1, a k x k matrix. The projection is d x d: it needs B "
                "on the left and B^T on the right.",
                "P = B @ inv(B.T @ B) @ B.T.",
                variant=lambda B: np.linalg.inv(B.T @ B)),
    ],
    hint="P = B (B^T B)^-1 B^T; check P @ P == P and P @ B == B.")

# ---------------------------------------------------------------------------
# 7.2 polynomial_design
# ---------------------------------------------------------------------------


def _design(x, degree):
    return np.array([[float(v) ** p for p in range(degree + 1)] for v in x.tolist()]).reshape(
        len(x), degree + 1)


check_polynomial_design = FunctionCheck(
    "polynomial_design", _design,
    lambda rng: [
        Case("x = [1, 2, 3, 4], degree 2", (np.array([1.0, 2.0, 3.0, 4.0]), 2)),
        Case("6 random points, degree 3", (rng.uniform(-2, 2, size=6), 3)),
        Case("x = [0, 0.5, 2], degree 1 (a line)", (np.array([0.0, 0.5, 2.0]), 1)),
        Case("x = [1.5, -2, 0], degree 0 (only the column of ones)",
             (np.array([1.5, -2.0, 0.0]), 0)),
    ],
    mistakes=[
        Mistake("highest power first",
                "Your columns go from the highest power down to x^0: that is np.vander's "
                "default order. The docstring asks for column j to hold x^j, so that "
                "coefficient w[j] multiplies x^j.",
                "np.vander(x, degree + 1, increasing=True), or build the powers yourself.",
                variant=lambda x, d: np.vander(x, d + 1)),
        Mistake("no constant column",
                "Your columns are x^1 .. x^degree: the column of ones (x^0) is missing, so the "
                "fitted curve is forced through the origin.",
                "Start the powers at 0: x ** 0 is a column of ones.",
                variant=lambda x, d: np.stack([x ** p for p in range(1, d + 1)], axis=1)),
        Mistake("one power short",
                "Your matrix has `degree` columns, x^0 .. x^(degree - 1). A polynomial of "
                "degree d has d + 1 coefficients.",
                "range(degree + 1) gives the powers 0 .. degree.",
                variant=lambda x, d: np.stack([x ** p for p in range(d)], axis=1)
                if d > 0 else np.zeros((len(x), 0))),
        Mistake("one row per power",
                "Your matrix has one *row* per power and one column per point: the transpose. "
                "A design matrix has one row per data point.",
                "Stack the columns with axis=1 (or transpose).",
                variant=lambda x, d: np.stack([x ** p for p in range(d + 1)], axis=0)),
    ],
    hint="Column j is x ** j, for j = 0, 1, ..., degree; shape (n, degree + 1).")

# ---------------------------------------------------------------------------
# 7.3 least_squares
# ---------------------------------------------------------------------------


def _lstsq(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0]


def _least_squares_reference(X, y):
    # Normal equations by Cholesky: X^T X = L L^T, then two triangular solves.
    L = np.linalg.cholesky(X.T @ X)
    z = np.linalg.solve(L, X.T @ y)
    return np.linalg.solve(L.T, z)


def _least_squares_with_lstsq(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0]


def _line_case(rng):
    x = rng.uniform(0, 5, size=20)
    X = np.stack([np.ones_like(x), x], axis=1)
    return X, 1.5 - 0.7 * x + rng.normal(0, 0.3, size=20)


check_least_squares = HandWrittenCheck(
    "least_squares", _lstsq,
    lambda rng: [
        Case("fitting a line: 20 points, X has columns [1, x]", _line_case(rng)),
        Case("30 points, 3 correlated columns", (
            rng.normal(size=(30, 3)) @ np.array([[1.0, 0.8, 0.0], [0.0, 0.6, 0.5],
                                                 [0.0, 0.0, 1.0]]),
            rng.normal(size=30))),
        Case("a square system (an exact fit)", (rng.normal(size=(3, 3)) + 2 * np.eye(3),
                                                rng.normal(size=3))),
    ],
    reference=_least_squares_reference, rtol=1e-7, atol=1e-10,
    forbidden=("linalg.lstsq", "linalg.pinv"),
    builtin_mistake=Mistake(
        "used np.linalg.lstsq",
        "Your results are right, but this exercise asks for the normal equations, and your "
        "function calls np.linalg.lstsq (or pinv). The notebook compares the two next.",
        "Solve (X^T X) w = X^T y with np.linalg.solve.",
        example=_least_squares_with_lstsq),
    mistakes=[
        Mistake("forgot to solve",
                "You returned X^T y. That is only the right-hand side of the normal equations; "
                "it equals w only when the columns of X are orthonormal.",
                "Solve (X.T @ X) w = X.T @ y.",
                variant=lambda X, y: X.T @ y),
        Mistake("each column on its own",
                "You fitted each column of X separately (X[:, j] . y / X[:, j] . X[:, j]). "
                "That ignores how the columns overlap; unless they are perpendicular, the "
                "coefficients come out wrong.",
                "Solve the whole system at once: (X.T @ X) w = X.T @ y.",
                variant=lambda X, y: (X.T @ y) / (X * X).sum(axis=0)),
    ],
    hint="The residual y - X w must be perpendicular to every column of X: X^T (y - X w) = 0, "
         "i.e. (X^T X) w = X^T y.")

# ---------------------------------------------------------------------------
# 7.4 fit_plane
# ---------------------------------------------------------------------------


def _fit_plane(points):
    P = np.asarray(points, dtype=float)
    centred = P - P.mean(axis=0)
    C = centred.T @ centred
    ab = np.linalg.solve(C[:2, :2], C[:2, 2])
    c = P[:, 2].mean() - ab @ P[:, :2].mean(axis=0)
    return np.array([ab[0], ab[1], c])


def _plane_points(rng, n, a, b, c, noise):
    xy = rng.uniform(-3, 3, size=(n, 2))
    z = a * xy[:, 0] + b * xy[:, 1] + c + rng.normal(0, noise, size=n)
    return np.column_stack([xy, z])


def _plane_lstsq(points, columns, target=2):
    P = np.asarray(points, dtype=float)
    X = np.column_stack([P[:, j] if j != "1" else np.ones(len(P)) for j in columns])
    return np.linalg.lstsq(X, P[:, target], rcond=None)[0]


check_fit_plane = FunctionCheck(
    "fit_plane", _fit_plane,
    lambda rng: [
        Case("50 noisy points near z = 2x - y + 3", (_plane_points(rng, 50, 2.0, -1.0, 3.0,
                                                                   0.2),)),
        Case("10 points exactly on z = -0.5x + 4y - 1", (_plane_points(rng, 10, -0.5, 4.0,
                                                                       -1.0, 0.0),)),
        Case("8 noisy points near z = x + 10", (_plane_points(rng, 8, 1.0, 0.0, 10.0, 0.5),)),
    ],
    rtol=1e-7, atol=1e-9,
    mistakes=[
        Mistake("no constant column",
                "Your plane goes through the origin: the design matrix has columns x and y "
                "but no column of ones, so there is no c to fit.",
                "Use the columns [x, y, 1].",
                variant=lambda P: np.append(_plane_lstsq(P, [0, 1]), 0.0)),
        Mistake("coefficients in another order",
                "You fitted the right plane but returned the coefficients in another order: "
                "the constant first. The docstring asks for (a, b, c) with z = a x + b y + c.",
                "Put the columns in the order [x, y, 1], or reorder the result.",
                variant=lambda P: _plane_lstsq(P, ["1", 0, 1])),
        Mistake("the wrong target column",
                "You predicted x (column 0) from the other coordinates. Column 2 holds z, the "
                "height you predict from x and y.",
                "Target: points[:, 2]. Inputs: points[:, 0], points[:, 1] and a column of ones.",
                variant=lambda P: _plane_lstsq(P, [1, 2, "1"], target=0)),
    ],
    hint="Design matrix with columns [x, y, 1], target z; np.linalg.lstsq(X, z, rcond=None)[0].")
