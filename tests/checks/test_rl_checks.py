"""Stage 07 (RL): the environments and the oracles the checks rest on, checked independently.

- the gridworld's arrays are an MDP (rows are distributions, terminals absorb) and its
  samplers follow them;
- the oracles agree with each other by different routes: a linear solve with a loop,
  policy iteration with value iteration, the finite-difference policy gradient with the
  policy gradient theorem's closed form;
- the statistical part of the REINFORCE check passes unbiased estimators and rejects a
  biased one by a wide margin;
- the checks that are not plain comparisons fail the answers they should.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.rl_and_rlhf import mdp, policy_gradient
from autograder.rl.bandits import run_bandit
from autograder.rl.gridworld import (
    batch_rollouts,
    exact_values,
    expected_return,
    make_gridworld,
    rollout,
)

WORLD = make_gridworld()


def _softmax(theta):
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


# -- the gridworld ---------------------------------------------------------------------


def test_gridworld_is_an_mdp_with_absorbing_terminals():
    assert WORLD.P.shape == (13, 4, 13) and WORLD.R.shape == (13, 4)
    np.testing.assert_allclose(WORLD.P.sum(axis=2), 1.0)
    for s in np.nonzero(WORLD.terminal)[0]:
        assert np.all(WORLD.P[s, :, s] == 1.0) and np.all(WORLD.R[s] == 0.0)
    # from the cell left of the goal, "right" enters it with 0.9 (and pays +1 then)
    left_of_goal = WORLD.cells.index((0, 3))
    goal = WORLD.cells.index((0, 4))
    assert WORLD.P[left_of_goal, 1, goal] == pytest.approx(0.9)
    assert WORLD.R[left_of_goal, 1] == pytest.approx(0.9 * 1.0 + 0.1 * -0.04)


@pytest.mark.parametrize("layout", [("S.", "..."), ("..", "..")])
def test_bad_layouts_are_refused(layout):
    with pytest.raises(ValueError):
        make_gridworld(layout)


def test_batch_rollouts_follow_the_policy_and_the_dynamics():
    always_up = np.eye(4)[np.zeros(13, dtype=int)]
    s, a, r, n = batch_rollouts(WORLD, always_up, 4000, np.random.default_rng(0), max_steps=1)
    assert s.shape == (4000, 1) and np.all(n == 1) and np.all(a == 0)
    assert np.all(r == WORLD.R[WORLD.start, 0])
    # the next state is not returned; a second step shows where the first one led
    s2, _, _, _ = batch_rollouts(WORLD, always_up, 4000, np.random.default_rng(0), max_steps=2)
    counts = np.bincount(s2[:, 1], minlength=13) / 4000
    np.testing.assert_allclose(counts, WORLD.P[WORLD.start, 0], atol=0.03)


def test_batch_rollouts_pad_after_the_end_and_agree_with_the_exact_return():
    policy = _softmax(np.random.default_rng(1).normal(size=(13, 4)) + 2 * np.eye(4)[[1] * 13])
    s, a, r, n = batch_rollouts(WORLD, policy, 3000, np.random.default_rng(2))
    for e in range(20):
        assert np.all(r[e, n[e]:] == 0) and np.all(s[e, n[e]:] == 0)
        assert not WORLD.terminal[s[e, : n[e]]].any()
    discounts = 0.9 ** np.arange(r.shape[1])
    returns = (r * discounts).sum(axis=1)
    se = returns.std() / np.sqrt(len(returns))
    assert abs(returns.mean() - expected_return(WORLD, policy, 0.9)) < 5 * se


def test_single_rollout_matches_its_shapes():
    s, a, r = rollout(WORLD, np.full((13, 4), 0.25), np.random.default_rng(3))
    assert s.shape == a.shape == r.shape and len(s) <= 50 and s[0] == WORLD.start


def test_run_bandit_pays_each_arm_its_mean_and_refuses_bad_arms():
    means = np.array([0.0, 2.0])

    def update(q, c, arm, reward):
        return q, c

    arms, rewards = run_bandit(means, lambda q, c, t, rng: t % 2, update, 4000,
                               np.random.default_rng(0))
    assert rewards[arms == 1].mean() == pytest.approx(2.0, abs=0.1)
    assert rewards[arms == 0].mean() == pytest.approx(0.0, abs=0.1)
    with pytest.raises(ValueError, match="arm 5"):
        run_bandit(means, lambda q, c, t, rng: 5, update, 3, np.random.default_rng(0))


# -- the oracles agree by different routes -----------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_policy_iteration_oracle_agrees_with_looped_value_iteration(seed):
    P, R = mdp.random_mdp(np.random.default_rng(seed), 6, 3)
    v_pi, policy = mdp._optimal_by_policy_iteration(P, R, 0.85)
    np.testing.assert_allclose(v_pi, mdp._optimal_by_loops(P, R, 0.85), atol=1e-9)
    np.testing.assert_allclose(exact_values_of(P, R, policy, 0.85), v_pi, atol=1e-9)


def exact_values_of(P, R, policy, gamma):
    """V^pi by plain iteration of the Bellman expectation backup (a second route)."""
    V = np.zeros(len(R))
    for _ in range(2000):
        V = (policy * (R + gamma * P @ V)).sum(axis=1)
    return V


def test_linear_solve_agrees_with_iterating_the_backup():
    policy = _softmax(np.random.default_rng(4).normal(size=(13, 4)))
    np.testing.assert_allclose(exact_values(WORLD, policy, 0.9),
                               exact_values_of(WORLD.P, WORLD.R, policy, 0.9), atol=1e-9)


def test_finite_difference_gradient_agrees_with_the_policy_gradient_theorem():
    theta = np.random.default_rng(5).normal(size=(13, 4))
    pi, gamma = _softmax(theta), 0.9
    V = exact_values(WORLD, pi, gamma)
    Q = WORLD.R + gamma * WORLD.P @ V
    P_pi = np.einsum("sa,sat->st", pi, WORLD.P)
    start = np.eye(13)[WORLD.start]
    d = np.linalg.solve((np.eye(13) - gamma * P_pi).T, start)     # discounted visits
    closed_form = d[:, None] * pi * (Q - V[:, None])
    np.testing.assert_allclose(policy_gradient._exact_gradient(theta, gamma), closed_form,
                               atol=1e-7)


# -- the REINFORCE check's statistics ---------------------------------------------------


def test_bias_ratio_passes_the_unbiased_estimators_and_rejects_a_biased_one():
    theta, batch, gamma, values, exact = policy_gradient._sampled(0)
    for baseline in (np.zeros(13), values):
        args = (theta, *batch, gamma, baseline)
        assert policy_gradient.bias_ratio(policy_gradient._reinforce(*args), args, exact)[0] < 2
        # the whole-episode return is unbiased too: the statistics accept it
        whole = policy_gradient.MISTAKES[1].variant(*args)
        assert policy_gradient.bias_ratio(whole, args, exact)[0] < 3
        biased = policy_gradient.MISTAKES[0].variant(*args)                # no gamma**t
        assert policy_gradient.bias_ratio(biased, args, exact)[0] > 6


def test_reinforce_check_runs_the_hidden_seed():
    ref = policy_gradient._reinforce
    from autograder.checks import Case

    assert policy_gradient.check_reinforce_gradient.explain(
        ref, cases=[Case("another seed", (1,))]) is None


# -- checks that are properties ------------------------------------------------------------


def test_policy_iteration_check_fails_a_stochastic_or_misshapen_policy():
    check = mdp.check_policy_iteration
    uniform = check.explain(lambda P, R, g: np.full(R.shape, 1.0 / R.shape[1]))
    assert uniform is not None and "one-hot" in uniform
    wrong_shape = check.explain(lambda P, R, g: np.zeros(R.shape[0]))
    assert wrong_shape is not None and "shape" in wrong_shape
    bad = check.explain(lambda P, R, g: np.eye(R.shape[1])[np.zeros(R.shape[0], dtype=int)])
    assert bad is not None and "not optimal" in bad and "Diagnosis" not in bad


# -- PPO's oracles ------------------------------------------------------------------------


def test_gae_oracle_has_the_lambda_limits():
    from autograder.checks.rl_and_rlhf import ppo

    rng = np.random.default_rng(6)
    rewards, values, gamma = rng.normal(size=9), rng.normal(size=10), 0.9
    deltas = rewards + gamma * values[1:] - values[:-1]
    np.testing.assert_allclose(ppo._gae(rewards, values, gamma, 0.0), deltas, atol=1e-12)
    returns = np.array([np.sum(gamma ** np.arange(9 - t) * rewards[t:]) for t in range(9)])
    bootstrap = gamma ** np.arange(9, 0, -1) * values[-1]          # the cut-off episode's tail
    np.testing.assert_allclose(ppo._gae(rewards, values, gamma, 1.0),
                               returns + bootstrap - values[:-1], atol=1e-12)


def test_surrogate_gradient_oracle_matches_the_piecewise_formula():
    from autograder.checks.rl_and_rlhf import ppo

    for case in ppo._grad_cases(np.random.default_rng(0)):
        ratio, adv, eps = case.args
        active = ((adv > 0) & (ratio < 1 + eps)) | ((adv < 0) & (ratio > 1 - eps))
        np.testing.assert_allclose(ppo._surrogate_grad(ratio, adv, eps),
                                   np.where(active, adv, 0.0) / len(adv), atol=1e-7)
