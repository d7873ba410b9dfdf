"""A multi-armed bandit with Gaussian rewards, and the loop that runs an agent on it.

Arm k pays a reward drawn from Normal(means[k], 1). An agent is two functions the
learner writes in 07/01: `choose(estimates, counts, t, rng) -> arm` and
`update(estimates, counts, arm, reward) -> (estimates, counts)`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Choose = Callable[[np.ndarray, np.ndarray, int, np.random.Generator], int]
Update = Callable[[np.ndarray, np.ndarray, int, float], tuple[np.ndarray, np.ndarray]]


def run_bandit(means: np.ndarray, choose: Choose, update: Update, steps: int,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Run one agent for `steps` pulls; returns (arms, rewards), int and float arrays (steps,).

    means: float array (K,), each arm's expected reward. At step t = 1, 2, ..., steps
    the agent chooses an arm from its estimates (K,) and counts (K,), the arm pays
    Normal(means[arm], 1), and the agent updates its estimates. Every random draw,
    the agent's included, comes from `rng`.
    """
    means = np.asarray(means, dtype=float)
    k = len(means)
    estimates, counts = np.zeros(k), np.zeros(k, dtype=int)
    arms = np.zeros(steps, dtype=int)
    rewards = np.zeros(steps)
    for t in range(1, steps + 1):
        arm = int(choose(estimates, counts, t, rng))
        if not 0 <= arm < k:
            raise ValueError(f"step {t}: the agent chose arm {arm}; the arms are 0..{k - 1}")
        reward = float(rng.normal(means[arm], 1.0))
        estimates, counts = update(estimates, counts, arm, reward)
        arms[t - 1], rewards[t - 1] = arm, reward
    return arms, rewards
