"""A GPT on Python source: the recipe of notebook 10 and its shipped checkpoint.

    ckpt = load_checkpoint()                  # merges, params, config, how it was trained
    x, y = random_windows(ids, 16, 64, rng)   # a batch of training windows (B, T) each
    python -m autograder.gpt.textgpt --minutes 9   # retrain the checkpoint (reference code)

Notebook 10 trains the learner's own GPT (autograder.mygpt) with the learner's
own tokenizer on the corpus of autograder.gpt.corpus. Training for the full
budget takes minutes, so the package ships a model trained with exactly the
same recipe (RECIPE below): same tokenizer training slice and merges, same
configuration, data order, optimiser and schedule. It was trained with the
reference GPT and AdamW of this package, which compute the same functions as
the learner's (tests/test_gpt.py and the stage-04 checks hold both to the
same oracles). Parameters are stored as float16 to keep the file small; they
are float32 again once loaded. The file also holds the training text encoded
with the checkpoint's merges, so that the notebook's baselines for it need not
encode 640 kB of text again.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import bpe, corpus
from .model import GPT, GPTConfig
from .optim import AdamW

PATH = Path(__file__).resolve().parent / "trained" / "python_gpt.npz"


@dataclass(frozen=True)
class Recipe:
    """Everything that determines the full training run of notebook 10."""

    bpe_chars: int = 50_000      # the tokenizer learns from the first bpe_chars of the train text
    n_merges: int = 256          # vocabulary: 256 bytes + 256 merges = 512 tokens
    context: int = 64
    d_model: int = 96
    n_heads: int = 4
    n_layers: int = 2
    batch_size: int = 16
    steps: int = 2000
    peak_lr: float = 3e-3
    warmup: int = 100
    weight_decay: float = 0.01
    seed: int = 0
    valid_chars: int = 30_000    # bits per byte are measured on the first valid_chars of valid

    @property
    def vocab_size(self) -> int:
        return 256 + self.n_merges

    def config(self) -> GPTConfig:
        return GPTConfig(vocab_size=self.vocab_size, context=self.context, d_model=self.d_model,
                         n_heads=self.n_heads, n_layers=self.n_layers)


RECIPE = Recipe()


def random_windows(ids: np.ndarray, batch_size: int, context: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A batch of random windows of the token stream: inputs and next-token targets, (B, T)."""
    if len(ids) <= context + 1:
        raise ValueError(f"{len(ids)} tokens is too short for windows of {context} + 1")
    starts = rng.integers(0, len(ids) - context - 1, size=batch_size)
    rows = starts[:, None] + np.arange(context + 1)[None, :]            # (B, T + 1)
    window = ids[rows]
    return window[:, :-1], window[:, 1:]


