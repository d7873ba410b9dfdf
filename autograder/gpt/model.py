"""A GPT-style decoder: configuration, parameters, forward pass to logits, backward pass.

    config = GPTConfig(vocab_size=15, context=17, d_model=64, n_heads=4, n_layers=2)
    model = GPT(config, seed=0)                  # float32 parameters
    loss = model.loss(inputs, targets, mask)     # forward, keeps what backward needs
    grads = model.backward()                     # {name: gradient}, shaped like params

The architecture is GPT-2's, small: token + learned position embeddings, then
n_layers pre-LN blocks (x += attn(LN(x)); x += mlp(LN(x))), a final LayerNorm
and an unembedding matrix to logits. Parameters live in one flat dict
``model.params`` with names like "blocks.0.attn.W_qkv", so an optimiser and a
gradient checker can treat them uniformly.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np

from . import layers
from .threads import set_blas_threads


@dataclass(frozen=True)
class GPTConfig:
    vocab_size: int
    context: int          # the longest sequence the position embedding covers
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    mlp_ratio: int = 4    # the MLP's hidden width is mlp_ratio * d_model
    dtype: str = "float32"

    def __post_init__(self) -> None:
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model ({self.d_model}) must be a multiple of n_heads "
                             f"({self.n_heads})")

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_heads


def init_params(config: GPTConfig, seed: int = 0) -> dict[str, np.ndarray]:
    """GPT-2's initialisation: N(0, 0.02) weights, zero biases, LayerNorm gains 1.

    The output projections of each block (attn.W_o, mlp.W_out) are scaled down by
    1/sqrt(2 n_layers) so the residual stream does not grow with depth.
    """
    rng = np.random.default_rng(seed)
    dt = np.dtype(config.dtype)
    D, V = config.d_model, config.vocab_size
    hidden = config.mlp_ratio * D
    out_std = 0.02 / math.sqrt(2 * config.n_layers)

    def normal(shape, std=0.02):
        return (rng.standard_normal(shape) * std).astype(dt)

    p = {"tok_emb": normal((V, D)), "pos_emb": normal((config.context, D))}
    for i in range(config.n_layers):
        pre = f"blocks.{i}."
        p[pre + "ln1.g"] = np.ones(D, dt)
        p[pre + "ln1.b"] = np.zeros(D, dt)
        p[pre + "attn.W_qkv"] = normal((D, 3 * D))
        p[pre + "attn.b_qkv"] = np.zeros(3 * D, dt)
        p[pre + "attn.W_o"] = normal((D, D), out_std)
        p[pre + "attn.b_o"] = np.zeros(D, dt)
        p[pre + "ln2.g"] = np.ones(D, dt)
        p[pre + "ln2.b"] = np.zeros(D, dt)
        p[pre + "mlp.W_in"] = normal((D, hidden))
        p[pre + "mlp.b_in"] = np.zeros(hidden, dt)
        p[pre + "mlp.W_out"] = normal((hidden, D), out_std)
        p[pre + "mlp.b_out"] = np.zeros(D, dt)
    p["ln_f.g"] = np.ones(D, dt)
    p["ln_f.b"] = np.zeros(D, dt)
    p["unembed"] = normal((D, V))
    return p


class GPT:
    """The model: parameters plus forward and backward passes.

    params: {name: array}; every array has dtype config.dtype.
    After ``logits(tokens)`` or ``loss(...)``, ``patterns`` holds each layer's
    attention pattern, (B, H, T, T) per layer: what the interpretability
    notebook looks at.

    threads (default 1): with n > 1, ``loss`` and ``backward`` split the batch
    into n parts and run them at once on n threads, each part's matrix products
    on one OpenBLAS thread, then add up the parts' gradients. NumPy runs its
    element-wise work on one core, and OpenBLAS's threads gain little on the small
    matrix products of this stage, so on a multi-core machine this is the
    faster use of the cores (benchmarks/transformer.py measures it). The
    gradients are the same up to float rounding (sums in another order).
    """

    def __init__(self, config: GPTConfig, seed: int = 0,
                 params: dict[str, np.ndarray] | None = None):
        self.config = config
        self.params = params if params is not None else init_params(config, seed)
        self._caches: list | None = None
        self._loss_cache: tuple | None = None
        self.patterns: list[np.ndarray] = []
        self.threads = 1
        self._parts: list[tuple[GPT, float]] | None = None   # (model on a part, weight)
        self._pool: ThreadPoolExecutor | None = None

    # -- forward ---------------------------------------------------------------------
    def logits(self, tokens: np.ndarray, head_mask: np.ndarray | None = None) -> np.ndarray:
        """Logits (B, T, V) for token ids (B, T), T <= context.

        head_mask: optional (n_layers, n_heads) array of 0/1; a 0 removes that head's
        output (an ablation, for the interpretability notebook). Caches for backward.
        """
        c, p = self.config, self.params
        tokens = np.asarray(tokens)
        if tokens.ndim != 2:
            raise ValueError(f"tokens should have shape (batch, positions), not {tokens.shape}")
        if tokens.shape[1] > c.context:
            raise ValueError(f"{tokens.shape[1]} positions is more than the context "
                             f"({c.context})")
        self._parts = None
        x = layers.embed_forward(tokens, p["tok_emb"], p["pos_emb"])      # (B, T, D)
        caches = []
        self.patterns = []
        for i in range(c.n_layers):
            pre = f"blocks.{i}."
            h, ln1 = layers.layer_norm_forward(x, p[pre + "ln1.g"], p[pre + "ln1.b"])
            if head_mask is None:
                a, attn = layers.attention_forward(h, p[pre + "attn.W_qkv"],
                                                   p[pre + "attn.b_qkv"], p[pre + "attn.W_o"],
                                                   p[pre + "attn.b_o"], c.n_heads)
            else:
                a, attn = _ablated_attention(h, p, pre, c.n_heads, head_mask[i])
            self.patterns.append(attn[4])
            x += a                                       # residual, in place (speed)
            h, ln2 = layers.layer_norm_forward(x, p[pre + "ln2.g"], p[pre + "ln2.b"])
            u = layers.linear_forward(h, p[pre + "mlp.W_in"], p[pre + "mlp.b_in"])
            g, gelu = layers.gelu_forward(u)
            m = layers.linear_forward(g, p[pre + "mlp.W_out"], p[pre + "mlp.b_out"])
            x += m                                                          # residual, in place
            caches.append((ln1, attn, ln2, h, gelu, g))
        h, lnf = layers.layer_norm_forward(x, p["ln_f.g"], p["ln_f.b"])
        logits = layers.linear_forward(h, p["unembed"], None)               # (B, T, V)
        self._caches = [tokens, caches, lnf, h]
        return logits

    def loss(self, inputs: np.ndarray, targets: np.ndarray, mask: np.ndarray) -> float:
        """Mean cross-entropy of the answer positions (mask 1); caches for backward.

        inputs, targets: (B, T) token ids; mask: (B, T) of 0/1.
        """
        if self.threads > 1 and len(inputs) > 1:
            rows = np.array_split(np.arange(len(inputs)), min(self.threads, len(inputs)))
            counts = [float(np.sum(mask[r])) for r in rows]
            if all(counts):                  # else a part has nothing to average over
                return self._loss_in_parts(inputs, targets, mask, rows, counts)
        logits = self.logits(inputs)
        loss, self._loss_cache = layers.cross_entropy_forward(logits, targets, mask)
        return loss

    def _loss_in_parts(self, inputs, targets, mask, rows, counts) -> float:
        """loss(...) with the batch split by rows, the parts run on threads at once.

        The mean over the batch is the parts' means weighted by their share of
        the masked positions; backward() weights the parts' gradients the same way.
        """
        parts = [GPT(self.config, params=self.params) for _ in rows]
        losses = self._run_parts([(lambda m=m, r=r: m.loss(inputs[r], targets[r], mask[r]))
                                  for m, r in zip(parts, rows, strict=True)])
        weights = [c / sum(counts) for c in counts]
        self.patterns = [np.concatenate(layer)
                         for layer in zip(*(m.patterns for m in parts), strict=True)]
        self._parts = list(zip(parts, weights, strict=True))
        return float(sum(w * loss for w, loss in zip(weights, losses, strict=True)))

    def _run_parts(self, tasks: list) -> list:
        """Call each task on its own thread (the first on this one); their results in order.

        NumPy releases Python's global lock inside its matrix products and
        element-wise loops, so the threads run at the same time.
        """
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.threads - 1)
        previous = set_blas_threads(1)
        try:
            futures = [self._pool.submit(task) for task in tasks[1:]]
            return [tasks[0]()] + [f.result() for f in futures]
        finally:
            if previous is not None:
                set_blas_threads(previous)

    # -- backward --------------------------------------------------------------------
    def backward(self) -> dict[str, np.ndarray]:
        """Gradients of the last ``loss(...)`` with respect to every parameter."""
        if self._parts is not None:
            return self._backward_in_parts(self._parts)
        if self._loss_cache is None or self._caches is None:
            raise RuntimeError("call loss(...) before backward()")
        c, p = self.config, self.params
        tokens, caches, lnf, h = self._caches
        grads: dict[str, np.ndarray] = {}
        dlogits = layers.cross_entropy_backward(self._loss_cache)
        dh, grads["unembed"], _ = layers.linear_backward(dlogits, h, p["unembed"])
        dx, grads["ln_f.g"], grads["ln_f.b"] = layers.layer_norm_backward(dh, p["ln_f.g"], lnf)
        for i in reversed(range(c.n_layers)):
            pre = f"blocks.{i}."
            ln1, attn, ln2, h2, gelu, g = caches[i]
            # x_out = x_mid + mlp(LN2(x_mid)): the residual passes dx straight through
            dg, grads[pre + "mlp.W_out"], grads[pre + "mlp.b_out"] = layers.linear_backward(
                dx, g, p[pre + "mlp.W_out"])
            du = layers.gelu_backward(dg, gelu)
            dh2, grads[pre + "mlp.W_in"], grads[pre + "mlp.b_in"] = layers.linear_backward(
                du, h2, p[pre + "mlp.W_in"])
            dln2, grads[pre + "ln2.g"], grads[pre + "ln2.b"] = layers.layer_norm_backward(
                dh2, p[pre + "ln2.g"], ln2)
            dx += dln2
            # x_mid = x_in + attn(LN1(x_in))
            dh1, (dWqkv, dbqkv, dWo, dbo) = layers.attention_backward(
                dx, p[pre + "attn.W_qkv"], p[pre + "attn.W_o"], attn)
            grads[pre + "attn.W_qkv"], grads[pre + "attn.b_qkv"] = dWqkv, dbqkv
            grads[pre + "attn.W_o"], grads[pre + "attn.b_o"] = dWo, dbo
            dln1, grads[pre + "ln1.g"], grads[pre + "ln1.b"] = layers.layer_norm_backward(
                dh1, p[pre + "ln1.g"], ln1)
            dx += dln1
        grads["tok_emb"] = np.zeros_like(p["tok_emb"])
        grads["pos_emb"] = np.zeros_like(p["pos_emb"])
        layers.embed_backward(tokens, dx, grads["tok_emb"], grads["pos_emb"])
        return {name: grads[name] for name in p}

    def _backward_in_parts(self, parts: list[tuple[GPT, float]]) -> dict[str, np.ndarray]:
        """backward() after _loss_in_parts: the parts' gradients, weighted and added."""
        grads = self._run_parts([m.backward for m, _ in parts])
        total = {}
        for name in self.params:
            total[name] = grads[0][name] * parts[0][1]
            for g, (_, weight) in zip(grads[1:], parts[1:], strict=True):
                total[name] += g[name] * weight
        return total

    # -- saving --------------------------------------------------------------------
    def save(self, path) -> None:
        """Write the configuration and parameters to an .npz file (no pickle)."""
        arrays: dict[str, np.ndarray] = {f"config.{k}": np.array(v)
                                         for k, v in asdict(self.config).items()}
        arrays.update({f"param.{k}": v for k, v in self.params.items()})
        np.savez(path, allow_pickle=False, **arrays)

    @classmethod
    def load(cls, path) -> GPT:
        """A model saved with ``save``."""
        with np.load(path, allow_pickle=False) as data:
            config = {k[len("config."):]: data[k].item() for k in data.files
                      if k.startswith("config.")}
            params = {k[len("param."):]: data[k].copy() for k in data.files
                      if k.startswith("param.")}
        return cls(GPTConfig(**config), params=params)

    @property
    def n_params(self) -> int:
        return sum(int(v.size) for v in self.params.values())


def _ablated_attention(h, p, pre, n_heads, keep):
    """attention_forward with some heads' outputs zeroed (forward only)."""
    B, T, D = h.shape
    qkv = layers.linear_forward(h, p[pre + "attn.W_qkv"], p[pre + "attn.b_qkv"])
    qkv = qkv.reshape(B, T, 3, n_heads, D // n_heads).transpose(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(D // n_heads).astype(h.dtype)
    scores += layers.causal_bias(T, h.dtype)
    pattern = layers.softmax_(scores)
    z = (pattern @ v) * np.asarray(keep, dtype=h.dtype)[None, :, None, None]
    y = layers.linear_forward(layers.merge_heads(z), p[pre + "attn.W_o"], p[pre + "attn.b_o"])
    return y, (h, q, k, v, pattern, None)
