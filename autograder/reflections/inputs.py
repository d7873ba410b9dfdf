"""A clear error when a figure is drawn from an answer that is not filled in yet."""

from __future__ import annotations

from typing import Any


class NotFilledIn(ValueError):
    """An answer the figure needs is still None (or empty)."""


def filled(value: Any, name: str) -> Any:
    """Return `value`, or raise NotFilledIn saying which answer to fill in first."""
    if value is None or (hasattr(value, "__len__") and len(value) == 0):
        raise NotFilledIn(f"`{name}` is not filled in yet: complete it above and run its "
                          "check, then run this cell again.")
    return value
