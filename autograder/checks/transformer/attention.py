"""Checks for 04_transformer/03_attention: scores, the causal mask, one head, many heads."""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from . import oracles

# -- 3.1 scores ---------------------------------------------------------------------------


def _scores(q, k):
    *lead, T, Dh = q.shape
    out = np.zeros((*lead, T, k.shape[-2]), dtype=q.dtype)
    for idx in np.ndindex(*lead):
        for i in range(T):
            for j in range(k.shape[-2]):
                out[idx + (i, j)] = sum(float(q[idx + (i, d)]) * float(k[idx + (j, d)])
                                        for d in range(Dh)) / math.sqrt(Dh)
    return out


def _qk_cases(rng):
    def f32(*shape):
        return rng.normal(size=shape).astype(np.float32)
    return [Case("q, k of shape (4, 3)", (f32(4, 3), f32(4, 3))),
            Case("q, k of shape (2, 5, 4) (a batch)", (f32(2, 5, 4), f32(2, 5, 4))),
            Case("q, k of shape (3, 16)", (f32(3, 16), f32(3, 16)))]


def _swap_last(a):
    return np.swapaxes(a, -1, -2)


check_attention_scores = FunctionCheck(
    "attention_scores", _scores, _qk_cases, dtype="exact", rtol=1e-5, atol=1e-6,
    hint='scores = q @ np.swapaxes(k, -1, -2) / math.sqrt(d_head), d_head = q.shape[-1]; '
         'transpose only the last two axes of k and keep float32.',
    mistakes=[
        Mistake("missing 1/sqrt(d_head)",
                "Your scores are q·k without the scale. Dot products of d_head-dimensional "
                "vectors grow like sqrt(d_head); unscaled, the softmax saturates (one weight "
                "near 1, the rest near 0) and its gradients vanish.",
                "Divide by math.sqrt(d_head), where d_head = q.shape[-1].",
                variant=lambda q, k: q @ _swap_last(k)),
        Mistake("divided by d_head",
                "You divided by d_head instead of its square root, which shrinks the scores "
                "too much and makes attention nearly uniform.",
                "Divide by math.sqrt(d_head).",
                variant=lambda q, k: q @ _swap_last(k) / q.shape[-1]),
        Mistake("k q^T instead of q k^T",
                "Your score matrix is transposed: entry [i, j] should be how much query i "
                "attends to key j, q[i]·k[j]. You computed k @ q^T.",
                "Compute q @ k^T, transposing only the last two axes of k "
                "(np.swapaxes(k, -1, -2)).",
                variant=lambda q, k: k @ _swap_last(q) / math.sqrt(q.shape[-1])),
        Mistake("float64 creep",
                "Your scores are right but float64 for float32 inputs. np.sqrt of a Python "
                "number returns a float64 NumPy scalar, which promotes the whole array.",
                "Use math.sqrt (a Python float) or cast: np.float32(...).",
                detect=lambda e, g, case: isinstance(g, np.ndarray) and g.dtype == np.float64
                and e.dtype == np.float32 and oracles.same_values(e, g),
                example=lambda q, k: q @ _swap_last(k) / np.sqrt(np.float64(q.shape[-1]))),
    ])

# -- 3.2 the causal mask -------------------------------------------------------------


def _causal(T):
    return np.array([[j <= i for j in range(T)] for i in range(T)], dtype=bool).reshape(T, T)


check_causal_mask = FunctionCheck(
    "causal_mask", _causal,
    [Case("T = 4", (4,)), Case("T = 1", (1,)), Case("T = 6", (6,))],
    hint='Query i (row) may see key j (column) when j <= i: np.tril(np.ones((T, T), '
         'dtype=bool)).',
    mistakes=[
        Mistake("masking the diagonal",
                "Your mask hides the diagonal too, so a position cannot attend to itself. "
                "Position 0 then has nothing at all to attend to (its softmax is over an "
                "empty set and gives NaN), and every position loses its own token.",
                "Allow key j for query i when j <= i: the diagonal included.",
                variant=lambda T: np.tril(np.ones((T, T), dtype=bool), k=-1)),
        Mistake("the future allowed",
                "Your mask allows keys *after* the query and hides the past. The model could "
                "then read the token it is supposed to predict.",
                "Query i (a row) may see keys j <= i: the lower triangle, np.tril.",
                variant=lambda T: np.triu(np.ones((T, T), dtype=bool))),
        Mistake("off by one into the future",
                "Your mask also allows the key just after each query (j = i + 1), which is "
                "exactly the token to be predicted: the model can cheat by copying it.",
                "Allow j <= i, not j <= i + 1.",
                variant=lambda T: np.tril(np.ones((T, T), dtype=bool), k=1)),
        Mistake("numbers instead of booleans",
                "Your mask holds numbers. This exercise asks for True/False, so that it can "
                "be used with np.where.",
                "Create it with dtype=bool, or compare: j <= i.",
                detect=lambda e, g, case: isinstance(g, np.ndarray) and g.dtype.kind in "iuf",
                example=lambda T: np.tril(np.ones((T, T)))),
    ])

