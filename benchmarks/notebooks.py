"""Time every solution notebook top to bottom (the budget is 60 s each on 2 cores).

    python3 manage.py run python benchmarks/notebooks.py [STAGE_FOLDER ...]

Prints the seconds of each notebook next to the time of an empty notebook (kernel
start and stop) measured in the same run, so the figures can be read as
"notebook work" on top of a fixed cost.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 60.0


def run(nb, path: Path) -> float:
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    stages = sys.argv[1:]
    paths = sorted(p for p in (ROOT / "solutions").glob("*/*.ipynb")
                   if not stages or p.parent.name in stages)
    empty = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    baseline = run(empty, ROOT)
    print(f"empty notebook (kernel start + stop): {baseline:.2f} s\n")
    over = 0
    for path in paths:
        seconds = run(nbformat.read(str(path), as_version=4), path.parent)
        flag = "  OVER BUDGET" if seconds > BUDGET_S else ""
        over += seconds > BUDGET_S
        print(f"{path.parent.name}/{path.name:42s} {seconds:7.2f} s  "
              f"({seconds / baseline:5.1f}x empty){flag}")
    print(f"\n{len(paths)} notebooks, {over} over the {BUDGET_S:.0f} s budget")


if __name__ == "__main__":
    main()
