"""Checks for 08_research/01_experiments_you_can_trust: seeds, bootstrap, power, Holm.

Oracles: the standard library's `statistics` (mean, stdev, NormalDist), the exact
bootstrap distribution of :mod:`autograder.research.bootstrap` (an n-fold
convolution, with no resampling noise), an interpolating quantile written as a
loop over the sorted values, and Holm's procedure in its adjusted-p-value form
(a running maximum), a different formulation from the step-down loop learners
write. Monte Carlo answers are judged with tolerances of 6 standard errors or
the DKW inequality (see :mod:`.shared`).
"""

from __future__ import annotations

import math
import statistics

import numpy as np

from ...research.bootstrap import exact_bootstrap_difference, exact_bootstrap_mean, exact_quantiles
from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from . import shared

STEP = 0.001   # results in these checks are accuracies out of 1000 test points

# ---------------------------------------------------------------------------
# Exercise 1.2: mean, standard deviation and standard error over seeds
# ---------------------------------------------------------------------------


def _seed_summary(results):
    values = [float(v) for v in results.tolist()]
    sd = statistics.stdev(values)
    return (statistics.fmean(values), sd, sd / math.sqrt(len(values)))


def _accuracies(rng, n, centre=0.83, spread=0.02):
    return np.round(rng.normal(centre, spread, n), 3)


check_seed_summary = FunctionCheck(
    "seed_summary", _seed_summary,
    lambda rng: [Case("results [0.80, 0.84, 0.83, 0.85, 0.81]",
                      (np.array([0.80, 0.84, 0.83, 0.85, 0.81]),)),
                 Case("12 seeds' accuracies", (_accuracies(rng, 12),)),
                 Case("two seeds", (np.array([0.5, 0.7]),))],
    mistakes=[
        Mistake("population standard deviation (ddof=0)",
                "You divided the squared deviations by n (np.std's default, ddof=0). With a "
                "handful of seeds that underestimates the spread noticeably (by a factor "
                "sqrt((n-1)/n): 11% with 5 seeds), because the deviations are measured from "
                "the sample's own mean, which sits closer to the data than the true mean.",
                "Use the sample standard deviation: np.std(results, ddof=1).",
                variant=lambda r: (r.mean(), r.std(), r.std() / math.sqrt(len(r)))),
        Mistake("standard error divided by n",
                "Your standard error is sd / n. The standard error of a mean of n independent "
                "results is sd / sqrt(n): averaging n results shrinks the spread by sqrt(n).",
                "standard_error = sd / np.sqrt(n).",
                variant=lambda r: (r.mean(), r.std(ddof=1), r.std(ddof=1) / len(r))),
        Mistake("the standard deviation as the standard error",
                "Your third number equals the standard deviation. The standard deviation "
                "says how much one run varies; the standard error says how much the *mean* "
                "of n runs varies, sd / sqrt(n).",
                "Divide the standard deviation by sqrt(n).",
                variant=lambda r: (r.mean(), r.std(ddof=1), r.std(ddof=1))),
    ],
    rtol=1e-9, atol=1e-12,
    hint="mean, np.std(results, ddof=1), and that divided by sqrt(len(results)).")

# ---------------------------------------------------------------------------
# Exercise 1.3: bootstrap resamples of the mean
# ---------------------------------------------------------------------------

BOOT_N = 10_000
BOOT_VALUES = np.array([0.812, 0.845, 0.801, 0.833, 0.829, 0.851, 0.790, 0.838, 0.822, 0.843,
                        0.817, 0.861])
BOOT_OUTLIER = np.array([0.512, 0.801, 0.812, 0.795, 0.806, 0.823])   # one run diverged


def _bootstrap_means_reference(results, n_resamples, rng):
    # Draw one resample at a time (the notebook draws them all at once): equally correct.
    n = len(results)
    return np.array([results[rng.integers(0, n, n)].mean() for _ in range(n_resamples)])


BOOT_RNG_MISTAKES = shared.rng_mistakes(
    unseeded=lambda r, b, rng: r[np.random.default_rng().integers(0, len(r), (b, len(r)))]
    .mean(1),
    seed_ignored=lambda r, b, rng: r[np.random.default_rng(0).integers(0, len(r), (b, len(r)))]
    .mean(1),
    global_state=lambda r, b, rng: r[np.random.randint(0, len(r), (b, len(r)))].mean(1))
