"""What a check reports when it finishes, and who is told.

A check builds an :class:`Outcome` and calls :func:`notify`; listeners added
with :func:`add_listener` (the progress store, see
``autograder.lab.session.start_session``) receive it. Importing this module
registers nothing: the list starts empty and only explicit calls change it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """What one run of a check found; sent to listeners (the progress store)."""

    check: str
    passed: bool
    checks_passed: int
    diagnosis: str | None
    summary: str
    seconds: float
    hidden: bool


Listener = Callable[[Outcome], None]

_LISTENERS: list[Listener] = []  # changed in place only (the grading probe watches rebinding)


def add_listener(listener: Listener) -> None:
    """Call `listener(outcome)` after every check. A failing listener is ignored."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def remove_listener(listener: Listener) -> None:
    """Stop calling `listener`; nothing happens if it was never added."""
    if listener in _LISTENERS:
        _LISTENERS.remove(listener)


def listeners() -> tuple[Listener, ...]:
    """The listeners now registered (a copy)."""
    return tuple(_LISTENERS)


def notify(outcome: Outcome) -> None:
    """Send `outcome` to every listener; a listener that raises is skipped."""
    for listener in list(_LISTENERS):
        try:
            listener(outcome)
        except Exception:  # recording must never break or change a check
            pass
