"""MultiCheck: a CustomCheck called with several learner objects.

``check_add_mul(add, mul, Value)``: the verification receives them as one tuple,
and so do the reference, the mistakes' examples, ``explain`` and ``show``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .core import Context, CustomCheck
from .spec import Case


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
