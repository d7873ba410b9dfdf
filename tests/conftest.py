"""Shared fixtures: where things are, and how to run a notebook."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

# The suite runs one notebook kernel per xdist worker, one worker per core: each
# kernel gets one BLAS thread, or two-threaded matrix products on two busy cores
# thrash (stage 04 measured 20x slower training). Kernels inherit this environment.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# nbgrader needs the environment's bin/ on PATH (it runs `alembic`). Kernels keep
# matplotlib's inline backend, as a learner's do, so figures really render.
_bindir = str(Path(sys.executable).parent)
if _bindir not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bindir + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def pytest_collection_modifyitems(config, items):
    """Run the longest tests first: with pytest-xdist, the worker that takes one starts at
    once and the other workers share the rest, instead of everyone waiting at the end."""
    items.sort(key=lambda item: item.get_closest_marker("longest") is None)