# -- 3.3 the masked softmax --------------------------------------------------------


def _masked_softmax(scores, mask):
    mask = np.broadcast_to(mask, scores.shape)
    return oracles.softmax(np.where(mask, scores, -np.inf)).astype(scores.dtype)


def _masked_cases(rng):
    T = 4
    causal = _causal(T)
    other = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 1]], dtype=bool)
    return [Case("(4, 4) scores, causal mask", (rng.normal(size=(T, T)).astype(np.float32),
                                                causal)),
            Case("(2, 3, 3) scores and a (3, 3) mask that is not causal",
                 (rng.normal(size=(2, 3, 3)).astype(np.float32), other)),
            Case("(2, 4, 4) scores with large values, causal mask",
                 ((rng.normal(size=(2, T, T)) * 50).astype(np.float32), causal)),
            # A fill value such as -1e9 or -1e4 instead of -inf is then *above* the allowed
            # scores and takes all the weight; -inf stays below everything.
            Case("(3, 3) scores around -1e10 (far below a fill value like -1e9), causal mask",
                 ((-1e10 + rng.normal(size=(3, 3)) * 3e3).astype(np.float32), _causal(3)))]


def _stable(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


check_masked_softmax = FunctionCheck(
    "masked_softmax", _masked_softmax, _masked_cases, dtype="exact", rtol=1e-5, atol=1e-7,
    hint="np.where(mask, scores, -np.inf), subtract each row's maximum, exponentiate, "
         "divide by the sum over the last axis; cast back to the scores' dtype.",
    mistakes=[
        Mistake("softmax over the wrong axis",
                "Your pattern is normalised down each column (over the queries). Each query "
                "row must be a distribution over the keys: the last axis.",
                "Reduce over axis=-1, with keepdims=True.",
                variant=lambda s, m: _stable(np.where(m, s, -np.inf), axis=-2)),
        Mistake("mask applied after the softmax",
                "You set the masked weights to 0 after the softmax. The remaining weights no "
                "longer sum to 1: part of each row's attention went to the future and was "
                "thrown away, so the output shrinks.",
                "Mask the *scores*: put -inf where the mask is False, then take the softmax.",
                variant=lambda s, m: np.where(m, _stable(s), 0.0).astype(s.dtype)),
        Mistake("a finite fill value instead of -inf",
                "You filled the masked scores with a large negative number (such as -1e9) "
                "instead of -inf. That works while every real score is above it, but scores "
                "far below the fill value hand all the weight to the forbidden keys. -inf is "
                "below every number, and exp(-inf) is exactly 0.",
                "Use np.where(mask, scores, -np.inf).",
                variant=lambda s, m: _stable(np.where(m, s, np.float32(-1e9))).astype(s.dtype)),
        Mistake("masked scores set to 0",
                "You replaced the masked scores by 0. exp(0) = 1, so masked keys still get "
                "weight.",
                "Use -np.inf (exp(-inf) = 0), not 0.",
                variant=lambda s, m: _stable(np.where(m, s, 0.0)).astype(s.dtype)),
        Mistake("the mask inverted",
                "Your pattern puts weight exactly where the mask is False. True means "
                "'may attend' here.",
                "Keep the scores where the mask is True: np.where(mask, scores, -np.inf).",
                variant=lambda s, m: _stable(np.where(~np.broadcast_to(m, s.shape)
                                                      | (np.broadcast_to(m, s.shape).all(-1,
                                                         keepdims=True)), s, -np.inf))),
    ])

# -- 3.4 one head ----------------------------------------------------------------------


def _head(x, W_q, W_k, W_v):
    outs, pats = [], []
    for b in range(x.shape[0]):
        o, p = oracles.causal_attention_head(x[b] @ W_q, x[b] @ W_k, x[b] @ W_v)
        outs.append(o)
        pats.append(p)
    return np.array(outs).astype(x.dtype), np.array(pats).astype(x.dtype)


def _head_variant(x, W_q, W_k, W_v, *, scale=True, mask_k=0, axis=-1):
    q, k, v = x @ W_q, x @ W_k, x @ W_v
    s = q @ k.transpose(0, 2, 1)
    if scale:
        s = s / math.sqrt(q.shape[-1])
    T = x.shape[1]
    if mask_k is not None:
        s = np.where(np.tril(np.ones((T, T), dtype=bool), k=mask_k), s, -np.inf)
    p = _stable(s, axis=axis).astype(x.dtype)
    return (p @ v).astype(x.dtype), p


def _head_cases(rng):
    def f32(*shape):
        return rng.normal(size=shape).astype(np.float32)
    return [Case("x (2, 4, 6), d_head 3", (f32(2, 4, 6), f32(6, 3), f32(6, 3), f32(6, 3))),
            Case("x (1, 5, 4), d_head 4", (f32(1, 5, 4), f32(4, 4), f32(4, 4), f32(4, 4)))]


check_attention_head = FunctionCheck(
    "attention_head", _head, _head_cases, dtype="exact", rtol=1e-4, atol=1e-5,
    hint='q, k, v = x @ W_q, x @ W_k, x @ W_v; pattern = '
         'masked_softmax(attention_scores(q, k), causal_mask(T)); return pattern @ v, '
         'pattern.',
    mistakes=[
        Mistake("missing 1/sqrt(d_head)",
                "Your scores are not divided by sqrt(d_head).",
                "scores = q @ k^T / math.sqrt(d_head).",
                variant=lambda *a: _head_variant(*a, scale=False)),
        Mistake("no causal mask",
                "Your head attends to future positions: the pattern has weight above the "
                "diagonal. In training the model could then read the very token it should "
                "predict.",
                "Apply the causal mask to the scores before the softmax.",
                variant=lambda *a: _head_variant(*a, mask_k=None)),
        Mistake("masking the diagonal",
                "Your mask also hides each position from itself, and position 0 sees "
                "nothing (NaN).",
                "Allow keys j <= i.",
                variant=lambda *a: _head_variant(*a, mask_k=-1)),
        Mistake("softmax over the wrong axis",
                "Your pattern's columns sum to 1, not its rows.",
                "Softmax over the last axis (the keys).",
                variant=lambda *a: _head_variant(*a, axis=-2)),
    ])

# -- 3.5 splitting and merging heads -------------------------------------------------------


def _split(x, n_heads):
    B, T, D = x.shape
    Dh = D // n_heads
    out = np.zeros((B, n_heads, T, Dh), dtype=x.dtype)
    for b in range(B):
        for h in range(n_heads):
            for t in range(T):
                out[b, h, t] = x[b, t, h * Dh:(h + 1) * Dh]
    return out


def _merge(z):
    B, H, T, Dh = z.shape
    out = np.zeros((B, T, H * Dh), dtype=z.dtype)
    for b in range(B):
        for t in range(T):
            out[b, t] = np.concatenate([z[b, h, t] for h in range(H)])
    return out


def _split_cases(rng):
    return [Case("x (2, 3, 8) into 2 heads", (rng.normal(size=(2, 3, 8)).astype(np.float32), 2)),
            Case("x (1, 4, 6) into 3 heads", (rng.normal(size=(1, 4, 6)).astype(np.float32), 3))]


check_split_heads = FunctionCheck(
    "split_heads", _split, _split_cases, dtype="exact",
    hint='Reshape (B, T, D) to (B, T, H, D // H), then transpose to (B, H, T, D // H): '
         'head h gets the contiguous features h*d_head .. (h+1)*d_head - 1.',
    mistakes=[
        Mistake("heads split in the wrong order",
                "Your heads take every H-th feature (interleaved) instead of a contiguous "
                "block of d_head features each. Reshaping (B, T, D) to (B, T, d_head, H) "
                "does this.",
                "Reshape to (B, T, H, d_head), then move the head axis forward.",
                variant=lambda x, H: x.reshape(x.shape[0], x.shape[1], -1, H)
                .transpose(0, 3, 1, 2)),
        Mistake("reshaped without a transpose",
                "You reshaped straight to (B, H, T, d_head). A reshape keeps the memory "
                "order, so each 'head' now holds features of several positions mixed up.",
                "Reshape to (B, T, H, d_head) first, then transpose to (B, H, T, d_head).",
                variant=lambda x, H: x.reshape(x.shape[0], H, x.shape[1], -1)),
    ])

check_merge_heads = FunctionCheck(
    "merge_heads", _merge,
    lambda rng: [Case("z (2, 2, 3, 4)", (rng.normal(size=(2, 2, 3, 4)).astype(np.float32),)),
                 Case("z (1, 3, 4, 2)", (rng.normal(size=(1, 3, 4, 2)).astype(np.float32),))],
    dtype="exact",
    hint='The inverse of split_heads: transpose (B, H, T, d_head) to (B, T, H, d_head), '
         'then reshape to (B, T, H * d_head).',
    mistakes=[
        Mistake("merged without a transpose",
                "You reshaped (B, H, T, d_head) straight to (B, T, D). That mixes positions: "
                "the first 'position' gets the first rows of head 0.",
                "Transpose to (B, T, H, d_head) first, then reshape.",
                variant=lambda z: z.reshape(z.shape[0], z.shape[2], -1)),
        Mistake("heads merged in the wrong order",
                "Your features are interleaved: feature j of head h should land at "
                "h * d_head + j, next to the other features of the same head.",
                "Transpose to (B, T, H, d_head) (not (B, T, d_head, H)), then reshape.",
                variant=lambda z: z.transpose(0, 2, 3, 1).reshape(z.shape[0], z.shape[2], -1)),
    ])

# -- 3.6 multi-head attention -------------------------------------------------------------


def _mha_variant(x, W_qkv, b_qkv, W_o, b_o, n_heads, *, scale_d=None, interleave=False,
                 project=True):
    B, T, D = x.shape
    Dh = D // n_heads
    qkv = x @ W_qkv + b_qkv
    q, k, v = qkv[..., :D], qkv[..., D:2 * D], qkv[..., 2 * D:]

    def split(a):
        if interleave:
            return a.reshape(B, T, Dh, n_heads).transpose(0, 3, 1, 2)
        return a.reshape(B, T, n_heads, Dh).transpose(0, 2, 1, 3)
    q, k, v = split(q), split(k), split(v)
    s = q @ k.transpose(0, 1, 3, 2) / math.sqrt(scale_d or Dh)
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    p = _stable(s)
    z = p @ v
    z = z.transpose(0, 3, 2, 1) if interleave else z.transpose(0, 2, 1, 3)
    merged = z.reshape(B, T, D)
    y = merged @ W_o + b_o if project else merged
    return y.astype(x.dtype), p.astype(x.dtype)


def _mha(x, W_qkv, b_qkv, W_o, b_o, n_heads):
    y, p = oracles.multi_head_attention(x, W_qkv, b_qkv, W_o, b_o, n_heads)
    return y.astype(x.dtype), p.astype(x.dtype)


def _mha_cases(rng):
    def params(D):
        return (rng.normal(size=(D, 3 * D)).astype(np.float32),
                rng.normal(size=3 * D).astype(np.float32) * 0.1,
                rng.normal(size=(D, D)).astype(np.float32),
                rng.normal(size=D).astype(np.float32) * 0.1)
    return [Case("x (2, 4, 8), 2 heads", (rng.normal(size=(2, 4, 8)).astype(np.float32) * 0.5,
                                          *params(8), 2)),
            Case("x (1, 3, 6), 3 heads", (rng.normal(size=(1, 3, 6)).astype(np.float32) * 0.5,
                                          *params(6), 3))]


check_multi_head_attention = FunctionCheck(
    "multi_head_attention", _mha, _mha_cases, dtype="exact", rtol=1e-4, atol=1e-5,
    no_loops=True, reference=lambda *a: _mha_variant(*a),
    hint='qkv = x @ W_qkv + b_qkv; split q, k, v (columns [q | k | v]) into heads; pattern'
         ' = masked softmax of q k^T / sqrt(d_head) under the causal mask; merge pattern @'
         ' v; y = merged @ W_o + b_o.',
    mistakes=[
        Mistake("scaled by sqrt(d_model)",
                "You divided the scores by sqrt(d_model). Each head's dot products are over "
                "d_head = d_model / n_heads features, so the scale is 1/sqrt(d_head).",
                "Use math.sqrt(D // n_heads).",
                variant=lambda *a: _mha_variant(*a, scale_d=a[0].shape[-1])),
        Mistake("heads split in the wrong order",
                "Your heads take interleaved features instead of contiguous blocks: head h "
                "should use features h*d_head .. (h+1)*d_head - 1 of q, k and v.",
                "Reshape (B, T, D) to (B, T, H, d_head), then transpose to (B, H, T, d_head); "
                "merge with the reverse steps.",
                variant=lambda *a: _mha_variant(*a, interleave=True)),
        Mistake("no output projection",
                "You returned the merged heads without multiplying by W_o (and adding b_o). "
                "The output projection is what lets the heads' results be combined and "
                "written into the residual stream.",
                "y = merged @ W_o + b_o.",
                variant=lambda *a: _mha_variant(*a, project=False)),
    ])

# -- 3.7 a hand-built previous-token head ----------------------------------------------

ATTENDS_TO_ITSELF = Mistake(
    "attends to itself",
    "Your head puts most of its weight on the diagonal: each position attends to itself. "
    "With positions as one-hot vectors, q_i · k_j is large when the query and key "
    "directions match, so W_k must move key j's direction to where query j + 1 looks.",
    "Make q_i point at direction i and k_j point at direction j + 1 (a shift matrix), then "
    "scale q up so the softmax is sharp.",
    example=lambda T: (5.0 * np.eye(T), np.eye(T)))
TOO_SOFT = Mistake(
    "the right place, but too soft",
    "Your pattern peaks on the previous token but not sharply enough (less than 0.9 of the "
    "weight). Softmax only becomes nearly one-hot when the winning score beats the others "
    "by several units, and remember the scores are divided by sqrt(d_head).",
    "Multiply W_q by a larger constant, such as 10 * sqrt(d_head).",
    example=lambda T: (np.eye(T), np.eye(T, k=1)))


def _previous_token_reference(T):
    return 10.0 * math.sqrt(T) * np.eye(T), np.eye(T, k=1)


def _verify_previous_token(fn, ctx: Context) -> None:
    for T in (6, 9):
        W = ctx.call(fn, Case(f"T = {T}", (T,)))
        ctx.require(isinstance(W, tuple) and len(W) == 2,
                    "previous_token_weights should return a pair (W_q, W_k)",
                    [f"got {type(W).__name__}"])
        W_q, W_k = (np.asarray(w, dtype=np.float64) for w in W)
        ctx.require(W_q.ndim == 2 and W_k.ndim == 2 and W_q.shape[0] == T
                    and W_k.shape[0] == T and W_q.shape[1] == W_k.shape[1],
                    f"W_q and W_k should both have shape ({T}, d_head)",
                    [f"got {W_q.shape} and {W_k.shape}"])
        x = np.eye(T)                                   # position t is the one-hot vector e_t
        _, pattern = oracles.causal_attention_head(x @ W_q, x @ W_k, x)
        prev = np.array([pattern[i, i - 1] for i in range(1, T)])
        diag = np.array([pattern[i, i] for i in range(1, T)])
        shown = [f"weight on the previous token at positions 1..{T - 1}: "
                 f"{np.round(prev, 3).tolist()}"]
        ctx.require(not (diag.mean() > prev.mean()), "the head attends mostly to itself",
                    shown, mistake=ATTENDS_TO_ITSELF)
        best = np.array([pattern[i, :i + 1].argmax() for i in range(1, T)])
        ctx.require(bool((best == np.arange(T - 1)).all()),
                    "the head's strongest weight is not always on the previous token",
                    shown + [f"strongest key for queries 1..{T - 1}: {best.tolist()}"])
        ctx.require(bool((prev >= 0.9).all()),
                    "the head should put at least 0.9 of its weight on the previous token",
                    shown, mistake=TOO_SOFT)


check_previous_token_weights = CustomCheck(
    "previous_token_weights", _verify_previous_token, reference=_previous_token_reference,
    hint='Position t is the one-hot e_t: make W_q send e_i to a direction that matches '
         "W_k's image of e_{i-1} (W_k = a shift matrix), and scale W_q up so the softmax "
         'is nearly one-hot after the 1/sqrt(d_head).',
    mistakes=[ATTENDS_TO_ITSELF, TOO_SOFT])
