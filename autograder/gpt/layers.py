"""The layers of a GPT, each a forward function and its backward function, in NumPy.

Conventions used everywhere in this package:

- Shapes: B batch, T positions, D = d_model, H heads, Dh = D // H, V vocabulary.
- Every forward returns ``(output, cache)``; the matching backward takes the
  gradient of the loss with respect to the output and the cache, and returns
  the gradients of the inputs and parameters.
- dtype-generic: the arrays' dtype is kept (float32 for training, float64 for
  gradient checks). Constants are Python floats, which NumPy casts to the
  array's dtype, so no float64 sneaks into a float32 computation.

Speed (the benchmark measures it): a few choices make this code about twice as
fast as the most direct translation of the formulas, and each is marked
"# speed:" where it appears.

1. Linear layers multiply a 2-D (B*T, D) matrix, not a (B, T, D) stack: one
   large matrix product (GEMM) is much faster than B small ones.
2. Element-wise work is done in place (``out=``, ``+=``) on buffers that are
   already there. NumPy's element-wise operations run on one core and are
   limited by memory traffic, so every temporary array that is not allocated,
   written and read again saves time.
3. q, k and v come from one fused matrix product with W_qkv (D, 3D).

All matrix products go through ``matmul`` (NumPy's own ``np.matmul``) so that
the benchmark can time them apart from the element-wise work.
"""

from __future__ import annotations

import functools
import math

import numpy as np

matmul = np.matmul  # replaced by a timing wrapper in benchmarks/transformer.py

GELU_C = math.sqrt(2.0 / math.pi)


# -- embeddings ----------------------------------------------------------------------

def embed_forward(tokens: np.ndarray, W_tok: np.ndarray, W_pos: np.ndarray) -> np.ndarray:
    """Token plus learned position embedding: (B, T) ints -> (B, T, D)."""
    T = tokens.shape[1]
    return W_tok[tokens] + W_pos[:T]


def embed_backward(tokens: np.ndarray, dx: np.ndarray, dW_tok: np.ndarray,
                   dW_pos: np.ndarray) -> None:
    """Accumulate the embedding gradients into dW_tok (V, D) and dW_pos (T_max, D).

    A token that appears several times gets the sum of its gradients. The plain
    way is np.add.at(dW_tok, tokens, dx), which adds once per occurrence
    (``dW_tok[tokens] += dx`` would keep only one of them).
    """
    V, D = dW_tok.shape
    T = tokens.shape[1]
    # speed: np.add.at is slow (about 10 ms here); with a small vocabulary the same
    # sums are one matrix product: onehot(tokens)^T @ dx, (V, B*T) @ (B*T, D)
    onehot = tokens.reshape(-1, 1) == np.arange(V)                       # (B*T, V) bools
    dW_tok += matmul(onehot.T.astype(dx.dtype), dx.reshape(-1, D))
    dW_pos[:T] += column_sums(dx.reshape(len(dx), -1)).reshape(T, D)  # sum over the batch


# -- LayerNorm -----------------------------------------------------------------------

def layer_norm_forward(x: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-5):
    """Normalise each vector x[..., :] to mean 0 and variance 1, then scale and shift.

    x: (..., D); g, b: (D,). Uses the biased variance (divide by D), like PyTorch.
    Returns y (..., D) and the cache (xhat, rstd), xhat (..., D) and rstd (..., 1).
    """
    D = x.shape[-1]
    mu = row_means(x)                                    # (..., 1)
    xhat = x - mu                                        # (..., D), a new buffer
    var = np.einsum("...d,...d->...", xhat, xhat)[..., None]  # speed: no squared temporary
    var *= 1.0 / D
    rstd = var
    rstd += eps
    np.sqrt(rstd, out=rstd)
    np.reciprocal(rstd, out=rstd)                        # (..., 1): 1 / sqrt(var + eps)
    xhat *= rstd
    y = xhat * g
    y += b
    return y, (xhat, rstd)


