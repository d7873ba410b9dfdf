"""The check framework: immediate, specific feedback after every exercise.

Public API (see docs/checks.md):

- FunctionCheck, ValueCheck, CustomCheck: the three kinds of check.
- Case: one seeded input; Mistake: a known mistake with its diagnosis and hint.
- Context: what a CustomCheck's verification uses; CheckFailure: raised inside it.
- compare: expected vs got with tolerances, shapes, dtypes and NaN handling.
- add_listener: be told the outcome of every check (used by the progress store).
- all_checks: every check defined in the stage modules (used by the unit tests).

Stage modules (orientation, linear_algebra, ...) define the `check_*` objects
the notebooks call.
"""

from .compare import Mismatch, compare
from .core import (
    Check,
    Context,
    CustomCheck,
    FunctionCheck,
    Outcome,
    ValueCheck,
    add_listener,
    remove_listener,
)
from .registry import all_checks
from .spec import Case, CheckFailure, Mistake

__all__ = [
    "Case", "Check", "CheckFailure", "Context", "CustomCheck", "FunctionCheck", "Mismatch",
    "Mistake", "Outcome", "ValueCheck", "add_listener", "all_checks", "compare",
    "remove_listener",
]

# Record every check a learner runs in their progress store (autograder/progress/hook.py).
from ..progress import hook as _progress_hook  # noqa: E402, F401, I001
