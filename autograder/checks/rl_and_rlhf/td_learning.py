"""Checks for 07_rl_and_rlhf/11_learning_from_experience: TD(0), Q-learning, a linear
Q-function, and an interval over seeds.

Oracles are written from the definitions (Sutton and Barto 2018, sections 6.1, 6.5 and
10.1) in plain Python floats, one entry at a time. The Q-learning loop is judged by what
it learns: the exact value (one linear solve) of the greedy policy of the learner's Q,
against the optimal value found by value iteration run to a fixed point.
"""

from __future__ import annotations

import math

import numpy as np

from ...rl.gridworld import make_gridworld
from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake

# ---------------------------------------------------------------------------
# Exercise 11.1: the TD(0) update
# ---------------------------------------------------------------------------


def _td0(V, s, r, s_next, done, alpha, gamma):
    out = [float(v) for v in V]
    target = r + (0.0 if done else gamma * out[s_next])
    out[s] = out[s] + alpha * (target - out[s])
    return np.array(out)


def _td0_cases(rng):
    V5 = rng.normal(size=5)
    return [Case("5 states, a step from state 1 to state 3 with reward 0.5",
                 (V5, 1, 0.5, 3, False, 0.1, 0.9)),
            Case("the step ends the episode (done=True) in a state whose value is 2.0",
                 (np.array([0.3, -0.6, 2.0, 0.1]), 0, 1.0, 2, True, 0.5, 0.9)),
            Case("a move into a wall: s_next is s itself",
                 (np.array([0.4, -1.2, 0.8]), 1, -0.04, 1, False, 0.2, 0.9)),
            Case("alpha 1: V[s] becomes the target",
                 (np.array([1.5, -0.5, 0.25, 3.0]), 2, 0.0, 3, False, 1.0, 0.5)),
            Case("gamma 0: the target is the reward alone",
                 (rng.normal(size=6), 4, -1.0, 0, False, 0.3, 0.0))]


def _td0_no_done(V, s, r, s_next, done, alpha, gamma):
    return _td0(V, s, r, s_next, False, alpha, gamma)


def _td0_sign(V, s, r, s_next, done, alpha, gamma):
    new = _td0(V, s, r, s_next, done, alpha, gamma)
    out = np.array(V, dtype=float)
    out[s] = V[s] - (new[s] - V[s])
    return out


def _td0_jump(V, s, r, s_next, done, alpha, gamma):
    return _td0(V, s, r, s_next, done, 1.0, gamma)


check_td0_update = FunctionCheck(
    "td0_update", _td0, _td0_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("bootstrapped past the end",
                "When the step ends the episode (done=True) you still added gamma * V[s_next]. "
                "After the end nothing more is received, so the target is the reward alone, "
                "whatever V[s_next] holds.",
                "target = r if done else r + gamma * V[s_next].",
                variant=_td0_no_done),
        Mistake("moved away from the target",
                "Your V[s] moved by the TD error with the wrong sign: away from the target. "
                "The error is (target - V[s]), and V[s] moves by alpha times it.",
                "V[s] + alpha * (target - V[s]).",
                variant=_td0_sign),
        Mistake("replaced by the target",
                "You set V[s] to the target itself. TD(0) moves V[s] only a fraction alpha "
                "of the way there, so that one noisy step does not overwrite what earlier "
                "steps taught.",
                "V[s] + alpha * (target - V[s]).",
                variant=_td0_jump),
        Mistake("no discount",
                "Your target is r + V[s_next]: gamma is missing. The next state's value is "
                "discounted like every later reward.",
                "target = r + gamma * V[s_next] (when not done).",
                variant=lambda V, s, r, s2, done, alpha, g: _td0(V, s, r, s2, done, alpha, 1.0)),
    ],
    hint="Copy V; target = r (+ gamma * V[s_next] unless done); new[s] = V[s] + alpha * "
         "(target - V[s]); every other entry stays as it was.")