def eval_windows(ids: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    """The stream cut into consecutive windows (every token predicted once), (N, T) each."""
    n = (len(ids) - 1) // context
    x = ids[:n * context].reshape(n, context)
    y = ids[1:n * context + 1].reshape(n, context)
    return x, y


def sample(logits_fn, prompt: list[int], n_tokens: int, context: int,
           rng: np.random.Generator, temperature: float = 0.8) -> list[int]:
    """Continue `prompt` by n_tokens, sampling each next token at `temperature`.

    logits_fn(tokens (1, T)) -> logits (1, T, V); only the last position is used.
    """
    ids = list(prompt)
    for _ in range(n_tokens):
        window = np.asarray(ids[-context:])[None, :]
        logits = np.asarray(logits_fn(window)[0, -1], dtype=np.float64) / temperature
        p = np.exp(logits - logits.max())
        p /= p.sum()
        ids.append(int(rng.choice(len(p), p=p)))
    return ids


@dataclass
class Checkpoint:
    merges: list[tuple[int, int]]
    params: dict[str, np.ndarray]
    config: GPTConfig
    steps: int
    train_seconds: float
    valid_loss: float                      # nats per token on the recipe's validation text
    loss_curve: np.ndarray                 # (steps,) training loss
    train_ids: np.ndarray                  # the training text encoded with merges (uint16)


def save_checkpoint(path: str | Path, ckpt: Checkpoint) -> None:
    np.savez_compressed(
        path, merges=np.asarray(ckpt.merges, dtype=np.int32).reshape(-1, 2),
        steps=ckpt.steps, train_seconds=ckpt.train_seconds, valid_loss=ckpt.valid_loss,
        loss_curve=np.asarray(ckpt.loss_curve, dtype=np.float32),
        train_ids=np.asarray(ckpt.train_ids, dtype=np.uint16),
        **_named_arrays(ckpt))


def _named_arrays(ckpt: Checkpoint) -> dict[str, Any]:
    """The config fields ("config.d_model": int) and the float16 parameters ("param.*")."""
    return {**{f"config.{k}": getattr(ckpt.config, k)
               for k in ("vocab_size", "context", "d_model", "n_heads", "n_layers")},
            **{f"param.{k}": v.astype(np.float16) for k, v in ckpt.params.items()}}


def load_checkpoint(path: str | Path = PATH) -> Checkpoint:
    """The shipped model (float32 parameters), or a clear error if the file is missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m autograder.gpt.textgpt` "
                                "to make it (about 10 minutes)")
    with np.load(path, allow_pickle=False) as data:
        fields: dict[str, Any] = {k[len("config."):]: int(data[k]) for k in data.files
                                  if k.startswith("config.")}
        config = GPTConfig(**fields)
        params = {k[len("param."):]: data[k].astype(np.float32) for k in data.files
                  if k.startswith("param.")}
        return Checkpoint([(int(a), int(b)) for a, b in data["merges"]], params, config,
                          int(data["steps"]), float(data["train_seconds"]),
                          float(data["valid_loss"]), data["loss_curve"].copy(),
                          data["train_ids"].astype(np.int64))


def lr_at(step: int, total: int, recipe: Recipe = RECIPE) -> float:
    """Linear warm-up, then cosine decay to 10% of the peak (notebook 06's schedule)."""
    if step < recipe.warmup:
        return recipe.peak_lr * (step + 1) / recipe.warmup
    progress = (step - recipe.warmup) / max(1, total - recipe.warmup)
    floor = 0.1 * recipe.peak_lr
    return floor + (recipe.peak_lr - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))


def mean_loss(logits_fn, x: np.ndarray, y: np.ndarray, batch: int = 64) -> float:
    """Mean next-token cross-entropy (nats) of windows x -> y."""
    total, count = 0.0, 0
    for i in range(0, len(x), batch):
        logits = np.asarray(logits_fn(x[i:i + batch]), dtype=np.float64)
        z = logits - logits.max(axis=-1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
        total -= float(np.take_along_axis(logp, y[i:i + batch][..., None], axis=-1).sum())
        count += y[i:i + batch].size
    return total / count


def train_reference(steps: int, minutes: float | None = None,
                    recipe: Recipe = RECIPE) -> Checkpoint:
    """Train the checkpoint with the reference GPT (the same recipe as notebook 10)."""
    from .threads import set_blas_threads

    set_blas_threads(1)
    train_text, valid_text = corpus.split(corpus.load())
    merges = bpe.train(train_text[:recipe.bpe_chars], recipe.n_merges)
    ids = np.asarray(bpe.encode(train_text, merges))
    vx, vy = eval_windows(np.asarray(bpe.encode(valid_text[:recipe.valid_chars], merges)),
                          recipe.context)
    model = GPT(recipe.config(), seed=recipe.seed)
    opt = AdamW(model.params, lr=recipe.peak_lr, weight_decay=recipe.weight_decay,
                betas=(0.9, 0.99))
    rng = np.random.default_rng(recipe.seed + 1)
    curve, seconds = [], 0.0
    deadline = None if minutes is None else time.perf_counter() + 60 * minutes
    for step in range(steps):
        x, y = random_windows(ids, recipe.batch_size, recipe.context, rng)
        start = time.perf_counter()
        opt.lr = lr_at(step, steps, recipe)
        curve.append(model.loss(x, y, np.ones(x.shape, np.float32)))
        opt.step(model.backward())
        seconds += time.perf_counter() - start
        if step % 100 == 0:
            print(f"step {step}: loss {curve[-1]:.3f} ({seconds:.0f} s)", flush=True)
        if deadline is not None and time.perf_counter() > deadline:
            break
    valid = mean_loss(model.logits, vx, vy)
    return Checkpoint(merges, model.params, model.config, len(curve), seconds, valid,
                      np.asarray(curve), ids)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=RECIPE.steps)
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop early after this many minutes of wall time")
    parser.add_argument("--out", default=str(PATH))
    args = parser.parse_args(argv)
    ckpt = train_reference(args.steps, args.minutes)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(args.out, ckpt)
    print(f"wrote {args.out}: {ckpt.steps} steps, {ckpt.train_seconds:.0f} s of training, "
          f"validation loss {ckpt.valid_loss:.3f} nats/token")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
