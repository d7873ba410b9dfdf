"""Checks for 03_probability/04_bayes: base rates, updating, the Beta-Binomial model.

Oracles count natural frequencies with exact fractions, loop over hypotheses,
or evaluate the Beta density term by term with math.lgamma; none is the
notebook's vectorised solution.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake

# ---------------------------------------------------------------------------
# Exercise 4.1: a positive test result
# ---------------------------------------------------------------------------


def _positive_test_posterior(prevalence, sensitivity, specificity):
    # Natural frequencies, exactly: out of everyone, who tests positive, and who of those is ill?
    prev, sens, spec = (Fraction(str(v)) for v in (prevalence, sensitivity, specificity))
    ill_and_positive = prev * sens
    well_and_positive = (1 - prev) * (1 - spec)
    return float(ill_and_positive / (ill_and_positive + well_and_positive))


check_positive_test_posterior = FunctionCheck(
    "positive_test_posterior", _positive_test_posterior,
    [Case("prevalence 1%, sensitivity 90%, specificity 95%", (0.01, 0.9, 0.95)),
     Case("prevalence 30%, sensitivity 80%, specificity 90%", (0.3, 0.8, 0.9)),
     Case("prevalence 0.1%, sensitivity 99%, specificity 99%", (0.001, 0.99, 0.99))],
    mistakes=[
        Mistake("P(positive | ill) confused with P(ill | positive)",
                "You returned the sensitivity, P(positive | ill): how often an ill person tests "
                "positive. The question is the reverse, P(ill | positive): how often a person "
                "who tests positive is ill. When the illness is rare, most positives come from "
                "the many healthy people, so the two can be very different.",
                "Count, out of everyone, the ill who test positive and the healthy who test "
                "positive; the answer is the first count over the total.",
                variant=lambda prev, sens, spec: sens),
        Mistake("ignored the base rate",
                "Your answer does not depend on the prevalence: it treats being ill and being "
                "healthy as equally likely before the test. Before any test, a random person "
                "is ill with probability equal to the prevalence, and that prior matters most "
                "when it is small.",
                "Weight sensitivity by the prevalence and the false-positive rate by "
                "(1 - prevalence).",
                variant=lambda prev, sens, spec: sens / (sens + 1 - spec)),
        Mistake("specificity used as the false-positive rate",
                "You used the specificity where the false-positive rate belongs. Specificity is "
                "P(negative | healthy); a healthy person tests positive with probability "
                "1 - specificity.",
                "The healthy who test positive: (1 - prevalence) * (1 - specificity).",
                variant=lambda prev, sens, spec: sens * prev / (sens * prev + spec * (1 - prev))),
        Mistake("P(positive), not P(ill | positive)",
                "You returned the probability of a positive test, P(positive). That is the "
                "denominator of Bayes' rule; divide the ill-and-positive part by it.",
                "P(ill | positive) = P(ill and positive) / P(positive).",
                variant=lambda prev, sens, spec: sens * prev + (1 - spec) * (1 - prev)),
    ],
    hint="P(ill | +) = prevalence * sensitivity / (prevalence * sensitivity + "
         "(1 - prevalence) * (1 - specificity)).")

# ---------------------------------------------------------------------------
# Exercise 4.2: one Bayesian update over a list of hypotheses
# ---------------------------------------------------------------------------


def _bayes_update(prior, likelihood):
    joint = [p * q for p, q in zip(prior.tolist(), likelihood.tolist(), strict=True)]
    total = math.fsum(joint)
    return np.array([j / total for j in joint])


def _update_cases(rng):
    return [Case("3 hypotheses, prior [0.5, 0.3, 0.2], likelihood [0.1, 0.4, 0.8]",
                 (np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.4, 0.8]))),
            Case("5 hypotheses, a random prior and likelihood",
                 (rng.dirichlet(np.ones(5)), rng.uniform(0.05, 1.0, 5))),
            Case("a hypothesis with prior 0, prior [0.6, 0, 0.4], likelihood [0.2, 0.9, 0.5]",
                 (np.array([0.6, 0.0, 0.4]), np.array([0.2, 0.9, 0.5])))]


check_bayes_update = FunctionCheck(
    "bayes_update", _bayes_update, _update_cases,
    mistakes=[
        Mistake("not normalised",
                "Your numbers are prior * likelihood, which do not sum to 1. They are "
                "proportional to the posterior; dividing by their sum (the probability of "
                "the evidence) makes them a distribution.",
                "Divide by the sum of prior * likelihood.",
                variant=lambda p, q: p * q),
        Mistake("ignored the prior",
                "Your posterior is the normalised likelihood, as if every hypothesis had been "
                "equally likely beforehand. The likelihood says how well each hypothesis "
                "explains the evidence; the posterior also weighs how plausible it was before.",
                "Multiply the prior by the likelihood before normalising.",
                variant=lambda p, q: q / q.sum()),
        Mistake("divided by the likelihood",
                "You divided the prior by the likelihood. Evidence that a hypothesis explains "
                "well should make it *more* probable: multiply.",
                "posterior is proportional to prior * likelihood.",
                variant=lambda p, q: (p / q) / (p / q).sum()),
    ],
    hint="posterior = prior * likelihood / sum(prior * likelihood).")

# ---------------------------------------------------------------------------
# Exercise 4.3: updating after each observation
# ---------------------------------------------------------------------------


def _posterior_after_each(prior, likelihoods):
    rows = [prior.tolist()]
    for lik in likelihoods.tolist():
        joint = [p * q for p, q in zip(rows[-1], lik, strict=True)]
        total = sum(joint)
        rows.append([j / total for j in joint])
    return np.array(rows)


def _posterior_in_logs(prior, likelihoods):
    # A second correct method: cumulative log-likelihoods, normalised by log-sum-exp.
    with np.errstate(divide="ignore"):
        logs = np.vstack([np.log(prior), np.log(prior) + np.cumsum(np.log(likelihoods), axis=0)])
    logs = logs - logs.max(axis=1, keepdims=True)
    weights = np.exp(logs)
    return weights / weights.sum(axis=1, keepdims=True)


def _flip_likelihoods(flips, biases):
    """(T, K): P(flip t | coin k) for coins whose heads probabilities are `biases`."""
    return np.where(flips[:, None] == 1, biases[None, :], 1.0 - biases[None, :])


def _sequence_cases(rng):
    biases = np.array([0.5, 0.7, 0.9])
    few = (rng.uniform(size=10) < 0.7).astype(int)
    many = (rng.uniform(size=2000) < 0.7).astype(int)   # the plain product underflows by ~1300
    return [Case("3 coins (0.5, 0.7, 0.9), uniform prior, 10 flips",
                 (np.full(3, 1 / 3), _flip_likelihoods(few, biases))),
            Case("2 hypotheses, prior [0.9, 0.1], 4 observations",
                 (np.array([0.9, 0.1]), np.array([[0.2, 0.6], [0.5, 0.5], [0.9, 0.3],
                                                  [0.1, 0.8]]))),
            Case("3 coins, uniform prior, 2000 flips",
                 (np.full(3, 1 / 3), _flip_likelihoods(many, biases)))]


def _normalise_at_end(prior, lik):
    joint = np.vstack([prior, prior * np.cumprod(lik, axis=0)])
    return joint / joint.sum(axis=1, keepdims=True)


check_posterior_after_each = FunctionCheck(
    "posterior_after_each", _posterior_after_each, _sequence_cases,
    reference=_posterior_in_logs,
    mistakes=[
        Mistake("the prior row is missing",
                "Your result has T rows; it needs T + 1, starting with the prior itself "
                "(the belief after 0 observations).",
                "Start the list of rows with the prior.",
                variant=lambda p, lik: _normalise_at_end(p, lik)[1:]),
        Mistake("underflow from multiplying first",
                "You multiplied all the likelihoods together and normalised at the end. After "
                "a few hundred observations the product of numbers below 1 is smaller than "
                "the smallest float64 (about 1e-308), becomes 0, and 0 / 0 gives NaN. "
                "Normalising after every update keeps the numbers in range, and gives the same "
                "answer on paper.",
                "Update one observation at a time with your bayes_update, which normalises.",
                variant=_normalise_at_end),
        Mistake("never normalised",
                "Your rows are products of prior and likelihoods that were never divided by "
                "their sums, so they are not probabilities (and they shrink towards 0).",
                "Normalise every row.",
                variant=lambda p, lik: np.vstack([p, p * np.cumprod(lik, axis=0)])),
    ],
    hint="Keep the current belief; for each row of likelihoods, update it with bayes_update "
         "and store it.")

# ---------------------------------------------------------------------------
# Exercise 4.4: the Beta density
# ---------------------------------------------------------------------------


def _beta_pdf(x, a, b):
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    return np.array([math.exp(log_norm + (a - 1) * math.log(v) + (b - 1) * math.log1p(-v))
                     for v in x.tolist()])


def _beta_cases(rng):
    grid = np.linspace(0.05, 0.95, 10)
    return [Case("x = 0.05 .. 0.95, a = 2, b = 5", (grid, 2.0, 5.0)),
            Case("x = 0.05 .. 0.95, a = 8.5, b = 3.2", (grid, 8.5, 3.2)),
            Case("5 random x, a = 1, b = 1 (uniform)", (rng.uniform(0.01, 0.99, 5), 1.0, 1.0)),
            Case("x = 0.3, 0.6, a = 120, b = 80 (a sharp peak)",
                 (np.array([0.3, 0.6]), 120.0, 80.0))]


def _beta_gamma(x, a, b):
    return (math.gamma(a + b) / (math.gamma(a) * math.gamma(b))) * x ** (a - 1) * (1 - x) ** (b - 1)


check_beta_pdf = FunctionCheck(
    "beta_pdf", _beta_pdf, _beta_cases, rtol=1e-8, atol=1e-12,
    mistakes=[
        Mistake("the density is not normalised",
                "You returned x^(a-1) (1-x)^(b-1) without the normalising constant. Its area "
                "is the Beta function B(a, b), not 1, so it is not a probability density.",
                "Multiply by Gamma(a + b) / (Gamma(a) Gamma(b)); compute it as "
                "exp(lgamma(a + b) - lgamma(a) - lgamma(b)).",
                variant=lambda x, a, b: x ** (a - 1) * (1 - x) ** (b - 1)),
        Mistake("exponents a and b instead of a - 1 and b - 1",
                "Your exponents are one too large. The Beta(a, b) density is proportional to "
                "x^(a-1) (1-x)^(b-1); with a = b = 1 it must be flat (the uniform distribution).",
                "Use the exponents a - 1 and b - 1.",
                variant=lambda x, a, b: math.exp(math.lgamma(a + b) - math.lgamma(a)
                                                 - math.lgamma(b)) * x ** a * (1 - x) ** b),
        Mistake("the normaliser upside down",
                "You multiplied by B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b) instead of "
                "dividing by it.",
                "Multiply by Gamma(a + b) / (Gamma(a) Gamma(b)).",
                variant=lambda x, a, b: math.exp(math.lgamma(a) + math.lgamma(b)
                                                 - math.lgamma(a + b)) * x ** (a - 1)
                * (1 - x) ** (b - 1)),
        Mistake("Gamma overflows",
                "math.gamma(n) overflows for n above about 171, so Gamma(a + b) / (Gamma(a) "
                "Gamma(b)) fails (or gives inf / inf = NaN) once a + b is large, which "
                "happens after a couple of hundred coin flips.",
                "Work with logarithms: exp(lgamma(a + b) - lgamma(a) - lgamma(b) + "
                "(a - 1) log x + (b - 1) log(1 - x)).",
                variant=_beta_gamma),
    ],
    hint="Beta(a, b) density: Gamma(a+b) / (Gamma(a) Gamma(b)) * x^(a-1) * (1-x)^(b-1).")

# ---------------------------------------------------------------------------
# Exercise 4.5: the Beta-Binomial update
# ---------------------------------------------------------------------------


def _beta_binomial_update(a, b, flips):
    heads = sum(1 for f in flips.tolist() if f == 1)
    return a + heads, b + (len(flips) - heads)


check_beta_binomial_update = FunctionCheck(
    "beta_binomial_update", _beta_binomial_update,
    lambda rng: [Case("prior Beta(1, 1), flips [1, 1, 0, 1, 0, 1, 1]",
                      (1.0, 1.0, np.array([1, 1, 0, 1, 0, 1, 1]))),
                 Case("prior Beta(2, 5), 20 random flips",
                      (2.0, 5.0, (rng.uniform(size=20) < 0.3).astype(int))),
                 Case("prior Beta(0.5, 0.5), flips [0, 0, 0]", (0.5, 0.5, np.array([0, 0, 0])))],
    mistakes=[
        Mistake("heads and tails swapped",
                "You added the heads to b and the tails to a. In Beta(a, b) for the probability "
                "of heads, a counts heads (plus the prior's) and b counts tails.",
                "a + number of heads, b + number of tails.",
                variant=lambda a, b, f: (a + (len(f) - f.sum()), b + f.sum())),
        Mistake("added every flip to both",
                "You added the number of flips to both a and b. Each flip is one head or one "
                "tail, so it adds 1 to exactly one of them.",
                "a + heads, b + (flips - heads).",
                variant=lambda a, b, f: (a + len(f), b + len(f))),
        Mistake("tails not counted",
                "You added the heads to a but left b unchanged. Tails are evidence too: each "
                "one adds 1 to b.",
                "b + (number of flips - number of heads).",
                variant=lambda a, b, f: (a + f.sum(), b)),
    ],
    dtype=None,
    hint="The posterior is Beta(a + heads, b + tails).")
