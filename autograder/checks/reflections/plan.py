"""Re-export shim: the old path of :mod:`autograder.checks.alignment_reflections.plan`."""

from autograder.checks.alignment_reflections.plan import *  # noqa: F403