BOOT_NO_REPLACEMENT = Mistake(
    "resampled without replacement",
    "Every one of your resample means equals the mean of the data. Drawing n values out of n "
    "*without* replacement just shuffles them, and a shuffle has the same mean. The bootstrap "
    "draws *with* replacement, so some results appear twice and some not at all.",
    "Draw n indices with rng.integers(0, n, size=...), which repeats indices.",
    example=lambda r, b, rng: np.array([rng.permutation(r).mean() for _ in range(b)]))
BOOT_SINGLE = Mistake(
    "single values, not means",
    "Your numbers spread as much as single results do, not as much as means of n results: "
    "each entry should be the mean of a whole resample of n values.",
    "Draw an index array of shape (n_resamples, n) and average each row.",
    example=lambda r, b, rng: r[rng.integers(0, len(r), b)])
BOOT_SIZE = Mistake(
    "resamples of the wrong size",
    "Your means are not means of n values from the data: n times a resample mean should be a "
    "sum of n of the results, and yours is not. Each resample must have exactly as many values "
    "as the data.",
    "Each row of indices has n = len(results) entries.",
    example=lambda r, b, rng: r[rng.integers(0, len(r), (b, len(r) - 1))].mean(1))


def _verify_bootstrap_means(fn, ctx: Context) -> None:
    cases = ctx.cases or [Case(f"12 accuracies, n_resamples={BOOT_N}", (BOOT_VALUES, BOOT_N)),
                          Case(f"6 accuracies, a failed run first, n_resamples={BOOT_N}",
                               (BOOT_OUTLIER, BOOT_N)),
                          Case(f"the same, the failed run last, n_resamples={BOOT_N}",
                               (BOOT_OUTLIER[::-1].copy(), BOOT_N))]
    for i, case in enumerate(cases):
        values, b = case.args

        def make(seed, values=values, b=b, label=case.label):
            return Case(f"{label}, rng=np.random.default_rng({seed})",
                        (values, b, np.random.default_rng(seed)))

        if i == 0:
            out = shared.verify_rng_discipline(ctx, fn, make, BOOT_RNG_MISTAKES)
        else:
            out = shared.call_quietly(ctx, fn, make(shared.CHECK_SEED))
        m = shared.as_float_array(ctx, out, (b,), "bootstrap_means")
        n = len(values)
        ctx.require(not np.allclose(m, m[0], rtol=0, atol=1e-12) or np.ptp(values) == 0,
                    "all your resample means are the same number",
                    [f"every entry is {m[0]:.6g}; the mean of the data is {values.mean():.6g}"],
                    mistake=BOOT_NO_REPLACEMENT if np.allclose(m, values.mean()) else None)
        sums = m * n / STEP                                   # integers for a correct answer
        ctx.require(bool(np.allclose(sums, np.round(sums), atol=1e-6)),
                    "your means are not means of n values of the data",
                    [f"n = {n}; n * mean should be a sum of n results (a multiple of {STEP}); "
                     f"your first value times n is {m[0] * n:.7g}"], mistake=BOOT_SIZE)
        support, probs = exact_bootstrap_mean(values, STEP)
        # DKW: a correct sampler's empirical CDF is within eps of the exact one, always.
        eps = math.sqrt(math.log(2.0 / shared.FALSE_ALARM) / (2.0 * b))
        got_cdf = np.searchsorted(np.sort(m), support + 1e-12, side="right") / b
        gap = float(np.max(np.abs(got_cdf - np.cumsum(probs))))
        exact_sd = float(values.std() / math.sqrt(n))
        single = abs(m.std() - values.std()) < 0.2 * values.std()
        ctx.require(gap <= eps, "your resample means are not distributed like the bootstrap's",
                    [f"largest gap between your CDF and the exact bootstrap CDF: {gap:.3f} "
                     f"(allowed {eps:.3f} for {b} resamples)",
                     f"your means: average {m.mean():.5f}, sd {m.std():.5f}; the exact "
                     f"bootstrap: average {values.mean():.5f}, sd {exact_sd:.5f}"],
                    mistake=BOOT_SINGLE if n > 1 and single else None)


check_bootstrap_means = CustomCheck(
    "bootstrap_means", _verify_bootstrap_means, reference=_bootstrap_means_reference,
    hint="idx = rng.integers(0, n, size=(n_resamples, n)); results[idx].mean(axis=1).",
    mistakes=[*BOOT_RNG_MISTAKES, BOOT_NO_REPLACEMENT, BOOT_SINGLE, BOOT_SIZE])

# ---------------------------------------------------------------------------
# Exercise 1.4: a percentile interval
# ---------------------------------------------------------------------------


