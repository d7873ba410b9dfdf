"""The gradient checker, under the short name the notebooks use.

    from autograder.gradcheck import gradient_check
    print(gradient_check(loss, params, grads))

It lives in the check framework (:mod:`autograder.checks.gradcheck`), beside the
checks that use it; this module only gives learners a short import.
"""

from .checks.gradcheck import GradReport, TensorReport, gradient_check, numerical_gradient

__all__ = ["GradReport", "TensorReport", "gradient_check", "numerical_gradient"]
