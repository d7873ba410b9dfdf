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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

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
