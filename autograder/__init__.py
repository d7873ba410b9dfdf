"""Checks, gradient checking, progress and cohort grading for the curriculum.

The notebooks import their checks from `autograder.checks.<stage>`; instructors
use the `autograder` command (see README.md).
"""

__version__ = "0.1.0"
