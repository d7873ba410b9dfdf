"""The two-spirals dataset of notebook 07 (made here, never downloaded).

Two classes wind around the origin as interleaved spiral arms. No straight line
(or any small number of lines) separates them, so a linear classifier gets about
half of the points right, while a small MLP gets nearly all of them.
"""

from __future__ import annotations

import numpy as np


def make_spirals(n_per_class: int = 200, noise: float = 0.04, turns: float = 1.5,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals in the plane.

    n_per_class: points per class.  noise: standard deviation of the Gaussian
    jitter added to each coordinate.  turns: how many times each arm winds
    around the origin.  seed: the generator's seed (same seed, same data).
    Returns X of shape (2 * n_per_class, 2), float64 coordinates within about
    [-1, 1], and y of shape (2 * n_per_class,), int64 labels 0 and 1.
    """
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for label in (0, 1):
        t = rng.uniform(0.1, 1.0, size=n_per_class)              # position along the arm
        angle = 2 * np.pi * turns * t + label * np.pi             # the second arm: rotated 180°
        arm = t[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # radius t
        xs.append(arm + rng.normal(0.0, noise, size=arm.shape))
        ys.append(np.full(n_per_class, label, dtype=np.int64))
    return np.concatenate(xs), np.concatenate(ys)