def layer_norm_backward(dy: np.ndarray, g: np.ndarray, cache):
    """Gradients of layer_norm_forward: returns dx (..., D), dg (D,), db (D,).

    With xhat = (x - mu) * rstd and dxhat = dy * g, the gradient through the mean
    and the variance gives
        dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)).
    """
    xhat, rstd = cache
    D = dy.shape[-1]
    dy2 = dy.reshape(-1, D)
    xh2 = xhat.reshape(-1, D)
    dg = np.einsum("nd,nd->d", dy2, xh2)
    db = column_sums(dy2)
    dxhat = dy * g
    m1 = row_means(dxhat)                                # mean(dxhat), (..., 1)
    m2 = np.einsum("...d,...d->...", dxhat, xhat)[..., None]
    m2 *= 1.0 / D
    dx = xhat * m2                                       # the variance term
    np.subtract(dxhat, dx, out=dx)
    dx -= m1                                             # the mean term
    dx *= rstd
    return dx, dg, db


def row_means(x: np.ndarray) -> np.ndarray:
    """x.mean(axis=-1, keepdims=True) for x of shape (..., d): returns (..., 1).

    speed: computed as one matrix-vector product, (N, d) @ (1/d, ..., 1/d), which is
    about four times faster than NumPy's mean over these short rows.
    """
    d = x.shape[-1]
    return np.matmul(x.reshape(-1, d), _constant(d, 1.0 / d, x.dtype)).reshape(*x.shape[:-1], 1)


def column_sums(a: np.ndarray) -> np.ndarray:
    """a.sum(axis=0) for a 2-D array (N, d): returns (d,).

    speed: computed as the product (1, ..., 1) @ a, which reads a once, row by row;
    NumPy's sum over axis 0 is two to three times slower on these (B*T, d) arrays.
    (np.matmul, not ``matmul``: the benchmark counts only the model's products as such.)
    """
    return np.matmul(_constant(a.shape[0], 1.0, a.dtype), a)


@functools.lru_cache(maxsize=64)
def _constant(n: int, value: float, dtype) -> np.ndarray:
    """A read-only (n,) vector filled with value, cached (made once per size)."""
    w = np.full(n, value, dtype=dtype)
    w.flags.writeable = False
    return w


# -- linear layers and GELU -----------------------------------------------------------

def linear_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """x @ W + b for x of shape (..., d_in), W (d_in, d_out), b (d_out,) or None."""
    # speed: one 2-D GEMM over all B*T rows instead of a stack of B products
    y = matmul(x.reshape(-1, x.shape[-1]), W)
    if b is not None:
        y += b
    return y.reshape(*x.shape[:-1], W.shape[1])


def linear_backward(dy: np.ndarray, x: np.ndarray, W: np.ndarray):
    """Gradients of x @ W + b: dx (..., d_in), dW (d_in, d_out), db (d_out,)."""
    dy2 = dy.reshape(-1, dy.shape[-1])
    x2 = x.reshape(-1, x.shape[-1])
    dW = matmul(x2.T, dy2)
    db = column_sums(dy2)
    dx = matmul(dy2, W.T).reshape(x.shape)
    return dx, dW, db


#: speed: GELU works through its input in blocks of about this many numbers (128 kB of
#: float32), so that the eight passes over each block find it in the core's own cache
#: instead of main memory (measured: forward and backward together about 20% faster).
GELU_BLOCK = 32_768


