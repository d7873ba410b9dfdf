"""The checks of 06/09 (steering) against the solution notebook and against wrong answers."""

from __future__ import annotations

import numpy as np
import pytest
from nbfiles import SOLUTIONS
from solution_pieces import solution_source

from autograder.checks.interpretability import steering
from autograder.interp.hooked import hooked_forward, run_with_hooks
from autograder.interp.patching import config_for

NOTEBOOK = SOLUTIONS / "06_interpretability" / "09_steering.ipynb"
NAMES = ["diff_of_means", "project_out", "steered_logits", "steering_effect", "ablation_cost"]


@pytest.fixture(scope="module")
def solution():
    namespace: dict = {"config_for": config_for, "run_with_hooks": run_with_hooks}
    exec(compile(solution_source(NOTEBOOK), str(NOTEBOOK), "exec"), namespace)
    return namespace


@pytest.mark.parametrize("name", NAMES)
def test_the_solutions_pass(solution, name):
    assert getattr(steering, f"check_{name}").explain(solution[name]) is None


@pytest.mark.parametrize("name", NAMES)
def test_the_solutions_pass_with_other_seeds(solution, name):
    assert getattr(steering, f"check_{name}").explain(solution[name], seed=4321) is None


def test_the_oracles_hooks_agree_with_the_package_forward_pass():
    # the checks' slow float64 oracle and the package's fast path are two implementations
    rng = np.random.default_rng(3)
    params = steering._model(rng)
    tokens = rng.integers(0, 7, size=(2, 5))
    d = rng.normal(size=8)
    fast = run_with_hooks(params, config_for(params, 2), tokens,
                          {"blocks.0.hook_resid_post": lambda x, _n: x + 1.5 * d})
    slow = steering._steered(params, 2, tokens, 0, d, 1.5)
    np.testing.assert_allclose(fast, slow, rtol=1e-4, atol=1e-4)


def test_projecting_out_the_difference_of_means_equalises_the_class_means(solution):
    # the property the notebook's ablation section leans on (Belrose et al.)
    rng = np.random.default_rng(0)
    labels = rng.random(200) < 0.3
    acts = rng.normal(size=(200, 6)) + np.outer(labels, [2.0, -1.0, 0.0, 0.5, 0.0, 3.0])
    d = solution["diff_of_means"](acts, labels)
    out = solution["project_out"](acts, d)
    np.testing.assert_allclose(out[labels].mean(0), out[~labels].mean(0), atol=1e-12)
    np.testing.assert_allclose(out @ d, 0.0, atol=1e-10)


def test_a_steering_hook_that_changes_the_activation_in_place_still_passes(solution):
    def in_place(params, n_heads, tokens, layer, direction, alpha):
        def add(x, name):
            x += alpha * direction.astype(x.dtype)
        return run_with_hooks(params, config_for(params, n_heads), tokens,
                              {f"blocks.{layer}.hook_resid_post": add})
    assert steering.check_steered_logits.explain(in_place) is None


def test_steering_the_wrong_layer_fails_without_a_wrong_name():
    def next_layer(params, n_heads, tokens, layer, direction, alpha):
        config = config_for(params, n_heads)
        name = f"blocks.{min(layer + 1, config.n_layers - 1)}.hook_resid_post"
        return run_with_hooks(params, config, tokens, {name: lambda x, _n: x + alpha * direction})
    message = steering.check_steered_logits.explain(next_layer)
    assert message is not None
    assert "Diagnosis (" not in message


def test_kl_in_bits_fails(solution):
    def bits(base_logits, steered_logits, token_mask):
        kl, mass = solution["steering_effect"](base_logits, steered_logits, token_mask)
        return kl / np.log(2), mass
    assert steering.check_steering_effect.explain(bits) is not None


def test_an_ablation_cost_with_the_unnormalised_projection_fails():
    def unnormalised(params, n_heads, tokens, layer, direction):
        config = config_for(params, n_heads)

        def loss(hooks):
            logits, _ = hooked_forward(params, config, tokens, hooks=hooks)
            z = logits[:, :-1].astype(np.float64)
            lp = z - np.log(np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
                - z.max(-1, keepdims=True)
            return float(-np.take_along_axis(lp, tokens[:, 1:, None], axis=-1).mean())
        hook = {f"blocks.{layer}.hook_resid_post":
                lambda x, _n: x - (x @ direction)[..., None] * direction}
        return loss({}), loss(hook)
    assert steering.check_ablation_cost.explain(unnormalised) is not None


def test_integer_labels_used_as_indices_are_named():
    def as_index(acts, labels):
        return acts[labels].mean(0) - acts[~labels].mean(0)
    message = steering.check_diff_of_means.explain(as_index)
    assert message is not None and "integer labels used as indices" in message
