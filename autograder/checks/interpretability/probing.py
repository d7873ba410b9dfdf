"""Checks for 06_interpretability/05_probing: token labels, a logistic probe, a control task.

Oracles: a loop over tokens (labels), a per-example loss with central differences
for its gradient (the probe's loss), Newton's method on the same convex objective
(the fitted probe), and properties (the control task).
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..scalar_math import softplus as _softplus
from ..spec import Case, Mistake

# -- 5.1 token labels: the label of a token's last byte ---------------------------------------


def _token_labels(byte_labels, token_lengths):
    out = []
    end = 0
    for length in token_lengths:
        end += int(length)
        out.append(byte_labels[end - 1])
    return np.asarray(out, dtype=np.asarray(byte_labels).dtype)


def _starts(lengths):
    return np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(int)


def _label_cases(rng):
    # bytes: x = "a)(" + b  -> tokens that cross the string's edges both ways
    in_string = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0], dtype=bool)
    lengths = np.array([2, 1, 2, 2, 1, 3, 1])           # tokens 2 and 5 cross the string's edges
    depth = rng.integers(0, 4, size=40)
    depth_lengths = rng.integers(1, 5, size=40)
    cut = np.searchsorted(np.cumsum(depth_lengths), 40)
    depth_lengths = depth_lengths[:cut + 1]
    depth_lengths[-1] = 40 - depth_lengths[:-1].sum()
    return [Case("12 bytes in 7 tokens, one entering and one leaving a string",
                 (in_string, lengths)),
            Case(f"40 bracket depths (int) in {len(depth_lengths)} tokens", (depth, depth_lengths)),
            Case("5 single-byte tokens", (np.array([0, 2, 1, 1, 0]), np.ones(5, dtype=int)))]


check_token_labels = FunctionCheck(
    "token_labels", _token_labels, _label_cases, dtype="exact",
    hint="Token t covers bytes cumsum(lengths)[t] - lengths[t] .. cumsum(lengths)[t] - 1; "
         "its label is the label of the last of them.",
    mistakes=[
        Mistake("the first byte",
                "You labelled each token with its first byte. The residual stream at a "
                "token's position has read the whole token, so the state it can know is "
                "the one after the token's last byte.",
                "Index the labels at cumsum(token_lengths) - 1.",
                variant=lambda b, n: np.asarray(b)[_starts(n)]),
        Mistake("any byte",
                "You labelled a token 1 (or its largest value) when any of its bytes has it. "
                "A token that ends just after a closing quote then counts as inside the "
                "string, although after reading it the model is outside.",
                "Take the label of the token's last byte only.",
                variant=lambda b, n: np.maximum.reduceat(np.asarray(b), _starts(n))),
    ])

# -- 5.2 the probe's loss and gradient ------------------------------------------------------


def _objective(w, b, X, y, l2):
    """Mean binary cross-entropy of sigmoid(X w + b) against y, plus l2/2 |w|^2: a loop."""
    total = 0.0
    for xi, yi in zip(X, y, strict=True):
        z = float(np.dot(xi, w)) + float(b)
        total += _softplus(z) - float(yi) * z            # -log p(y | z), both labels
    return total / len(y) + 0.5 * l2 * float(np.dot(w, w))


def _loss_grad(w, b, X, y, l2):
    w = np.asarray(w, dtype=np.float64)
    h = 1e-6
    gw = np.zeros_like(w)
    for j in range(len(w)):
        e = np.zeros_like(w)
        e[j] = h
        gw[j] = (_objective(w + e, b, X, y, l2) - _objective(w - e, b, X, y, l2)) / (2 * h)
    gb = (_objective(w, b + h, X, y, l2) - _objective(w, b - h, X, y, l2)) / (2 * h)
    return _objective(w, b, X, y, l2), gw, float(gb)


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _variant(w, b, X, y, l2, *, mean=True, reg_bias=False, half=True, sign=1.0):
    z = X @ w + b
    n = len(y) if mean else 1
    loss = (np.logaddexp(0.0, z) - y * z).sum() / n + (0.5 if half else 1.0) * l2 * (w @ w)
    r = sign * (_sigmoid(z) - y)
    gw = X.T @ r / n + (1.0 if half else 2.0) * l2 * w
    gb = r.sum() / n
    if reg_bias:
        loss += 0.5 * l2 * b * b
        gb += l2 * b
    return float(loss), gw, float(gb)


def _probe_cases(rng):
    X = rng.normal(size=(7, 3))
    y = (rng.random(7) < 0.5).astype(float)
    y[:2] = [0.0, 1.0]
    w, b = rng.normal(size=3), 0.7
    Xbig = rng.normal(size=(6, 4)) * 300.0                  # logits in the hundreds
    ybig = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    return [Case("7 examples, 3 features, l2 = 0.1", (w, b, X, y, 0.1)),
            Case("6 examples, 4 features, logits of several hundred, l2 = 0.01",
                 (rng.normal(size=4), -1.5, Xbig, ybig, 0.01)),
            Case("7 examples, no regularisation", (w, -0.3, X, y, 0.0))]


check_probe_loss = FunctionCheck(
    "probe_loss", _loss_grad, _probe_cases, rtol=1e-5, atol=1e-7,
    reference=lambda w, b, X, y, l2: _variant(w, b, X, y, l2),
    hint="loss = mean over examples of log(1 + e^z) - y z, with z = X @ w + b, plus "
         "l2 / 2 * sum(w**2); its gradient is X.T @ (sigmoid(z) - y) / N + l2 * w for w and "
         "the mean of sigmoid(z) - y for b. Compute log(1 + e^z) with np.logaddexp(0, z).",
    mistakes=[
        Mistake("a sum instead of a mean",
                "Your loss and gradients are N times too large: you summed over the "
                "examples instead of averaging. The regulariser's strength then depends on "
                "how many examples there are.",
                "Divide the data term and its gradients by the number of examples.",
                variant=lambda w, b, X, y, l2: _variant(w, b, X, y, l2, mean=False)),
        Mistake("the bias regularised",
                "You penalise the bias too. The exercise regularises w only: the bias "
                "just sets the base rate and should be free.",
                "Leave b out of the l2 term and of its gradient.",
                variant=lambda w, b, X, y, l2: _variant(w, b, X, y, l2, reg_bias=True)),
        Mistake("l2 without the 1/2",
                "You used l2 * sum(w**2) (gradient 2 * l2 * w). The exercise's "
                "regulariser is l2 / 2 * sum(w**2), whose gradient is l2 * w.",
                "Put the factor 1/2 in the loss, so the gradient is l2 * w.",
                variant=lambda w, b, X, y, l2: _variant(w, b, X, y, l2, half=False)),
        Mistake("the gradient's sign",
                "Your gradients point uphill: you used y - sigmoid(z). That is the "
                "gradient of the log-likelihood, which you maximise; the loss is its "
                "negative.",
                "The gradient of the loss is X.T @ (sigmoid(z) - y) / N.",
                variant=lambda w, b, X, y, l2: _variant(w, b, X, y, l2, sign=-1.0)),
    ])

# -- 5.3 fitting the probe --------------------------------------------------------------------


def _optimum(X, y, l2):
    """The minimum of the probe's objective by Newton's method (convex: 30 steps is plenty)."""
    A = np.hstack([X, np.ones((len(y), 1))])             # (N, d + 1): the bias is a column
    reg = np.full(A.shape[1], l2)
    reg[-1] = 0.0
    theta = np.zeros(A.shape[1])
    for _ in range(30):
        p = _sigmoid(A @ theta)
        grad = A.T @ (p - y) / len(y) + reg * theta
        hess = (A * (p * (1 - p))[:, None]).T @ A / len(y) + np.diag(reg) + 1e-12 * np.eye(len(reg))
        theta -= np.linalg.solve(hess, grad)
    return _variant(theta[:-1], theta[-1], X, y, l2)[0]


def _fit_data(rng, n=300, d=6, base=0.2):
    X = rng.normal(size=(n, d))
    true_w = rng.normal(size=d) * 1.5
    z = X @ true_w + math.log(base / (1 - base))
    y = (rng.random(n) < _sigmoid(z)).astype(float)
    return X, y


def _reference_fit(X, y, l2=1e-2, lr=4.0, steps=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        _, gw, gb = _variant(w, b, X, y, l2)
        w, b = w - lr * gw, b - lr * gb
    return w, b


def _gd_steps(X, y, l2, lr, steps):
    """`steps` steps of gradient descent from zero, with finite-difference gradients."""
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        _, gw, gb = _loss_grad(w, b, X, y, l2)
        w, b = w - lr * gw, b - lr * gb
    return w, b


def _verify_fit(fn, ctx: Context) -> None:
    rng = ctx.rng(7 if ctx.hidden else 0)
    X, y = _fit_data(rng, 12, 3, 0.4)
    for steps in (1, 3):
        case = Case(f"12 examples, 3 features, l2 = 0.1, lr = 0.5, {steps} step(s)",
                    (X.copy(), y.copy()), {"l2": 0.1, "lr": 0.5, "steps": steps})
        got = ctx.call(fn, case)
        ctx.require(isinstance(got, tuple) and len(got) == 2,
                    "fit_probe should return a tuple (w, b)", [f"got {type(got).__name__}"])
        w, b = _gd_steps(X, y, 0.1, 0.5, steps)
        ctx.expect((w, b), (np.asarray(got[0], dtype=float), float(np.asarray(got[1]))),
                   label=f"(w, b) after exactly {steps} step(s) of gradient descent from "
                         f"w = 0, b = 0 ({case.label})", case=case, fn=fn, rtol=1e-6,
                   atol=1e-8)
    for n, d, base in ((300, 6, 0.2), (120, 3, 0.7)):
        X, y = _fit_data(rng, n, d, base)
        case = Case(f"{n} examples, {d} features, {base:.0%} positive, l2 = 0.01",
                    (X.copy(), y.copy()), {"l2": 0.01})
        got = ctx.call(fn, case)
        ctx.require(isinstance(got, tuple) and len(got) == 2,
                    "fit_probe should return a tuple (w, b)",
                    [f"got {type(got).__name__}"])
        w, b = got
        w = np.asarray(w, dtype=float)
        ctx.require(w.shape == (d,) and np.ndim(b) == 0,
                    f"w should have shape ({d},) and b be a number ({case.label})",
                    [f"got w of shape {w.shape} and b of shape {np.shape(b)}"])
        ctx.require(bool(np.isfinite(w).all() and np.isfinite(b)),
                    f"w or b is not finite ({case.label})", ["a learning rate too large?"])
        best = _optimum(X, y, 0.01)
        yours = _variant(w, float(b), X, y, 0.01)[0]
        start = _variant(np.zeros(d), 0.0, X, y, 0.01)[0]
        ctx.require(yours <= best + 2e-3,
                    f"your probe does not reach the minimum of the loss ({case.label})",
                    [f"loss at your (w, b): {yours:.5f}; the minimum (Newton's method): "
                     f"{best:.5f}; at w = 0, b = 0: {start:.5f}"],
                    mistake=FIT_ASCENT if yours > start else None,
                    hint="Step against the gradient (w -= lr * grad_w, the same for b) for "
                         "the default number of steps; check probe_loss first.")


def _ascent_fit(X, y, l2=1e-2, lr=4.0, steps=100):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        _, gw, gb = _variant(w, b, X, y, l2)
        w, b = w + lr * gw, b + lr * gb
    return w, b


def _is_ascent(expected, got, case) -> bool:
    """One step from zero: uphill is exactly the negative of downhill (w, b or both)."""
    try:
        e = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in
                            (expected if isinstance(expected, tuple) else (expected,))])
        g = np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in
                            (got if isinstance(got, tuple) else (got,))])
        return bool(e.shape == g.shape and np.abs(e).max() > 1e-6
                    and np.allclose(g, -e, rtol=1e-5, atol=1e-9))
    except (TypeError, ValueError):
        return False


FIT_ASCENT = Mistake(
    "stepping uphill",
    "Your updates climb the loss: after one step from w = 0, b = 0 your (w, b) is exactly "
    "the negative of the right one, and after many steps its loss is higher than where it "
    "started. Each step should subtract the learning rate times the gradient.",
    "w = w - lr * grad_w and b = b - lr * grad_b.",
    detect=_is_ascent, example=_ascent_fit)

check_fit_probe = CustomCheck("fit_probe", _verify_fit, reference=_reference_fit,
                              mistakes=[FIT_ASCENT])

# -- 5.4 the control task ---------------------------------------------------------------------


def _reference_control(token_ids, labels, seed):
    rng = np.random.default_rng(seed)
    types = np.unique(token_ids)
    drawn = dict(zip(types.tolist(), rng.choice(labels, size=len(types)).tolist(), strict=True))
    return np.array([drawn[t] for t in token_ids.tolist()], dtype=labels.dtype)


def _verify_control(fn, ctx: Context) -> None:
    rng = ctx.rng(11 if ctx.hidden else 0)
    n_types, n = 400, 6000
    ids = rng.integers(0, n_types, size=n)
    ids[: n_types] = np.arange(n_types)                   # every type occurs
    labels = rng.random(n) < 0.3                           # 30% positive, not a function of id
    case = Case(f"{n} tokens of {n_types} types, labels 30% True", (ids.copy(), labels.copy(), 0))
    got = np.asarray(ctx.call(fn, case))
    ctx.require(got.shape == labels.shape and got.dtype == labels.dtype,
                "control_labels should return one label per token, with the labels' dtype",
                [f"expected shape {labels.shape} and dtype {labels.dtype}, "
                 f"got {got.shape} and {got.dtype}"])
    per_type = [np.unique(got[ids == t]) for t in range(n_types)]
    mixed = [t for t, u in enumerate(per_type) if len(u) > 1]
    ctx.require(not mixed, "some token type gets different control labels at different "
                "positions", [f"{len(mixed)} of {n_types} types are mixed, e.g. token id "
                              f"{mixed[0] if mixed else 0}"],
                mistake=CONTROL_SHUFFLED if mixed else None)
    first = np.array([u[0] for u in per_type])
    share = float(first.mean())
    ctx.require(abs(share - 0.3) < 0.075,
                "the control labels should follow the real labels' distribution",
                [f"{share:.0%} of token types got True; the real labels are 30% True "
                 "(allowed: 22.5% to 37.5%)"])
    ctx.require(not np.array_equal(got, labels), "the control labels equal the real labels",
                ["they should be random, one per token type"])
    again = np.asarray(ctx.call(fn, case))
    ctx.require(np.array_equal(again, got), "the same seed gave different control labels",
                ["use np.random.default_rng(seed), not the global generator"],
                mistake=CONTROL_UNSEEDED if not np.array_equal(again, got) else None)
    seed1 = Case("the same tokens, seed 1", (ids.copy(), labels.copy(), 1))
    other = np.asarray(ctx.call(fn, seed1))
    ctx.require(not np.array_equal(other, got), "seeds 0 and 1 gave the same control labels",
                ["the seed should choose the random labels"])
    ints = np.array([5, 9, 5, 2, 9, 9, 5])
    small = Case("7 tokens of 3 types, integer labels 0..3",
                 (ints, np.array([0, 3, 1, 2, 3, 0, 1]), 4))
    got = np.asarray(ctx.call(fn, small))
    ctx.require(got.dtype.kind == "i" and set(got.tolist()) <= {0, 1, 2, 3}
                and len({(int(t), int(g)) for t, g in zip(ints, got, strict=True)}) == 3,
                "with integer labels, each type should get one label drawn from those labels",
                [f"token ids {ints.tolist()}, your control labels {got.tolist()}"])


def _shuffled(token_ids, labels, seed):
    return np.random.default_rng(seed).permutation(labels)


def _unseeded(token_ids, labels, seed):
    types = np.unique(token_ids)
    drawn = dict(zip(types.tolist(), np.random.choice(labels, size=len(types)).tolist(),
                     strict=True))
    return np.array([drawn[t] for t in token_ids.tolist()], dtype=labels.dtype)


CONTROL_SHUFFLED = Mistake(
    "labels shuffled across tokens",
    "Your control labels are not a function of the token: the same token id gets different "
    "labels at different positions (shuffling the real labels does this). The control task "
    "of Hewitt and Liang gives each token *type* one random label, so that a probe can only "
    "solve it by memorising which token has which label.",
    "Draw one label per distinct token id, then look each token's label up.",
    example=_shuffled)
CONTROL_UNSEEDED = Mistake(
    "not seeded",
    "Two calls with the same seed gave different labels: your function draws from the global "
    "NumPy generator (np.random.choice) or ignores the seed.",
    "Make a generator with np.random.default_rng(seed) and draw from it.",
    example=_unseeded)

check_control_labels = CustomCheck("control_labels", _verify_control,
                                   reference=_reference_control,
                                   mistakes=[CONTROL_SHUFFLED, CONTROL_UNSEEDED])
