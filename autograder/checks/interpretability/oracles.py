"""Independent oracles for stage 06: a slow, explicit forward pass with hook points.

Written from the definitions, one vector at a time and in float64 (loops over
batch items, positions and heads), so it shares no code with the learner's
solution or with the package's fast path (autograder.interp.hooked). Its hook
names and shapes are TransformerLens's, as in the notebooks:

    hook_embed, hook_pos_embed, blocks.{i}.hook_resid_pre, blocks.{i}.attn.hook_q / _k / _v
    (B, T, H, Dh), blocks.{i}.attn.hook_pattern (B, H, T, T), blocks.{i}.attn.hook_z
    (B, T, H, Dh), blocks.{i}.hook_attn_out, blocks.{i}.hook_resid_mid,
    blocks.{i}.hook_mlp_out (not in attention-only models), blocks.{i}.hook_resid_post,
    ln_final.hook_normalized; all others (B, T, D).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

Hooks = Mapping[str, Callable]


def _ln_vec(v: np.ndarray, g: np.ndarray, b: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    mu = sum(float(e) for e in v) / len(v)
    var = sum((float(e) - mu) ** 2 for e in v) / len(v)
    return np.array([(float(e) - mu) / math.sqrt(var + eps) for e in v]) * g + b


def _ln(x: np.ndarray, g, b) -> np.ndarray:
    out = np.empty(x.shape)
    for idx in np.ndindex(*x.shape[:-1]):
        out[idx] = _ln_vec(x[idx], g.astype(np.float64), b.astype(np.float64))
    return out


def _gelu(u: np.ndarray) -> np.ndarray:
    c = math.sqrt(2.0 / math.pi)
    return np.vectorize(lambda a: 0.5 * a * (1.0 + math.tanh(c * (a + 0.044715 * a ** 3))))(u)


def _hook(name: str, x: np.ndarray, hooks: Hooks | None, acts: dict) -> np.ndarray:
    fn = (hooks or {}).get(name)
    if fn is not None:
        out = fn(x.copy(), name)
        if out is not None:
            out = np.asarray(out, dtype=np.float64)
            if out.shape != x.shape:
                raise ValueError(f"the hook at {name} returned {out.shape}, not {x.shape}")
            x = out
    acts[name] = x.copy()
    return x


def slow_attention(x: np.ndarray, W_qkv, b_qkv, W_o, b_o, n_heads: int, prefix: str,
                   hooks: Hooks | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Causal multi-head attention on x (B, T, D), one query, key and head at a time.

    Returns the output (B, T, D) and {prefix + "attn.hook_q" ... prefix + "hook_attn_out"}.
    """
    W_qkv, b_qkv, W_o, b_o = (np.asarray(a, np.float64) for a in (W_qkv, b_qkv, W_o, b_o))
    x = np.asarray(x, np.float64)
    B, T, D = x.shape
    H = n_heads
    Dh = D // H
    acts: dict[str, np.ndarray] = {}
    qkv = np.zeros((B, T, 3 * D))
    for bi in range(B):
        for t in range(T):
            qkv[bi, t] = x[bi, t] @ W_qkv + b_qkv
    q = np.zeros((B, T, H, Dh))
    k = np.zeros((B, T, H, Dh))
    v = np.zeros((B, T, H, Dh))
    for h in range(H):
        q[:, :, h] = qkv[:, :, h * Dh:(h + 1) * Dh]
        k[:, :, h] = qkv[:, :, D + h * Dh:D + (h + 1) * Dh]
        v[:, :, h] = qkv[:, :, 2 * D + h * Dh:2 * D + (h + 1) * Dh]
    q = _hook(prefix + "attn.hook_q", q, hooks, acts)
    k = _hook(prefix + "attn.hook_k", k, hooks, acts)
    v = _hook(prefix + "attn.hook_v", v, hooks, acts)
    pattern = np.zeros((B, H, T, T))
    for bi in range(B):
        for h in range(H):
            for t in range(T):
                s = [float(q[bi, t, h] @ k[bi, j, h]) / math.sqrt(Dh) for j in range(t + 1)]
                m = max(s)
                e = [math.exp(a - m) for a in s]
                for j in range(t + 1):
                    pattern[bi, h, t, j] = e[j] / sum(e)
    pattern = _hook(prefix + "attn.hook_pattern", pattern, hooks, acts)
    z = np.zeros((B, T, H, Dh))
    for bi in range(B):
        for h in range(H):
            for t in range(T):
                z[bi, t, h] = sum(pattern[bi, h, t, j] * v[bi, j, h] for j in range(T))
    z = _hook(prefix + "attn.hook_z", z, hooks, acts)
    out = np.zeros((B, T, D))
    for bi in range(B):
        for t in range(T):
            out[bi, t] = b_o + sum(z[bi, t, h] @ W_o[h * Dh:(h + 1) * Dh] for h in range(H))
    out = _hook(prefix + "hook_attn_out", out, hooks, acts)
    return out, acts