# ---------------------------------------------------------------------------
# Exercise 11.2: the Q-learning update
# ---------------------------------------------------------------------------


def _q_update(Q, s, a, r, s_next, done, alpha, gamma):
    rows = [[float(x) for x in row] for row in Q]
    target = r + (0.0 if done else gamma * max(rows[s_next]))
    rows[s][a] = rows[s][a] + alpha * (target - rows[s][a])
    return np.array(rows)


def _q_cases(rng):
    Q = rng.normal(size=(6, 4))
    return [Case("6 states, 4 actions: action 2 in state 1, to state 4, reward 0.3",
                 (Q, 1, 2, 0.3, 4, False, 0.5, 0.9)),
            Case("the step ends the episode (done=True), next state's values far from 0",
                 (np.array([[0.2, -0.1, 0.4], [3.0, 2.5, 4.0], [0.0, 0.1, -0.3]]),
                  0, 1, 1.0, 1, True, 0.5, 0.9)),
            Case("a move into a wall (s_next is s), 5 actions",
                 (rng.normal(size=(3, 5)), 2, 0, -0.04, 2, False, 0.25, 0.95)),
            Case("the next state's best action is not the action taken",
                 (np.array([[0.0, 0.0], [1.0, -2.0], [0.5, 0.5]]), 2, 1, 0.0, 1, False, 1.0,
                  0.5))]


def _q_same_action(Q, s, a, r, s_next, done, alpha, gamma):
    out = np.array(Q, dtype=float)
    target = r + (0.0 if done else gamma * float(Q[s_next, a]))
    out[s, a] += alpha * (target - out[s, a])
    return out


def _q_mean(Q, s, a, r, s_next, done, alpha, gamma):
    out = np.array(Q, dtype=float)
    target = r + (0.0 if done else gamma * float(np.mean(Q[s_next])))
    out[s, a] += alpha * (target - out[s, a])
    return out


def _q_whole_row(Q, s, a, r, s_next, done, alpha, gamma):
    out = np.array(Q, dtype=float)
    target = r + (0.0 if done else gamma * float(np.max(Q[s_next])))
    out[s] += alpha * (target - out[s])
    return out


check_q_learning_update = FunctionCheck(
    "q_learning_update", _q_update, _q_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("bootstrapped past the end",
                "When the step ends the episode (done=True) you still added gamma * max Q[s_next]. "
                "After the end nothing more is received: the target is the reward alone.",
                "target = r if done else r + gamma * Q[s_next].max().",
                variant=lambda Q, s, a, r, s2, d, al, g: _q_update(Q, s, a, r, s2, False, al, g)),
        Mistake("the same action in the next state",
                "Your target uses Q[s_next, a], the value of repeating the action just taken. "
                "Q-learning's target is the value of the *best* action in the next state, "
                "max over a2 of Q[s_next, a2], whatever the agent will actually do there.",
                "Q[s_next].max().",
                variant=_q_same_action),
        Mistake("the mean over next actions",
                "Your target averages Q[s_next] over all actions. That values the next state "
                "as if the agent then acted uniformly at random; Q-learning assumes it acts "
                "greedily from there on: the max.",
                "Q[s_next].max(), not .mean().",
                variant=_q_mean),
        Mistake("every action of s updated",
                "You moved the whole row Q[s] towards the target. Only the action that was "
                "taken, Q[s, a], has new evidence; the others stay as they were.",
                "Update the single entry new[s, a].",
                variant=_q_whole_row),
    ],
    hint="Copy Q; target = r (+ gamma * Q[s_next].max() unless done); "
         "new[s, a] = Q[s, a] + alpha * (target - Q[s, a]).")

# ---------------------------------------------------------------------------
# Exercise 11.3: Q-learning on the gridworld
# ---------------------------------------------------------------------------

