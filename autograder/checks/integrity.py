"""Guard the checks against a notebook that has replaced NumPy functions.

A learner's cell can run ``np.allclose = lambda *a, **k: True``. NumPy's module
attributes are shared by every piece of code in the kernel, so a check that
looked them up at call time would then accept anything. Two defences:

1. The comparison code in this package never looks NumPy functions up at call
   time. It uses ndarray methods and operators (which live on a built-in type
   and cannot be reassigned) and the references captured here at import.
2. Every check first calls :func:`verify`, which compares NumPy's public
   callables with the snapshot taken at import and refuses to grade if any was
   replaced. The snapshot itself is validated: each callable must come from
   NumPy's own package, so a replacement made *before* this module was imported
   is caught as well.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy
import numpy.fft  # noqa: F401  NumPy 2 loads these lazily; import them so they are watched
import numpy.linalg  # noqa: F401
import numpy.random  # noqa: F401

_NUMPY_DIR = str(Path(numpy.__file__).resolve().parent)
_WATCHED = ("numpy", "numpy.linalg", "numpy.random", "numpy.fft")


def _public_callables(module) -> dict[str, object]:
    # vars(), not dir(): dir() would trigger NumPy's lazy imports.
    return {name: obj for name, obj in vars(module).items()
            if not name.startswith("_") and callable(obj)}


def _looks_foreign(obj) -> bool:
    """True if `obj` was not defined by NumPy itself."""
    module = getattr(obj, "__module__", None)
    if not isinstance(module, str) or not module.startswith("numpy"):
        return True
    while hasattr(obj, "__wrapped__"):  # decorators such as contextlib.contextmanager
        obj = obj.__wrapped__
    if isinstance(obj, types.MethodType):  # np.random.rand is a bound method
        obj = obj.__func__
    # Only plain Python functions carry a trustworthy file name (compiled Cython
    # functions report a relative one); a lambda from a notebook is one of them.
    if isinstance(obj, types.FunctionType):
        filename = str(Path(obj.__code__.co_filename).resolve())
        return not filename.startswith(_NUMPY_DIR)
    return False


def _take_snapshot() -> dict[tuple[str, str], object]:
    snapshot = {}
    for modname in _WATCHED:
        module = sys.modules.get(modname)
        if module is None:
            continue
        for name, obj in _public_callables(module).items():
            snapshot[(modname, name)] = obj
    return snapshot


_SNAPSHOT = _take_snapshot()
_FOREIGN_AT_IMPORT = sorted(f"{m.replace('numpy', 'np', 1)}.{n}"
                            for (m, n), obj in _SNAPSHOT.items() if _looks_foreign(obj))

# The NumPy functions the comparison code needs, captured once.
asarray = numpy.asarray
array2string = numpy.array2string
errstate = numpy.errstate
ndarray = numpy.ndarray
generic = numpy.generic
unravel_index = numpy.unravel_index


def replaced_functions() -> list[str]:
    """Names like ``np.allclose`` whose NumPy function has been replaced or removed."""
    changed = set(_FOREIGN_AT_IMPORT)
    for (modname, name), original in _SNAPSHOT.items():
        module = sys.modules.get(modname)
        current = vars(module).get(name) if module is not None else None
        if current is not original:
            changed.add(f"{modname.replace('numpy', 'np', 1)}.{name}")
    return sorted(changed)


def verify() -> None:
    """Raise :class:`IntegrityError` if NumPy has been modified in this session."""
    changed = replaced_functions()
    if changed:
        raise IntegrityError(changed)


class IntegrityError(Exception):
    """NumPy functions were replaced, so no check result could be trusted."""

    def __init__(self, names: list[str]):
        self.names = names
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        super().__init__(
            f"NumPy has been modified in this session: {shown} "
            "no longer is NumPy's own function. A check cannot trust its answers while "
            "that is so. Remove the code that assigns to it, then restart the kernel "
            "(Kernel > Restart) and run the notebook again."
        )
