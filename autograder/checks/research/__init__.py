"""Checks for stage 08 (doing research: experiments, evals, a replication), one module per notebook.

Oracles are SciPy's statistics, explicit loops, or exact small cases (a bootstrap
interval of a constant sample is that constant).
"""
