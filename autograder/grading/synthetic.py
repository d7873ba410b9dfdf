"""Generated courses and cohorts: for the tests, the benchmark, and trying the command.

`make_course(folder)` writes a small nbgrader course laid out like this
repository (nbgrader_config.py, solutions/<stage>/, a released curriculum/ and
a gradebook) with a deliberately tiny assignment, "tiny": one notebook, two
exercises that call real checks from stage 00, with hidden tests, and one
written answer. `make_submission(...)` writes one student's notebook from the
released copy, with chosen code in the answer cells. Together they build
cohorts of any size in seconds.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import nbformat

from ..authoring import text_to_notebook, write_notebook
from ..notebooks import nbgrader_meta, read_notebook
from ..release import find_course_root, generate

TINY_STAGE = "tiny"
TINY_NOTEBOOK = "01_tiny"

TINY_TEXT = '''\
# %% [markdown]
# A tiny assignment

Two exercises, generated for tests and benchmarks.

# %% [code] readonly id=setup
import numpy as np

from autograder.checks.orientation import check_make_grid, check_row_means

# %% [markdown]
### Exercise 1.1: a grid of numbers (about 5 min, difficulty 1/5)

# %% [code] solution id=make_grid
def make_grid(n_rows, n_cols):
    """Integers 0 .. n_rows*n_cols - 1 laid out row by row, shape (n_rows, n_cols)."""
    ### BEGIN SOLUTION
    return np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
    ### END SOLUTION

# %% [code] tests id=make_grid_test points=1
"""make_grid lays out 0, 1, 2, ... row by row in an integer array."""
check_make_grid(make_grid)
### BEGIN HIDDEN TESTS
from autograder.checks import Case

check_make_grid(make_grid, cases=[Case("1 row, 1 column", (1, 1)),
                                  Case("1 row, 7 columns", (1, 7))], hidden=True)
### END HIDDEN TESTS

# %% [markdown]
### Exercise 1.2: row means (about 5 min, difficulty 1/5)

# %% [code] solution id=row_means
def row_means(a):
    """The mean of each row: a (n, m) -> (n,)."""
    ### BEGIN SOLUTION
    return a.mean(axis=1)
    ### END SOLUTION

# %% [code] tests id=row_means_test points=2
"""row_means averages each row, giving one number per row."""
check_row_means(row_means)
### BEGIN HIDDEN TESTS
from autograder.checks import Case

check_row_means(row_means, cases=[Case("a 1x1 array", (np.array([[3.0]]),)),
                                  Case("huge values", (np.full((2, 3), 1e300),))],
                hidden=True)
### END HIDDEN TESTS

# %% [markdown] answer id=why_axis points=1
### BEGIN SOLUTION
Rubric: one point for saying that axis=1 collapses the columns, leaving one value per row.
### END SOLUTION
'''

#: Answers for the tiny assignment: grade_id -> source of the solution cell.
CORRECT = {
    "make_grid": "def make_grid(n_rows, n_cols):\n"
                 "    return np.arange(n_rows * n_cols).reshape(n_rows, n_cols)\n",
    "row_means": "def row_means(a):\n    return a.mean(axis=1)\n",
    "why_axis": "axis=1 collapses the columns, so one mean per row is left.",
}
WRONG_ROW_MEANS = "def row_means(a):\n    return a.mean(axis=0)\n"
TINY_POINTS = {"make_grid_test": 1.0, "row_means_test": 2.0}


def make_course(folder: str | Path, *, stages: dict[str, str] | None = None,
                copy_stages: Sequence[str] = ()) -> Path:
    """A course in `folder`: the tiny stage (or `stages`: name -> text form), plus
    `copy_stages` copied from this repository's solutions/; all released."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    repo = find_course_root(Path(__file__).resolve().parent)
    shutil.copy(repo / "nbgrader_config.py", folder / "nbgrader_config.py")
    for name, text in (stages if stages is not None else {TINY_STAGE: TINY_TEXT}).items():
        dest = folder / "solutions" / name
        dest.mkdir(parents=True, exist_ok=True)
        write_notebook(text_to_notebook(text), dest / f"{TINY_NOTEBOOK}.ipynb")
    for stage in copy_stages:
        shutil.copytree(repo / "solutions" / stage, folder / "solutions" / stage,
                        dirs_exist_ok=True)
    names = sorted(p.name for p in (folder / "solutions").iterdir() if p.is_dir())
    generate(folder, names, quiet=True)
    return folder


def fill(release_nb: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of a released notebook with the answer cells replaced by `answers`."""
    nb = nbformat.from_dict(release_nb)
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    return nb


def make_submission(course: str | Path, student: str, answers: dict[str, str] | None = None,
                    *, stage: str = TINY_STAGE, notebook: str = TINY_NOTEBOOK,
                    edit=None, folder: str | Path | None = None) -> Path:
    """Write `student`'s notebook into submitted/<student>/<stage>/ (or `folder`).

    answers: grade_id -> source (default: the untouched learner copy).
    edit: optional function(nb) -> nb | str | bytes for hostile variants (a str
    or bytes is written verbatim, e.g. invalid JSON).
    """
    course = Path(course)
    release = read_notebook(course / "curriculum" / stage / f"{notebook}.ipynb")
    nb = fill(release, answers or {})
    out = edit(nb) if edit is not None else nb
    dest_dir = Path(folder) if folder else course / "submitted" / student / stage
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / f"{notebook}.ipynb"
    if isinstance(out, bytes):
        dest.write_bytes(out)
    elif isinstance(out, str):
        dest.write_text(out)
    else:
        nbformat.write(out, str(dest))
    return dest
