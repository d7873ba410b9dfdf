"""What the stage 01 checks promise beyond tests/checks/test_every_check.py.

- They accept every correct answer: eigenvectors of either sign, any basis of an
  eigenspace or a null space, principal directions of either sign, any split of
  low-rank factors, equivalent return types.
- Singular matrices must raise ValueError with a message that says why.
- Hidden cases name the case but show no values; nothing reaches stderr; the
  verdict is the same every time.
- Hand-written exercises recognise NumPy's built-in routines in the learner's
  source, and only those.
"""

from __future__ import annotations

import re
import sys
import warnings

import numpy as np
import pytest

from autograder.checks import Case
from autograder.checks.linear_algebra import bases, eigen, maps, svd, systems, vectors
from autograder.checks.linear_algebra.shared import (
    EIGEN_SOLVERS,
    PRODUCT_BUILTINS,
    SOLVERS,
    builtins_used,
    symmetric_with_eigenvalues,
    with_eigenvalues,
)
from autograder.solutions import solution_function

# -- builtins_used ---------------------------------------------------------------------------


def _matmul_at(A, B):
    return A @ B


def _dot_method(A, x):
    inner = 0.0  # a variable called `inner` is not a call of np.inner
    for row in A:
        inner += row.dot(x)
    return inner


def _linalg_alias(A, b):
    from numpy import linalg
    return linalg.solve(A, b)


def _loops_only(A, x):
    out = np.zeros(A.shape[0])
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            out[i] += A[i, j] * x[j]
    return out


def _norm_is_allowed(A, n_iter=10, seed=0):
    v = np.ones(A.shape[0])
    for _ in range(n_iter):
        v = A @ v
        v = v / np.linalg.norm(v)
    return float(v @ A @ v), v


def test_builtins_used_finds_products_and_solvers():
    assert any("@" in f for f in builtins_used(_matmul_at, PRODUCT_BUILTINS))
    assert any("row.dot" in f for f in builtins_used(_dot_method, PRODUCT_BUILTINS))
    assert any("linalg.solve" in f for f in builtins_used(_linalg_alias, SOLVERS))


def test_builtins_used_ignores_what_is_allowed():
    assert builtins_used(_loops_only, PRODUCT_BUILTINS) == []
    assert not any("inner" in f for f in builtins_used(_dot_method, PRODUCT_BUILTINS)
                   if "dot" not in f)
    assert builtins_used(_norm_is_allowed, EIGEN_SOLVERS) == []


def test_builtins_used_without_source_is_silent():
    namespace: dict = {}
    exec("def f(A, B):\n    return A @ B\n", namespace)  # no source file to read
    assert builtins_used(namespace["f"], PRODUCT_BUILTINS) == []
    assert builtins_used(np.dot, PRODUCT_BUILTINS) == []


def test_hand_written_check_accepts_loops_and_names_the_builtin():
    assert maps.check_matvec_loops.explain(_loops_only) is None
    message = maps.check_matvec_loops.explain(_matvec_np_dot)
    assert "Diagnosis (used the built-in product)" in message
    assert "np.dot" in message


def _matvec_np_dot(A, x):
    return np.dot(A, x)


# -- every correct answer is accepted --------------------------------------------------------


def _power_negated(A, n_iter=500, seed=0):
    lam, v = eigen._power_iteration_reference(A, n_iter, seed)
    return lam, -v


def test_power_iteration_accepts_either_sign_and_any_vector_of_a_repeated_eigenspace():
    assert eigen.check_power_iteration.explain(_power_negated) is None
    rng = np.random.default_rng(0)
    repeated = symmetric_with_eigenvalues(rng, [4.0, 4.0, 1.0])
    for seed in range(3):  # different seeds converge to different vectors of the plane
        assert eigen.check_power_iteration.explain(
            eigen._power_iteration_reference, cases=[Case("repeated", (repeated,),
                                                          {"seed": seed})]) is None


