"""Short, beginner-readable descriptions of values for feedback messages."""

from __future__ import annotations

import numbers

from .integrity import array2string, generic, ndarray

MAX_PREVIEW = 110  # characters of a value preview


def is_number(x) -> bool:
    """True for Python and NumPy numbers (bool excluded) and 0-d numeric arrays."""
    if isinstance(x, bool):
        return False
    if isinstance(x, numbers.Number) or (isinstance(x, generic) and x.dtype.kind in "iufc"):
        return True
    return isinstance(x, ndarray) and x.ndim == 0 and x.dtype.kind in "iufc"


def describe(x) -> str:
    """One phrase for what `x` is: 'float32 array of shape (3, 4)', 'int 5', 'None'."""
    if x is None:
        return "None"
    if isinstance(x, ndarray):
        return f"{x.dtype} array of shape {tuple(x.shape)}"
    if isinstance(x, generic):
        return f"NumPy {x.dtype} scalar {preview(x)}"
    if isinstance(x, bool):
        return f"bool {x}"
    if isinstance(x, numbers.Number):
        return f"{type(x).__name__} {preview(x)}"
    if isinstance(x, (list, tuple)):
        kind = type(x).__name__
        return f"{kind} of {len(x)} item{'s' if len(x) != 1 else ''}"
    if isinstance(x, dict):
        return f"dict with keys {sorted(map(str, x))[:6]}"
    if isinstance(x, str):
        return f"str {preview(x)}"
    if callable(x) and getattr(x, "__name__", None):
        kind = "class" if isinstance(x, type) else "function"
        return f"{kind} `{x.__name__}`"
    return f"a {type(x).__name__} object"


def preview(x, limit: int = MAX_PREVIEW) -> str:
    """A compact rendering of the value, cut to `limit` characters."""
    try:
        if isinstance(x, ndarray):
            text = array2string(x, precision=4, threshold=12, edgeitems=2,
                                max_line_width=limit, suppress_small=True, separator=", ")
        elif isinstance(x, float):
            text = f"{x:.6g}"
        elif isinstance(x, generic):
            text = f"{x.item():.6g}" if x.dtype.kind == "f" else str(x.item())
        elif isinstance(x, (list, tuple)) and len(x) > 24:  # a huge answer: show its start
            inner = ", ".join(repr(item) for item in list(x[:12]))
            text = ("(" if isinstance(x, tuple) else "[") + inner + ", ..." + \
                (")" if isinstance(x, tuple) else "]")
        elif isinstance(x, (str, bytes)) and len(x) > 4 * limit:
            text = repr(x[: 2 * limit])
        else:
            text = repr(x)
    except Exception:  # a learner object with a broken __repr__
        text = f"<{type(x).__name__}>"
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(", ", 0, limit - 4)
    return text[: cut if cut > limit // 2 else limit - 4] + ", ..."


def fmt_number(v: float) -> str:
    """A number in 4 significant digits, without noise like 0.30000000000000004."""
    try:
        return f"{float(v):.4g}"
    except (TypeError, ValueError):
        return repr(v)


def fmt_index(index: tuple[int, ...]) -> str:
    """'[2, 0]' for a multi-dimensional index; '' for a scalar."""
    return "[" + ", ".join(str(int(i)) for i in index) + "]" if index else ""


def fmt_pair(expected: float, got: float) -> tuple[str, str]:
    """Two numbers with just enough digits to tell them apart (4 at least, 17 at most).

    Never 'expected 0.02755, got 0.02755': 0.027551 vs 0.0275518 instead.
    """
    try:
        e, g = float(expected), float(got)
    except (TypeError, ValueError, OverflowError):
        return fmt_number(expected), fmt_number(got)
    for digits in range(4, 18):
        a, b = f"{e:.{digits}g}", f"{g:.{digits}g}"
        if a != b:
            return a, b
    return a, b


def fmt_error(expected: float, got: float, rtol: float, atol: float) -> str:
    """'difference 8.3e-07 = 3.0e-05 relative (allowed: 1e-05 relative + 1e-08)'."""
    try:
        e, g = float(expected), float(got)
        diff = abs(g - e)
    except (TypeError, ValueError, OverflowError):
        return ""
    rel = f" = {diff / abs(e):.2g} relative" if e != 0 else ""
    return f"difference {diff:.2g}{rel} (allowed: {rtol:.2g} relative + {atol:.2g})"
