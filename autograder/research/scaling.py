"""Stage 08, notebook 08: one point of the scaling grid, trained on stage 04's Python text.

    loss = train_point(d_model=16, steps=250, seed=0)    # validation loss, nats per token

A point is the stage-04 GPT (2 layers, heads of width 8, context 32) trained with
AdamW on batches of 16 random windows of the shipped checkpoint's training tokens
(its BPE merges, 512 tokens), with a linear warm-up and a cosine decay to 10% of the
peak learning rate over the run's own length. The seed fixes the initial weights
and the order of the windows. The loss is measured on the first VALID_CHARS
characters of the held-out text (the last 10% of the corpus), every token predicted
once. One thread of BLAS: the same seed gives the same float32 numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..gpt import bpe, corpus, textgpt
from ..gpt.model import GPT, GPTConfig
from ..gpt.optim import AdamW
from ..gpt.threads import set_blas_threads

N_LAYERS = 2
D_HEAD = 8
CONTEXT = 32
BATCH = 16
PEAK_LR = 5e-3
WARMUP = 50
WEIGHT_DECAY = 0.01
VALID_CHARS = 10_000


@dataclass(frozen=True)
class Point:
    """One run of the grid: its size, its data, its seed."""

    d_model: int
    steps: int
    seed: int

    def config(self) -> GPTConfig:
        return GPTConfig(vocab_size=textgpt.RECIPE.vocab_size, context=CONTEXT,
                         d_model=self.d_model, n_heads=max(1, self.d_model // D_HEAD),
                         n_layers=N_LAYERS)

    @property
    def tokens(self) -> int:
        """Training tokens seen: steps x batch x context."""
        return self.steps * BATCH * CONTEXT


@lru_cache(maxsize=1)
def token_streams() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(train_ids, valid_x, valid_y): the checkpoint's training tokens, the validation windows."""
    ckpt = textgpt.load_checkpoint()
    _, valid_text = corpus.split(corpus.load())
    valid_ids = np.asarray(bpe.encode(valid_text[:VALID_CHARS], ckpt.merges))
    vx, vy = textgpt.eval_windows(valid_ids, CONTEXT)
    return ckpt.train_ids, vx, vy


def lr_at(step: int, total: int) -> float:
    """Linear warm-up over WARMUP steps, then cosine decay to 10% of PEAK_LR at `total`."""
    if step < WARMUP:
        return PEAK_LR * (step + 1) / WARMUP
    progress = (step - WARMUP) / max(1, total - WARMUP)
    return 0.1 * PEAK_LR + 0.9 * PEAK_LR * 0.5 * (1.0 + math.cos(math.pi * progress))


def train_point(d_model: int, steps: int, seed: int) -> float:
    """Train one point of the grid and return its validation loss (nats per token, a float)."""
    if d_model < 1 or steps < 1:
        raise ValueError(f"d_model and steps must be positive, not {d_model} and {steps}")
    point = Point(d_model, steps, seed)
    previous = set_blas_threads(1)
    try:
        train_ids, vx, vy = token_streams()
        model = GPT(point.config(), seed=seed)
        opt = AdamW(model.params, lr=PEAK_LR, weight_decay=WEIGHT_DECAY, betas=(0.9, 0.99))
        rng = np.random.default_rng(10_000 + seed)
        ones = np.ones((BATCH, CONTEXT), np.float32)
        for step in range(steps):
            x, y = textgpt.random_windows(train_ids, BATCH, CONTEXT, rng)
            opt.lr = lr_at(step, steps)
            model.loss(x, y, ones)
            opt.step(model.backward())
        return textgpt.mean_loss(model.logits, vx, vy)
    finally:
        if previous is not None:
            set_blas_threads(previous)


E_GRID = np.round(np.arange(0.0, 5.0, 0.02), 2)     # the floors E the fit of L(N) tries
