"""Find every check the stage modules define (for the unit tests and tools)."""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .core import Check

# Modules of the framework itself; every other module in this package is a stage's checks.
FRAMEWORK_MODULES = {"compare", "core", "describe", "events", "generic", "gradcheck", "integrity",
                     "learner", "multi", "randomness", "registry", "spec", "tracebacks"}


def stage_modules() -> list[str]:
    """Dotted names of the modules (and subpackage modules) that hold stage checks."""
    package = importlib.import_module("autograder.checks")
    names = []
    for info in pkgutil.walk_packages(package.__path__, prefix="autograder.checks."):
        if info.name.rsplit(".", 1)[-1] in FRAMEWORK_MODULES and info.name.count(".") == 2:
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
