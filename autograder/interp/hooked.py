"""A hooked forward pass of the package GPT: cache or replace any activation by its name.

    logits, cache = run_with_cache(params, config, tokens)              # every activation
    logits, cache = run_with_cache(params, config, tokens, ["blocks.1.attn.hook_pattern"])
    logits = run_with_hooks(params, config, tokens, {"blocks.0.hook_attn_out": zero})

The idea is TransformerLens's hook points, with its names, for the NumPy model of
autograder.gpt (forward only, the parameters' dtype, float32 for trained models).
A hook is a function ``hook(activation, name)`` that returns a replacement of the
same shape, or None to keep the activation (which it may have changed in place).
It is the package's fast, trusted path for the notebooks after 06/01, where the
learner writes hooks of their own; the checks never use it as their oracle.

Hook names, in the order the forward pass reaches them (i = layer; B batch,
T positions, D = d_model, H heads, Dh = D // H):

    hook_embed, hook_pos_embed                     (B, T, D)
    blocks.{i}.hook_resid_pre                      (B, T, D)
    blocks.{i}.attn.hook_q / hook_k / hook_v       (B, T, H, Dh)
    blocks.{i}.attn.hook_pattern                   (B, H, T_query, T_key), after mask and softmax
    blocks.{i}.attn.hook_z                         (B, T, H, Dh), mixed values before W_o
    blocks.{i}.hook_attn_out                       (B, T, D), includes b_o
    blocks.{i}.hook_resid_mid                      (B, T, D)
    blocks.{i}.hook_mlp_out                        (B, T, D), absent for attention-only models
    blocks.{i}.hook_resid_post                     (B, T, D)
    ln_final.hook_normalized                       (B, T, D), the final LayerNorm's output

An attention-only model is a params dict without the blocks' ``ln2.*`` and
``mlp.*`` entries: each block is x += attn(LN1(x)), and resid_post equals resid_mid.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from autograder.gpt import layers
from autograder.gpt.model import GPTConfig

HookFn = Callable[[np.ndarray, str], "np.ndarray | None"]

__all__ = ["HookFn", "hook_names", "is_attn_only", "run_with_cache", "run_with_hooks",
           "hooked_forward"]


def hook_names(config: GPTConfig, attn_only: bool = False) -> list[str]:
    """Every hook name of a model with this configuration, in forward order."""
    names = ["hook_embed", "hook_pos_embed"]
    for i in range(config.n_layers):
        b = f"blocks.{i}."
        names += [b + "hook_resid_pre", b + "attn.hook_q", b + "attn.hook_k", b + "attn.hook_v",
                  b + "attn.hook_pattern", b + "attn.hook_z", b + "hook_attn_out",
                  b + "hook_resid_mid"]
        if not attn_only:
            names.append(b + "hook_mlp_out")
        names.append(b + "hook_resid_post")
    names.append("ln_final.hook_normalized")
    return names


def is_attn_only(params: Mapping[str, np.ndarray]) -> bool:
    """True when the blocks have no MLP (no "blocks.0.mlp.W_in" parameter)."""
    return "blocks.0.mlp.W_in" not in params


def run_with_cache(params: Mapping[str, np.ndarray], config: GPTConfig, tokens: np.ndarray,
                   names: Iterable[str] | None = None
                   ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Logits (B, T, V) and {name: a copy of that activation}; names=None caches every hook."""
    return hooked_forward(params, config, tokens, hooks=None, names=names, cache_all=names is None)


def run_with_hooks(params: Mapping[str, np.ndarray], config: GPTConfig, tokens: np.ndarray,
                   hooks: Mapping[str, HookFn]) -> np.ndarray:
    """Logits (B, T, V) of the forward pass with each hook applied at its point."""
    logits, _ = hooked_forward(params, config, tokens, hooks=hooks)
    return logits


