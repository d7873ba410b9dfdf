"""Numerically stable scalar functions that the checks' loop oracles share.

    sigmoid(x)    1 / (1 + exp(-x)) for any float x, without overflow
    softplus(x)   log(1 + exp(x)) for any float x, without overflow

Oracles written as plain Python loops (independent of the learner's vectorised
NumPy) call these one float at a time; math.fsum and these keep them exact
enough to judge float64 answers at tight tolerances.
"""

from __future__ import annotations

import math


def sigmoid(x: float) -> float:
    """1 / (1 + exp(-x)), without overflow for any float x."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def softplus(x: float) -> float:
    """log(1 + exp(x)), without overflow for any float x."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))
