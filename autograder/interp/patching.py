"""Notebook 06/04's model and prompts: a 2-layer attention-only model with an induction circuit.

    model = build()                                 # config, params, the token pool
    clean, corrupt, correct, wrong = induction_prompts(8, model.pool, rng)
    python -m autograder.interp.patching --train    # the training runs that did not work

The model of notebook 04 is *built*, not trained: ``build`` sets the weights of a
previous-token head (0.0) and an induction head (1.0) that reads it through its keys
(K-composition), the circuit Olsson et al. (2022) find in trained models, and gives the
other heads small random weights. A known circuit is ground truth: the learner checks that
activation patching finds what is there. Training the same architecture (``train``, 2
layers x 4 heads, d_model 64, context 24) on rows of random common tokens with a repeated
segment, with or without a little Python text, for up to 4,000 steps (20 minutes of CPU
here) taught a "copy any token seen in the context" strategy (second-copy loss at log of
the number of distinct tokens) but no induction head: docs/interpretability.md has the
numbers. Notebook 02's trained model is meant to replace it when it ships.

The prompts of notebook 04: ``n_first`` random common tokens, then the first ``n_second``
of them again, so the last token x[k] (k = n_second - 1) has been seen before, at position
k, and was followed there by x[k + 1]: an induction head predicts x[k + 1]. The corrupted
prompt changes the first copy's x[k] to another token, so the match is gone while every
other token, and the length, stay the same.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.gpt import textgpt
from autograder.gpt.model import GPTConfig
from autograder.gpt.optim import AdamW
from autograder.interp.attn_only import (
    AttnOnlyGPT,
    repeated_tokens,
    repeats_at_random_places,
)

PATH = Path(__file__).resolve().parent / "trained" / "patching_attn_only.npz"

__all__ = ["PATH", "PatchingModel", "Recipe", "build", "config_for", "induction_prompts", "load",
           "save", "train"]


def config_for(params: dict[str, np.ndarray], n_heads: int) -> GPTConfig:
    """The GPTConfig that autograder.interp.hooked needs, read off the parameters' shapes.

    params: a model's parameters (tok_emb (V, D), pos_emb (context, D), blocks.{i}.*).
    n_heads: its number of attention heads (D must be a multiple of it).
    """
    V, D = np.shape(params["tok_emb"])
    context = np.shape(params["pos_emb"])[0]
    n_layers = len({name.split(".")[1] for name in params if name.startswith("blocks.")})
    if n_heads < 1 or D % n_heads:
        raise ValueError(f"d_model {D} is not a multiple of n_heads {n_heads}")
    return GPTConfig(vocab_size=int(V), context=int(context), d_model=int(D), n_heads=n_heads,
                     n_layers=n_layers)


@dataclass(frozen=True)
class Recipe:
    """Everything that determines the shipped run."""

    context: int = 24
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    steps: int = 1500
    peak_lr: float = 1e-3
    warmup: int = 100
    rep_rows: int = 32          # rows of repeated random segments per step ...
    text_rows: int = 8          # ... and rows of Python text
    text_weight: float = 0.1    # the loss is (1 - text_weight) repeats + text_weight text
    pool_size: int = 64         # random tokens are drawn from the corpus's most common ones
    adjacent: bool = False      # the two copies of the segment side by side (else anywhere)
    seed: int = 0
    eval_every: int = 50


@dataclass
class PatchingModel:
    """The shipped model: parameters (float32), the token pool prompts draw from, curves."""

    config: GPTConfig
    params: dict[str, np.ndarray]
    pool: np.ndarray            # (P,) token ids common in the corpus
    eval_steps: np.ndarray      # (n,)
    rep_first: np.ndarray       # (n,) loss on the first copy of repeated random tokens (nats)
    rep_second: np.ndarray      # (n,) loss on the second copy
    train_seconds: float


def induction_prompts(batch: int, pool: np.ndarray, rng: np.random.Generator,
                      n_first: int = 12, n_second: int = 6
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Clean and corrupted induction prompts and the two tokens the metric compares.

    Returns clean (batch, T), corrupt (batch, T) with T = n_first + n_second, correct
    (batch,) and wrong (batch,). clean is n_first distinct random tokens from pool, then the
    first n_second again; correct is the token after the last one's first occurrence,
    clean[:, n_second]. corrupt is clean with position n_second - 1 replaced by another token,
    so the last token has no earlier match. wrong is a pool token that is not in the prompt.
    """
    pool = np.asarray(pool)
    if not 2 <= n_second < n_first or len(pool) < n_first + 2:
        raise ValueError("need 2 <= n_second < n_first and a pool of more than n_first + 1 "
                         f"tokens; got n_first {n_first}, n_second {n_second}, pool {len(pool)}")
    k = n_second - 1
    clean = np.empty((batch, n_first + n_second), dtype=np.int64)
    corrupt = clean.copy()
    correct = np.empty(batch, dtype=np.int64)
    wrong = np.empty(batch, dtype=np.int64)
    for b in range(batch):
        picks = rng.choice(pool, size=n_first + 2, replace=False)
        first = picks[:n_first]
        clean[b] = np.concatenate([first, first[:n_second]])
        corrupt[b] = clean[b]
        corrupt[b, k] = picks[n_first]
        correct[b] = first[k + 1]
        wrong[b] = picks[n_first + 1]
    return clean, corrupt, correct, wrong


