"""A tiny coin-collecting world where the coin and the right wall can come apart.

Goal misgeneralisation in miniature, after Langosco et al. (2022, CoinRun) and Shah
et al. (2022). The world is an open grid, HEIGHT rows by WIDTH columns, with one coin.
The agent moves up, right, down or left (0, 1, 2, 3, as in gridworld.py); a move off
the grid leaves it where it is. Entering the coin's cell pays +1 and ends the episode;
every other step pays 0. That reward is the *correct* one: it pays for the coin and
for nothing else.

In training the coin is always in the rightmost column (the "cue": the right wall), so
"go to the coin" and "go to the right wall" are rewarded identically. At test the coin
is to the left of the agent, and the two goals come apart.

The agent is a linear Q-function over three features of each action (coin_features):
how much the move brings it towards the coin across (columns) and up/down (rows), and
how much it moves it right. The coin's features are multiplied by `brightness` (the coin
is a small object, the wall a big one; brightness 1 makes them equally salient).
Learning uses the learner's own update, `update(w, phi_sa, r, phi_next, done, alpha,
gamma) -> new w` (exercise 11.4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .gridworld import MOVES

HEIGHT, WIDTH = 3, 7
FEATURES = ("towards the coin, across", "towards the coin, up/down", "towards the right wall")
COIN, CUE, NEITHER = 0, 1, 2                      # outcomes of a test episode
OUTCOMES = ("coin", "right wall", "neither")

Update = Callable[..., np.ndarray]


@dataclass(frozen=True)
class Level:
    """Where the agent starts and where the coin is, as (row, column) pairs."""

    start: tuple[int, int]
    coin: tuple[int, int]


def move(cell: tuple[int, int], action: int) -> tuple[int, int]:
    """The cell reached from `cell` by `action` (0 up, 1 right, 2 down, 3 left)."""
    r, c = cell[0] + MOVES[action][0], cell[1] + MOVES[action][1]
    return (r, c) if 0 <= r < HEIGHT and 0 <= c < WIDTH else cell


def coin_features(cell: tuple[int, int], coin: tuple[int, int],
                  brightness: float = 0.5) -> np.ndarray:
    """The features of the four actions in `cell`, shape (4, 3), one row per action.

    Column 0: brightness * (+1 if the move brings the agent one column closer to the coin,
    -1 if one column further, 0 otherwise); column 1: the same for rows; column 2: +1 if
    the move goes right, -1 if left, 0 otherwise (a blocked move changes nothing: all 0).
    """
    return _features(tuple(cell), tuple(coin), float(brightness)).copy()


@lru_cache(maxsize=4096)
def _features(cell: tuple[int, int], coin: tuple[int, int], brightness: float) -> np.ndarray:
    toward_col = (coin[1] > cell[1]) - (coin[1] < cell[1])
    toward_row = (coin[0] > cell[0]) - (coin[0] < cell[0])
    rows = []
    for a in range(4):
        r2, c2 = move(cell, a)
        dr, dc = r2 - cell[0], c2 - cell[1]
        rows.append((brightness * toward_col * dc + 0.0, brightness * toward_row * dr + 0.0,
                     float(dc)))          # + 0.0: no negative zeros in printouts
    phi = np.array(rows, dtype=float)
    phi.flags.writeable = False                   # cached: shared between calls
    return phi


def training_level(rng: np.random.Generator, diverse: float = 0.0) -> Level:
    """A training level: the coin in the rightmost column (a random row), the agent in
    one of the four leftmost columns. With probability `diverse` the coin is instead
    anywhere else (not the rightmost column, not the agent's cell)."""
    start = (int(rng.integers(HEIGHT)), int(rng.integers(4)))
    if rng.random() < diverse:
        while True:
            coin = (int(rng.integers(HEIGHT)), int(rng.integers(WIDTH - 1)))
            if coin != start:
                return Level(start, coin)
    return Level(start, (int(rng.integers(HEIGHT)), WIDTH - 1))


def held_out_level(rng: np.random.Generator) -> Level:
    """A test level: the agent in column 4, the coin in one of columns 0-2 (behind it)."""
    return Level((int(rng.integers(HEIGHT)), 4),
                 (int(rng.integers(HEIGHT)), int(rng.integers(3))))


def _choose(q: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if epsilon > 0 and rng.random() < epsilon:
        return int(rng.integers(len(q)))
    return int(q.argmax())


def train_coin_agent(update: Update, seed: int, n_episodes: int = 300, alpha: float = 0.1,
                     gamma: float = 0.9, epsilon: float = 0.1, brightness: float = 0.5,
                     diverse: float = 0.0, max_steps: int = 30) -> np.ndarray:
    """Train the linear agent with Q-learning (epsilon-greedy) on training levels.

    update: the learner's linear_q_update. Returns the weights w, shape (3,), one per
    feature (FEATURES). The weights start small and random (seeded by `seed`).
    """
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 0.01, size=len(FEATURES))
    for _ in range(n_episodes):
        level = training_level(rng, diverse)
        cell = level.start
        phi = _features(cell, level.coin, brightness)
        for _ in range(max_steps):
            a = _choose(phi @ w, epsilon, rng)
            nxt = move(cell, a)
            done = nxt == level.coin
            phi_next = _features(nxt, level.coin, brightness)
            w = np.asarray(update(w, phi[a].copy(), 1.0 if done else 0.0, phi_next.copy(),
                                  done, alpha, gamma), dtype=float)
            if done:
                break
            cell, phi = nxt, phi_next
    return w


def run_test_episode(w: np.ndarray, level: Level, brightness: float = 0.5,
                     max_steps: int = 20) -> tuple[int, list[tuple[int, int]]]:
    """Act greedily with weights `w` on `level`: (outcome, the cells visited).

    outcome: COIN if the agent reached the coin, else CUE if it reached the rightmost
    column, else NEITHER.
    """
    cell, path, reached_wall = level.start, [level.start], False
    for _ in range(max_steps):
        cell = move(cell, int(np.argmax(_features(cell, level.coin, brightness) @ w)))
        path.append(cell)
        if cell == level.coin:
            return COIN, path
        reached_wall |= cell[1] == WIDTH - 1
    return (CUE if reached_wall else NEITHER), path


def held_out_outcomes(w: np.ndarray, n_episodes: int = 100, seed: int = 0,
                  brightness: float = 0.5) -> np.ndarray:
    """The outcomes (COIN, CUE or NEITHER) of `n_episodes` test levels, int array (n,)."""
    rng = np.random.default_rng(seed)
    return np.array([run_test_episode(w, held_out_level(rng), brightness)[0]
                     for _ in range(n_episodes)], dtype=int)


def plot_paths(w: np.ndarray, levels: list[Level], brightness: float = 0.5, ax=None,
               title: str = ""):
    """Draw the greedy paths of weights `w` on `levels` (one colour each), coins as circles."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.6))
    colours = plt.get_cmap("tab10")
    for i, level in enumerate(levels):
        _, path = run_test_episode(w, level, brightness)
        rows = np.array([p[0] for p in path]) + 0.08 * (i - len(levels) / 2)
        cols = np.array([p[1] for p in path]) + 0.08 * (i - len(levels) / 2)
        ax.plot(cols, rows, "-", color=colours(i), lw=2, alpha=0.8)
        ax.plot(cols[0], rows[0], "s", color=colours(i), ms=8)
        ax.plot(level.coin[1], level.coin[0], "o", color=colours(i), ms=14, mfc="gold",
                mew=2.5)
    ax.axvspan(WIDTH - 1.5, WIDTH - 0.5, color="0.85", zorder=0)
    ax.set_xlim(-0.5, WIDTH - 0.5)
    ax.set_ylim(HEIGHT - 0.5, -0.5)
    ax.set_xticks(range(WIDTH))
    ax.set_yticks(range(HEIGHT))
    ax.grid(True, color="0.9")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=10)
    return ax
