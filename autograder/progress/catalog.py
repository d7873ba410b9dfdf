"""The curriculum as the progress report sees it: stages, their notebooks, their exercises.

Notebooks are read with :mod:`autograder.notebooks` (the one reader of the
format, on raw JSON: fast enough to run inside a learner's check).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..notebooks import Exercise, GradedCell, NotebookError, exercises, load_cells
from ..stages import STAGE_FOLDERS

__all__ = ["CatalogError", "Exercise", "GradedCell", "Notebook", "exercises", "load_cells",
           "notebook_files", "read_catalog"]

# Side-by-side copies that earlier versions of autograder.lab.workspace wrote beside a
# notebook the learner had changed; old workspaces may still hold them. (Today an update
# merges the learner's answers into the new version, and copies go to backups/ and
# updates/, which are not stage folders and so are never read.)
UPSTREAM_COPY = re.compile(r"\.upstream-[0-9a-f]+\.ipynb$")

CatalogError = NotebookError   # the name the progress code and the workspace use


@dataclass
class Notebook:
    stage: str           # "00_orientation"
    path: str            # "00_orientation/02_numpy_warmup.ipynb" (relative to its base)
    exercises: list[Exercise]

    @property
    def name(self) -> str:
        return Path(self.path).stem


def notebook_files(base: str | Path) -> list[Path]:
    """Every stage notebook under `base` (stage folders in curriculum order)."""
    base = Path(base)
    if not base.is_dir():
        return []
    folders = [p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")
               and p.name[:2].isdigit()]
    order = {name: i for i, name in enumerate(STAGE_FOLDERS)}
    folders.sort(key=lambda p: (order.get(p.name, len(order)), p.name))
    return [nb for folder in folders for nb in sorted(folder.glob("*.ipynb"))
            if not UPSTREAM_COPY.search(nb.name)]


def read_catalog(base: str | Path, fallback: str | Path | None = None
                 ) -> tuple[list[Notebook], list[str]]:
    """Every notebook under `base` with its exercises, and warnings for unreadable ones.

    A notebook that cannot be read is taken from `fallback` (the same relative
    path, e.g. the pristine curriculum/ copy) when there is one.
    """
    base = Path(base)
    notebooks, warnings = [], []
    for path in notebook_files(base):
        rel = path.relative_to(base).as_posix()
        try:
            cells = load_cells(path)
        except CatalogError as exc:
            spare = Path(fallback) / rel if fallback is not None else None
            if spare is None or not spare.is_file():
                warnings.append(f"skipped {rel}: {exc}")
                continue
            warnings.append(f"{rel} cannot be read ({exc}); its exercises are taken from "
                            "the original copy")
            cells = load_cells(spare)
        notebooks.append(Notebook(path.parent.name, rel, exercises(cells)))
    return notebooks, warnings
