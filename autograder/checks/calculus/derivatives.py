"""Checks for 02_calculus/01_derivatives: difference quotients, step size, common derivatives.

Oracles: the difference quotients are their defining formulas evaluated on
functions chosen so that forward, backward and central differences give
clearly different numbers; true derivatives come from the complex-step method
(exact to rounding for analytic functions, and unrelated to the learner's
formulas); the log-log slope from a plain least-squares loop.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake


def complex_step(f, x, h: float = 1e-30):
    """f'(x) to machine precision for an analytic f: Im f(x + ih) / h (no subtraction)."""
    return np.imag(f(np.asarray(x, dtype=np.complex128) + 1j * h)) / h


def _cube(x):
    return x ** 3


def _sin(x):
    return np.sin(x)


def _exp(x):
    return np.exp(x)


def _bump(x):
    return 1.0 / (1.0 + x ** 2)


_cube.__name__, _sin.__name__, _exp.__name__, _bump.__name__ = (
    "f(x) = x**3", "f(x) = sin(x)", "f(x) = exp(x)", "f(x) = 1 / (1 + x**2)")

# ---------------------------------------------------------------------------
# Exercise 1.1 and 1.2: forward and central differences
# ---------------------------------------------------------------------------


def _difference_cases(rng):
    return [Case("f(x) = x**3 at x = 2 with h = 0.1", (_cube, 2.0, 0.1)),
            Case("f(x) = sin(x) at x = 1 with h = 0.01", (_sin, 1.0, 0.01)),
            Case("f(x) = exp(x) at 5 points at once, h = 0.05",
                 (_exp, np.round(rng.uniform(-2, 2, size=5), 3), 0.05)),
            Case("f(x) = 1 / (1 + x**2) at x = -0.5 with h = 0.2", (_bump, -0.5, 0.2)),
            Case("f(x) = exp(x) on a 2x3 array at once (any shape), h = 0.05",
                 (_exp, np.round(rng.uniform(-2, 2, size=(2, 3)), 3), 0.05))]


def _forward(f, x, h):
    return (f(x + h) - f(x)) / h


def _backward(f, x, h):
    return (f(x) - f(x - h)) / h


def _central(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


check_forward_difference = FunctionCheck(
    "forward_difference", _forward, _difference_cases, rtol=1e-7, atol=1e-10,
    mistakes=[
        Mistake("a central difference",
                "Your numbers are the central difference (f(x + h) - f(x - h)) / 2h. That is "
                "the better formula, and you will write it next, but this exercise asks for "
                "the forward one, so that you can compare the two.",
                "Use only the points x and x + h: (f(x + h) - f(x)) / h.",
                variant=_central),
        Mistake("a backward difference",
                "You stepped to the left: (f(x) - f(x - h)) / h is the backward difference.",
                "Step forward, to x + h.",
                variant=_backward),
        Mistake("divided by 2h",
                "Your result is half the forward difference. The two points x and x + h are "
                "h apart, not 2h.",
                "Divide by h.",
                variant=lambda f, x, h: (f(x + h) - f(x)) / (2 * h)),
        Mistake("subtracted the wrong way round",
                "Your result has the right size and the wrong sign: f(x) - f(x + h) instead of "
                "f(x + h) - f(x).",
                "The slope is (rise) / (run): the later value minus the earlier one.",
                variant=lambda f, x, h: (f(x) - f(x + h)) / h),
        Mistake("did not divide by h",
                "You returned the change in f, f(x + h) - f(x), not the rate of change.",
                "Divide the change in f by the change in x, h.",
                variant=lambda f, x, h: f(x + h) - f(x)),
    ],
    hint="The forward difference is (f(x + h) - f(x)) / h.")

ONE_SIDED = Mistake(
    "one-sided difference where a central one was asked",
    "Your numbers are the forward difference (f(x + h) - f(x)) / h, which uses one side "
    "of x only. The central difference evaluates f on both sides, at x + h and x - h; its "
    "error shrinks like h**2 instead of h.",
    "Use f(x + h) and f(x - h), and divide by the distance between them, 2h.",
    variant=_forward)

check_central_difference = FunctionCheck(
    "central_difference", _central, _difference_cases, rtol=1e-7, atol=1e-10,
    mistakes=[
        ONE_SIDED,
        Mistake("one-sided (backward) difference",
                "Your numbers are the backward difference (f(x) - f(x - h)) / h, which looks "
                "at one side of x only.",
                "Use f(x + h) and f(x - h), and divide by 2h.",
                variant=_backward),
        Mistake("divided by h instead of 2h",
                "Your result is twice the central difference. The points x - h and x + h are "
                "2h apart.",
                "Divide by 2 * h. Watch the brackets: / 2 * h is (/ 2) * h in Python.",
                variant=lambda f, x, h: (f(x + h) - f(x - h)) / h),
        Mistake("/ 2 * h without brackets",
                "Python reads `/ 2 * h` as `(/ 2) * h`: you divided by 2 and then multiplied "
                "by h.",
                "Write / (2 * h).",
                variant=lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h),
        Mistake("subtracted the wrong way round",
                "Your result has the right size and the wrong sign: f(x - h) - f(x + h).",
                "Subtract the left value from the right one: f(x + h) - f(x - h).",
                variant=lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h)),
    ],
    hint="The central difference is (f(x + h) - f(x - h)) / (2 h).")