def _top_flipped(S, k):
    values, vectors = eigen._top_reference(S, k)
    return values, vectors * np.where(np.arange(k) % 2 == 0, -1.0, 1.0)


def _top_rotated_in_eigenspace(S, k):
    values, vectors = eigen._top_reference(S, k)
    c, s = np.cos(0.7), np.sin(0.7)
    vectors = vectors.copy()
    vectors[:, :2] = vectors[:, :2] @ np.array([[c, -s], [s, c]])  # same plane, new basis
    return values, vectors


def test_top_eigenvectors_accepts_signs_and_any_basis_of_a_repeated_eigenspace():
    assert eigen.check_top_eigenvectors.explain(_top_flipped) is None
    S = symmetric_with_eigenvalues(np.random.default_rng(1), [3.0, 3.0, 1.0, -2.0])
    case = [Case("repeated top eigenvalue", (S, 2))]
    assert eigen.check_top_eigenvectors.explain(_top_rotated_in_eigenspace, cases=case) is None
    # ... but not a rotation that mixes in a different eigenvalue.
    def mixed(S, k):
        values, vectors = eigen._top_reference(S, 3)
        c, s = np.cos(0.7), np.sin(0.7)
        out = vectors[:, 1:3] @ np.array([[c, -s], [s, c]])
        return values[:2], np.column_stack([vectors[:, 0], out[:, 0]])
    assert eigen.check_top_eigenvectors.explain(mixed, cases=case) is not None


def _null_space_other_basis(A):
    N = bases._null_space_svd(A)
    k = N.shape[1]
    mix = np.triu(np.ones((k, k))) + np.eye(k)  # invertible: another basis of the same space
    return N @ mix


def test_null_space_accepts_any_basis():
    assert bases.check_null_space.explain(_null_space_other_basis) is None
    assert bases.check_null_space.explain(
        bases._null_space_svd, cases=[Case("zero matrix", (np.zeros((2, 3)),)),
                                      Case("full rank", (np.eye(2),))]) is None


def test_rref_accepts_pivots_as_a_tuple():
    assert bases.check_rref.explain(lambda A: (bases._rref_reference(A)[0],
                                               tuple(bases._rref_reference(A)[1]))) is None


def test_is_basis_accepts_a_numpy_bool():
    assert bases.check_is_basis.explain(
        lambda V: np.bool_(V.shape[0] == V.shape[1] and np.linalg.matrix_rank(V) == len(V))
    ) is None


def _pca_flipped(X, k):
    components, variances = svd._pca_reference(X, k)
    return -components, variances


def test_pca_accepts_either_sign_and_any_basis_for_equal_variances():
    assert svd.check_pca.explain(_pca_flipped) is None
    square = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    c, s = np.cos(0.3), np.sin(0.3)

    def rotated(X, k):
        return np.array([[c, s], [-s, c]]), np.array([2 / 3, 2 / 3])

    assert svd.check_pca.explain(rotated, cases=[Case("equal variances", (square, 2))]) is None


def _factors_other_split(delta, r):
    U, s, Vt = np.linalg.svd(delta, full_matrices=False)
    return U[:, :r], s[:r, None] * Vt[:r]


def test_low_rank_factors_accepts_any_split():
    assert svd.check_low_rank_factors.explain(_factors_other_split) is None
    notebook = solution_function("01_linear_algebra/06_svd_and_pca", "low_rank_factors")
    assert svd.check_low_rank_factors.explain(notebook) is None


# -- singular matrices -------------------------------------------------------------------------


def _solve_vague_error(A, b):
    try:
        return systems._solve_reference(A, b)
    except ValueError:
        raise ValueError("oops") from None


def _solve_linalg_error(A, b):
    try:
        return systems._solve_reference(A, b)
    except ValueError:
        raise np.linalg.LinAlgError("Singular matrix") from None


def test_a_singular_matrix_needs_a_value_error_that_says_why():
    message = systems.check_solve.explain(_solve_vague_error)
    assert message is not None and "does not say why" in message
    assert systems.check_solve.explain(_solve_linalg_error) is None  # LinAlgError is a ValueError


