"""Which notebook a kernel runs, and which exercise of it calls a given check.

A kernel started by JupyterLab knows its notebook from ``JPY_SESSION_NAME``
(jupyter_server sets it to the notebook's path). Elsewhere (nbclient, VS Code,
a renamed notebook) the notebook is unknown and the progress report matches
the check's name against every notebook's exercises instead.

Reading a notebook costs a few milliseconds, so the exercise index of each
notebook is cached until the file changes on disk.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..stages import checks_package
from .catalog import CatalogError, exercises, load_cells

SESSION_ENV = "JPY_SESSION_NAME"

# path -> ((mtime_ns, size), {check identifier: exercise number})
_INDEX_CACHE: dict[str, tuple[tuple[int, int], dict[str, str]]] = {}


def current_notebook(workspace: Path | None = None) -> Path | None:
    """The notebook this kernel was started for, if it can be told and exists."""
    name = os.environ.get(SESSION_ENV)
    if not name:
        return None
    candidates = [Path(name)]
    if not Path(name).is_absolute():
        candidates.append(Path.cwd() / Path(name).name)
        if workspace is not None:
            candidates.append(Path(workspace) / name)
    for path in candidates:
        if path.suffix == ".ipynb" and path.is_file():
            return path.resolve()
    return None


def relative_to(path: Path, workspace: Path) -> str | None:
    """'00_orientation/01_x.ipynb' for a notebook inside `workspace`, else None."""
    try:
        return path.resolve().relative_to(Path(workspace).resolve()).as_posix()
    except ValueError:
        return None


def check_exercises(path: Path) -> dict[str, str]:
    """{check name ("row_means"): exercise number ("2.4")} for a notebook.

    Cached per file until it changes. A notebook that cannot be read gives {}.
    """
    key = str(path)
    try:
        stat = path.stat()
    except OSError:
        return {}
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _INDEX_CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    index = _index(path)
    _INDEX_CACHE[key] = (stamp, index)
    return index


def check_name(ident: str, package: str = "autograder.checks.") -> str:
    """The name a check reports ("my_plan") for the identifier a cell calls
    ("check_learning_plan"), from the stage modules this kernel has imported.

    package: look in the notebook's own stage first (stages 00 and 05 both define a
    `check_learning_plan`, under different names)."""
    for prefix in dict.fromkeys((package, "autograder.checks.")):
        for modname, module in list(sys.modules.items()):
            if modname.startswith(prefix) and module is not None:
                name = getattr(getattr(module, ident, None), "name", None)
                if isinstance(name, str):
                    return name
    return ident.removeprefix("check_")


def _stage_package(path: Path) -> str:
    try:
        return checks_package(path.parent.name)
    except ValueError:
        return "autograder.checks."


def _index(path: Path) -> dict[str, str]:
    """{check name: exercise number}; the first exercise wins if two call the same check."""
    try:
        found = exercises(load_cells(path))
    except CatalogError:
        return {}
    package = _stage_package(path)
    return {check_name(ident, package): ex.number for ex in reversed(found)
            for ident in ex.checks}


def exercise_for(name: str, notebook: Path | None) -> str | None:
    """The exercise of `notebook` whose test cell calls the check named `name`, if any."""
    if notebook is None:
        return None
    return check_exercises(notebook).get(name)
