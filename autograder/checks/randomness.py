"""Notice when learner code uses NumPy's global random state.

Checks ask for randomness to come from a generator made from a seed. Code that
calls np.random.seed / np.random.rand instead changes the hidden global state.
Compare *all* of that state: a few draws change only its position, not its key
array, so a check that compared the keys alone would miss them. And start the
call from a state of the check's own (a sentinel): a function that seeds the
global state with 0 leaves it unchanged when it was already there, say after a
previous call of the same function.

    with watch_global_rng() as watch:
        out = ctx.call(fn, case)
    ctx.require(not watch.changed, "...", mistake=GLOBAL_STATE)

The checks of random procedures (stages 03 and 08) share the rest of this module:
the three registered reproducibility mistakes (rng_mistakes), the proof that a
function is reproducible and seed-dependent (verify_rng_discipline, with each
stage's own seeds), and the shape checks of a sample (as_float_samples).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from .core import Context
from .spec import Case, Mistake

SENTINEL_SEED = 0x5EED_C4EC  # a seed no exercise uses


def global_rng_state() -> tuple:
    """A comparable fingerprint of NumPy's whole global random state."""
    name, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    return name, np.asarray(keys).tobytes(), int(pos), int(has_gauss), float(cached)


@dataclass
class GlobalRngWatch:
    changed: bool = False


@contextmanager
def watch_global_rng() -> Iterator[GlobalRngWatch]:
    """Run the body from a sentinel global state; afterwards `.changed` says whether the
    body touched NumPy's global random state. The learner's own state is restored."""
    saved = np.random.get_state(legacy=True)
    np.random.seed(SENTINEL_SEED)
    sentinel = global_rng_state()
    watch = GlobalRngWatch()
    try:
        yield watch
    finally:
        watch.changed = global_rng_state() != sentinel
        np.random.set_state(saved)


# -- seeded-randomness discipline of a random procedure (stages 03 and 08) -------------

def rng_mistakes(unseeded: Callable, seed_ignored: Callable,
                 global_state: Callable) -> tuple[Mistake, Mistake, Mistake]:
    """The three ways a sampler breaks reproducibility, with an example submission of each.

    Returns (global state, unseeded, seed ignored), the order verify_rng_discipline takes.
    """
    return (
        Mistake("the global random state",
                "Your function used NumPy's global random state (np.random.seed, "
                "np.random.rand, np.random.normal, ...). That state is shared by every "
                "piece of code in the notebook, so your results depend on which cells ran "
                "before, and other code's results depend on yours.",
                "Draw every random number from the generator you were given: rng.uniform(...), "
                "rng.normal(...), rng.integers(...).",
                example=global_state),
        Mistake("unseeded randomness",
                "Two calls with generators made from the same seed gave different results, "
                "so nobody (you included) can reproduce your numbers. The usual cause is a "
                "new generator made inside the function, np.random.default_rng(), instead of "
                "the `rng` argument.",
                "Use the `rng` argument for every random draw; do not create a generator "
                "inside the function.",
                example=unseeded),
        Mistake("the generator argument is ignored",
                "Generators made from different seeds gave identical results: your function "
                "makes its own generator with a fixed seed (or draws nothing at random).",
                "Draw from the `rng` you are given, not from np.random.default_rng(0).",
                example=seed_ignored),
    )


def same_output(a, b) -> bool:
    """Whether two outputs are equal (arrays, numbers, or tuples/lists of them)."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(same_output(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except Exception:
        return False


def verify_rng_discipline(ctx: Context, fn: Callable, make_case: Callable[[int], Case],
                          mistakes: tuple[Mistake, Mistake, Mistake],
                          seeds: tuple[int, int]) -> Any:
    """Run `fn` on make_case(seeds[0]) and prove it reproducible; return that output.

    make_case(seed) builds the Case with a fresh np.random.default_rng(seed) in it.
    Fails (naming the mistake) if fn touches NumPy's global random state, gives
    different output for the same seed, or the same output for seeds[1].
    NumPy's global state is restored afterwards, whatever happens.
    """
    global_state, unseeded, seed_ignored = mistakes
    check_seed, other_seed = seeds
    with watch_global_rng() as watch:
        first = ctx.call(fn, make_case(check_seed))
    ctx.require(not watch.changed, "your function changed NumPy's global random state",
                mistake=global_state)
    with watch_global_rng():
        again = ctx.call(fn, make_case(check_seed))
        other = ctx.call(fn, make_case(other_seed))
    ctx.require(same_output(first, again),
                "two calls with generators made from the same seed gave different results",
                mistake=unseeded)
    ctx.require(not same_output(first, other),
                "generators made from two different seeds gave identical results",
                mistake=seed_ignored)
    return first


def call_quietly(ctx: Context, fn: Callable, case: Case) -> Any:
    """ctx.call(fn, case), restoring NumPy's global random state afterwards."""
    saved = np.random.get_state()
    try:
        return ctx.call(fn, case)
    finally:
        np.random.set_state(saved)


def as_float_samples(ctx: Context, out, shape: tuple, name: str) -> np.ndarray:
    """`out` as a finite float array of `shape`, or a clear failure."""
    ctx.require(isinstance(out, np.ndarray), f"{name} should return a NumPy array",
                [f"got {type(out).__name__}"])
    ctx.require(out.shape == shape, f"{name} should return an array of shape {shape}",
                [f"got shape {out.shape}"])
    ctx.require(out.dtype.kind == "f", f"{name} should return floats",
                [f"got dtype {out.dtype}"])
    ctx.require(bool(np.isfinite(out).all()), f"{name} returned NaN or infinite values",
                [f"{int((~np.isfinite(out)).sum())} of {out.size} values are not finite"],
                hint="NaN and infinity usually come from log(0) or a division by zero.")
    return out
