"""What the statistical checks of stage 03 share: seeded-randomness discipline and tolerances.

A check on a random procedure must be deterministic (the same submission always
gets the same verdict) and fair (every correct implementation passes, not just
the one that consumes the generator in the same order as ours). So:

- The learner's function receives a generator made from a fixed seed; the
  verdict is a function of the submission alone.
- Tolerances are derived, not guessed. For a mean, TOL_SE standard errors
  (6: a correct sampler fails with probability about 2e-9 under the normal
  approximation). For a whole distribution, the Dvoretzky-Kiefer-Wolfowitz
  inequality with Massart's constant: P(sup_x |F_n(x) - F(x)| > eps) <=
  2 exp(-2 n eps^2) for *any* distribution and any n, so eps =
  sqrt(ln(2 / FALSE_ALARM) / (2 n)) fails a correct sampler with probability
  at most FALSE_ALARM = 1e-9, whatever order it draws its numbers in.
- Sample sizes are chosen so that each registered mistake sits at least
  three tolerances away from the truth: it fails for every seed, by far.
  tests/checks/test_probability_statistics.py re-runs every statistical check
  over many seeds to prove both claims.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import randomness
from ..core import Context
from ..randomness import as_float_samples, call_quietly, rng_mistakes  # noqa: F401 - shared
from ..spec import Case, Mistake

FALSE_ALARM = 1e-9   # the most often a correct sampler may fail a distribution check
TOL_SE = 6.0         # tolerance of a mean-like statistic, in standard errors
CHECK_SEED = 20240   # the generator handed to the learner's sampler
OTHER_SEED = 20241   # a second seed, to show that the output depends on the seed


def dkw_epsilon(n: int, false_alarm: float = FALSE_ALARM) -> float:
    """The DKW bound: sup|F_n - F| > eps has probability <= false_alarm, for n samples.

    n: number of samples. Returns eps = sqrt(ln(2 / false_alarm) / (2 n)).
    For false_alarm = 1e-9: 0.0231 at n = 20000, 0.0146 at n = 50000.
    """
    return math.sqrt(math.log(2.0 / false_alarm) / (2.0 * n))


def ks_distance(samples: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray]) -> float:
    """sup_x |F_n(x) - F(x)| for a continuous F, where F_n is the empirical CDF.

    samples: (n,) floats. cdf: vectorised F. The supremum is reached at a sample
    point, just before or just after the empirical CDF jumps there.
    """
    x = np.sort(np.asarray(samples, dtype=float).ravel())  # (n,)
    n = x.size
    f = cdf(x)                                             # (n,)
    after = np.arange(1, n + 1) / n                        # F_n at x_(i)
    before = np.arange(0, n) / n                           # F_n just below x_(i)
    return float(max(np.max(after - f), np.max(f - before)))


def discrete_cdf_distance(samples: np.ndarray, probs: np.ndarray) -> float:
    """sup_k |F_n(k) - F(k)| for samples of a categorical distribution on 0 .. K-1.

    samples: (n,) ints in 0 .. K-1. probs: (K,) probabilities summing to 1.
    """
    k = len(probs)
    freq = np.bincount(np.asarray(samples).ravel(), minlength=k)[:k] / np.size(samples)
    return float(np.max(np.abs(np.cumsum(freq) - np.cumsum(probs))))


def fmt_tol(value: float, target: float, tol: float) -> str:
    """'0.5123 (expected 0.5 +- 0.0042)'."""
    return f"{value:.4g} (expected {target:.4g} +- {tol:.2g})"


# -- seeded-randomness discipline (shared with stage 08: autograder/checks/randomness.py) -----

def verify_rng_discipline(ctx: Context, fn: Callable, make_case: Callable[[int], Case],
                          mistakes: tuple[Mistake, Mistake, Mistake]) -> Any:
    """randomness.verify_rng_discipline with this module's CHECK_SEED and OTHER_SEED.

    The seeds are read at each call, so a test may change them.
    """
    return randomness.verify_rng_discipline(ctx, fn, make_case, mistakes,
                                            (CHECK_SEED, OTHER_SEED))


def as_int_samples(ctx: Context, out, n: int, k: int, name: str) -> np.ndarray:
    """`out` as an int array of shape (n,) with values in 0 .. k-1, or a clear failure."""
    ctx.require(isinstance(out, np.ndarray), f"{name} should return a NumPy array",
                [f"got {type(out).__name__}"],
                hint="Return the array of samples (rng.integers and np.searchsorted give arrays).")
    arr = np.asarray(out)
    ctx.require(arr.shape == (n,), f"{name} should return {n} samples, shape ({n},)",
                [f"got shape {arr.shape}"])
    ctx.require(arr.dtype.kind in "iu", f"{name} should return integer category indices",
                [f"got dtype {arr.dtype}"],
                hint="Category k is the integer k; convert with .astype(int) if needed.")
    ctx.require(bool(arr.min() >= 0 and arr.max() < k),
                f"every sample should be a category index between 0 and {k - 1}",
                [f"got values from {arr.min()} to {arr.max()}"])
    return arr
