"""Re-export shim: the old path of :mod:`autograder.checks.alignment_reflections.forecasts`."""

from autograder.checks.alignment_reflections.forecasts import *  # noqa: F403
