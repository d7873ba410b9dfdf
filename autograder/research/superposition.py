"""Helpers for the toy models of superposition (Elhage et al., 2022) in notebook 08/02.

The model: n features x (most of them 0 at any time), squeezed into m < n hidden
dimensions h = W x, then read back out as x' = ReLU(W^T h + b). Many such models,
one per "instance" (here, one per sparsity), train side by side in one array:

    W: (instances, m, n)   b: (instances, n)   x: (instances, batch, n)

This module holds what is not the exercise: an Adam optimiser for arrays, the
importance and sparsity schedules, and the figures (W^T W with the bias, and the
feature geometry). The learner writes the data, the forward pass, the gradients
and the training loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class Adam:
    """Adam (Kingma and Ba, 2015) on a list of NumPy arrays, updated in place.

        opt = Adam([W, b], lr=1e-2)
        opt.step([dW, db])     # W and b move; shapes as the parameters
    """

    def __init__(self, params: Sequence[np.ndarray], lr: float = 1e-2,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        if lr <= 0:
            raise ValueError(f"lr must be positive, got {lr}")
        self.params = list(params)
        self.lr, self.betas, self.eps = lr, betas, eps
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Move every parameter against its gradient (grads in the order of params)."""
        if len(grads) != len(self.params):
            raise ValueError(f"{len(self.params)} parameters but {len(grads)} gradients")
        self.t += 1
        b1, b2 = self.betas
        for p, g, m, v in zip(self.params, grads, self.m, self.v, strict=True):
            if g.shape != p.shape:
                raise ValueError(f"a gradient of shape {g.shape} for a parameter of shape "
                                 f"{p.shape}")
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            m_hat = m / (1 - b1 ** self.t)
            v_hat = v / (1 - b2 ** self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def init_weights(n_instances: int, n_hidden: int, n_features: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Xavier-normal W of shape (instances, m, n) and a zero bias of shape (instances, n)."""
    std = np.sqrt(2.0 / (n_hidden + n_features))
    return rng.normal(0.0, std, (n_instances, n_hidden, n_features)), \
        np.zeros((n_instances, n_features))


def plot_wtw(W: np.ndarray, b: np.ndarray, titles: Sequence[str], axes=None):
    """One column per instance: W^T W (n x n, red positive, blue negative) above the bias.

    W: (instances, m, n); b: (instances, n); titles: one string per instance.
    Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    k = W.shape[0]
    if axes is None:
        fig, axes = plt.subplots(2, k, figsize=(1.6 * k, 2.4),
                                 gridspec_kw={"height_ratios": [W.shape[2], 1.5]})
    fig = axes[0, 0].figure
    for i in range(k):
        wtw = W[i].T @ W[i]                                       # (n, n)
        axes[0, i].imshow(wtw, cmap="RdBu_r", vmin=-1, vmax=1)
        axes[0, i].set_title(titles[i], fontsize=8)
        axes[1, i].imshow(b[i][None, :], cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
        for ax in axes[:, i]:
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_ylabel("W^T W", fontsize=8)
    axes[1, 0].set_ylabel("b", fontsize=8)
    return fig
