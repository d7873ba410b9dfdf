"""Checks for stage 06 (interpretability on the learner's own model), one module per notebook.

Oracles are slow, explicit loops or mathematical properties (a cache entry equals
the forward pass's intermediate; a patch with the clean activation restores the
clean logits); none calls the package's reference in autograder.interp.
"""
