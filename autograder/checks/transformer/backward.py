"""Checks for 04_transformer/05_backward: every layer's backward pass, then the whole model.

The oracle is always finite differences (autograder.gradcheck) of a float64 loss
``L = sum(forward(inputs) * R)`` with a random R, so that dL/d(output) = R is
what the learner's backward function receives. When a gradient is wrong, the
learner's result is compared with known buggy formulas to name the mistake;
expect_gradients adds the generic diagnoses (transposed, wrong sign, a constant
factor, a bias not summed).

The references (correct submissions for the unit tests) are written here from
scratch, in a different style from autograder.gpt (explicit Jacobians, einsum).
"""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import numpy as np

from ..core import Context, CustomCheck
from ..gradcheck import GRAD_BIAS_NOT_SUMMED, GRAD_TRANSPOSED, expect_gradients
from ..spec import Case, CheckFailure, Mistake
from . import oracles

C = math.sqrt(2.0 / math.pi)


def _gelu(x):
    return 0.5 * x * (1.0 + np.tanh(C * (x + 0.044715 * x ** 3)))


def _ln(x, g, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _as_tuple(ctx: Context, got, n: int, names: str):
    if n == 1:
        return (got,)
    ctx.require(isinstance(got, tuple) and len(got) == n,
                f"your function should return a tuple of {n} arrays ({names})",
                [f"got {type(got).__name__}"
                 + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else "")])
    return got


def _grads(ctx: Context, fn, case: Case, names: list[str], params: dict, forward,
           R: np.ndarray, mistakes: list[Mistake], label: str, batch_size=None):
    """Call the learner's backward, then compare with finite differences of sum(forward * R)."""
    got = _as_tuple(ctx, ctx.call(fn, case), len(names), ", ".join(names))
    grads = dict(zip(params, got, strict=True))

    def loss():
        return float((forward(**params) * R).sum())

    try:
        expect_gradients(ctx, loss, params, grads, label=label, batch_size=batch_size)
    except CheckFailure as failure:
        for mistake in mistakes:
            try:
                wrong = mistake.example(*case.args, **case.kwargs)
                wrong = wrong if isinstance(wrong, tuple) else (wrong,)
                same = all(np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=1e-7,
                                                                      atol=1e-10)
                           for a, b in zip(wrong, got, strict=True))
            except Exception:
                same = False
            if same:
                failure.mistake = mistake
                failure.hint = None
                break
        raise


def _rng(ctx: Context) -> np.random.Generator:
    """This run's generator; hidden tests draw other values with ``seed=``."""
    return ctx.rng()


def _named(mistake: Mistake, example) -> Mistake:
    """A copy of a gradcheck mistake with a runnable example (for the unit tests)."""
    return dataclasses.replace(mistake, example=example)

# -- 5.1 linear ------------------------------------------------------------------------


def _linear_reference(dy, x, W):
    dW = np.einsum("ni,no->io", x, dy)
    return np.einsum("no,io->ni", dy, W), dW, dy.sum(axis=0)


def _verify_linear(fn, ctx: Context) -> None:
    rng = _rng(ctx)
    for N, d_in, d_out in ((5, 3, 4), (2, 4, 4)):
        x, W, b = rng.normal(size=(N, d_in)), rng.normal(size=(d_in, d_out)), rng.normal(size=d_out)
        R = rng.normal(size=(N, d_out))
        case = Case(f"x ({N}, {d_in}), W ({d_in}, {d_out})", (R.copy(), x, W))
        _grads(ctx, fn, case, ["dx", "dW", "db"], {"x": x, "W": W, "b": b},
               lambda x, W, b: x @ W + b, R, [LINEAR_TRANSPOSED, LINEAR_BIAS],
               label=f"the gradients of y = x @ W + b are wrong ({case.label})", batch_size=N)


LINEAR_TRANSPOSED = _named(GRAD_TRANSPOSED, lambda dy, x, W: (dy @ W.T, dy.T @ x, dy.sum(0)))
LINEAR_BIAS = _named(GRAD_BIAS_NOT_SUMMED, lambda dy, x, W: (dy @ W.T, x.T @ dy, dy.copy()))
check_linear_backward = CustomCheck(
    "linear_backward", _verify_linear, reference=_linear_reference,
    mistakes=[LINEAR_TRANSPOSED, LINEAR_BIAS],
    hint="For y = x @ W + b: dx = dy @ W.T (shape of x), dW = x.T @ dy (shape of W), "
         "db = dy summed over the batch axis.")

# -- 5.2 GELU -----------------------------------------------------------------------------


