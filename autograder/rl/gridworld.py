"""A small gridworld MDP, as arrays, and a picture of its values and policy.

The world is a grid of cells given as strings, one per row:

    "."  an ordinary cell          "#"  a wall (not a state)
    "S"  the start cell            "G"  the goal: entering it pays +1 and ends the episode
    "X"  a pit: entering it pays -1 and ends the episode

Actions are 0 up, 1 right, 2 down, 3 left. A move into a wall or off the grid
leaves the agent where it is. With probability `slip` the agent slips: it moves
in one of the two perpendicular directions instead (each with probability
slip / 2). Every move into a non-terminal cell pays `step_reward` (a small
cost, so that short paths are better). The goal and the pit are absorbing: every
action there leads back to the same state with reward 0, so the return after
the episode ends is 0.

The MDP is the pair of arrays the dynamic-programming exercises take:

    P: float array (S, A, S), P[s, a, s2] = probability of moving from s to s2 on a
    R: float array (S, A),    R[s, a] = expected reward of taking a in s

States are the non-wall cells numbered in reading order (row by row).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ACTIONS = ("up", "right", "down", "left")
MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))        # (row, column) change of each action

DEFAULT_LAYOUT = (
    "....G",
    ".#.#X",
    "S....",
)


@dataclass(frozen=True)
class GridWorld:
    """A gridworld as arrays. Build one with make_gridworld()."""

    layout: tuple[str, ...]
    cells: tuple[tuple[int, int], ...]   # (row, column) of each state, in state order
    P: np.ndarray                        # (S, A, S) transition probabilities
    R: np.ndarray                        # (S, A) expected rewards
    terminal: np.ndarray                 # (S,) bool: the goal and the pits
    start: int                           # the start state

    @property
    def n_states(self) -> int:
        return len(self.cells)

    @property
    def n_actions(self) -> int:
        return len(ACTIONS)


def make_gridworld(layout: tuple[str, ...] = DEFAULT_LAYOUT, slip: float = 0.1,
                   step_reward: float = -0.04) -> GridWorld:
    """The gridworld drawn by `layout` (see the module docstring), as arrays P and R."""
    if not 0.0 <= slip <= 1.0:
        raise ValueError(f"slip is a probability, got {slip}")
    widths = {len(row) for row in layout}
    if len(widths) != 1:
        raise ValueError(f"every row of the layout must have the same length, got {widths}")
    if set("".join(layout)) - set(".#SGX"):
        raise ValueError("the layout may use only the characters . # S G X")
    if "".join(layout).count("S") != 1:
        raise ValueError("the layout needs exactly one start cell S")
    cells = tuple((r, c) for r, row in enumerate(layout) for c, ch in enumerate(row) if ch != "#")
    index = {cell: i for i, cell in enumerate(cells)}
    n, n_rows, n_cols = len(cells), len(layout), len(layout[0])
    terminal = np.array([layout[r][c] in "GX" for r, c in cells])
    P = np.zeros((n, 4, n))
    R = np.zeros((n, 4))

    def target(cell, move):
        r, c = cell[0] + MOVES[move][0], cell[1] + MOVES[move][1]
        if 0 <= r < n_rows and 0 <= c < n_cols and layout[r][c] != "#":
            return index[(r, c)]
        return index[cell]

    def reward(s2):
        ch = layout[cells[s2][0]][cells[s2][1]]
        return {"G": 1.0, "X": -1.0}.get(ch, step_reward)

    for s, cell in enumerate(cells):
        for a in range(4):
            if terminal[s]:
                P[s, a, s] = 1.0
                continue
            for move, p in ((a, 1.0 - slip), ((a + 1) % 4, slip / 2), ((a + 3) % 4, slip / 2)):
                if p == 0.0:
                    continue
                s2 = target(cell, move)
                P[s, a, s2] += p
                R[s, a] += p * reward(s2)
    start = index[next((r, row.index("S")) for r, row in enumerate(layout) if "S" in row)]
    return GridWorld(tuple(layout), cells, P, R, terminal, start)


def step(world: GridWorld, state: int, action: int,
         rng: np.random.Generator) -> tuple[int, float, bool]:
    """One move: (next state, reward, whether the next state is terminal).

    The reward is the expected reward R[state, action]: the gridworld's rewards depend
    only on where the agent lands, and using their expectation keeps the sampled
    returns' noise down to the noise of the path itself.
    """
    s2 = int(rng.choice(world.n_states, p=world.P[state, action]))
    return s2, float(world.R[state, action]), bool(world.terminal[s2])


def rollout(world: GridWorld, policy: np.ndarray, rng: np.random.Generator,
            max_steps: int = 50) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One episode from the start state, following `policy`.

    policy: float array (S, A), each row a probability distribution over actions.
    Returns (states, actions, rewards), arrays of shape (T,) with T <= max_steps:
    states[t] is where the agent was at step t, actions[t] what it did, rewards[t]
    what it got. The episode stops when it enters a terminal state or after max_steps.
    """
    policy = np.asarray(policy, dtype=float)
    if policy.shape != (world.n_states, world.n_actions):
        raise ValueError(f"policy should have shape {(world.n_states, world.n_actions)}, "
                         f"got {policy.shape}")
    states, actions, rewards = [], [], []
    s = world.start
    cum = np.cumsum(world.P, axis=2)                  # (S, A, S): sample by inverse CDF
    cum_pi = np.cumsum(policy, axis=1)                # (S, A)
    for _ in range(max_steps):
        a = min(int(np.searchsorted(cum_pi[s], rng.random() * cum_pi[s, -1], side="right")),
                world.n_actions - 1)
        s2 = min(int(np.searchsorted(cum[s, a], rng.random(), side="right")),
                 world.n_states - 1)
        states.append(s)
        actions.append(a)
        rewards.append(world.R[s, a])
        s = s2
        if world.terminal[s]:
            break
    return (np.array(states, dtype=int), np.array(actions, dtype=int),
            np.array(rewards, dtype=float))


