"""Checks for 07_rl_and_rlhf/02_mdps: returns, policy evaluation, value and policy iteration.

Oracles: a double loop for discounted returns; one exact linear solve of the
Bellman expectation equation, (I - gamma P_pi) V = r_pi, for policy evaluation;
explicit loops over states, actions and next states for Q; and, for the optimal
values, policy iteration with exact solves (the learner's value iteration is
checked against it, and the learner's policy iteration against value iteration
run in loops here). MDPs: the course gridworld and small random MDPs whose rows
are random distributions.
"""

from __future__ import annotations

import math

import numpy as np

from ...rl.gridworld import make_gridworld
from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake

# ---------------------------------------------------------------------------
# Shared: small MDPs and exact solutions
# ---------------------------------------------------------------------------


def random_mdp(rng: np.random.Generator, n_states: int, n_actions: int,
               absorbing: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A random MDP (P (S, A, S), R (S, A)); with `absorbing`, the last state is absorbing."""
    P = rng.dirichlet(np.ones(n_states), size=(n_states, n_actions))
    R = rng.normal(size=(n_states, n_actions))
    if absorbing:
        P[-1] = 0.0
        P[-1, :, -1] = 1.0
        R[-1] = 0.0
    return P, R


def _solve_values(P, R, policy, gamma):
    S = P.shape[0]
    P_pi = np.einsum("sa,sat->st", policy, P)
    r_pi = np.einsum("sa,sa->s", policy, R)
    return np.linalg.solve(np.eye(S) - gamma * P_pi, r_pi)


def _optimal_by_policy_iteration(P, R, gamma):
    """(V*, policy) by policy iteration with exact linear solves (the oracle)."""
    S, A = R.shape
    actions = np.zeros(S, dtype=int)
    for _ in range(1000):
        policy = np.eye(A)[actions]
        V = _solve_values(P, R, policy, gamma)
        Q = R + gamma * P @ V
        better = Q[np.arange(S), actions] < Q.max(axis=1) - 1e-12
        if not better.any():
            return V, policy
        actions = np.where(better, Q.argmax(axis=1), actions)
    raise RuntimeError("policy iteration did not converge")


def _optimal_by_loops(P, R, gamma, tol=1e-12):
    """V* by value iteration written as explicit loops (the second oracle)."""
    S, A = R.shape
    P_l, R_l = P.tolist(), R.tolist()
    V = [0.0] * S
    for _ in range(100_000):
        new = [max(R_l[s][a] + gamma * math.fsum(P_l[s][a][t] * V[t] for t in range(S))
                   for a in range(A)) for s in range(S)]
        change = max(abs(x - y) for x, y in zip(new, V, strict=True))
        V = new
        if change < tol:
            break
    return np.array(V)


GRID = make_gridworld()
UNIFORM = np.full((GRID.n_states, GRID.n_actions), 0.25)

# ---------------------------------------------------------------------------
# Exercise 2.1: discounted returns
# ---------------------------------------------------------------------------


def _discounted_returns(rewards, gamma):
    r = rewards.tolist()
    return np.array([math.fsum(gamma ** (k - t) * r[k] for k in range(t, len(r)))
                     for t in range(len(r))])


def _returns_cases(rng):
    return [Case("5 rewards [1, 0, 0, 2, -1], gamma 0.9",
                 (np.array([1.0, 0.0, 0.0, 2.0, -1.0]), 0.9)),
            Case("12 random rewards, gamma 0.5", (rng.normal(size=12), 0.5)),
            Case("gamma 1: plain sums of what is left", (np.array([0.5, -1.0, 2.0, 0.25]), 1.0)),
            Case("gamma 0: each return is its own reward", (np.array([3.0, -2.0, 1.0]), 0.0)),
            Case("one reward", (np.array([4.0]), 0.9))]


check_discounted_returns = FunctionCheck(
    "discounted_returns", _discounted_returns, _returns_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("discounted from the start of the episode",
                "Your G_t weighs reward k by gamma**k, counting from the start of the episode. "
                "The return from step t discounts from t: the reward right after t counts fully, "
                "the next one by gamma, and so on.",
                "G_t = r_t + gamma * G_{t+1}: loop backwards from the last step.",
                variant=lambda r, g: np.cumsum((g ** np.arange(len(r)) * r)[::-1])[::-1]),
        Mistake("one discount too many",
                "Your G_t discounts even the first reward, r_t, by gamma. The reward received "
                "at step t counts fully: G_t = r_t + gamma r_{t+1} + ...",
                "G_t = r_t + gamma * G_{t+1}, with G after the last step equal to 0.",
                variant=lambda r, g: g * _discounted_returns(r, g)),
        Mistake("the rewards so far, not the rewards to come",
                "You added up the rewards *before* each step (a running total from the start). "
                "The return G_t is what is still to come from step t onwards.",
                "Accumulate from the end of the episode backwards.",
                variant=lambda r, g: np.array([sum(g ** (t - k) * r[k] for k in range(t + 1))
                                               for t in range(len(r))])),
    ],
    hint="Loop backwards: G = 0; for t from the last step down to 0: G = r[t] + gamma * G.")

# ---------------------------------------------------------------------------
# Exercise 2.2: iterative policy evaluation
# ---------------------------------------------------------------------------


def _policy_evaluation(P, R, policy, gamma, tol):
    return _solve_values(P, R, policy, gamma)


def _eval_cases(rng):
    P4, R4 = random_mdp(rng, 4, 3)
    pi4 = rng.dirichlet(np.ones(3), size=4)
    P6, R6 = random_mdp(rng, 6, 2, absorbing=False)
    pi6 = rng.dirichlet(np.ones(2), size=6)
    always_right = np.zeros((GRID.n_states, 4))
    always_right[:, 1] = 1.0
    return [Case("the gridworld, uniform random policy, gamma 0.9",
                 (GRID.P, GRID.R, UNIFORM, 0.9, 1e-10)),
            Case("a random MDP with 4 states and 3 actions (state 3 absorbing), gamma 0.8",
                 (P4, R4, pi4, 0.8, 1e-10)),
            Case("a random MDP with 6 states and 2 actions, no absorbing state, gamma 0.5",
                 (P6, R6, pi6, 0.5, 1e-10)),
            Case("the gridworld, always 'right', gamma 0.99",
                 (GRID.P, GRID.R, always_right, 0.99, 1e-10))]


def _eval_one_sweep(P, R, policy, gamma, tol):
    return np.einsum("sa,sa->s", policy, R)


def _eval_actions_averaged(P, R, policy, gamma, tol):
    S = P.shape[0]
    P_avg = P.mean(axis=1)                                         # (S, S), policy ignored
    r_pi = np.einsum("sa,sa->s", policy, R)
    return np.linalg.solve(np.eye(S) - gamma * P_avg, r_pi)


check_policy_evaluation = FunctionCheck(
    "policy_evaluation", _policy_evaluation, _eval_cases, rtol=1e-6, atol=1e-7,
    mistakes=[
        Mistake("a single sweep",
                "Your values are the expected immediate rewards r_pi(s): one sweep from V = 0. "
                "Policy evaluation repeats the backup until the values stop changing.",
                "Loop: V_new = r_pi + gamma * P_pi @ V, until max |V_new - V| < tol.",
                variant=_eval_one_sweep),
        Mistake("the next state averaged over actions",
                "Your rewards follow the policy, but your next-state distribution is the plain "
                "average over actions: P_pi[s, s2] must weigh P[s, a, s2] by policy[s, a].",
                "P_pi = np.einsum('sa,sat->st', policy, P), or a loop over actions.",
                variant=_eval_actions_averaged),
    ],
    hint="r_pi[s] = sum_a policy[s, a] R[s, a]; P_pi[s, s2] = sum_a policy[s, a] P[s, a, s2]; "
         "repeat V = r_pi + gamma * P_pi @ V until the largest change is below tol.")

# ---------------------------------------------------------------------------
# Exercise 2.3: action values from state values
# ---------------------------------------------------------------------------


def _q_from_v(P, R, V, gamma):
    S, A = R.shape
    Pl, Vl = P.tolist(), V.tolist()
    return np.array([[R[s, a] + gamma * math.fsum(Pl[s][a][t] * Vl[t] for t in range(S))
                      for a in range(A)] for s in range(S)])


def _q_cases(rng):
    P, R = random_mdp(rng, 5, 3)
    P2, R2 = random_mdp(rng, 3, 4, absorbing=False)
    return [Case("a random MDP, 5 states and 3 actions, random V, gamma 0.9",
                 (P, R, rng.normal(size=5), 0.9)),
            Case("the gridworld, V of the uniform policy, gamma 0.9",
                 (GRID.P, GRID.R, _solve_values(GRID.P, GRID.R, UNIFORM, 0.9), 0.9)),
            Case("3 states and 4 actions (more actions than states), gamma 0.5",
                 (P2, R2, rng.normal(size=3), 0.5))]


check_q_from_v = FunctionCheck(
    "q_from_v", _q_from_v, _q_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("no discount",
                "You left out gamma: Q[s, a] = R[s, a] + sum_s2 P[s, a, s2] V[s2]. Future value "
                "is discounted by gamma.",
                "Q = R + gamma * (P @ V).",
                variant=lambda P, R, V, g: R + P @ V),
        Mistake("the value of the current state",
                "You added gamma * V[s], the value of the state the agent is *in*. The action "
                "value looks one step ahead: the expected value of the *next* state, "
                "sum_s2 P[s, a, s2] V[s2].",
                "Q[s, a] = R[s, a] + gamma * sum over s2 of P[s, a, s2] * V[s2].",
                variant=lambda P, R, V, g: R + g * V[:, None]),
    ],
    hint="Q[s, a] = R[s, a] + gamma * sum_s2 P[s, a, s2] V[s2]; with arrays, R + gamma * P @ V.")

# ---------------------------------------------------------------------------
# Exercise 2.4: the greedy policy
# ---------------------------------------------------------------------------


def _greedy_policy(Q):
    out = np.zeros(Q.shape)
    for s, row in enumerate(Q.tolist()):
        out[s, row.index(max(row))] = 1.0                # the first best action
    return out


def _greedy_shared(Q):
    best = Q == Q.max(axis=1, keepdims=True)
    return best / best.sum(axis=1, keepdims=True)


def _greedy_cases(rng):
    return [Case("4 states, 3 actions, one best action per state", (rng.normal(size=(4, 3)),)),
            Case("ties: state 0 has actions 1 and 2 tied, state 1 all tied",
                 (np.array([[0.0, 2.0, 2.0, -1.0], [1.0, 1.0, 1.0, 1.0], [3.0, 0.0, 0.0, 4.0]]),)),
            Case("2 states, 5 actions", (rng.normal(size=(2, 5)),))]


check_greedy_policy = FunctionCheck(
    "greedy_policy", _greedy_policy, _greedy_cases, rtol=0, atol=0,
    mistakes=[
        Mistake("ties shared",
                "You split the probability among tied actions. That is a good policy, but the "
                "exercise asks for a deterministic one (ties to the lowest action index), so that "
                "policy iteration can stop when the policy no longer changes.",
                "One 1.0 per row, at np.argmax(Q[s]) (the first best action).",
                variant=_greedy_shared),
        Mistake("the worst action",
                "You put the probability on the action with the *lowest* value (argmin).",
                "np.argmax, not np.argmin.",
                variant=lambda Q: np.eye(Q.shape[1])[Q.argmin(axis=1)]),
    ],
    hint="An array of zeros of Q's shape, with a 1.0 in each row at that row's argmax.")

# ---------------------------------------------------------------------------
# Exercise 2.5: value iteration
# ---------------------------------------------------------------------------


def _value_iteration(P, R, gamma, tol):
    return _optimal_by_policy_iteration(P, R, gamma)[0]


def _vi_cases(rng):
    P5, R5 = random_mdp(rng, 5, 3)
    P7, R7 = random_mdp(rng, 7, 2, absorbing=False)
    P4, _ = random_mdp(rng, 4, 2, absorbing=False)
    costs = np.array([[-1.0, -2.0], [-2.0, -3.0], [-4.0, -1.5], [-3.0, -2.5]])  # V goes down
    return [Case("the gridworld, gamma 0.9", (GRID.P, GRID.R, 0.9, 1e-10)),
            Case("a random MDP, 5 states and 3 actions, gamma 0.8", (P5, R5, 0.8, 1e-10)),
            Case("a random MDP, 7 states and 2 actions, gamma 0.5", (P7, R7, 0.5, 1e-10)),
            Case("the gridworld, gamma 0.99", (GRID.P, GRID.R, 0.99, 1e-10)),
            Case("every reward negative (a cost of 1 to 4 per step), 4 states, gamma 0.9",
                 (P4, costs, 0.9, 1e-10))]


def _vi_mean(P, R, gamma, tol):
    return _solve_values(P, R, np.full(R.shape, 1.0 / R.shape[1]), gamma)


check_value_iteration = FunctionCheck(
    "value_iteration", _value_iteration, _vi_cases, rtol=1e-6, atol=1e-7,
    mistakes=[
        Mistake("the mean over actions, not the max",
                "Your values are those of the uniform random policy: you averaged over actions. "
                "The Bellman *optimality* backup takes the best action: V(s) = max_a Q(s, a).",
                "V_new = (R + gamma * P @ V).max(axis=1).",
                variant=_vi_mean),
        Mistake("a single sweep",
                "Your values are the best immediate rewards, max_a R[s, a]: one sweep from V = 0. "
                "Repeat the backup until the values stop changing: until the largest *absolute* "
                "change is below tol (values can go down, as when every reward is negative).",
                "Loop until max |V_new - V| < tol.",
                variant=lambda P, R, g, tol: R.max(axis=1)),
    ],
    hint="Start from V = 0 and repeat V = max over actions of (R + gamma * P @ V) until the "
         "largest change is below tol.")

# ---------------------------------------------------------------------------
# Exercise 2.6: policy iteration
# ---------------------------------------------------------------------------


def _one_improvement(P, R, gamma):
    S, A = R.shape
    V = _solve_values(P, R, np.full((S, A), 1.0 / A), gamma)
    return np.eye(A)[(R + gamma * P @ V).argmax(axis=1)]


PI_ONE_STEP = Mistake(
    "stopped after one improvement",
    "Your policy is the greedy policy with respect to the values of the *starting* policy: "
    "one round of improvement. Policy iteration repeats evaluate-then-improve until the "
    "policy stops changing.",
    "Loop: V = policy_evaluation(...); new = greedy_policy(q_from_v(...)); stop when new "
    "equals the old policy.",
    example=_one_improvement)


def _pi_cases(rng):
    P5, R5 = random_mdp(rng, 5, 3)
    return [Case("the gridworld, gamma 0.9", (GRID.P, GRID.R, 0.9)),
            Case("a random MDP, 5 states and 3 actions, gamma 0.8", (P5, R5, 0.8)),
            Case("the gridworld, gamma 0.99", (GRID.P, GRID.R, 0.99))]


def _verify_policy_iteration(fn, ctx: Context) -> None:
    for case in ctx.cases or _pi_cases(ctx.rng()):
        P, R, gamma = case.args
        S, A = R.shape
        policy = ctx.call(fn, case)
        policy = np.asarray(policy, dtype=float) if isinstance(policy, np.ndarray) else policy
        ctx.require(isinstance(policy, np.ndarray) and policy.shape == (S, A),
                    f"policy_iteration should return an array of shape ({S}, {A})",
                    [f"{case.label}: got {type(policy).__name__} "
                     f"{getattr(policy, 'shape', '')}"])
        ok = (np.all(policy >= 0) and np.allclose(policy.sum(axis=1), 1.0)
              and np.all(policy.max(axis=1) == 1.0))
        ctx.require(bool(ok), "each row of the policy should be one-hot: a 1.0 on the chosen "
                    "action and 0.0 elsewhere", [f"{case.label}: first rows "
                                                 f"{np.round(policy[:2], 3).tolist()}"])
        optimal = _optimal_by_loops(P, R, gamma)
        got = _solve_values(P, R, policy, gamma)
        gap = optimal - got
        worst = int(np.argmax(gap))
        if gap[worst] <= 1e-6 * (1 + abs(optimal[worst])):
            ctx.passed += 1
            continue
        one_step = _solve_values(P, R, _one_improvement(P, R, gamma), gamma)
        mistake = PI_ONE_STEP if np.allclose(got, one_step, rtol=1e-9, atol=1e-12) else None
        ctx.fail("the policy is not optimal",
                 [f"{case.label}: in state {worst} your policy is worth {got[worst]:.6f}, "
                  f"the optimal policy {optimal[worst]:.6f} (values computed exactly)",
                  f"{int((gap > 1e-6).sum())} of {S} states fall short"],
                 mistake=mistake,
                 hint=None if mistake else "Evaluate the policy, make it greedy with respect to "
                      "its Q, and repeat until it no longer changes.")


check_policy_iteration = CustomCheck(
    "policy_iteration", _verify_policy_iteration,
    reference=lambda P, R, g: _optimal_by_policy_iteration(P, R, g)[1],
    mistakes=[PI_ONE_STEP],
    hint="Evaluate, improve greedily, repeat until the policy is stable.")