def _blocks(n_rows: int, width: int) -> list[slice]:
    """Row slices covering n_rows rows of `width` numbers, about GELU_BLOCK numbers each."""
    rows = max(1, GELU_BLOCK // max(1, width))
    return [slice(i, i + rows) for i in range(0, n_rows, rows)]


def gelu_forward(x: np.ndarray):
    """GELU, tanh form (GPT-2): 0.5 x (1 + tanh(c (x + 0.044715 x^3))), c = sqrt(2/pi).

    x: any shape (..., d). Returns y (same shape) and the cache (x, s) for the backward
    pass, where s = 0.5 (1 + tanh(z)) with z = c (x + 0.044715 x^3).
    """
    # speed: 0.5 (1 + tanh(z)) = 1 / (1 + exp(-2 z)), the logistic sigmoid of 2z: one
    # np.exp instead of np.tanh (about twice as fast), and y = x * s in one product.
    # Three buffers in all (x, s, y) instead of one per operation, filled block by block.
    x2 = x.reshape(-1, x.shape[-1])
    s2, y2 = np.empty_like(x2), np.empty_like(x2)
    for rows in _blocks(*x2.shape):
        xb, s = x2[rows], s2[rows]
        np.multiply(xb, xb, out=s)
        s *= -2.0 * GELU_C * 0.044715
        s -= 2.0 * GELU_C
        s *= xb                                          # s = -2z
        with np.errstate(over="ignore"):                 # exp(-2z) = inf: s = 0, exactly
            np.exp(s, out=s)
        s += 1.0
        np.reciprocal(s, out=s)                          # s = 0.5 (1 + tanh z)
        np.multiply(xb, s, out=y2[rows])                 # y = x * s
    return y2.reshape(x.shape), (x, s2.reshape(x.shape))


def gelu_backward(dy: np.ndarray, cache) -> np.ndarray:
    """dL/dx for GELU, dy and the result of shape x.shape.

    With s = 0.5 (1 + tanh z): ds/dz = 2 s (1 - s), dz/dx = c (1 + 3 * 0.044715 x^2), so
    dy/dx = s + x * 2 s (1 - s) * c (1 + 3 * 0.044715 x^2).
    """
    x, s = cache
    x2, s2 = x.reshape(-1, x.shape[-1]), s.reshape(-1, x.shape[-1])
    dy2 = dy.reshape(x2.shape)
    dx2 = np.empty_like(x2)
    blocks = _blocks(*x2.shape)
    scratch = np.empty_like(x2[blocks[0] if blocks else slice(0)])  # speed: one block, reused
    for rows in blocks:
        xb, sb, dzdx = x2[rows], s2[rows], dx2[rows]
        slope = scratch[:len(xb)]
        np.multiply(xb, xb, out=dzdx)
        dzdx *= 2.0 * GELU_C * 3 * 0.044715
        dzdx += 2.0 * GELU_C                             # 2 dz/dx
        dzdx *= xb
        np.subtract(1.0, sb, out=slope)
        slope *= sb                                      # s (1 - s)
        dzdx *= slope                                    # x * 2 s (1 - s) dz/dx
        dzdx += sb
        dzdx *= dy2[rows]
    return dx2.reshape(x.shape)


# -- attention ---------------------------------------------------------------------

@functools.lru_cache(maxsize=32)
def causal_bias(T: int, dtype) -> np.ndarray:
    """(T, T) additive mask: 0 where key j <= query i, -inf where j > i (the future).

    Cached (speed): the same read-only array is reused by every forward pass.
    """
    bias = np.zeros((T, T), dtype=dtype)
    bias[np.triu_indices(T, k=1)] = -np.inf
    bias.flags.writeable = False
    return bias


def softmax_(scores: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, in place (the input is overwritten and returned)."""
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores *= 1.0 / scores.sum(axis=-1, keepdims=True)   # speed: one division per row
    return scores


def split_heads(x: np.ndarray, n_heads: int) -> np.ndarray:
    """(B, T, D) -> (B, H, T, Dh): head h holds features h*Dh .. (h+1)*Dh - 1."""
    B, T, D = x.shape
    return x.reshape(B, T, n_heads, D // n_heads).transpose(0, 2, 1, 3)


def merge_heads(x: np.ndarray) -> np.ndarray:
    """(B, H, T, Dh) -> (B, T, D), the inverse of split_heads."""
    B, H, T, Dh = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, T, H * Dh)


def attention_forward(x: np.ndarray, W_qkv: np.ndarray, b_qkv: np.ndarray,
                      W_o: np.ndarray, b_o: np.ndarray, n_heads: int):
    """Causal multi-head self-attention. x: (B, T, D) -> y: (B, T, D).

    q, k, v = split(x @ W_qkv + b_qkv); pattern = softmax(q k^T / sqrt(Dh) + causal);
    y = merge(pattern @ v) @ W_o + b_o. Returns y and the cache.
    No loop over the batch or the heads: every product is one batched matmul.
    """
    B, T, D = x.shape
    H = n_heads
    Dh = D // H
    qkv = linear_forward(x, W_qkv, b_qkv)                     # (B, T, 3D), fused: speed 3
    qkv = qkv.reshape(B, T, 3, H, Dh).transpose(2, 0, 3, 1, 4)  # (3, B, H, T, Dh), a view
    q, k, v = qkv[0], qkv[1], qkv[2]
    scores = matmul(q, k.transpose(0, 1, 3, 2))               # (B, H, T, T)
    scores *= 1.0 / math.sqrt(Dh)
    scores += causal_bias(T, x.dtype)                         # before the softmax
    pattern = softmax_(scores)                                # (B, H, T, T), rows sum to 1
    # speed: pattern @ v written straight into the (B, T, H, Dh) layout, so merging the
    # heads back into (B, T, D) is a reshape, not a copy
    z = np.empty((B, T, H, Dh), dtype=x.dtype)
    matmul(pattern, v, out=z.transpose(0, 2, 1, 3))           # (B, H, T, Dh) view of z
    merged = z.reshape(B, T, D)                               # = merge_heads(pattern @ v)
    y = linear_forward(merged, W_o, b_o)
    return y, (x, q, k, v, pattern, merged)


def attention_backward(dy: np.ndarray, W_qkv: np.ndarray, W_o: np.ndarray, cache):
    """Gradients of attention_forward: dx and (dW_qkv, db_qkv, dW_o, db_o)."""
    x, q, k, v, pattern, merged = cache
    B, H, T, Dh = q.shape
    dmerged, dW_o, db_o = linear_backward(dy, merged, W_o)
    dz = split_heads(dmerged, H)                              # (B, H, T, Dh)
    # speed: dq, dk and dv are written straight into one (B, T, 3, H, Dh) buffer, the
    # layout of the fused projection's output, through (3, B, H, T, Dh) views of it
    dqkv = np.empty((B, T, 3, H, Dh), dtype=dy.dtype)
    dqkv_heads = dqkv.transpose(2, 0, 3, 1, 4)
    dpattern = matmul(dz, v.transpose(0, 1, 3, 2))            # (B, H, T, T)
    matmul(pattern.transpose(0, 1, 3, 2), dz, out=dqkv_heads[2])  # dv, (B, H, T, Dh)
    # softmax backward: ds = p * (dp - sum_j p_j dp_j). Masked entries have p = 0,
    # so no gradient reaches the future keys.
    row = np.einsum("bhij,bhij->bhi", pattern, dpattern)[..., None]
    dpattern -= row
    dpattern *= pattern
    dpattern *= 1.0 / math.sqrt(Dh)                           # the scale of the scores
    matmul(dpattern, k, out=dqkv_heads[0])                    # dq, (B, H, T, Dh)
    matmul(dpattern.transpose(0, 1, 3, 2), q, out=dqkv_heads[1])  # dk, (B, H, T, Dh)
    dx, dW_qkv, db_qkv = linear_backward(dqkv.reshape(B, T, 3 * H * Dh), x, W_qkv)
    return dx, (dW_qkv, db_qkv, dW_o, db_o)


# -- the loss ----------------------------------------------------------------------

def cross_entropy_forward(logits: np.ndarray, targets: np.ndarray, mask: np.ndarray):
    """Mean cross-entropy over the positions where mask is 1.

    logits: (B, T, V); targets: (B, T) ints; mask: (B, T) of 0/1.
    loss = sum(mask * -log softmax(logits)[target]) / sum(mask).
    Returns the loss (a Python float) and the cache.
    """
    probs = logits - logits.max(axis=-1, keepdims=True)      # (B, T, V), a new buffer
    np.exp(probs, out=probs)
    probs *= 1.0 / probs.sum(axis=-1, keepdims=True)
    picked = np.take_along_axis(probs, targets[..., None], axis=-1)[..., 0]  # (B, T)
    # the log of a probability that underflowed to 0 would be -inf; clip it
    nll = -np.log(np.maximum(picked, np.finfo(probs.dtype).tiny))
    n = float(mask.sum())
    loss = float((nll * mask).sum()) / n
    return loss, (probs, targets, mask, n)


def cross_entropy_backward(cache) -> np.ndarray:
    """dL/dlogits (B, T, V) = (softmax(logits) - one_hot(target)) * mask / sum(mask)."""
    probs, targets, mask, n = cache
    dlogits = probs.copy()
    np.put_along_axis(dlogits, targets[..., None],
                      np.take_along_axis(dlogits, targets[..., None], axis=-1) - 1.0, axis=-1)
    dlogits *= (mask * (1.0 / n))[..., None].astype(dlogits.dtype, copy=False)
    return dlogits
