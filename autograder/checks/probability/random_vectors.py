"""Checks for 03_probability/02_random_vectors: expectation, variance, covariance, Gaussians.

Oracles are loops over outcomes and pairs (with math.fsum where cancellation
matters) or NumPy's linear-algebra solvers, never the notebook's solutions.
The multivariate Gaussian sampler is checked statistically: its sample mean and
sample covariance must be within 6 standard errors of the truth, and the
classic wrong square roots of the covariance are recognised by the covariance
they produce.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from . import shared

# ---------------------------------------------------------------------------
# Exercise 2.1: mean and variance of a discrete distribution
# ---------------------------------------------------------------------------


def _mean_and_variance(values, probs):
    pairs = list(zip(values.tolist(), probs.tolist(), strict=True))
    mean = math.fsum(v * p for v, p in pairs)
    var = math.fsum(p * (v - mean) ** 2 for v, p in pairs)
    return mean, var


def _mv_cases(rng):
    return [Case("a loaded die: values 1..6, probs [0.05, 0.05, 0.1, 0.1, 0.2, 0.5]",
                 (np.arange(1.0, 7.0), np.array([0.05, 0.05, 0.1, 0.1, 0.2, 0.5]))),
            Case("values [-2, 0, 5] with probs [0.2, 0.5, 0.3]",
                 (np.array([-2.0, 0.0, 5.0]), np.array([0.2, 0.5, 0.3]))),
            Case("a fair die", (np.arange(1.0, 7.0), np.full(6, 1 / 6)))]


check_mean_and_variance = FunctionCheck(
    "mean_and_variance", _mean_and_variance, _mv_cases,
    mistakes=[
        Mistake("ignored the probabilities",
                "You averaged the values as if they were equally likely. The expectation "
                "weights each value by its probability: E[X] = sum_k p_k x_k.",
                "Multiply each value by its probability and add; do the same for the squared "
                "deviations.",
                variant=lambda v, p: (float(v.mean()), float(v.var()))),
        Mistake("standard deviation, not variance",
                "Your second number is the standard deviation, the square root of the variance.",
                "Variance = E[(X - E[X])^2], with no square root.",
                variant=lambda v, p: (float(p @ v), float(np.sqrt(p @ (v - p @ v) ** 2)))),
        Mistake("forgot to square the mean",
                "Your variance is E[X^2] - E[X]: the mean needs squaring, Var = E[X^2] - E[X]^2.",
                "Or compute the mean first, then E[(X - mean)^2], which is harder to get wrong.",
                variant=lambda v, p: (float(p @ v), float(p @ v ** 2 - p @ v))),
    ],
    hint="mean = sum(p * x); variance = sum(p * (x - mean) ** 2).")

# ---------------------------------------------------------------------------
# Exercise 2.2: the sample variance
# ---------------------------------------------------------------------------


def _sample_variance(x):
    values = x.tolist()
    mean = math.fsum(values) / len(values)
    return math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)


def _one_pass(x):
    n = len(x)
    return float((np.sum(x * x) - n * np.mean(x) ** 2) / (n - 1))


check_sample_variance = FunctionCheck(
    "sample_variance", _sample_variance,
    lambda rng: [Case("5 numbers", (rng.normal(3.0, 2.0, 5),)),
                 Case("20 numbers", (rng.normal(0.0, 1.0, 20),)),
                 Case("2 numbers, [1, 3]", (np.array([1.0, 3.0]),)),
                 Case("10 measurements near 100,000,000",
                      (1e8 + rng.normal(0.0, 1.0, 10),))],
    rtol=1e-6, atol=1e-12,
    mistakes=[
        Mistake("divided by n",
                "You divided by n, which is what np.var does by default (ddof=0). The sample "
                "mean sits closer to the data than the true mean does, so the squared "
                "deviations from it are too small on average; dividing by n - 1 instead "
                "corrects exactly for that (Bessel's correction).",
                "Divide by n - 1, or use np.var(x, ddof=1).",
                variant=lambda x: float(np.var(x))),
        Mistake("standard deviation, not variance",
                "You returned the standard deviation, the square root of the variance.",
                "Leave out the square root.",
                variant=lambda x: float(np.std(x, ddof=1))),
        Mistake("the one-pass formula lost precision",
                "You used (sum of x^2 - n * mean^2) / (n - 1). It is exact on paper, but for "
                "numbers far from 0 it subtracts two huge, almost equal numbers, and the "
                "rounding error of float64 swamps the answer (here it can even come out "
                "negative).",
                "Subtract the mean first, then square: sum((x - mean) ** 2) / (n - 1).",
                variant=_one_pass),
    ],
    hint="Subtract the mean, square, add up, divide by n - 1.")

# ---------------------------------------------------------------------------
# Exercise 2.3: the covariance matrix
# ---------------------------------------------------------------------------


def _covariance_matrix(X):
    rows = X.tolist()
    n, d = len(rows), len(rows[0])
    means = [math.fsum(r[j] for r in rows) / n for j in range(d)]
    return np.array([[math.fsum((r[i] - means[i]) * (r[j] - means[j]) for r in rows) / (n - 1)
                      for j in range(d)] for i in range(d)])


def _cov_cases(rng):
    z = rng.normal(size=(30, 3))
    mixed = z @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, -0.8], [0.0, 0.0, 0.5]]) + [1.0, -2.0, 5.0]
    return [Case("30 samples of 3 correlated variables, shape (30, 3)", (mixed,)),
            Case("8 samples of 2 variables, shape (8, 2)", (rng.normal(2.0, 1.0, (8, 2)),)),
            Case("4 samples of 5 variables, shape (4, 5)", (rng.normal(size=(4, 5)),))]


check_covariance_matrix = FunctionCheck(
    "covariance_matrix", _covariance_matrix, _cov_cases,
    mistakes=[
        Mistake("rows taken as variables",
                "Your result is (n, n), one row and column per *sample*. np.cov treats each "
                "row as a variable unless told otherwise; here each row is a sample and each "
                "column a variable.",
                "Use np.cov(X, rowvar=False), or compute it yourself from X - X.mean(axis=0).",
                variant=lambda X: np.cov(X)),
        Mistake("not centred",
                "You multiplied the data without subtracting the column means first, so your "
                "result mixes the means into the covariances.",
                "Centre each column: Xc = X - X.mean(axis=0), then Xc.T @ Xc / (n - 1).",
                variant=lambda X: X.T @ X / (len(X) - 1)),
        Mistake("divided by n",
                "You divided by n; the sample covariance divides by n - 1, for the same "
                "reason as the sample variance.",
                "Divide by n - 1.",
                variant=lambda X: np.cov(X, rowvar=False, ddof=0)),
    ],
    hint="Xc = X - X.mean(axis=0) (shape (n, d)); the covariance is Xc.T @ Xc / (n - 1).")

# ---------------------------------------------------------------------------
# Exercise 2.4: sampling a multivariate Gaussian with a Cholesky factor
# ---------------------------------------------------------------------------

MVN_MEAN = np.array([1.0, -2.0])
MVN_COV = np.array([[2.0, 1.2], [1.2, 1.0]])
MVN_N = 30_000


def _mvn_reference(mean, cov, n, rng):
    # An eigendecomposition square root, not the Cholesky factor the notebook uses.
    w, v = np.linalg.eigh(cov)
    return mean + rng.standard_normal((n, len(mean))) @ (v * np.sqrt(w)).T


def _mvn_with(factor):
    def sample(mean, cov, n, rng):
        return mean + rng.standard_normal((n, len(mean))) @ factor(cov)
    return sample


MVN_RNG_MISTAKES = shared.rng_mistakes(
    unseeded=lambda m, c, n, rng: _mvn_reference(m, c, n, np.random.default_rng()),
    seed_ignored=lambda m, c, n, rng: _mvn_reference(m, c, n, np.random.default_rng(0)),
    global_state=lambda m, c, n, rng: m + np.random.standard_normal((n, len(m)))
    @ np.linalg.cholesky(c).T)
MVN_UNTRANSPOSED = Mistake(
    "z @ L instead of z @ L.T",
    "Your samples have covariance L.T @ L instead of L @ L.T = cov. With one sample per row, "
    "x = L z for a column z becomes x = z @ L.T for rows: the factor must be transposed.",
    "Write it for one column vector first (x = mean + L @ z), then transpose both sides for "
    "rows: X = mean + Z @ L.T.",
    example=_mvn_with(lambda c: np.linalg.cholesky(c)))
MVN_COVARIANCE_AS_FACTOR = Mistake(
    "the covariance used as the factor",
    "You multiplied by the covariance matrix itself, so your samples have covariance "
    "cov @ cov. Like a standard deviation for the variance, the factor must be a *square "
    "root* of the covariance: a matrix L with L @ L.T = cov.",
    "L = np.linalg.cholesky(cov), then X = mean + Z @ L.T.",
    example=_mvn_with(lambda c: c))
MVN_ELEMENTWISE_SQRT = Mistake(
    "the correlation is lost",
    "Your coordinates have the right variances but no correlation: you scaled each "
    "coordinate by its own standard deviation (np.sqrt of the diagonal, or an elementwise "
    "square root), which cannot mix them.",
    "A matrix square root mixes the coordinates: L = np.linalg.cholesky(cov).",
    example=_mvn_with(lambda c: np.diag(np.sqrt(np.diag(c)))))
MVN_NO_MEAN = Mistake(
    "forgot the mean",
    "Your samples are centred on 0: the mean vector was never added.",
    "Add `mean` (shape (d,)) to every row; broadcasting does it.",
    example=lambda m, c, n, rng: rng.standard_normal((n, len(m))) @ np.linalg.cholesky(c).T)


def _cov_se(cov: np.ndarray, n: int) -> np.ndarray:
    """Standard errors of the sample covariance entries: sqrt((S_ii S_jj + S_ij^2) / n)."""
    d = np.diag(cov)
    return np.sqrt((np.outer(d, d) + cov ** 2) / n)


def _verify_sample_mvn(fn, ctx: Context) -> None:
    cases = ctx.cases or [Case(f"mean {MVN_MEAN.tolist()}, cov {MVN_COV.tolist()}, n={MVN_N}",
                               (MVN_MEAN, MVN_COV, MVN_N))]
    for i, case in enumerate(cases):
        mean, cov, n = (np.asarray(case.args[0], float), np.asarray(case.args[1], float),
                        case.args[2])
        d = len(mean)

        def make(seed, mean=mean, cov=cov, n=n, label=case.label):
            return Case(f"{label}, rng=np.random.default_rng({seed})",
                        (mean.copy(), cov.copy(), n, np.random.default_rng(seed)))

        if i == 0:
            out = shared.verify_rng_discipline(ctx, fn, make, MVN_RNG_MISTAKES)
        else:
            out = shared.call_quietly(ctx, fn, make(shared.CHECK_SEED))
        X = shared.as_float_samples(ctx, out, (n, d), "sample_mvn")
        # Each coordinate's sample mean has standard error sqrt(cov_jj / n): 0.0082 for
        # cov_jj = 2 at n = 30000, so the tolerance (6 SE) is 0.049.
        got_mean = X.mean(axis=0)
        tol_mean = shared.TOL_SE * np.sqrt(np.diag(cov) / n)
        ctx.require(bool((np.abs(got_mean - mean) <= tol_mean).all()),
                    "your samples have the wrong mean",
                    [f"sample mean {np.round(got_mean, 3).tolist()}, expected "
                     f"{mean.tolist()} +- {np.round(tol_mean, 3).tolist()} (6 standard errors)"],
                    mistake=MVN_NO_MEAN if bool((np.abs(got_mean) <= tol_mean).all()) else None)
        # Sample covariance entries: standard error sqrt((S_ii S_jj + S_ij^2) / n), at most
        # 0.0163 here, so the tolerance is 0.098. The wrong square roots give covariances
        # that differ from the truth by 0.7 or more in some entry: seven tolerances away.
        S = np.cov(X, rowvar=False).reshape(d, d)
        tol = shared.TOL_SE * _cov_se(cov, n)
        if bool((np.abs(S - cov) <= tol).all()):
            ctx.passed += 1
            continue
        L = np.linalg.cholesky(cov)
        suspects = [(MVN_UNTRANSPOSED, L.T @ L), (MVN_COVARIANCE_AS_FACTOR, cov @ cov),
                    (MVN_ELEMENTWISE_SQRT, np.diag(np.diag(cov)))]
        found = next((m for m, c in suspects
                      if bool((np.abs(S - c) <= shared.TOL_SE * _cov_se(c, n)).all())), None)
        ctx.fail("your samples have the wrong covariance",
                 [f"sample covariance {np.round(S, 3).tolist()}",
                  f"expected           {np.round(cov, 3).tolist()}",
                  f"tolerance (6 standard errors) {np.round(tol, 3).tolist()}"],
                 mistake=found,
                 hint=None if found else "L = np.linalg.cholesky(cov); X = mean + Z @ L.T with "
                 "Z = rng.standard_normal((n, d)).")


check_sample_mvn = CustomCheck(
    "sample_mvn", _verify_sample_mvn, reference=_mvn_reference,
    hint='L = np.linalg.cholesky(cov); Z = rng.standard_normal((n, d)); X = mean + Z @ '
         'L.T, with the rng you were given.',
    mistakes=[*MVN_RNG_MISTAKES, MVN_UNTRANSPOSED, MVN_COVARIANCE_AS_FACTOR,
              MVN_ELEMENTWISE_SQRT, MVN_NO_MEAN])

# ---------------------------------------------------------------------------
# Exercise 2.5: the squared Mahalanobis distance
# ---------------------------------------------------------------------------


def _mahalanobis_sq(X, mean, cov):
    return np.array([float((x - mean) @ np.linalg.solve(cov, x - mean)) for x in X])


def _maha_cases(rng):
    cov3 = np.array([[2.0, 0.3, -0.4], [0.3, 1.0, 0.2], [-0.4, 0.2, 0.5]])
    return [Case("5 points in 2-D, cov [[2, 1.2], [1.2, 1]]",
                 (rng.normal(size=(5, 2)), np.array([1.0, -2.0]), MVN_COV.copy())),
            Case("4 points in 3-D", (rng.normal(size=(4, 3)), np.zeros(3), cov3)),
            Case("the mean itself (distance 0) and one other point",
                 (np.array([[1.0, -2.0], [3.0, -2.0]]), np.array([1.0, -2.0]), MVN_COV.copy()))]


check_mahalanobis_sq = FunctionCheck(
    "mahalanobis_sq", _mahalanobis_sq, _maha_cases,
    mistakes=[
        Mistake("the covariance instead of its inverse",
                "You multiplied by the covariance where its inverse belongs. The Mahalanobis "
                "distance *divides* by the spread: a step along a direction of large variance "
                "counts for little.",
                "Use np.linalg.solve(cov, d) (or the inverse of cov), not cov @ d.",
                variant=lambda X, m, c: np.einsum("ni,ij,nj->n", X - m, c, X - m)),
        Mistake("only the variances",
                "You divided each coordinate by its own variance, ignoring the off-diagonal "
                "covariances. That is right only when the coordinates are uncorrelated.",
                "Use the whole matrix: solve cov @ y = (x - mean) and take (x - mean) . y.",
                variant=lambda X, m, c: (((X - m) ** 2) / np.diag(c)).sum(axis=1)),
        Mistake("the Euclidean distance",
                "You returned the ordinary squared distance |x - mean|^2, which ignores the "
                "covariance altogether.",
                "Weight the difference by the inverse covariance.",
                variant=lambda X, m, c: ((X - m) ** 2).sum(axis=1)),
        Mistake("not squared",
                "You returned the square root: the Mahalanobis distance, not its square.",
                "Leave out the square root.",
                variant=lambda X, m, c: np.sqrt(_mahalanobis_sq(X, m, c))),
    ],
    hint="d = X - mean (n, D); y = np.linalg.solve(cov, d.T).T (n, D); sum of d * y per row.")

# ---------------------------------------------------------------------------
# Exercise 2.6: the covariance ellipse
# ---------------------------------------------------------------------------

ELL_MEAN = np.array([1.0, -2.0])
ELL_K, ELL_POINTS = 2.0, 100


def _ellipse_reference(mean, cov, k, n_points):
    # An eigendecomposition square root; the notebook uses a Cholesky factor.
    w, v = np.linalg.eigh(cov)
    t = np.linspace(0.0, 2.0 * np.pi, n_points)
    circle = np.stack([np.cos(t), np.sin(t)], axis=1)          # (n_points, 2)
    return mean + k * circle @ (v * np.sqrt(w)).T


def _ellipse_with(factor):
    def ellipse(mean, cov, k, n_points):
        t = np.linspace(0.0, 2.0 * np.pi, n_points)
        return mean + k * np.stack([np.cos(t), np.sin(t)], axis=1) @ factor(cov)
    return ellipse


ELL_COVARIANCE_AS_FACTOR = Mistake(
    "the covariance used as the factor",
    "Your ellipse is the circle stretched by the covariance matrix itself. The ellipse of "
    "cov is the circle stretched by a *square root* of cov (a matrix L with L @ L.T = cov), "
    "just as one standard deviation is the square root of the variance.",
    "L = np.linalg.cholesky(cov); points = mean + k * circle @ L.T.",
    example=_ellipse_with(lambda c: c))
ELL_AXIS_ALIGNED = Mistake(
    "the correlation is lost",
    "Your ellipse is aligned with the axes: you stretched x and y by their own standard "
    "deviations, which ignores the covariance between them. A correlated cloud is tilted.",
    "Stretch by a matrix square root of cov, which mixes the coordinates.",
    example=_ellipse_with(lambda c: np.diag(np.sqrt(np.diag(c)))))
ELL_UNTRANSPOSED = Mistake(
    "circle @ L instead of circle @ L.T",
    "Your points lie on the ellipse of L.T @ L, not of cov = L @ L.T. With one point per "
    "row, x = L u for a column u becomes x = u @ L.T.",
    "points = mean + k * circle @ L.T.",
    example=_ellipse_with(lambda c: np.linalg.cholesky(c)))
ELL_RADIUS = Mistake(
    "the wrong radius",
    "Your points are on an ellipse of the right shape but the wrong size: they should be k "
    "Mahalanobis units from the mean (Mahalanobis distance k, squared distance k**2).",
    "Scale the unit circle by k, not k**2 or sqrt(k).",
    example=lambda m, c, k, n: _ellipse_reference(m, c, k ** 2, n))


def _maha(points, mean, cov):
    d = points - mean
    return np.einsum("ni,ni->n", d, np.linalg.solve(cov, d.T).T)


def _verify_ellipse(fn, ctx: Context) -> None:
    cases = ctx.cases or [Case(f"mean {ELL_MEAN.tolist()}, cov {MVN_COV.tolist()}, k={ELL_K:g}, "
                               f"n_points={ELL_POINTS}", (ELL_MEAN, MVN_COV, ELL_K, ELL_POINTS)),
                          Case("mean [0, 0], cov [[1, -0.9], [-0.9, 1]], k=1, n_points=60",
                               (np.zeros(2), np.array([[1.0, -0.9], [-0.9, 1.0]]), 1.0, 60))]
    for case in cases:
        mean, cov, k, n_points = case.args
        points = ctx.call(fn, case)
        ctx.require(isinstance(points, np.ndarray) and points.shape == (n_points, 2),
                    f"covariance_ellipse should return an array of shape ({n_points}, 2)",
                    [f"for {case.label}: got "
                     f"{getattr(points, 'shape', type(points).__name__)}"])
        dist = np.sqrt(np.maximum(_maha(points, mean, cov), 0.0))   # (n_points,)
        if not bool(np.allclose(dist, k, rtol=1e-6, atol=1e-9)):
            L = np.linalg.cholesky(cov)
            suspects = [(ELL_COVARIANCE_AS_FACTOR, cov @ cov), (ELL_UNTRANSPOSED, L.T @ L),
                        (ELL_AXIS_ALIGNED, np.diag(np.diag(cov)))]
            found = next((m for m, c in suspects
                          if bool(np.allclose(_maha(points, mean, c), k * k, rtol=1e-6))), None)
            if found is None and np.ptp(dist) <= 1e-6 * max(dist.max(), 1.0):
                found = ELL_RADIUS
            ctx.fail(f"your points are not on the ellipse of Mahalanobis distance {k:g}",
                     [f"for {case.label}",
                      f"their Mahalanobis distances from the mean range from {dist.min():.4g} "
                      f"to {dist.max():.4g}; every point should be at exactly {k:g}"],
                     mistake=found)
        ctx.passed += 1
        # The points must go all the way round: no gap in angle bigger than a quarter
        # turn. Angles are measured after whitening (z = L^-1 (x - mean), which maps the
        # ellipse back to a circle), so a thin ellipse is judged like a round one.
        white = np.linalg.solve(np.linalg.cholesky(cov), (points - mean).T)   # (2, n_points)
        angles = np.sort(np.arctan2(white[1], white[0]))
        gaps = np.diff(np.concatenate([angles, angles[:1] + 2 * np.pi]))
        # n_points evenly spread leave gaps of 2 pi / n_points (or / (n_points - 1) when
        # the first point is repeated at the end); 3 times that allows any spacing that
        # still covers the whole ellipse, and catches angles that stop short of 2 pi.
        ctx.require(float(gaps.max()) < min(np.pi / 2, 3 * 2 * np.pi / max(n_points - 1, 1)),
                    "your points do not go all the way round the ellipse",
                    [f"for {case.label}: there is a gap of {np.degrees(gaps.max()):.0f} degrees "
                     "with no point in it"],
                    hint="Take the angles t = np.linspace(0, 2 * np.pi, n_points) for the "
                         "unit circle.")
        # ... and only once, in order: the turn from one point to the next always has the
        # same direction, and the turns add up to at most one full circle.
        theta = np.arctan2(white[1], white[0])                               # (n_points,)
        turns = (np.diff(theta) + np.pi) % (2 * np.pi) - np.pi               # each in [-pi, pi)
        total = float(turns.sum())
        one_way = bool((turns >= -1e-9).all() or (turns <= 1e-9).all())
        ctx.require(one_way and abs(total) <= 2 * np.pi + 1e-6,
                    "your points should go once around the ellipse, in order",
                    [f"for {case.label}: walking from point to point turns "
                     f"{np.degrees(abs(total)):.0f} degrees in all"
                     + ("" if one_way else ", and sometimes backwards") + " (360 at most)"],
                    hint="Use angles from 0 to 2 * pi, in increasing order: "
                         "np.linspace(0, 2 * np.pi, n_points).")


check_covariance_ellipse = CustomCheck(
    "covariance_ellipse", _verify_ellipse, reference=_ellipse_reference,
    hint='Take points on the unit circle (cos t, sin t), map them with the Cholesky factor'
         ' L of the covariance (or its eigenvectors scaled by sqrt of the eigenvalues), '
         'scale by the radius, add the mean.',
    mistakes=[ELL_COVARIANCE_AS_FACTOR, ELL_AXIS_ALIGNED, ELL_UNTRANSPOSED, ELL_RADIUS])