def _exact_values(P, R, policy, gamma):
    """V^pi by one linear solve of (I - gamma P_pi) V = r_pi, shape (S,)."""
    P_pi = np.einsum("sa,sat->st", policy, P)
    r_pi = np.einsum("sa,sa->s", policy, R)
    return np.linalg.solve(np.eye(len(r_pi)) - gamma * P_pi, r_pi)


def _optimal_values(P, R, gamma):
    """V* by value iteration to a fixed point (gamma < 1), shape (S,)."""
    V = np.zeros(R.shape[0])
    for _ in range(10_000):
        new = (R + gamma * P @ V).max(axis=1)
        if np.max(np.abs(new - V)) < 1e-13:
            return new
        V = new
    return V


DETERMINISTIC = make_gridworld(("...#G", ".#...", "S..X."), slip=0.0)
SLIPPERY = make_gridworld()


def _q_learning_cases(rng):
    return [Case("the course gridworld (slip 0.1), 400 episodes, alpha 0.2, gamma 0.9, "
                 "epsilon 0.2",
                 (SLIPPERY.P, SLIPPERY.R, SLIPPERY.terminal, SLIPPERY.start, 400, 0.2, 0.9,
                  0.2, rng)),
            Case("another layout, no slipping, 300 episodes, alpha 0.5, gamma 0.9, "
                 "epsilon 0.2",
                 (DETERMINISTIC.P, DETERMINISTIC.R, DETERMINISTIC.terminal,
                  DETERMINISTIC.start, 300, 0.5, 0.9, 0.2, rng))]


def _verify_q_learning(fn, ctx: Context) -> None:
    for case in ctx.cases or _q_learning_cases(ctx.rng()):
        P, R, terminal, start, _, _, gamma = case.args[:7]
        S, A = R.shape
        Q = ctx.call(fn, case)
        ctx.require(isinstance(Q, np.ndarray) and Q.shape == (S, A),
                    f"q_learning should return Q, an array of shape ({S}, {A})",
                    [f"{case.label}: got {type(Q).__name__} {getattr(Q, 'shape', '')}"])
        Q = np.asarray(Q, dtype=float)
        ctx.require(bool(np.all(np.isfinite(Q))), "Q has inf or NaN entries",
                    [f"{case.label}: {int((~np.isfinite(Q)).sum())} entries are not finite"],
                    hint="Check the update: a target that bootstraps from itself with gamma "
                         "near 1 and a large alpha can blow up.")
        ctx.require(bool(np.all(Q[terminal] == 0.0)),
                    "the rows of terminal states should stay 0 (no step is ever taken from "
                    "them)", [f"{case.label}: terminal rows {np.round(Q[terminal], 3).tolist()}"],
                    hint="Stop the episode as soon as the next state is terminal, and do not "
                         "bootstrap from it (done=True).")
        greedy = np.eye(A)[Q.argmax(axis=1)]
        optimal = _optimal_values(P, R, gamma)
        got = _exact_values(P, R, greedy, gamma)
        ctx.require(got[start] >= optimal[start] - 0.02,
                    "the greedy policy of your Q does not reach the goal well from the start",
                    [f"{case.label}: its exact value from the start is {got[start]:.3f}, "
                     f"the optimal value {optimal[start]:.3f} (allowed: 0.02 less)"],
                    hint="Each episode: start at `start`; choose epsilon-greedily from Q[s]; "
                         "sample s_next from P[s, a]; update with your q_learning_update "
                         "(done = terminal[s_next]); stop when done or after max_steps.")
        best = float(Q[start].max())
        ctx.require(abs(best - optimal[start]) <= 0.1,
                    "max Q[start] should estimate the optimal value of the start state",
                    [f"{case.label}: max Q[start] = {best:.3f}, the optimal value is "
                     f"{optimal[start]:.3f} (allowed: within 0.1)"])


