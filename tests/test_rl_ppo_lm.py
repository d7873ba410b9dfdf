"""Notebook 07/10's PPO loop (autograder.rl.ppo_lm): its plain functions against the checks'
independent oracles, its backward pass against the package's, its early stop, and the
shipped run."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.rl_and_rlhf import ppo_lm as checks
from autograder.gpt.model import GPT, GPTConfig
from autograder.rl import policy, ppo_lm


@pytest.mark.parametrize("check, plain", [
    (checks.check_per_token_rewards, ppo_lm.plain_per_token_rewards),
    (checks.check_value_loss_and_grad, ppo_lm.plain_value_loss_and_grad),
    (checks.check_gae_tokens, ppo_lm.plain_gae_tokens),
    (checks.check_ppo_weights, ppo_lm.plain_ppo_weights),
    (checks.check_approx_kl, ppo_lm.plain_approx_kl),
], ids=lambda x: getattr(x, "name", getattr(x, "__name__", "")))
def test_the_loops_plain_functions_pass_the_learners_checks(check, plain):
    """The shipped run uses these; a check (loop or finite-difference oracle) vouches for each."""
    assert check.explain(plain) is None
    assert check.explain(plain, seed=7) is None


def test_gae_at_lambda_1_gamma_1_is_the_sum_of_remaining_rewards_minus_the_value():
    rng = np.random.default_rng(0)
    rewards, values = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
    mask = np.array([[1.0, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    adv = ppo_lm.plain_gae_tokens(rewards * mask, values, mask, 1.0, 1.0)
    to_go = np.cumsum((rewards * mask)[:, ::-1], axis=1)[:, ::-1]
    np.testing.assert_allclose(adv, (to_go - values) * mask, atol=1e-12)


def test_the_per_token_rewards_sum_to_notebook_06s_shaped_reward():
    rng = np.random.default_rng(1)
    scores, lp, lr = rng.normal(size=3), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    mask = np.array([[1.0, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]])
    rewards = ppo_lm.plain_per_token_rewards(scores, lp, lr, mask, 0.3)
    np.testing.assert_allclose(rewards.sum(axis=1), scores - 0.3 * ((lp - lr) * mask).sum(axis=1))


def test_the_backward_pass_reusing_the_forward_matches_weighted_nll_grads():
    model = GPT(GPTConfig(vocab_size=9, context=8, d_model=8, n_heads=2, n_layers=1,
                          dtype="float64"), seed=5)
    rng = np.random.default_rng(2)
    tokens = rng.integers(0, 9, (3, 6))
    weights = rng.normal(size=(3, 5))
    expected = policy.weighted_nll_grads(model, tokens, weights)
    got = ppo_lm._backward_weighted(model, model.logits(tokens[:, :-1]), tokens[:, 1:],  # noqa: SLF001
                                    weights)
    for name, grad in expected.items():
        np.testing.assert_allclose(got[name], grad, rtol=1e-10, atol=1e-12, err_msg=name)


class _FixedReward:
    """A stand-in reward model: the number of distinct tokens in the completion."""

    def __call__(self, tokens: np.ndarray) -> np.ndarray:
        return np.array([len(set(row[-4:].tolist())) for row in tokens], dtype=float)


def _tiny_run(**overrides) -> ppo_lm.PPOHistory:
    config = ppo_lm.PPOConfig(steps=2, batch=4, n_prompt=6, n_new=4, **overrides)
    model, reference = policy.reference_model(), policy.reference_model()
    return ppo_lm.train_ppo(model, reference, _FixedReward(), config, progress=False)


def test_a_tiny_run_is_seeded_and_its_early_stop_works():
    first, again = _tiny_run(), _tiny_run()
    assert first.reward == again.reward and first.kl == again.kl
    assert all(1 <= e <= 4 for e in first.epochs)
    assert all(np.isfinite(first.arrays()[k]).all() for k in first.arrays())
    # a target of 0: the first minibatch (ratio 1, KL 0) runs, the second one stops the update
    stopped = _tiny_run(target_kl=0.0)
    assert stopped.epochs == [0, 0]


def test_the_shipped_run_has_80_steps_of_every_curve():
    run = ppo_lm.load_run()
    for key in ("reward", "kl", "gold", "clipfrac", "approx_kl", "epochs", "value_loss"):
        assert run[key].shape == (80,) and np.isfinite(run[key]).all(), key
    assert 0.0 <= run["clipfrac"].min() and run["clipfrac"].max() <= 1.0
    assert run["samples"] and run["samples"][0][0] == 0


def test_the_notebooks_reading_of_the_shipped_runs_holds():
    """07/10's prose (cell "Read the figure before the numbers") quotes these figures of the
    shipped PPO run and 06's shipped REINFORCE run, means of the last 10 of 80 steps."""
    from autograder.rl import rlhf

    ppo, reinforce = ppo_lm.load_run(), rlhf.load_runs()[0.05]

    def last(run, key):
        return float(np.mean(run[key][-10:]))

    assert round(last(ppo, "reward"), 1) == 4.8 and round(last(reinforce, "reward"), 1) == 5.5
    assert round(last(ppo, "gold"), 1) == 6.4 and round(last(reinforce, "gold"), 1) == 7.7
    assert round(last(ppo, "kl")) == 38 and round(last(reinforce, "kl")) == 49
    assert 0.15 < float(np.mean(ppo["clipfrac"])) < 0.25             # "about a fifth"
    assert 0.7 < float(np.mean(ppo["epochs"] < ppo_lm.PPOConfig.epochs)) < 0.8   # "three in four"
