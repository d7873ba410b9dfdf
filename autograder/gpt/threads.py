"""How many threads NumPy's matrix products use (OpenBLAS), read and set at run time.

    set_blas_threads(1)          # returns the previous number, or None if unknown

OpenBLAS runs each matrix product on several threads, which pays off for large
matrices on an otherwise idle machine. For the small matrices of this stage the
gain is modest, and when other programs compete for the cores (a shared
machine, or tests running notebooks in parallel) OpenBLAS threads that wait for
each other can make every product ten times slower or worse. The training
notebook therefore uses one thread. The environment variable
OPENBLAS_NUM_THREADS does the same, but only if it is set before NumPy is
imported; this works at any time.

It finds OpenBLAS among the libraries loaded into the process (Linux) or next to
NumPy, and does nothing (returns None) where it cannot.
"""

from __future__ import annotations

import ctypes
import glob
import os
from functools import lru_cache

import numpy as np

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")


def _candidate_paths() -> list[str]:
    paths = []
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                path = line.split()[-1]
                if "openblas" in os.path.basename(path).lower() and path not in paths:
                    paths.append(path)
    except OSError:
        pass
    here = os.path.dirname(np.__file__)
    paths += glob.glob(os.path.join(here, "..", "numpy.libs", "*openblas*"))
    paths += glob.glob(os.path.join(here, ".dylibs", "*openblas*"))
    return paths


@lru_cache(maxsize=1)
def _functions():
    for path in _candidate_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(lib, n) for n in _SETTERS if hasattr(lib, n)), None)
        getter = next((getattr(lib, n) for n in _GETTERS if hasattr(lib, n)), None)
        if setter is not None and getter is not None:
            setter.argtypes = [ctypes.c_int]
            getter.restype = ctypes.c_int
            return setter, getter
    return None


def blas_threads() -> int | None:
    """The number of threads OpenBLAS uses now, or None if it cannot be found."""
    found = _functions()
    return None if found is None else int(found[1]())


def set_blas_threads(n: int) -> int | None:
    """Use `n` threads for matrix products; return the previous number (None: no effect)."""
    found = _functions()
    if found is None:
        return None
    previous = int(found[1]())
    found[0](int(n))
    return previous