def adjacent_repeats(batch: int, length: int, pool: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
    """(batch, length) random tokens from pool, each row holding a segment and, right after
    it, the same segment again; its length (length // 4 .. length // 2) and start are random
    per row, so no fixed distance predicts the copy."""
    pool = np.asarray(pool)
    out = pool[rng.integers(0, len(pool), size=(batch, length))]
    for row in out:
        n = int(rng.integers(length // 4, length // 2 + 1))
        start = int(rng.integers(0, length - 2 * n + 1))
        row[start + n:start + 2 * n] = row[start:start + n]
    return out


def _halves(model: AttnOnlyGPT, tokens: np.ndarray) -> tuple[float, float]:
    half = tokens.shape[1] // 2
    z = model.logits(tokens)[:, :-1].astype(np.float64)
    z -= z.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    loss = -np.take_along_axis(logp, tokens[:, 1:, None], axis=-1)[..., 0]
    return float(loss[:, :half - 1].mean()), float(loss[:, half:].mean())


def train(recipe: Recipe = Recipe(), progress: bool = True) -> PatchingModel:
    """Train the model from scratch (a few minutes on one core)."""
    from autograder.gpt.threads import set_blas_threads

    set_blas_threads(1)
    source = textgpt.load_checkpoint()
    ids = source.train_ids
    config = GPTConfig(vocab_size=source.config.vocab_size, context=recipe.context,
                       d_model=recipe.d_model, n_heads=recipe.n_heads, n_layers=recipe.n_layers)
    model = AttnOnlyGPT(config, seed=recipe.seed)
    opt = AdamW(model.params, lr=recipe.peak_lr, weight_decay=0.01, betas=(0.9, 0.99))
    rng = np.random.default_rng(recipe.seed + 1)
    counts = np.bincount(ids)
    pool = np.sort(np.argsort(-counts, kind="stable")[:recipe.pool_size])
    probe = repeated_tokens(32, recipe.context // 2, pool, np.random.default_rng(recipe.seed + 2))
    schedule = textgpt.Recipe(warmup=recipe.warmup, peak_lr=recipe.peak_lr)
    steps, first, second = [], [], []
    seconds = 0.0
    for step in range(recipe.steps + 1):
        if step % recipe.eval_every == 0 or step == recipe.steps:
            f, s = _halves(model, probe)
            steps.append(step)
            first.append(f)
            second.append(s)
            if progress:
                print(f"step {step}: repeated tokens {f:.2f} -> {s:.2f} ({seconds:.0f} s)",
                      flush=True)
        if step == recipe.steps:
            break
        start = time.perf_counter()
        opt.lr = textgpt.lr_at(step, recipe.steps, schedule)
        if recipe.adjacent:
            seq = adjacent_repeats(recipe.rep_rows, recipe.context + 1, pool, rng)
        else:
            seq = repeats_at_random_places(recipe.rep_rows, recipe.context + 1, pool, rng)
        model.loss(seq[:, :-1], seq[:, 1:])
        grads = model.backward()
        if recipe.text_weight > 0:
            x, y = textgpt.random_windows(ids, recipe.text_rows, recipe.context, rng)
            model.loss(x, y)
            w = recipe.text_weight
            for name, g in model.backward().items():
                grads[name] = (1.0 - w) * grads[name] + w * g
        opt.step(grads)
        seconds += time.perf_counter() - start
    return PatchingModel(config, model.params, pool, np.asarray(steps), np.asarray(first),
                         np.asarray(second), seconds)


def save(path: str | Path, run: PatchingModel) -> None:
    """Write the model to a compressed .npz (parameters as float16; no pickle)."""
    arrays: dict[str, np.ndarray] = {
        f"config.{k}": np.array(getattr(run.config, k))
        for k in ("vocab_size", "context", "d_model", "n_heads", "n_layers")}
    arrays.update({f"param.{k}": v.astype(np.float16) for k, v in run.params.items()})
    arrays.update(pool=run.pool.astype(np.int16), eval_steps=run.eval_steps,
                  rep_first=run.rep_first.astype(np.float32),
                  rep_second=run.rep_second.astype(np.float32),
                  train_seconds=np.array(run.train_seconds))
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]


def load(path: str | Path = PATH) -> PatchingModel:
    """The shipped model (float32 parameters), or a clear error if the file is missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m autograder.interp.patching`"
                                " to make it (a few minutes)")
    with np.load(path, allow_pickle=False) as data:
        config = GPTConfig(**{k[len("config."):]: int(data[k]) for k in data.files  # type: ignore[arg-type]
                              if k.startswith("config.")})
        params = {k[len("param."):]: data[k].astype(np.float32) for k in data.files
                  if k.startswith("param.")}
        return PatchingModel(config, params, data["pool"].astype(np.int64),
                             data["eval_steps"].copy(), data["rep_first"].astype(np.float64),
                             data["rep_second"].astype(np.float64), float(data["train_seconds"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--steps", type=int, default=Recipe().steps)
    parser.add_argument("--text-weight", type=float, default=Recipe().text_weight)
    parser.add_argument("--lr", type=float, default=Recipe().peak_lr)
    parser.add_argument("--pool", type=int, default=Recipe().pool_size)
    parser.add_argument("--adjacent", action="store_true")
    parser.add_argument("--out", default=str(PATH))
    parser.add_argument("--train", action="store_true", help="train (notebook 04 uses build())")
    args = parser.parse_args(argv)
    if not args.train:
        parser.error("notebook 04's model is made by build(), in milliseconds; pass --train to "
                     "repeat the training runs")
    run = train(Recipe(steps=args.steps, text_weight=args.text_weight, peak_lr=args.lr,
                       pool_size=args.pool, adjacent=args.adjacent))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    save(args.out, run)
    print(f"wrote {args.out} ({Path(args.out).stat().st_size / 1e6:.2f} MB): {args.steps} steps, "
          f"{run.train_seconds:.0f} s of training; repeated tokens {run.rep_first[-1]:.2f} -> "
          f"{run.rep_second[-1]:.2f} nats")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def build(seed: int = 0, vocab_size: int = 512, pool_size: int = 64) -> PatchingModel:
    """A 2-layer attention-only model whose induction circuit is set by hand (no training).

    d_model 128 in four 32-dimensional subspaces: A the current token, P the position,
    B the previous token (written by head 0.0) and C the copied token (written by head 1.0,
    read by the unembedding). Head 0.0 attends from position p to p - 1 (its query reads
    P, its key reads P shifted by one) and copies A into B; head 1.0's query reads A and its
    key reads B (K-composition), so it attends to the position after an earlier occurrence
    of the current token and copies that position's A into C. The other six heads have
    small random weights. Every token vector is mean-zero, so the LayerNorms only rescale.
    """
    rng = np.random.default_rng(seed)
    S, D, H, context = 32, 128, 4, 24
    A, P, B, C = (slice(i * S, (i + 1) * S) for i in range(4))
    Dh = D // H
    config = GPTConfig(vocab_size=vocab_size, context=context, d_model=D, n_heads=H, n_layers=2)

    def unit_rows(n: int) -> np.ndarray:
        v = rng.normal(size=(n, S))
        v -= v.mean(axis=1, keepdims=True)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    tokens = unit_rows(vocab_size)                                      # (V, S)
    q, _ = np.linalg.qr(rng.normal(size=(S, S)))
    positions = q[:context]                                             # (context, S) orthonormal
    positions = positions - positions.mean(axis=1, keepdims=True)
    positions /= np.linalg.norm(positions, axis=1, keepdims=True)
    params: dict[str, np.ndarray] = {}
    params["tok_emb"] = np.zeros((vocab_size, D))
    params["tok_emb"][:, A] = tokens * 4.0
    params["pos_emb"] = np.zeros((context, D))
    params["pos_emb"][:, P] = positions * 4.0
    shift = sum(np.outer(positions[j], positions[j + 1]) for j in range(context - 1))
    for layer in range(2):
        b = f"blocks.{layer}."
        W = rng.normal(size=(D, 3 * D)) * 0.02                          # q | k | v, head blocks
        W_o = rng.normal(size=(D, D)) * 0.02
        W[:, :Dh] = W[:, D:D + Dh] = W[:, 2 * D:2 * D + Dh] = 0.0      # head 0: set by hand
        W_o[:Dh] = 0.0
        if layer == 0:      # previous-token head: query P_p, key P_j -> P_{j+1}; copy A into B
            W[P, :Dh] = np.eye(S) * 4.0
            W[P, D:D + Dh] = shift
        else:               # induction head: query A_p, key B_j; copy A_j into C
            W[A, :Dh] = np.eye(S) * 4.0
            W[B, D:D + Dh] = np.eye(S)
        W[A, 2 * D:2 * D + Dh] = np.eye(S)
        W_o[:Dh, B if layer == 0 else C] = np.eye(S) * 2.0
        params[b + "ln1.g"] = np.ones(D)
        params[b + "ln1.b"] = np.zeros(D)
        params[b + "attn.W_qkv"] = W
        params[b + "attn.b_qkv"] = np.zeros(3 * D)
        params[b + "attn.W_o"] = W_o
        params[b + "attn.b_o"] = np.zeros(D)
    params["ln_f.g"] = np.ones(D)
    params["ln_f.b"] = np.zeros(D)
    params["unembed"] = np.zeros((D, vocab_size))
    params["unembed"][C] = tokens.T * 3.0
    counts = np.bincount(textgpt.load_checkpoint().train_ids, minlength=vocab_size)
    pool = np.sort(np.argsort(-counts, kind="stable")[:pool_size])
    params = {k: v.astype(np.float32) for k, v in params.items()}
    empty = np.zeros(0)
    return PatchingModel(config, params, pool, empty.astype(np.int64), empty, empty, 0.0)
