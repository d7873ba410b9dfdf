"""The checks of 06/10 (attribution patching) against the solution notebook, against wrong
answers written here (each gets its own diagnosis), and the notebook's claims about the
hand-built model."""

from __future__ import annotations

import numpy as np
import pytest
from nbfiles import SOLUTIONS
from solution_pieces import solution_source

from autograder.checks.interpretability import attribution_patching as ap
from autograder.interp.metric_grad import metric_run
from autograder.interp.patching import build, config_for, induction_prompts

NOTEBOOK = SOLUTIONS / "06_interpretability" / "10_attribution_patching.ipynb"
NAMES = ["final_resid_grad", "attribute_residual", "attribute_heads", "linear_vs_true",
         "integrated_attribution"]


@pytest.fixture(scope="module")
def solution():
    namespace: dict = {"metric_run": metric_run, "config_for": config_for}   # the set-up cell
    exec(compile(solution_source(NOTEBOOK), str(NOTEBOOK), "exec"), namespace)
    return namespace


@pytest.mark.parametrize("name", NAMES)
def test_the_solutions_pass(solution, name):
    check = getattr(ap, f"check_{name}")
    assert check.explain(solution[name]) is None
    assert check.explain(solution[name], seed=1234) is None


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_mistake_is_named(name):
    check = getattr(ap, f"check_{name}")
    for mistake in check.mistakes:
        message = check.explain(mistake.variant)
        assert message is not None and f"Diagnosis ({mistake.name})" in message, mistake.name


def test_a_gradient_that_skips_the_layernorm_written_here_is_named():
    def no_ln(x, g, b, unembed, correct, wrong):
        out = np.zeros(x.shape)
        out[:, -1] = (unembed[:, correct] - unembed[:, wrong]).T / len(correct)
        return out
    message = ap.check_final_resid_grad.explain(no_ln)
    assert message is not None and "Diagnosis (LayerNorm left out)" in message


def test_a_gradient_at_every_position_fails_without_a_wrong_name(solution):
    def everywhere(x, g, b, unembed, correct, wrong):
        out = solution["final_resid_grad"](x, g, b, unembed, correct, wrong)
        return out + out[:, -1:]          # the last position's gradient copied everywhere
    message = ap.check_final_resid_grad.explain(everywhere)
    assert message is not None and "Diagnosis (" not in message


def test_a_heads_map_over_positions_written_here_is_named():
    def per_position(clean_acts, corrupt_acts, grads, n_layers):
        return np.stack([((clean_acts[f"blocks.{i}.attn.hook_z"]
                           - corrupt_acts[f"blocks.{i}.attn.hook_z"])
                          * grads[f"blocks.{i}.attn.hook_z"]).sum(axis=(0, 2, 3))
                         for i in range(n_layers)])
    message = ap.check_attribute_heads.explain(per_position)
    assert message is not None and "Diagnosis (a position, not a head)" in message


def test_integrated_gradients_with_left_end_points_written_here_is_named(solution):
    def left(params, n_heads, clean, corrupt, correct, wrong, name, n_steps):
        config = config_for(params, n_heads)
        c = metric_run(params, config, clean, correct, wrong, backward=False)
        x = metric_run(params, config, corrupt, correct, wrong, backward=False)
        delta = c.acts[name] - x.acts[name]
        total = sum(metric_run(params, config, corrupt, correct, wrong,
                               {name: x.acts[name] + k / n_steps * delta}).grads[name]
                    for k in range(n_steps))
        return (delta * total / n_steps).sum(axis=(0, 2))
    message = ap.check_integrated_attribution.explain(left)
    assert message is not None and "Diagnosis (left end points)" in message


def test_the_notebooks_claims_about_the_hand_built_model(solution):
    """Averaged over prompts the estimate finds the right cells, exact after the last layer
    and off upstream; prompt by prompt most upstream patches are false negatives; 16 steps
    of integrated gradients come within a few per cent of the real patch."""
    model = build()
    params, config = model.params, model.config
    clean, corrupt, correct, wrong = induction_prompts(8, model.pool, np.random.default_rng(0))
    c = metric_run(params, config, clean, correct, wrong, backward=False)
    x = metric_run(params, config, corrupt, correct, wrong)
    est = solution["attribute_residual"](c.acts, x.acts, x.grads, 2)
    gap = c.metric - x.metric
    for row, t in [(0, 5), (1, 6)]:
        assert 1.2 < est[row, t] / gap < 1.7
    assert abs(est[2, 17] / gap - 1.0) < 0.06
    assert np.abs(np.delete(est[0], 5)).max() < 0.01 * gap
    rows = np.arange(8)
    true = np.zeros(8)
    name = "blocks.1.hook_resid_pre"
    a = x.acts[name].copy()
    a[:, 6] = c.acts[name][:, 6]
    run = metric_run(params, config, corrupt, correct, wrong, {name: a}, backward=False)
    true = (run.logits[rows, -1, correct] - run.logits[rows, -1, wrong]
            - (x.logits[rows, -1, correct] - x.logits[rows, -1, wrong]))
    own = ((c.acts[name] - x.acts[name]) * x.grads[name])[:, 6].sum(-1) * 8
    assert ((true > 2) & (np.abs(own) < 0.25 * true)).sum() >= 3
    ig = solution["integrated_attribution"](params, config.n_heads, clean, corrupt, correct, wrong,
                                            name, 16)
    assert abs(ig[6] - gap) < 0.05 * gap
