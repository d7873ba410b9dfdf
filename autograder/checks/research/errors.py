"""A check of values followed by the bad inputs a function promises to refuse (stage 08, 05-06).

`values_then_errors(values, refusals, ...)` makes the verification of a CustomCheck:
first the FunctionCheck `values` runs on its cases (with its own diagnosis, which weighs
every case), then each refusal case must raise ValueError. The two halves share one
success line, so a graded cell reads as one sentence.
"""

from __future__ import annotations

from collections.abc import Callable

from ..core import Context, FunctionCheck
from ..spec import Case, CheckFailure, Mistake


def expect_value_error(ctx: Context, fn: Callable, case: Case, why: str,
                       mistake: Mistake | None = None) -> None:
    """Require `fn(*case.args)` to raise ValueError; `why` says which promise it keeps."""
    try:
        ctx.call(fn, case)
    except CheckFailure as failure:
        if failure.exception_type is ValueError:
            ctx.passed += 1
            return
        if failure.exception_type is None:
            raise
        ctx.fail(f"{case.label}: should raise ValueError, not {failure.exception_type.__name__}",
                 [why, *failure.details[:2]],
                 hint="Test the input at the top of the function and raise "
                      "ValueError('...what is wrong...') yourself.")
    ctx.fail(f"{case.label}: should raise ValueError, but your function returned",
             [why], mistake=mistake,
             hint="Test the input at the top of the function and raise "
                  "ValueError('...what is wrong...') yourself.")


def values_then_errors(values: FunctionCheck,
                       refusals: list[tuple[Case, str]]) -> Callable[[Callable, Context], None]:
    """The verification: `values` on its cases, then ValueError on each refusal case.

    refusals: (case, why) pairs; `why` is the promise, shown when the function does not raise.
    A hidden test's `cases=` replaces the value cases only.
    """
    def verify(fn: Callable, ctx: Context) -> None:
        values._run(fn, ctx)
        if ctx.cases is None or not ctx.hidden:
            for case, why in refusals:
                expect_value_error(ctx, fn, case, why)
    return verify


def call_uncopied(ctx: Context, fn: Callable, label: str, *args: object) -> object:
    """fn(*args) on the very objects given (a figure's Axes, a recorder of calls).

    ctx.call deep-copies its inputs, which would give the learner's code a copy of the
    object the check inspects afterwards. Exceptions become a failure naming `label`.
    """
    if not callable(fn):
        ctx.fail("this check needs your function, not the result of calling it",
                 hint="Pass the function itself: check_f(f), not check_f(f()).")
    try:
        return fn(*args)
    except NotImplementedError:
        ctx.fail("you have not implemented it yet",
                 hint="Replace `raise NotImplementedError()` with your code, then run this "
                      "cell again.")
    except Exception as exc:  # the learner's code: explain whatever it raised
        ctx.fail(f"your function raised {type(exc).__name__} on {label}", [str(exc)[:300]])
