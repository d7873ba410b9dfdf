"""Grokking on CPU: modular addition learned by an embedding + MLP, trained full batch.

    params = init_params(p=31, seed=0)
    hist = train(params, train_pairs, test_pairs, p, adamw_step, steps=3000)

The model: each number a in [0, p) has an embedding W_a[a] as first operand and
W_b[a] as second (one entry per hidden unit); the pair (a, b) goes through
h = ReLU(W_a[a] + W_b[b] + c) and then logits = h @ U (p classes), trained with
cross-entropy on (a + b) mod p (a one-hidden-layer MLP on one-hot inputs). The
gradients are written by hand (NumPy only). `train` takes the optimiser step as
an argument (stage 08, notebook 04: the learner's own AdamW), so weight decay is
the learner's lever. Stage 08, notebook 04.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Params = dict[str, np.ndarray]
PARAM_NAMES = ("W_a", "W_b", "c", "U")


@dataclass
class History:
    """What `train` records every eval_every steps (lists of the same length)."""
    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    weight_norm: list[float] = field(default_factory=list)
    embeddings: list[np.ndarray] = field(default_factory=list)    # W_a, (p, hidden) each


def init_params(p: int, seed: int, hidden: int = 128, dtype: type = np.float32) -> Params:
    """Random initial weights (float32 by default: twice as fast as float64 here).

    Returns {"W_a": (p, hidden), "W_b": (p, hidden), "c": (hidden,), "U": (hidden, p)}:
    row W_a[a] is what the first number a adds to the hidden layer (its embedding),
    W_b[b] the same for the second; U reads the hidden layer out into p logits.
    """
    rng = np.random.default_rng(seed)
    params = {"W_a": rng.normal(size=(p, hidden)) / np.sqrt(2),
              "W_b": rng.normal(size=(p, hidden)) / np.sqrt(2),
              "c": np.zeros(hidden),
              "U": rng.normal(size=(hidden, p)) / np.sqrt(hidden)}
    return {k: v.astype(dtype) for k, v in params.items()}


def logits(params: Params, pairs: np.ndarray) -> np.ndarray:
    """pairs: (n, 2) ints in [0, p). Returns the logits, shape (n, p)."""
    pre = params["W_a"][pairs[:, 0]] + params["W_b"][pairs[:, 1]] + params["c"]  # (n, hidden)
    return np.maximum(pre, 0.0) @ params["U"]                                   # (n, p)


def loss_and_accuracy(params: Params, pairs: np.ndarray, p: int) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of the model on (a + b) mod p for pairs (n, 2)."""
    z = logits(params, pairs)
    y = (pairs[:, 0] + pairs[:, 1]) % p
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean()), float((z.argmax(axis=1) == y).mean())


def loss_and_grads(params: Params, pairs: np.ndarray, p: int) -> tuple[float, Params]:
    """Mean cross-entropy on (a + b) mod p and its gradient for every parameter (same shapes)."""
    a, b = pairs[:, 0], pairs[:, 1]
    n = len(pairs)
    pre = params["W_a"][a] + params["W_b"][b] + params["c"]       # (n, hidden)
    h = np.maximum(pre, 0.0)
    z = h @ params["U"]                                            # (n, p)
    z = z - z.max(axis=1, keepdims=True)
    prob = np.exp(z)
    prob /= prob.sum(axis=1, keepdims=True)
    y = (a + b) % p
    loss = float(-np.log(prob[np.arange(n), y]).mean())
    dz = prob
    dz[np.arange(n), y] -= 1.0
    dz /= n                                                        # (n, p)
    dpre = (dz @ params["U"].T) * (pre > 0)                        # (n, hidden)
    eye = np.eye(p, dtype=pre.dtype)
    return loss, {"W_a": eye[a].T @ dpre, "W_b": eye[b].T @ dpre,  # (p, hidden) each
                  "c": dpre.sum(axis=0), "U": h.T @ dz}


Step = Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]]


def train(params: Params, train_pairs: np.ndarray, test_pairs: np.ndarray, p: int,
          step_fn: Step, steps: int, lr: float = 1e-3, weight_decay: float = 1.0,
          betas: tuple[float, float] = (0.9, 0.98), eval_every: int = 50,
          progress: bool = False) -> History:
    """Full-batch training with `step_fn` (an AdamW step); `params` change in place.

    step_fn(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay) -> (param, m, v),
    t counting from 1. Records the history at step 1 and every eval_every steps.
    """
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(w) for k, w in params.items()}
    hist = History()
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=steps, desc="training", mininterval=0.5)
    for t in range(1, steps + 1):
        _, grads = loss_and_grads(params, train_pairs, p)
        for k in PARAM_NAMES:
            params[k], m[k], v[k] = step_fn(params[k], grads[k], m[k], v[k], t, lr,
                                            betas[0], betas[1], 1e-8, weight_decay)
        if t == 1 or t % eval_every == 0:
            _record(hist, t, params, train_pairs, test_pairs, p)
            if bar is not None:
                bar.set_postfix(train=f"{hist.train_acc[-1]:.0%}", test=f"{hist.test_acc[-1]:.0%}")
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return hist


def _record(hist: History, t: int, params: Params, train_pairs: np.ndarray,
            test_pairs: np.ndarray, p: int) -> None:
    tr_loss, tr_acc = loss_and_accuracy(params, train_pairs, p)
    te_loss, te_acc = loss_and_accuracy(params, test_pairs, p)
    hist.steps.append(t)
    hist.train_loss.append(tr_loss)
    hist.test_loss.append(te_loss)
    hist.train_acc.append(tr_acc)
    hist.test_acc.append(te_acc)
    hist.weight_norm.append(float(np.sqrt(sum((w ** 2).sum() for w in params.values()))))
    hist.embeddings.append(params["W_a"].copy())