def exact_values(world: GridWorld, policy: np.ndarray, gamma: float) -> np.ndarray:
    """V^pi by one linear solve of the Bellman expectation equation, shape (S,)."""
    P_pi = np.einsum("sa,sat->st", policy, world.P)
    r_pi = np.einsum("sa,sa->s", policy, world.R)
    return np.linalg.solve(np.eye(world.n_states) - gamma * P_pi, r_pi)


def plot_values(world: GridWorld, values: np.ndarray, policy: np.ndarray | None = None,
                ax=None, title: str = "", vmin: float = -1.0, vmax: float = 1.0):
    """Draw the grid coloured by `values` (S,), with the value written in each cell.

    policy: optional (S, A) probabilities; an arrow per action with probability above
    0.05 is drawn in each non-terminal cell, its length proportional to the probability.
    Walls are grey, G and X are labelled. Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    values = np.asarray(values, dtype=float)
    if values.shape != (world.n_states,):
        raise ValueError(f"values should have shape ({world.n_states},), got {values.shape}")
    n_rows, n_cols = len(world.layout), len(world.layout[0])
    grid = np.full((n_rows, n_cols), np.nan)
    for s, (r, c) in enumerate(world.cells):
        grid[r, c] = values[s]
    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * n_cols + 1, 1.1 * n_rows))
    cmap = plt.get_cmap("RdYlGn").copy()
    cmap.set_bad("0.55")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=vmin, vmax=vmax)
    for s, (r, c) in enumerate(world.cells):
        ch = world.layout[r][c]
        label = {"G": "G\n", "X": "X\n", "S": "S\n"}.get(ch, "")
        ax.text(c, r + (0.3 if policy is not None and not world.terminal[s] else 0.0),
                f"{label}{values[s]:.2f}", ha="center", va="center", fontsize=8)
        if policy is not None and not world.terminal[s]:
            for a, (dr, dc) in enumerate(MOVES):
                p = float(policy[s, a])
                if p > 0.05:
                    ax.arrow(c, r - 0.1, 0.3 * p * dc, 0.3 * p * dr, head_width=0.1,
                             head_length=0.08, length_includes_head=True, color="k")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    plt.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def batch_rollouts(world: GridWorld, policy: np.ndarray, n_episodes: int,
                   rng: np.random.Generator, max_steps: int = 200
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`n_episodes` episodes from the start state at once, padded to a common length.

    policy: float array (S, A), each row a distribution over actions.
    Returns (states, actions, rewards, lengths): int, int and float arrays of shape
    (E, T) and an int array (E,), where T is the longest episode. Episode e is
    states[e, :lengths[e]], actions[e, :lengths[e]], rewards[e, :lengths[e]]; the
    entries after its end are 0 (padding, not steps). An episode still running after
    max_steps is cut there.
    """
    policy = np.asarray(policy, dtype=float)
    if policy.shape != (world.n_states, world.n_actions):
        raise ValueError(f"policy should have shape {(world.n_states, world.n_actions)}, "
                         f"got {policy.shape}")
    cum_pi = np.cumsum(policy, axis=1)
    cum_pi /= cum_pi[:, -1:]
    cum_p = np.cumsum(world.P, axis=2)
    s = np.full(n_episodes, world.start)
    alive = np.ones(n_episodes, dtype=bool)
    lengths = np.zeros(n_episodes, dtype=int)
    S_, A_, R_ = [], [], []
    for _ in range(max_steps):
        if not alive.any():
            break
        u, v = rng.random(n_episodes), rng.random(n_episodes)
        a = np.minimum((u[:, None] >= cum_pi[s]).sum(axis=1), world.n_actions - 1)
        s2 = np.minimum((v[:, None] >= cum_p[s, a]).sum(axis=1), world.n_states - 1)
        S_.append(np.where(alive, s, 0))
        A_.append(np.where(alive, a, 0))
        R_.append(np.where(alive, world.R[s, a], 0.0))
        lengths += alive
        s = np.where(alive, s2, s)
        alive &= ~world.terminal[s]
    return (np.array(S_, dtype=int).T.reshape(n_episodes, -1),
            np.array(A_, dtype=int).T.reshape(n_episodes, -1),
            np.array(R_, dtype=float).T.reshape(n_episodes, -1), lengths)


def expected_return(world: GridWorld, policy: np.ndarray, gamma: float) -> float:
    """J = V^pi(start), the expected discounted return of an episode, by a linear solve."""
    return float(exact_values(world, policy, gamma)[world.start])
