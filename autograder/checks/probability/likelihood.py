"""Checks for 03_probability/05_maximum_likelihood: log-likelihoods, MLEs, the mean NLL.

Oracles are loops over data points with explicit handling of the 0 * log 0
convention, math.fsum sums, and counting; none is the notebook's solution.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake

# ---------------------------------------------------------------------------
# Exercise 5.1: the Bernoulli log-likelihood
# ---------------------------------------------------------------------------


def _xlogy(count: int, p: float) -> float:
    """count * log(p), with 0 * log(anything) = 0 and count * log(0) = -inf."""
    if count == 0:
        return 0.0
    return -math.inf if p == 0.0 else count * math.log(p)


def _bernoulli_log_likelihood(theta, flips):
    heads = sum(1 for f in flips.tolist() if f == 1)
    tails = len(flips) - heads
    return np.array([_xlogy(heads, t) + _xlogy(tails, 1.0 - t) for t in theta.tolist()])


def _naive_bll(theta, flips):
    h = flips.sum()
    return h * np.log(theta) + (len(flips) - h) * np.log(1 - theta)


check_bernoulli_log_likelihood = FunctionCheck(
    "bernoulli_log_likelihood", _bernoulli_log_likelihood,
    lambda rng: [Case("theta = 0.1, 0.2, ..., 0.9 and 30 flips",
                      (np.linspace(0.1, 0.9, 9), (rng.uniform(size=30) < 0.6).astype(int))),
                 Case("theta = 0, 0.25, 0.5, 0.75, 1 and flips [1, 1, 0, 1]",
                      (np.linspace(0.0, 1.0, 5), np.array([1, 1, 0, 1]))),
                 Case("theta = 0, 0.5, 1 and flips [0, 0, 0] (no heads at all)",
                      (np.array([0.0, 0.5, 1.0]), np.array([0, 0, 0]))),
                 Case("theta = 0, 0.5, 1 and flips [1, 1, 1, 1] (no tails at all)",
                      (np.array([0.0, 0.5, 1.0]), np.array([1, 1, 1, 1])))],
    mistakes=[
        Mistake("log of zero gives NaN",
                "Your result has NaN where theta is 0 or 1 and no flip of the impossible kind "
                "happened. There the likelihood is a product with no factor theta (or no "
                "factor 1 - theta) at all, so the term is 0; but 0 * np.log(0) is "
                "0 * (-inf) = NaN in floating point. Where the impossible did happen, the "
                "log-likelihood is -inf, which is correct.",
                "Only add heads * log(theta) when heads > 0 (and likewise for tails), e.g. "
                "with np.where, or compute the log-likelihood term by term.",
                variant=_naive_bll),
        Mistake("the mean, not the sum",
                "You divided by the number of flips. The log-likelihood of independent flips "
                "is the *sum* of their log-probabilities (the log of a product).",
                "Leave out the division by n.",
                variant=lambda t, f: _bernoulli_log_likelihood(t, f) / len(f)),
        Mistake("heads and tails swapped",
                "You gave each head probability 1 - theta and each tail probability theta; "
                "theta is the probability of heads.",
                "heads * log(theta) + tails * log(1 - theta).",
                variant=lambda t, f: _bernoulli_log_likelihood(1.0 - t, f)),
        Mistake("the likelihood, not its log",
                "You returned the likelihood theta^heads (1 - theta)^tails itself. With many "
                "flips it underflows to 0; its logarithm is what is maximised in practice.",
                "Take logs: heads * log(theta) + tails * log(1 - theta).",
                variant=lambda t, f: np.exp(_bernoulli_log_likelihood(t, f))),
    ],
    hint="log L(theta) = heads * log(theta) + tails * log(1 - theta), with 0 * log(0) = 0.")

# ---------------------------------------------------------------------------
# Exercise 5.2: the Gaussian log-likelihood
# ---------------------------------------------------------------------------


def _gaussian_log_likelihood(x, mu, var):
    return math.fsum(-0.5 * math.log(2 * math.pi * var) - (v - mu) ** 2 / (2 * var)
                     for v in x.tolist())


def _gll_without_normaliser(x, mu, var):
    return float(-((x - mu) ** 2).sum() / (2 * var))


check_gaussian_log_likelihood = FunctionCheck(
    "gaussian_log_likelihood", _gaussian_log_likelihood,
    lambda rng: [Case("5 points, mu = 1, var = 4", (rng.normal(1.0, 2.0, 5), 1.0, 4.0)),
                 Case("8 points, mu = -2, var = 0.25", (rng.normal(-2.0, 0.5, 8), -2.0, 0.25)),
                 Case("[0, 1, 2], mu = 1, var = 1", (np.array([0.0, 1.0, 2.0]), 1.0, 1.0))],
    rtol=1e-9, atol=1e-9,
    mistakes=[
        Mistake("the density is not normalised",
                "You left out the -(1/2) log(2 pi var) of each point: the normalising constant "
                "of the Gaussian density. It depends on the variance, so without it the "
                "log-likelihood always grows as var grows and maximising it over var runs "
                "off to infinity.",
                "Each point contributes -0.5 * log(2 * pi * var) - (x - mu)**2 / (2 * var).",
                variant=_gll_without_normaliser),
        Mistake("var used as a standard deviation",
                "You treated `var` as the standard deviation (squaring it). The argument is "
                "the variance sigma^2 already.",
                "Use var where the formula has sigma^2, without squaring it again.",
                variant=lambda x, mu, v: _gaussian_log_likelihood(x, mu, v ** 2)),
        Mistake("the mean, not the sum",
                "You averaged over the points. The log-likelihood of independent points is "
                "the sum of their log-densities.",
                "Sum over the points instead of averaging.",
                variant=lambda x, mu, v: _gaussian_log_likelihood(x, mu, v) / len(x)),
        Mistake("forgot the 1/2 in the exponent",
                "Your quadratic term is (x - mu)^2 / var; the Gaussian density has "
                "exp(-(x - mu)^2 / (2 var)).",
                "Divide the squared distance by 2 * var.",
                variant=lambda x, mu, v: float(-0.5 * len(x) * np.log(2 * np.pi * v)
                                               - ((x - mu) ** 2).sum() / v)),
    ],
    hint="Sum over points of -0.5 * log(2 pi var) - (x - mu)^2 / (2 var).")

# ---------------------------------------------------------------------------
# Exercise 5.3: the Gaussian maximum-likelihood estimate
# ---------------------------------------------------------------------------


def _gaussian_mle(x):
    values = x.tolist()
    mu = math.fsum(values) / len(values)
    return mu, math.fsum((v - mu) ** 2 for v in values) / len(values)


check_gaussian_mle = FunctionCheck(
    "gaussian_mle", _gaussian_mle,
    lambda rng: [Case("6 points", (rng.normal(3.0, 2.0, 6),)),
                 Case("[1, 2, 3, 6]", (np.array([1.0, 2.0, 3.0, 6.0]),)),
                 Case("30 points", (rng.normal(-1.0, 0.5, 30),))],
    mistakes=[
        Mistake("divided by n - 1",
                "You divided by n - 1: that is the unbiased sample variance of notebook 02, "
                "but not the maximum-likelihood estimate. Setting the derivative of the "
                "log-likelihood with respect to the variance to 0 gives the average squared "
                "deviation, dividing by n. (The MLE is slightly biased, and that is fine: "
                "the two answers differ in their goal.)",
                "Divide by n: np.var(x) with its default ddof=0.",
                variant=lambda x: (float(x.mean()), float(x.var(ddof=1)))),
        Mistake("standard deviation, not variance",
                "Your second number is the standard deviation; the parameter here is the "
                "variance.",
                "Leave out the square root.",
                variant=lambda x: (float(x.mean()), float(x.std()))),
    ],
    hint="mu = mean(x); var = mean((x - mu) ** 2).")

# ---------------------------------------------------------------------------
# Exercise 5.4: the categorical maximum-likelihood estimate
# ---------------------------------------------------------------------------


def _categorical_mle(labels, n_classes):
    counts = [0] * n_classes
    for y in labels.tolist():
        counts[y] += 1
    return np.array([c / len(labels) for c in counts])


def _unique_freqs(labels, k):
    values, counts = np.unique(labels, return_counts=True)
    return counts / counts.sum()


check_categorical_mle = FunctionCheck(
    "categorical_mle", _categorical_mle,
    lambda rng: [Case("labels [0, 2, 2, 1, 2, 0] with 3 classes",
                      (np.array([0, 2, 2, 1, 2, 0]), 3)),
                 Case("labels [3, 0, 3, 3] with 5 classes (classes 1, 2, 4 never seen)",
                      (np.array([3, 0, 3, 3]), 5)),
                 Case("40 random labels with 4 classes", (rng.integers(0, 4, 40), 4))],
    mistakes=[
        Mistake("unseen classes dropped",
                "Your result only has entries for the classes that appear in the data, so it "
                "is too short and its entries are shifted. A class that never appeared still "
                "needs an entry: its maximum-likelihood probability is 0.",
                "np.bincount(labels, minlength=n_classes) counts every class, seen or not.",
                variant=_unique_freqs),
        Mistake("counts, not probabilities",
                "You returned the counts. The estimate is the *fraction* of labels in each "
                "class, which sums to 1.",
                "Divide the counts by the number of labels.",
                variant=lambda y, k: np.bincount(y, minlength=k).astype(float)),
        Mistake("smoothed, not maximum likelihood",
                "You added 1 to every count (Laplace smoothing). That is the posterior mean "
                "under a flat prior, a fine estimate, but not the maximum-likelihood one.",
                "Use the raw counts divided by n.",
                variant=lambda y, k: (np.bincount(y, minlength=k) + 1) / (len(y) + k)),
    ],
    hint="Count each class (np.bincount with minlength) and divide by the number of labels.")

# ---------------------------------------------------------------------------
# Exercise 5.5: the mean negative log-likelihood (cross-entropy loss)
# ---------------------------------------------------------------------------


def _mean_nll(probs, labels):
    rows = probs.tolist()
    terms = []
    for row, y in zip(rows, labels.tolist(), strict=True):
        terms.append(math.inf if row[y] == 0.0 else -math.log(row[y]))
    return math.fsum(terms) / len(terms) if math.inf not in terms else math.inf


def _nll_cases(rng):
    logits = rng.normal(size=(6, 4))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return [Case("3 examples, 3 classes",
                 (np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]]),
                  np.array([0, 1, 0]))),
            Case("6 examples, 4 classes", (probs, rng.integers(0, 4, 6))),
            Case("4 examples, 2 classes",
                 (np.array([[0.9, 0.1], [0.4, 0.6], [0.5, 0.5], [0.2, 0.8]]),
                  np.array([0, 1, 1, 0]))),
            Case("a true label given probability 0 (the loss is inf)",
                 (np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]]), np.array([2, 1])))]


check_mean_nll = FunctionCheck(
    "mean_nll", _mean_nll, _nll_cases,
    mistakes=[
        Mistake("probs[labels] picks rows",
                "probs[labels] selects whole *rows* (one per label value), not one entry per "
                "example. You need, for example i, the entry in row i and column labels[i].",
                "Index both axes: probs[np.arange(n), labels].",
                variant=lambda p, y: float(-np.log(p[y]).mean())),
        Mistake("the sum, not the mean",
                "You summed over the examples; the loss is their average, so that it does not "
                "grow with the batch size.",
                "Divide by the number of examples (or use .mean()).",
                variant=lambda p, y: float(-np.log(p[np.arange(len(y)), y]).sum())),
        Mistake("averaged over every class",
                "You averaged -log(probs) over all the entries, not just the probability of the "
                "correct class in each row.",
                "Pick one entry per row: probs[np.arange(n), labels].",
                variant=lambda p, y: float(-np.log(p).mean())),
        Mistake("the log-likelihood, not its negative",
                "Your number is negative: the mean log-likelihood. The loss is its negative, "
                "so that lower is better and a perfect model scores 0.",
                "Put a minus sign in front.",
                variant=lambda p, y: float(np.log(p[np.arange(len(y)), y]).mean())),
    ],
    hint="Pick each example's probability of its own label, take the log, average, and "
         "negate: -mean(log(probs[np.arange(n), labels])).")
