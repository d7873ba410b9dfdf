"""Stage 08, notebook 08: scaling laws in miniature.

Each check passes a second correct implementation written another way (a closed form, a
vectorised search, a sort) and fails every registered mistake with its own diagnosis; the
oracles are held to other formulations (the parameter count to 12 L d^2 + 13 L d + 2d
for r = 4, the fits to curves whose constants are known); the shipped grid is small,
shaped as documented, and its first point is reproduced by retraining it.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.research import scaling as checks
from autograder.research import scaling, scaling_runs

# -- second correct implementations, written differently from the notebook's ---------------


def params_closed_form(d_model, n_layers, mlp_ratio):
    d, r = d_model, mlp_ratio
    return int(n_layers * ((4 + 2 * r) * d * d + (9 + r) * d) + 2 * d)


def flops_by_steps(n_params, steps, batch_size, context):
    per_step = 6.0 * n_params * batch_size * context
    return per_step * steps


def fixed_e_closed_form(n_params, losses, E):
    losses = np.asarray(losses, float)
    if (losses <= E).any():
        raise ValueError("a loss at or below E")
    x, y = np.log(np.asarray(n_params, float)), np.log(losses - E)
    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
    return float(np.exp(y.mean() - slope * x.mean())), float(-slope)


def power_law_vectorised(n_params, losses, E_grid):
    losses = np.asarray(losses, float)
    grid = np.asarray(E_grid, float)
    grid = grid[grid < losses.min()]
    if grid.size == 0:
        raise ValueError("nothing below the losses")
    fits = [fixed_e_closed_form(n_params, losses, e) for e in grid]
    errs = [np.sum((np.log(losses) - np.log(e + a * np.asarray(n_params, float) ** -al)) ** 2)
            for e, (a, al) in zip(grid, fits, strict=True)]
    i = int(np.argmin(errs))
    return float(grid[i]), fits[i][0], fits[i][1]


def bootstrap_by_gather(n_params, losses, E_grid, n_boot, rng):
    losses = np.asarray(losses, float)
    k, s = losses.shape
    idx = rng.integers(0, s, size=(n_boot, k, s))
    means = losses[np.arange(k)[None, :, None], idx].mean(axis=2)            # (n_boot, k)
    return np.array([power_law_vectorised(n_params, m, E_grid) for m in means])


def frontier_by_sort(flops, losses, budgets):
    order = np.lexsort((np.arange(len(losses)), np.asarray(losses)))     # by loss, then index
    out = []
    for c in budgets:
        fits = [i for i in order if flops[i] <= c]
        out.append(int(fits[0]) if fits else -1)
    return np.array(out)


SECOND = [(checks.check_non_embedding_params, params_closed_form),
          (checks.check_training_flops, flops_by_steps),
          (checks.check_fit_fixed_E, fixed_e_closed_form),
          (checks.check_fit_power_law, power_law_vectorised),
          (checks.check_bootstrap_fits, bootstrap_by_gather),
          (checks.check_compute_frontier, frontier_by_sort)]


@pytest.mark.parametrize("check, fn", SECOND, ids=lambda x: getattr(x, "name", ""))
def test_a_second_correct_implementation_passes(check, fn):
    assert check.explain(fn) is None
    assert check.explain(fn, seed=4321, hidden=True) is None


@pytest.mark.parametrize("check, fn", SECOND, ids=lambda x: getattr(x, "name", ""))
def test_each_mistake_gets_its_own_diagnosis(check, fn):
    for mistake in check.mistakes:
        message = check.explain(mistake.demo)
        assert message is not None and f"Diagnosis ({mistake.name})" in message, mistake.name


def test_the_parameter_oracle_counts_the_package_gpt():
    for d, layers in [(8, 2), (48, 3), (96, 2)]:
        assert checks._non_embedding_params(d, layers, 4) == 12 * layers * d * d \
            + 13 * layers * d + 2 * d


def test_the_fits_recover_a_known_curve():
    n = np.geomspace(1e3, 1e6, 6)
    a, alpha = checks._fit_fixed_e(n, 1.5 + 20 * n ** -0.3, 1.5)
    assert a == pytest.approx(20) and alpha == pytest.approx(0.3)
    e, a, alpha = checks._fit_power_law(n, 1.5 + 20 * n ** -0.3, np.arange(0, 2.5, 0.1))
    assert (e, a, alpha) == pytest.approx((1.5, 20, 0.3))


def test_a_frontier_that_refuses_equal_budgets_is_caught():
    def strict(flops, losses, budgets):
        return frontier_by_sort(flops, losses, np.asarray(budgets) * (1 - 1e-12))
    assert "strictly below the budget" in checks.check_compute_frontier.explain(strict)


def test_the_shipped_grid_is_small_and_shaped_as_documented():
    assert scaling_runs.PATH.stat().st_size < 200_000
    grid = scaling_runs.load_grid()
    shape = (len(scaling_runs.SIZES), len(scaling_runs.STEPS), len(scaling_runs.SEEDS))
    assert grid["loss"].shape == shape
    assert grid["held_loss"].shape == (len(scaling_runs.SEEDS),)
    assert np.isfinite(grid["loss"]).all() and (grid["loss"] < np.log(512)).all()
    # more data helps every size on average over seeds: the runs learned
    means = grid["loss"].mean(axis=2)
    assert (means[:, -1] < means[:, 0]).all()


@pytest.mark.slow
def test_the_first_point_of_the_grid_is_reproduced():
    grid = scaling_runs.load_grid()
    again = scaling.train_point(int(grid["d_model"][0]), int(grid["steps"][0]), 0)
    assert again == pytest.approx(float(grid["loss"][0, 0, 0]), abs=1e-5)


def test_train_point_refuses_a_size_of_zero():
    with pytest.raises(ValueError):
        scaling.train_point(0, 10, 0)


def test_the_prediction_check_accepts_the_reference_and_refuses_a_flipped_verdict():
    right = dict(checks._held_prediction())
    assert checks.check_prediction.explain(right) is None
    assert "held" in checks.check_prediction.explain({**right, "held": not right["held"]})
    assert checks.check_prediction.explain({**right, "low": right["low"] - 0.01}) is not None
