"""Helpers shared by the stage 02 checks.

- :class:`MultiCheck`: a CustomCheck called with several learner objects,
  ``check_add_mul(add, mul, Value)``, whose verification receives them as a tuple.
- :func:`named`: give a thunk a name, so that an exception inside the learner's
  code is reported as "your `add` raised ...".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..core import Context, CustomCheck
from ..spec import Case


class MultiCheck(CustomCheck):
    """A CustomCheck whose submission is several objects: ``check(add, mul, Value)``.

    names: what the objects are called, in order, e.g. ("add", "mul", "Value").
    verify(submission, ctx) receives them as one tuple. `reference` and the
    examples of mistakes are tuples too; ``check.explain(a_tuple)`` and
    ``check.explain(*objects)`` both work.
    """

    def __init__(self, name: str, verify: Callable[[Any, Context], Any], *,
                 names: tuple[str, ...], reference: Any, **options):
        super().__init__(name, verify, reference=reference, **options)
        self.names = tuple(names)

    def _pack(self, submission: tuple) -> tuple:
        if len(submission) == 1 and isinstance(submission[0], tuple) \
                and len(submission[0]) == len(self.names):
            return submission[0]
        if len(submission) != len(self.names):
            raise TypeError(f"{self.name} takes {len(self.names)} arguments "
                            f"({', '.join(self.names)}), got {len(submission)}")
        return tuple(submission)

    def __call__(self, *submission: Any, cases: Iterable[Case] | None = None,
                 hidden: bool = False, seed: int | None = None) -> None:
        __tracebackhide__ = True
        super().__call__(self._pack(submission), cases=cases, hidden=hidden, seed=seed)

    def explain(self, *submission: Any, cases: Iterable[Case] | None = None,
                hidden: bool = False, seed: int | None = None) -> str | None:
        return super().explain(self._pack(submission), cases=cases, hidden=hidden, seed=seed)

    def show(self, *submission: Any, cases: Iterable[Case] | None = None) -> None:
        super().show(self._pack(submission), cases=cases)


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
