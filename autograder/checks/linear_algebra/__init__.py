"""Checks for stage 01 (linear algebra), one module per notebook.

    vectors         01_vectors: lengths, angles, projections, nearest neighbours
    maps            02_matrices_as_maps: products by hand, composition, rotations, inverses
    systems         03_linear_systems: back substitution, Gaussian elimination, singularity
    bases           04_bases_and_rank: coordinates, change of basis, RREF, rank, null space
    eigen           05_eigenvectors: Rayleigh quotient, power iteration, symmetric matrices
    svd             06_svd_and_pca: low-rank approximation, PCA, low-rank factors
    least_squares   07_least_squares: projections, normal equations, fitting lines and planes

Notebooks import from the module of their notebook (``from
autograder.checks.linear_algebra.vectors import check_length``). This package
re-exports nothing, so that every check is found exactly once by
:func:`autograder.checks.all_checks`.

Checks whose answer is not unique (eigenvectors up to sign and scale, a basis of
a null space, principal components, a factorisation B @ A) test the defining
property, not one fixed answer: see :mod:`.properties`.
"""
