"""Old name of :mod:`.shared`: a re-export shim, nothing else. Do not import it in new code.

Until the per-stage helper modules were all named ``shared``, the hidden tests of
01_linear_algebra/05_eigenvectors imported ``symmetric_with_eigenvalues`` from here.
nbgrader restores a graded cell, hidden tests included, from the gradebook it made when
the assignment was released, so a cohort released before the rename still runs that
import at autograde. ``autograder.checks.registry.MOVED_MODULES`` lists this shim (so
its names are not counted twice); tests/test_naming.py proves it re-exports everything.
"""

from .shared import *  # noqa: F403
