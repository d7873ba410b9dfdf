"""autograder.interp.metric_grad: the metric, the cache and every gradient against central
finite differences, patched runs against the hooked pass, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.interpretability.oracles import small_params
from autograder.interp import hooked
from autograder.interp.metric_grad import metric_run, patchable_names
from autograder.interp.patching import config_for


def _setup(seed=0):
    rng = np.random.default_rng(seed)
    params = {k: v.astype(np.float64)
              for k, v in small_params(rng, V=9, D=8, n_layers=2, context=8,
                                       attn_only=True).items()}
    for i in range(2):
        params[f"blocks.{i}.attn.W_qkv"][:, :16] *= 3.0
    config = config_for(params, 2)
    tokens = rng.integers(0, 9, size=(3, 5))
    correct = np.array([1, 4, 4])
    wrong = np.array([2, 0, 7])
    return params, config, tokens, correct, wrong


def _numeric(params, config, tokens, correct, wrong, name, base, h=1e-5):
    out = np.zeros(base.shape)
    for idx in np.ndindex(*base.shape):
        up, down = base.copy(), base.copy()
        up[idx] += h
        down[idx] -= h
        f = [metric_run(params, config, tokens, correct, wrong, {name: a}, backward=False).metric
             for a in (up, down)]
        out[idx] = (f[0] - f[1]) / (2 * h)
    return out


def test_the_metric_and_logits_match_the_hooked_pass():
    params, config, tokens, correct, wrong = _setup()
    run = metric_run(params, config, tokens, correct, wrong)
    logits, cache = hooked.run_with_cache(params, config, tokens)
    np.testing.assert_allclose(run.logits, logits, rtol=1e-10, atol=1e-10)
    rows = np.arange(3)
    assert run.metric == pytest.approx(float(np.mean(logits[rows, -1, correct]
                                                     - logits[rows, -1, wrong])))
    for name in patchable_names(2):
        np.testing.assert_allclose(run.acts[name], cache[name], atol=1e-10)


@pytest.mark.parametrize("name", patchable_names(2))
def test_every_gradient_matches_finite_differences(name):
    params, config, tokens, correct, wrong = _setup(1)
    run = metric_run(params, config, tokens, correct, wrong)
    numeric = _numeric(params, config, tokens, correct, wrong, name, run.acts[name])
    assert np.abs(numeric).max() > 1e-3          # the test can fail: the gradient is not zero
    np.testing.assert_allclose(run.grads[name], numeric, rtol=1e-5, atol=1e-7)


def test_gradients_at_a_patched_run_match_finite_differences_and_stop_at_the_patch():
    params, config, tokens, correct, wrong = _setup(2)
    rng = np.random.default_rng(5)
    z = rng.normal(size=(3, 5, 2, 4))
    patch = {"blocks.0.attn.hook_z": z}
    run = metric_run(params, config, tokens, correct, wrong, patch)
    assert not np.allclose(run.acts["blocks.0.attn.hook_z"],
                           metric_run(params, config, tokens, correct, wrong).acts[
                               "blocks.0.attn.hook_z"])
    numeric = _numeric(params, config, tokens, correct, wrong, "blocks.0.attn.hook_z", z)
    np.testing.assert_allclose(run.grads["blocks.0.attn.hook_z"], numeric, rtol=1e-5,
                               atol=1e-7)
    x = rng.normal(size=(3, 5, 8))
    run = metric_run(params, config, tokens, correct, wrong, {"blocks.1.hook_resid_pre": x})
    numeric = _numeric(params, config, tokens, correct, wrong, "blocks.1.hook_resid_pre", x)
    np.testing.assert_allclose(run.grads["blocks.1.hook_resid_pre"], numeric, rtol=1e-5,
                               atol=1e-7)
    assert not run.grads["blocks.0.hook_resid_pre"].any()    # nothing before the patch matters


def test_a_patched_run_equals_the_hooked_pass_with_the_same_replacement():
    params, config, tokens, correct, wrong = _setup(3)
    x = np.random.default_rng(0).normal(size=(3, 5, 8))
    run = metric_run(params, config, tokens, correct, wrong, {"blocks.1.hook_resid_pre": x},
                     backward=False)
    logits = hooked.run_with_hooks(params, config, tokens,
                                   {"blocks.1.hook_resid_pre": lambda a, n: x})
    np.testing.assert_allclose(run.logits, logits, rtol=1e-10, atol=1e-10)
    assert run.grads == {}


def test_bad_input_gets_a_clear_error():
    params, config, tokens, correct, wrong = _setup()
    with pytest.raises(KeyError, match="cannot patch"):
        metric_run(params, config, tokens, correct, wrong, {"blocks.0.attn.hook_q": tokens})
    with pytest.raises(ValueError, match="shape"):
        metric_run(params, config, tokens, correct, wrong,
                   {"blocks.0.hook_resid_pre": np.zeros((3, 5, 7))})
    with pytest.raises(ValueError, match="one token per prompt"):
        metric_run(params, config, tokens, correct[:2], wrong)
    with pytest.raises(ValueError, match="attention-only"):
        metric_run({**params, "blocks.0.mlp.W_in": np.zeros((8, 32))}, config, tokens, correct,
                   wrong)
