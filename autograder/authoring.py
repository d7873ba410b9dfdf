"""Write and edit solution notebooks as plain text, with their nbgrader roles.

The .ipynb files in solutions/ are the source of truth. This module converts
them to and from a text form that is easy to write, review and diff:

    # %% [markdown]
    ## Vectors
    Some prose...

    # %% [code] readonly id=setup
    import numpy as np

    # %% [code] solution id=row_means
    def row_means(a):
        ### BEGIN SOLUTION
        return a.mean(axis=1)
        ### END SOLUTION

    # %% [code] tests id=row_means_test points=2
    check_row_means(row_means)

    # %% [markdown] answer id=why_axis points=2
    (the rubric and an example answer, between BEGIN/END SOLUTION markers)

A marker line starts with ``# %%``; everything up to the next marker is the
cell's source, verbatim. ``cell=`` carries the cell's Jupyter id: ``to-text``
writes it for every cell and ``to-ipynb`` keeps it, so inserting, moving or
deleting a cell never changes another cell's id (a diff shows only that cell).
A new cell written without ``cell=`` gets an id made from its grade_id, or from
a hash of its source, never from its position. Roles map to nbgrader cell types:

    readonly  locked cell (restored from the source at autograde)
    solution  autograded answer (code the learner writes)
    tests     autograder tests (needs points)
    answer    manually graded answer (needs points; markdown or code)

Usage:
    python -m autograder.authoring to-ipynb lesson.py solutions/00_x/01_lesson.ipynb
    python -m autograder.authoring to-text solutions/00_x/01_lesson.ipynb lesson.py
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import nbformat

MARKER = re.compile(r"^# %% \[(?P<type>markdown|code)\](?P<rest>.*)$")
ROLES = ("readonly", "solution", "tests", "answer")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class AuthoringError(ValueError):
    """The text form has a mistake (the message says which line)."""


def _parse_marker(rest: str, lineno: int) -> tuple[str | None, dict[str, str]]:
    role = None
    attrs: dict[str, str] = {}
    for token in rest.split():
        if "=" in token:
            key, value = token.split("=", 1)
            attrs[key] = value
        elif token in ROLES:
            if role is not None:
                raise AuthoringError(f"line {lineno}: a cell has one role, got {role} and {token}")
            role = token
        else:
            raise AuthoringError(f"line {lineno}: unknown word {token!r} in a cell marker "
                                 f"(roles: {', '.join(ROLES)}; attributes: id=, points=, cell=)")
    return role, attrs


def _nbgrader(role: str, attrs: dict[str, str], lineno: int) -> dict:
    if "id" not in attrs:
        raise AuthoringError(f"line {lineno}: a {role} cell needs id=...")
    meta = {"grade": False, "solution": False, "locked": False,
            "grade_id": attrs["id"], "schema_version": 3}
    if role == "readonly":
        meta["locked"] = True
    elif role == "solution":
        meta["solution"] = True
    elif role in ("tests", "answer"):
        if "points" not in attrs:
            raise AuthoringError(f"line {lineno}: a {role} cell needs points=...")
        meta["grade"] = True
        meta["points"] = float(attrs["points"]) if "." in attrs["points"] else int(attrs["points"])
        meta["locked"] = role == "tests"
        meta["solution"] = role == "answer"
    return meta


CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")   # what nbformat 4.5 allows


def _new_cell_id(cell: nbformat.NotebookNode, taken: set[str]) -> str:
    """An id for a cell written without one: its grade_id, else a hash of its source.

    Never its position, so adding a cell leaves every other id alone. A clash (two
    cells with the same source) is resolved with a suffix.
    """
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
    base = grade_id if CELL_ID.match(grade_id or "") and len(grade_id) <= 60 else (
        "cell-" + hashlib.sha256(cell.source.encode()).hexdigest()[:8])
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def text_to_notebook(text: str) -> nbformat.NotebookNode:
    """Build a notebook (no outputs; each cell keeps the id its marker gives) from the text form."""
    cells = []
    given: list[str | None] = []
    current: dict | None = None
    lines: list[str] = []

    def flush() -> None:
        if current is None:
            return
        source = "\n".join(lines).strip("\n")
        if current["type"] == "markdown":
            cell = nbformat.v4.new_markdown_cell(source)
        else:
            cell = nbformat.v4.new_code_cell(source)
        if current["meta"]:
            cell.metadata["nbgrader"] = current["meta"]
        cells.append(cell)
        given.append(current["cell_id"])

    for lineno, line in enumerate(text.splitlines(), 1):
        match = MARKER.match(line)
        if match:
            flush()
            role, attrs = _parse_marker(match["rest"], lineno)
            meta = _nbgrader(role, attrs, lineno) if role else {}
            if role == "tests" and match["type"] != "code":
                raise AuthoringError(f"line {lineno}: a tests cell must be code")
            cell_id = attrs.get("cell")
            if cell_id is not None and not CELL_ID.match(cell_id):
                raise AuthoringError(f"line {lineno}: cell={cell_id!r} is not a valid cell id "
                                     "(1-64 letters, digits, - or _)")
            if cell_id is not None and cell_id in given:
                raise AuthoringError(f"line {lineno}: cell={cell_id} is used twice")
            current, lines = {"type": match["type"], "meta": meta, "cell_id": cell_id}, []
        elif current is None:
            if line.strip():
                raise AuthoringError(f"line {lineno}: text before the first '# %%' marker")
        else:
            lines.append(line)
    flush()
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC),
                   "language_info": {"name": "python"}}
    taken = {i for i in given if i is not None}
    for cell, cell_id in zip(cells, given, strict=True):
        if cell_id is None:
            cell_id = _new_cell_id(cell, taken)
            taken.add(cell_id)
        cell["id"] = cell_id
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.cells = cells
    nbformat.validate(nb)
    return nb


def notebook_to_text(nb: nbformat.NotebookNode) -> str:
    """The text form of a notebook (outputs are dropped)."""
    parts = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        marker = f"# %% [{cell.cell_type}]"
        if meta:
            if meta.get("grade") and meta.get("solution"):
                role = "answer"
            elif meta.get("grade"):
                role = "tests"
            elif meta.get("solution"):
                role = "solution"
            elif meta.get("locked"):
                role = "readonly"
            else:
                role = None
            if role:
                marker += f" {role} id={meta['grade_id']}"
                if role in ("tests", "answer"):
                    marker += f" points={meta['points']}"
        if cell.get("id"):
            marker += f" cell={cell['id']}"
        parts.append(f"{marker}\n{cell.source}\n")
    return "\n".join(parts)


def write_notebook(nb: nbformat.NotebookNode, path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.authoring",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("to-ipynb", "to-text"):
        p = sub.add_parser(name)
        p.add_argument("source")
        p.add_argument("target")
    args = parser.parse_args(argv)
    try:
        if args.command == "to-ipynb":
            nb = text_to_notebook(Path(args.source).read_text(encoding="utf-8"))
            write_notebook(nb, args.target)
        else:
            text = notebook_to_text(nbformat.read(args.source, as_version=4))
            Path(args.target).write_text(text, encoding="utf-8")
    except AuthoringError as exc:
        print(f"{args.source}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
