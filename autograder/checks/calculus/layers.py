"""Checks for 02_calculus/06_layers: forward and backward of vectorised layers.

Convention: a batch is the first axis. A backward function receives the
gradient of the loss with respect to the layer's output (dy, dp, ...) and
returns the gradient with respect to its inputs (and parameters).

Oracles: the linear layer's gradients are compared tensor by tensor with
central finite differences of sum(y * dy) (autograder.gradcheck, which reports
the wrong tensor and entries); relu and tanh backward are compared with finite
differences of their forward; softmax with a per-row loop; softmax backward
with the explicit Jacobian diag(p) - p p^T; the cross-entropy loss with a
per-example log-sum-exp loop and its gradient with the complex-step method.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..gradcheck import expect_gradients, numerical_gradient
from ..spec import Case, Mistake
from .shared import floats

# ---------------------------------------------------------------------------
# Exercise 6.1: the linear layer y = x @ W + b
# ---------------------------------------------------------------------------


def linear_case(label: str, n: int, d_in: int, d_out: int, seed: int = 0) -> Case:
    """A case for check_linear_backward: x (n, d_in), W (d_in, d_out), b (d_out,), dy."""
    rng = np.random.default_rng(seed)
    return Case(label, (floats(rng, n, d_in), floats(rng, d_in, d_out), floats(rng, d_out),
                        floats(rng, n, d_out)))


LINEAR_CASES = [linear_case("a batch of 5, 3 features in, 3 out", 5, 3, 3, seed=1),
                linear_case("a batch of 4, 3 features in, 5 out", 4, 3, 5, seed=2),
                linear_case("a batch of 1, 2 features in, 4 out", 1, 2, 4, seed=3)]

DB_MEAN = Mistake(
    "bias gradient averaged, not summed",
    "Your bias gradient is the *mean* of dy over the batch. The bias is added to every "
    "example, so each example contributes its dy to it in full: db is the *sum* over the "
    "batch. (If the loss is a mean, its 1/N is already inside dy.)",
    "db = dy.sum(axis=0).",
    example=lambda dy, x, W: (dy @ W.T, x.T @ dy, dy.mean(axis=0)))
DX_NOT_TRANSPOSED = Mistake(
    "dx uses W instead of W.T",
    "You computed dx = dy @ W. Each input feature i reaches output j through W[i, j], so "
    "dx[n, i] = sum_j dy[n, j] W[i, j]: that is dy @ W.T. For a square W the wrong version "
    "runs without error and gives wrong numbers.",
    "dx = dy @ W.T; check: (n, d_out) @ (d_out, d_in) = (n, d_in).",
    example=lambda dy, x, W: (dy @ W, x.T @ dy, dy.sum(axis=0)))


def _verify_linear(fn, ctx: Context) -> None:
    cases = ctx.cases if ctx.cases is not None else LINEAR_CASES
    word = "hidden check" if ctx.hidden else "check"
    for i, case in enumerate(cases, 1):
        x, W, b, dy = (a.copy() for a in case.args)
        call = Case(case.label, (dy, x, W))
        out = ctx.call(fn, call)
        label = f"{word} {i} of {len(cases)} failed: {case.label}"
        if not (isinstance(out, (tuple, list)) and len(out) == 3):
            ctx.fail(f"{label}: linear_backward should return three arrays (dx, dW, db)",
                     [f"got {type(out).__name__}"
                      + (f" of {len(out)} items" if isinstance(out, (tuple, list)) else "")],
                     hint="End with: return dx, dW, db")
        params = {"x": x, "W": W, "b": b}

        def loss(p=params, dy=dy):  # sum(y * dy): its gradient with respect to y is dy
            return float(((p["x"] @ p["W"] + p["b"]) * dy).sum())
        grads = dict(zip(("x", "W", "b"), out, strict=True))
        variants = [(DB_MEAN, {"b": dy.mean(axis=0)})]
        if W.shape[0] == W.shape[1]:
            variants.append((DX_NOT_TRANSPOSED, {"x": dy @ W}))
        expect_gradients(ctx, loss, params, grads, label=label, batch_size=len(x),
                         variants=variants)


check_linear_backward = CustomCheck(
    "linear_backward", _verify_linear,
    reference=lambda dy, x, W: (np.einsum("nj,ij->ni", dy, W), np.einsum("ni,nj->ij", x, dy),
                                np.einsum("nj->j", dy)),
    mistakes=[DB_MEAN, DX_NOT_TRANSPOSED],
    hint="dx = dy @ W.T, dW = x.T @ dy, db = dy.sum(axis=0); check each shape against x, W, b.")

# ---------------------------------------------------------------------------
# Exercise 6.2: relu backward
# ---------------------------------------------------------------------------


def _relu_backward(dy, x):
    def loss():
        return float((np.maximum(probe, 0.0) * dy).sum())
    probe = x.astype(float).copy()
    grad = numerical_gradient(loss, probe, eps=1e-7)
    grad[np.abs(x) < 1e-6] = 0.0       # the convention at the kink: relu'(0) = 0
    return grad


def _two_arrays(rng, shape):
    x = floats(rng, *shape)
    x[np.abs(x) < 0.01] = 0.5   # keep away from the kink, where finite differences are blind
    return x


def _relu_cases(rng):
    at_kink = floats(rng, 3, 4)
    at_kink[:, ::2] = 0.0
    return [Case("x and dy of shape (4, 3)", (floats(rng, 4, 3), _two_arrays(rng, (4, 3)))),
            Case("x and dy of shape (2, 6)", (floats(rng, 2, 6), _two_arrays(rng, (2, 6)))),
            Case("x with entries exactly 0 (where dx is 0, as the docstring says)",
                 (floats(rng, 3, 4), at_kink)),
            Case("x and dy of shape (2, 3, 2) (any shape)",
                 (floats(rng, 2, 3, 2), _two_arrays(rng, (2, 3, 2))))]


check_relu_backward = FunctionCheck(
    "relu_backward", _relu_backward, _relu_cases, rtol=1e-6, atol=1e-8,
    mistakes=[
        Mistake("masked with dy instead of x",
                "You kept the entries where dy > 0. Whether gradient flows through a relu "
                "depends on the layer's *input* x: where x > 0 the relu is the identity "
                "(slope 1), where x < 0 it is flat (slope 0).",
                "dx = dy * (x > 0).",
                variant=lambda dy, x: dy * (dy > 0)),
        Mistake("the gradient passed through unchanged",
                "You returned dy itself. That is the gradient of the identity; relu blocks "
                "the gradient wherever its input was negative.",
                "Multiply dy by the mask (x > 0).",
                variant=lambda dy, x: dy.copy()),
        Mistake("only the local derivative",
                "You returned the mask (x > 0), the local derivative of relu, without "
                "multiplying by the gradient dy that arrives from above.",
                "Chain rule: dx = dy * (local derivative).",
                variant=lambda dy, x: (x > 0).astype(float)),
    ],
    hint="relu passes the gradient where its input was positive and blocks it elsewhere.")

# ---------------------------------------------------------------------------
# Exercise 6.3: tanh backward, from the cached output
# ---------------------------------------------------------------------------


def _tanh_backward(dy, y):
    x = np.arctanh(y)

    def loss():
        return float((np.tanh(probe) * dy).sum())
    probe = x.copy()
    return numerical_gradient(loss, probe, eps=1e-6)


def _tanh_cases(rng):
    return [Case("dy and y = tanh(x) of shape (3, 4)",
                 (floats(rng, 3, 4), np.tanh(floats(rng, 3, 4)))),
            Case("dy and y = tanh(x) of shape (5, 2)",
                 (floats(rng, 5, 2), np.tanh(floats(rng, 5, 2, scale=2.0))))]


check_tanh_backward = FunctionCheck(
    "tanh_backward", _tanh_backward, _tanh_cases, rtol=1e-6, atol=1e-8,
    mistakes=[
        Mistake("tanh applied again",
                "You computed 1 - tanh(y)**2, but y is already tanh(x), the layer's output. "
                "tanh' = 1 - tanh(x)**2 = 1 - y**2.",
                "Use the cached output directly: dy * (1 - y**2).",
                variant=lambda dy, y: dy * (1 - np.tanh(y) ** 2)),
        Mistake("the square is missing",
                "You used 1 - y; the derivative of tanh is 1 - y**2.",
                "Square y.",
                variant=lambda dy, y: dy * (1 - y)),
        Mistake("the sigmoid rule",
                "You used y * (1 - y), which is the derivative rule of the sigmoid, not tanh.",
                "For tanh the local derivative is 1 - y**2.",
                variant=lambda dy, y: dy * y * (1 - y)),
        Mistake("only the local derivative",
                "You returned 1 - y**2 without multiplying by dy, the gradient arriving from "
                "above.",
                "dx = dy * (1 - y**2).",
                variant=lambda dy, y: 1 - y ** 2),
    ],
    hint="d tanh(x) / dx = 1 - tanh(x)**2 = 1 - y**2; multiply by dy.")

# ---------------------------------------------------------------------------
# Exercise 6.4: softmax over the last axis
# ---------------------------------------------------------------------------


def _softmax(z):
    rows = []
    for row in np.atleast_2d(z).tolist():
        top = max(row)
        e = [math.exp(v - top) for v in row]
        total = sum(e)
        rows.append([v / total for v in e])
    return np.array(rows).reshape(z.shape)


def _naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_cases(rng):
    return [Case("logits of shape (3, 4)", (floats(rng, 3, 4, scale=2.0),)),
            Case("logits of shape (4, 4)", (floats(rng, 4, 4, scale=2.0),)),
            Case("large logits: [[1000, 1001, 1002], [-5, 0, 5]]",
                 (np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]]),)),
            Case("rows far apart: [[-1000, 0, 1000], [-1000, -1001, -999]]",
                 (np.array([[-1000.0, 0.0, 1000.0], [-1000.0, -1001.0, -999.0]]),))]


check_softmax = FunctionCheck(
    "softmax", _softmax, _softmax_cases, rtol=1e-8, atol=1e-12,
    mistakes=[
        Mistake("normalised over the wrong axis",
                "Your columns sum to 1 instead of your rows. Each row is one example, and its "
                "probabilities (over the last axis) must sum to 1.",
                "Sum over axis=-1 with keepdims=True.",
                variant=lambda z: np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(
                    axis=0)),
        Mistake("normalised over the whole batch",
                "You divided by the sum over every entry of the batch, so the whole array "
                "sums to 1 instead of each row.",
                "Divide each row by its own sum: .sum(axis=-1, keepdims=True).",
                variant=lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum()),
        Mistake("overflow: the maximum was not subtracted",
                "np.exp(1000) is infinity in float64, and infinity / infinity is NaN. "
                "Softmax does not change if you subtract the same number from every logit "
                "of a row, so subtract the row's maximum first: the largest exponent is then "
                "exp(0) = 1.",
                "z = z - z.max(axis=-1, keepdims=True) before np.exp.",
                variant=_naive_softmax),
        Mistake("the maximum of the wrong axis",
                "You subtracted each *column's* maximum. That changes the logits of a row by "
                "different amounts, which changes the probabilities.",
                "Subtract the maximum of each row: z.max(axis=-1, keepdims=True).",
                variant=lambda z: _naive_softmax(z - z.max(axis=0))),
        Mistake("the maximum of the whole array",
                "You subtracted one maximum, of the whole array, from every row. A row whose "
                "logits are all far below that maximum then has exp(...) == 0 everywhere, and "
                "0 / 0 gives NaN.",
                "Subtract each row's own maximum: z.max(axis=-1, keepdims=True).",
                variant=lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(
                    axis=-1, keepdims=True)),
    ],
    hint="p = exp(z - max) / sum(exp(z - max)) over the last axis, row by row.")

# ---------------------------------------------------------------------------
# Exercise 6.5: softmax backward
# ---------------------------------------------------------------------------


def _softmax_backward(dp, p):
    out = np.zeros(p.shape)
    for n in range(p.shape[0]):
        k = p.shape[1]
        J = [[p[n, i] * ((1.0 if i == j else 0.0) - p[n, j]) for j in range(k)]
             for i in range(k)]
        for j in range(k):
            out[n, j] = sum(dp[n, i] * J[i][j] for i in range(k))
    return out


def _softmax_backward_cases(rng):
    return [Case("dp and p of shape (3, 4)", (floats(rng, 3, 4), _softmax(floats(rng, 3, 4)))),
            Case("dp and p of shape (4, 4)", (floats(rng, 4, 4), _softmax(floats(rng, 4, 4)))),
            Case("dp and p of shape (2, 5)", (floats(rng, 2, 5), _softmax(floats(rng, 2, 5))))]


check_softmax_backward = FunctionCheck(
    "softmax_backward", _softmax_backward, _softmax_backward_cases, rtol=1e-8, atol=1e-12,
    mistakes=[
        Mistake("only the diagonal of the Jacobian",
                "You used dp * p * (1 - p): only the effect of each logit on its own "
                "probability. Each logit changes every probability in its row (they share "
                "the denominator), so the gradient has a second term.",
                "dz = p * (dp - (dp * p).sum(axis=-1, keepdims=True)).",
                variant=lambda dp, p: dp * p * (1 - p)),
        Mistake("summed over the wrong axis",
                "The correction term sums dp * p over the batch (axis 0); it belongs to each "
                "row separately (axis -1).",
                "(dp * p).sum(axis=-1, keepdims=True).",
                variant=lambda dp, p: p * (dp - (dp * p).sum(axis=0, keepdims=True))),
        Mistake("keepdims missing",
                "(dp * p).sum(axis=-1) has shape (n,); subtracting it from an (n, k) array "
                "lines it up with the *columns*, not the rows. For square inputs this runs "
                "and gives wrong numbers.",
                "Keep the summed axis: .sum(axis=-1, keepdims=True) has shape (n, 1).",
                variant=lambda dp, p: p * (dp - (dp * p).sum(axis=-1))),
    ],
    hint="Row by row, dz = J^T dp with J = diag(p) - p p^T; simplify it to one line.")

# ---------------------------------------------------------------------------
# Exercise 6.6: the fused softmax cross-entropy
# ---------------------------------------------------------------------------


def _ce_loss(logits, labels) -> float:
    total = 0.0
    for row, label in zip(logits.tolist(), labels.tolist(), strict=True):
        top = max(row)
        lse = top + math.log(sum(math.exp(v - top) for v in row))
        total += lse - row[label]
    return total / len(labels)


def _ce_complex(z, labels):
    m = z.real.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - m).sum(axis=1)) + m[:, 0]
    return (lse - z[np.arange(len(labels)), labels]).mean()


def _softmax_cross_entropy(logits, labels):
    grad = np.zeros(logits.shape)
    step = 1e-30
    for idx in np.ndindex(*logits.shape):
        z = logits.astype(np.complex128)
        z[idx] += 1j * step
        grad[idx] = _ce_complex(z, labels).imag / step
    return _ce_loss(logits, labels), grad


def _stable_p(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _onehot(labels, k):
    return np.eye(k)[labels]


def _ce_cases(rng):
    return [Case("a batch of 4 examples, 3 classes", (floats(rng, 4, 3, scale=2.0),
                                                      np.array([0, 2, 1, 2]))),
            Case("a batch of 5 examples, 4 classes", (floats(rng, 5, 4, scale=2.0),
                                                      rng.integers(0, 4, size=5))),
            Case("a confident wrong prediction: logits [500, 0, -500], label 2",
                 (np.array([[500.0, 0.0, -500.0], [1.0, 2.0, 3.0]]), np.array([2, 0]))),
            Case("huge logits in rows of very different sizes",
                 (np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1001.0, -999.0]]),
                  np.array([0, 2])))]


def _ce_variant(loss_of, grad_of):
    def variant(z, y):
        n, k = z.shape
        p = _stable_p(z)
        return loss_of(z, y, p, n), grad_of(p, _onehot(y, k), n)
    return variant


def _mean_loss(z, y, p, n):
    return _ce_loss(z, y)


check_softmax_cross_entropy = FunctionCheck(
    "softmax_cross_entropy", _softmax_cross_entropy, _ce_cases, rtol=1e-7, atol=1e-10,
    mistakes=[
        Mistake("forgot the 1/N of a mean loss",
                "Your loss is the mean over the batch, but your gradient is the gradient of "
                "the *sum*: every entry is N times too big (N = the batch size). The 1/N in "
                "front of the mean stays in front of its gradient.",
                "dlogits = (p - onehot) / N.",
                variant=_ce_variant(_mean_loss, lambda p, y, n: p - y)),
        Mistake("summed over the batch instead of averaging",
                "Your loss is the sum of the examples' losses and your gradient matches it. "
                "This exercise (like most code) uses the mean, so that the size of the loss, "
                "and the right learning rate, do not depend on the batch size.",
                "Divide the loss and the gradient by N.",
                variant=_ce_variant(lambda z, y, p, n: _ce_loss(z, y) * n,
                                    lambda p, y, n: p - y)),
        Mistake("the gradient has the wrong sign",
                "Your gradient is onehot - p: it points uphill. Raising the correct class's "
                "logit lowers the loss, so its gradient entry must be negative: p - 1 < 0.",
                "dlogits = (p - onehot) / N.",
                variant=_ce_variant(_mean_loss, lambda p, y, n: (y - p) / n)),
        Mistake("the one-hot was not subtracted",
                "Your gradient is p / N: the derivative of log-sum-exp only. The loss also "
                "has the term -z[label], whose derivative is -1 at the correct class.",
                "Subtract 1 at each example's label: (p - onehot) / N.",
                variant=_ce_variant(_mean_loss, lambda p, y, n: p / n)),
        Mistake("log of a probability that underflowed",
                "Your loss is infinite for a confident wrong prediction: the probability of "
                "the correct class, exp(-1000) relative to the rest, underflows to 0.0 in "
                "float64, and log(0) is -infinity. Computing softmax first and then its log "
                "throws that information away.",
                "Compute the log-probabilities directly: log p = (z - max) - log(sum(exp(z - "
                "max))), the log-sum-exp trick.",
                variant=_ce_variant(lambda z, y, p, n: float(-np.log(p[np.arange(n), y]).mean()),
                                    lambda p, y, n: (p - y) / n)),
    ],
    hint="loss = mean over the batch of (logsumexp(z) - z[label]); dlogits = (p - onehot) / N.")
