"""What a check is made of: the cases it runs and the known mistakes it recognises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    """One input to a learner's function.

    label: how the message names this case, e.g. "a 3x4 array of floats".
    args, kwargs: what the learner's function is called with. The check passes
        deep copies, so the learner can never change the case itself.
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Mistake:
    """A known mistake and what to tell the learner who made it.

    name: a few words, e.g. "mean over the wrong axis".
    diagnosis: what the learner's code probably does, in plain words.
    hint: how to fix it (the approach, never the code).
    variant: a buggy copy of the oracle that makes this mistake, with the same
        signature. When the learner's output matches the variant's output (and
        the correct output does not), the check reports this mistake.
    detect: instead of a variant, a test ``detect(expected, got, case) -> bool``
        on the learner's output, e.g. "the result has integer dtype".
    example: a submission that makes this mistake, used by the unit tests to
        prove the diagnosis is reachable. Defaults to `variant`. A mistake with
        only an example is one a check reports itself (``ctx.require(...,
        mistake=m)``), e.g. a random function that ignores its seed.
    """

    name: str
    diagnosis: str
    hint: str = ""
    variant: Callable | None = None
    detect: Callable[[Any, Any, Case | None], bool | None] | None = None
    example: Any = None

    def __post_init__(self) -> None:
        if self.variant is None and self.detect is None and self.example is None:
            raise ValueError(f"mistake {self.name!r} needs a variant, a detect function "
                             "or an example")

    @property
    def demo(self) -> Any:
        """A submission that makes this mistake (the example, else the variant)."""
        return self.example if self.example is not None else self.variant


class CheckFailure(Exception):
    """Raised inside a check when the submission is wrong.

    The check turns it into the learner-facing AssertionError message.
    summary: one line, what failed. details: indented lines (inputs, expected,
    got, where they differ). mistake: the known mistake it matched, if any.
    hint: overrides the check's general hint.
    """

    def __init__(self, summary: str, details: list[str] | None = None,
                 mistake: Mistake | None = None, hint: str | None = None):
        super().__init__(summary)
        self.summary = summary
        self.details = list(details or [])
        self.mistake = mistake
        self.hint = hint
        self.exception_type: type | None = None  # set when the learner's code raised
