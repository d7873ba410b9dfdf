"""Sparse autoencoders for 06/08: toy data with known features, and a shipped SAE of the GPT.

    F = toy_features(12, 6, rng)                      # (12, 6) true feature directions, unit rows
    X, coeffs = toy_data(F, 4096, 0.1, rng)           # (4096, 6) points, (4096, 12) coefficients
    sae = load_sae()                                  # the SAE of the stage-04 Python GPT
    x = cache[sae.site].reshape(-1, D) / sae.scale    # the activations it reads, (N, D)
    lines = top_contexts(tokens, acts, merges, k=8)   # the k strongest activations, as text

The learner writes the SAE (forward pass, loss and gradients, training, recovery,
sparsity). What is here is the data, the shipped run and how it was made
(``python -m autograder.interp.sae``, a few minutes of CPU), and a display helper.

The SAE: f = ReLU((x - b_dec) @ W_enc + b_enc), x_hat = f @ W_dec + b_dec, with
W_enc (D, m), b_enc (m,), W_dec (m, D) whose rows have norm 1, b_dec (D,).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..gpt import bpe

PATH = Path(__file__).resolve().parent.parent / "gpt" / "trained" / "sae_python_gpt.npz"
SITE = "blocks.0.hook_resid_post"       # the residual stream between the GPT's two blocks
PARAM_NAMES = ("W_enc", "b_enc", "W_dec", "b_dec")


def toy_features(n_features: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """n_features random directions in d dimensions, one per row, each of norm 1: (n_features, d).

    With n_features > d they cannot all be orthogonal: that is superposition's setting.
    """
    if n_features < 1 or d < 1:
        raise ValueError(f"n_features and d must be positive, not {n_features} and {d}")
    F = rng.normal(size=(n_features, d))
    return F / np.linalg.norm(F, axis=1, keepdims=True)


def toy_data(features: np.ndarray, n: int, p_active: float,
             rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n points, each a sparse non-negative mix of the features' directions.

    Each feature is on with probability p_active, independently, with a coefficient
    uniform in [0, 1] (0 when off). features: (n_features, d).
    Returns (X (n, d) = coeffs @ features, coeffs (n, n_features)).
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f"features should be (n_features, d), not {features.shape}")
    if not 0.0 < p_active <= 1.0:
        raise ValueError(f"p_active must be in (0, 1], not {p_active}")
    on = rng.random((n, features.shape[0])) < p_active
    coeffs = np.where(on, rng.random((n, features.shape[0])), 0.0)
    return coeffs @ features, coeffs


@dataclass
class ShippedSAE:
    """A trained SAE of the GPT's residual stream at `site`.

    params: W_enc (D, m), b_enc (m,), W_dec (m, D) with unit rows, b_dec (D,), float32.
    scale: the SAE reads activations / scale (their root-mean-square per dimension in training).
    l1, steps: how it was trained; loss_curve: its loss every 100 steps.
    """

    params: dict[str, np.ndarray]
    site: str
    scale: float
    l1: float
    steps: int
    loss_curve: np.ndarray


def load_sae(path: str | Path = PATH) -> ShippedSAE:
    """The shipped SAE, or a clear error if the file is missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m autograder.interp.sae` "
                                "to make it (a few minutes)")
    with np.load(path, allow_pickle=False) as data:
        return ShippedSAE({k: data[k].astype(np.float32) for k in PARAM_NAMES},
                          str(data["site"]), float(data["scale"]), float(data["l1"]),
                          int(data["steps"]), data["loss_curve"].copy())


def top_contexts(tokens: np.ndarray, acts: np.ndarray, merges: list[tuple[int, int]],
                 k: int = 8, before: int = 12, after: int = 3) -> list[str]:
    """The k strongest activations of one latent, each as a line of text around its token.

    tokens: (N, T) token ids; acts: (N, T) the latent's activation at each position.
    Each line is the activation, then up to `before` tokens, the token itself in
    [[double brackets]], and up to `after` tokens (newlines shown as ⏎).
    """
    tokens, acts = np.asarray(tokens), np.asarray(acts)
    if tokens.shape != acts.shape or tokens.ndim != 2:
        raise ValueError(f"tokens and acts should both be (N, T), not {tokens.shape} and "
                         f"{acts.shape}")
    table = bpe.vocab_bytes(merges)

    def text(ids: np.ndarray) -> str:
        return b"".join(table[int(i)] for i in ids).decode("utf-8", "replace").replace("\n", "⏎")

    lines = []
    for flat in np.argsort(-acts, axis=None, kind="stable")[:k]:
        n, t = divmod(int(flat), tokens.shape[1])
        if acts[n, t] <= 0:
            break
        lines.append(f"{acts[n, t]:6.2f}  {text(tokens[n, max(0, t - before):t])}"
                     f"[[{text(tokens[n, t:t + 1])}]]{text(tokens[n, t + 1:t + 1 + after])}")
    return lines


# -- how the shipped SAE was made (the script, not the exercise) ------------------------------


def _forward(x: np.ndarray, p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pre = (x - p["b_dec"]) @ p["W_enc"] + p["b_enc"]             # (N, m)
    f = np.maximum(pre, 0.0)
    return pre, f, f @ p["W_dec"] + p["b_dec"]                   # x_hat (N, D)


def _loss_grads(x: np.ndarray, p: dict[str, np.ndarray],
                l1: float) -> tuple[float, dict[str, np.ndarray]]:
    n = len(x)
    pre, f, x_hat = _forward(x, p)
    r = x_hat - x
    loss = float((r ** 2).sum() / n + l1 * f.sum() / n)
    d_xhat = 2.0 * r / n                                         # (N, D)
    d_pre = (d_xhat @ p["W_dec"].T + l1 / n) * (pre > 0)         # (N, m)
    return loss, {"W_enc": (x - p["b_dec"]).T @ d_pre, "b_enc": d_pre.sum(0),
                  "W_dec": f.T @ d_xhat,
                  "b_dec": d_xhat.sum(0) - d_pre.sum(0) @ p["W_enc"].T}


def _train(X: np.ndarray, n_latents: int, l1: float, steps: int, lr: float, batch: int,
           seed: int, log: bool = False) -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    W_dec = rng.normal(size=(n_latents, X.shape[1]))
    W_dec /= np.linalg.norm(W_dec, axis=1, keepdims=True)
    p = {"W_enc": W_dec.T.copy(), "b_enc": np.zeros(n_latents), "W_dec": W_dec,
         "b_dec": X.mean(0)}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    curve = []
    for step in range(1, steps + 1):
        loss, g = _loss_grads(X[rng.integers(0, len(X), batch)], p, l1)
        for k in PARAM_NAMES:                                    # Adam, betas (0.9, 0.999)
            m[k] = 0.9 * m[k] + 0.1 * g[k]
            v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2
            p[k] -= lr * (m[k] / (1 - 0.9 ** step)) / (np.sqrt(v[k] / (1 - 0.999 ** step)) + 1e-8)
        p["W_dec"] /= np.linalg.norm(p["W_dec"], axis=1, keepdims=True)
        if step % 100 == 0:
            curve.append(loss)
            if log:
                print(f"step {step}: loss {loss:.4f}", flush=True)
    return p, np.array(curve)


def gpt_activations(n_windows: int | None = None) -> tuple[np.ndarray, float]:
    """The shipped GPT's residual stream at SITE on its training windows, (N * T, D), and scale."""
    from ..gpt.textgpt import load_checkpoint
    from .hooked import run_with_cache

    ckpt = load_checkpoint()
    T = ckpt.config.context
    ids = ckpt.train_ids[: (len(ckpt.train_ids) // T) * T].reshape(-1, T)
    if n_windows is not None:
        ids = ids[:n_windows]
    chunks = []
    for i in range(0, len(ids), 256):
        _, cache = run_with_cache(ckpt.params, ckpt.config, ids[i:i + 256], [SITE])
        chunks.append(cache[SITE].reshape(-1, ckpt.config.d_model).astype(np.float64))
    X = np.concatenate(chunks)
    scale = float(np.sqrt((X ** 2).mean()))
    return X / scale, scale


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Train the SAE that 06/08 ships.")
    ap.add_argument("--latents", type=int, default=384)
    ap.add_argument("--l1", type=float, default=2.0)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--windows", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=PATH)
    args = ap.parse_args(argv)
    start = time.process_time()
    X, scale = gpt_activations(args.windows)
    print(f"{X.shape[0]} activations of {X.shape[1]} dimensions (scale {scale:.3f})", flush=True)
    p, curve = _train(X, args.latents, args.l1, args.steps, args.lr, args.batch, seed=0, log=True)
    _, f, x_hat = _forward(X[:20_000], p)
    fvu = float(((x_hat - X[:20_000]) ** 2).sum() / ((X[:20_000] - X.mean(0)) ** 2).sum())
    print(f"L0 {float((f > 0).sum(1).mean()):.1f}, dead {float((f.max(0) == 0).mean()):.1%}, "
          f"unexplained variance {fvu:.1%}, {time.process_time() - start:.0f} s of CPU")
    arrays: dict[str, Any] = {k: p[k].astype(np.float32) for k in PARAM_NAMES}
    arrays.update(site=SITE, scale=scale, l1=args.l1, steps=args.steps, loss_curve=curve)
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
