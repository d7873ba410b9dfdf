"""A training run small enough to repeat over many seeds: a two-layer MLP on two noisy spirals.

    from autograder.research.experiments import RunConfig, run_seeds
    accuracies = run_seeds(RunConfig(hidden=16), seeds=range(20))   # (20,), about 1 s

Each seed draws its own training set, test set and initial weights, so the spread
of the results over seeds is the spread a careful experimenter would see on
re-running. Two configurations run with the same seed see the *same* data (the
data generator is seeded by the seed alone, the initial weights by the seed, the
width and `init`), which is what makes a paired comparison possible. Results are test
accuracies, exact multiples of 1 / n_test. Stage 08, notebook 01.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RunConfig:
    hidden: int = 16          # width of the hidden layer
    lr: float = 0.3           # gradient-descent step size (with momentum 0.9)
    steps: int = 300          # full-batch steps
    n_train: int = 200        # training points
    n_test: int = 1000        # test points: accuracies are multiples of 1 / n_test
    noise: float = 0.25       # spread of the points around their spiral
    init: int = 0             # another value re-initialises the weights (same data)


def spirals(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals in the plane.

    n: number of points; noise: standard deviation of the Gaussian jitter.
    Returns x of shape (n, 2) (float64) and labels y of shape (n,) (0 or 1).
    """
    y = rng.integers(0, 2, n)                                    # (n,)
    t = rng.uniform(0.25, 1.0, n) * 3.0 * np.pi                  # (n,) angle along the spiral
    r = t / (3.0 * np.pi) * 2.0                                  # (n,) radius grows with angle
    angle = t + np.pi * y                                        # the second spiral is rotated
    x = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)  # (n, 2)
    return x + noise * rng.normal(size=(n, 2)), y


def train_run(cfg: RunConfig, seed: int) -> float:
    """Train one MLP (2 -> hidden -> 1, tanh, logistic loss) and return its test accuracy.

    cfg: the configuration; seed: an int that fixes the data and the initial weights.
    Returns a float in [0, 1], a multiple of 1 / cfg.n_test.
    """
    if cfg.hidden < 1 or cfg.steps < 0 or cfg.n_train < 1 or cfg.n_test < 1:
        raise ValueError(f"hidden, n_train and n_test must be >= 1 and steps >= 0; got {cfg}")
    data_rng = np.random.default_rng([seed, 0])
    x, y = spirals(cfg.n_train, cfg.noise, data_rng)             # (n, 2), (n,)
    x_test, y_test = spirals(cfg.n_test, cfg.noise, data_rng)
    init_rng = np.random.default_rng([seed, 1, cfg.hidden, cfg.init])
    w1 = init_rng.normal(size=(2, cfg.hidden)) * 1.5             # (2, h)
    b1 = np.zeros(cfg.hidden)                                    # (h,)
    w2 = init_rng.normal(size=(cfg.hidden, 1)) / np.sqrt(cfg.hidden)  # (h, 1)
    b2 = np.zeros(1)
    params = [w1, b1, w2, b2]
    velocity = [np.zeros_like(p) for p in params]
    target = y[:, None].astype(float)                            # (n, 1)
    for _ in range(cfg.steps):
        h = np.tanh(x @ w1 + b1)                                 # (n, h)
        logits = h @ w2 + b2                                     # (n, 1)
        g_logits = (1.0 / (1.0 + np.exp(-logits)) - target) / len(x)   # d(mean loss)/d logits
        g_w2 = h.T @ g_logits
        g_b2 = g_logits.sum(0)
        g_h = g_logits @ w2.T * (1.0 - h ** 2)                   # (n, h)
        grads = [x.T @ g_h, g_h.sum(0), g_w2, g_b2]
        for p, v, g in zip(params, velocity, grads, strict=True):
            v *= 0.9
            v -= cfg.lr * g
            p += v
    predicted = (np.tanh(x_test @ w1 + b1) @ w2 + b2)[:, 0] > 0  # (n_test,)
    return float(np.mean(predicted == y_test))


def run_seeds(cfg: RunConfig, seeds: Iterable[int]) -> np.ndarray:
    """Test accuracies of train_run(cfg, seed) for each seed: float array of shape (len(seeds),)."""
    return np.array([train_run(cfg, int(s)) for s in seeds])
