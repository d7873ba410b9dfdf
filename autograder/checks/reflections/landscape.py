"""Re-export shim: the old path of :mod:`autograder.checks.alignment_reflections.landscape`."""

from autograder.checks.alignment_reflections.landscape import *  # noqa: F403