def hooked_forward(params: Mapping[str, np.ndarray], config: GPTConfig, tokens: np.ndarray,
                   hooks: Mapping[str, HookFn] | None = None,
                   names: Iterable[str] | None = None, cache_all: bool = False
                   ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Both at once: apply ``hooks``, and cache ``names`` (or every hook if cache_all).

    A cached activation is the one the rest of the forward pass used, i.e. after
    that point's hook. Returns logits (B, T, V) and the cache.
    """
    attn_only = is_attn_only(params)
    valid = hook_names(config, attn_only)
    valid_set = set(valid)
    hooks = dict(hooks or {})
    wanted = set(valid) if cache_all else set(names or ())
    for name in list(hooks) + sorted(wanted):
        if name not in valid_set:
            raise KeyError(f"unknown hook name {name!r}; the valid names are: "
                           + ", ".join(valid))
    for name, fn in hooks.items():
        if not callable(fn):
            raise TypeError(f"the hook for {name!r} should be a function "
                            f"(activation, name) -> array or None, not {type(fn).__name__}")
    tokens = _check_tokens(tokens, config)
    cache: dict[str, np.ndarray] = {}

    def point(name: str, x: np.ndarray) -> np.ndarray:
        fn = hooks.get(name)
        if fn is not None:
            out = fn(x, name)
            if out is not None:
                out = np.asarray(out)
                if out.shape != x.shape:
                    raise ValueError(f"the hook at {name!r} returned shape {out.shape}; "
                                     f"it should return {x.shape} (or None to keep it)")
                x = out.astype(x.dtype, copy=True)
        if name in wanted:
            cache[name] = x.copy()
        return x

    p = params
    c = config
    B, T = tokens.shape
    H, Dh = c.n_heads, c.d_model // c.n_heads
    emb = point("hook_embed", p["tok_emb"][tokens])
    pos = point("hook_pos_embed", np.broadcast_to(p["pos_emb"][:T], emb.shape).copy())
    x = emb + pos
    for i in range(c.n_layers):
        b = f"blocks.{i}."
        x = point(b + "hook_resid_pre", x)
        h, _ = layers.layer_norm_forward(x, p[b + "ln1.g"], p[b + "ln1.b"])
        qkv = layers.linear_forward(h, p[b + "attn.W_qkv"], p[b + "attn.b_qkv"])
        qkv = qkv.reshape(B, T, 3, H, Dh)
        q = point(b + "attn.hook_q", qkv[:, :, 0].copy())
        k = point(b + "attn.hook_k", qkv[:, :, 1].copy())
        v = point(b + "attn.hook_v", qkv[:, :, 2].copy())
        scores = np.einsum("bqhd,bkhd->bhqk", q, k) * x.dtype.type(1.0 / math.sqrt(Dh))
        scores = scores + layers.causal_bias(T, x.dtype)
        pattern = point(b + "attn.hook_pattern", layers.softmax_(scores))
        z = point(b + "attn.hook_z", np.einsum("bhqk,bkhd->bqhd", pattern, v))
        attn_out = layers.linear_forward(z.reshape(B, T, H * Dh), p[b + "attn.W_o"],
                                         p[b + "attn.b_o"])
        attn_out = point(b + "hook_attn_out", attn_out)
        x = point(b + "hook_resid_mid", x + attn_out)
        if not attn_only:
            h2, _ = layers.layer_norm_forward(x, p[b + "ln2.g"], p[b + "ln2.b"])
            u = layers.linear_forward(h2, p[b + "mlp.W_in"], p[b + "mlp.b_in"])
            g, _ = layers.gelu_forward(u)
            m = layers.linear_forward(g, p[b + "mlp.W_out"], p[b + "mlp.b_out"])
            m = point(b + "hook_mlp_out", m)
            x = x + m
        else:
            x = x.copy()
        x = point(b + "hook_resid_post", x)
    hf, _ = layers.layer_norm_forward(x, p["ln_f.g"], p["ln_f.b"])
    hf = point("ln_final.hook_normalized", hf)
    logits = layers.linear_forward(hf, p["unembed"], None)
    return logits, cache


def _check_tokens(tokens: np.ndarray, config: GPTConfig) -> np.ndarray:
    tokens = np.asarray(tokens)
    if tokens.ndim != 2:
        raise ValueError(f"tokens should have shape (batch, positions), not {tokens.shape}")
    if not np.issubdtype(tokens.dtype, np.integer):
        raise ValueError(f"tokens should be integer ids, not {tokens.dtype}")
    if tokens.shape[1] > config.context:
        raise ValueError(f"{tokens.shape[1]} positions is more than the context "
                         f"({config.context})")
    if tokens.size and (tokens.min() < 0 or tokens.max() >= config.vocab_size):
        raise ValueError(f"token ids should be in 0 .. {config.vocab_size - 1}; got "
                         f"{tokens.min()} .. {tokens.max()}")
    return tokens