def _gelu_grad(x):
    t = np.tanh(C * (x + 0.044715 * x ** 3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * 0.044715 * x * x)


GELU_NO_CHAIN = Mistake(
    "the chain rule's dy forgotten",
    "You returned GELU's derivative gelu'(x) but did not multiply it by dy, the gradient "
    "arriving from above. A backward function always returns dL/dx = dL/dy * dy/dx.",
    "Multiply the local derivative by dy, element by element.",
    example=lambda dy, x: _gelu_grad(x))
GELU_NO_CUBIC = Mistake(
    "the cubic term's derivative dropped",
    "Your derivative treats the tanh's argument as if it were sqrt(2/pi) x: the derivative "
    "of 0.044715 x^3, which is 3 * 0.044715 x^2, is missing.",
    "d/dx [c (x + 0.044715 x^3)] = c (1 + 3 * 0.044715 x^2).",
    example=lambda dy, x: dy * (0.5 * (1 + np.tanh(C * (x + 0.044715 * x ** 3)))
                                + 0.5 * x * (1 - np.tanh(C * (x + 0.044715 * x ** 3)) ** 2)
                                * C))
GELU_RELU = Mistake(
    "ReLU's derivative",
    "Your gradient is dy where x > 0 and 0 elsewhere: the derivative of ReLU, not GELU.",
    "Differentiate 0.5 x (1 + tanh(u)) with the product rule; d tanh(u) = (1 - tanh^2) du.",
    example=lambda dy, x: dy * (x > 0))


def _verify_gelu(fn, ctx: Context) -> None:
    rng = _rng(ctx)
    x = rng.normal(size=(3, 5)) * 2
    R = rng.normal(size=(3, 5))
    case = Case("x of shape (3, 5)", (R.copy(), x))
    _grads(ctx, fn, case, ["dx"], {"x": x}, _gelu, R, [GELU_NO_CHAIN, GELU_NO_CUBIC, GELU_RELU],
           label="the gradient of gelu is wrong")


check_gelu_backward = CustomCheck(
    "gelu_backward", _verify_gelu, reference=lambda dy, x: dy * _gelu_grad(x),
    mistakes=[GELU_NO_CHAIN, GELU_NO_CUBIC, GELU_RELU],
    hint="Differentiate 0.5 x (1 + tanh(u)) with u = sqrt(2/pi) (x + 0.044715 x^3) by the "
         "product and chain rules, then multiply by dy entry by entry.")

# -- 5.3 LayerNorm -------------------------------------------------------------------------


def _ln_reference(dy, x, gamma, eps=1e-5):
    D = x.shape[-1]
    dx = np.zeros_like(x)
    xhat = np.zeros_like(x)
    for idx in np.ndindex(*x.shape[:-1]):          # one explicit Jacobian per vector
        v = x[idx]
        rstd = 1.0 / math.sqrt(v.var() + eps)
        xh = (v - v.mean()) * rstd
        J = rstd * (np.eye(D) - 1.0 / D - np.outer(xh, xh) / D)     # d xhat / d x
        dx[idx] = J.T @ (dy[idx] * gamma)
        xhat[idx] = xh
    axes = tuple(range(x.ndim - 1))
    return dx, (dy * xhat).sum(axis=axes), dy.sum(axis=axes)


def _ln_parts(dy, x, gamma, eps):
    mu = x.mean(-1, keepdims=True)
    rstd = 1 / np.sqrt(x.var(-1, keepdims=True) + eps)
    return (x - mu) * rstd, rstd, dy * gamma


LN_CONSTANT_STATS = Mistake(
    "mean and variance treated as constants",
    "Your dx is dy * gamma / std, as if the mean and the variance did not depend on x. They "
    "do: moving one entry of x moves the mean and the variance of its whole vector, which "
    "adds two terms to the gradient.",
    "dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), means over the last axis, "
    "with dxhat = dy * gamma.",
    example=lambda dy, x, g, eps=1e-5: (_ln_parts(dy, x, g, eps)[2] * _ln_parts(dy, x, g, eps)[1],
                                        *_ln_reference(dy, x, g, eps)[1:]))
LN_NO_VARIANCE_TERM = Mistake(
    "the variance's gradient missing",
    "Your dx has the term from the mean but not the one from the variance.",
    "Add -xhat * mean(dxhat * xhat) inside the bracket.",
    example=lambda dy, x, g, eps=1e-5: (
        _ln_parts(dy, x, g, eps)[1] * (_ln_parts(dy, x, g, eps)[2]
                                       - _ln_parts(dy, x, g, eps)[2].mean(-1, keepdims=True)),
        *_ln_reference(dy, x, g, eps)[1:]))
LN_GAMMA_NOT_SUMMED = _named(GRAD_BIAS_NOT_SUMMED, lambda dy, x, g, eps=1e-5: (
    _ln_reference(dy, x, g, eps)[0], dy * _ln_parts(dy, x, g, eps)[0], dy.sum(0)))


def _verify_ln(fn, ctx: Context) -> None:
    rng = _rng(ctx)
    x = rng.normal(size=(4, 5)) * 2 + 1
    g, b = 1 + rng.normal(size=5) * 0.5, rng.normal(size=5)
    R = rng.normal(size=(4, 5))
    case = Case("x of shape (4, 5)", (R.copy(), x, g))
    _grads(ctx, fn, case, ["dx", "dgamma", "dbeta"], {"x": x, "gamma": g, "beta": b},
           lambda x, gamma, beta: _ln(x, gamma, beta), R,
           [LN_CONSTANT_STATS, LN_NO_VARIANCE_TERM, LN_GAMMA_NOT_SUMMED],
           label="the gradients of layer_norm are wrong", batch_size=4)


check_layer_norm_backward = CustomCheck(
    "layer_norm_backward", _verify_ln, reference=_ln_reference,
    mistakes=[LN_CONSTANT_STATS, LN_NO_VARIANCE_TERM, LN_GAMMA_NOT_SUMMED],
    hint="With x_hat = (x - mean) / std and dxh = dy * g: dx = (dxh - mean(dxh) - x_hat * "
         "mean(dxh * x_hat)) / std over the last axis; dg and db sum over every other axis.")

# -- 5.4 softmax ---------------------------------------------------------------------------


def _softmax_reference(dp, p):
    ds = np.zeros_like(p)
    for idx in np.ndindex(*p.shape[:-1]):
        row = p[idx]
        ds[idx] = (np.diag(row) - np.outer(row, row)) @ dp[idx]     # the Jacobian is symmetric
    return ds


SOFTMAX_ELEMENTWISE = Mistake(
    "softmax differentiated element by element",
    "Your gradient is dp * p * (1 - p), the derivative of each output with respect to its "
    "own input only. But every output of a softmax depends on every input of its row "
    "(through the sum in the denominator), so there are cross terms -p_i p_j.",
    "ds = p * (dp - sum(p * dp, axis=-1, keepdims=True)).",
    example=lambda dp, p: dp * p * (1 - p))
SOFTMAX_WRONG_AXIS = Mistake(
    "summed over the wrong axis",
    "Your sum(p * dp) runs over the wrong axis. The softmax normalised each row (the last "
    "axis), so its backward sums over the same axis.",
    "sum over axis=-1 with keepdims=True.",
    example=lambda dp, p: p * (dp - (p * dp).sum(axis=-2, keepdims=True)))


def _verify_softmax(fn, ctx: Context) -> None:
    rng = _rng(ctx)
    s = rng.normal(size=(3, 4))
    R = rng.normal(size=(3, 4))
    p = _softmax(s)
    case = Case("p = softmax(s), s of shape (3, 4)", (R.copy(), p))
    got = _as_tuple(ctx, ctx.call(fn, case), 1, "ds")[0]
    # the learner's function takes p; the finite differences perturb s
    _grads(ctx, lambda dp, p_: got, case, ["ds"], {"s": s}, _softmax, R,
           [SOFTMAX_ELEMENTWISE, SOFTMAX_WRONG_AXIS],
           label="the gradient through softmax is wrong")


check_softmax_backward = CustomCheck(
    "softmax_backward", _verify_softmax, reference=_softmax_reference,
    mistakes=[SOFTMAX_ELEMENTWISE, SOFTMAX_WRONG_AXIS],
    hint="With p = softmax(s) over the last axis: ds = p * (dp - (dp * p).sum(-1, "
         "keepdims=True)); every entry of a row depends on the whole row.")

# -- 5.5 one attention head ---------------------------------------------------------------


def _head_forward(q, k, v):
    T, Dh = q.shape
    s = q @ k.T / math.sqrt(Dh)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    return _softmax(s) @ v


def _head_reference(dout, q, k, v, *, scale=True, k_transposed=True):
    T, Dh = q.shape
    p = np.zeros((T, T))
    for i in range(T):
        p[i, :i + 1] = oracles.softmax_row(np.array([q[i] @ k[j] for j in range(i + 1)])
                                           / math.sqrt(Dh))
    dv = np.einsum("ij,id->jd", p, dout)
    dp = np.einsum("id,jd->ij", dout, v)
    ds = _softmax_reference(dp, p) / (math.sqrt(Dh) if scale else 1.0)
    dq = np.einsum("ij,jd->id", ds, k)
    dk = np.einsum("ij,id->jd", ds, q) if k_transposed else ds @ q
    return dq, dk, dv


HEAD_NO_SCALE = Mistake(
    "the 1/sqrt(d_head) forgotten in the backward pass",
    "Your dq and dk are too large by a factor sqrt(d_head). The scores were q k^T / "
    "sqrt(d_head), so the gradient reaching q and k carries the same factor.",
    "Multiply the gradient of the scores by 1 / sqrt(d_head) before computing dq and dk.",
    example=lambda dout, q, k, v: _head_reference(dout, q, k, v, scale=False))
HEAD_DK_NOT_TRANSPOSED = Mistake(
    "dk without the transpose",
    "Your dk is ds @ q. Key j collects gradient from every query i that attended to it, "
    "which is column j of ds: dk = ds^T @ q.",
    "For scores = q @ k^T: dq = ds @ k and dk = ds^T @ q.",
    example=lambda dout, q, k, v: _head_reference(dout, q, k, v, k_transposed=False))


def _verify_head(fn, ctx: Context) -> None:
    rng = _rng(ctx)
    T, Dh = (6, 2) if ctx.hidden else (4, 3)
    q, k, v = (rng.normal(size=(T, Dh)) for _ in range(3))
    R = rng.normal(size=(T, Dh))
    case = Case(f"q, k, v of shape ({T}, {Dh})", (R.copy(), q, k, v))
    _grads(ctx, fn, case, ["dq", "dk", "dv"], {"q": q, "k": k, "v": v}, _head_forward, R,
           [HEAD_NO_SCALE, HEAD_DK_NOT_TRANSPOSED],
           label="the gradients of the attention head are wrong")


check_attention_head_backward = CustomCheck(
    "attention_head_backward", _verify_head, reference=_head_reference,
    mistakes=[HEAD_NO_SCALE, HEAD_DK_NOT_TRANSPOSED],
    hint="Go back through the forward steps in reverse: out = P @ v, P = softmax(S), "
         "S = q @ k.T / sqrt(d) with the mask; each step's gradient has its input's shape.")

# -- 5.6 embeddings ---------------------------------------------------------------------


def _embedding_reference(tokens, dx, vocab_size, context):
    B, T, D = dx.shape
    dW_tok, dW_pos = np.zeros((vocab_size, D)), np.zeros((context, D))
    for b in range(B):
        for t in range(T):
            dW_tok[tokens[b, t]] += dx[b, t]
            dW_pos[t] += dx[b, t]
    return dW_tok, dW_pos


def _fancy_assign(tokens, dx, V, C):
    dW_tok, dW_pos = np.zeros((V, dx.shape[-1])), np.zeros((C, dx.shape[-1]))
    dW_tok[tokens] += dx                       # buffered: a repeated token counts once
    dW_pos[:tokens.shape[1]] += dx.sum(0)
    return dW_tok, dW_pos


EMBED_REPEATS_LOST = Mistake(
    "repeated tokens counted once",
    "Your dW_tok is wrong exactly for tokens that appear more than once. `dW[tokens] += dx` "
    "with fancy indexing does not accumulate: when an index repeats, only one of its updates "
    "survives. Every occurrence of a token must add its gradient.",
    "Use np.add.at(dW_tok, tokens, dx), which adds once per occurrence (or loop).",
    example=_fancy_assign)
EMBED_POS_NOT_SUMMED = Mistake(
    "position gradient not summed over the batch",
    "Position t's embedding is used by every sequence in the batch, so its gradient is the "
    "sum over the batch of dx[:, t].",
    "dW_pos[:T] = dx.sum(axis=0).",
    example=lambda tokens, dx, V, C: (_embedding_reference(tokens, dx, V, C)[0],
                                      np.concatenate([dx[0], np.zeros((C - dx.shape[1],
                                                                       dx.shape[2]))])))


def _verify_embedding(fn, ctx: Context) -> None:
    rng = _rng(ctx)
    V, C, B, T, D = 5, 6, 2, 4, 3
    tokens = np.array([[1, 3, 1, 1], [0, 3, 4, 3]])          # repeats on purpose
    W_tok, W_pos = rng.normal(size=(V, D)), rng.normal(size=(C, D))
    R = rng.normal(size=(B, T, D))
    case = Case("tokens [[1, 3, 1, 1], [0, 3, 4, 3]], vocabulary 5, context 6, d_model 3",
                (tokens, R.copy(), V, C))
    _grads(ctx, fn, case, ["W_tok", "W_pos"], {"W_tok": W_tok, "W_pos": W_pos},
           lambda W_tok, W_pos: W_tok[tokens] + W_pos[:T], R,
           [EMBED_REPEATS_LOST, EMBED_POS_NOT_SUMMED],
           label="the embedding gradients are wrong")


check_embedding_backward = CustomCheck(
    "embedding_backward", _verify_embedding, reference=_embedding_reference,
    mistakes=[EMBED_REPEATS_LOST, EMBED_POS_NOT_SUMMED],
    hint="Every position adds its gradient to the row of its token (np.add.at handles "
         "repeated tokens) and to the row of its position, summed over the batch.")

# -- 5.7 the loss -----------------------------------------------------------------------


def _ce_reference(logits, targets, mask):
    p = _softmax(logits)
    onehot = np.eye(logits.shape[-1])[targets]
    return (p - onehot) * (mask / mask.sum())[..., None]


CE_OVER_PADDING = Mistake(
    "loss averaged over padding",
    "Your gradient is divided by the number of all positions instead of the number of "
    "masked-in positions, as if the loss were averaged over padding too.",
    "Divide by mask.sum().",
    example=lambda lg, t, m: (_softmax(lg) - np.eye(lg.shape[-1])[t]) * (m / m.size)[..., None])
CE_MASK_IGNORED = Mistake(
    "the mask ignored in the backward pass",
    "Positions outside the mask got a gradient. The loss does not depend on their logits, "
    "so their gradient must be exactly 0.",
    "Multiply by mask[..., None] / mask.sum().",
    example=lambda lg, t, m: (_softmax(lg) - np.eye(lg.shape[-1])[t]) / m.sum())
CE_NO_ONEHOT = Mistake(
    "the target's -1 forgotten",
    "Your gradient is softmax(logits), without subtracting 1 at the target. The derivative "
    "of -log softmax(z)[y] with respect to z is softmax(z) - onehot(y).",
    "Subtract 1 at the target entry of each position.",
    example=lambda lg, t, m: _softmax(lg) * (m / m.sum())[..., None])


CE_OVERFLOW = Mistake(
    "softmax overflows for far-apart logits",
    "Your gradient is right for ordinary logits but contains NaN or infinity when the logits "
    "of a position are hundreds apart: np.exp(800) overflows to inf, and inf / inf is NaN. "
    "Trained models do produce such logits.",
    "Subtract each position's largest logit before np.exp (softmax does not change), as in "
    "the forward pass.",
    example=lambda lg, t, m: ((np.exp(lg) / np.exp(lg).sum(-1, keepdims=True))
                              - np.eye(lg.shape[-1])[t]) * (m / m.sum())[..., None])


def _far_apart_logits(rng: np.random.Generator) -> np.ndarray:
    """(1, 3, 5) logits whose rows span hundreds: exp overflows without the max shift."""
    base = np.array([[800.0, -500.0, 0.0, 3.0, 799.0],
                     [-300.0, -1000.0, -310.0, -305.0, -900.0],
                     [0.5, -0.5, 1.0, 0.0, 2.0]])
    return (base + rng.normal(size=base.shape) * 0.5)[None]


def _verify_ce(fn, ctx: Context) -> None:
    rng = _rng(ctx)
    logits = rng.normal(size=(2, 4, 5))
    targets = rng.integers(0, 5, (2, 4))
    mask = np.array([[0, 1, 1, 0], [0, 0, 1, 1]], dtype=np.float64)
    far = _far_apart_logits(rng)
    far_targets = np.array([[1, 2, 4]])  # targets far below the largest logit, too
    cases = [(Case("logits (2, 4, 5), 4 of 8 positions in the mask",
                   (logits.copy(), targets, mask)), logits, targets, mask, 4),
             (Case("logits (1, 3, 5) whose rows span hundreds (e.g. 800 and -500), all "
                   "positions in the mask", (far.copy(), far_targets, np.ones((1, 3)))),
              far, far_targets, np.ones((1, 3)), 3)]
    for i, (case, lg, tg, mk, n) in enumerate(cases):
        got = _as_tuple(ctx, ctx.call(fn, case), 1, "dlogits")[0]
        if i > 0:
            finite = np.shape(got) == lg.shape and bool(np.all(np.isfinite(np.asarray(
                got, dtype=np.float64))))
            ctx.require(finite, f"the gradient contains NaN or infinity ({case.label})",
                        ["the right gradient is finite everywhere: softmax(logits) - "
                         "onehot(targets), each entry between -1 and 1, over the mask size"],
                        mistake=CE_OVERFLOW)

        def loss(logits, tg=tg, mk=mk):
            return np.array(oracles.cross_entropy(logits, tg, mk))

        _grads(ctx, lambda *a, got=got: got, case, ["dlogits"], {"logits": lg}, loss,
               np.ones(()), [CE_OVER_PADDING, CE_MASK_IGNORED, CE_NO_ONEHOT],
               label=f"the gradient of the masked cross-entropy is wrong ({case.label})",
               batch_size=n)


check_cross_entropy_backward = CustomCheck(
    "cross_entropy_backward", _verify_ce, reference=_ce_reference,
    mistakes=[CE_OVER_PADDING, CE_MASK_IGNORED, CE_NO_ONEHOT, CE_OVERFLOW],
    hint="dlogits = (softmax(logits) - onehot(targets)) * mask[..., None] / mask.sum(), "
         "with a softmax that subtracts each row's max first.")

# -- 5.8 one block and 5.9 the whole model ------------------------------------------------


def _model_forward(tokens, params, config):
    """A vectorised float64 forward written for this check (validated against the loops)."""
    B, T = tokens.shape
    x = params["tok_emb"][tokens] + params["pos_emb"][:T]
    H = config.n_heads
    for i in range(config.n_layers):
        p = oracles.block_params(params, i)
        D = x.shape[-1]
        h = _ln(x, p["ln1.g"], p["ln1.b"])
        qkv = h @ p["attn.W_qkv"] + p["attn.b_qkv"]
        q, k, v = (qkv[..., j * D:(j + 1) * D].reshape(B, T, H, D // H).transpose(0, 2, 1, 3)
                   for j in range(3))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(D // H)
        s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
        z = (_softmax(s) @ v).transpose(0, 2, 1, 3).reshape(B, T, D)
        x = x + z @ p["attn.W_o"] + p["attn.b_o"]
        h = _ln(x, p["ln2.g"], p["ln2.b"])
        x = x + _gelu(h @ p["mlp.W_in"] + p["mlp.b_in"]) @ p["mlp.W_out"] + p["mlp.b_out"]
    return _ln(x, params["ln_f.g"], params["ln_f.b"]) @ params["unembed"]


def _model_loss(tokens, targets, mask, params, config):
    logits = _model_forward(tokens, params, config)
    lp = logits - logits.max(-1, keepdims=True)
    lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
    picked = np.take_along_axis(lp, targets[..., None], -1)[..., 0]
    return float(-(picked * mask).sum() / mask.sum())


def _model_reference(tokens, targets, mask, params, config, *, residual=True):
    """A correct submission: forward with stored inputs, then backward layer by layer."""
    B, T = tokens.shape
    H = config.n_heads
    x = params["tok_emb"][tokens] + params["pos_emb"][:T]
    saved = []
    for i in range(config.n_layers):
        p = oracles.block_params(params, i)
        D = x.shape[-1]
        x_in = x
        h1 = _ln(x, p["ln1.g"], p["ln1.b"])
        qkv = h1 @ p["attn.W_qkv"] + p["attn.b_qkv"]
        q, k, v = (qkv[..., j * D:(j + 1) * D].reshape(B, T, H, D // H).transpose(0, 2, 1, 3)
                   for j in range(3))
        s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(D // H)
        s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
        pat = _softmax(s)
        z = (pat @ v).transpose(0, 2, 1, 3).reshape(B, T, D)
        x = x + z @ p["attn.W_o"] + p["attn.b_o"]
        x_mid = x
        h2 = _ln(x, p["ln2.g"], p["ln2.b"])
        u = h2 @ p["mlp.W_in"] + p["mlp.b_in"]
        x = x + _gelu(u) @ p["mlp.W_out"] + p["mlp.b_out"]
        saved.append((x_in, h1, q, k, v, pat, z, x_mid, h2, u))
    hf = _ln(x, params["ln_f.g"], params["ln_f.b"])
    logits = hf @ params["unembed"]
    loss = _model_loss(tokens, targets, mask, params, config)
    g = {}
    dlogits = _ce_reference(logits, targets, mask)
    g["unembed"] = np.einsum("btd,btv->dv", hf, dlogits)
    dhf = dlogits @ params["unembed"].T
    dx, g["ln_f.g"], g["ln_f.b"] = _ln_reference(dhf, x, params["ln_f.g"])
    for i in reversed(range(config.n_layers)):
        pre = f"blocks.{i}."
        p = oracles.block_params(params, i)
        x_in, h1, q, k, v, pat, z, x_mid, h2, u = saved[i]
        D = x_in.shape[-1]
        dout = dx
        g[pre + "mlp.b_out"] = dout.sum((0, 1))
        g[pre + "mlp.W_out"] = np.einsum("bth,btd->hd", _gelu(u), dout)
        du = (dout @ p["mlp.W_out"].T) * _gelu_grad(u)
        g[pre + "mlp.b_in"] = du.sum((0, 1))
        g[pre + "mlp.W_in"] = np.einsum("btd,bth->dh", h2, du)
        dh2 = du @ p["mlp.W_in"].T
        dln2, g[pre + "ln2.g"], g[pre + "ln2.b"] = _ln_reference(dh2, x_mid, p["ln2.g"])
        dx = dout + dln2 if residual else dln2
        g[pre + "attn.b_o"] = dx.sum((0, 1))
        g[pre + "attn.W_o"] = np.einsum("btd,bte->de", z, dx)
        dz = (dx @ p["attn.W_o"].T).reshape(B, T, H, D // H).transpose(0, 2, 1, 3)
        dpat = dz @ v.transpose(0, 1, 3, 2)
        dv = pat.transpose(0, 1, 3, 2) @ dz
        ds = pat * (dpat - (pat * dpat).sum(-1, keepdims=True)) / math.sqrt(D // H)
        dq, dk = ds @ k, ds.transpose(0, 1, 3, 2) @ q
        dqkv = np.concatenate([a.transpose(0, 2, 1, 3).reshape(B, T, D) for a in (dq, dk, dv)],
                              axis=-1)
        g[pre + "attn.b_qkv"] = dqkv.sum((0, 1))
        g[pre + "attn.W_qkv"] = np.einsum("btd,bte->de", h1, dqkv)
        dln1, g[pre + "ln1.g"], g[pre + "ln1.b"] = _ln_reference(dqkv @ p["attn.W_qkv"].T,
                                                                 x_in, p["ln1.g"])
        dx = dx + dln1 if residual else dln1
    g["tok_emb"], g["pos_emb"] = _embedding_reference(tokens, dx, params["tok_emb"].shape[0],
                                                      params["pos_emb"].shape[0])
    return loss, g


def _block_forward(x, p, n_heads):
    """One pre-LN block in float64: x + attn(LN1(x)), then + mlp(LN2(.)). (B, T, D) -> same."""
    B, T, D = x.shape
    H = n_heads
    h = _ln(x, p["ln1.g"], p["ln1.b"])
    qkv = h @ p["attn.W_qkv"] + p["attn.b_qkv"]
    q, k, v = (qkv[..., j * D:(j + 1) * D].reshape(B, T, H, D // H).transpose(0, 2, 1, 3)
               for j in range(3))
    s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(D // H)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    z = (_softmax(s) @ v).transpose(0, 2, 1, 3).reshape(B, T, D)
    x = x + z @ p["attn.W_o"] + p["attn.b_o"]
    h = _ln(x, p["ln2.g"], p["ln2.b"])
    return x + _gelu(h @ p["mlp.W_in"] + p["mlp.b_in"]) @ p["mlp.W_out"] + p["mlp.b_out"]


def _block_reference(dx_out, x, p, n_heads, *, residual=True):
    """A correct block_backward: (dx, {name: gradient}) for one block, from its input x."""
    B, T, D = x.shape
    H = n_heads
    h1 = _ln(x, p["ln1.g"], p["ln1.b"])
    qkv = h1 @ p["attn.W_qkv"] + p["attn.b_qkv"]
    q, k, v = (qkv[..., j * D:(j + 1) * D].reshape(B, T, H, D // H).transpose(0, 2, 1, 3)
               for j in range(3))
    s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(D // H)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    pat = _softmax(s)
    z = (pat @ v).transpose(0, 2, 1, 3).reshape(B, T, D)
    x_mid = x + z @ p["attn.W_o"] + p["attn.b_o"]
    h2 = _ln(x_mid, p["ln2.g"], p["ln2.b"])
    u = h2 @ p["mlp.W_in"] + p["mlp.b_in"]
    g = {}
    g["mlp.b_out"] = dx_out.sum((0, 1))
    g["mlp.W_out"] = np.einsum("bth,btd->hd", _gelu(u), dx_out)
    du = (dx_out @ p["mlp.W_out"].T) * _gelu_grad(u)
    g["mlp.b_in"] = du.sum((0, 1))
    g["mlp.W_in"] = np.einsum("btd,bth->dh", h2, du)
    dln2, g["ln2.g"], g["ln2.b"] = _ln_reference(du @ p["mlp.W_in"].T, x_mid, p["ln2.g"])
    dmid = dx_out + dln2 if residual else dln2
    g["attn.b_o"] = dmid.sum((0, 1))
    g["attn.W_o"] = np.einsum("btd,bte->de", z, dmid)
    dz = (dmid @ p["attn.W_o"].T).reshape(B, T, H, D // H).transpose(0, 2, 1, 3)
    dpat = dz @ v.transpose(0, 1, 3, 2)
    dv = pat.transpose(0, 1, 3, 2) @ dz
    ds = pat * (dpat - (pat * dpat).sum(-1, keepdims=True)) / math.sqrt(D // H)
    dq, dk = ds @ k, ds.transpose(0, 1, 3, 2) @ q
    dqkv = np.concatenate([a.transpose(0, 2, 1, 3).reshape(B, T, D) for a in (dq, dk, dv)],
                          axis=-1)
    g["attn.b_qkv"] = dqkv.sum((0, 1))
    g["attn.W_qkv"] = np.einsum("btd,bte->de", h1, dqkv)
    dln1, g["ln1.g"], g["ln1.b"] = _ln_reference(dqkv @ p["attn.W_qkv"].T, x, p["ln1.g"])
    dx = dmid + dln1 if residual else dln1
    return dx, {name: g[name] for name in p}


BLOCK_RESIDUAL_DROPPED = Mistake(
    "the residual path dropped in the block's backward pass",
    "The gradients of the MLP's weights are right but those of the attention and of x are "
    "not. The block computes x_mid = x + attn(LN1(x)) and x_out = x_mid + mlp(LN2(x_mid)): "
    "the gradient reaches x_mid (and x) along two paths, through the sublayer and straight "
    "along the residual connection, and both must be added.",
    "After back-propagating through the MLP, add its input gradient to dx_out (the residual "
    "path) to get dx_mid; after the attention, add again to get dx.",
    example=lambda *a: _block_reference(*a, residual=False))


def _block_order(pre: str, next_step: str) -> list[tuple[str, str]]:
    """A block's parameters in backward order; `next_step` is what feeds its output gradient."""
    return [
        (pre + "mlp.b_out", f"the gradient arriving at the block's output ({next_step})"),
        (pre + "mlp.W_out", "the MLP's output product: dW_out = GELU(h @ W_in + b_in).T @ dy, "
                            "summed over batch and positions"),
        (pre + "mlp.b_in", "the backward pass through GELU: the gradient from W_out "
                           "(dy @ W_out.T) times GELU's derivative at the pre-activation"),
        (pre + "mlp.W_in", "the MLP's input product: dW_in = LN2(x_mid).T @ (gradient of the "
                           "pre-activation), summed over batch and positions"),
        (pre + "ln2.g", "the gradient into LN2's output (d_pre @ W_in.T) or LN2's gain "
                        "gradient, the sum of dy * x_hat"),
        (pre + "ln2.b", "LN2's bias gradient, the sum of its output gradient"),
        (pre + "attn.b_o", "the gradient reaching x_mid, which is the sum of two paths: the "
                           "output gradient along the residual and LN2's input gradient "
                           "(a dropped path or LN2's backward for x)"),
        (pre + "attn.W_o", "the attention's output product: dW_o = (merged heads).T @ dx_mid"),
        (pre + "attn.b_qkv", "the inside of attention: softmax's backward, the 1/sqrt(d_head) "
                             "scale, the causal mask, or splitting and merging the heads "
                             "(q, k and v in the wrong order or the wrong slices)"),
        (pre + "attn.W_qkv", "the product dW_qkv = LN1(x).T @ dqkv"),
        (pre + "ln1.g", "the gradient into LN1's output (dqkv @ W_qkv.T) or LN1's gain "
                        "gradient"),
        (pre + "ln1.b", "LN1's bias gradient, the sum of its output gradient"),
    ]


BLOCK_ORDER = [*_block_order("", "dx_out, given to your function"),
               ("x", "the block's input gradient: the residual path from x_mid added to "
                     "LN1's input gradient (LayerNorm's backward for x)")]


def _model_order(n_layers: int) -> list[tuple[str, str]]:
    """The whole model's parameters in the order its backward pass computes them."""
    order = [("unembed", "the gradient of the logits (softmax minus one-hot at the target, "
                         "zero outside the mask, divided by the number of masked positions) "
                         "or dW_unembed = LN_f(x).T @ dlogits"),
             ("ln_f.g", "the gradient into the final LayerNorm's output (dlogits @ "
                        "unembed.T) or its gain gradient"),
             ("ln_f.b", "the final LayerNorm's bias gradient")]
    for i in reversed(range(n_layers)):
        feed = ("the final LayerNorm's input gradient" if i == n_layers - 1 else
                f"block {i + 1}'s input gradient: the residual path through block {i + 1}")
        order += _block_order(f"blocks.{i}.", feed)
    order += [("pos_emb", "the gradient reaching the first block's input (the residual sum "
                          "through every block), or pos_emb's gradient not summed over the "
                          "batch"),
              ("tok_emb", "the embedding's backward: rows of repeated tokens must add up "
                          "(np.add.at), not overwrite each other")]
    return order


def _verify_block(fn, ctx: Context) -> None:
    rng = _rng(ctx)
    B, T, D, H = 2, 3, 4, 2
    p = oracles.block_params(oracles.tiny_gpt_params(rng, 5, T, D, 1), 0)
    x = rng.normal(size=(B, T, D))
    R = rng.normal(size=(B, T, D))
    case = Case("batch 2, 3 positions, d_model 4, 2 heads, float64", (R.copy(), x.copy(), p, H))
    got = ctx.call(fn, case)
    ctx.require(isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], dict),
                "block_backward should return (dx, grads) with grads a dict",
                [f"got {type(got).__name__}"])
    dx, grads = got
    ctx.require(np.shape(dx) == x.shape, "dx should have the shape of x",
                [f"x {x.shape}, dx {np.shape(dx)}"])
    missing = [k for k in p if k not in grads]
    ctx.require(not missing, "grads is missing some of the block's parameters",
                [f"missing: {missing}"])
    inputs = {"x": x, **p}

    def loss():
        return float((_block_forward(inputs["x"], {k: inputs[k] for k in p}, H) * R).sum())

    try:
        expect_gradients(ctx, loss, inputs, {"x": dx, **grads},
                         label="the block's gradients do not match finite differences",
                         backward_order=BLOCK_ORDER)
    except CheckFailure as failure:
        wrong_dx, wrong = BLOCK_RESIDUAL_DROPPED.example(R.copy(), x.copy(), p, H)
        wrong = {"x": wrong_dx, **wrong}
        got_all = {"x": dx, **grads}
        if all(np.shape(got_all[k]) == np.shape(wrong[k])
               and np.allclose(wrong[k], np.asarray(got_all[k]), rtol=1e-7, atol=1e-10)
               for k in wrong):
            failure.mistake = BLOCK_RESIDUAL_DROPPED
            failure.hint = None
        raise


check_block_backward = CustomCheck(
    "block_backward", _verify_block, reference=_block_reference,
    mistakes=[BLOCK_RESIDUAL_DROPPED],
    hint="Run the block's forward steps backwards: the MLP branch, then the residual add, "
         "then the attention branch, then the residual add again; test each layer alone first.")


RESIDUAL_DROPPED = Mistake(
    "the residual path dropped in the backward pass",
    "The gradients of the later layers are right but the earlier ones are not. In x_out = "
    "x + f(LN(x)) the gradient reaches x along two paths: through f and LayerNorm, and "
    "straight along the residual connection. Both must be added: dx = dx_out + (gradient "
    "through f).",
    "In each block, after back-propagating through a sublayer, *add* its input gradient to "
    "the gradient that arrived from above instead of replacing it.",
    example=lambda *a: _model_reference(*a, residual=False))


def _verify_model(fn, ctx: Context) -> None:
    rng = _rng(ctx)
    config = SimpleNamespace(n_heads=2, n_layers=2)
    V, C, D = 5, 4, 4
    params = oracles.tiny_gpt_params(rng, V, C, D, 2)
    tokens = rng.integers(0, V, (2, C + 1))
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    mask = np.array([[0, 1, 1, 1], [1, 0, 1, 1]], dtype=np.float64)
    # (tests/checks/test_transformer_checks.py proves _model_loss equals the loop oracle)
    case = Case("a 2-layer model, 2 heads, d_model 4, vocabulary 5, float64",
                (inputs, targets, mask, params, config))
    got = ctx.call(fn, case)
    ctx.require(isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], dict),
                "gpt_loss_and_grads should return (loss, grads) with grads a dict",
                [f"got {type(got).__name__}"])
    loss, grads = got
    ctx.expect(_model_loss(inputs, targets, mask, params, config), float(loss),
               label="the loss is not right", rtol=1e-8, atol=1e-10, dtype=None)
    missing = [k for k in params if k not in grads]
    ctx.require(not missing, "grads is missing some parameters", [f"missing: {missing}"])
    case_for_variants = Case(case.label, case.args)

    def loss_fn():
        return _model_loss(inputs, targets, mask, params, config)

    # speed: the visible check nudges a sample of entries (every entry of small tensors);
    # the full tensor-by-tensor comparison runs when the sample disagrees, and in hidden tests
    if not ctx.hidden and _sample_agrees(loss_fn, params, grads, ctx.rng(1)):
        ctx.passed += 1
        return
    try:
        expect_gradients(ctx, loss_fn, params, grads,
                         label="the whole model's gradients do not match finite differences",
                         batch_size=int(mask.sum()), backward_order=_model_order(2))
    except CheckFailure as failure:
        wrong = RESIDUAL_DROPPED.example(*case_for_variants.args)[1]
        if all(np.allclose(wrong[k], np.asarray(grads[k]), rtol=1e-7, atol=1e-10)
               for k in params if np.shape(grads[k]) == np.shape(wrong[k])):
            failure.mistake = RESIDUAL_DROPPED
            failure.hint = None
        raise


def _sample_agrees(loss_fn, params, grads, rng, per_tensor=4, eps=1e-6, tol=1e-5) -> bool:
    """True if finite differences agree with grads on a sample of every tensor's entries."""
    for name, param in params.items():
        g = np.asarray(grads[name], dtype=np.float64)
        if g.shape != param.shape:
            return False
        flat, gflat = param.reshape(-1), g.reshape(-1)
        picks = (np.arange(flat.size) if flat.size <= 2 * per_tensor else
                 np.append(rng.choice(flat.size, per_tensor, replace=False),
                           int(np.abs(gflat).argmax())))
        for i in picks:
            old = flat[i]
            flat[i] = old + eps
            plus = loss_fn()
            flat[i] = old - eps
            minus = loss_fn()
            flat[i] = old
            numeric = (plus - minus) / (2 * eps)
            scale = max(float(np.abs(gflat).max()), abs(numeric), 1e-12)
            if abs(numeric - gflat[i]) > tol * scale:
                return False
    return True


check_gpt_loss_and_grads = CustomCheck(
    "gpt_loss_and_grads", _verify_model, reference=_model_reference,
    mistakes=[RESIDUAL_DROPPED],
    hint="Start at the loss and go backwards: the logits, the final LayerNorm, each block "
         "from the last to the first (block_backward), then the embeddings.")
