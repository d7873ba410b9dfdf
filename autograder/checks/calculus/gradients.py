"""Checks for 02_calculus/02_gradients: partial derivatives, gradients, directional derivatives.

Oracles: a plain loop over coordinates for the numerical gradient (the
definition, one coordinate at a time), the complex-step method for exact
partial derivatives, and sums over examples for the gradient of a mean
squared error.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake
from .derivatives import complex_step

# ---------------------------------------------------------------------------
# Exercise 2.1: the numerical gradient
# ---------------------------------------------------------------------------


def _f_three(x):
    return x[0] ** 2 * x[1] + 3.0 * np.sin(x[2]) + x[1] * x[2]


def _f_five(x):
    return (np.exp(x) * np.arange(1, len(x) + 1)).sum()


def _f_one(x):
    return np.log(1.0 + (x ** 2).sum())


def _numerical_gradient(f, x, h=1e-5):
    grad = []
    for i in range(len(x)):
        up = [v + h if j == i else v for j, v in enumerate(x.tolist())]
        down = [v - h if j == i else v for j, v in enumerate(x.tolist())]
        grad.append((f(np.array(up)) - f(np.array(down))) / (2 * h))
    return np.array(grad, dtype=float)


def _gradient_cases(rng):
    return [Case("f(x) = x0**2 * x1 + 3 sin(x2) + x1 * x2 at a point in 3-D, h = 1e-3",
                 (_f_three, np.round(rng.normal(0, 1.5, size=3), 3), 1e-3)),
            Case("f(x) = sum_i (i + 1) exp(x_i) in 5-D, h = 1e-4",
                 (_f_five, np.round(rng.normal(0, 1, size=5), 3), 1e-4)),
            Case("f(x) = log(1 + |x|**2) in 1-D, h = 1e-5",
                 (_f_one, np.array([0.8]), 1e-5))]


def _nudge_all(f, x, h=1e-5):
    d = (f(x + h) - f(x - h)) / (2 * h)
    return np.full(x.shape, d, dtype=float)


def _forward_gradient(f, x, h=1e-5):
    out = np.zeros(x.shape)
    for i in range(len(x)):
        e = np.zeros(x.shape)
        e[i] = h
        out[i] = (f(x + e) - f(x)) / h
    return out


def _nudges_in_place(f, x, h=1e-5):
    out = np.zeros(x.shape)
    for i in range(len(x)):
        x[i] += h
        plus = f(x)
        x[i] -= 2 * h
        out[i] = (plus - f(x)) / (2 * h)
    return out


check_numerical_gradient = FunctionCheck(
    "numerical_gradient", _numerical_gradient, _gradient_cases, rtol=1e-6, atol=1e-9,
    mistakes=[
        Mistake("nudged every coordinate at once",
                "Every entry of your gradient is the same number: you moved all coordinates "
                "together (x + h), which measures the slope along the diagonal direction "
                "(1, 1, ..., 1), not the partial derivatives.",
                "For entry i, move only coordinate i: make a copy of x and add h to entry i.",
                variant=_nudge_all),
        Mistake("one-sided difference where a central one was asked",
                "Your numbers are forward differences (f(x + h e_i) - f(x)) / h. The exercise "
                "asks for central differences, which are far more accurate for the same h.",
                "Evaluate f at x + h e_i and at x - h e_i, and divide by 2h.",
                variant=_forward_gradient),
        Mistake("divided by h instead of 2h",
                "Every entry of your gradient is twice the right one: the two points x + h e_i "
                "and x - h e_i are 2h apart.",
                "Divide by 2 * h.",
                variant=lambda f, x, h=1e-5: 2 * _numerical_gradient(f, x, h)),
    ],
    mutation=Mistake(
        "changed x in place",
        "Your function changed the array x it was given: after it returns, x is not what "
        "the caller passed in. Nudging x[i] up and back down again does not always restore "
        "the same float exactly (rounding), and if the function stops half-way the caller "
        "is left with a nudged point.",
        "Nudge a copy: xp = x.copy(); xp[i] += h.",
        example=_nudges_in_place),
    hint="Loop over the coordinates i; for each, nudge a copy of x by +h and by -h in "
         "coordinate i only.")

# ---------------------------------------------------------------------------
# Exercise 2.2: the gradient of f(x, y) = x**2 / 4 + y**2 + sin(x * y)
# ---------------------------------------------------------------------------


def landscape(x, y):
    """The function of notebook 02: f(x, y) = x**2 / 4 + y**2 + sin(x * y)."""
    return x ** 2 / 4 + y ** 2 + np.sin(x * y)


def _grad_landscape(x, y):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    dx = complex_step(lambda t: landscape(t, y), x)
    dy = complex_step(lambda t: landscape(x, t), y)
    return (float(dx), float(dy)) if dx.ndim == 0 else (dx, dy)


def _grad_cases(rng):
    grid = np.meshgrid(np.linspace(-2, 2, 4), np.linspace(-1, 1, 3))
    return [Case("the point (x, y) = (1.0, 2.0)", (1.0, 2.0)),
            Case("the point (x, y) = (-0.7, 0.4)", (-0.7, 0.4)),
            Case("x and y are 3x4 grids from np.meshgrid", (grid[0], grid[1])),
            Case("x and y are arrays of 5 points", (np.round(rng.normal(0, 1.5, 5), 3),
                                                    np.round(rng.normal(0, 1.5, 5), 3)))]


check_grad_landscape = FunctionCheck(
    "grad_landscape", _grad_landscape, _grad_cases, rtol=1e-8, atol=1e-10,
    mistakes=[
        Mistake("the chain rule inside sin(x * y): forgot the inner derivative",
                "d/dx sin(x * y) is cos(x * y) * y: the derivative of sin, evaluated at the "
                "inside, times the derivative of the inside x * y with respect to x. Your "
                "answer leaves out the factor y (and x in the partial with respect to y).",
                "While you differentiate with respect to x, y is a constant: d/dx (x * y) = y.",
                variant=lambda x, y: (x / 2 + np.cos(x * y), 2 * y + np.cos(x * y))),
        Mistake("the partial derivatives are swapped",
                "Your first result is df/dy and your second is df/dx.",
                "Return (df/dx, df/dy), in that order.",
                variant=lambda x, y: (2 * y + x * np.cos(x * y), x / 2 + y * np.cos(x * y))),
        Mistake("the inner derivative with respect to the wrong variable",
                "In df/dx you multiplied cos(x * y) by x instead of y (and in df/dy by y "
                "instead of x). The derivative of x * y with respect to x is y.",
                "Treat the other variable as a constant number.",
                variant=lambda x, y: (x / 2 + x * np.cos(x * y), 2 * y + y * np.cos(x * y))),
        Mistake("the power rule on x**2 / 4",
                "d/dx (x**2 / 4) is x / 2. Your df/dx has 2x or x / 4 in its place.",
                "Bring the power down: 2 * x / 4.",
                variant=lambda x, y: (2 * x + y * np.cos(x * y), 2 * y + x * np.cos(x * y))),
    ],
    hint="Differentiate term by term. For df/dx treat y as a number; for df/dy treat x as one.")

# ---------------------------------------------------------------------------
# Exercise 2.3: the directional derivative
# ---------------------------------------------------------------------------


def _directional(grad, v):
    norm = math.sqrt(sum(t * t for t in v.tolist()))
    return sum(g * t for g, t in zip(grad.tolist(), v.tolist(), strict=True)) / norm


check_directional_derivative = FunctionCheck(
    "directional_derivative", _directional,
    lambda rng: [Case("gradient (3, 4) in the direction v = (1, 1)",
                      (np.array([3.0, 4.0]), np.array([1.0, 1.0]))),
                 Case("gradient (2, -1) in the direction v = (0, 5)",
                      (np.array([2.0, -1.0]), np.array([0.0, 5.0]))),
                 Case("a 3-D gradient and direction",
                      (np.round(rng.normal(size=3), 3), np.round(rng.normal(size=3), 3)))],
    rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("v was not made a unit vector",
                "You computed grad . v. A directional derivative measures the slope per unit "
                "of distance, so the direction must have length 1; otherwise a longer v gives "
                "a bigger 'slope' for the same direction.",
                "Divide v by its length, np.linalg.norm(v), first.",
                variant=lambda g, v: float(g @ v)),
        Mistake("normalised the gradient instead of v",
                "You divided by the length of the gradient, not the length of v.",
                "The unit vector is u = v / |v|; the result is grad . u.",
                variant=lambda g, v: float(g @ v / np.linalg.norm(g))),
        Mistake("the length of the gradient",
                "You returned |grad|, which is the directional derivative only in the "
                "direction of the gradient itself (the steepest one).",
                "Project the gradient onto the unit direction: grad . (v / |v|).",
                variant=lambda g, v: float(np.linalg.norm(g))),
    ],
    hint="The slope in the direction of a unit vector u is the dot product grad . u.")

# ---------------------------------------------------------------------------
# Exercise 2.4: the gradient of a quadratic form x^T A x + b^T x
# ---------------------------------------------------------------------------


def _quadratic(A, b, x):
    return x @ A @ x + b @ x


def _quadratic_gradient(A, b, x):
    return np.array([complex_step(lambda t, i=i: _quadratic(A, b, np.where(
        np.arange(len(x)) == i, t, x)), x[i]) for i in range(len(x))], dtype=float)


def _quadratic_cases(rng):
    sym = np.round(rng.normal(size=(2, 2)), 3)
    return [Case("a 3x3 matrix A that is not symmetric",
                 (np.round(rng.normal(size=(3, 3)), 3), np.round(rng.normal(size=3), 3),
                  np.round(rng.normal(size=3), 3))),
            Case("a symmetric 2x2 matrix A", (sym + sym.T, np.array([1.0, -2.0]),
                                              np.array([0.5, 1.5]))),
            Case("a 4x4 matrix A that is not symmetric",
                 (np.round(rng.normal(size=(4, 4)), 3), np.round(rng.normal(size=4), 3),
                  np.round(rng.normal(size=4), 3)))]


check_quadratic_gradient = FunctionCheck(
    "quadratic_gradient", _quadratic_gradient, _quadratic_cases, rtol=1e-8, atol=1e-10,
    mistakes=[
        Mistake("assumed A is symmetric",
                "You used 2 A x + b. That is right only when A equals its transpose. In "
                "x^T A x the vector x appears twice, once on each side of A; differentiating "
                "each appearance gives A x and A^T x.",
                "The gradient is (A + A.T) @ x + b; check it on the non-symmetric case by hand.",
                variant=lambda A, b, x: 2 * A @ x + b),
        Mistake("A x + b",
                "You differentiated x^T A x as if it were A x: the factor from x appearing "
                "twice is missing, and so is the transpose.",
                "Product rule: x appears on the left and on the right of A.",
                variant=lambda A, b, x: A @ x + b),
        Mistake("dropped the linear term",
                "Your gradient is missing b, the gradient of b^T x.",
                "d/dx (b^T x) = b.",
                variant=lambda A, b, x: (A + A.T) @ x),
    ],
    hint="Write f as a double sum over A[i, j] x_i x_j and take d/dx_k of it.")

# ---------------------------------------------------------------------------
# Exercise 2.5: the gradient of a mean squared error
# ---------------------------------------------------------------------------


def _mse_gradient(X, w, y):
    n, d = X.shape
    grad = [0.0] * d
    for i in range(n):
        residual = sum(X[i, j] * w[j] for j in range(d)) - y[i]
        for j in range(d):
            grad[j] += 2.0 * residual * X[i, j] / n
    return np.array(grad)


def _mse_cases(rng):
    return [Case("X of shape (6, 3)", (np.round(rng.normal(size=(6, 3)), 3),
                                       np.round(rng.normal(size=3), 3),
                                       np.round(rng.normal(size=6), 3))),
            Case("X of shape (4, 4)", (np.round(rng.normal(size=(4, 4)), 3),
                                       np.round(rng.normal(size=4), 3),
                                       np.round(rng.normal(size=4), 3))),
            Case("X of shape (10, 2)", (np.round(rng.normal(size=(10, 2)), 3),
                                        np.round(rng.normal(size=2), 3),
                                        np.round(rng.normal(size=10), 3)))]


check_mse_gradient = FunctionCheck(
    "mse_gradient", _mse_gradient, _mse_cases, rtol=1e-8, atol=1e-10,
    mistakes=[
        Mistake("forgot the 1/N of a mean loss",
                "Your gradient is N times too big (N = the number of rows of X): it is the "
                "gradient of the *sum* of squared errors. The loss is a mean, and the 1/N "
                "stays in front of the gradient.",
                "Divide by len(y).",
                variant=lambda X, w, y: 2 * X.T @ (X @ w - y)),
        Mistake("forgot the 2 from the square",
                "Your gradient is half the right one: d/dr r**2 = 2 r.",
                "Multiply by 2.",
                variant=lambda X, w, y: X.T @ (X @ w - y) / len(y)),
        Mistake("residual the wrong way round",
                "Your gradient has the right size and the wrong sign: you used y - X w. With "
                "that sign, gradient descent would walk uphill.",
                "The residual is prediction minus target: X @ w - y.",
                variant=lambda X, w, y: 2 * X.T @ (y - X @ w) / len(y)),
        Mistake("X @ r instead of X.T @ r",
                "You multiplied the residuals by X instead of X transposed. The gradient has "
                "one entry per weight (d of them); X.T @ r sums, for each weight j, the "
                "residuals times feature j.",
                "Check the shapes: X.T is (d, n) and r is (n,), so X.T @ r is (d,).",
                variant=lambda X, w, y: 2 * X @ (X @ w - y) / len(y)),
    ],
    hint="L(w) = (1/N) sum_i (x_i . w - y_i)**2. Differentiate one term with the chain rule, "
         "then write the sum as a matrix product.")