# ---------------------------------------------------------------------------
# Exercise 1.3: the slope of a line on log-log axes
# ---------------------------------------------------------------------------


def _loglog_slope(hs, errors):
    lx = [math.log(h) for h in hs.tolist()]
    ly = [math.log(e) for e in errors.tolist()]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    num = sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True))
    den = sum((a - mx) ** 2 for a in lx)
    return num / den


def _slope_cases(rng):
    hs = np.logspace(-4, -1, 7)
    wide = np.logspace(-6, 0, 9)
    noisy = 3.0 * wide ** 1.5 * np.exp(np.round(rng.normal(0, 0.3, size=9), 3))
    return [Case("errors 0.5 * h at 7 step sizes (a slope of exactly 1)", (hs, 0.5 * hs)),
            Case("errors 2 * h**2 at 7 step sizes (a slope of exactly 2)", (hs, 2.0 * hs ** 2)),
            Case("noisy errors around 3 * h**1.5", (wide, noisy)),
            Case("errors 1e-3 / h (a slope of -1)", (hs, 1e-3 / hs))]


def _polyslope(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    xm, ym = x - x.mean(), y - y.mean()
    return float((xm * ym).sum() / (xm * xm).sum())


check_loglog_slope = FunctionCheck(
    "loglog_slope", _loglog_slope, _slope_cases, rtol=1e-6, atol=1e-9,
    mistakes=[
        Mistake("axes swapped",
                "You fitted log(h) as a function of log(error), which gives 1 / slope.",
                "The step size h is on the x-axis: fit log(errors) against log(hs).",
                variant=lambda hs, e: _polyslope(np.log(e), np.log(hs))),
        Mistake("slope from the two end points",
                "Your slope goes through the first and the last point only, so one noisy "
                "point at either end moves it. A least-squares line uses every point.",
                "Fit a line through all the points, e.g. np.polyfit(x, y, 1)[0].",
                variant=lambda hs, e: float((np.log(e[-1]) - np.log(e[0]))
                                            / (np.log(hs[-1]) - np.log(hs[0])))),
        Mistake("no logarithms",
                "You fitted a line to the raw numbers. A power law error = C * h**p is a "
                "straight line only after taking logs: log(error) = log(C) + p * log(h).",
                "Take np.log of both hs and errors before fitting.",
                variant=lambda hs, e: _polyslope(hs, e)),
        Mistake("only the errors were logged",
                "You took the log of the errors but not of the step sizes.",
                "On log-log axes both coordinates are logarithms.",
                variant=lambda hs, e: _polyslope(hs, np.log(e))),
    ],
    hint="Fit a straight line to (log h, log error) and return its slope.")

# ---------------------------------------------------------------------------
# Exercise 1.4: derivatives of common functions
# ---------------------------------------------------------------------------

FUNCTIONS = {
    "x**3 - 2*x": lambda x: x ** 3 - 2 * x,
    "exp(3*x)": lambda x: np.exp(3 * x),
    "x * sin(x)": lambda x: x * np.sin(x),
    "1 / x": lambda x: 1 / x,
    "log(1 + x**2)": lambda x: np.log(1 + x ** 2),
}

_RIGHT = {
    "x**3 - 2*x": lambda x: 3 * x ** 2 - 2,
    "exp(3*x)": lambda x: 3 * np.exp(3 * x),
    "x * sin(x)": lambda x: np.sin(x) + x * np.cos(x),
    "1 / x": lambda x: -1 / x ** 2,
    "log(1 + x**2)": lambda x: 2 * x / (1 + x ** 2),
}


def _with(key, fn):
    table = dict(_RIGHT)
    table[key] = fn
    return table


# (key, mistake); each example is the right table with one buggy entry.
_TABLE_MISTAKES = [
    ("exp(3*x)", Mistake(
        "the chain rule: forgot the inner derivative",
        "For a function of a function, such as exp(3x) or log(1 + x**2), the derivative of "
        "the outside is multiplied by the derivative of the inside. Your answer leaves out "
        "that second factor.",
        "d/dx exp(g(x)) = exp(g(x)) * g'(x), and d/dx log(g(x)) = g'(x) / g(x).",
        example=_with("exp(3*x)", lambda x: np.exp(3 * x)))),
    ("x * sin(x)", Mistake(
        "the product rule: a term is missing",
        "The derivative of a product u * v is u' * v + u * v'. Your answer for x * sin(x) "
        "has only one of the two terms.",
        "Differentiate each factor in turn while keeping the other, and add the two results.",
        example=_with("x * sin(x)", lambda x: x * np.cos(x)))),
    ("x**3 - 2*x", Mistake(
        "the power rule: the power was not lowered",
        "d/dx x**n = n * x**(n - 1). Your answer for x**3 looks like 3 * x**3: the factor "
        "is right but the power should drop by one.",
        "Bring the power down in front and subtract 1 from it.",
        example=_with("x**3 - 2*x", lambda x: 3 * x ** 3 - 2))),
    ("1 / x", Mistake(
        "the sign of d/dx (1/x)",
        "1/x decreases as x grows, so its derivative is negative: -1 / x**2.",
        "Write 1/x as x**-1 and use the power rule.",
        example=_with("1 / x", lambda x: 1 / x ** 2))),
]


def _verify_derivatives(table, ctx: Context) -> None:
    ctx.require(table is not None, "`derivatives` is still None: you have not filled it in yet",
                hint="Replace None with a dict mapping each function (the keys shown above) "
                     "to a function that computes its derivative.")
    ctx.require(isinstance(table, dict), f"`derivatives` should be a dict, not a "
                f"{type(table).__name__}")
    missing = [k for k in FUNCTIONS if k not in table]
    ctx.require(not missing, "`derivatives` is missing some functions",
                [f"missing keys: {', '.join(map(repr, missing))}"],
                hint="Use exactly the keys of the example dict.")
    if ctx.cases is not None:  # other points, e.g. Case("x near 0", (np.array([...]),))
        points = [(case.label, case.args[0]) for case in ctx.cases]
    else:
        x = np.round(ctx.rng().uniform(0.3, 2.5, size=6), 3)  # away from 0, for 1/x and log
        points = [("6 points between 0.3 and 2.5", x)]
    for (where, x), (key, f) in ((p, kf) for p in points for kf in FUNCTIONS.items()):
        case = Case(f"the derivative of {key} at {where}", (x,))
        fn = table[key]
        got = ctx.call(fn, case)
        ctx.expect(complex_step(f, x), got, label=f"the derivative of {key} is not right",
                   case=case, fn=fn, rtol=1e-6, atol=1e-9)


class _DerivativeTableCheck(CustomCheck):
    """Names the mistake of the one entry that failed (a chain rule, a product rule...)."""

    def diagnose(self, expected, got, case=None):
        for key, mistake in _TABLE_MISTAKES:
            if case is not None and case.label.startswith(f"the derivative of {key} at"):
                try:
                    if np.allclose(np.asarray(mistake.example[key](*case.args)),
                                   np.asarray(got)):
                        return mistake
                except Exception:
                    pass
        return super().diagnose(expected, got, case)


check_derivatives = _DerivativeTableCheck(
    "derivatives", _verify_derivatives, reference=dict(_RIGHT),
    mistakes=[m for _, m in _TABLE_MISTAKES],
    hint="Differentiate on paper first, then check your answer against central_difference.")

# ---------------------------------------------------------------------------
# Exercise 1.5: the derivative of the sigmoid
# ---------------------------------------------------------------------------


def _sigmoid_derivative(x):
    e = np.exp(-np.abs(x))            # sigma'(x) is even, so use -|x|: never overflows
    return e / (1.0 + e) ** 2


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


check_sigmoid_derivative = FunctionCheck(
    "sigmoid_derivative", _sigmoid_derivative,
    lambda rng: [Case("x = [-2, -0.5, 0, 0.5, 2]", (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),)),
                 Case("a 3x4 array", (np.round(rng.normal(0, 2, size=(3, 4)), 3),)),
                 Case("x = [-30, 30]", (np.array([-30.0, 30.0]),)),
                 Case("large inputs x = [-1000, -50, 50, 1000] (the docstring allows them)",
                      (np.array([-1000.0, -50.0, 50.0, 1000.0]),))],
    rtol=1e-6, atol=1e-12,
    mistakes=[
        Mistake("sigma * (1 - sigma) applied to x",
                "You computed x * (1 - x). The rule sigma'(x) = s * (1 - s) holds for "
                "s = sigmoid(x), the *output* of the sigmoid, not the input x.",
                "Compute s = 1 / (1 + np.exp(-x)) first, then s * (1 - s).",
                variant=lambda x: x * (1 - x)),
        Mistake("the sigmoid itself",
                "You returned sigmoid(x), not its derivative.",
                "The derivative is s * (1 - s) where s = sigmoid(x).",
                variant=_sigmoid),
        Mistake("the tanh rule",
                "You computed 1 - s**2, which is the rule for tanh (tanh' = 1 - tanh**2), "
                "not for the sigmoid.",
                "For the sigmoid it is s * (1 - s).",
                variant=lambda x: 1 - _sigmoid(x) ** 2),
        Mistake("overflow for large inputs",
                "Your result is NaN where |x| is large: np.exp(1000) is infinity, and "
                "infinity / infinity is NaN. The true derivative there is just very small.",
                "Compute s = sigmoid(x) first (1 / (1 + np.exp(-x)) gives 0 or 1, not NaN, "
                "for huge |x|), then s * (1 - s); or use that sigma' is even: put -|x| in "
                "the exponent.",
                detect=lambda e, g, case: isinstance(g, np.ndarray) and g.shape == e.shape
                and bool(np.isnan(g).any()) and not bool(np.isnan(e).any()),
                example=lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    ],
    hint="Differentiate 1 / (1 + exp(-x)) with the chain rule and write the result in terms "
         "of s = sigmoid(x).")

# ---------------------------------------------------------------------------
# Exercise 1.6: the tangent line
# ---------------------------------------------------------------------------


def _tangent_line(f, df, x0, x):
    return np.array([f(x0) + df(x0) * (xi - x0) for xi in np.asarray(x, float).tolist()])


def _tangent_cases(rng):
    xs = np.round(np.linspace(-1.0, 3.0, 5), 3)
    return [Case("f = sin at x0 = 1", (np.sin, np.cos, 1.0, xs)),
            Case("f(x) = x**2 at x0 = -1.5", (lambda x: x ** 2, lambda x: 2 * x, -1.5, xs)),
            Case("f = exp at x0 = 0.5", (np.exp, np.exp, 0.5,
                                         np.round(rng.uniform(-1, 1, size=4), 3)))]


check_tangent_line = FunctionCheck(
    "tangent_line", _tangent_line, _tangent_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("the line was not shifted to x0",
                "You computed f(x0) + f'(x0) * x: a line with the right slope, but it passes "
                "through (0, f(x0)) instead of touching the curve at (x0, f(x0)).",
                "Measure the distance from the point of contact: multiply the slope by "
                "(x - x0).",
                variant=lambda f, df, x0, x: f(x0) + df(x0) * x),
        Mistake("the slope was taken at x, not at x0",
                "You used df(x), the slope at each x, so your 'line' bends: it is not a "
                "straight line.",
                "The tangent line has one slope, df(x0).",
                variant=lambda f, df, x0, x: f(x0) + df(x) * (x - x0)),
        Mistake("the line through the origin",
                "You left out f(x0), so your line passes through (x0, 0) instead of "
                "(x0, f(x0)).",
                "Start from the height of the curve at x0: f(x0) + ...",
                variant=lambda f, df, x0, x: df(x0) * (x - x0)),
    ],
    hint="The tangent line at x0 is f(x0) + f'(x0) * (x - x0).")
