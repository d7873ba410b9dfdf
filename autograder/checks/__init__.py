"""The check framework: immediate, specific feedback after every exercise.

Public API (see docs/checks.md):

- FunctionCheck, ValueCheck, CustomCheck: the three kinds of check; MultiCheck: a
  CustomCheck called with several objects, ``check(add, mul, Value)``.
- Case: one seeded input; Mistake: a known mistake with its diagnosis and hint.
- Context: what a CustomCheck's verification uses; CheckFailure: raised inside it.
- compare: expected vs got with tolerances, shapes, dtypes and NaN handling.
- add_listener: be told the outcome of every check (the progress store registers
  itself when a notebook calls autograder.lab.session.start_session()).
- all_checks: every check defined in the stage modules (used by the unit tests).

Importing this package, or any module in it, installs nothing: no listener,
no traceback handler (see autograder/lab/session.py).

Stage modules (orientation, linear_algebra, ...) define the `check_*` objects
the notebooks call.
"""

from .compare import Mismatch, compare
from .core import (
    Check,
    Context,
    CustomCheck,
    FunctionCheck,
    ValueCheck,
)
from .events import Outcome, add_listener, remove_listener
from .multi import MultiCheck
from .registry import all_checks
from .spec import Case, CheckFailure, Mistake

__all__ = [
    "Case", "Check", "CheckFailure", "Context", "CustomCheck", "FunctionCheck", "Mismatch",
    "Mistake", "MultiCheck", "Outcome", "ValueCheck", "add_listener", "all_checks", "compare",
    "remove_listener",
]
