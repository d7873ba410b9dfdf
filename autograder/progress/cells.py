"""Add the read-only progress cell to the end of every solution notebook that lacks it.

    python -m autograder.progress.cells solutions/            # add where missing
    python -m autograder.progress.cells --check solutions/    # exit 1 if any lacks it

Idempotent: a notebook that already has the cell (nbgrader grade_id
``show_progress``) is left byte for byte as it is. Then regenerate the learner
copies: ``python3 manage.py release``.

The cell is locked (a ``readonly`` cell, restored at grading), has no points,
prints nothing on stderr, works before any check has been recorded, and only
prints a one-line notice while nbgrader grades or validates.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

GRADE_ID = "show_progress"
MARKDOWN = (
    "## Where you stand\n"
    "\n"
    "The cell below shows your progress across the whole curriculum: exercises done and "
    "points per notebook, the time the rest should take (from the exercises' time boxes), "
    "what is not passing yet, and a chart. It counts every check you have run in your "
    "workspace, in any notebook. `python3 manage.py progress` prints the same in a terminal.")
CODE = ("# Your progress across every stage (recorded each time you run a check cell).\n"
        "from autograder.progress import show_progress\n"
        "\n"
        "show_progress()")


def has_progress_cell(nb) -> bool:
    return any((c.get("metadata", {}).get("nbgrader") or {}).get("grade_id") == GRADE_ID
               for c in nb.cells)


def add_progress_cell(nb) -> bool:
    """Append the heading and the locked progress cell to `nb`; False if it has them."""
    import nbformat

    if has_progress_cell(nb):
        return False
    ids = {c.get("id") for c in nb.cells}
    cells = [nbformat.v4.new_markdown_cell(MARKDOWN), nbformat.v4.new_code_cell(CODE)]
    cells[1].metadata["nbgrader"] = {"grade": False, "grade_id": GRADE_ID, "locked": True,
                                     "schema_version": 3, "solution": False}
    for cell in cells:
        n = len(nb.cells)
        cell["id"] = f"cell-{n:03d}"      # the ids autograder.authoring gives by position
        while cell["id"] in ids:
            n += 1
            cell["id"] = f"cell-{n:03d}"
        ids.add(cell["id"])
        nb.cells.append(cell)
    return True


def notebooks_in(paths: list[str]) -> list[Path]:
    found = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        elif path.suffix == ".ipynb":
            found.append(path)
        else:
            raise SystemExit(f"error: {name} is neither a folder nor a notebook")
    return found


def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(prog="python -m autograder.progress.cells",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="solution notebooks or folders of them")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a notebook lacks the cell")
    args = parser.parse_args(argv)
    missing = []
    for path in notebooks_in(args.paths):
        nb = nbformat.read(str(path), as_version=4)
        if has_progress_cell(nb):
            continue
        missing.append(path)
        if not args.check:
            add_progress_cell(nb)
            nbformat.write(nb, str(path))
            print(f"added the progress cell to {path}")
    if args.check and missing:
        print("no progress cell in: " + ", ".join(map(str, missing)))
        return 1
    if not missing:
        print("every notebook already has the progress cell")
    elif not args.check:
        print("now regenerate the learner copies: python3 manage.py release")
    return 0


if __name__ == "__main__":
    sys.exit(main())
