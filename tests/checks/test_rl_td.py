"""Stage 07, notebook 11 (TD, Q-learning, goal misgeneralisation): the checks and the coin world.

- every check passes the solution notebook's own function, visible and hidden cases;
- the Q-learning check's optimum agrees with notebook 02's oracle (policy iteration with
  exact solves), and the check fails loops that learn nothing or step out of terminals;
- the interval check's registered mistakes give narrower intervals than the right answer
  where seeds disagree (the point of exercise 11.5);
- the coin world's features mean what the notebook says, and the notebook's claims hold:
  agents solve every training level, and its table of test outcomes (coin / right wall
  rates over 10 seeds for its three training conditions) is what the solution produces.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from nbfiles import SOLUTIONS
from solution_pieces import solution_source

from autograder.checks.rl_and_rlhf import mdp, td_learning
from autograder.rl import coinworld

NOTEBOOK = SOLUTIONS / "07_rl_and_rlhf" / "11_learning_from_experience.ipynb"


@pytest.fixture(scope="module")
def solution(tmp_path_factory):
    path = tmp_path_factory.mktemp("td") / "_td_solution.py"
    path.write_text(solution_source(NOTEBOOK), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("_td_solution", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHECKS = ["td0_update", "q_learning_update", "linear_q_update", "rate_with_interval",
          "q_learning"]


@pytest.mark.parametrize("name", CHECKS)
def test_each_check_passes_the_solution_on_visible_and_hidden_cases(solution, name):
    check = getattr(td_learning, f"check_{name}")
    fn = getattr(solution, name)
    assert check.explain(fn) is None
    assert check.explain(fn, seed=1234, hidden=True) is None


def test_the_optimum_agrees_with_policy_iteration():
    for world in (td_learning.SLIPPERY, td_learning.DETERMINISTIC):
        by_pi, _ = mdp._optimal_by_policy_iteration(world.P, world.R, 0.9)
        np.testing.assert_allclose(td_learning._optimal_values(world.P, world.R, 0.9), by_pi,
                                   atol=1e-10)


def _no_learning(P, R, terminal, start, n_episodes, alpha, gamma, epsilon, rng, max_steps=100):
    return np.zeros(R.shape)


def test_q_learning_check_fails_a_loop_that_learns_nothing():
    message = td_learning.check_q_learning.explain(_no_learning)
    assert message is not None and "greedy policy" in message


def test_q_learning_check_fails_a_loop_that_steps_on_after_the_end(solution):
    def never_stops(P, R, terminal, start, n_episodes, alpha, gamma, epsilon, rng,
                    max_steps=100):
        S, A = R.shape
        Q = np.zeros((S, A))
        for _ in range(n_episodes):
            s = start
            for _ in range(30):
                a = int(rng.integers(A)) if rng.random() < epsilon else int(np.argmax(Q[s]))
                s_next = int(rng.choice(S, p=P[s, a]))
                Q = solution.q_learning_update(Q, s, a, R[s, a] + 0.1, s_next, False, alpha,
                                               gamma)
                s = s_next
        return Q

    message = td_learning.check_q_learning.explain(never_stops)
    assert message is not None and "terminal" in message


def test_the_pooled_interval_is_too_narrow_when_seeds_disagree():
    case = td_learning._rate_cases(np.random.default_rng(0))[0]
    hits = case.args[0]
    right = td_learning._rate_interval(hits)
    for wrong in (td_learning._rate_pooled(hits), td_learning._rate_ddof0(hits)):
        assert wrong[2] - wrong[1] < right[2] - right[1]
    assert right[0] == pytest.approx(np.mean([1, 0.95, 0.05, 0, 0.975]))


def test_coin_features_point_at_the_coin_and_the_wall():
    phi = coinworld.coin_features((1, 2), (0, 6), brightness=0.5)     # coin up and right
    up, right, down, left = phi
    np.testing.assert_allclose(up, [0.0, 0.5, 0.0])
    np.testing.assert_allclose(right, [0.5, 0.0, 1.0])
    np.testing.assert_allclose(down, [0.0, -0.5, 0.0])
    np.testing.assert_allclose(left, [-0.5, 0.0, -1.0])
    blocked = coinworld.coin_features((0, 6), (2, 0))                  # top-right corner
    np.testing.assert_allclose(blocked[0], 0.0)                        # up: off the grid
    np.testing.assert_allclose(blocked[1], 0.0)                        # right: off the grid
    np.testing.assert_allclose(blocked[3], [0.5, 0.0, -1.0])           # left: towards the coin


def test_levels_put_the_coin_where_the_notebook_says():
    rng = np.random.default_rng(0)
    for _ in range(200):
        train, test = coinworld.training_level(rng), coinworld.held_out_level(rng)
        assert train.coin[1] == coinworld.WIDTH - 1 and train.start[1] < 4
        assert test.start[1] == 4 and test.coin[1] < 3


def _outcomes(update, **cfg):
    return np.array([coinworld.held_out_outcomes(
        coinworld.train_coin_agent(update, seed=seed, **cfg), n_episodes=100, seed=100 + seed,
        brightness=cfg.get("brightness", 0.5)) for seed in range(10)])


def test_agents_trained_with_the_coin_at_the_right_solve_training_levels(solution):
    w = coinworld.train_coin_agent(solution.linear_q_update, seed=0)
    rng = np.random.default_rng(5)
    solved = [coinworld.run_test_episode(w, coinworld.training_level(rng))[0] == coinworld.COIN
              for _ in range(100)]
    assert np.mean(solved) == 1.0


@pytest.mark.parametrize(("cfg", "coin", "wall"), [
    (dict(brightness=0.5), 0.00, 1.00),
    (dict(brightness=1.0), 0.75, 0.10),
    (dict(brightness=0.5, diverse=0.2), 0.90, 0.10)],
    ids=["coin always right", "equally bright coin", "diverse training"])
def test_the_notebooks_table_of_test_outcomes_holds(solution, cfg, coin, wall):
    # 11's results table and rubric quote these rates (10 seeds x 100 test levels)
    outcomes = _outcomes(solution.linear_q_update, **cfg)
    assert round(float(np.mean(outcomes == coinworld.COIN)), 2) == coin
    assert round(float(np.mean(outcomes == coinworld.CUE)), 2) == wall
