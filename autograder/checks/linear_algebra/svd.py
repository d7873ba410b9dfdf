"""Checks for 06_svd_and_pca: best rank-k approximation, its error, PCA, low-rank factors.

The oracles avoid np.linalg.svd, which the learner uses: the best rank-k
approximation is A V_k V_k^T with V_k the top eigenvectors of A^T A
(np.linalg.eigh), and PCA's directions and variances are the eigenvectors
and eigenvalues of np.cov. Principal directions are defined only up to sign
(and, for equal variances, up to a rotation within their plane), so
:data:`check_pca` tests the eigen-equation Cov c = var c, not fixed vectors.
Test matrices have well-separated singular values, so the best rank-k
approximation is unique.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from .shared import attempt, case_label, explain, random_orthogonal


def best_rank_k(A, k) -> np.ndarray:
    """The best rank-k approximation of A, from the eigenvectors of A^T A."""
    A = np.asarray(A, dtype=float)
    if k == 0:
        return np.zeros_like(A)
    _, vecs = np.linalg.eigh(A.T @ A)
    Vk = vecs[:, ::-1][:, :k]          # (n, k): top-k right singular vectors
    return A @ Vk @ Vk.T


def with_singular_values(rng, m, n, s) -> np.ndarray:
    """An m x n matrix U diag(s) V^T with random orthonormal U, V."""
    s = np.asarray(s, dtype=float)
    U = random_orthogonal(rng, m)[:, :len(s)]
    V = random_orthogonal(rng, n)[:, :len(s)]
    return (U * s) @ V.T


def _svd(A):
    return np.linalg.svd(np.asarray(A, dtype=float), full_matrices=False)


# ---------------------------------------------------------------------------
# 6.1 rank_k_approximation
# ---------------------------------------------------------------------------


def _rank_k_reference(A, k):
    # Sum of k rank-1 pieces s_i u_i v_i^T, one outer product at a time.
    U, s, Vt = _svd(A)
    out = np.zeros(np.shape(A))
    for i in range(k):
        out += s[i] * np.outer(U[:, i], Vt[i])
    return out


check_rank_k_approximation = FunctionCheck(
    "rank_k_approximation", best_rank_k,
    lambda rng: [
        Case("a 4x4 matrix with singular values 5, 3, 1, 0.5; k=2",
             (with_singular_values(rng, 4, 4, [5.0, 3.0, 1.0, 0.5]), 2)),
        Case("a 6x4 matrix; k=1", (with_singular_values(rng, 6, 4, [4.0, 2.0, 1.0, 0.1]), 1)),
        Case("a 3x5 matrix; k=2", (with_singular_values(rng, 3, 5, [3.0, 1.5, 0.2]), 2)),
        Case("a 3x2 matrix; k=0 (the zero matrix)",
             (with_singular_values(rng, 3, 2, [2.0, 1.0]), 0)),
    ],
    reference=_rank_k_reference, rtol=1e-7, atol=1e-9,
    mistakes=[
        Mistake("kept the smallest singular values",
                "Your approximation keeps the k *smallest* singular values. np.linalg.svd "
                "returns them largest first, so the best k are the first k.",
                "U[:, :k], s[:k], Vt[:k, :].",
                variant=lambda A, k: (lambda U, s, Vt: (U[:, -k:] * s[-k:]) @ Vt[-k:])(*_svd(A))),
        Mistake("left out the singular values",
                "You multiplied U_k @ Vt_k without the singular values in between, so every "
                "direction gets weight 1 instead of its singular value.",
                "U[:, :k] @ np.diag(s[:k]) @ Vt[:k, :] (or (U[:, :k] * s[:k]) @ Vt[:k, :]).",
                variant=lambda A, k: (lambda U, s, Vt: U[:, :k] @ Vt[:k])(*_svd(A))),
        Mistake("columns of Vt instead of rows",
                "np.linalg.svd returns Vt = V^T, whose *rows* are the right singular vectors. "
                "You used its columns (Vt[:, :k]).",
                "Take the first k rows: Vt[:k, :].",
                variant=lambda A, k: (lambda U, s, Vt: (U[:, :k] * s[:k]) @ Vt[:, :k].T)(
                    *_svd(A))),
    ],
    hint="U, s, Vt = np.linalg.svd(A, full_matrices=False); keep the first k of each: "
         "(U[:, :k] * s[:k]) @ Vt[:k].")

# ---------------------------------------------------------------------------
# 6.2 approximation_error
# ---------------------------------------------------------------------------

check_approximation_error = FunctionCheck(
    "approximation_error", lambda s, k: math.hypot(*s.tolist()[k:]),
    [Case("s = [5, 3, 2, 1, 0.5], k = 2", (np.array([5.0, 3.0, 2.0, 1.0, 0.5]), 2)),
     Case("s = [10, 1, 0.1], k = 1", (np.array([10.0, 1.0, 0.1]), 1)),
     Case("s = [4, 3, 2, 1], k = 3", (np.array([4.0, 3.0, 2.0, 1.0]), 3)),
     Case("s = [7, 2, 2, 1, 1, 0.5], k = 0", (np.array([7.0, 2.0, 2.0, 1.0, 1.0, 0.5]), 0)),
     Case("s = [3, 2, 1], k = 3 (nothing left out: 0.0)", (np.array([3.0, 2.0, 1.0]), 3))],
    rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("forgot the square root",
                "You returned the sum of the squared singular values that are left out. That "
                "is the *squared* error; the Frobenius norm of A - A_k is its square root.",
                "Take the square root of the sum of squares.",
                variant=lambda s, k: float((s[k:] ** 2).sum())),
        Mistake("added the singular values without squaring",
                "You added the left-out singular values themselves. The Frobenius error adds "
                "their *squares*, then takes the square root (Pythagoras, as for a length).",
                "sqrt(sum of s_i^2 for i >= k).",
                variant=lambda s, k: float(s[k:].sum())),
        Mistake("started one too late",
                "You left out s[k] itself: with 0-based indexing the first singular value "
                "dropped by a rank-k approximation is s[k] (the (k+1)-th one).",
                "The dropped values are s[k:], from index k on.",
                variant=lambda s, k: float(np.sqrt((s[k + 1:] ** 2).sum()))),
        Mistake("started one too early",
                "You included s[k - 1], a singular value the rank-k approximation keeps. The "
                "first k (indices 0 .. k-1) are kept; the error comes from the rest.",
                "The dropped values are s[k:].",
                variant=lambda s, k: float(np.sqrt((s[max(k - 1, 0):] ** 2).sum()))),
        Mistake("the part that is kept",
                "You used the first k singular values, the part the approximation keeps. The "
                "error is what it leaves out.",
                "Use s[k:] instead of s[:k].",
                variant=lambda s, k: float(np.sqrt((s[:k] ** 2).sum()))),
    ],
    hint="|A - A_k| (Frobenius) = sqrt(s[k]^2 + s[k+1]^2 + ...), with 0-based indexing.")

# ---------------------------------------------------------------------------
# 6.3 pca
# ---------------------------------------------------------------------------


def _pca_reference(X, k):
    # Eigen-decomposition of the covariance matrix (the notebook uses the SVD).
    Xc = X - X.mean(axis=0)
    values, vectors = np.linalg.eigh(Xc.T @ Xc / (len(X) - 1))
    return vectors[:, ::-1][:, :k].T, values[::-1][:k]


def _pca_svd(X, k, *, center=True, axis=0, ddof=1, variance="s2", directions="Vt"):
    Xc = X - X.mean(axis=axis, keepdims=True) if center else X
    U, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    var = {"s2": s ** 2 / (len(X) - ddof), "s": s, "s/n": s / (len(X) - ddof)}[variance]
    comps = {"Vt": Vt[:k], "V": Vt[:k].T, "U": U[:, :k].T}[directions]
    return comps, var[:k]


NOT_CENTRED = Mistake(
    "forgot to centre the data",
    "Your variances and directions come from data that were not centred. Without centring, "
    "the first direction points from the origin towards the middle of the data cloud "
    "instead of along its spread, and its 'variance' is mostly the mean squared. PCA "
    "measures spread around the mean, so subtract the mean of each feature (column) first.",
    "Xc = X - X.mean(axis=0), then the SVD of Xc.",
    example=lambda X, k: _pca_svd(X, k, center=False))
WRONG_AXIS = Mistake(
    "centred the wrong axis",
    "You subtracted the mean of each *row* (each data point's average over its features). "
    "Centring means subtracting each *feature's* mean over all the points: the mean of each "
    "column, X.mean(axis=0).",
    "X - X.mean(axis=0): one mean per column, shape (d,).",
    example=lambda X, k: _pca_svd(X, k, axis=1))
DIVIDED_BY_N = Mistake(
    "divided by n instead of n - 1",
    "Your variances are (n - 1) / n times the expected ones: you divided by n. The docstring "
    "asks for the sample variance, which divides by n - 1 (as np.cov and np.var(ddof=1) do).",
    "variances = s ** 2 / (n - 1).",
    example=lambda X, k: _pca_svd(X, k, ddof=0))
SINGULAR_VALUES = Mistake(
    "singular values instead of variances",
    "You returned the singular values s of the centred data. The variance along a "
    "direction is s ** 2 / (n - 1): the squared length of the data's projection, averaged.",
    "variances = s[:k] ** 2 / (n - 1).",
    example=lambda X, k: _pca_svd(X, k, variance="s"))
NOT_SQUARED = Mistake(
    "singular values not squared",
    "You divided the singular values by n - 1 without squaring them first.",
    "variances = s ** 2 / (n - 1).",
    example=lambda X, k: _pca_svd(X, k, variance="s/n"))
def _pca_ascending(X, k):
    Xc = X - X.mean(axis=0)
    values, vectors = np.linalg.eigh(Xc.T @ Xc / (len(X) - 1))
    return vectors[:, :k].T, values[:k]


SMALLEST_FIRST = Mistake(
    "smallest variances first",
    "You returned the directions with the *smallest* variance: np.linalg.eigh lists "
    "eigenvalues in increasing order, so its first columns are the least important "
    "directions.",
    "Reverse the order (values[::-1], vectors[:, ::-1]) before keeping k, or use the SVD, "
    "which sorts the singular values largest first.",
    example=_pca_ascending)
AS_COLUMNS = Mistake(
    "directions as columns",
    "You returned the directions as the *columns* of a (d, k) array. The docstring asks for "
    "one direction per row, shape (k, d), like the rows of Vt.",
    "Take rows of Vt: Vt[:k] (no transpose).",
    example=lambda X, k: _pca_svd(X, k, directions="V"))
FROM_U = Mistake(
    "directions taken from U",
    "Your directions have one entry per data point: they come from U, whose columns live in "
    "'sample space'. The principal directions live in feature space, one entry per feature: "
    "the rows of Vt.",
    "Use Vt[:k] from U, s, Vt = np.linalg.svd(Xc, full_matrices=False).",
    example=lambda X, k: _pca_svd(X, k, directions="U"))


def _pca_cases(rng):
    C2 = np.array([[3.0, 1.6], [1.6, 1.2]])
    X2 = rng.multivariate_normal([5.0, -3.0], C2, size=200)
    Q5 = random_orthogonal(rng, 5)
    X5 = (rng.normal(size=(300, 5)) * np.array([3.0, 2.0, 1.0, 0.5, 0.2])) @ Q5.T + 2.0
    X3 = rng.normal(size=(100, 3)) * np.array([1.0, 4.0, 2.0]) + np.array([10.0, 0.0, -4.0])
    return [Case("200 points in 2-D, centred near (5, -3); k=1", (X2, 1)),
            Case("300 points in 5-D; k=2", (X5, 2)),
            Case("100 points in 3-D; k=3", (X3, 3))]


def _top_eig(M, k):
    values, vectors = np.linalg.eigh(M)
    return values[::-1][:k], vectors[:, ::-1][:, :k]


def _variance_mistake(X, k, got) -> Mistake | None:
    n = len(X)
    cov = np.cov(X, rowvar=False).reshape(X.shape[1], X.shape[1])
    top, _ = _top_eig(cov, k)
    Xr = X - X.mean(axis=1, keepdims=True)
    candidates = [
        (NOT_CENTRED, _top_eig(X.T @ X / (n - 1), k)[0]),
        (WRONG_AXIS, _top_eig(Xr.T @ Xr / (n - 1), k)[0]),
        (DIVIDED_BY_N, top * (n - 1) / n),
        (SINGULAR_VALUES, np.sqrt(np.clip(top, 0, None) * (n - 1))),
        (NOT_SQUARED, np.sqrt(np.clip(top, 0, None) * (n - 1)) / (n - 1)),
        (SMALLEST_FIRST, np.linalg.eigvalsh(cov)[:k]),
    ]
    for mistake, values in candidates:
        if got.shape == values.shape and np.allclose(got, values, rtol=1e-6):
            return mistake
    return None


def _verify_pca(fn, ctx: Context) -> None:
    cases = ctx.cases if ctx.cases is not None else _pca_cases(ctx.rng())
    for i, case in enumerate(cases, 1):
        label = case_label(ctx, i, len(cases), case)
        X, k = np.asarray(case.args[0], dtype=float), int(case.args[1])
        n, d = X.shape
        result, _, _, exc = attempt(fn, case)
        if exc is not None:
            raise explain(exc, fn, case, ctx.check.name, label, ctx.hidden)
        ctx.require(isinstance(result, (tuple, list)) and len(result) == 2, label,
                    ["pca should return a pair (components, variances)"])
        comps, variances = result
        ctx.require(isinstance(comps, np.ndarray) and isinstance(variances, np.ndarray), label,
                    ["components and variances should both be NumPy arrays"])
        cov = np.cov(X, rowvar=False).reshape(d, d)
        expected_var, _ = _top_eig(cov, k)
        scale = max(float(expected_var[0]), 1e-300)
        if comps.shape in ((k, n), (n, k)) and n != d:
            ctx.fail(label, [f"your components have shape {comps.shape}, expected ({k}, {d})"],
                     mistake=FROM_U)
        as_columns = comps.shape == (d, k) and (k != d or not _eigen_rows(cov, comps, scale)) \
            and _eigen_rows(cov, comps.T, scale)
        if as_columns:
            ctx.fail(label, [f"your components have shape {comps.shape}, expected ({k}, {d}), "
                             "one direction per row"], mistake=AS_COLUMNS)
        ctx.require(comps.shape == (k, d), label,
                    [f"your components have shape {comps.shape}, expected ({k}, {d})"])
        ctx.require(variances.shape == (k,), label,
                    [f"your variances have shape {variances.shape}, expected ({k},)"])
        got_var = variances.astype(float)
        if not np.allclose(got_var, expected_var, rtol=1e-6, atol=1e-9 * scale):
            mistake = _variance_mistake(X, k, got_var)
            if mistake is None:
                ctx.expect(expected_var, got_var, label=label, dtype=None)
            shown = [] if ctx.hidden else [f"your variances: {np.round(got_var, 5)}",
                                           f"expected:       {np.round(expected_var, 5)}"]
            ctx.fail(label, ["your variances are not the variances along the principal "
                             "directions", *shown], mistake=mistake)
        ctx.passed += 1
        ctx.require(bool(np.allclose(comps @ comps.T, np.eye(k), atol=1e-8)), label,
                    ["your directions should have length 1 and be perpendicular to each other "
                     "(components @ components.T should be the identity)"])
        if not _eigen_rows(cov, comps, scale, expected_var):
            Xr = X - X.mean(axis=1, keepdims=True)
            if _eigen_rows(X.T @ X / (n - 1), comps, scale):
                mistake = NOT_CENTRED
            elif _eigen_rows(Xr.T @ Xr / (n - 1), comps, scale):
                mistake = WRONG_AXIS
            else:
                mistake = None
            ctx.fail(label, ["your directions are not the principal directions: the "
                             "covariance matrix C should satisfy C @ c = variance * c for each "
                             "row c"], mistake=mistake,
                     hint=None if mistake else "Take the first k rows of Vt from the SVD of "
                     "the centred data.")
        ctx.passed += 1
    ctx.passed = len(cases)  # the success line counts cases, as failures do


def _eigen_rows(C, comps, scale, values=None) -> bool:
    """True if every row c of comps satisfies C c = value c (its own value if None)."""
    if comps.ndim != 2 or comps.shape[1] != C.shape[0]:
        return False
    V = comps.T.astype(float)
    own = np.einsum("ij,ij->j", V, C @ V) / np.maximum(np.einsum("ij,ij->j", V, V), 1e-300)
    values = own if values is None else values
    return float(np.abs(C @ V - V * values).max(initial=0.0)) <= 1e-7 * scale


check_pca = CustomCheck(
    "pca", _verify_pca, reference=_pca_reference,
    mistakes=[NOT_CENTRED, WRONG_AXIS, DIVIDED_BY_N, SINGULAR_VALUES, NOT_SQUARED,
              SMALLEST_FIRST, AS_COLUMNS, FROM_U],
    hint="Centre the columns, take the SVD of the centred data, keep the first k rows of Vt "
         "and s[:k] ** 2 / (n - 1).")

# ---------------------------------------------------------------------------
# 6.4 low_rank_factors
# ---------------------------------------------------------------------------


def _factors_reference(delta, r):
    # Split the singular values evenly between the two factors (B = U sqrt(S), A = sqrt(S) Vt).
    U, s, Vt = _svd(delta)
    root = np.sqrt(s[:r])
    return U[:, :r] * root, root[:, None] * Vt[:r]


def _factors_no_s(delta, r):
    U, s, Vt = _svd(delta)
    return U[:, :r], Vt[:r]


def _factors_smallest(delta, r):
    U, s, Vt = _svd(delta)
    return U[:, -r:] * s[-r:], Vt[-r:]


def _factors_swapped(delta, r):
    U, s, Vt = _svd(delta)
    return Vt[:r], U[:, :r] * s[:r]


def _product_matches(example):
    def detect(expected, got, case) -> bool:
        B, A = example(*case.args)
        return isinstance(got, np.ndarray) and got.shape == expected.shape and \
            bool(np.allclose(got, B @ A, rtol=1e-6,
                             atol=1e-9 * (float(np.abs(expected).max()) or 1.0)))
    return detect


FACTORS_NO_S = Mistake(
    "left out the singular values",
    "Your B @ A is U_r @ Vt_r: the singular values are in neither factor, so every kept "
    "direction has weight 1.",
    "Put s[:r] into one of the factors (or sqrt(s[:r]) into both): B = U[:, :r] * s[:r], "
    "A = Vt[:r].",
    detect=_product_matches(_factors_no_s), example=_factors_no_s)
FACTORS_SMALLEST = Mistake(
    "kept the smallest singular values",
    "Your factors keep the r *smallest* singular directions, which carry the least of the "
    "matrix.",
    "The first r (np.linalg.svd sorts them largest first).",
    detect=_product_matches(_factors_smallest), example=_factors_smallest)
FACTORS_SWAPPED = Mistake(
    "factors swapped",
    "Your first factor has the shape of A and the second the shape of B. B (shape (m, r)) "
    "comes first: delta is approximately B @ A, with B @ A of shape (m, n).",
    "Return (B, A) with B = U[:, :r] * s[:r] (m, r) and A = Vt[:r] (r, n).",
    example=_factors_swapped)


def _factor_cases(rng):
    return [
        Case("a 6x5 weight update of rank 2 plus a little noise; r=2",
             (with_singular_values(rng, 6, 5, [3.0, 2.0, 0.05, 0.02, 0.01]), 2)),
        Case("a 4x8 update; r=1", (with_singular_values(rng, 4, 8, [2.0, 0.5, 0.3, 0.1]), 1)),
        Case("a 5x5 matrix; r=3", (with_singular_values(rng, 5, 5, [4.0, 3.0, 2.0, 1.0, 0.5]),
                                   3)),
    ]


def _verify_factors(fn, ctx: Context) -> None:
    cases = ctx.cases if ctx.cases is not None else _factor_cases(ctx.rng())
    for i, case in enumerate(cases, 1):
        label = case_label(ctx, i, len(cases), case)
        delta, r = np.asarray(case.args[0], dtype=float), int(case.args[1])
        m, n = delta.shape
        result, _, _, exc = attempt(fn, case)
        if exc is not None:
            raise explain(exc, fn, case, ctx.check.name, label, ctx.hidden)
        ctx.require(isinstance(result, (tuple, list)) and len(result) == 2, label,
                    ["low_rank_factors should return a pair (B, A)"])
        B, A = result
        ctx.require(isinstance(B, np.ndarray) and isinstance(A, np.ndarray), label,
                    ["B and A should both be NumPy arrays"])
        if B.shape == (r, n) and A.shape == (m, r) and (m, r) != (r, n):
            ctx.fail(label, [f"your B has shape {B.shape} and your A has shape {A.shape}; "
                             f"expected B: ({m}, {r}) and A: ({r}, {n})"],
                     mistake=FACTORS_SWAPPED)
        ctx.require(B.shape == (m, r) and A.shape == (r, n), label,
                    [f"your B has shape {B.shape} and your A has shape {A.shape}; expected "
                     f"B: ({m}, {r}) and A: ({r}, {n})"])
        scale = float(np.abs(delta).max()) or 1.0       # tolerances follow the matrix's scale
        ctx.expect(best_rank_k(delta, r), B @ A, label=label + " (comparing B @ A with the "
                   "best rank-r approximation)", case=case, rtol=1e-7, atol=1e-9 * scale)
    ctx.passed = len(cases)  # the success line counts cases, as failures do


check_low_rank_factors = CustomCheck(
    "low_rank_factors", _verify_factors, reference=_factors_reference,
    mistakes=[FACTORS_NO_S, FACTORS_SMALLEST, FACTORS_SWAPPED],
    hint="From the SVD: B = U[:, :r] * s[:r] (m, r) and A = Vt[:r] (r, n); any split of the "
         "singular values between B and A is fine.")
