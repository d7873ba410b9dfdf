"""The exact bootstrap distribution of a mean, for results on a grid (accuracies out of n_test).

A bootstrap resample draws n values with replacement from the n results, so its sum
is the sum of n independent draws from the results' empirical distribution. When
the results are multiples of a step (test accuracies are multiples of 1 / n_test),
that distribution lives on a grid, and the n-fold sum's distribution is the n-fold
convolution of the one-draw distribution: exact, with no resampling noise. The
Monte Carlo bootstrap of notebook 08/01 should agree with it up to its own noise,
which is how the checks judge it (SciPy's ``stats.bootstrap`` is not a dependency).

    support, probs = exact_bootstrap_mean(values, step=0.001)
    low, high = exact_quantiles(support, probs, [0.025, 0.975])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _on_grid(values: np.ndarray, step: float) -> np.ndarray:
    k = np.round(values / step)
    if not np.allclose(k * step, values, rtol=0, atol=step * 1e-6):
        raise ValueError(f"the values are not multiples of step={step}; give the step they "
                         "are measured in (for accuracies out of 1000 test points: 0.001)")
    return k.astype(np.int64)


def _sum_pmf(k: np.ndarray, n_draws: int) -> tuple[int, np.ndarray]:
    """(lowest sum, pmf) of the sum of n_draws draws with replacement from the ints k."""
    lo = int(k.min())
    one = np.bincount(k - lo).astype(float) / k.size        # pmf of one draw, offset by lo
    pmf = np.array([1.0])
    for _ in range(n_draws):
        pmf = np.convolve(pmf, one)
    return lo * n_draws, pmf


def exact_bootstrap_mean(values: Sequence[float] | np.ndarray,
                         step: float) -> tuple[np.ndarray, np.ndarray]:
    """The exact bootstrap distribution of the mean of `values`.

    values: (n,) results, each a multiple of `step`. Returns (support, probs), both of
    shape (m,): the possible resample means in increasing order and their probabilities.
    """
    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0:
        raise ValueError("there are no values to resample")
    lo, pmf = _sum_pmf(_on_grid(v, step), v.size)
    support = (lo + np.arange(pmf.size)) * step / v.size
    keep = pmf > 0
    return support[keep], pmf[keep]


def exact_bootstrap_difference(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray,
                               step: float, paired: bool) -> tuple[np.ndarray, np.ndarray]:
    """The exact bootstrap distribution of mean(b) - mean(a).

    a, b: (n,) results of two configurations on the same n seeds, multiples of `step`.
    paired=True resamples seeds (pairs) together; paired=False resamples a and b apart.
    Returns (support, probs) of shape (m,).
    """
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"a and b must be non-empty and of the same length; got {a.size} "
                         f"and {b.size}")
    if paired:
        return exact_bootstrap_mean(b - a, step)
    n = a.size
    lo_a, pmf_a = _sum_pmf(_on_grid(a, step), n)
    lo_b, pmf_b = _sum_pmf(_on_grid(b, step), n)
    pmf = np.convolve(pmf_b, pmf_a[::-1])                   # sum_b - sum_a
    lo = lo_b - (lo_a + pmf_a.size - 1)
    support = (lo + np.arange(pmf.size)) * step / n
    keep = pmf > 1e-300
    return support[keep], pmf[keep] / pmf[keep].sum()


def exact_quantiles(support: np.ndarray, probs: np.ndarray,
                    q: Sequence[float] | np.ndarray) -> np.ndarray:
    """The smallest support points whose cumulative probability reaches each q: shape (len(q),)."""
    cdf = np.cumsum(probs)
    idx = np.searchsorted(cdf, np.asarray(q, dtype=float) - 1e-12, side="left")
    return support[np.minimum(idx, support.size - 1)]


def sign_flip_p_value(differences: Sequence[float] | np.ndarray, n_flips: int,
                      rng: np.random.Generator) -> float:
    """Two-sided p-value of "the mean difference is 0" by random sign flips (a paired test).

    differences: (n,) per-seed differences b - a. Under the null hypothesis each
    difference is as likely to have either sign, so the observed |mean| is compared
    with the |mean| of n_flips random sign flips. Returns a float in (0, 1].
    """
    d = np.asarray(differences, dtype=float).ravel()
    signs = rng.choice([-1.0, 1.0], size=(n_flips, d.size))    # (n_flips, n)
    flipped = np.abs((signs * d).mean(axis=1))                   # (n_flips,)
    observed = abs(d.mean())
    return float((1 + np.sum(flipped >= observed - 1e-12)) / (n_flips + 1))
