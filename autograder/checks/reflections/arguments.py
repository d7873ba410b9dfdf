"""Re-export shim: the old path of :mod:`autograder.checks.alignment_reflections.arguments`."""

from autograder.checks.alignment_reflections.arguments import *  # noqa: F403
