"""The solution notebooks' functions saved as a learner's would be (for tests of autograder.mygpt).

Each solution notebook's solution cells are written to one module and imported, so that
``inspect.getsource`` finds them, then saved with the same ``save_pieces`` call as the
notebook's last cell.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from nbfiles import SOLUTIONS

from autograder.mygpt import PIECES, save_pieces
from autograder.notebooks import nbgrader_meta, read_notebook


def solution_source(notebook: Path) -> str:
    """Every solution cell that defines functions, in order, as one module's source."""
    nb = read_notebook(notebook)
    cells = [c.source for c in nb.cells
             if c.cell_type == "code" and nbgrader_meta(c).get("solution")
             and c.source.lstrip().startswith("def ")]
    return "import math\n\nimport numpy as np\n\n\n" + "\n\n\n".join(cells) + "\n"


def write_solution_pieces(directory: Path, only: tuple[str, ...] | None = None) -> Path:
    """Save every piece (or those in `only`) from the solutions into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for piece in PIECES.values():
        if only is not None and piece.name not in only:
            continue
        module_path = directory / f"_solution_{piece.name}.py"
        module_path.write_text(solution_source(SOLUTIONS / piece.notebook), encoding="utf-8")
        spec = importlib.util.spec_from_file_location(f"_solution_{piece.name}", module_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        save_pieces(piece.name, vars(module), directory, quiet=True)
        module_path.unlink()
    return directory
