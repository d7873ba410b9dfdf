"""Re-export shim: the old path of :mod:`autograder.checks.alignment_reflections.views`."""

from autograder.checks.alignment_reflections.views import *  # noqa: F403
