"""Re-export shim: the old path of :mod:`autograder.checks.alignment_reflections.reading_log`."""

from autograder.checks.alignment_reflections.reading_log import *  # noqa: F403
