"""Re-export shim: the old path of :mod:`autograder.checks.alignment_reflections.form`."""

from autograder.checks.alignment_reflections.form import *  # noqa: F403
