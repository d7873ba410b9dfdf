"""The solution notebooks' functions, extracted: one job, one module.

For every *function exercise* of a solution notebook (an nbgrader solution code
cell that defines functions or classes) this module gives its source, the
graded test cells that check it (split into their visible and hidden parts),
and a fresh namespace in which the cell has run, so that

- the unit tests of a check can compare it against an independent reference:
  the notebook's own solution function (``solution_function``), never the
  check's oracle compared with itself;
- ``benchmarks/mutation.py`` can run a mutated copy of the cell and then the
  visible part of its test cell, in-process, in a fresh namespace per mutant.

The cells run in a namespace are the notebook's *definition cells* before the
exercise: the set-up cell, every solution cell, and every plain code cell whose
top-level statements only import, define functions or classes, or assign
constants. Cells that plot, train or print are skipped (``mode="all"`` runs
every non-test code cell instead, for notebooks whose functions need data made
by such a cell). Cells run with the notebook's folder as the working directory,
matplotlib's non-interactive backend and progress recording turned off. Their
source is registered with :mod:`linecache`, so ``inspect.getsource`` works on
the functions they define (checks that look for loops or built-ins need it).
"""

from __future__ import annotations

import ast
import contextlib
import linecache
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from .notebooks import nbgrader_meta, read_notebook

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
HIDDEN_MARK = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
_DEFINITION_NODES = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                     ast.ClassDef)


class ExtractionError(Exception):
    """A notebook's exercise cannot be extracted or its cells do not run."""


@dataclass(frozen=True)
class TestCell:
    """A graded test cell: `visible` is what the learner's copy holds."""

    grade_id: str
    index: int
    visible: str
    hidden: str          # the code between the hidden-test markers ("" if none)


@dataclass(frozen=True)
class FunctionExercise:
    """One solution cell that defines functions, and the test cells that check it.

    notebook: path of the solution notebook.
    grade_id: the solution cell's nbgrader grade_id ("length").
    index: the cell's position in the notebook.
    source: the cell's source, solution markers included.
    functions: names of the functions and classes the cell defines, in order.
    tests: the graded test cells after it (before the next solution cell) that
        call one of its functions in their visible part.
    """

    notebook: Path
    grade_id: str
    index: int
    source: str
    functions: tuple[str, ...]
    tests: tuple[TestCell, ...]

    @property
    def stage(self) -> str:
        """The stage folder, e.g. "01_linear_algebra"."""
        return self.notebook.parent.name

    @property
    def key(self) -> str:
        """A stable name: "01_linear_algebra/01_vectors:length"."""
        return f"{self.stage}/{self.notebook.stem}:{self.grade_id}"


def split_hidden(source: str) -> tuple[str, str]:
    """(visible part, hidden part) of a test cell's source."""
    if HIDDEN_MARK not in source:
        return source, ""
    visible, rest = source.split(HIDDEN_MARK, 1)
    return visible, rest.split(HIDDEN_END, 1)[0]


def _defined_names(source: str) -> tuple[str, ...]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ()
    return tuple(node.name for node in tree.body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))


def _referenced_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _is_definition_cell(source: str) -> bool:
    """True if every top-level statement imports, defines, or assigns a constant."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in tree.body:
        if isinstance(node, _DEFINITION_NODES):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring or a bare constant
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            try:
                ast.literal_eval(node.value)
                continue
            except ValueError:
                return False
        return False
    return bool(tree.body)


def function_exercises(path: str | Path) -> list[FunctionExercise]:
    """Every function exercise of one solution notebook, in notebook order."""
    path = Path(path).resolve()
    found: list[FunctionExercise] = []
    current: tuple[int, dict, str] | None = None
    tests: list[TestCell] = []

    def close() -> None:
        if current is None:
            return
        index, meta, source = current
        functions = _defined_names(source)
        if functions:
            found.append(FunctionExercise(path, str(meta.get("grade_id", f"cell{index}")),
                                          index, source, functions, tuple(tests)))

    for i, (cell_type, meta, source) in enumerate(_cells(path)):
        if cell_type != "code":
            continue
        if meta.get("solution"):
            close()
            current, tests = (i, meta, source), []
        elif meta.get("grade") and current is not None:
            visible, hidden = split_hidden(source)
            if _referenced_names(visible) & set(_defined_names(current[2])):
                tests.append(TestCell(str(meta.get("grade_id", "")), i, visible, hidden))
    close()
    return found


def notebooks(root: str | Path = SOLUTIONS, stages: list[str] | None = None) -> list[Path]:
    """The solution notebooks under `root`, optionally only those of `stages`
    (folder names or their two-digit prefixes, e.g. ["01", "02_calculus"])."""
    root = Path(root)
    paths = sorted(root.glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))
    if stages:
        wanted = [s.strip() for s in stages]
        paths = [p for p in paths
                 if any(p.parent.name == s or p.parent.name.startswith(s + "_") for s in wanted)]
    return paths


def all_function_exercises(root: str | Path = SOLUTIONS,
                           stages: list[str] | None = None) -> list[FunctionExercise]:
    """Every function exercise of every solution notebook (of `stages`)."""
    return [ex for path in notebooks(root, stages) for ex in function_exercises(path)]


# -- running the cells ------------------------------------------------------------------------

def _cells(path: Path) -> tuple[tuple[str, dict, str], ...]:
    """(cell type, nbgrader metadata, source) of every cell; read once per file version."""
    stat = path.stat()
    return _cells_cached(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _cells_cached(path: Path, mtime: int, size: int) -> tuple[tuple[str, dict, str], ...]:
    nb = read_notebook(path)
    return tuple((cell.cell_type, dict(nbgrader_meta(cell)), cell.source) for cell in nb.cells)


def setup_sources(exercise: FunctionExercise, mode: str = "definitions") -> list[tuple[int, str]]:
    """(cell index, source) of the cells to run before the exercise's own cell."""
    if mode not in ("definitions", "all"):
        raise ValueError(f"mode must be 'definitions' or 'all', not {mode!r}")
    sources = []
    for i, (cell_type, meta, source) in enumerate(_cells(exercise.notebook)[:exercise.index]):
        if cell_type != "code":
            continue
        if meta.get("grade") and not meta.get("solution"):
            continue  # test cells never run as set-up
        if meta.get("grade_id") == "setup" or meta.get("solution") or mode == "all" \
                or _is_definition_cell(source):
            sources.append((i, source))
    return sources