def _quantile(sorted_values: list[float], q: float) -> float:
    # Linear interpolation between order statistics, the textbook definition.
    pos = q * (len(sorted_values) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (pos - lo) * (sorted_values[hi] - sorted_values[lo])


def _percentile_interval(samples, confidence):
    s = sorted(float(v) for v in samples.tolist())
    return (_quantile(s, (1 - confidence) / 2), _quantile(s, (1 + confidence) / 2))


def _skewed(rng, n):
    return np.round(rng.exponential(1.0, n), 4)


check_percentile_interval = FunctionCheck(
    "percentile_interval", _percentile_interval,
    lambda rng: [Case("2000 skewed samples, confidence 0.95", (_skewed(rng, 2000), 0.95)),
                 Case("the numbers 0, 1, ..., 100, confidence 0.9",
                      (np.arange(101.0), 0.9)),
                 Case("5 samples, confidence 0.5", (np.array([3.0, 1.0, 4.0, 1.5, 9.0]), 0.5)),
                 Case("a constant sample", (np.full(50, 0.8), 0.95))],
    mistakes=[
        Mistake("quantiles at (1 - c) and c",
                "Your interval runs from the (1 - confidence) to the confidence quantile, "
                "e.g. 5% to 95% for confidence 0.95: that is a 90% interval. The 5% left "
                "out must be split between the two tails.",
                "Use the quantiles (1 - c) / 2 and (1 + c) / 2: 2.5% and 97.5% for c = 0.95.",
                variant=lambda s, c: (float(np.quantile(s, 1 - c)), float(np.quantile(s, c)))),
        Mistake("a normal interval",
                "You returned mean +- z * sd of the samples: a normal approximation. The "
                "percentile interval reads the quantiles of the samples themselves, so it "
                "follows a skewed distribution where the normal interval does not.",
                "Use np.quantile(samples, [(1 - c) / 2, (1 + c) / 2]).",
                variant=lambda s, c: (
                    float(s.mean() - statistics.NormalDist().inv_cdf((1 + c) / 2) * s.std()),
                    float(s.mean() + statistics.NormalDist().inv_cdf((1 + c) / 2) * s.std()))),
    ],
    rtol=1e-9, atol=1e-12,
    hint="np.quantile(samples, [(1 - confidence) / 2, (1 + confidence) / 2]).")

# ---------------------------------------------------------------------------
# Exercise 1.5: paired and unpaired intervals for a difference
# ---------------------------------------------------------------------------

DIFF_N = 20_000
# Two configurations on the same 10 seeds: b is a few points better and the two move together.
DIFF_A = np.array([0.812, 0.845, 0.801, 0.833, 0.829, 0.851, 0.790, 0.838, 0.822, 0.843])
DIFF_B = DIFF_A + np.array([0.011, 0.004, 0.009, 0.013, 0.006, 0.008, 0.012, 0.003, 0.010, 0.007])
DIFF_FAIL_FIRST = np.array([0.512, 0.851, 0.809, 0.840, 0.835, 0.858])   # b's seed 0 diverged


def _difference_reference(a, b, paired, n_resamples, rng, confidence=0.95):
    n = len(a)
    i = rng.integers(0, n, (n_resamples, n))
    j = i if paired else rng.integers(0, n, (n_resamples, n))
    diffs = b[i].mean(1) - a[j].mean(1)
    return tuple(float(x) for x in np.quantile(diffs, [(1 - confidence) / 2, (1 + confidence) / 2]))


def _diff_example(force_paired=None, sign=1.0):
    def submit(a, b, paired, n_resamples, rng, confidence=0.95):
        p = paired if force_paired is None else force_paired
        low, high = _difference_reference(a, b, p, n_resamples, rng, confidence)
        return (low, high) if sign > 0 else (-high, -low)
    return submit


DIFF_RNG_MISTAKES = shared.rng_mistakes(
    unseeded=lambda a, b, p, n, rng, c=0.95: _difference_reference(
        a, b, p, n, np.random.default_rng(), c),
    seed_ignored=lambda a, b, p, n, rng, c=0.95: _difference_reference(
        a, b, p, n, np.random.default_rng(0), c),
    global_state=lambda a, b, p, n, rng, c=0.95: _difference_reference(
        a, b, p, n, np.random.default_rng(np.random.randint(2**31)), c))
DIFF_ALWAYS_UNPAIRED = Mistake(
    "paired=True resampled a and b apart",
    "Your paired interval is as wide as the unpaired one. With paired=True a resample picks "
    "*seeds*, and takes both configurations' results on each picked seed, so the seed-to-seed "
    "noise they share cancels in the difference.",
    "For paired=True use the same index array for a and b (or resample the differences b - a).",
    example=_diff_example(force_paired=False))
DIFF_ALWAYS_PAIRED = Mistake(
    "paired=False resampled seeds together",
    "Your unpaired interval is as narrow as the paired one: you used the same indices for a "
    "and b. Unpaired means the two sets of results are treated as unrelated, each resampled "
    "with its own indices.",
    "For paired=False draw separate index arrays for a and b.",
    example=_diff_example(force_paired=True))
DIFF_SIGN = Mistake(
    "mean(a) - mean(b)",
    "Your interval is the mirror image of the expected one: you computed mean(a) - mean(b). "
    "The difference is b minus a (how much better the new configuration b is).",
    "Compute mean(b) - mean(a) in each resample.",
    example=_diff_example(sign=-1.0))


def _verify_difference_ci(fn, ctx: Context) -> None:
    cases = ctx.cases or [
        Case(f"10 seeds, b better than a, paired=True, n_resamples={DIFF_N}",
             (DIFF_A, DIFF_B, True, DIFF_N)),
        Case(f"the same results, paired=False, n_resamples={DIFF_N}",
             (DIFF_A, DIFF_B, False, DIFF_N)),
        Case(f"the same results, paired=True, confidence=0.8, n_resamples={DIFF_N}",
             (DIFF_A, DIFF_B, True, DIFF_N, 0.8)),
        Case(f"6 seeds, b's first run failed, paired=True, n_resamples={DIFF_N}",
             (DIFF_A[:6], DIFF_FAIL_FIRST, True, DIFF_N)),
        Case(f"6 seeds, a's first run failed, paired=False, n_resamples={DIFF_N}",
             (DIFF_FAIL_FIRST, DIFF_A[:6], False, DIFF_N)),
        Case(f"6 seeds, b's last run failed, paired=False, n_resamples={DIFF_N}",
             (DIFF_A[:6], DIFF_FAIL_FIRST[::-1].copy(), False, DIFF_N))]
    # Reproducibility first, on a few resamples of continuous values: an interval from
    # thousands of resamples of results on a grid can be the same for two seeds.
    disc_a = np.linspace(0.70, 0.80, 7)
    disc_b = disc_a + np.array([0.013, -0.004, 0.021, 0.007, 0.002, 0.017, 0.009])

    def make_small(seed):
        return Case(f"7 seeds, paired=True, n_resamples=5, rng=np.random.default_rng({seed})",
                    (disc_a, disc_b, True, 5, np.random.default_rng(seed)))

    shared.verify_rng_discipline(ctx, fn, make_small, DIFF_RNG_MISTAKES)
    for case in cases:
        a, b, paired, n_res, *rest = case.args
        confidence = rest[0] if rest else 0.95
        run = Case(f"{case.label}, rng=np.random.default_rng({shared.CHECK_SEED})",
                   (a, b, paired, n_res, np.random.default_rng(shared.CHECK_SEED), *rest))
        out = shared.call_quietly(ctx, fn, run)
        low, high = shared.as_interval(ctx, out, "difference_ci")
        support, probs = exact_bootstrap_difference(a, b, STEP, paired)
        lo_x, hi_x = exact_quantiles(support, probs, [(1 - confidence) / 2, (1 + confidence) / 2])
        sd = float(np.sqrt(np.sum(probs * (support - np.sum(probs * support)) ** 2)))
        # A quantile from n_res resamples has standard error about
        # sqrt(q (1 - q) / n_res) / density; for q = 0.025 and n_res = 20000 that is 0.019 sd.
        tol = 0.12 * sd + 2 * STEP / len(a)
        kind = "paired" if paired else "unpaired"
        mistake = None
        if abs(low + hi_x) <= tol and abs(high + lo_x) <= tol and abs(lo_x + hi_x) > 4 * tol:
            mistake = DIFF_SIGN
        else:
            other = exact_bootstrap_difference(a, b, STEP, not paired)
            o_lo, o_hi = exact_quantiles(*other, [(1 - confidence) / 2, (1 + confidence) / 2])
            o_sd = float(np.sqrt(np.sum(other[1] * (other[0] - np.sum(other[1] * other[0])) ** 2)))
            o_tol = 0.12 * o_sd + 2 * STEP / len(a)
            if abs(low - o_lo) <= o_tol and abs(high - o_hi) <= o_tol:
                mistake = DIFF_ALWAYS_UNPAIRED if paired else DIFF_ALWAYS_PAIRED
        ctx.require(abs(low - lo_x) <= tol and abs(high - hi_x) <= tol,
                    f"your {kind} {confidence:.0%} interval is not the bootstrap's",
                    [f"case: {case.label}",
                     f"got ({low:.5f}, {high:.5f}); the exact bootstrap interval is "
                     f"({lo_x:.5f}, {hi_x:.5f}), +- {tol:.5f} for resampling noise"],
                    mistake=mistake)


check_difference_ci = CustomCheck(
    "difference_ci", _verify_difference_ci, reference=_difference_reference,
    hint="Draw indices i of shape (n_resamples, n); for paired use them for both a and b, "
         "otherwise draw a second array j for a. Then the percentile interval of "
         "b[i].mean(1) - a[j].mean(1).",
    mistakes=[*DIFF_RNG_MISTAKES, DIFF_ALWAYS_UNPAIRED, DIFF_ALWAYS_PAIRED, DIFF_SIGN])

# ---------------------------------------------------------------------------
# Exercise 1.6: how many seeds a claim needs
# ---------------------------------------------------------------------------

_NORMAL = statistics.NormalDist()


def _seeds_needed(effect, sd, alpha=0.05, power=0.8):
    # The smallest n whose approximate power reaches `power`, found by counting up.
    z = _NORMAL.inv_cdf(1 - alpha / 2)
    n = 1
    while _NORMAL.cdf(abs(effect) * math.sqrt(n) / sd - z) < power:
        n += 1
    return n


def _closed_form(effect, sd, z_alpha, z_power, square=True, rounding=math.ceil):
    ratio = (z_alpha + z_power) * sd / abs(effect)
    return int(rounding(ratio ** 2 if square else ratio))


check_seeds_needed = FunctionCheck(
    "seeds_needed", _seeds_needed,
    lambda rng: [Case("effect 0.01, sd 0.015 (alpha 0.05, power 0.8)", (0.01, 0.015)),
                 Case("effect 0.005, sd 0.02, alpha 0.01, power 0.9", (0.005, 0.02, 0.01, 0.9)),
                 Case("a negative effect, -0.02, sd 0.03", (-0.02, 0.03)),
                 Case("a huge effect: 0.1, sd 0.01", (0.1, 0.01))],
    mistakes=[
        Mistake("a one-sided z",
                "You used the z of 1 - alpha (1.645 for alpha = 0.05) instead of "
                "1 - alpha / 2 (1.96). The test is two-sided: a difference in either "
                "direction would count, so alpha is split between the two tails.",
                "z_alpha = NormalDist().inv_cdf(1 - alpha / 2).",
                variant=lambda e, s, a=0.05, p=0.8: max(1, _closed_form(
                    e, s, _NORMAL.inv_cdf(1 - a), _NORMAL.inv_cdf(p)))),
        Mistake("not squared",
                "Your n grows like sd / effect, not (sd / effect) squared. The standard "
                "error shrinks like 1 / sqrt(n), so halving the effect you want to detect "
                "needs four times the seeds.",
                "n = ((z_alpha + z_power) * sd / effect) ** 2, rounded up.",
                variant=lambda e, s, a=0.05, p=0.8: max(1, _closed_form(
                    e, s, _NORMAL.inv_cdf(1 - a / 2), _NORMAL.inv_cdf(p), square=False))),
        Mistake("rounded to the nearest integer",
                "You rounded n to the nearest integer. Rounding down gives fewer seeds than "
                "the power calculation asks for, so the power falls short of the target.",
                "Round up: math.ceil.",
                variant=lambda e, s, a=0.05, p=0.8: max(1, _closed_form(
                    e, s, _NORMAL.inv_cdf(1 - a / 2), _NORMAL.inv_cdf(p), rounding=round))),
    ],
    dtype="kind",
    hint="n = ceil(((z_{1-alpha/2} + z_{power}) * sd / |effect|) ** 2), at least 1; "
         "statistics.NormalDist().inv_cdf gives the z values.")

# ---------------------------------------------------------------------------
# Exercise 1.7: Holm's correction for many comparisons
# ---------------------------------------------------------------------------


def _holm(p_values, alpha=0.05):
    # Adjusted p-values: sort, multiply the k-th smallest by (m - k), take running maxima.
    p = [float(x) for x in p_values.tolist()]
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    adjusted = [0.0] * m
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * p[i]))
        adjusted[i] = running
    return np.array([a <= alpha for a in adjusted])


