"""The statistical checks of stage 03 are fair and decisive, for every seed.

The checks hand the learner's sampler a generator made from shared.CHECK_SEED.
These tests re-run every statistical check with many other seeds to prove the
two claims made in autograder/checks/probability/shared.py:

- fair: several *different* correct implementations (which consume the
  generator differently) pass for every seed tried;
- decisive: every registered mistake is diagnosed for every seed tried, and
  the statistic that catches it lies at least three tolerances from the truth.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograder.checks.probability import (
    information,
    limit_theorems,
    preferences,
    random_variables,
    random_vectors,
    shared,
)

SEEDS = range(12)


@pytest.fixture
def reseed(monkeypatch):
    """Set the seeds the checks give the learner's sampler."""
    def apply(seed: int) -> None:
        monkeypatch.setattr(shared, "CHECK_SEED", 1_000 + seed)
        monkeypatch.setattr(shared, "OTHER_SEED", 50_000 + seed)
    return apply


# -- different correct implementations of each sampler ---------------------------------

def _exp_minus_log_u(rate, n, rng):
    return -np.log(rng.uniform(size=n)) / rate          # 1 - U is uniform too


def _exp_numpy(rate, n, rng):
    return rng.exponential(1.0 / rate, size=n)


def _exp_log1p(rate, n, rng):
    return -np.log1p(-rng.uniform(size=n)) / rate


def _cat_searchsorted(p, n, rng):
    return np.searchsorted(np.cumsum(p), rng.uniform(size=n) * np.sum(p), side="right")


def _cat_first_above(p, n, rng):
    u = rng.uniform(size=(n, 1))
    return (u < np.cumsum(p)[None, :]).argmax(axis=1)


def _cat_choice(p, n, rng):
    return rng.choice(len(p), size=n, p=p)


def _mvn_cholesky(mean, cov, n, rng):
    return mean + rng.standard_normal((n, len(mean))) @ np.linalg.cholesky(cov).T


def _mvn_numpy(mean, cov, n, rng):
    return rng.multivariate_normal(mean, cov, size=n)


def _means_rows(draw, n, repeats, rng):
    return draw(rng, (repeats, n)).mean(axis=1)