def _reference_q_learning(P, R, terminal, start, n_episodes, alpha, gamma, epsilon, rng,
                          max_steps=100):
    S, A = R.shape
    Q = np.zeros((S, A))
    for _ in range(n_episodes):
        s = start
        for _ in range(max_steps):
            a = int(rng.integers(A)) if rng.random() < epsilon else int(np.argmax(Q[s]))
            s_next = int(rng.choice(S, p=P[s, a]))
            Q = _q_update(Q, s, a, float(R[s, a]), s_next, bool(terminal[s_next]), alpha, gamma)
            if terminal[s_next]:
                break
            s = s_next
    return Q


check_q_learning = CustomCheck(
    "q_learning", _verify_q_learning, reference=_reference_q_learning,
    hint="Q starts at zeros; each episode runs from `start` until a terminal state or "
         "max_steps; act epsilon-greedily and update after every step.")

# ---------------------------------------------------------------------------
# Exercise 11.4: a linear Q-function (semi-gradient Q-learning)
# ---------------------------------------------------------------------------


def _linear_update(w, phi_sa, r, phi_next, done, alpha, gamma):
    wl, f = [float(x) for x in w], [float(x) for x in phi_sa]
    q_sa = math.fsum(a * b for a, b in zip(wl, f, strict=True))
    best = max(math.fsum(a * float(b) for a, b in zip(wl, row, strict=True)) for row in phi_next)
    delta = r + (0.0 if done else gamma * best) - q_sa
    return np.array([a + alpha * delta * b for a, b in zip(wl, f, strict=True)])


def _linear_cases(rng):
    eye = np.eye(4)
    return [Case("3 features, 4 actions in the next state",
                 (rng.normal(size=3), rng.normal(size=3), 0.5, rng.normal(size=(4, 3)), False,
                  0.1, 0.9)),
            Case("the step ends the episode (done=True)",
                 (np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.5, -0.5]), 1.0,
                  np.array([[1.0, 1.0, 1.0], [2.0, 0.0, 1.0]]), True, 0.2, 0.9)),
            Case("one-hot features (a table in disguise): 4 weights, 2 next actions",
                 (np.array([0.3, -0.2, 0.8, 0.1]), eye[1], 0.0, eye[[2, 3]], False, 0.5,
                  0.9)),
            Case("5 features, 2 actions, large feature values",
                 (rng.normal(size=5), 10 * rng.normal(size=5), -1.0, rng.normal(size=(2, 5)),
                  False, 0.001, 0.99))]


def _linear_no_done(w, phi_sa, r, phi_next, done, alpha, gamma):
    return _linear_update(w, phi_sa, r, phi_next, False, alpha, gamma)


def _linear_no_features(w, phi_sa, r, phi_next, done, alpha, gamma):
    q_sa = float(np.dot(w, phi_sa))
    target = r + (0.0 if done else gamma * float(np.max(phi_next @ w)))
    return np.asarray(w, dtype=float) + alpha * (target - q_sa)


def _linear_residual(w, phi_sa, r, phi_next, done, alpha, gamma):
    q_next = phi_next @ w
    best = int(np.argmax(q_next))
    delta = r + (0.0 if done else gamma * float(q_next[best])) - float(np.dot(w, phi_sa))
    grad = phi_sa - (0.0 if done else gamma * phi_next[best])
    return np.asarray(w, dtype=float) + alpha * delta * grad


check_linear_q_update = FunctionCheck(
    "linear_q_update", _linear_update, _linear_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("bootstrapped past the end",
                "When the step ends the episode (done=True) you still added gamma times the "
                "best next value. After the end nothing more is received: the target is r.",
                "target = r if done else r + gamma * (phi_next @ w).max().",
                variant=_linear_no_done),
        Mistake("every weight moved by the same amount",
                "You added alpha * delta to every weight. The gradient of phi_sa @ w with "
                "respect to w is phi_sa, so each weight moves in proportion to its feature: "
                "a feature that is 0 for this action leaves its weight alone.",
                "w + alpha * delta * phi_sa.",
                variant=_linear_no_features),
        Mistake("the target differentiated too",
                "You moved w along phi_sa - gamma * phi_next[best]: the gradient of the "
                "squared error with the target treated as a function of w as well (the "
                "'residual gradient'). Q-learning treats the target as a fixed number and "
                "follows only the gradient of the prediction: a semi-gradient.",
                "w + alpha * delta * phi_sa, nothing from phi_next.",
                variant=_linear_residual),
    ],
    hint="q_sa = phi_sa @ w; target = r (+ gamma * (phi_next @ w).max() unless done); "
         "delta = target - q_sa; return w + alpha * delta * phi_sa.")

