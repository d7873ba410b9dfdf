"""Grokking on modular addition: train accuracy first, test accuracy much later.

    history = run(GrokConfig())          # several minutes on 2 cores
    plot_history(history)

A one-layer GPT (the reference model) learns (a + b) mod p from a fixed random
fraction of all p^2 pairs, full batch, with strong decoupled weight decay, as in
Power et al. (2022) and Nanda et al. (2023). Each number is one token; the input
is [a, b, "="] and only the prediction at "=" is trained. Optional material for
notebook 08; `benchmarks/grokking.py` runs it and saves the figure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .model import GPT, GPTConfig
from .optim import AdamW


@dataclass(frozen=True)
class GrokConfig:
    p: int = 53
    train_fraction: float = 0.4
    d_model: int = 128
    n_heads: int = 4
    n_layers: int = 1
    lr: float = 1e-3
    weight_decay: float = 1.0
    steps: int = 4000
    eval_every: int = 50
    seed: int = 0


@dataclass
class GrokHistory:
    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    seconds: float = 0.0


def split(cfg: GrokConfig):
    """All pairs (a, b) as inputs [a, b, p] with target (a + b) mod p, split train/test."""
    p = cfg.p
    a, b = np.divmod(np.arange(p * p), p)
    inputs = np.stack([a, b, np.full_like(a, p)], axis=1)           # (p^2, 3); p is "="
    targets = np.zeros_like(inputs)
    targets[:, 2] = (a + b) % p
    order = np.random.default_rng(cfg.seed).permutation(p * p)
    n_train = int(cfg.train_fraction * p * p)
    return (inputs[order[:n_train]], targets[order[:n_train]]), \
        (inputs[order[n_train:]], targets[order[n_train:]])


def _evaluate(model: GPT, inputs, targets, mask):
    loss = model.loss(inputs, targets, mask)
    right = model.logits(inputs)[:, 2].argmax(-1) == targets[:, 2]
    return loss, float(right.mean())


def run(cfg: GrokConfig | None = None, progress: bool = False) -> GrokHistory:
    """Train and record train/test loss and accuracy every cfg.eval_every steps."""
    cfg = cfg or GrokConfig()
    (x_tr, y_tr), (x_te, y_te) = split(cfg)
    mask_tr = np.zeros(x_tr.shape, dtype=np.float32)
    mask_tr[:, 2] = 1.0
    mask_te = np.zeros(x_te.shape, dtype=np.float32)
    mask_te[:, 2] = 1.0
    model = GPT(GPTConfig(vocab_size=cfg.p + 1, context=3, d_model=cfg.d_model,
                          n_heads=cfg.n_heads, n_layers=cfg.n_layers), seed=cfg.seed)
    opt = AdamW(model.params, lr=cfg.lr, betas=(0.9, 0.98), weight_decay=cfg.weight_decay)
    hist = GrokHistory()
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=cfg.steps, desc="grokking")
    start = time.perf_counter()
    for step in range(cfg.steps):
        model.loss(x_tr, y_tr, mask_tr)
        opt.step(model.backward())
        if (step + 1) % cfg.eval_every == 0 or step == 0:
            tr_loss, tr_acc = _evaluate(model, x_tr, y_tr, mask_tr)
            te_loss, te_acc = _evaluate(model, x_te, y_te, mask_te)
            hist.steps.append(step + 1)
            hist.train_loss.append(tr_loss)
            hist.test_loss.append(te_loss)
            hist.train_acc.append(tr_acc)
            hist.test_acc.append(te_acc)
            if bar is not None:
                bar.set_postfix(train=f"{tr_acc:.0%}", test=f"{te_acc:.0%}")
        if bar is not None:
            bar.update(1)
    hist.seconds = time.perf_counter() - start
    if bar is not None:
        bar.close()
    return hist


def plot_history(hist: GrokHistory, title: str | None = None):
    """Train and test accuracy (left) and loss (right) against steps, log x axis."""
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    ax1.semilogx(hist.steps, hist.train_acc, label="train (40% of pairs)")
    ax1.semilogx(hist.steps, hist.test_acc, label="test (the other 60%)")
    ax1.set_xlabel("step")
    ax1.set_ylabel("accuracy")
    ax1.set_title(title or "Grokking: memorise first, generalise much later")
    ax1.legend()
    ax2.loglog(hist.steps, hist.train_loss, label="train")
    ax2.loglog(hist.steps, hist.test_loss, label="test")
    ax2.set_xlabel("step")
    ax2.set_ylabel("loss")
    ax2.legend()
    fig.tight_layout()
    return fig
