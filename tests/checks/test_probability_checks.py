"""What the stage 03 checks promise beyond "reference passes, mistakes diagnosed".

- infinities are held to account: a learner who clips probabilities (a finite
  number where -inf or inf is the right answer) fails, with an explanation;
- NaN mistakes on scalar results are diagnosed;
- the hidden edge cases of the notebooks (degenerate distributions,
  zero-probability events, extreme temperatures) pass on a correct solution and
  catch the mistakes they are there for;
- every check stays quiet on stderr and leaves NumPy's global random state alone.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from autograder.checks import Case, all_checks
from autograder.checks.probability import (
    bayes,
    forecasts,
    information,
    likelihood,
    preferences,
    random_variables,
)

PROBABILITY_CHECKS = {name: c for name, c in all_checks().items() if ".probability." in name}


def test_stage_has_the_checks_the_notebooks_call():
    assert len(PROBABILITY_CHECKS) >= 40
    for name, check in PROBABILITY_CHECKS.items():
        assert check.mistakes or check.known_mistakes, f"{name} registers no known mistake"


# -- infinities ----------------------------------------------------------------------

def _clipped_bernoulli(theta, flips):
    t = np.clip(theta, 1e-12, 1 - 1e-12)
    h = flips.sum()
    return h * np.log(t) + (len(flips) - h) * np.log(1 - t)


def test_clipping_instead_of_minus_infinity_fails():
    message = likelihood.check_bernoulli_log_likelihood.explain(_clipped_bernoulli)
    assert message is not None
    assert "Diagnosis (a finite number where infinity is right)" in message
    assert "log of probability 0" in " ".join(message.split())


def test_a_finite_loss_where_the_truth_is_infinite_fails():
    def clipped_nll(probs, labels):
        return float(-np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, 1)).mean())

    case = Case("a true label with probability 0", (np.array([[1.0, 0.0]]), np.array([1])))
    message = likelihood.check_mean_nll.explain(clipped_nll, cases=[case], hidden=True)
    assert message is not None and "expected exactly inf" in message
    assert "inputs:" not in message                       # hidden: no values shown


def test_log_score_of_a_wrong_certainty_must_be_infinite():
    def clipped(p, o):
        q = np.clip(np.where(o == 1, p, 1 - p), 1e-15, 1)
        return float(-np.log(q).mean())

    case = Case("a certainty that was wrong", (np.array([1.0, 0.5]), np.array([0, 1])))
    assert forecasts.check_log_score.explain(clipped, cases=[case]) is not None
    assert forecasts.check_log_score.explain(forecasts.calibration.log_score,
                                             cases=[case]) is None


# -- NaN on scalars, overflow ---------------------------------------------------------

@pytest.mark.parametrize(("check", "submission", "name"), [
    (information.check_entropy, lambda p: float(-(p * np.log(p)).sum()), "log of zero gives NaN"),
    (information.check_kl_divergence, lambda p, q: float((p * np.log(p / q)).sum()),
     "log of zero gives NaN"),
    (forecasts.check_log_score,
     lambda p, o: float(-(o * np.log(p) + (1 - o) * np.log(1 - p)).mean()),
     "log of zero gives NaN"),
    (information.check_softmax, lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True),
     "softmax overflow"),
    (preferences.check_bt_loss,
     lambda s, w, lo: float(-np.log(1 / (1 + np.exp(-(s[w] - s[lo])))).mean()),
     "log of a sigmoid that underflowed"),
])
def test_learner_written_nan_and_overflow_mistakes_are_named(check, submission, name):
    message = check.explain(submission)
    assert message is not None and f"Diagnosis ({name})" in message, message


# -- the notebooks' hidden edge cases -------------------------------------------------

def _temperature_after_softmax(logits, t, top_k=None):
    if top_k is not None:
        cut = np.sort(logits)[-top_k]
        logits = np.where(logits >= cut, logits, -np.inf)
    p = np.exp(logits - logits.max())
    return (p / p.sum()) / max(t, 1e-12)


def test_extreme_temperatures_are_handled_and_checked():
    logits = np.array([2.0, 1.0, 0.5, -1.0, 3.0])
    cases = [Case("a tiny temperature", (logits, 1e-6, None)),
             Case("a huge temperature", (logits, 1e6, 3)),
             Case("greedy", (logits, 0.0, None))]
    check = information.check_next_token_distribution
    assert check.explain(check.reference, cases=cases, hidden=True) is None

    def naive(z, t, k=None):           # softmax(z / T) without subtracting the maximum
        e = np.exp(z / t)
        return e / e.sum()

    assert check.explain(naive, cases=cases[:1], hidden=True) is not None
    message = check.explain(_temperature_after_softmax)
    assert "Diagnosis (temperature applied after softmax)" in message


def test_degenerate_and_zero_probability_sampling():
    check = random_variables.check_sample_categorical
    cases = [Case("a certain outcome", (np.array([0.0, 1.0, 0.0]), 1000)),
             Case("zeros at both ends", (np.array([0.0, 0.3, 0.7, 0.0]), 20_000))]
    correct = lambda p, n, rng: np.searchsorted(np.cumsum(p), rng.uniform(size=n),  # noqa: E731
                                                side="right")
    assert check.explain(correct, cases=cases, hidden=True) is None
    smoothed = lambda p, n, rng: rng.choice(len(p), size=n,  # noqa: E731
                                           p=(p + 0.01) / (p + 0.01).sum())
    message = check.explain(smoothed, cases=cases, hidden=True)
    assert message is not None and "probability is 0" in message


def test_greedy_sampling_is_named_before_the_seed_checks():
    message = information.check_sample_next_tokens.explain(
        lambda z, t, k, n, rng: np.full(n, int(np.argmax(z))))
    assert "Diagnosis (always the most likely token)" in message


def test_posterior_updates_survive_thousands_of_observations():
    check = bayes.check_posterior_after_each
    message = check.explain(bayes._normalise_at_end)
    assert "Diagnosis (underflow from multiplying first)" in message


# -- behaviour of every check ---------------------------------------------------------

@pytest.mark.parametrize("name", sorted(PROBABILITY_CHECKS),
                         ids=lambda n: n.removeprefix("autograder.checks.probability."))
def test_checks_write_nothing_to_stderr_and_keep_global_random_state(name):
    check = PROBABILITY_CHECKS[name]
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        check.explain(check.reference)
        for mistake in check.known_mistakes:
            check.explain(check.mistake_demo(mistake))
    assert err.getvalue() == ""
    assert np.array_equal(np.random.get_state()[1], before), "a check moved NumPy's global state"


def test_fit_is_compared_with_a_reference_run_of_gradient_descent():
    # The exercise asks for `steps` full-batch gradient steps from zeros: a run that
    # stops early, or another optimiser, fails, even where it converges to the same
    # maximum-likelihood scores.
    def plain_descent(winners, losers, k, lr, steps, every=None, momentum=0.0):
        s, velocity = np.zeros(k), np.zeros(k)
        rng = np.random.default_rng(0)
        for _ in range(steps):
            batch = slice(None) if every is None else rng.integers(0, len(winners), every)
            velocity = momentum * velocity + preferences._vector_gradient(
                s, winners[batch], losers[batch])
            s -= lr * velocity
        return s                                  # the gradient sums to 0: the mean stays 0

    def newton(winners, losers, k, lr, steps):
        return preferences.bt_mle(winners, losers, k)

    check = preferences.check_fit_bradley_terry
    assert check.explain(plain_descent) is None
    too_few = lambda winners, losers, k, lr, steps: plain_descent(winners, losers, k, lr, 3)  # noqa: E731
    assert "not the maximum-likelihood scores" in check.explain(too_few)
    one_less = lambda w, lo, k, lr, steps: plain_descent(w, lo, k, lr, steps - 1)  # noqa: E731
    assert "exactly 3 gradient steps" in check.explain(one_less)
    for wrong in (newton,
                  lambda w, lo, k, lr, steps: plain_descent(w, lo, k, lr, steps, momentum=0.5),
                  lambda w, lo, k, lr, steps: plain_descent(w, lo, k, lr, steps, every=64)):
        assert check.explain(wrong) is not None
