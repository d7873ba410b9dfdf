"""Call a learner's code and explain, in plain words, anything that goes wrong."""

from __future__ import annotations

import ast
import contextlib
import copy
import inspect
import io
import linecache
import textwrap
import traceback
from pathlib import Path

from .describe import describe
from .integrity import ndarray
from .spec import Case, CheckFailure

_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)

NOT_IMPLEMENTED_HINT = ("Replace the line `raise NotImplementedError()` with your code, "
                        "run that cell, then run this check again.")

_SHAPE_WORDS = ("broadcast", "shapes", "shape mismatch", "matmul", "cannot reshape",
                "dimension", "axis", "aligned", "size of array")


def arg_names(fn, n_args: int) -> list[str]:
    """Names of the first `n_args` parameters of `fn` (arg0, arg1... if unknown)."""
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    except (TypeError, ValueError):
        params = []
    names = params[:n_args]
    return names + [f"arg{i}" for i in range(len(names), n_args)]


def describe_inputs(fn, case: Case) -> str:
    """'x: float64 array of shape (3, 4), axis: int 1'."""
    names = arg_names(fn, len(case.args))
    parts = [f"{n}: {describe(a)}" for n, a in zip(names, case.args, strict=True)]
    parts += [f"{k}: {describe(v)}" for k, v in case.kwargs.items()]
    return ", ".join(parts) if parts else "no arguments"


def fn_name(fn) -> str:
    name = getattr(fn, "__name__", None)
    return name if isinstance(name, str) else type(fn).__name__


def call(fn, case: Case, *, check_name: str):
    """Call ``fn(*case.args, **case.kwargs)`` on deep copies of the inputs.

    Returns (result, args_used, kwargs_used) so a caller can see whether the
    learner changed their inputs. Anything the learner's code writes to stderr
    is discarded: nbgrader gives a graded cell no points if it wrote to stderr.
    Exceptions are turned into a CheckFailure that explains them.
    """
    args = copy.deepcopy(case.args)
    kwargs = copy.deepcopy(case.kwargs)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            result = fn(*args, **kwargs)
    except NotImplementedError as exc:
        text = _safe_str(exc)
        raise CheckFailure(
            f"you have not implemented `{fn_name(fn)}` yet"
            + (f" ({text})" if text else ""),
            hint=NOT_IMPLEMENTED_HINT) from None
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - SystemExit too: explain it, never exit
        failure = explain_exception(exc, fn, case, check_name)
        failure.exception_type = type(exc)
        raise failure from None
    return result, args, kwargs


def explain_exception(exc: BaseException, fn, case: Case, check_name: str) -> CheckFailure:
    """A CheckFailure that says what the learner's exception means."""
    name = fn_name(fn)
    kind = type(exc).__name__
    message = _safe_str(exc).strip() or "(no message)"
    if len(message) > 300:
        message = message[:300] + " ..."
    details = [f"on: {case.label}", f"inputs: {describe_inputs(fn, case)}"]
    where = learner_line(exc)
    if where:
        details.append(f"at {where}")
    lower = message.lower()
    hint = None
    if isinstance(exc, NameError):
        hint = ("A name your code uses is not defined. Check the spelling, and run the "
                "cells above this one (the set-up cell imports numpy as np).")
    elif kind == "AxisError" or (isinstance(exc, (ValueError, IndexError))
                                 and any(w in lower for w in _SHAPE_WORDS)):
        hint = ("This is a shape problem. Print the .shape of each array in your function "
                "and compare them with the shapes in the docstring.")
    elif isinstance(exc, IndexError):
        hint = "An index is out of range. Remember that indices start at 0 and end at n - 1."
    elif isinstance(exc, TypeError) and "nonetype" in lower:
        hint = ("Something in your code is None. A helper function without a `return` "
                "statement returns None.")
    elif isinstance(exc, ZeroDivisionError):
        hint = "Something divides by zero: think about the edge case where a count or sum is 0."
    elif isinstance(exc, RecursionError):
        hint = "Your function calls itself without end; check the stopping condition."
    elif isinstance(exc, MemoryError):
        hint = ("Your code asked for more memory than the machine has; look for an array that "
                "grows much bigger than the inputs (accidental broadcasting can do that).")
    elif isinstance(exc, SystemExit):
        message = "your code called exit(); a function should return a value instead"
    return CheckFailure(f"your `{name}` raised {kind}: {message}", details, hint=hint)


def _safe_str(exc: BaseException) -> str:
    """str(exc), or a stand-in when the exception's own __str__ fails."""
    try:
        text = str(exc)
        return text if isinstance(text, str) else ""
    except Exception:
        return "(its message could not be shown)"


def learner_line(exc: BaseException) -> str | None:
    """'line 4: return x.mean(axis=2)' for the deepest frame in the learner's own code."""
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        filename = frame.filename or ""
        if filename.startswith(_PACKAGE_DIR) or "site-packages" in filename \
                or "/lib/python3" in filename:
            continue
        text = (frame.line or linecache.getline(filename, frame.lineno or 0) or "").strip()
        return f"line {frame.lineno} of your code: {text}" if text else f"line {frame.lineno}"
    return None


def inputs_changed(fn, case: Case, args: tuple, kwargs: dict) -> str | None:
    """'its argument `a`' for the first argument the learner changed in place, if any."""
    names = arg_names(fn, len(case.args))
    for name, before, after in zip(names, case.args, args, strict=True):
        if _changed(before, after):
            return f"its argument `{name}`"
    for k, before in case.kwargs.items():
        if _changed(before, kwargs.get(k)):
            return f"its argument `{k}`"
    return None


def _changed(before, after) -> bool:
    """True if `after` differs from `before` (recursing into lists, tuples and dicts)."""
    if isinstance(before, ndarray):
        if not isinstance(after, ndarray) or before.shape != after.shape:
            return True
        same = (before == after) | ((before != before) & (after != after))
        return not bool(same.all())
    if isinstance(before, (list, tuple)):
        return (not isinstance(after, type(before)) or len(before) != len(after)
                or any(_changed(b, a) for b, a in zip(before, after, strict=True)))
    if isinstance(before, dict):
        return (not isinstance(after, dict) or before.keys() != after.keys()
                or any(_changed(before[k], after[k]) for k in before))
    try:
        return bool(before != after) and not (before != before and after != after)
    except Exception:
        return True


def loops_in(fn) -> list[str]:
    """Descriptions of Python loops in the source of `fn` ([] if none or unknown)."""
    try:
        source = textwrap.dedent(inspect.getsource(fn))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.While)):
            found.append(f"a `{type(node).__name__.lower()}` loop on line {node.lineno}")
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            found.append(f"a comprehension on line {node.lineno}")
    return found
