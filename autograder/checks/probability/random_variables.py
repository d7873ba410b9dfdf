"""Checks for 03_probability/01_random_variables: PMFs, densities, CDFs and sampling.

Oracles are plain loops over outcomes or `math` functions, never the
notebook's vectorised solutions. The samplers are checked statistically with
tolerances derived in :mod:`.shared`: a correct sampler passes for every seed,
and each registered mistake misses by many tolerances.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from . import shared

# ---------------------------------------------------------------------------
# Exercise 1.1: the sum of two dice
# ---------------------------------------------------------------------------


def _dice_sum_pmf(n_faces):
    counts = [0] * (2 * n_faces - 1)
    for a in range(1, n_faces + 1):
        for b in range(1, n_faces + 1):
            counts[a + b - 2] += 1
    return np.array([c / n_faces ** 2 for c in counts])


check_dice_sum_pmf = FunctionCheck(
    "dice_sum_pmf", _dice_sum_pmf,
    [Case("two 6-sided dice", (6,)), Case("two 4-sided dice", (4,)),
     Case("two 3-sided dice", (3,)), Case("two 1-sided dice (n_faces = 1, the smallest)", (1,))],
    mistakes=[
        Mistake("every sum equally likely",
                "You gave every sum the same probability. The sums are not equally likely: "
                "a 7 can be made in six ways (1+6, 2+5, ..., 6+1) but a 2 in only one way (1+1).",
                "Count the pairs (a, b) that give each sum, then divide by the number of pairs.",
                variant=lambda n: np.full(2 * n - 1, 1.0 / (2 * n - 1))),
        Mistake("counts, not probabilities",
                "You returned how many pairs give each sum, not the probability. A PMF must "
                "sum to 1: these counts sum to n_faces**2.",
                "Divide each count by the number of equally likely pairs, n_faces**2.",
                variant=lambda n: _dice_sum_pmf(n) * n ** 2),
        Mistake("one die, not two",
                "Your PMF is that of a single die. The sum of two dice ranges from 2 to "
                "2 * n_faces: 2 * n_faces - 1 possible values.",
                "Add the faces of two dice: np.add.outer over the faces gives all the sums.",
                variant=lambda n: np.full(n, 1.0 / n)),
    ],
    hint="Make the (n_faces, n_faces) table of all sums a + b, count each sum, divide by the "
         "number of pairs.")

# ---------------------------------------------------------------------------
# Exercise 1.2: the exponential density
# ---------------------------------------------------------------------------


def _exponential_pdf(x, rate):
    return np.array([rate * math.exp(-rate * v) if v >= 0 else 0.0 for v in x.tolist()])


def _pdf_cases(rng):
    return [Case("x from -1 to 4, rate 2", (np.linspace(-1.0, 4.0, 11), 2.0)),
            Case("x from -2 to 6, rate 0.5", (np.linspace(-2.0, 6.0, 9), 0.5)),
            Case("15 random points in [0, 3], rate 1.5", (rng.uniform(0.0, 3.0, 15), 1.5))]


check_exponential_pdf = FunctionCheck(
    "exponential_pdf", _exponential_pdf, _pdf_cases,
    mistakes=[
        Mistake("the density is not normalised",
                "You returned exp(-rate * x) without the factor `rate` in front. Its area is "
                "1 / rate, not 1, so it is not a probability density: a density must "
                "integrate to 1 over all x.",
                "The exponential density is rate * exp(-rate * x) for x >= 0.",
                variant=lambda x, r: np.where(x >= 0, np.exp(-r * x), 0.0)),
        Mistake("rate used as a scale",
                "You used `rate` as a scale: (1/rate) * exp(-x / rate). The rate is the inverse "
                "of the scale: with rate 2, events come twice as often and the mean is 1/2.",
                "Multiply x by the rate inside the exponential, and put the rate in front.",
                variant=lambda x, r: np.where(x >= 0, np.exp(-x / r) / r, 0.0)),
        Mistake("negative x not zero",
                "Your density is right for x >= 0 but not 0 for negative x. An exponential "
                "waiting time cannot be negative, so the density there is 0; without that the "
                "area is infinite.",
                "Use np.where(x >= 0, ..., 0.0).",
                variant=lambda x, r: r * np.exp(-r * x)),
    ],
    hint="f(x) = rate * exp(-rate * x) for x >= 0, and 0 for x < 0.")

# ---------------------------------------------------------------------------
# Exercise 1.3: the exponential quantile function (inverse CDF)
# ---------------------------------------------------------------------------


def _exponential_quantile(u, rate):
    # Solve F(x) = u for F(x) = 1 - exp(-rate x), one value at a time.
    return np.array([-math.log1p(-v) / rate for v in u.tolist()])


check_exponential_quantile = FunctionCheck(
    "exponential_quantile", _exponential_quantile,
    lambda rng: [Case("u = 0.05, 0.15, ..., 0.95 and rate 2", (np.linspace(0.05, 0.95, 10), 2.0)),
                 Case("8 random u, rate 0.25", (rng.uniform(0.0, 1.0, 8), 0.25)),
                 Case("u = 0.5 and rate 1 (the median)", (np.array([0.5]), 1.0))],
    rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("log(u) instead of log(1 - u)",
                "You returned -log(u) / rate. That is the quantile of 1 - u, a decreasing "
                "function: a small u should give a small waiting time. (Fed uniform numbers it "
                "still samples the right distribution, because 1 - U is uniform too, but it "
                "is not the inverse of the CDF.)",
                "Solve u = 1 - exp(-rate * x) for x.",
                variant=lambda u, r: -np.log(u) / r),
        Mistake("multiplied by the rate",
                "You multiplied by the rate instead of dividing: with rate 2 the median waiting "
                "time is log(2) / 2 = 0.35, not 1.39.",
                "x = -log(1 - u) / rate.",
                variant=lambda u, r: -np.log(1 - u) * r),
        Mistake("a negative waiting time",
                "Your values are negative: log(1 - u) is negative for u in (0, 1), so it needs "
                "a minus sign in front.",
                "x = -log(1 - u) / rate.",
                variant=lambda u, r: np.log(1 - u) / r),
    ],
    hint="Write the CDF u = 1 - exp(-rate * x) and solve it for x.")

# ---------------------------------------------------------------------------
# Exercise 1.4: sampling by inverse transform
# ---------------------------------------------------------------------------

EXP_RATE, EXP_N = 2.0, 50_000


def _exponential_cdf(rate: float) -> Callable[[np.ndarray], np.ndarray]:
    """The CDF x -> 1 - exp(-rate * x) of the exponential with this rate (elementwise)."""
    return lambda v: 1.0 - np.exp(-rate * v)


def _sample_exponential_reference(rate, n, rng):
    # Not the notebook's method: the sum of log-uniforms route would be slower;
    # NumPy's own exponential sampler (scale = 1 / rate) is an independent reference.
    return rng.exponential(1.0 / rate, size=n)


EXP_RNG_MISTAKES = shared.rng_mistakes(
    unseeded=lambda rate, n, rng: -np.log1p(-np.random.default_rng().uniform(size=n)) / rate,
    seed_ignored=lambda rate, n, rng: -np.log1p(-np.random.default_rng(0).uniform(size=n)) / rate,
    global_state=lambda rate, n, rng: -np.log1p(-np.random.uniform(size=n)) / rate)
EXP_SCALE = Mistake(
    "rate used as a scale",
    "Your samples average about `rate` instead of 1 / rate: the rate was used as a scale. "
    "Note that NumPy's own rng.exponential(scale) takes the *scale*, 1 / rate.",
    "Divide by the rate: x = -log(1 - u) / rate.",
    example=lambda rate, n, rng: rng.exponential(rate, size=n))
EXP_NEGATIVE = Mistake(
    "negative samples",
    "Some of your samples are negative. log(1 - u) is negative for u in (0, 1), so the "
    "quantile needs a minus sign.",
    "Use your exponential_quantile on uniform numbers: it returns -log(1 - u) / rate.",
    example=lambda rate, n, rng: np.log1p(-rng.uniform(size=n)) / rate)


def _verify_sample_exponential(fn, ctx: Context) -> None:
    cases = ctx.cases or [Case(f"rate {EXP_RATE}, n={EXP_N}", (EXP_RATE, EXP_N))]
    for i, case in enumerate(cases):
        rate, n = case.args

        def make(seed, rate=rate, n=n, label=case.label):
            return Case(f"{label}, rng=np.random.default_rng({seed})",
                        (rate, n, np.random.default_rng(seed)))

        if i == 0:
            out = shared.verify_rng_discipline(ctx, fn, make, EXP_RNG_MISTAKES)
        else:
            out = shared.call_quietly(ctx, fn, make(shared.CHECK_SEED))
        x = shared.as_float_samples(ctx, out, (n,), "sample_exponential")
        ctx.require(bool((x >= 0).all()), "every exponential sample should be >= 0",
                    [f"{int((x < 0).sum())} of {n} samples are negative; "
                     f"the smallest is {x.min():.4g}"], mistake=EXP_NEGATIVE)
        # The mean of n exponential samples has standard error (1/rate)/sqrt(n):
        # 0.0022 at rate 2 and n = 50000, so the tolerance is 0.013. A sampler that
        # uses the rate as a scale averages 2.0, a thousand standard errors away.
        mean, tol = 1.0 / rate, shared.TOL_SE * (1.0 / rate) / math.sqrt(n)
        wrong_tol = shared.TOL_SE * rate / math.sqrt(n)
        scale_mixup = rate != 1.0 and abs(x.mean() - rate) <= wrong_tol
        ctx.require(abs(x.mean() - mean) <= tol, "your samples have the wrong mean",
                    [f"mean of {n} samples: {shared.fmt_tol(x.mean(), mean, tol)}; the tolerance "
                     "is 6 standard errors of the mean"],
                    mistake=EXP_SCALE if scale_mixup else None,
                    hint="An exponential with rate r has mean 1/r.")
        # DKW: a correct sampler's empirical CDF is within eps of the true CDF for any
        # seed (eps = 0.0146 at n = 50000, false-alarm probability 1e-9).
        eps = shared.dkw_epsilon(n)
        dist = shared.ks_distance(x, _exponential_cdf(rate))
        ctx.require(dist <= eps, "your samples do not follow the exponential distribution",
                    [f"the largest gap between your samples' CDF and the true CDF is {dist:.4f}; "
                     f"a correct sampler stays below {eps:.4f} for any seed"],
                    hint="Feed uniform numbers u = rng.uniform(size=n) through "
                         "exponential_quantile.")


check_sample_exponential = CustomCheck(
    "sample_exponential", _verify_sample_exponential, reference=_sample_exponential_reference,
    hint='Inverse transform: u = rng.uniform(size=n), then x = -log(1 - u) / rate, using '
         'only the rng you were given.',
    mistakes=[*EXP_RNG_MISTAKES, EXP_SCALE, EXP_NEGATIVE])

# ---------------------------------------------------------------------------
# Exercise 1.5: sampling a categorical distribution
# ---------------------------------------------------------------------------

CAT_PROBS = np.array([0.1, 0.0, 0.45, 0.25, 0.2])
CAT_N = 50_000


def _sample_categorical_reference(probs, n, rng):
    return rng.choice(len(probs), size=n, p=probs)


def _searchsorted_shifted(probs, n, rng):
    return np.searchsorted(np.cumsum(probs), rng.uniform(size=n), side="right") + 1


CAT_RNG_MISTAKES = shared.rng_mistakes(
    unseeded=lambda p, n, rng: np.random.default_rng().choice(len(p), size=n, p=p),
    seed_ignored=lambda p, n, rng: np.random.default_rng(0).choice(len(p), size=n, p=p),
    global_state=lambda p, n, rng: np.random.choice(len(p), size=n, p=p))
CAT_OFF_BY_ONE = Mistake(
    "off by one category",
    "Some samples are one past the last category (or -1): the index you compute from the "
    "cumulative sums is shifted by one. With cdf = np.cumsum(probs), the category for u is "
    "the number of cdf values <= u, which is np.searchsorted(cdf, u, side='right'), "
    "with no +1 or -1.",
    "Try it by hand on probs = [0.5, 0.5]: u = 0.3 must give category 0, u = 0.7 category 1.",
    example=_searchsorted_shifted)
CAT_UNIFORM = Mistake(
    "the probabilities are ignored",
    "Every category comes up about equally often: your sampler picks a category uniformly "
    "and ignores `probs`.",
    "Draw u uniformly from [0, 1) and find where it falls in the cumulative sums of probs.",
    example=lambda p, n, rng: rng.integers(0, len(p), size=n))
def _verify_sample_categorical(fn, ctx: Context) -> None:
    cases = ctx.cases or [Case(f"probs {CAT_PROBS.tolist()}, n={CAT_N}", (CAT_PROBS, CAT_N))]
    for i, case in enumerate(cases):
        probs, n = case.args
        probs = np.asarray(probs, dtype=float)
        k = len(probs)

        def make(seed, probs=probs, n=n, label=case.label):
            return Case(f"{label}, rng=np.random.default_rng({seed})",
                        (probs.copy(), n, np.random.default_rng(seed)))

        # A certain outcome gives the same samples for every seed, so the seed
        # discipline is proved on the first case only (always a non-degenerate one).
        if i == 0 and ctx.cases is None:
            out = shared.verify_rng_discipline(ctx, fn, make, CAT_RNG_MISTAKES)
        else:
            out = shared.call_quietly(ctx, fn, make(shared.CHECK_SEED))
        arr = np.asarray(out) if isinstance(out, np.ndarray) else None
        if arr is not None and arr.shape == (n,) and arr.dtype.kind in "iu":
            ctx.require(bool(arr.min() >= 0 and arr.max() < k),
                        f"every sample should be a category index between 0 and {k - 1}",
                        [f"got values from {arr.min()} to {arr.max()}"],
                        mistake=CAT_OFF_BY_ONE if arr.max() == k or arr.min() == -1 else None)
        x = shared.as_int_samples(ctx, out, n, k, "sample_categorical")
        freq = np.bincount(x, minlength=k) / n                        # (k,)
        eps = shared.dkw_epsilon(n)
        uniform = shared.discrete_cdf_distance(x, np.full(k, 1.0 / k)) <= eps
        impossible = (probs == 0) & (freq > 0)
        first = int(np.flatnonzero(impossible)[0]) if impossible.any() else 0
        ctx.require(not impossible.any(),
                    "your sampler drew a category whose probability is 0",
                    [f"category {first} has probability 0 but came up "
                     f"{int(round(freq[first] * n))} times in {n} samples"],
                    mistake=CAT_UNIFORM if uniform else None,
                    hint=None if uniform else
                    "An event of probability 0 must never be drawn (a language model must "
                         "never emit a token whose probability was set to 0). Category k "
                         "catches u when cdf[k-1] <= u < cdf[k]: an interval of width 0 "
                         "catches nothing.")
        # DKW on the CDF over categories: a correct sampler stays within eps (0.0146 at
        # n = 50000) for any seed; ignoring probs is off by 0.17, shifting by one by 0.10.
        dist = shared.discrete_cdf_distance(x, probs)
        shown = ", ".join(f"{f:.3f}" for f in freq)
        ctx.require(dist <= eps, "your samples do not follow `probs`",
                    [f"frequencies of categories 0..{k - 1}: [{shown}]",
                     f"probs:                          [{', '.join(f'{p:.3f}' for p in probs)}]",
                     f"largest CDF gap {dist:.4f}; a correct sampler stays below {eps:.4f}"],
                    mistake=CAT_UNIFORM if uniform else None,
                    hint="u = rng.uniform(size=n); category = the number of cumulative sums <= u.")


check_sample_categorical = CustomCheck(
    "sample_categorical", _verify_sample_categorical, reference=_sample_categorical_reference,
    hint='u = rng.uniform(size=n); each sample is the number of cumulative probabilities '
         '(np.cumsum(p)) that are <= u, an integer in 0 .. K - 1.',
    mistakes=[*CAT_RNG_MISTAKES, CAT_OFF_BY_ONE, CAT_UNIFORM])

# ---------------------------------------------------------------------------
# Exercise 1.6: a histogram on the density scale
# ---------------------------------------------------------------------------


def _density_histogram(samples, edges):
    e = edges.tolist()
    counts = [0] * (len(e) - 1)
    for v in samples.tolist():
        for i in range(len(counts)):
            last = i == len(counts) - 1
            if e[i] <= v < e[i + 1] or (last and v == e[-1]):
                counts[i] += 1
                break
    n = len(samples)
    return np.array([c / (n * (e[i + 1] - e[i])) for i, c in enumerate(counts)])


def _hist_cases(rng):
    return [Case("12 samples, bins of widths 0.5, 0.5, 1, 2 (two samples lie beyond the last edge)",
                 (np.array([0.1, 0.2, 0.4, 0.6, 0.7, 0.9, 1.3, 1.5, 2.2, 3.9, 4.5, 7.0]),
                  np.array([0.0, 0.5, 1.0, 2.0, 4.0]))),
            Case("5 samples on the edges, one equal to the last edge (it is in the last bin)",
                 (np.array([0.0, 0.5, 1.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0]))),
            Case("200 exponential samples, 6 equal bins on [0, 3]",
                 (rng.exponential(0.5, 200), np.linspace(0.0, 3.0, 7))),
            Case("50 normal samples, 5 unequal bins on [-2, 2] (some outside)",
                 (rng.normal(0.0, 1.0, 50), np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])))]


def _np_hist_density(samples, edges):
    return np.histogram(samples, bins=edges, density=True)[0]


check_density_histogram = FunctionCheck(
    "density_histogram", _density_histogram, _hist_cases,
    mistakes=[
        Mistake("counts, not a density",
                "You returned the raw count in each bin. A density histogram is on the scale "
                "of the PDF: the area of the bars is 1, so it can be drawn over the true "
                "density.",
                "Divide each count by n and by the bin's width.",
                variant=lambda s, e: np.histogram(s, bins=e)[0].astype(float)),
        Mistake("bin widths ignored",
                "You divided the counts by n but not by the widths of the bins. That gives "
                "the *probability* of each bin; a density is probability per unit of x, so "
                "a bin twice as wide must be divided by twice as much.",
                "Divide by n * width, with width = np.diff(edges).",
                variant=lambda s, e: np.histogram(s, bins=e)[0] / len(s)),
        Mistake("not divided by n",
                "You divided the counts by the bin widths but not by the number of samples, "
                "so the area of your bars is n instead of 1.",
                "Divide by n * width.",
                variant=lambda s, e: np.histogram(s, bins=e)[0] / np.diff(e)),
        Mistake("renormalised to the range",
                "Your heights make the bars' area exactly 1 even though some samples lie "
                "outside the edges: that is what np.histogram(..., density=True) does. To "
                "compare with a true density you must divide by *all* n samples, so that "
                "samples beyond the plot still count.",
                "Use the counts from np.histogram(samples, bins=edges)[0] and divide by "
                "len(samples) * np.diff(edges) yourself.",
                variant=_np_hist_density),
    ],
    hint="height of bin i = (number of samples in bin i) / (n * width of bin i).")
