"""What the stage-08 checks share: seeded-randomness discipline and array shape checks.

A random procedure is checked for reproducibility (the same seed gives the same
result, another seed another result, and NumPy's global state is left alone),
then judged statistically against an exact distribution with tolerances of
TOL_SE standard errors (6: a correct answer fails with probability ~2e-9).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..core import Context
from ..randomness import watch_global_rng
from ..spec import Case, Mistake

TOL_SE = 6.0          # tolerance of a Monte Carlo estimate, in standard errors
FALSE_ALARM = 1e-9    # the most often a correct sampler may fail a distribution check
CHECK_SEED = 80801    # the generator handed to the learner's function
OTHER_SEED = 80802    # a second seed, to show that the output depends on the seed


def rng_mistakes(unseeded: Callable, seed_ignored: Callable,
                 global_state: Callable) -> tuple[Mistake, Mistake, Mistake]:
    """The three ways a random function breaks reproducibility, each with an example."""
    return (
        Mistake("the global random state",
                "Your function used NumPy's global random state (np.random.choice, "
                "np.random.randint, ...). Its results then depend on which cells ran before, "
                "so nobody can reproduce your experiment from its seed.",
                "Draw every random number from the `rng` argument: rng.integers(...).",
                example=global_state),
        Mistake("unseeded randomness",
                "Two calls with generators made from the same seed gave different results: "
                "your function makes a fresh unseeded generator (np.random.default_rng()).",
                "Use the `rng` argument for every random draw.",
                example=unseeded),
        Mistake("the generator argument is ignored",
                "Generators made from different seeds gave identical results: your function "
                "makes its own generator with a fixed seed.",
                "Draw from the `rng` you are given, not from np.random.default_rng(0).",
                example=seed_ignored),
    )


def _same(a, b) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float)))
    except (TypeError, ValueError):
        return False


def verify_rng_discipline(ctx: Context, fn: Callable, make_case: Callable[[int], Case],
                          mistakes: tuple[Mistake, Mistake, Mistake]) -> object:
    """Run fn on make_case(CHECK_SEED), prove it reproducible and seed-dependent; return it."""
    global_state, unseeded, seed_ignored = mistakes
    with watch_global_rng() as watch:
        first = ctx.call(fn, make_case(CHECK_SEED))
    ctx.require(not watch.changed, "your function used NumPy's global random state",
                mistake=global_state)
    with watch_global_rng():
        again = ctx.call(fn, make_case(CHECK_SEED))
        other = ctx.call(fn, make_case(OTHER_SEED))
    ctx.require(_same(first, again),
                "two calls with generators made from the same seed gave different results",
                mistake=unseeded)
    ctx.require(not _same(first, other),
                "generators made from two different seeds gave identical results",
                mistake=seed_ignored)
    return first


def call_quietly(ctx: Context, fn: Callable, case: Case) -> object:
    """ctx.call(fn, case), leaving NumPy's global random state as it was."""
    with watch_global_rng():
        return ctx.call(fn, case)


def as_float_array(ctx: Context, out, shape: tuple, name: str) -> np.ndarray:
    """`out` as a finite float array of `shape`, or a clear failure."""
    ctx.require(isinstance(out, np.ndarray), f"{name} should return a NumPy array",
                [f"got {type(out).__name__}"])
    ctx.require(out.shape == shape, f"{name} should return an array of shape {shape}",
                [f"got shape {out.shape}"])
    ctx.require(out.dtype.kind == "f", f"{name} should return floats",
                [f"got dtype {out.dtype}"])
    ctx.require(bool(np.isfinite(out).all()), f"{name} returned NaN or infinite values")
    return out


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
