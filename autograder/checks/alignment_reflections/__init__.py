"""Checks for stage 05 (alignment reading reflections), one module per notebook.

The checks look at the *form* of written work (filled in, long enough, fields
present, probabilities valid, not copied); a person grades the substance
against the rubric. Notebooks import from the submodules, e.g.
``from autograder.checks.alignment_reflections.reading_log import check_reading_log``.
"""
