"""Checks for 02_calculus/03_chain_rule: the chain rule, Jacobians, vector-Jacobian products.

Oracles: the complex-step derivative of the composed function, central
differences one input at a time for Jacobians, the entry-by-entry formula
p_i (delta_ij - p_j) for the softmax Jacobian, and the full product of the
Jacobians for reverse mode.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from .derivatives import complex_step

# ---------------------------------------------------------------------------
# Exercise 3.1: the chain rule for f(g(x))
# ---------------------------------------------------------------------------


def _named(name, fn, outer=None):
    fn.__name__ = fn.__qualname__ = name
    fn.outer = outer  # for a derivative f': the function f it is the derivative of
    return fn


# Functions for chain_rule cases (hidden tests use them too). A derivative f' carries
# the function f it belongs to as .outer, so the oracle can differentiate f(g(x)) itself.


D_SIN = _named("f'(u) = cos(u)", lambda u: np.cos(u), outer=np.sin)
D_EXP = _named("f'(u) = exp(u)", lambda u: np.exp(u), outer=np.exp)
D_LOG = _named("f'(u) = 1 / u", lambda u: 1.0 / u, outer=np.log)
SQUARE = _named("g(x) = x**2", lambda x: x ** 2)
D_SQUARE = _named("g'(x) = 2x", lambda x: 2 * x)
AFFINE = _named("g(x) = 3x - 1", lambda x: 3 * x - 1)
D_AFFINE = _named("g'(x) = 3", lambda x: 3.0 + 0 * x)
BUMP = _named("g(x) = 1 + x**2", lambda x: 1 + x ** 2)


def _chain_rule(df, g, dg, x):
    return complex_step(lambda t: df.outer(g(t)), x)


def _chain_cases(rng):
    return [Case("f = sin, g(x) = x**2, at x = 1.3", (D_SIN, SQUARE, D_SQUARE, 1.3)),
            Case("f = exp, g(x) = 3x - 1, at x = 0.4", (D_EXP, AFFINE, D_AFFINE, 0.4)),
            Case("f = log, g(x) = 1 + x**2, at 5 points",
                 (D_LOG, BUMP, D_SQUARE, np.round(rng.uniform(-2, 2, size=5), 3)))]


check_chain_rule = FunctionCheck(
    "chain_rule", _chain_rule, _chain_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("the outer derivative evaluated at x",
                "You computed f'(x) * g'(x). The outer derivative must be evaluated where f "
                "is applied, at the inside value u = g(x): f'(g(x)) * g'(x).",
                "Compute u = g(x) first, then df(u) * dg(x).",
                variant=lambda df, g, dg, x: df(x) * dg(x)),
        Mistake("forgot the inner derivative",
                "You computed f'(g(x)) and stopped. The chain rule multiplies by the rate at "
                "which the inside changes, g'(x).",
                "Multiply by dg(x).",
                variant=lambda df, g, dg, x: df(g(x))),
        Mistake("composed the derivatives",
                "You computed f'(g'(x)). The chain rule multiplies derivatives; it does not "
                "feed one into the other.",
                "(f o g)'(x) = f'(g(x)) * g'(x): a product.",
                variant=lambda df, g, dg, x: df(dg(x))),
    ],
    hint="(f o g)'(x) = f'(g(x)) * g'(x).")

# ---------------------------------------------------------------------------
# Exercise 3.2: a numerical Jacobian
# ---------------------------------------------------------------------------


def _field_3_to_2(x):
    return np.array([x[0] * x[1] + np.sin(x[2]), x[0] ** 2 - 3.0 * x[2]])


def _field_2_to_2(x):
    return np.array([x[0] ** 2 * x[1], 5.0 * x[0] + np.sin(x[1])])


def _field_4_to_1(x):
    return np.array([np.sum(x ** 3) / 3.0])


_field_3_to_2.__name__ = "f(x) = (x0 x1 + sin x2, x0**2 - 3 x2)"
_field_2_to_2.__name__ = "f(x) = (x0**2 x1, 5 x0 + sin x1)"
_field_4_to_1.__name__ = "f(x) = (sum x**3 / 3,)"


def _numerical_jacobian(f, x, h=1e-5):
    columns = []
    for j in range(len(x)):
        up, down = x.astype(float).tolist(), x.astype(float).tolist()
        up[j] += h
        down[j] -= h
        columns.append((np.asarray(f(np.array(up))) - np.asarray(f(np.array(down)))) / (2 * h))
    m = len(columns[0])
    return np.array([[columns[j][i] for j in range(len(x))] for i in range(m)])


def _jacobian_cases(rng):
    return [Case("f maps 3 inputs to 2 outputs, h = 0.01", (_field_3_to_2,
                                                            np.round(rng.normal(size=3), 3), 1e-2)),
            Case("f maps 2 inputs to 2 outputs", (_field_2_to_2, np.array([1.5, -0.5]), 1e-4)),
            Case("f maps 4 inputs to 1 output", (_field_4_to_1,
                                                 np.round(rng.normal(size=4), 3), 1e-5))]


def _forward_jacobian(f, x, h=1e-5):
    fx = np.asarray(f(x))
    J = np.zeros((len(fx), len(x)))
    for j in range(len(x)):
        xp = x.astype(float).copy()
        xp[j] += h
        J[:, j] = (np.asarray(f(xp)) - fx) / h
    return J


check_numerical_jacobian = FunctionCheck(
    "numerical_jacobian", _numerical_jacobian, _jacobian_cases, rtol=1e-6, atol=1e-9,
    mistakes=[
        Mistake("transposed Jacobian",
                "Your matrix is the transpose of the Jacobian: it has one row per input and "
                "one column per output. The Jacobian of f: R^n -> R^m has shape (m, n): row i "
                "is the gradient of output i, column j is how all outputs move when input j "
                "moves.",
                "Make the result (m, n): put the difference quotient for input j in column j.",
                variant=lambda f, x, h=1e-5: _numerical_jacobian(f, x, h).T),
        Mistake("one-sided difference where a central one was asked",
                "Your columns are forward differences (f(x + h e_j) - f(x)) / h; the exercise "
                "asks for central differences.",
                "Use f(x + h e_j) - f(x - h e_j), divided by 2h.",
                variant=_forward_jacobian),
    ],
    hint="Column j is (f(x + h e_j) - f(x - h e_j)) / 2h, where e_j is 1 in entry j and 0 "
         "elsewhere.")

# ---------------------------------------------------------------------------
# Exercise 3.3: the Jacobian of softmax
# ---------------------------------------------------------------------------


def _softmax_list(z):
    top = max(z)
    e = [math.exp(v - top) for v in z]
    total = sum(e)
    return [v / total for v in e]


def _softmax_jacobian(z):
    p = _softmax_list(z.tolist())
    k = len(p)
    return np.array([[p[i] * ((1.0 if i == j else 0.0) - p[j]) for j in range(k)]
                     for i in range(k)])


def _naive_softmax(z):
    e = np.exp(z)
    return e / e.sum()


check_softmax_jacobian = FunctionCheck(
    "softmax_jacobian", _softmax_jacobian,
    lambda rng: [Case("z = [1, 2, 3]", (np.array([1.0, 2.0, 3.0]),)),
                 Case("5 random logits", (np.round(rng.normal(size=5), 3),)),
                 Case("large logits z = [1000, 1001, 999]",
                      (np.array([1000.0, 1001.0, 999.0]),)),
                 Case("logits far apart z = [-800, 0, 5, 800]",
                      (np.array([-800.0, 0.0, 5.0, 800.0]),))],
    rtol=1e-7, atol=1e-12,
    mistakes=[
        Mistake("only the diagonal",
                "You returned diag(p * (1 - p)): the derivative of each p_i with respect to "
                "its own z_i only. But every probability depends on every logit, because they "
                "share the denominator: raising z_j lowers every other p_i.",
                "The off-diagonal entries are -p_i p_j: J = diag(p) - outer(p, p).",
                variant=lambda z: np.diag(_naive_softmax(z - z.max())
                                          * (1 - _naive_softmax(z - z.max())))),
        Mistake("missing the diagonal term",
                "You returned -outer(p, p), which is right off the diagonal, but the diagonal "
                "also has the p_i from differentiating the numerator exp(z_i).",
                "J = diag(p) - outer(p, p).",
                variant=lambda z: -np.outer(_naive_softmax(z - z.max()),
                                            _naive_softmax(z - z.max()))),
        Mistake("softmax overflowed",
                "Your result has NaN for large logits: np.exp(1000) is infinity, and "
                "infinity / infinity is NaN.",
                "Subtract z.max() from z before np.exp; softmax does not change when the same "
                "number is subtracted from every logit.",
                variant=lambda z: np.diag(_naive_softmax(z)) - np.outer(_naive_softmax(z),
                                                                        _naive_softmax(z))),
    ],
    hint="Differentiate p_i = exp(z_i) / sum_k exp(z_k) with respect to z_j, once for i == j "
         "and once for i != j.")

# ---------------------------------------------------------------------------
# Exercise 3.4: reverse mode through a chain of Jacobians
# ---------------------------------------------------------------------------


def _reverse_chain(jacobians, grad_output):
    total = jacobians[0]
    for J in jacobians[1:]:
        total = J @ total            # the full Jacobian of the chain, (d_L, d_0)
    return grad_output @ total


def chain_of(rng: np.random.Generator, dims: list[int]) -> tuple[np.ndarray, ...]:
    """Random Jacobians of a chain with layer sizes dims: J_k has shape (dims[k+1], dims[k])."""
    return tuple(np.round(rng.normal(size=(dims[k + 1], dims[k])), 3)
                 for k in range(len(dims) - 1))


def _reverse_cases(rng):
    # The square chain first: there every wrong order gives wrong numbers, not an error.
    return [Case("a chain of three 3x3 Jacobians", (chain_of(rng, [3, 3, 3, 3]),
                                                    np.round(rng.normal(size=3), 3))),
            Case("a chain 3 -> 5 -> 4 -> 2", (chain_of(rng, [3, 5, 4, 2]),
                                               np.round(rng.normal(size=2), 3))),
            Case("a single Jacobian 4 -> 1", (chain_of(rng, [4, 1]), np.array([1.0])))]


def _forward_order(jacobians, g):
    for J in jacobians:
        g = g @ J
    return g


def _jacobian_times_vector(jacobians, g):
    for J in reversed(jacobians):
        g = J @ g
    return g


check_reverse_mode = FunctionCheck(
    "reverse_mode", _reverse_chain, _reverse_cases, rtol=1e-8, atol=1e-10,
    mistakes=[
        Mistake("multiplied in the forward order",
                "You started with the first Jacobian. The gradient arrives at the *end* of "
                "the chain (dL/dy), so it must pass through the last layer's Jacobian first "
                "and the first layer's last: dL/dx = g J_L ... J_2 J_1.",
                "Loop over reversed(jacobians).",
                variant=_forward_order),
        Mistake("J @ g instead of g @ J",
                "You multiplied the Jacobian by the gradient from the right (J @ g). A "
                "gradient is a row vector here: it multiplies the Jacobian from the left, "
                "g @ J, which is the same as J.T @ g.",
                "Use g = g @ J (check: J_k has shape (d_k, d_k-1), g has d_k entries).",
                variant=_jacobian_times_vector),
    ],
    hint="Start with g = grad_output and apply g = g @ J for the Jacobians from last to first.")

# ---------------------------------------------------------------------------
# Exercise 3.5: the shapes of Jacobians
# ---------------------------------------------------------------------------

SHAPE_QUESTIONS = ("dy/dx", "dy/dW", "dh/dy", "dL/dh", "dL/dW", "dY/dX")
_SHAPES = {"dy/dx": (4, 3), "dy/dW": (4, 3, 4), "dh/dy": (4, 4), "dL/dh": (4,),
           "dL/dW": (3, 4), "dY/dX": (32, 4, 32, 3)}
_INPUT_FIRST = {"dy/dx": (3, 4), "dy/dW": (3, 4, 4), "dh/dy": (4, 4), "dL/dh": (4,),
                "dL/dW": (3, 4), "dY/dX": (32, 3, 32, 4)}

INPUT_FIRST = Mistake(
    "input axes first",
    "You wrote the input's axes before the output's. The convention here (and in NumPy "
    "code that stores Jacobians) is output axes first: the Jacobian of y with respect to x "
    "has shape y.shape + x.shape, so row i belongs to output y_i.",
    "Write the shape of what is differentiated first, then the shape of what it is "
    "differentiated with respect to.",
    example=_INPUT_FIRST)
NO_BATCH_AXES = Mistake(
    "the batch Jacobian without its batch axes",
    "For a batch, Y has shape (32, 4) and X has shape (32, 3), so dY/dX has shape "
    "Y.shape + X.shape = (32, 4, 32, 3). Most of its entries are 0 (example i's output does "
    "not depend on example j's input), which is exactly why backpropagation never builds it.",
    "Apply the rule output shape + input shape to the whole batch arrays.",
    example={**_SHAPES, "dY/dX": (4, 3)})
GRADIENT_AS_JACOBIAN = Mistake(
    "the gradient of a scalar with an extra axis",
    "L is a single number (shape ()), so dL/dW has shape () + W.shape = W.shape: a gradient "
    "has the shape of the thing it is taken with respect to. That is what lets gradient "
    "descent write W -= lr * dL/dW.",
    "Drop the leading 1: a scalar contributes no axes.",
    example={**_SHAPES, "dL/dh": (1, 4), "dL/dW": (1, 3, 4)})


def _verify_shapes(shapes, ctx: Context) -> None:
    ctx.require(shapes is not None, "`jacobian_shapes` is still None: you have not filled it "
                "in yet", hint="Replace None with a dict of shapes, one per question.")
    ctx.require(isinstance(shapes, dict), f"`jacobian_shapes` should be a dict, not a "
                f"{type(shapes).__name__}")
    missing = [k for k in SHAPE_QUESTIONS if k not in shapes]
    ctx.require(not missing, "`jacobian_shapes` is missing some questions",
                [f"missing keys: {', '.join(map(repr, missing))}"])
    answers = {}
    for key in SHAPE_QUESTIONS:
        value = shapes[key]
        if not (isinstance(value, (tuple, list)) and all(
                isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in value)):
            ctx.fail(f"the shape for {key!r} should be a tuple of whole numbers, like (4, 3)",
                     [f"got {value!r}"])
        answers[key] = tuple(int(n) for n in value)
    for key in SHAPE_QUESTIONS:
        if answers[key] == _SHAPES[key]:
            ctx.passed += 1
            continue
        mistake = None
        for candidate in (INPUT_FIRST, NO_BATCH_AXES, GRADIENT_AS_JACOBIAN):
            if candidate.example[key] == answers[key] and candidate.example[key] != _SHAPES[key]:
                mistake = candidate
                break
        ctx.fail(f"the shape of {key} is {answers[key]}, expected {_SHAPES[key]}",
                 mistake=mistake,
                 hint=None if mistake else "Use the rule: the Jacobian of an output of shape S "
                 "with respect to an input of shape T has shape S + T.")


check_jacobian_shapes = CustomCheck(
    "jacobian_shapes", _verify_shapes, reference=dict(_SHAPES),
    mistakes=[INPUT_FIRST, NO_BATCH_AXES, GRADIENT_AS_JACOBIAN],
    hint="A Jacobian of an output y with respect to an input x has shape y.shape + x.shape: "
         "output axes first, then input axes, batch axes included.")
