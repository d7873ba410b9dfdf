"""Find every check the stage modules define (for the unit tests and tools)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .core import Check

# Modules of the framework itself; every other module in this package is a stage's checks.
FRAMEWORK_MODULES = {"compare", "core", "describe", "events", "generic", "gradcheck", "integrity",
                     "learner", "multi", "randomness", "registry", "scalar_math", "spec",
                     "tracebacks"}

# Old module paths kept as re-export shims, so that notebooks and gradebooks made before a
# rename still import (old path -> new path). They define nothing, so they are skipped.
MOVED_MODULES = {
    "autograder.checks.linear_algebra.support": "autograder.checks.linear_algebra.shared",
    "autograder.checks.reflections": "autograder.checks.alignment_reflections",
}


def _moved(name: str) -> bool:
    return any(name == old or name.startswith(old + ".") for old in MOVED_MODULES)


def stage_modules() -> list[str]:
    """Dotted names of the modules (and subpackage modules) that hold stage checks."""
    package = importlib.import_module("autograder.checks")
    names = []
    for info in pkgutil.walk_packages(package.__path__, prefix="autograder.checks."):
        if info.name.rsplit(".", 1)[-1] in FRAMEWORK_MODULES and info.name.count(".") == 2:
            continue
        if _moved(info.name):
            continue
        names.append(info.name)
    return sorted(names)


def all_checks() -> dict[str, Check]:
    """{'autograder.checks.orientation.check_row_means': <FunctionCheck>, ...}."""
    from .core import Check

    found: dict[str, Check] = {}
    for modname in stage_modules():
        module = importlib.import_module(modname)
        for attr, obj in vars(module).items():
            if isinstance(obj, Check) and attr.startswith("check_"):
                found[f"{modname}.{attr}"] = obj
    return found