def _means_in_chunks(draw, n, repeats, rng):
    return np.concatenate([draw(rng, (repeats // 4, n)).mean(axis=1) for _ in range(4)])


def _tokens_choice(logits, t, k, n, rng):
    return rng.choice(len(logits), size=n, p=information._next_token_distribution(logits, t, k))


def _tokens_gumbel(logits, t, k, n, rng):
    """The Gumbel-max trick: argmax of logits / T plus Gumbel noise, inside the top k."""
    z = np.where(np.array(information._top_k_mask(logits.tolist(), k)), logits / t, -np.inf)
    return (z[None, :] + rng.gumbel(size=(n, len(logits)))).argmax(axis=1)


def _simulate_rejection_free(scores, n, rng):
    k = len(scores)
    a = rng.integers(0, k, size=n)
    b = rng.integers(0, k - 1, size=n)
    b = b + (b >= a)                                      # skip a: uniform over the others
    a_wins = scores[a] + rng.logistic(size=n) > scores[b]  # logistic noise = Bradley-Terry
    return np.where(a_wins, a, b), np.where(a_wins, b, a)


CORRECT = [
    (random_variables.check_sample_exponential, [_exp_minus_log_u, _exp_numpy, _exp_log1p]),
    (random_variables.check_sample_categorical, [_cat_searchsorted, _cat_first_above,
                                                 _cat_choice]),
    (random_vectors.check_sample_mvn, [_mvn_cholesky, _mvn_numpy]),
    (limit_theorems.check_sample_means, [_means_rows, _means_in_chunks]),
    (information.check_sample_next_tokens, [_tokens_choice, _tokens_gumbel]),
    (preferences.check_simulate_preferences, [preferences._simulate_reference,
                                              _simulate_rejection_free]),
]
STATISTICAL = [check for check, _ in CORRECT]


@pytest.mark.slow
@pytest.mark.parametrize(("check", "implementations"), CORRECT, ids=lambda x: getattr(
    x, "name", ""))
def test_every_correct_implementation_passes_for_every_seed(check, implementations, reseed):
    for seed in SEEDS:
        reseed(seed)
        for impl in implementations:
            message = check.explain(impl)
            assert message is None, f"seed {seed}, {impl.__name__}:\n{message}"


@pytest.mark.slow
@pytest.mark.parametrize("check", STATISTICAL, ids=lambda c: c.name)
def test_every_mistake_is_diagnosed_for_every_seed(check, reseed):
    for seed in range(6):
        reseed(seed)
        for mistake in check.known_mistakes:
            message = check.explain(check.mistake_demo(mistake))
            assert message is not None and f"Diagnosis ({mistake.name})" in message, (
                f"seed {seed}, {mistake.name}:\n{message}")


# -- the statistic that catches each mistake, in units of its tolerance ----------------

def _exp_scale_excess(rng):
    x = random_variables.EXP_SCALE.example(2.0, 50_000, rng)
    return abs(x.mean() - 0.5) / (shared.TOL_SE * 0.5 / math.sqrt(50_000))


def _cat_uniform_excess(rng):
    p = random_variables.CAT_PROBS
    x = random_variables.CAT_UNIFORM.example(p, 50_000, rng)
    return shared.discrete_cdf_distance(x, p) / shared.dkw_epsilon(50_000)


def _mvn_excess(mistake):
    def excess(rng):
        mean, cov, n = random_vectors.MVN_MEAN, random_vectors.MVN_COV, random_vectors.MVN_N
        S = np.cov(mistake.example(mean, cov, n, rng), rowvar=False)
        return float((np.abs(S - cov) / (shared.TOL_SE * random_vectors._cov_se(cov, n))).max())
    return excess


def _means_excess(mistake, which):
    def excess(rng):
        m = mistake.example(limit_theorems.draw_exponential, 10, 20_000, rng)
        if which == "mean":
            return abs(m.mean() - 1.0) / (shared.TOL_SE / math.sqrt(10 * 20_000))
        sd, kurt = 1 / math.sqrt(10), 3.6
        return abs(m.std() - sd) / (shared.TOL_SE * (sd / 2) * math.sqrt((kurt - 1) / 20_000))
    return excess


def _temperature_excess(rng):
    z, t, k, n = (information.SAMPLE_LOGITS, information.SAMPLE_T, information.SAMPLE_K,
                  information.SAMPLE_N)
    x = information.SAMPLE_NO_TEMPERATURE.example(z, t, k, n, rng)
    p = information._next_token_distribution(z, t, k)
    return shared.discrete_cdf_distance(x, p) / shared.dkw_epsilon(n)


def _simulate_excess(mistake):
    def excess(rng):
        scores, n = preferences.SIM_SCORES, preferences.SIM_N
        w, lo = mistake.example(scores, n, rng)
        worst = 0.0
        for a in range(len(scores)):
            for b in range(a + 1, len(scores)):
                pair = ((w == a) & (lo == b)) | ((w == b) & (lo == a))
                rate = ((w == a) & (lo == b)).sum() / pair.sum()
                p = 1 / (1 + math.exp(-(scores[a] - scores[b])))
                worst = max(worst, abs(rate - p) / (shared.TOL_SE * math.sqrt(p * (1 - p)
                                                                           / pair.sum())))
        return worst
    return excess


MARGINS = {
    "exponential: rate used as a scale": _exp_scale_excess,
    "categorical: probabilities ignored": _cat_uniform_excess,
    "mvn: z @ L": _mvn_excess(random_vectors.MVN_UNTRANSPOSED),
    "mvn: covariance as factor": _mvn_excess(random_vectors.MVN_COVARIANCE_AS_FACTOR),
    "mvn: correlation lost": _mvn_excess(random_vectors.MVN_ELEMENTWISE_SQRT),
    "sample means: sums": _means_excess(limit_theorems.SM_SUM, "mean"),
    "sample means: single draws": _means_excess(limit_theorems.SM_SINGLE, "sd"),
    "next tokens: temperature ignored": _temperature_excess,
    "preferences: better item always wins": _simulate_excess(preferences.SIM_DETERMINISTIC),
    "preferences: worse item wins": _simulate_excess(preferences.SIM_SIGN),
}


@pytest.mark.parametrize("name", sorted(MARGINS))
def test_each_mistake_misses_by_at_least_three_tolerances(name):
    excesses = [MARGINS[name](np.random.default_rng(seed)) for seed in range(10)]
    assert min(excesses) >= 3.0, f"{name}: the mistake is only {min(excesses):.2f} tolerances away"


def test_dkw_epsilon_and_ks_distance():
    assert shared.dkw_epsilon(20_000) == pytest.approx(0.0231, abs=1e-4)
    assert shared.dkw_epsilon(50_000) == pytest.approx(0.0146, abs=1e-4)
    # The KS distance against the uniform CDF, checked by brute force.
    x = np.array([0.6, 0.7, 0.8, 0.95])
    assert shared.ks_distance(x, lambda v: np.clip(v, 0, 1)) == pytest.approx(0.6)
    assert shared.discrete_cdf_distance(np.array([0, 0, 1, 1]), np.array([0.5, 0.5])) == 0.0


def test_the_rng_discipline_restores_numpy_global_state():
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    message = random_variables.check_sample_exponential.explain(
        lambda rate, n, rng: np.random.exponential(1 / rate, n))
    assert "global random state" in message
    assert np.array_equal(np.random.get_state()[1], before)
