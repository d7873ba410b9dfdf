"""Checks for 07_rl_and_rlhf/03_policy_gradients: a softmax policy, its score, REINFORCE.

Oracles: loops in plain floats for the softmax and the score function; a loop
over episodes and steps for the REINFORCE estimate on given episodes. The
estimator's unbiasedness is checked against the *exact* gradient of the expected
return, computed by central finite differences of J(theta) = V^pi(start), where
V^pi is one linear solve of the Bellman equation: on the course gridworld, the
distance between the mean of the learner's estimate over 400 sampled episodes
and it must be at most 3 times the distance sampling noise explains (the square
root of the summed variances of the mean), with and without a baseline.
"""

from __future__ import annotations

import math

import numpy as np

from ...rl.gridworld import batch_rollouts, exact_values, expected_return, make_gridworld
from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake

GRID = make_gridworld()

# ---------------------------------------------------------------------------
# Exercise 3.1: the softmax policy
# ---------------------------------------------------------------------------


def _softmax_rows(theta):
    out = []
    for row in theta.tolist():
        top = max(row)
        e = [math.exp(x - top) for x in row]
        total = math.fsum(e)
        out.append([x / total for x in e])
    return np.array(out)


def _softmax_cases(rng):
    return [Case("3 states, 4 actions", (rng.normal(size=(3, 4)),)),
            Case("2 states, 2 actions, logits [[0, 0], [1, 3]]",
                 (np.array([[0.0, 0.0], [1.0, 3.0]]),)),
            Case("large logits: [[1000, 1001, 999], [-1000, -1002, -1001]]",
                 (np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -1001.0]]),)),
            Case("logits far apart within a row: [[0, 800, -800], [5, -5, 0]]",
                 (np.array([[0.0, 800.0, -800.0], [5.0, -5.0, 0.0]]),)),
            Case("5 states, 3 actions", (rng.normal(0.0, 3.0, size=(5, 3)),))]


check_softmax_policy = FunctionCheck(
    "softmax_policy", _softmax_rows, _softmax_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("normalised over states",
                "Each *column* of your result sums to 1: you normalised over the states "
                "(axis 0). A policy gives a distribution over actions in each state, so each "
                "row must sum to 1.",
                "exp(theta) / exp(theta).sum(axis=1, keepdims=True).",
                variant=lambda t: np.exp(t - t.max(axis=0)) / np.exp(t - t.max(axis=0)).sum(
                    axis=0, keepdims=True)),
        Mistake("exp overflows",
                "For logits around 1000 your result is NaN: exp(1000) is inf in float64, and "
                "inf / inf is NaN. A softmax does not change if you subtract the same number "
                "from every logit of a row.",
                "Subtract each row's maximum before exp.",
                variant=lambda t: np.exp(t) / np.exp(t).sum(axis=1, keepdims=True)),
    ],
    hint="Per row: exp(theta - row max), divided by its sum over actions (axis=1).")

# ---------------------------------------------------------------------------
# Exercise 3.2: the score function
# ---------------------------------------------------------------------------


def _score(theta, state, action):
    probs = _softmax_rows(theta)
    out = np.zeros(theta.shape)
    for b in range(theta.shape[1]):
        out[state, b] = (1.0 if b == action else 0.0) - probs[state, b]
    return out


def _score_cases(rng):
    return [Case("4 states, 3 actions, state 2, action 0", (rng.normal(size=(4, 3)), 2, 0)),
            Case("3 states, 4 actions, state 0, action 3", (rng.normal(size=(3, 4)), 0, 3)),
            Case("uniform policy (theta = 0), 2 states, 2 actions, state 1, action 1",
                 (np.zeros((2, 2)), 1, 1))]


check_score_function = FunctionCheck(
    "score_function", _score, _score_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("wrong sign",
                "Your gradient points the wrong way: you returned pi - onehot(action). The "
                "gradient of log pi(a|s) raises the logit of the action taken: onehot(a) - pi(s).",
                "row `state` of the result = onehot(action) - softmax(theta[state]).",
                variant=lambda t, s, a: -_score(t, s, a)),
        Mistake("every state's row filled",
                "You filled every row with onehot(action) - pi(row). log pi(a|s) depends only on "
                "the logits of state s, so the gradient is zero in every other row.",
                "Only row `state` is non-zero.",
                variant=lambda t, s, a: np.eye(t.shape[1])[a] - _softmax_rows(t)),
        Mistake("the probabilities forgotten",
                "You returned just onehot(action) in row `state`. Differentiating the "
                "log-sum-exp in log pi(a|s) = theta[s, a] - log sum_b exp(theta[s, b]) gives "
                "-pi(b|s) in every entry of that row.",
                "row `state` = onehot(action) - softmax(theta[state]).",
                variant=lambda t, s, a: _score(t, s, a) + np.where(
                    np.arange(t.shape[0])[:, None] == s, _softmax_rows(t), 0.0)),
    ],
    hint="log pi(a|s) = theta[s, a] - log sum_b exp(theta[s, b]); its gradient is "
         "onehot(a) - pi(s) in row s, and 0 elsewhere.")