def test_inverse_2x2_rejects_an_invertible_matrix_called_singular():
    def always_singular(A):
        raise ValueError("matrix is singular")
    message = maps.check_inverse_2x2.explain(always_singular)
    assert "but this matrix is invertible" in message


# -- hidden cases, stderr, determinism, explained exceptions -------------------------------------


def test_hidden_cases_name_the_case_but_show_no_values():
    case = [Case("a secret 2x2 system", (np.array([[2.0, 0.0], [0.0, 4.0]]),
                                        np.array([7.0, 9.0])))]
    message = systems.check_solve.explain(lambda A, b: b / 2, cases=case, hidden=True)
    assert "hidden check 1 of 1 failed: a secret 2x2 system" in message
    assert "expected:" not in message and "3.5" not in message and "9" not in message


def test_hidden_singular_case_does_not_show_the_returned_value():
    case = [Case("a secret singular matrix", (np.array([[1.0, 2.0], [2.0, 4.0]]),))]
    message = maps.check_inverse_2x2.explain(maps._inverse_formula, cases=case, hidden=True)
    assert "hidden check 1 of 1" in message and "it returned" not in message


def _noisy_power_iteration(A, n_iter=500, seed=0):
    print("debug output on stderr", file=sys.stderr)
    warnings.warn("a learner warning", stacklevel=1)
    return eigen._power_iteration_reference(A, n_iter, seed)


def test_nothing_reaches_stderr(capsys):
    eigen.check_power_iteration(_noisy_power_iteration)
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "✓ power_iteration" in captured.out


@pytest.mark.parametrize("check, submission", [
    (systems.check_solve, lambda A, b: np.zeros(len(b))),
    (eigen.check_power_iteration, lambda A, n_iter=500, seed=0: (1.0, np.ones(len(A)))),
    (svd.check_pca, lambda X, k: (np.eye(X.shape[1])[:k], np.ones(k))),
    (vectors.check_nearest_neighbours, lambda q, E, k: np.arange(k)),
])
def test_the_same_submission_gets_the_same_message(check, submission):
    np.random.seed(1)               # a check that drew from the global state would differ
    first = check.explain(submission)
    np.random.seed(2)
    assert first is not None and check.explain(submission) == first


def test_a_crash_in_learner_code_is_explained_not_raised():
    def crashes(A, n_iter=500, seed=0):
        return A[len(A)]  # IndexError
    message = eigen.check_power_iteration.explain(crashes)
    assert "raised IndexError" in message and re.search(r"check 1 of \d+ failed", message)


def test_not_implemented_is_reported_as_such():
    def stub(*args, **kwargs):
        raise NotImplementedError()
    for check in (systems.check_solve, eigen.check_power_iteration, bases.check_null_space,
                  svd.check_pca, maps.check_inverse_2x2):
        assert "you have not implemented" in check.explain(stub)


# -- the test matrices have the structure the checks rely on --------------------------------------


def test_seeded_matrices_have_the_requested_eigenvalues():
    rng = np.random.default_rng(3)
    S = symmetric_with_eigenvalues(rng, [5.0, 2.0, -1.0])
    assert np.allclose(S, S.T)
    assert np.allclose(np.linalg.eigvalsh(S), [-1.0, 2.0, 5.0])
    A = with_eigenvalues(rng, [4.0, 1.5, -1.0])
    assert np.allclose(np.sort(np.linalg.eigvals(A).real), [-1.0, 1.5, 4.0])
    M = svd.with_singular_values(rng, 5, 3, [3.0, 2.0, 1.0])
    assert np.allclose(np.linalg.svd(M, compute_uv=False), [3.0, 2.0, 1.0])


def test_singularity_is_judged_relative_to_scale():
    good = np.array([[3.0, 1.0], [1.0, 4.0]])
    assert not systems.is_singular(1e-12 * good) and not systems.is_singular(1e12 * good)
    assert systems.is_singular(np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]))
    assert systems.is_singular(np.zeros((2, 2)))