# ---------------------------------------------------------------------------
# Exercise 11.5: a rate with an interval over seeds
# ---------------------------------------------------------------------------


def _rate_interval(hits):
    rates = [math.fsum(float(x) for x in row) / len(row) for row in hits]
    n = len(rates)
    mean = math.fsum(rates) / n
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in rates) / (n - 1))
    half = 1.96 * sd / math.sqrt(n)
    return np.array([mean, mean - half, mean + half])


def _rate_cases(rng):
    uneven = np.zeros((5, 40), dtype=bool)
    for i, k in enumerate([40, 38, 2, 0, 39]):     # seeds that learned different things
        uneven[i, :k] = True
    return [Case("5 seeds x 40 episodes, seeds that disagree (rates 1, .95, .05, 0, .975)",
                 (uneven,)),
            Case("8 seeds x 50 episodes, random", (rng.random((8, 50)) < 0.3,)),
            Case("2 seeds x 10 episodes", (np.array([[1, 1, 0, 1, 0, 1, 1, 1, 0, 1],
                                                     [0, 0, 0, 1, 0, 0, 1, 0, 0, 0]],
                                                    dtype=bool),)),
            Case("every seed the same (3 x 4): an interval of width 0",
                 (np.array([[1, 0, 1, 1]] * 3, dtype=bool),))]


def _rate_pooled(hits):
    h = np.asarray(hits, dtype=float)
    p = float(h.mean())
    half = 1.96 * float(h.std(ddof=1)) / math.sqrt(h.size)
    return np.array([p, p - half, p + half])


def _rate_ddof0(hits):
    rates = np.asarray(hits, dtype=float).mean(axis=1)
    half = 1.96 * float(rates.std()) / math.sqrt(len(rates))
    return np.array([rates.mean(), rates.mean() - half, rates.mean() + half])


def _rate_no_sqrt(hits):
    rates = np.asarray(hits, dtype=float).mean(axis=1)
    half = 1.96 * float(rates.std(ddof=1))
    return np.array([rates.mean(), rates.mean() - half, rates.mean() + half])


check_rate_with_interval = FunctionCheck(
    "rate_with_interval", _rate_interval, _rate_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("episodes counted as independent",
                "Your interval treats every episode as an independent draw (the spread of all "
                "the 0/1 outcomes over the square root of the number of episodes). Episodes "
                "of one seed share one trained agent, so they are not independent: the unit "
                "of the experiment is the seed. When seeds disagree your interval is far too "
                "narrow.",
                "One rate per seed (mean over axis 1), then the standard error of those rates.",
                variant=_rate_pooled),
        Mistake("standard deviation with ddof=0",
                "Your spread divides by n, not n - 1. With few seeds that makes the interval "
                "too narrow; the sample standard deviation uses n - 1 (np.std(x, ddof=1)).",
                "np.std(rates, ddof=1).",
                variant=_rate_ddof0),
        Mistake("no square root of n",
                "Your half-width is 1.96 times the standard deviation of the seeds' rates: "
                "that describes where one seed's rate falls, not where the mean is. The "
                "standard error of the mean divides by sqrt(number of seeds).",
                "half = 1.96 * sd / sqrt(n_seeds).",
                variant=_rate_no_sqrt),
    ],
    hint="rates = hits.mean(axis=1) (one per seed); mean = rates.mean(); "
         "half = 1.96 * rates.std(ddof=1) / sqrt(number of seeds); return "
         "np.array([mean, mean - half, mean + half]).")
