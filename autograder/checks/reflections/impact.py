"""Re-export shim: the old path of :mod:`autograder.checks.alignment_reflections.impact`."""

from autograder.checks.alignment_reflections.impact import *  # noqa: F403
