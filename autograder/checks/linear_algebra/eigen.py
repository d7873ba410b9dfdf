"""Checks for 05_eigenvectors: Rayleigh quotient, power iteration, symmetric eigenbases.

An eigenvector is only defined up to sign and scale, and when an eigenvalue is
repeated any basis of its eigenspace will do. So the checks here never compare
a learner's vectors with one fixed answer: they test the defining property
A v = lambda v (with |v| = 1 where the docstring asks for unit vectors), and
compare eigenvalues, which are unique, with np.linalg.eigvals / eigvalsh.
Test matrices are built with known eigenvalues (:mod:`.shared`).
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from .shared import (
    EIGEN_SOLVERS,
    HandWrittenCheck,
    attempt,
    case_label,
    explain,
    require_hand_written,
    symmetric_with_eigenvalues,
    with_eigenvalues,
)

# ---------------------------------------------------------------------------
# 5.1 rayleigh_quotient
# ---------------------------------------------------------------------------


def _rayleigh(A, v):
    Av = [math.fsum(a * x for a, x in zip(row, v.tolist(), strict=True)) for row in A.tolist()]
    return math.fsum(x * y for x, y in zip(v.tolist(), Av, strict=True)) / \
        math.fsum(x * x for x in v.tolist())


check_rayleigh_quotient = FunctionCheck(
    "rayleigh_quotient", _rayleigh,
    lambda rng: [
        Case("a symmetric 3x3 matrix and a vector of length 3",
             (symmetric_with_eigenvalues(rng, [4.0, 1.0, -2.0]), np.array([1.0, 2.0, 2.0]))),
        Case("a matrix with only negative eigenvalues",
             (np.array([[-3.0, 1.0], [1.0, -2.0]]), np.array([0.5, -1.5]))),
        Case("a symmetric 4x4 matrix and a random vector",
             (symmetric_with_eigenvalues(rng, [3.0, 2.0, 0.5, -1.0]), 4 * rng.normal(size=4))),
        Case("v = (3, -3), an eigenvector of [[2, 1], [1, 2]]: exactly its eigenvalue 1",
             (np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([3.0, -3.0]))),
    ],
    mistakes=[
        Mistake("forgot to divide by v . v",
                "You returned v . (A v) without dividing by v . v. That is only the eigenvalue "
                "estimate when v has length 1; for a longer v it is |v|^2 times too big.",
                "Divide by v . v, so that scaling v does not change the answer.",
                variant=lambda A, v: float(v @ A @ v)),
        Mistake("divided by the length, not the squared length",
                "You divided v . (A v) by |v|. Both factors of v in the numerator need "
                "undoing, so divide by |v|^2 = v . v.",
                "Divide by v . v.",
                variant=lambda A, v: float(v @ A @ v / np.sqrt(v @ v))),
        Mistake("used the length of A v",
                "You returned |A v| / |v|. That is how much A stretches v, and it is never "
                "negative, so it loses the sign of a negative eigenvalue (and is not the "
                "eigenvalue estimate when v is not an eigenvector).",
                "Use the dot product: v . (A v) / (v . v).",
                variant=lambda A, v: float(np.linalg.norm(A @ v) / np.linalg.norm(v))),
    ],
    hint="rayleigh_quotient(A, v) = v . (A v) / (v . v); for an eigenvector it is exactly "
         "its eigenvalue.")

# ---------------------------------------------------------------------------
# 5.2 power_iteration
# ---------------------------------------------------------------------------


def _power_iteration_reference(A, n_iter=500, seed=0):
    # Written differently from the exercise: two steps per loop, Rayleigh quotient at the end.
    v = np.random.default_rng(seed).standard_normal(A.shape[0])
    for _ in range(n_iter // 2 + 1):
        w = A @ (A @ v)
        v = w / math.sqrt(float(w @ w))
    return float(v @ (A @ v)), v


def _power_unnormalised(A, n_iter=500, seed=0):
    v = np.random.default_rng(seed).standard_normal(A.shape[0])
    for _ in range(n_iter):
        v = A @ v
    v = v / np.linalg.norm(v)
    return float(v @ A @ v), v


def _power_max_normalised(A, n_iter=500, seed=0):
    v = np.random.default_rng(seed).standard_normal(A.shape[0])
    for _ in range(n_iter):
        w = A @ v
        v = w / np.abs(w).max()
    return float(v @ A @ v / (v @ v)), v


def _power_norm_eigenvalue(A, n_iter=500, seed=0):
    v = np.random.default_rng(seed).standard_normal(A.shape[0])
    for _ in range(n_iter):
        w = A @ v
        v = w / np.linalg.norm(w)
    return float(np.linalg.norm(A @ v)), v


def _power_transposed(A, n_iter=500, seed=0):
    v = np.random.default_rng(seed).standard_normal(A.shape[0])
    for _ in range(n_iter):
        w = A.T @ v
        v = w / np.linalg.norm(w)
    return float(v @ A @ v), v


def _power_ones(A, n_iter=500, seed=0):
    v = np.ones(A.shape[0])
    for _ in range(n_iter):
        w = A @ v
        v = w / np.linalg.norm(w)
    return float(v @ A @ v), v


def _power_unseeded(A, n_iter=500, seed=0):
    return _power_iteration_reference(A, n_iter, seed=None)


def _power_with_eig(A, n_iter=500, seed=0):
    values, vectors = np.linalg.eig(A)
    i = int(np.argmax(np.abs(values)))
    return float(values[i].real), vectors[:, i].real


NOT_NORMALISED = Mistake(
    "not normalising each step",
    "Your vector contains inf or nan. Multiplying by A again and again makes the vector "
    "grow like lambda^n: 5^500 is about 1e349, beyond the largest float (about 1.8e308). "
    "Normalising only at the end is too late.",
    "Divide v by its length inside the loop, after every multiplication.",
    example=_power_unnormalised)
NOT_UNIT = Mistake(
    "eigenvector not of length 1",
    "Your vector points the right way but its length is not 1. Eigenvectors are only "
    "defined up to scale, so the docstring fixes the scale: return a unit vector. (Dividing "
    "by the largest entry keeps the numbers finite but does not give length 1.)",
    "Divide by np.linalg.norm(v) (the Euclidean length).",
    example=_power_max_normalised)
SIGN_LOST = Mistake(
    "eigenvalue from the length of A v",
    "Your eigenvalue has the wrong sign. |A v| is how much A stretches v, which is never "
    "negative: for an eigenvalue of -6, A v = -6 v has length 6. The sign says whether A "
    "flips v.",
    "Use the Rayleigh quotient v . (A v) (v has length 1), which keeps the sign.",
    example=_power_norm_eigenvalue)
TRANSPOSED = Mistake(
    "multiplied by the transpose",
    "Your vector satisfies A.T v = lambda v, not A v = lambda v: the loop multiplies by "
    "A.T (or computes v @ A, which is the same as A.T @ v). For a symmetric matrix the two "
    "agree, which is why only the non-symmetric case shows it.",
    "Multiply by A on the left: v = A @ v.",
    example=_power_transposed)
FIXED_START = Mistake(
    "a fixed starting vector",
    "Your iteration found another eigenvector, not the one with the largest |eigenvalue|. "
    "That happens when the starting vector has no component along the top eigenvectors. "
    "Here (1, 1, 1, 1) is itself an eigenvector (with eigenvalue 2), so a start of np.ones "
    "stays where it is forever. A random start has a component along every direction "
    "(with probability 1).",
    "Start from rng.standard_normal(n) with rng = np.random.default_rng(seed).",
    example=_power_ones)
UNSEEDED = Mistake(
    "unseeded randomness",
    "Two calls with the same seed returned different vectors: the starting vector does not "
    "come from the seed argument.",
    "rng = np.random.default_rng(seed), and draw the start from rng.",
    example=_power_unseeded)
USED_EIG = Mistake(
    "used np.linalg.eig",
    "Your function calls NumPy's eigenvalue routines; this exercise is about power iteration "
    "written by you. (np.linalg.eig is the right tool afterwards.)",
    "Repeat: v = A @ v, then normalise v. Afterwards the eigenvalue is v . (A v).",
    example=_power_with_eig)


def _power_cases(rng):
    return [
        Case("a symmetric 4x4 matrix with eigenvalues 5, 2, 1, -0.5",
             (symmetric_with_eigenvalues(rng, [5.0, 2.0, 1.0, -0.5]),), {"seed": 0}),
        Case("a symmetric matrix whose largest eigenvalue is negative (-6, 3, 1)",
             (symmetric_with_eigenvalues(rng, [-6.0, 3.0, 1.0]),), {"seed": 1}),
        Case("a 4x4 matrix for which (1, 1, 1, 1) is an eigenvector, but not the top one",
             (np.array([[3.0, -1.0, 0.0, 0.0], [-1.0, 3.0, 0.0, 0.0], [0.0, 0.0, 3.0, -1.0],
                        [0.0, 0.0, -1.0, 3.0]]),), {"seed": 2}),
        Case("a non-symmetric 3x3 matrix with eigenvalues 4, 1.5, -1",
             (with_eigenvalues(rng, [4.0, 1.5, -1.0]),), {"seed": 3}),
        Case("a symmetric 3x3 matrix whose top eigenvalue is not a whole number (3.7)",
             (symmetric_with_eigenvalues(rng, [3.7, 1.2, -0.4]),), {"seed": 4}),
    ]


def _number(x) -> float | None:
    try:
        value = complex(x)
    except (TypeError, ValueError):
        return None
    return value.real if value.imag == 0 else None


def _verify_power_iteration(fn, ctx: Context) -> None:
    require_hand_written(ctx, fn, EIGEN_SOLVERS, USED_EIG)
    cases = ctx.cases if ctx.cases is not None else _power_cases(ctx.rng())
    for i, case in enumerate(cases, 1):
        label = case_label(ctx, i, len(cases), case)
        A = np.asarray(case.args[0], dtype=float)
        n = A.shape[0]
        result, _, _, exc = attempt(fn, case)
        if exc is not None:
            raise explain(exc, fn, case, ctx.check.name, label, ctx.hidden)
        ctx.require(isinstance(result, (tuple, list)) and len(result) == 2, label,
                    [f"power_iteration should return a pair (eigenvalue, eigenvector); got "
                     f"{type(result).__name__}"])
        lam, v = _number(result[0]), result[1]
        ctx.require(lam is not None, label, [f"the eigenvalue should be a real number; got "
                                             f"{type(result[0]).__name__}"])
        ctx.require(isinstance(v, np.ndarray) and v.shape == (n,), label,
                    [f"the eigenvector should be an array of shape ({n},); got "
                     f"{v.shape if isinstance(v, np.ndarray) else type(v).__name__}"])
        assert lam is not None  # ctx.require above failed otherwise
        v = v.astype(float)
        ctx.require(bool(np.isfinite(v).all()) and math.isfinite(lam), label,
                    ["your eigenvector or eigenvalue contains inf or nan"], mistake=NOT_NORMALISED)
        length = float(np.sqrt(v @ v))
        ctx.require(abs(length - 1) <= 1e-6, label,
                    [f"your eigenvector has length {length:.6g}; it should have length 1"],
                    mistake=NOT_UNIT)
        size = float(np.linalg.norm(A, 2)) or 1.0
        if float(np.abs(A @ v - lam * v).max()) > 1e-6 * size:
            shown = [] if ctx.hidden else [f"your eigenvalue: {lam:.6g}",
                                           f"A @ v:   {np.round(A @ v, 4)}",
                                           f"lam * v: {np.round(lam * v, 4)}"]
            if float(np.abs(A.T @ v - lam * v).max()) <= 1e-6 * size:
                mistake = TRANSPOSED
            elif float(np.abs(A @ v + lam * v).max()) <= 1e-6 * size and lam != 0:
                mistake = SIGN_LOST
            else:
                mistake = None
            ctx.fail(label, ["A @ v is not lam * v: the pair you returned is not an "
                             "eigenvalue with its eigenvector", *shown], mistake=mistake,
                     hint=None if mistake else "Check that the loop multiplies by A and "
                     "normalises, and that the eigenvalue is v . (A v) for the final v.")
        eigenvalues = np.linalg.eigvals(A)
        top = eigenvalues[int(np.argmax(np.abs(eigenvalues)))].real
        found = abs(lam - top) <= 1e-6 * size
        if not found:
            ctx.fail(label, [f"your eigenvalue is {lam:.6g}, but the eigenvalue of largest "
                             f"size is {top:.6g}; your vector is an eigenvector, but not the "
                             f"one power iteration should find"], mistake=FIXED_START)
        ctx.passed += 1
        if i == 1 and ctx.cases is None:
            # After one step the vector still depends strongly on the start, so two calls
            # with the same seed agree only if the start really comes from the seed.
            one_step = Case(case.label + ", n_iter=1", case.args, {**case.kwargs, "n_iter": 1})
            first, _, _, exc1 = attempt(fn, one_step)
            again, _, _, exc2 = attempt(fn, one_step)
            same = exc1 is None and exc2 is None and isinstance(first, (tuple, list)) and \
                isinstance(again, (tuple, list)) and \
                np.array_equal(np.asarray(first[1]), np.asarray(again[1]))
            ctx.require(same, label, ["calling your function twice with the same seed (and "
                                      "n_iter=1) gave different vectors"], mistake=UNSEEDED)
    ctx.passed = len(cases)  # the success line counts cases, as failures do


check_power_iteration = CustomCheck(
    "power_iteration", _verify_power_iteration, reference=_power_iteration_reference,
    mistakes=[NOT_NORMALISED, NOT_UNIT, SIGN_LOST, TRANSPOSED, FIXED_START, UNSEEDED, USED_EIG],
    hint="Start from a random vector; repeat v = A @ v; v = v / |v|; finally lam = v . (A v).")

# ---------------------------------------------------------------------------
# 5.3 top_eigenvectors
# ---------------------------------------------------------------------------


def _top_reference(S, k):
    # Largest first, by negating: eigh of -S lists -S's smallest (= S's largest) first.
    values, vectors = np.linalg.eigh(-S)
    return -values[:k], vectors[:, :k]


def _top_ascending(S, k):
    values, vectors = np.linalg.eigh(S)
    return values[:k], vectors[:, :k]


def _top_values_only_sorted(S, k):
    values, vectors = np.linalg.eigh(S)
    return values[::-1][:k], vectors[:, :k]


def _top_as_rows(S, k):
    values, vectors = np.linalg.eigh(S)
    return values[::-1][:k], vectors[:, ::-1][:, :k].T


def _top_by_magnitude(S, k):
    values, vectors = np.linalg.eigh(S)
    order = np.argsort(-np.abs(values))[:k]
    return values[order], vectors[:, order]


ASCENDING = Mistake(
    "smallest eigenvalues first",
    "You returned the k *smallest* eigenvalues: np.linalg.eigh lists eigenvalues in "
    "increasing order, so its first entries are the smallest.",
    "Reverse the order: values[::-1] and vectors[:, ::-1], then take the first k.",
    example=_top_ascending)
NOT_REORDERED = Mistake(
    "values sorted but not the vectors",
    "Your eigenvalues are right, but the columns of your eigenvectors belong to *other* "
    "eigenvalues: you reordered the values without reordering the vectors the same way. "
    "Column j must be the eigenvector of values[j].",
    "Reorder both with the same index array: order = np.argsort(-values); values[order], "
    "vectors[:, order].",
    example=_top_values_only_sorted)
AS_ROWS = Mistake(
    "eigenvectors as rows",
    "Your eigenvectors are the *rows* of the array you returned. np.linalg.eigh returns "
    "them as columns: vectors[:, j] goes with values[j]. (vectors[j] is a row, which is not "
    "an eigenvector.)",
    "Keep them as columns, shape (n, k): select with vectors[:, ...].",
    example=_top_as_rows)
BY_MAGNITUDE = Mistake(
    "ordered by size, not value",
    "You picked the eigenvalues with the largest *absolute* value. Here 'top' means the "
    "largest values: -4 comes after 2 and -1.",
    "Sort by the values themselves, largest first.",
    example=_top_by_magnitude)


def _top_cases(rng):
    return [
        Case("a symmetric 4x4 matrix with eigenvalues 5, 3, 1, -2; k=2",
             (symmetric_with_eigenvalues(rng, [5.0, 3.0, 1.0, -2.0]), 2)),
        Case("a symmetric 3x3 matrix with eigenvalues 2, -1, -4; k=3",
             (symmetric_with_eigenvalues(rng, [2.0, -1.0, -4.0]), 3)),
        Case("a symmetric 5x5 matrix; k=1", (symmetric_with_eigenvalues(
            rng, [2.5, 1.0, 0.2, -0.7, -1.5]), 1)),
    ]


def _is_eigenbasis(S, V, values, tol) -> bool:
    return float(np.abs(S @ V - V * values).max(initial=0.0)) <= tol


def _verify_top(fn, ctx: Context) -> None:
    cases = ctx.cases if ctx.cases is not None else _top_cases(ctx.rng())
    for i, case in enumerate(cases, 1):
        label = case_label(ctx, i, len(cases), case)
        S, k = np.asarray(case.args[0], dtype=float), int(case.args[1])
        n = S.shape[0]
        result, _, _, exc = attempt(fn, case)
        if exc is not None:
            raise explain(exc, fn, case, ctx.check.name, label, ctx.hidden)
        ctx.require(isinstance(result, (tuple, list)) and len(result) == 2, label,
                    ["top_eigenvectors should return a pair (values, vectors)"])
        values, V = result
        all_values = np.linalg.eigvalsh(S)[::-1]  # largest first
        expected = all_values[:k]
        if isinstance(values, np.ndarray) and values.shape == (k,):
            got = values.astype(float)
            if not np.allclose(got, expected, rtol=1e-8, atol=1e-10 * abs(expected).max()):
                mistake = None
                if np.allclose(got, all_values[::-1][:k]):
                    mistake = ASCENDING
                elif np.allclose(got, all_values[np.argsort(-np.abs(all_values),
                                                            kind="stable")][:k]):
                    mistake = BY_MAGNITUDE
                if mistake is None:
                    ctx.expect(expected, got, label=label, dtype=None)
                ctx.fail(label, [f"your eigenvalues: {np.round(got, 6)}",
                                 f"the {k} largest: {np.round(expected, 6)}"], mistake=mistake)
            ctx.passed += 1
        else:
            ctx.expect(expected, values, label=label, dtype=None)
        tol = 1e-8 * max(1.0, float(np.abs(all_values).max()))
        ctx.require(isinstance(V, np.ndarray) and V.ndim == 2, label,
                    [f"the eigenvectors should be an array of shape ({n}, {k})"])
        if V.shape == (k, n) and (k != n or not _is_eigenbasis(S, V, expected, tol)) \
                and _is_eigenbasis(S, V.T, expected, tol):
            ctx.fail(label, [f"your eigenvectors have shape {V.shape}, expected ({n}, {k}), "
                             "with one eigenvector per column"], mistake=AS_ROWS)
        ctx.require(V.shape == (n, k), label,
                    [f"your eigenvectors have shape {V.shape}, expected ({n}, {k})"])
        gram = V.T @ V
        ctx.require(bool(np.allclose(gram, np.eye(k), atol=1e-8)), label,
                    ["your eigenvectors should have length 1 and be perpendicular to each "
                     "other (V.T @ V should be the identity)"])
        if not _is_eigenbasis(S, V, expected, tol):
            own = np.einsum("ij,ij->j", V, S @ V)  # each column's own Rayleigh quotient
            columns_are_eigen = _is_eigenbasis(S, V, own, tol)
            ctx.fail(label, ["S @ vectors[:, j] is not values[j] * vectors[:, j] for every j"],
                     mistake=NOT_REORDERED if columns_are_eigen else None,
                     hint="Column j must be the eigenvector of values[j].")
        ctx.passed += 1
    ctx.passed = len(cases)  # the success line counts cases, as failures do


check_top_eigenvectors = CustomCheck(
    "top_eigenvectors", _verify_top, reference=_top_reference,
    mistakes=[ASCENDING, NOT_REORDERED, AS_ROWS, BY_MAGNITUDE],
    hint="np.linalg.eigh(S) returns (values ascending, vectors as columns): reverse both, "
         "keep k.")

# ---------------------------------------------------------------------------
# 5.4 matrix_power
# ---------------------------------------------------------------------------


def _matrix_power_reference(S, p):
    # Repeated squaring: independent of the eigen-decomposition the exercise uses.
    result, base = np.eye(S.shape[0]), np.asarray(S, dtype=float)
    while p:
        if p & 1:
            result = result @ base
        base = base @ base
        p >>= 1
    return result


def _matrix_power_builtin(S, p):
    return np.linalg.matrix_power(S, p)


def _eig_parts(S):
    values, vectors = np.linalg.eigh(S)
    return values, vectors


check_matrix_power = HandWrittenCheck(
    "matrix_power", lambda S, p: np.linalg.matrix_power(S, p),
    lambda rng: [
        Case("a symmetric 3x3 matrix, p = 3",
             (symmetric_with_eigenvalues(rng, [2.0, -1.0, 0.5]), 3)),
        Case("a symmetric 2x2 matrix, p = 5", (np.array([[2.0, 1.0], [1.0, 2.0]]), 5)),
        Case("a symmetric 4x4 matrix, p = 0", (symmetric_with_eigenvalues(
            rng, [1.5, 1.0, -0.5, 0.25]), 0)),
    ],
    reference=_matrix_power_reference, rtol=1e-8, atol=1e-10,
    forbidden=("linalg.matrix_power",),
    builtin_mistake=Mistake(
        "used np.linalg.matrix_power",
        "Your results are right, but this exercise asks you to use the eigen-decomposition, "
        "and your function calls np.linalg.matrix_power.",
        "S = V diag(lam) V.T, so S^p = V diag(lam^p) V.T.",
        example=_matrix_power_builtin),
    mistakes=[
        Mistake("elementwise power",
                "You computed S ** p, which raises every *entry* to the power p. The matrix "
                "power is S @ S @ ... @ S. (It is the `*` versus `@` confusion again.)",
                "Raise the *eigenvalues* to the power p: V @ diag(lam ** p) @ V.T.",
                variant=lambda S, p: S ** p),
        Mistake("eigenvectors on the wrong sides",
                "You computed V.T @ diag(lam^p) @ V. With the eigenvectors as the columns of V "
                "the decomposition is S = V @ diag(lam) @ V.T: V on the left.",
                "Check your formula with p = 1: it must give S back.",
                variant=lambda S, p: (lambda w, V: V.T @ np.diag(w ** p) @ V)(*_eig_parts(S))),
        Mistake("multiplied the eigenvalues by p",
                "You used lam * p instead of lam ** p: the p-th power of S scales each "
                "eigenvector by lam^p (p multiplications by lam).",
                "Use lam ** p.",
                variant=lambda S, p: (lambda w, V: V @ np.diag(w * p) @ V.T)(*_eig_parts(S))),
    ],
    hint="In the eigenbasis S only scales: S^p = V @ diag(lam ** p) @ V.T, where "
         "lam, V = np.linalg.eigh(S).")
