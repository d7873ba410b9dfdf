"""Helpers shared by the stage 02 checks.

- :class:`MultiCheck` now lives in the check framework (``autograder.checks.multi``);
  it is re-exported here for old imports.
- :func:`named`: give a thunk a name, so that an exception inside the learner's
  code is reported as "your `add` raised ...".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core import Context
from ..multi import MultiCheck
from ..spec import Case

__all__ = ["MultiCheck", "floats", "named", "require_callables", "run"]


def named(name: str, thunk: Callable[[], Any]) -> Callable[[], Any]:
    """`thunk` under another name, so that ctx.call reports errors as raised by `name`."""
    def wrapper():
        return thunk()
    wrapper.__name__ = wrapper.__qualname__ = name
    return wrapper


def run(ctx: Context, name: str, label: str, thunk: Callable[[], Any]) -> Any:
    """Call learner code through ``ctx.call``: errors are explained and named `name`."""
    return ctx.call(named(name, thunk), Case(label))


def require_callables(ctx: Context, objects: tuple, names: tuple[str, ...]) -> None:
    """Fail with a plain message unless every submitted object is callable."""
    for obj, name in zip(objects, names, strict=True):
        if not callable(obj):
            ctx.fail(f"`{name}` should be a function (or a class), not {type(obj).__name__}",
                     hint=f"Run the cell that defines `{name}` and pass it itself, "
                          "without calling it.")


def floats(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    """Normal floats of the given shape, rounded to 3 decimals so messages stay readable."""
    return np.round(rng.normal(0.0, scale, size=shape), 3)