# ---------------------------------------------------------------------------
# Exercise 3.3: the REINFORCE estimate
# ---------------------------------------------------------------------------


def _per_episode(theta, states, actions, rewards, lengths, gamma, baseline):
    """One REINFORCE estimate per episode, shape (E, S, A) (loops; the oracle)."""
    probs = _softmax_rows(theta)
    S, A = theta.shape
    out = np.zeros((len(lengths), S, A))
    for e, n in enumerate(lengths.tolist()):
        r = rewards[e, :n].tolist()
        G, to_go = 0.0, [0.0] * n
        for t in range(n - 1, -1, -1):
            G = r[t] + gamma * G
            to_go[t] = G
        for t in range(n):
            s, a = int(states[e, t]), int(actions[e, t])
            weight = gamma ** t * (to_go[t] - float(baseline[s]))
            for b in range(A):
                out[e, s, b] += weight * ((1.0 if b == a else 0.0) - probs[s, b])
    return out


def _reinforce(theta, states, actions, rewards, lengths, gamma, baseline):
    return _per_episode(theta, states, actions, rewards, lengths, gamma, baseline).mean(axis=0)


def _variant(weight):
    """The oracle with the weight of step t replaced: weight(t, to_go, G0, b, gamma)."""
    def estimate(theta, states, actions, rewards, lengths, gamma, baseline):
        probs = _softmax_rows(theta)
        out = np.zeros(theta.shape)
        for e, n in enumerate(lengths.tolist()):
            to_go = np.array([sum(gamma ** (k - t) * rewards[e, k] for k in range(t, n))
                              for t in range(n)])
            for t in range(n):
                s, a = states[e, t], actions[e, t]
                w = weight(t, to_go[t], to_go[0], baseline[s], gamma)
                out[s] += w * (np.eye(theta.shape[1])[a] - probs[s])
        return out / len(lengths)
    return estimate


def _small_batch(rng):
    """Three short hand-made episodes on a 4-state, 3-action problem."""
    theta = rng.normal(size=(4, 3))
    states = np.array([[0, 1, 2, 0], [0, 2, 0, 0], [0, 1, 1, 3]])
    actions = np.array([[1, 0, 2, 0], [2, 1, 0, 0], [0, 0, 1, 2]])
    rewards = np.array([[0.5, -1.0, 2.0, 0.0], [1.0, 0.25, 0.0, 0.0], [-0.5, 0.0, 1.5, 1.0]])
    lengths = np.array([3, 2, 4])
    return theta, states, actions, rewards, lengths


MISTAKES = [
    Mistake("gamma**t left out",
            "You weighted step t by (G_t - b) without the factor gamma**t. The gradient of the "
            "expected *discounted* return from the start discounts the contribution of step t "
            "by gamma**t; without it the estimate is biased (it is the gradient of a different "
            "objective), although many implementations do this on purpose.",
            "weight of step t = gamma**t * (G_t - baseline[s_t]).",
            variant=_variant(lambda t, g, g0, b, gamma: g - b)),
    Mistake("the whole-episode return",
            "You weighted every step by the return of the whole episode, G_0. That estimate is "
            "also unbiased, but rewards that came *before* step t cannot be caused by the action "
            "at step t and only add noise. The exercise asks for the reward-to-go G_t.",
            "Use G_t, the discounted return from step t, times gamma**t.",
            variant=_variant(lambda t, g, g0, b, gamma: g0 - gamma ** t * b)),
    Mistake("baseline added",
            "You added the baseline to the return instead of subtracting it.",
            "weight = gamma**t * (G_t - baseline[s_t]).",
            variant=_variant(lambda t, g, g0, b, gamma: gamma ** t * (g + b))),
    Mistake("summed over episodes",
            "You summed the estimates of the episodes instead of averaging them, so the size "
            "of a step would grow with the batch size.",
            "Divide by the number of episodes.",
            variant=lambda *args: len(args[4]) * _reinforce(*args)),
    Mistake("padding counted as steps",
            "You used every column of the padded arrays, including the entries after an "
            "episode's end (lengths[e] says where it ends). Those are padding, not steps.",
            "Loop t over range(lengths[e]) only.",
            variant=lambda th, s, a, r, n, g, b: _reinforce(th, s, a, r, np.full_like(
                n, s.shape[1]), g, b)),
]


