"""Notebook 06/10's tool: an attention-only model's forward pass with a cache, and the
gradient of a logit difference with respect to every cached activation.

    run = metric_run(params, config, corrupt, correct, wrong)        # one forward + one backward
    run.metric                                  # mean over prompts of the last position's
                                                # logit(correct) - logit(wrong), a float
    run.acts["blocks.1.hook_resid_pre"]         # (B, T, D)
    run.grads["blocks.1.attn.hook_z"]           # (B, T, H, Dh): d metric / d z
    metric_run(..., patch={"blocks.1.hook_resid_pre": x}, backward=False).metric   # a patched run

Attribution patching (Nanda 2023; Syed, Rager and Conmy 2023) needs exactly this: the
activations of a clean and a corrupted run, and the metric's gradient at the corrupted run.
The cached names are TransformerLens's, as in autograder.interp.hooked:
``blocks.{l}.hook_resid_pre`` (B, T, D), ``blocks.{l}.attn.hook_z`` (B, T, H, Dh),
``blocks.{l}.hook_attn_out`` (B, T, D) and ``blocks.{L-1}.hook_resid_post`` (B, T, D).

``patch`` replaces whole activations by name (resid_pre, resid_post of the last layer, or
z): the run continues from the given array, and the gradient stops there (what came
before it no longer affects the metric, so earlier gradients are zero). Everything is
computed in float64 with the package's layers (autograder.gpt.layers) forward and backward;
tests/test_interp_metric_grad.py checks every gradient against finite differences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from autograder.gpt import layers
from autograder.gpt.model import GPTConfig

__all__ = ["MetricRun", "metric_run", "patchable_names"]


@dataclass
class MetricRun:
    """One run: the metric (float), logits (B, T, V), activations and gradients by name."""

    metric: float
    logits: np.ndarray
    acts: dict[str, np.ndarray]
    grads: dict[str, np.ndarray]


def patchable_names(n_layers: int) -> list[str]:
    """The names ``metric_run`` caches and can patch, in forward order."""
    names = []
    for i in range(n_layers):
        names += [f"blocks.{i}.hook_resid_pre", f"blocks.{i}.attn.hook_z"]
    return names + [f"blocks.{n_layers - 1}.hook_resid_post"]


def _put(patch: Mapping[str, np.ndarray], name: str, x: np.ndarray) -> tuple[np.ndarray, bool]:
    if name not in patch:
        return x, False
    new = np.array(patch[name], dtype=np.float64)
    if new.shape != x.shape:
        raise ValueError(f"the patch for {name!r} has shape {new.shape}; the activation there "
                         f"has shape {x.shape}")
    return new, True


def _validate(params: Mapping[str, np.ndarray], config: GPTConfig, tokens: np.ndarray,
              correct: np.ndarray, wrong: np.ndarray, patch: Mapping[str, np.ndarray]) -> None:
    if "blocks.0.mlp.W_in" in params:
        raise ValueError("metric_run handles attention-only models (no blocks.*.mlp.*)")
    if tokens.ndim != 2 or not np.issubdtype(tokens.dtype, np.integer):
        raise ValueError(f"tokens should be (batch, positions) integer ids, got {tokens.dtype} "
                         f"{tokens.shape}")
    if tokens.shape[1] > config.context:
        raise ValueError(f"{tokens.shape[1]} positions is more than the context "
                         f"({config.context})")
    if correct.shape != (len(tokens),) or wrong.shape != (len(tokens),):
        raise ValueError(f"correct and wrong should have shape ({len(tokens)},), one token per "
                         f"prompt; got {correct.shape} and {wrong.shape}")
    unknown = sorted(set(patch) - set(patchable_names(config.n_layers)))
    if unknown:
        raise KeyError(f"cannot patch {unknown}; the names are "
                       + ", ".join(patchable_names(config.n_layers)))


def metric_run(params: Mapping[str, np.ndarray], config: GPTConfig, tokens: np.ndarray,
               correct: np.ndarray, wrong: np.ndarray,
               patch: Mapping[str, np.ndarray] | None = None,
               backward: bool = True) -> MetricRun:
    """Forward (with ``patch`` applied) and, if ``backward``, the metric's gradients.

    params: an attention-only model's parameters.  tokens: (B, T) ids.  correct, wrong: (B,).
    The metric is the mean over prompts of logits[b, -1, correct[b]] - logits[b, -1, wrong[b]].
    Returns a MetricRun; acts and grads hold the names of ``patchable_names`` plus
    ``blocks.{l}.hook_attn_out`` (grads is empty when backward is False).
    """
    tokens = np.asarray(tokens)
    correct, wrong = np.asarray(correct), np.asarray(wrong)
    patch = dict(patch or {})
    _validate(params, config, tokens, correct, wrong, patch)
    p = {k: np.asarray(v, np.float64) for k, v in params.items()}
    B, T = tokens.shape
    H, D = config.n_heads, config.d_model
    Dh = D // H
    acts: dict[str, np.ndarray] = {}
    tape = []
    cut = None                                     # the last layer whose resid_pre is patched
    x = p["tok_emb"][tokens] + p["pos_emb"][:T]    # (B, T, D)
    for i in range(config.n_layers):
        b = f"blocks.{i}."
        x, patched = _put(patch, b + "hook_resid_pre", x)
        cut = i if patched else cut
        acts[b + "hook_resid_pre"] = x.copy()
        h, ln = layers.layer_norm_forward(x, p[b + "ln1.g"], p[b + "ln1.b"])
        y, attn = layers.attention_forward(h, p[b + "attn.W_qkv"], p[b + "attn.b_qkv"],
                                           p[b + "attn.W_o"], p[b + "attn.b_o"], H)
        z, z_patched = _put(patch, b + "attn.hook_z", attn[5].reshape(B, T, H, Dh).copy())
        if z_patched:                              # the head outputs from the patch
            y = layers.linear_forward(z.reshape(B, T, D), p[b + "attn.W_o"], p[b + "attn.b_o"])
        acts[b + "attn.hook_z"] = z.copy()
        acts[b + "hook_attn_out"] = y.copy()
        tape.append((ln, attn, z_patched))
        x = x + y
    last = f"blocks.{config.n_layers - 1}.hook_resid_post"
    x, post_patched = _put(patch, last, x)
    acts[last] = x.copy()
    hf, lnf = layers.layer_norm_forward(x, p["ln_f.g"], p["ln_f.b"])
    logits = hf @ p["unembed"]                     # (B, T, V)
    rows = np.arange(B)
    metric = float(np.mean(logits[rows, -1, correct] - logits[rows, -1, wrong]))
    grads: dict[str, np.ndarray] = {}
    if backward:
        grads = _backward(p, config, correct, wrong, logits.shape, tape, lnf, cut, post_patched)
    return MetricRun(metric, logits, acts, grads)


def _backward(p: dict[str, np.ndarray], config: GPTConfig, correct: np.ndarray,
              wrong: np.ndarray, shape: tuple[int, ...], tape: list, lnf: tuple,
              cut: int | None, post_patched: bool) -> dict[str, np.ndarray]:
    B, T, _ = shape
    H, D = config.n_heads, config.d_model
    dlogits = np.zeros(shape)
    for i in range(B):                             # d metric / d logits: +1/B and -1/B
        dlogits[i, -1, int(correct[i])] += 1.0 / B
        dlogits[i, -1, int(wrong[i])] -= 1.0 / B
    dx, _, _ = layers.layer_norm_backward(dlogits @ p["unembed"].T, p["ln_f.g"], lnf)
    grads = {f"blocks.{config.n_layers - 1}.hook_resid_post": dx.copy()}
    if post_patched:
        dx = np.zeros_like(dx)
    for i in reversed(range(config.n_layers)):
        b = f"blocks.{i}."
        ln, attn, z_patched = tape[i]
        grads[b + "hook_attn_out"] = dx.copy()
        grads[b + "attn.hook_z"] = (dx @ p[b + "attn.W_o"].T).reshape(B, T, H, D // H)
        if z_patched:
            dh = np.zeros_like(dx)
        else:
            dh, _ = layers.attention_backward(dx, p[b + "attn.W_qkv"], p[b + "attn.W_o"], attn)
        dln, _, _ = layers.layer_norm_backward(dh, p[b + "ln1.g"], ln)
        dx = dx + dln
        grads[b + "hook_resid_pre"] = dx.copy()
        if cut == i:
            dx = np.zeros_like(dx)
    return grads
