"""AdamW (Loshchilov and Hutter, 2019): Adam with decoupled weight decay.

For each parameter p with gradient g, at step t = 1, 2, ...:

    m = beta1 m + (1 - beta1) g            running mean of gradients
    v = beta2 v + (1 - beta2) g^2          running mean of squared gradients
    m_hat = m / (1 - beta1^t)              bias correction: m and v start at 0
    v_hat = v / (1 - beta2^t)
    p -= lr * (m_hat / (sqrt(v_hat) + eps) + weight_decay * p)

Weight decay is applied to matrices only (names of 2-D parameters), not to
biases and LayerNorm gains, as in GPT-2's training code.
"""

from __future__ import annotations

import math

import numpy as np


class AdamW:
    """An optimiser holding Adam's running averages for a dict of parameters."""

    def __init__(self, params: dict[str, np.ndarray], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01):
        self.params = params
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.t = 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self._scratch = {k: np.empty_like(v) for k, v in params.items()}  # speed: reused

    def step(self, grads: dict[str, np.ndarray]) -> None:
        """Update every parameter in place from its gradient (grads: {name: array like it})."""
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # speed: fold both bias corrections into one step size, and work in place on
        # buffers allocated once (no temporary arrays)
        step = self.lr * math.sqrt(1.0 - b2 ** self.t) / (1.0 - b1 ** self.t)
        eps_hat = self.eps * math.sqrt(1.0 - b2 ** self.t)
        for name, p in self.params.items():
            g, m, v, tmp = grads[name], self.m[name], self.v[name], self._scratch[name]
            m *= b1
            np.multiply(g, 1.0 - b1, out=tmp)
            m += tmp                                     # m = b1 m + (1 - b1) g
            v *= b2
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - b2
            v += tmp                                     # v = b2 v + (1 - b2) g^2
            if self.weight_decay and p.ndim >= 2:
                p *= 1.0 - self.lr * self.weight_decay
            np.sqrt(v, out=tmp)
            tmp += eps_hat
            np.divide(m, tmp, out=tmp)
            tmp *= step
            p -= tmp