def slow_forward(params: Mapping[str, np.ndarray], tokens: np.ndarray, n_heads: int,
                 hooks: Hooks | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Logits (B, T, V) and every named activation (after its hook), in float64.

    An attention-only model (no "blocks.0.mlp.W_in") has no MLP and no hook_mlp_out.
    """
    p = {k: np.asarray(v, np.float64) for k, v in params.items()}
    tokens = np.asarray(tokens)
    B, T = tokens.shape
    n_layers = len({k.split(".")[1] for k in p if k.startswith("blocks.")})
    attn_only = "blocks.0.mlp.W_in" not in p
    acts: dict[str, np.ndarray] = {}
    emb = np.array([[p["tok_emb"][tokens[bi, t]] for t in range(T)] for bi in range(B)])
    emb = _hook("hook_embed", emb, hooks, acts)
    pos = np.array([[p["pos_emb"][t] for t in range(T)] for _ in range(B)])
    pos = _hook("hook_pos_embed", pos, hooks, acts)
    x = emb + pos
    for i in range(n_layers):
        b = f"blocks.{i}."
        x = _hook(b + "hook_resid_pre", x, hooks, acts)
        a, attn_acts = slow_attention(_ln(x, p[b + "ln1.g"], p[b + "ln1.b"]), p[b + "attn.W_qkv"],
                                      p[b + "attn.b_qkv"], p[b + "attn.W_o"], p[b + "attn.b_o"],
                                      n_heads, b, hooks)
        acts.update(attn_acts)
        x = _hook(b + "hook_resid_mid", x + a, hooks, acts)
        if not attn_only:
            h2 = _ln(x, p[b + "ln2.g"], p[b + "ln2.b"])
            m = _gelu(h2 @ p[b + "mlp.W_in"] + p[b + "mlp.b_in"]) @ p[b + "mlp.W_out"] \
                + p[b + "mlp.b_out"]
            m = _hook(b + "hook_mlp_out", m, hooks, acts)
            x = x + m
        x = _hook(b + "hook_resid_post", x, hooks, acts)
    hf = _hook("ln_final.hook_normalized", _ln(x, p["ln_f.g"], p["ln_f.b"]), hooks, acts)
    logits = np.zeros((B, T, p["unembed"].shape[1]))
    for bi in range(B):
        for t in range(T):
            logits[bi, t] = hf[bi, t] @ p["unembed"]
    return logits, acts


def small_params(rng: np.random.Generator, V: int = 7, D: int = 8, n_layers: int = 2,
                 context: int = 8, attn_only: bool = False) -> dict[str, np.ndarray]:
    """A random GPT's params (float32), non-trivial biases and gains so nothing is skipped."""
    def r(*shape, s=0.3):
        return (rng.normal(size=shape) * s).astype(np.float32)

    p = {"tok_emb": r(V, D, s=1.0), "pos_emb": r(context, D, s=1.0)}
    for i in range(n_layers):
        b = f"blocks.{i}."
        p[b + "ln1.g"] = 1 + r(D, s=0.2)
        p[b + "ln1.b"] = r(D, s=0.2)
        p[b + "attn.W_qkv"] = r(D, 3 * D, s=0.6)
        p[b + "attn.b_qkv"] = r(3 * D, s=0.2)
        p[b + "attn.W_o"] = r(D, D)
        p[b + "attn.b_o"] = r(D, s=0.2)
        if not attn_only:
            p[b + "ln2.g"] = 1 + r(D, s=0.2)
            p[b + "ln2.b"] = r(D, s=0.2)
            p[b + "mlp.W_in"] = r(D, 4 * D)
            p[b + "mlp.b_in"] = r(4 * D, s=0.2)
            p[b + "mlp.W_out"] = r(4 * D, D)
            p[b + "mlp.b_out"] = r(D, s=0.2)
    p["ln_f.g"] = 1 + r(D, s=0.2)
    p["ln_f.b"] = r(D, s=0.2)
    p["unembed"] = r(D, V, s=1.0)
    return p
