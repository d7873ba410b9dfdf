"""Independent, obviously correct implementations used as the checks' expected values.

Every function here loops over batch, heads and positions explicitly and uses
only scalar formulas and small NumPy reductions, so that it can be read
against the maths line by line. They are slow, which is fine: the checks run
them on tiny inputs. They never call autograder.gpt.
"""

from __future__ import annotations

import math

import numpy as np

VOCAB = ".0123456789RS+="


def encode(text):
    return np.array([VOCAB.index(c) for c in text], dtype=np.int64)


def softmax_row(row):
    """Softmax of a 1-D array; -inf entries get probability 0."""
    m = max(float(v) for v in row if v != -math.inf)
    e = [0.0 if v == -math.inf else math.exp(float(v) - m) for v in row]
    s = sum(e)
    return np.array([x / s for x in e])


def softmax(x):
    """Softmax over the last axis, one row at a time."""
    x = np.asarray(x)
    out = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(*x.shape[:-1]):
        out[idx] = softmax_row(x[idx])
    return out.astype(x.dtype) if x.dtype.kind == "f" else out


def causal_attention_head(q, k, v):
    """One head: q, k, v (T, Dh) -> (out (T, Dh), pattern (T, T)), key j visible iff j <= i."""
    T, Dh = q.shape
    pattern = np.zeros((T, T))
    out = np.zeros((T, v.shape[1]))
    for i in range(T):
        scores = [sum(q[i, d] * k[j, d] for d in range(Dh)) / math.sqrt(Dh)
                  for j in range(i + 1)]
        p = softmax_row(np.array(scores))
        pattern[i, :i + 1] = p
        for j in range(i + 1):
            out[i] += p[j] * v[j]
    return out, pattern


def multi_head_attention(x, W_qkv, b_qkv, W_o, b_o, n_heads):
    """Causal multi-head self-attention with a loop over batch and heads.

    x (B, T, D); W_qkv (D, 3D) whose columns are [q | k | v], head h using columns
    h*Dh:(h+1)*Dh of each; W_o (D, D). Returns (y (B, T, D), pattern (B, H, T, T)).
    """
    B, T, D = x.shape
    Dh = D // n_heads
    y = np.zeros((B, T, D))
    pattern = np.zeros((B, n_heads, T, T))
    for b in range(B):
        qkv = x[b] @ W_qkv + b_qkv                       # (T, 3D)
        heads = []
        for h in range(n_heads):
            cols = slice(h * Dh, (h + 1) * Dh)
            q = qkv[:, :D][:, cols]
            k = qkv[:, D:2 * D][:, cols]
            v = qkv[:, 2 * D:][:, cols]
            out, pattern[b, h] = causal_attention_head(q, k, v)
            heads.append(out)
        y[b] = np.concatenate(heads, axis=1) @ W_o + b_o  # heads side by side, in order
    return y, pattern


def layer_norm(x, g, b, eps=1e-5):
    """Each vector over the last axis: (x - mean) / sqrt(biased variance + eps) * g + b."""
    out = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape[:-1]):
        row = [float(v) for v in x[idx]]
        mean = sum(row) / len(row)
        var = sum((r - mean) ** 2 for r in row) / len(row)
        out[idx] = [(r - mean) / math.sqrt(var + eps) for r in row]
    return out * g + b


def gelu(x):
    """GPT-2's GELU (tanh form), entry by entry."""
    c = math.sqrt(2.0 / math.pi)
    flat = [0.5 * v * (1.0 + math.tanh(c * (v + 0.044715 * v ** 3)))
            for v in np.asarray(x, dtype=np.float64).reshape(-1)]
    return np.array(flat).reshape(np.shape(x))


def mlp(x, W_in, b_in, W_out, b_out):
    return gelu(x @ W_in + b_in) @ W_out + b_out


def block(x, p, n_heads):
    """A pre-LN block: x + attn(LN1(x)), then + mlp(LN2(.)). p: dict with ln1.g, attn.W_qkv..."""
    a, _ = multi_head_attention(layer_norm(x, p["ln1.g"], p["ln1.b"]), p["attn.W_qkv"],
                                p["attn.b_qkv"], p["attn.W_o"], p["attn.b_o"], n_heads)
    x = x + a
    return x + mlp(layer_norm(x, p["ln2.g"], p["ln2.b"]), p["mlp.W_in"], p["mlp.b_in"],
                   p["mlp.W_out"], p["mlp.b_out"])


def block_params(params, i):
    """{'ln1.g': ..., ...} for block i of a flat GPT parameter dict."""
    pre = f"blocks.{i}."
    return {k[len(pre):]: v for k, v in params.items() if k.startswith(pre)}


def gpt_logits(tokens, params, n_heads, n_layers):
    """Embeddings, the blocks, the final LayerNorm and the unembedding: (B, T) -> (B, T, V)."""
    B, T = tokens.shape
    x = np.zeros((B, T, params["tok_emb"].shape[1]))
    for b in range(B):
        for t in range(T):
            x[b, t] = params["tok_emb"][tokens[b, t]] + params["pos_emb"][t]
    for i in range(n_layers):
        x = block(x, block_params(params, i), n_heads)
    return layer_norm(x, params["ln_f.g"], params["ln_f.b"]) @ params["unembed"]


def cross_entropy(logits, targets, mask):
    """Mean over positions with mask 1 of -log softmax(logits)[target]."""
    total, count = 0.0, 0.0
    for idx in np.ndindex(*targets.shape):
        if mask[idx]:
            row = [float(v) for v in logits[idx]]
            m = max(row)
            log_z = m + math.log(sum(math.exp(r - m) for r in row))
            total += mask[idx] * (log_z - row[int(targets[idx])])
            count += mask[idx]
    return float(total / count)


def tiny_gpt_params(rng, V, T, D, n_layers, mlp_ratio=4, scale=0.3):
    """A random float64 parameter dict with the reference names (no initialisation scheme)."""
    def r(*shape):
        return rng.normal(0.0, scale, shape)
    p = {"tok_emb": r(V, D), "pos_emb": r(T, D)}
    for i in range(n_layers):
        pre = f"blocks.{i}."
        p.update({pre + "ln1.g": 1 + r(D), pre + "ln1.b": r(D), pre + "attn.W_qkv": r(D, 3 * D),
                  pre + "attn.b_qkv": r(3 * D), pre + "attn.W_o": r(D, D), pre + "attn.b_o": r(D),
                  pre + "ln2.g": 1 + r(D), pre + "ln2.b": r(D),
                  pre + "mlp.W_in": r(D, mlp_ratio * D), pre + "mlp.b_in": r(mlp_ratio * D),
                  pre + "mlp.W_out": r(mlp_ratio * D, D), pre + "mlp.b_out": r(D)})
    p.update({"ln_f.g": 1 + r(D), "ln_f.b": r(D), "unembed": r(D, V)})
    return p


def same_values(expected, got, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    """expected and got hold the same numbers (any dtypes, same shape): a diagnosis that says
    "your numbers are right, only the dtype is wrong" is named only when this holds."""
    try:
        e = np.asarray(expected, dtype=np.float64)
        g = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return e.shape == g.shape and bool(np.allclose(g, e, rtol=rtol, atol=atol))
