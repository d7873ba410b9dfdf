"""Checks for 03_probability/03_limit_theorems: running means, the CLT, KS distance, intervals.

Oracles are plain loops, `math.erfc` and brute-force evaluation of the
empirical CDF. The sample-means experiment is checked statistically with
tolerances of 6 standard errors (see :mod:`.shared`).
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from . import shared

# ---------------------------------------------------------------------------
# Exercise 3.1: running means
# ---------------------------------------------------------------------------


def _running_mean(x):
    out, total = [], 0.0
    for i, v in enumerate(x.tolist(), 1):
        total += v
        out.append(total / i)
    return np.array(out)


check_running_mean = FunctionCheck(
    "running_mean", _running_mean,
    lambda rng: [Case("x = [2, 4, 6, 8]", (np.array([2.0, 4.0, 6.0, 8.0]),)),
                 Case("10 die rolls", (rng.integers(1, 7, 10).astype(float),)),
                 Case("a single number", (np.array([5.0]),))],
    mistakes=[
        Mistake("divided by the index from 0",
                "You divided the k-th cumulative sum by k counting from 0 (np.arange(n)), so the "
                "first entry divides by zero and every other one uses one fewer number than "
                "it averages.",
                "After i numbers the sum is divided by i = 1, 2, ..., n: np.arange(1, n + 1).",
                variant=lambda x: np.cumsum(x) / np.arange(len(x))),
        Mistake("divided by n",
                "You divided every cumulative sum by the total count n. Only the last entry "
                "is then a mean; the first ones are far too small.",
                "Divide the i-th cumulative sum by i.",
                variant=lambda x: np.cumsum(x) / len(x)),
        Mistake("the running sum",
                "You returned the cumulative sums, without dividing.",
                "Divide the i-th cumulative sum by the number of values in it.",
                variant=lambda x: np.cumsum(x)),
    ],
    hint="np.cumsum(x) gives the running totals; divide by how many numbers each contains.")

# ---------------------------------------------------------------------------
# Exercise 3.2: the means of many samples
# ---------------------------------------------------------------------------


def draw_exponential(rng: np.random.Generator, size) -> np.ndarray:
    """Exponential(1) draws of the given shape (mean 1, standard deviation 1)."""
    return rng.exponential(1.0, size=size)


def _sample_means_reference(draw, n, repeats, rng):
    # One sample per *column* (the notebook uses rows): a different, equally correct layout.
    return draw(rng, (n, repeats)).mean(axis=0)


SM_N, SM_REPEATS = 10, 20_000
SM_RNG_MISTAKES = shared.rng_mistakes(
    unseeded=lambda d, n, r, rng: d(np.random.default_rng(), (r, n)).mean(axis=1),
    seed_ignored=lambda d, n, r, rng: d(np.random.default_rng(0), (r, n)).mean(axis=1),
    global_state=lambda d, n, r, rng: np.random.exponential(1.0, (r, n)).mean(axis=1))
SM_WRONG_AXIS = Mistake(
    "averaged over the wrong axis",
    "You returned one number per *position* in a sample (averaging down the repeats, axis 0) "
    "instead of one mean per sample. With draws of shape (repeats, n), each row is one "
    "sample of size n.",
    "Average each row: axis=1.",
    example=lambda d, n, r, rng: d(rng, (r, n)).mean(axis=0))
SM_SUM = Mistake(
    "sums, not means",
    "Your numbers are about n times too big: sums of each sample rather than means.",
    "Divide by n, or use .mean(axis=1).",
    example=lambda d, n, r, rng: d(rng, (r, n)).sum(axis=1))
SM_SINGLE = Mistake(
    "single draws, not means",
    "Your numbers spread as much as single draws do (standard deviation about 1 here), not "
    "as much as means of n draws (about 1 / sqrt(n)). Each entry should average n draws.",
    "Draw an array of shape (repeats, n) and average each row.",
    example=lambda d, n, r, rng: d(rng, r))


def _verify_sample_means(fn, ctx: Context) -> None:
    cases = ctx.cases or [Case(f"exponential draws (mean 1, sd 1), n={SM_N}, "
                               f"repeats={SM_REPEATS}", (draw_exponential, SM_N, SM_REPEATS))]
    for i, case in enumerate(cases):
        draw, n, repeats = case.args

        def make(seed, draw=draw, n=n, repeats=repeats, label=case.label):
            return Case(f"{label}, rng=np.random.default_rng({seed})",
                        (draw, n, repeats, np.random.default_rng(seed)))

        if i == 0:
            out = shared.verify_rng_discipline(ctx, fn, make, SM_RNG_MISTAKES)
        else:
            out = shared.call_quietly(ctx, fn, make(shared.CHECK_SEED))
        if isinstance(out, np.ndarray) and out.shape == (n,) and n != repeats:
            ctx.fail(f"sample_means should return {repeats} means, shape ({repeats},)",
                     [f"got shape {out.shape}"], mistake=SM_WRONG_AXIS)
        m = shared.as_float_samples(ctx, out, (repeats,), "sample_means")
        # The draws in the default case are exponential(1): mean 1 and sd 1. The mean of
        # the means has standard error 1 / sqrt(n * repeats) = 0.0022 (tolerance 0.013).
        # Their standard deviation should be 1 / sqrt(n) = 0.316; its standard error is
        # about (sd / 2) * sqrt((kurtosis - 1) / repeats) = 0.0018 (kurtosis of a mean of
        # 10 exponentials: 3.6), so the tolerance 6 * 0.0018 is 0.011. Sums sit at 10,
        # single draws spread 1.0: both hundreds of standard errors away.
        mu, sd = 1.0, 1.0 / math.sqrt(n)
        tol_mu = shared.TOL_SE * 1.0 / math.sqrt(n * repeats)
        sums = n > 1 and abs(m.mean() - n * mu) <= n * tol_mu
        ctx.require(not sums, "your means average about n times the true mean",
                    [f"the average of your {repeats} values is {m.mean():.4g}; the mean of one "
                     f"draw is {mu:g} and n = {n}"], mistake=SM_SUM)
        # The spread before the centre: single draws (instead of means) have the right
        # centre but spread sqrt(n) times too much, and their average is noisier too.
        if repeats >= 1000:
            kurt = 3.0 + 6.0 / n                               # of a mean of n exponentials
            tol_sd = shared.TOL_SE * (sd / 2) * math.sqrt((kurt - 1) / repeats)
            ctx.require(abs(m.std() - sd) <= tol_sd,
                        "your means spread by the wrong amount",
                        [f"their standard deviation is {shared.fmt_tol(m.std(), sd, tol_sd)}; "
                         "the mean of n draws varies 1/sqrt(n) as much as one draw"],
                        mistake=SM_SINGLE if n > 1 and abs(m.std() - 1.0) <= 0.05 else None,
                        hint="Each entry must be the mean of its own n fresh draws.")
        ctx.require(abs(m.mean() - mu) <= tol_mu, "your means do not average to the true mean",
                    [f"the average of your {repeats} means is "
                     f"{shared.fmt_tol(m.mean(), mu, tol_mu)}"])


check_sample_means = CustomCheck(
    "sample_means", _verify_sample_means, reference=_sample_means_reference,
    hint='Draw all the numbers at once from the rng you were given, shape (n_means, n), '
         'and average each row: one mean per row of n fresh draws.',
    mistakes=[*SM_RNG_MISTAKES, SM_WRONG_AXIS, SM_SUM, SM_SINGLE])

# ---------------------------------------------------------------------------
# Exercise 3.3: standardising sample means
# ---------------------------------------------------------------------------


def _standardise(means, mu, sigma, n):
    return np.array([(m - mu) / (sigma / math.sqrt(n)) for m in means.tolist()])


check_standardise_means = FunctionCheck(
    "standardise_means", _standardise,
    lambda rng: [Case("5 means of n=25 draws, mu=2, sigma=3",
                      (2.0 + rng.normal(0.0, 0.6, 5), 2.0, 3.0, 25)),
                 Case("4 means of n=100 draws, mu=0, sigma=1",
                      (rng.normal(0.0, 0.1, 4), 0.0, 1.0, 100)),
                 Case("3 means of n=4 draws, mu=1, sigma=0.5",
                      (1.0 + rng.normal(0.0, 0.25, 3), 1.0, 0.5, 4))],
    mistakes=[
        Mistake("forgot the sqrt(n)",
                "You divided by sigma, the spread of a single draw. A mean of n draws spreads "
                "sqrt(n) times less, so its standard deviation is sigma / sqrt(n).",
                "z = (mean - mu) / (sigma / sqrt(n)).",
                variant=lambda m, mu, s, n: (m - mu) / s),
        Mistake("divided by sigma / n",
                "You divided by sigma / n. The *variance* of a mean shrinks like 1/n; its "
                "standard deviation shrinks like 1/sqrt(n).",
                "z = (mean - mu) / (sigma / sqrt(n)).",
                variant=lambda m, mu, s, n: (m - mu) / (s / n)),
        Mistake("multiplied by sigma",
                "You multiplied by the standard error instead of dividing by it.",
                "Standardising divides by the spread: z = (mean - mu) / (sigma / sqrt(n)).",
                variant=lambda m, mu, s, n: (m - mu) * s / math.sqrt(n)),
    ],
    hint="Subtract the mean of the sample mean (mu) and divide by its standard deviation, "
         "sigma / sqrt(n).")

# ---------------------------------------------------------------------------
# Exercise 3.4: the standard normal CDF
# ---------------------------------------------------------------------------


def _normal_cdf(z):
    return np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in z.tolist()])


check_normal_cdf = FunctionCheck(
    "normal_cdf", _normal_cdf,
    lambda rng: [Case("z = -3, -2, ..., 3", (np.arange(-3.0, 4.0),)),
                 Case("6 random z", (rng.normal(0.0, 1.5, 6),))],
    rtol=1e-7, atol=1e-12,
    mistakes=[
        Mistake("erf without the sqrt(2)",
                "You computed 0.5 * (1 + erf(z)). The error function is scaled differently "
                "from the standard normal: Phi(z) = 0.5 * (1 + erf(z / sqrt(2))).",
                "Divide z by sqrt(2) inside erf.",
                variant=lambda z: np.array([0.5 * (1 + math.erf(v)) for v in z])),
        Mistake("forgot the one half",
                "Your values run from 0 to 2: you left out the factor 0.5, so the CDF does not "
                "end at 1.",
                "Phi(z) = 0.5 * (1 + erf(z / sqrt(2))).",
                variant=lambda z: np.array([1 + math.erf(v / math.sqrt(2)) for v in z])),
        Mistake("the density, not the CDF",
                "You returned the density exp(-z^2/2) / sqrt(2 pi): the height of the bell, "
                "not the area under it to the left of z.",
                "The CDF is the area to the left: 0.5 * (1 + erf(z / sqrt(2))).",
                variant=lambda z: np.exp(-z ** 2 / 2) / math.sqrt(2 * math.pi)),
    ],
    hint="Phi(z) = 0.5 * (1 + erf(z / sqrt(2))); math.erf works on one number at a time.")

# ---------------------------------------------------------------------------
# Exercise 3.5: the Kolmogorov-Smirnov distance
# ---------------------------------------------------------------------------


def _ks_distance(samples, cdf):
    values = samples.tolist()
    n = len(values)
    worst = 0.0
    for v in values:
        at = sum(1 for w in values if w <= v) / n        # F_n(v)
        below = sum(1 for w in values if w < v) / n      # F_n just below v
        f = float(np.asarray(cdf(np.array([v])))[0])
        worst = max(worst, abs(at - f), abs(f - below))
    return worst


def uniform_cdf(x: np.ndarray) -> np.ndarray:
    """The CDF of the uniform distribution on [0, 1]."""
    return np.clip(x, 0.0, 1.0)


def _ks_one_sided(samples, cdf):
    x = np.sort(samples)
    return float(np.max(np.arange(1, len(x) + 1) / len(x) - cdf(x)))


def _ks_after_only(samples, cdf):
    x = np.sort(samples)
    return float(np.max(np.abs(np.arange(1, len(x) + 1) / len(x) - cdf(x))))


def _ks_unsorted(samples, cdf):
    n = len(samples)
    return float(max(np.max(np.arange(1, n + 1) / n - cdf(samples)),
                     np.max(cdf(samples) - np.arange(n) / n)))


check_ks_distance = FunctionCheck(
    "ks_distance", _ks_distance,
    lambda rng: [Case("samples [0.1, 0.2, 0.9] against the uniform CDF",
                      (np.array([0.1, 0.2, 0.9]), uniform_cdf)),
                 Case("samples [0.6, 0.7, 0.8, 0.95] against the uniform CDF",
                      (np.array([0.6, 0.7, 0.8, 0.95]), uniform_cdf)),
                 Case("8 random numbers in [0, 1] against the uniform CDF",
                      (rng.uniform(0.0, 1.0, 8), uniform_cdf))],
    rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("only one side of each step",
                "You took the largest gap just *after* each jump of the empirical CDF, "
                "|i/n - F(x_(i))|. The empirical CDF is a staircase: at x_(i) it jumps from "
                "(i-1)/n to i/n, so the largest gap can sit just *before* a jump, where the "
                "staircase is still at (i-1)/n.",
                "Take the larger of max(i/n - F(x_(i))) and max(F(x_(i)) - (i-1)/n).",
                variant=_ks_after_only),
        Mistake("one-sided distance",
                "You measured only where the empirical CDF is *above* the true CDF. The KS "
                "distance is the largest gap in either direction.",
                "Also take max(F(x_(i)) - (i-1)/n) and return the larger of the two.",
                variant=_ks_one_sided),
        Mistake("samples not sorted",
                "You paired the i-th sample with i/n without sorting the samples first. The "
                "empirical CDF at the i-th *smallest* sample is i/n.",
                "Sort first: x = np.sort(samples).",
                variant=_ks_unsorted),
    ],
    hint="Sort the samples; compare F(x_(i)) with both i/n and (i-1)/n; return the largest gap.")

# ---------------------------------------------------------------------------
# Exercise 3.6: a confidence interval for a mean
# ---------------------------------------------------------------------------


def _mean_ci(x, z=1.96):
    values = x.tolist()
    n = len(values)
    mean = math.fsum(values) / n
    s = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    return mean - z * s / math.sqrt(n), mean + z * s / math.sqrt(n)


def _ci_with(spread):
    def ci(x, z=1.96):
        half = z * spread(x)
        return float(x.mean() - half), float(x.mean() + half)
    return ci


check_mean_confidence_interval = FunctionCheck(
    "mean_confidence_interval", _mean_ci,
    lambda rng: [Case("6 numbers", (rng.normal(10.0, 2.0, 6),)),
                 Case("25 numbers, z=2.58 (a 99% interval)", (rng.normal(0.0, 1.0, 25),),
                      {"z": 2.58}),
                 Case("[1, 2, 3, 4]", (np.array([1.0, 2.0, 3.0, 4.0]),))],
    mistakes=[
        Mistake("forgot the sqrt(n)",
                "Your interval is as wide as the spread of single values, z * s. The interval "
                "is for the *mean*, which is sqrt(n) times less uncertain than one value.",
                "half-width = z * s / sqrt(n).",
                variant=_ci_with(lambda x: x.std(ddof=1))),
        Mistake("the variance instead of the standard deviation",
                "You used the variance s^2 where the standard deviation s belongs.",
                "half-width = z * s / sqrt(n), with s = sqrt(sample variance).",
                variant=_ci_with(lambda x: x.var(ddof=1) / math.sqrt(len(x)))),
        Mistake("standard deviation divided by n",
                "Your s divides by n (np.std's default, ddof=0). The sample standard deviation "
                "divides by n - 1; dividing by n makes the interval too narrow, most of all "
                "for small samples.",
                "Use np.std(x, ddof=1).",
                variant=_ci_with(lambda x: x.std() / math.sqrt(len(x)))),
    ],
    hint="mean +- z * s / sqrt(n), with s the sample standard deviation (ddof=1).")
