"""Compare an expected value with a learner's value, and say exactly how they differ.

`compare(expected, got)` returns None when they agree, else a :class:`Mismatch`
whose lines go straight into the feedback message. Arrays are compared with
explicit tolerances (|got - expected| <= atol + rtol * |expected|), after their
type, shape and dtype; NaN and infinity are reported as such. Tuples, lists and
dicts are compared item by item, and the message names the item
("result[1]").

Only ndarray methods, operators and the references captured in `integrity` are
used here, so a notebook that reassigns NumPy functions cannot change a verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .describe import describe, fmt_error, fmt_index, fmt_number, fmt_pair, is_number, preview
from .integrity import asarray, errstate, generic, ndarray

DTYPE_POLICIES = (None, "kind", "exact")
_KIND_NAMES = {"b": "booleans", "i": "integers", "f": "floats", "c": "complex numbers",
               "U": "strings", "O": "Python objects"}


@dataclass
class Mismatch:
    """How a learner's value differs from the expected one.

    kind: "type", "shape", "dtype", "nonfinite", "value", "length" or "keys".
    summary: one line. details: further lines for the message.
    path: which part of the result differs, e.g. "result[1]".
    """

    kind: str
    summary: str
    details: list[str] = field(default_factory=list)
    path: str = "your result"
    expected: Any = None
    got: Any = None


EPS32 = 2.0 ** -23  # float32 machine epsilon
# A well-conditioned float32 computation (softmax as exp(x - logsumexp(x)), a layer norm,
# a matmul of a few hundred terms) is off by a few hundred eps32 relative at most; the
# absolute part covers entries that cancel to near 0 (relative to the largest entry).
FLOAT32_RTOL = 512 * EPS32
FLOAT32_ATOL = 64 * EPS32


def _has_float32(x, depth: int = 0) -> bool:
    if isinstance(x, (ndarray, generic)):
        return x.dtype == "float32" or x.dtype == "complex64"
    if depth < 2 and isinstance(x, (list, tuple)):
        return any(_has_float32(item, depth + 1) for item in x[:64])
    if depth < 2 and isinstance(x, dict):
        return any(_has_float32(item, depth + 1) for item in list(x.values())[:64])
    return False


def _largest(x) -> float:
    try:
        with errstate(all="ignore"):
            a = abs(asarray(x, dtype="complex128" if _kind(asarray(x).dtype) == "c"
                            else "float64"))
            a = a[a < math.inf]
            return float(a.max()) if a.size else 0.0
    except Exception:
        return 0.0


def fit_precision(rtol: float, atol: float, expected: Any,
                  inputs: tuple = ()) -> tuple[float, float]:
    """(rtol, atol) widened to float32 round-off when `expected` or an input is float32.

    rtol becomes at least FLOAT32_RTOL (~6e-5) and atol at least FLOAT32_ATOL
    (~8e-6) times the largest expected entry, so every correct float32
    formulation passes; float64 checks keep their own tolerances.
    """
    if _has_float32(expected) or any(_has_float32(a) for a in inputs):
        return max(rtol, FLOAT32_RTOL), max(atol, FLOAT32_ATOL * _largest(expected))
    return rtol, atol


def _kind(dtype) -> str:
    k = dtype.kind
    return "i" if k in "iu" else k


def _is_bool(x) -> bool:
    return isinstance(x, bool) or (isinstance(x, generic) and x.dtype.kind == "b")


def compare(expected: Any, got: Any, *, rtol: float = 1e-6, atol: float = 1e-8,
            dtype: str | None = "kind", path: str = "your result") -> Mismatch | None:
    """None if `got` matches `expected` within tolerance, else how they differ.

    dtype: None ignores dtypes; "kind" requires the same kind (floats vs integers
    vs booleans); "exact" requires the same dtype (float32 vs float64).
    """
    if dtype not in DTYPE_POLICIES:
        raise ValueError(f"dtype policy must be one of {DTYPE_POLICIES}, not {dtype!r}")
    try:
        return _compare(expected, got, rtol, atol, dtype, path)
    except Exception:  # a learner's object that breaks ==, len(), float()...: never crash
        return _uncomparable(expected, got, path)


def _uncomparable(expected, got, path) -> Mismatch:
    try:
        shown = describe(got)
    except Exception:
        shown = "an object"
    try:
        wanted = describe(expected)
    except Exception:
        wanted = "the expected value"
    return Mismatch("type", f"{path} is {shown}, which cannot be compared with the expected "
                    f"{wanted}", ["Return the kind of value the docstring asks for."],
                    path, expected, got)


def _compare(expected, got, rtol, atol, dtype, path) -> Mismatch | None:
    if isinstance(expected, ndarray):
        return _compare_arrays(expected, got, rtol, atol, dtype, path)
    if _is_bool(expected):
        if not _is_bool(got):
            return _type_mismatch(expected, got, path, "True or False")
        if bool(expected) != bool(got):
            return Mismatch("value", f"{path} is {bool(got)}, expected {bool(expected)}",
                            path=path, expected=expected, got=got)
        return None
    if is_number(expected):
        return _compare_numbers(expected, got, rtol, atol, dtype, path)
    if isinstance(expected, (tuple, list)):
        return _compare_sequences(expected, got, rtol, atol, dtype, path)
    if isinstance(expected, dict):
        return _compare_dicts(expected, got, rtol, atol, dtype, path)
    if expected is None:
        if got is not None:
            return _type_mismatch(expected, got, path, "None")
        return None
    try:
        same = bool(expected == got)
    except Exception:
        same = False
    if not same:
        return Mismatch("value", f"{path} is {preview(got)}, expected {preview(expected)}",
                        path=path, expected=expected, got=got)
    return None


def _type_mismatch(expected, got, path, wanted: str) -> Mismatch:
    summary = f"{path} is {describe(got)}, but {wanted} was expected"
    details = []
    if got is None:
        summary = f"{path} is None, but {wanted} was expected"
        details.append("A function returns None when it has no `return` statement "
                       "(or when a branch ends without one).")
    elif isinstance(got, (list, tuple)) and wanted.startswith("a NumPy array"):
        details.append(f"Wrap it in np.array(...), or build it with NumPy operations; "
                       f"your {type(got).__name__} was: {preview(got)}")
    return Mismatch("type", summary, details, path, expected, got)


def _compare_numbers(expected, got, rtol, atol, dtype, path) -> Mismatch | None:
    if isinstance(got, ndarray) and got.ndim > 0:
        m = _type_mismatch(expected, got, path, "a single number")
        if got.size == 1:
            m.details.append("It holds one number: take it out with .item() "
                             "(or index it, e.g. x[0]).")
        return m
    if dtype is not None and isinstance(got, ndarray) and type(expected) in (float, int):
        # the exercise promises a Python number; a 0-d array prints like one but is not
        # (it is mutable, indexes as x[()], and some code treats it as an array)
        wanted = "a float" if type(expected) is float else "an int"
        return Mismatch("type", f"{path} is a 0-d NumPy array ({preview(got)}), but {wanted} "
                        "was expected",
                        [f"Convert it: return {'float' if wanted == 'a float' else 'int'}(x) "
                         "or x.item() (a 0-d array comes from reductions with keepdims, "
                         "np.array(...) of one number, or .squeeze())."],
                        path, expected, got)
    if not is_number(got):
        return _type_mismatch(expected, got, path, "a number")
    e_kind = "f" if isinstance(expected, float) else _kind(asarray(expected).dtype)
    g_kind = "f" if isinstance(got, float) else _kind(asarray(got).dtype)
    if dtype is not None and e_kind != g_kind and not (e_kind == "c" or g_kind == "c"):
        wanted = {"i": "a whole number (int)", "f": "a float", "b": "True or False"}.get(
            e_kind, f"a {e_kind}")
        return Mismatch("dtype", f"{path} is {describe(got)}, but {wanted} was expected",
                        path=path, expected=expected, got=got)
    e, g = complex(expected), complex(got)
    if _nonfinite(g) and not _nonfinite(e):
        return Mismatch("nonfinite", f"{path} is {fmt_number(g.real)}, expected "
                        f"{fmt_number(e.real)}: your number is not finite",
                        [_NONFINITE_CAUSES], path, expected, got)
    if _nonfinite(e):  # NaN or infinity expected: no tolerance, only the same value will do
        if _same_part(e.real, g.real) and _same_part(e.imag, g.imag):
            return None
        return Mismatch("value", f"{path} is {fmt_number(g.real)}, expected exactly "
                        f"{fmt_number(e.real)}", [], path, expected, got)
    if not abs(g - e) <= atol + rtol * abs(e):
        whole = e_kind == "i" and g_kind == "i"
        if e.imag == 0 and g.imag == 0:
            e_text, g_text = fmt_pair(e.real, g.real)
            details = [] if whole else [fmt_error(e.real, g.real, rtol, atol)]
        else:
            e_text, g_text = str(e), str(g)
            details = [f"difference {fmt_number(abs(g - e))} "
                       f"(allowed: {rtol:.2g} relative + {atol:.2g})"]
        return Mismatch("value", f"{path} is {g_text}, expected {e_text}", details,
                        path, expected, got)
    return None


def _same_part(a: float, b: float) -> bool:
    """Equal, counting NaN as equal to NaN."""
    return a == b or (a != a and b != b)


def _nonfinite(z: complex) -> bool:
    return not (math.isfinite(z.real) and math.isfinite(z.imag))


_NONFINITE_CAUSES = ("NaN and infinity usually come from overflow (np.exp of a large number), "
                     "division by zero, or the log of 0.")


def _compare_arrays(expected: ndarray, got, rtol, atol, dtype, path) -> Mismatch | None:
    if expected.ndim == 0 and is_number(got):
        got = asarray(got)
    if not isinstance(got, ndarray):
        return _type_mismatch(expected, got, path, f"a NumPy array ({describe(expected)})")
    if got.shape != expected.shape:
        return Mismatch(
            "shape",
            f"{path} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}",
            [f"expected: {describe(expected)}: {preview(expected)}",
             f"got:      {describe(got)}: {preview(got)}"],
            path, expected, got)
    e_kind, g_kind = _kind(expected.dtype), _kind(got.dtype)
    if dtype == "exact" and expected.dtype != got.dtype:
        return Mismatch("dtype", f"{path} has dtype {got.dtype}, expected {expected.dtype}",
                        [f"expected: {describe(expected)}", f"got:      {describe(got)}"],
                        path, expected, got)
    if dtype == "kind" and e_kind != g_kind:
        return Mismatch(
            "dtype",
            f"{path} holds {_KIND_NAMES.get(g_kind, got.dtype)} ({got.dtype}), expected "
            f"{_KIND_NAMES.get(e_kind, expected.dtype)} ({expected.dtype})",
            [f"got: {preview(got)}"], path, expected, got)
    if expected.size == 0:
        return None
    numeric = e_kind in "bifc" and g_kind in "bifc"
    if not numeric:
        equal = _safe_equal(expected, got)
        if equal is None or not equal.all():
            return Mismatch("value", f"{path} differs from the expected value",
                            [f"expected: {preview(expected)}", f"got:      {preview(got)}"],
                            path, expected, got)
        return None
    return _compare_numeric_arrays(expected, got, rtol, atol, path)


def _safe_equal(a, b):
    try:
        with errstate(all="ignore"):
            return asarray(a == b)
    except Exception:
        return None


def _first(mask: ndarray) -> tuple[int, ...]:
    """The index of the first True entry of `mask` (() for a 0-d mask)."""
    if mask.ndim == 0:
        return ()
    return tuple(int(ix[0]) for ix in mask.nonzero())


def _compare_numeric_arrays(expected, got, rtol, atol, path) -> Mismatch | None:
    cplx = expected.dtype.kind == "c" or got.dtype.kind == "c"
    target = "complex128" if cplx else "float64"
    with errstate(all="ignore"):
        e = expected.astype(target)
        g = got.astype(target)
        e_nan, g_nan = e != e, g != g
        e_inf = (abs(e) == math.inf) & ~e_nan
        g_inf = (abs(g) == math.inf) & ~g_nan
        for bad, what in ((g_nan & ~e_nan, "NaN (not a number)"),
                          (g_inf & ~e_inf, "infinity")):
            if bad.any():
                idx = _first(bad)
                return Mismatch(
                    "nonfinite",
                    f"{path} contains {what} in {int(bad.sum())} of {bad.size} entries "
                    f"(first at {path}{fmt_index(idx)}), where the expected values are finite",
                    [*_shown(expected, got), _NONFINITE_CAUSES], path, expected, got)
        diff = abs(g - e)
        finite = ~e_nan & ~e_inf
        # The tolerance applies to finite expected entries only: where NaN or infinity is
        # expected, only the same value will do (atol + rtol * inf would accept anything).
        close = (finite & (diff <= atol + rtol * abs(e))) | (e_nan & g_nan) | (e_inf & (e == g))
        if close.all():
            return None
        shown = _shown(expected, got)
        bad = ~close
        idx = _first(bad)
        worst = diff[bad & ~e_nan & ~e_inf]
        n_bad = int(bad.sum())
        exact = _kind(expected.dtype) in "ib" and _kind(got.dtype) in "ib"
        e0, g0 = _scalar(expected[idx]), _scalar(got[idx])
        if isinstance(e0, bool) or isinstance(g0, bool):
            e_text, g_text = str(e0), str(g0)
        elif isinstance(e0, complex) or isinstance(g0, complex):
            e_text, g_text = str(e0), str(g0)
        else:
            e_text, g_text = fmt_pair(e0, g0)
        lines = [*shown, f"first difference at {path}{fmt_index(idx)}: expected {e_text}, "
                         f"got {g_text}"]
        if not exact and worst.size:
            rel = (worst / abs(e[bad & ~e_nan & ~e_inf])).max() if bool(
                (e[bad & ~e_nan & ~e_inf] != 0).all()) else None
            lines.append(f"largest difference {worst.max():.2g}"
                         + (f" = {rel:.2g} relative" if rel is not None else "")
                         + f" (allowed: {rtol:.2g} relative + {atol:.2g})")
        return Mismatch(
            "value",
            f"{path} has the right shape but {n_bad} of {bad.size} "
            f"value{'s' if bad.size != 1 else ''} differ",
            lines, path, expected, got)


def _shown(expected, got) -> list[str]:
    """The expected/got preview lines (built only when a message needs them)."""
    return [f"expected: {describe(expected)}: {preview(expected)}",
            f"got:      {describe(got)}: {preview(got)}"]


def _scalar(x):
    return x.item() if hasattr(x, "item") else x


def _compare_sequences(expected, got, rtol, atol, dtype, path) -> Mismatch | None:
    if not isinstance(got, (tuple, list)):
        wanted = f"a {type(expected).__name__} of {len(expected)} items"
        return _type_mismatch(expected, got, path, wanted)
    if len(got) != len(expected):
        return Mismatch("length", f"{path} has {len(got)} items, expected {len(expected)}",
                        [f"got: {preview(got)}"], path, expected, got)
    for i, (e, g) in enumerate(zip(expected, got, strict=True)):
        m = compare(e, g, rtol=rtol, atol=atol, dtype=dtype, path=f"{path}[{i}]")
        if m is not None:
            return m
    return None


def _compare_dicts(expected, got, rtol, atol, dtype, path) -> Mismatch | None:
    if not isinstance(got, dict):
        return _type_mismatch(expected, got, path, "a dict")
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    if missing or extra:
        lines = []
        if missing:
            lines.append(f"missing keys: {', '.join(map(repr, missing))}")
        if extra:
            lines.append(f"unexpected keys: {', '.join(map(repr, extra))}")
        return Mismatch("keys", f"{path} does not have the expected keys", lines,
                        path, expected, got)
    for k, e in expected.items():
        m = compare(e, got[k], rtol=rtol, atol=atol, dtype=dtype, path=f"{path}[{k!r}]")
        if m is not None:
            return m
    return None