def register_source(source: str, filename: str) -> None:
    """Make `inspect.getsource` find functions compiled from `source` as `filename`."""
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)


def run_cell(source: str, namespace: dict, filename: str) -> None:
    """Compile and run one cell's source in `namespace`, its source registered."""
    register_source(source, filename)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - our own notebooks


@contextlib.contextmanager
def notebook_context(exercise: FunctionExercise) -> Iterator[None]:
    """The notebook's folder as working directory, no figures shown, no progress recorded."""
    import matplotlib

    matplotlib.use("Agg")
    old_cwd = os.getcwd()
    old_env = os.environ.get("AUTOGRADER_NO_PROGRESS")
    os.environ["AUTOGRADER_NO_PROGRESS"] = "1"
    os.chdir(exercise.notebook.parent)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        if old_env is None:
            os.environ.pop("AUTOGRADER_NO_PROGRESS", None)
        else:
            os.environ["AUTOGRADER_NO_PROGRESS"] = old_env


def cell_filename(exercise: FunctionExercise, index: int, tag: str = "") -> str:
    """The pseudo file name a cell's code is compiled under (shown in tracebacks)."""
    return f"<{exercise.stage}/{exercise.notebook.name} cell {index}{tag}>"


def fresh_namespace(exercise: FunctionExercise, source: str | None = None,
                    mode: str = "definitions") -> dict:
    """A new namespace in which the set-up cells and then `source` (default: the
    exercise's own cell) have run. Raises ExtractionError if a set-up cell fails;
    an exception from `source` itself propagates unchanged."""
    namespace: dict = {"__name__": "__main__"}
    with notebook_context(exercise):
        for index, cell_source in setup_sources(exercise, mode):
            try:
                run_cell(cell_source, namespace, cell_filename(exercise, index))
            except Exception as exc:
                raise ExtractionError(f"{exercise.key}: set-up cell {index} fails: "
                                      f"{type(exc).__name__}: {exc}") from exc
        run_cell(exercise.source if source is None else source, namespace,
                 cell_filename(exercise, exercise.index, "" if source is None else " (edited)"))
    return namespace


def run_visible_tests(exercise: FunctionExercise, namespace: dict) -> None:
    """Run the visible part of every test cell of the exercise in `namespace`
    (raises what the check raises: AssertionError when it fails)."""
    with notebook_context(exercise):
        for test in exercise.tests:
            run_cell(test.visible, namespace, cell_filename(exercise, test.index, " visible"))


def run_hidden_tests(exercise: FunctionExercise, namespace: dict) -> None:
    """Run the visible and then the hidden part of every test cell (as nbgrader would)."""
    with notebook_context(exercise):
        for test in exercise.tests:
            run_cell(test.visible + "\n" + test.hidden, namespace,
                     cell_filename(exercise, test.index, " hidden"))


# -- the notebook's function as a reference ---------------------------------------------------

@cache
def _exercise_index(root: str) -> dict[str, FunctionExercise]:
    index: dict[str, FunctionExercise] = {}
    for exercise in all_function_exercises(root):
        for name in exercise.functions:
            index.setdefault(f"{exercise.stage}/{exercise.notebook.stem}:{name}", exercise)
    return index


def find_exercise(notebook: str, name: str, root: str | Path = SOLUTIONS) -> FunctionExercise:
    """The exercise whose cell defines `name` in `notebook` ("01_linear_algebra/01_vectors",
    or just "01_vectors" when unambiguous)."""
    index = _exercise_index(str(root))
    matches = [ex for key, ex in index.items()
               if key.endswith(f":{name}") and (key.split(":")[0] == notebook
                                                 or key.split(":")[0].endswith("/" + notebook))]
    if len(matches) != 1:
        known = sorted(k for k in index if k.endswith(f":{name}"))
        raise ExtractionError(f"no single function {name!r} in notebook {notebook!r} "
                              f"(found {len(matches)}; notebooks defining it: {known or 'none'})")
    return matches[0]


@cache
def _solution_namespace(notebook: str, name: str, root: str) -> dict:
    return fresh_namespace(find_exercise(notebook, name, root))


def solution_function(notebook: str, name: str, root: str | Path = SOLUTIONS) -> Any:
    """The solution notebook's own `name` (a function or class), run in its namespace.

    notebook: "01_linear_algebra/01_vectors" (or "01_vectors"). The namespace is
    built once per exercise and cached; the function's globals are that namespace.
    """
    return _solution_namespace(notebook, name, str(root))[name]
