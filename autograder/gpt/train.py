"""Training and evaluating a GPT on the digit tasks: the reference loop and metrics.

    model, history = train_digit_tasks(TrainConfig())      # seconds, not minutes

Accuracy is per problem: a problem counts as solved only if every answer
character is predicted correctly. With teacher forcing (the true answer fed in
as input) a single forward pass gives this; it equals the accuracy of greedy
generation, because greedy decoding reproduces the true answer exactly when
every next-character prediction along it is right.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .data import VOCAB, digit_problems, make_batch, task_batch
from .model import GPT, GPTConfig
from .optim import AdamW


def solved(logits: np.ndarray, targets: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(B,) booleans: True where argmax(logits) equals the target at every masked position."""
    wrong = (logits.argmax(axis=-1) != targets) & (mask > 0)
    return ~wrong.any(axis=1)


def accuracy(model: GPT, problems: Sequence[tuple[str, str]], batch_size: int = 500) -> float:
    """Fraction of problems whose whole answer the model predicts (teacher-forced argmax)."""
    hits = 0
    for start in range(0, len(problems), batch_size):
        inputs, targets, mask = make_batch(problems[start:start + batch_size])
        hits += int(solved(model.logits(inputs), targets, mask).sum())
    return hits / len(problems)


@dataclass
class TrainConfig:
    """Everything that determines a training run (so it is reproducible)."""

    tasks: tuple[str, ...] = ("reverse", "sort")
    n_digits: int = 8
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    batch_size: int = 64
    steps: int = 1500
    lr: float = 3e-3
    warmup: int = 100
    weight_decay: float = 0.01
    seed: int = 0
    eval_every: int = 100
    dtype: str = "float32"


def lr_at(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up for `warmup` steps, then cosine decay to 10% of lr at the end."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * (0.1 + 0.45 * (1.0 + np.cos(np.pi * progress)))


@dataclass
class History:
    """What a training run recorded: loss every step, accuracy every eval_every steps."""

    loss: list[float] = field(default_factory=list)
    eval_steps: list[int] = field(default_factory=list)
    accuracy: dict[str, list[float]] = field(default_factory=dict)
    step_seconds: list[float] = field(default_factory=list)

    @property
    def train_seconds(self) -> float:
        return float(sum(self.step_seconds))


def model_for(cfg: TrainConfig) -> GPT:
    """A freshly initialised model sized for cfg's tasks."""
    context = 2 * cfg.n_digits + 1  # marker, digits, "=", answer; minus the last token
    config = GPTConfig(vocab_size=len(VOCAB), context=context, d_model=cfg.d_model,
                       n_heads=cfg.n_heads, n_layers=cfg.n_layers, dtype=cfg.dtype)
    return GPT(config, seed=cfg.seed)


def train_digit_tasks(cfg: TrainConfig | None = None,
                      progress: Callable[[int, float], None] | None = None,
                      model: GPT | None = None) -> tuple[GPT, History]:
    """Train a model on cfg.tasks; return it and its history.

    progress(step, loss), if given, is called after every step (a tqdm bar, say).
    Held-out accuracy is measured every cfg.eval_every steps on 500 problems per
    task from a generator seeded apart from the training data.
    """
    cfg = cfg or TrainConfig()
    model = model or model_for(cfg)
    opt = AdamW(model.params, lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.99))
    rng = np.random.default_rng(cfg.seed + 1)
    held_out = {t: digit_problems(t, 500, cfg.n_digits, np.random.default_rng(10_000 + i))
                for i, t in enumerate(cfg.tasks)}
    hist = History(accuracy={t: [] for t in cfg.tasks})
    for step in range(cfg.steps):
        inputs, targets, mask = task_batch(cfg.tasks, cfg.batch_size, cfg.n_digits, rng)
        start = time.perf_counter()
        opt.lr = lr_at(step, cfg)
        loss = model.loss(inputs, targets, mask)
        opt.step(model.backward())
        hist.step_seconds.append(time.perf_counter() - start)
        hist.loss.append(loss)
        if progress is not None:
            progress(step, loss)
        if (step + 1) % cfg.eval_every == 0 or step + 1 == cfg.steps:
            hist.eval_steps.append(step + 1)
            for t, problems in held_out.items():
                hist.accuracy[t].append(accuracy(model, problems))
    return model, hist