def _hochberg(p, alpha=0.05):
    m = len(p)
    order = np.argsort(p, kind="stable")
    reject = np.zeros(m, dtype=bool)
    for k in range(m - 1, -1, -1):
        if p[order[k]] <= alpha / (m - k):
            reject[order[: k + 1]] = True
            break
    return reject


def _holm_no_stop(p, alpha=0.05):
    m = len(p)
    order = np.argsort(p, kind="stable")
    reject = np.zeros(m, dtype=bool)
    for k, i in enumerate(order):
        reject[i] = p[i] <= alpha / (m - k)
    return reject


def _holm_sorted(p, alpha=0.05):
    return _holm(np.sort(p), alpha)


check_holm = FunctionCheck(
    "holm", _holm,
    lambda rng: [Case("p = [0.2, 0.014, 0.015, 0.6, 0.001], alpha 0.05: the step-down stops",
                      (np.array([0.2, 0.014, 0.015, 0.6, 0.001]), 0.05)),
                 Case("p = [0.01, 0.04, 0.02, 0.005], alpha 0.05: Holm rejects all four",
                      (np.array([0.01, 0.04, 0.02, 0.005]), 0.05)),
                 Case("p = [0.03, 0.04], alpha 0.05: Holm rejects neither",
                      (np.array([0.03, 0.04]), 0.05)),
                 Case("p = [0.04, 0.3], alpha 0.05", (np.array([0.04, 0.3]), 0.05)),
                 Case("8 p-values, alpha 0.1",
                      (np.round(rng.uniform(0, 0.05, 8) ** 1.5, 5), 0.1)),
                 Case("p = [0.0125, 0.5, 0.3, 0.9], alpha 0.05: exactly at the threshold "
                      "counts as rejected", (np.array([0.0125, 0.5, 0.3, 0.9]), 0.05)),
                 Case("one p-value", (np.array([0.049]), 0.05))],
    mistakes=[
        Mistake("Bonferroni",
                "You compared every p-value with alpha / m: Bonferroni's correction. It is "
                "valid but stricter than it needs to be. Holm compares the smallest with "
                "alpha / m, the next with alpha / (m - 1), and so on.",
                "Sort the p-values; compare the k-th smallest (k from 0) with alpha / (m - k).",
                variant=lambda p, a=0.05: p <= a / len(p)),
        Mistake("no correction",
                "You compared every p-value with alpha itself. With m comparisons the chance "
                "of at least one false positive is then up to m times alpha.",
                "Compare the k-th smallest p-value (k from 0) with alpha / (m - k).",
                variant=lambda p, a=0.05: p <= a),
        Mistake("the step-down does not stop",
                "You rejected every p-value below its own threshold alpha / (m - k), even "
                "after a smaller p-value had failed its threshold. Holm stops at the first "
                "failure: everything after it is kept too.",
                "Walk the sorted p-values and stop at the first that is above its threshold.",
                variant=_holm_no_stop),
        Mistake("step-up (Hochberg)",
                "You went from the largest p-value down and rejected everything at or below "
                "the first one that passes: Hochberg's step-up procedure, which needs extra "
                "assumptions. Holm steps *down* from the smallest and stops at the first "
                "failure.",
                "Start from the smallest p-value.",
                variant=_hochberg),
        Mistake("answers in sorted order",
                "Your answers are in the order of the sorted p-values. Each answer must sit at "
                "the position of its own p-value in the input.",
                "Write each decision back at the index np.argsort gave you.",
                variant=_holm_sorted),
    ],
    dtype="kind",
    hint="order = np.argsort(p); for k, i in enumerate(order): reject i if p[i] <= "
         "alpha / (m - k), and stop at the first that is not.")

# ---------------------------------------------------------------------------
# Exercise 1.1: predictions recorded before the run
# ---------------------------------------------------------------------------

CLAIMS = ("wider_is_better", "paired_excludes_zero", "unpaired_excludes_zero")


_verify_predictions = shared.predictions_verifier(CLAIMS, "the experiment cell")


check_predictions = CustomCheck(
    "predictions", _verify_predictions,
    reference={"wider_is_better": 0.7, "paired_excludes_zero": 0.5,
               "unpaired_excludes_zero": 0.2},
    hint="predictions = {'wider_is_better': 0.7, ...}: one probability per claim.")
