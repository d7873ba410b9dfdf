"""Notice when learner code uses NumPy's global random state.

Checks ask for randomness to come from a generator made from a seed. Code that
calls np.random.seed / np.random.rand instead changes the hidden global state.
Compare *all* of that state: a few draws change only its position, not its key
array, so a check that compared the keys alone would miss them.

    before = global_rng_state()
    out = ctx.call(fn, case)
    ctx.require(global_rng_state() == before, "...", mistake=GLOBAL_STATE)
"""

from __future__ import annotations

import numpy as np


def global_rng_state() -> tuple:
    """A comparable fingerprint of NumPy's whole global random state."""
    name, keys, pos, has_gauss, cached = np.random.get_state(legacy=True)
    return name, np.asarray(keys).tobytes(), int(pos), int(has_gauss), float(cached)
