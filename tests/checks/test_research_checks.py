"""Stage 08's helpers and checks against independent references.

The exact bootstrap (a convolution) is compared with brute-force enumeration of
every resample; the statistical checks are re-run under many seeds to show that
correct implementations with other draw orders always pass and that each
registered mistake is always caught; the training run keeps its promises (seeded,
paired across configurations, accuracies on the 1/n_test grid).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from autograder.checks.research import experiments, shared
from autograder.research.bootstrap import (
    exact_bootstrap_difference,
    exact_bootstrap_mean,
    exact_quantiles,
    sign_flip_p_value,
)
from autograder.research.experiments import RunConfig, run_seeds, train_run


def _enumerate_means(values):
    n = len(values)
    return np.array([values[list(idx)].mean() for idx in itertools.product(range(n), repeat=n)])


def test_exact_bootstrap_mean_equals_enumerating_every_resample():
    values = np.array([0.801, 0.833, 0.812, 0.833, 0.790])
    support, probs = exact_bootstrap_mean(values, 0.001)
    every = _enumerate_means(values)                                   # 5^5 resamples
    assert probs.sum() == pytest.approx(1.0)
    for x in [0.79, 0.80, 0.81, 0.815, 0.82, 0.833]:
        assert probs[support <= x + 1e-12].sum() == pytest.approx(np.mean(every <= x + 1e-12))


def test_exact_unpaired_difference_equals_enumeration():
    a = np.array([0.70, 0.74, 0.71])
    b = np.array([0.72, 0.79, 0.73])
    support, probs = exact_bootstrap_difference(a, b, 0.01, paired=False)
    diffs = (_enumerate_means(b)[:, None] - _enumerate_means(a)[None, :]).ravel()
    for x in [-0.02, 0.0, 0.02, 0.03, 0.05]:
        assert probs[support <= x + 1e-9].sum() == pytest.approx(np.mean(diffs <= x + 1e-9))
    paired_support, paired_probs = exact_bootstrap_difference(a, b, 0.01, paired=True)
    every = _enumerate_means(b - a)
    for x in [0.0, 0.02, 0.04]:
        assert paired_probs[paired_support <= x + 1e-9].sum() == pytest.approx(
            np.mean(every <= x + 1e-9))


def test_exact_quantiles_and_bad_input():
    support, probs = np.array([1.0, 2.0, 3.0]), np.array([0.2, 0.3, 0.5])
    assert exact_quantiles(support, probs, [0.1, 0.2, 0.21, 0.5, 0.99]).tolist() == [
        1.0, 1.0, 2.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="multiples"):
        exact_bootstrap_mean([0.1234, 0.5], 0.001)
    with pytest.raises(ValueError, match="same length"):
        exact_bootstrap_difference([0.1], [0.1, 0.2], 0.1, paired=True)


def test_sign_flip_p_value_matches_enumerating_every_sign_pattern():
    d = np.array([0.01, 0.02, -0.005, 0.015, 0.0, 0.03, 0.01, -0.01])
    signs = np.array(list(itertools.product([-1.0, 1.0], repeat=len(d))))   # (256, 8)
    exact = np.mean(np.abs((signs * d).mean(1)) >= abs(d.mean()) - 1e-12)
    p = sign_flip_p_value(d, 40_000, np.random.default_rng(0))
    assert abs(p - exact) < 6 * np.sqrt(exact * (1 - exact) / 40_000)


def test_training_runs_are_seeded_paired_and_on_the_grid():
    cfg = RunConfig(hidden=8, steps=50, n_test=200)
    a = run_seeds(cfg, [0, 1, 2])
    assert np.array_equal(a, run_seeds(cfg, [0, 1, 2]))              # reproducible
    assert len(set(a.tolist())) > 1                                   # seeds differ
    assert np.allclose(a * 200, np.round(a * 200))                    # multiples of 1/n_test
    # Re-initialising changes the weights but not the data: with zero training steps the
    # prediction is the initial network's, so runs differ only through initialisation.
    assert train_run(RunConfig(steps=50, init=1), 0) != train_run(RunConfig(steps=50), 0) or \
        train_run(RunConfig(steps=0, init=1), 0) != train_run(RunConfig(steps=0), 0)
    with pytest.raises(ValueError, match="hidden"):
        train_run(RunConfig(hidden=0), 0)


# -- the statistical checks hold for every seed ---------------------------------------


def _bootstrap_by_choice(results, n_resamples, rng):
    # Another correct draw order: rng.choice on the values themselves, resample by resample.
    return np.array([rng.choice(results, size=len(results)).mean() for _ in range(n_resamples)])


def _difference_by_differences(a, b, paired, n_resamples, rng, confidence=0.95):
    n = len(a)
    if paired:
        d = b - a
        diffs = d[rng.integers(0, n, (n_resamples, n))].mean(1)
    else:
        diffs = (rng.choice(b, size=(n_resamples, n)).mean(1)
                 - rng.choice(a, size=(n_resamples, n)).mean(1))
    q = np.quantile(diffs, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(q[0]), float(q[1])


@pytest.fixture(params=range(10))
def reseed(request, monkeypatch):
    monkeypatch.setattr(shared, "CHECK_SEED", 1000 + request.param)
    monkeypatch.setattr(shared, "OTHER_SEED", 2000 + request.param)


@pytest.mark.slow
@pytest.mark.usefixtures("reseed")
@pytest.mark.parametrize(("check", "implementations"), [
    (experiments.check_bootstrap_means,
     [experiments._bootstrap_means_reference, _bootstrap_by_choice]),
    (experiments.check_difference_ci,
     [experiments._difference_reference, _difference_by_differences])],
    ids=["bootstrap_means", "difference_ci"])
def test_correct_implementations_pass_for_every_seed(check, implementations):
    for fn in implementations:
        assert check.explain(fn) is None


@pytest.mark.slow
@pytest.mark.usefixtures("reseed")
@pytest.mark.parametrize("check", [experiments.check_bootstrap_means,
                                   experiments.check_difference_ci],
                         ids=["bootstrap_means", "difference_ci"])
def test_every_mistake_is_diagnosed_for_every_seed(check):
    for mistake in check.mistakes:
        message = check.explain(mistake.example)
        assert message is not None and mistake.name in message, (mistake.name, message)


def test_a_90_percent_interval_fails_difference_ci_without_a_wrong_name():
    def ninety(a, b, paired, n_resamples, rng, confidence=0.95):
        return experiments._difference_reference(a, b, paired, n_resamples, rng, 0.9)

    message = experiments.check_difference_ci.explain(ninety)
    assert message is not None and "Diagnosis" not in message


@pytest.mark.parametrize("bad", [
    None, {"wider_is_better": 0.5}, [0.5, 0.5, 0.5],
    {"wider_is_better": 1.0, "paired_excludes_zero": 0.5, "unpaired_excludes_zero": 0.5},
    {"wider_is_better": True, "paired_excludes_zero": 0.5, "unpaired_excludes_zero": 0.5},
    {"wider_is_better": "70%", "paired_excludes_zero": 0.5, "unpaired_excludes_zero": 0.5}])
def test_predictions_must_be_three_open_probabilities(bad):
    assert experiments.check_predictions.explain(bad) is not None


def test_seeds_needed_reaches_the_power_and_one_fewer_does_not():
    from statistics import NormalDist
    z = NormalDist()
    for effect, sd, alpha, power in [(0.01, 0.015, 0.05, 0.8), (0.005, 0.02, 0.01, 0.9)]:
        n = experiments._seeds_needed(effect, sd, alpha, power)
        crit = z.inv_cdf(1 - alpha / 2)
        assert z.cdf(effect * n ** 0.5 / sd - crit) >= power
        assert n == 1 or z.cdf(effect * (n - 1) ** 0.5 / sd - crit) < power
