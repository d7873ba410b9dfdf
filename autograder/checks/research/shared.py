"""What the stage-08 checks share: seeded-randomness discipline and array shape checks.

The helpers themselves are stage 03's, in autograder/checks/randomness.py; this
module gives them stage 08's seeds and adds the check of an interval.

A random procedure is checked for reproducibility (the same seed gives the same
result, another seed another result, and NumPy's global state is left alone),
then judged statistically against an exact distribution with tolerances of
TOL_SE standard errors (6: a correct answer fails with probability ~2e-9).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import randomness
from ..core import Context
from ..randomness import as_float_samples as as_float_array  # noqa: F401 - shared with stage 03
from ..randomness import call_quietly, rng_mistakes  # noqa: F401 - shared with stage 03
from ..spec import Case, Mistake

TOL_SE = 6.0          # tolerance of a Monte Carlo estimate, in standard errors
FALSE_ALARM = 1e-9    # the most often a correct sampler may fail a distribution check
CHECK_SEED = 80801    # the generator handed to the learner's function
OTHER_SEED = 80802    # a second seed, to show that the output depends on the seed


def verify_rng_discipline(ctx: Context, fn: Callable, make_case: Callable[[int], Case],
                          mistakes: tuple[Mistake, Mistake, Mistake]) -> object:
    """randomness.verify_rng_discipline with this module's CHECK_SEED and OTHER_SEED.

    The seeds are read at each call, so a test may change them.
    """
    return randomness.verify_rng_discipline(ctx, fn, make_case, mistakes,
                                            (CHECK_SEED, OTHER_SEED))


def as_interval(ctx: Context, out, name: str) -> tuple[float, float]:
    """`out` as (low, high) floats with low <= high, or a clear failure."""
    try:
        low, high = (float(x) for x in out)
    except (TypeError, ValueError):
        ctx.fail(f"{name} should return two numbers (low, high)",
                 [f"got {type(out).__name__}: {str(out)[:80]}"])
    ctx.require(np.isfinite(low) and np.isfinite(high), f"{name} returned NaN or infinity",
                [f"got ({low}, {high})"])
    ctx.require(low <= high, f"{name} should return (low, high) with low <= high",
                [f"got ({low:.5g}, {high:.5g})"])
    return low, high


def predictions_verifier(claims: tuple[str, ...], before: str) -> Callable[[Any, Context], None]:
    """The verify function of a "predictions written first" exercise.

    The learner's value must be a dict with exactly `claims` as keys, each a probability
    strictly between 0 and 1; `before` ends the not-set-yet hint ("the eval").
    """
    def verify(value: Any, ctx: Context) -> None:
        ctx.require(value is not None, "you have not set `predictions` yet",
                    hint=f"Write your probabilities before running {before}.")
        ctx.require(isinstance(value, dict), "`predictions` should be a dict",
                    [f"got {type(value).__name__}"])
        ctx.require(set(map(str, value)) == set(claims),
                    f"`predictions` should have exactly the {len(claims)} claims",
                    [f"expected keys {sorted(claims)}, got {sorted(map(str, value))}"])
        for claim in claims:
            p = value[claim]
            ok = isinstance(p, (int, float)) and not isinstance(p, bool) and 0.0 < float(p) < 1.0
            ctx.require(ok, f"the prediction for {claim!r} should be a probability strictly "
                            "between 0 and 1", [f"got {p!r}"],
                        hint="A forecast of exactly 0 or 1 scores infinitely badly on the log "
                             "score if it is wrong; write 0.95 rather than 1.")
    return verify