def _exact_gradient(theta, gamma):
    """dJ/dtheta by central differences of the exact J (linear solves), shape (S, A)."""
    grad = np.zeros(theta.shape)
    h = 1e-5
    for idx in np.ndindex(*theta.shape):
        up, down = theta.copy(), theta.copy()
        up[idx] += h
        down[idx] -= h
        grad[idx] = (expected_return(GRID, _softmax_rows(up), gamma)
                     - expected_return(GRID, _softmax_rows(down), gamma)) / (2 * h)
    return grad


_SAMPLES: dict[int, tuple] = {}
N_EPISODES = 400


def _sampled(seed: int):
    """A seeded policy on the gridworld, 1000 episodes of it, and the exact answers."""
    if seed not in _SAMPLES:
        rng = np.random.default_rng(1000 + seed)
        gamma = 0.9
        V = np.zeros(GRID.n_states)
        for _ in range(200):                       # value iteration, for a sensible policy
            V = (GRID.R + gamma * GRID.P @ V).max(axis=1)
        best = (GRID.R + gamma * GRID.P @ V).argmax(axis=1)
        theta = rng.normal(0.0, 0.5, size=(GRID.n_states, GRID.n_actions))
        theta[np.arange(GRID.n_states), best] += 1.5   # lean towards the goal: short episodes
        batch = batch_rollouts(GRID, _softmax_rows(theta), N_EPISODES, rng)
        values = exact_values(GRID, _softmax_rows(theta), gamma)
        _SAMPLES[seed] = (theta, batch, gamma, values, _exact_gradient(theta, gamma))
    return _SAMPLES[seed]


def bias_ratio(estimate: np.ndarray, args: tuple, exact: np.ndarray) -> tuple[float, np.ndarray]:
    """How far `estimate` (S, A), a mean over the episodes in `args`, is from `exact`.

    For an unbiased estimator E ||mean - exact||^2 = trace(Cov) / E, so the ratio of
    ||estimate - exact|| to sqrt(trace(Cov) / E) is about 1 (one entry alone is too noisy
    for rarely visited states). Returns (ratio, estimate - exact).
    """
    each = _per_episode(*args)                                     # (E, S, A)
    typical = math.sqrt(float((each.var(axis=0) / len(each)).sum())) + 1e-12
    error = np.asarray(estimate, dtype=float) - exact
    return float(np.sqrt((error ** 2).sum())) / typical, error


def _verify_reinforce(fn, ctx: Context) -> None:
    # a Case's only argument is a seed: it picks the small batch's theta and the sampled policy
    for seed in [c.args[0] for c in ctx.cases] if ctx.cases else [0]:
        _verify_seed(fn, ctx, int(seed))


def _verify_seed(fn, ctx: Context, seed: int) -> None:
    rng = np.random.default_rng(seed)
    theta, states, actions, rewards, lengths = _small_batch(rng)
    for gamma, baseline, what in [(0.9, np.zeros(4), "no baseline"),
                                  (0.8, rng.normal(size=4), "a baseline")]:
        case = Case(f"3 short episodes (lengths {lengths.tolist()}), gamma {gamma}, {what}",
                    (theta, states, actions, rewards, lengths, gamma, baseline))
        got = ctx.call(fn, case)
        ctx.expect(_reinforce(*case.args), got, label="the estimate on given episodes",
                   case=case, fn=fn)
    theta, (states, actions, rewards, lengths), gamma, values, exact = _sampled(seed)
    S, A = theta.shape
    for baseline, what in [(np.zeros(S), "without a baseline"),
                           (values, "with the baseline V^pi(s)")]:
        case = Case(f"{N_EPISODES} gridworld episodes, {what}",
                    (theta, states, actions, rewards, lengths, gamma, baseline))
        got = ctx.call(fn, case)
        ctx.require(isinstance(got, np.ndarray) and got.shape == (S, A),
                    f"reinforce_gradient should return an array of shape ({S}, {A})",
                    [f"{case.label}: got {type(got).__name__} {getattr(got, 'shape', '')}"])
        ratio, error = bias_ratio(got, case.args, exact)
        worst = np.unravel_index(int(np.argmax(np.abs(error))), error.shape)
        ctx.require(ratio <= 3.0, "the estimate is biased",
                    [f"{case.label}: the mean of your estimates is {ratio:.1f} times further "
                     "from the exact gradient of J than sampling noise explains (up to 3 is "
                     f"chance); the largest difference is at theta[{worst[0]}, {worst[1]}]: "
                     f"exact {exact[worst]:.4f}, yours {got[worst]:.4f}"])


check_reinforce_gradient = CustomCheck(
    "reinforce_gradient", _verify_reinforce, reference=_reinforce, mistakes=MISTAKES,
    rtol=1e-8, atol=1e-10,
    hint="For each episode: rewards-to-go G_t by a backward loop, then add "
         "gamma**t * (G_t - baseline[s_t]) * score_function(theta, s_t, a_t) for t < length; "
         "average over episodes.")
