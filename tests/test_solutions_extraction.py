"""autograder.solutions: the solution notebooks' functions, extracted.

Tested on a small synthetic notebook (so adding an exercise to the curriculum
changes nothing here) and on one real notebook for the linecache/getsource path.
"""

from __future__ import annotations

import inspect

import nbformat
import pytest

from autograder import solutions


def _cell(kind: str, source: str, **nbgrader) -> nbformat.NotebookNode:
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source)
    if nbgrader:
        cell.metadata["nbgrader"] = {"schema_version": 3, **nbgrader}
    return cell


@pytest.fixture
def notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _cell("code", "import numpy as np\nSCALE = 2.0", grade=False, grade_id="setup",
              solution=False, locked=True),
        _cell("code", "def helper(x):\n    return x + 1\n"),
        _cell("code", "print('a plot that is skipped')\nundefined_name_on_purpose\n"),
        _cell("code", "def double(x):\n    ### BEGIN SOLUTION\n    return SCALE * x\n"
                      "    ### END SOLUTION\n", grade=False, grade_id="double", solution=True),
        _cell("code", "assert double(3) == 6\n### BEGIN HIDDEN TESTS\nassert double(0) == 0\n"
                      "### END HIDDEN TESTS\n", grade=True, grade_id="double_test", points=1,
              solution=False),
        _cell("code", "answer = 3\n", grade=False, grade_id="value", solution=True),
        _cell("code", "def loop(xs):\n    total = 0\n    for x in xs:\n        total += helper(x)\n"
                      "    return total\n", grade=False, grade_id="loop", solution=True),
        _cell("code", "assert loop([1, 2]) == 5\n", grade=True, grade_id="loop_test", points=1,
              solution=False),
        _cell("code", "assert answer == 3\n", grade=True, grade_id="other_test", points=1,
              solution=False),
    ]
    folder = tmp_path / "solutions" / "07_demo"
    folder.mkdir(parents=True)
    path = folder / "01_demo.ipynb"
    nbformat.write(nb, path)
    return path


def test_function_exercises_pairs_each_solution_with_its_tests(notebook):
    found = solutions.function_exercises(notebook)
    assert [ex.grade_id for ex in found] == ["double", "loop"]  # the value cell is not one
    double, loop = found
    assert double.functions == ("double",)
    assert [t.grade_id for t in double.tests] == ["double_test"]
    assert double.tests[0].visible.strip() == "assert double(3) == 6"
    assert double.tests[0].hidden.strip() == "assert double(0) == 0"
    assert [t.grade_id for t in loop.tests] == ["loop_test"]   # not other_test: no loop in it
    assert double.key == "07_demo/01_demo:double"


def test_fresh_namespace_runs_setup_and_definitions_only(notebook):
    loop = solutions.function_exercises(notebook)[1]
    ns = solutions.fresh_namespace(loop)
    assert ns["loop"]([1, 2, 3]) == 9          # helper came from a plain definition cell
    assert "answer" in ns                       # earlier solution cells run too
    solutions.run_visible_tests(loop, ns)       # passes
    bad = solutions.fresh_namespace(loop, loop.source.replace("total += ", "total -= "))
    with pytest.raises(AssertionError):
        solutions.run_visible_tests(loop, bad)


def test_fresh_namespaces_are_independent(notebook):
    double = solutions.function_exercises(notebook)[0]
    first = solutions.fresh_namespace(double)
    first["SCALE"] = 10.0
    assert solutions.fresh_namespace(double)["double"](1) == 2.0


def test_hidden_tests_run_after_the_visible_part(notebook):
    double = solutions.function_exercises(notebook)[0]
    wrong = solutions.fresh_namespace(double, "def double(x):\n    return 6.0 if x == 3 else 1\n")
    solutions.run_visible_tests(double, wrong)      # a hard-coded answer passes the visible part
    with pytest.raises(AssertionError):
        solutions.run_hidden_tests(double, wrong)


def test_mode_all_runs_every_non_test_cell(notebook):
    loop = solutions.function_exercises(notebook)[1]
    with pytest.raises(solutions.ExtractionError, match="set-up cell 2 fails: NameError"):
        solutions.fresh_namespace(loop, mode="all")
    with pytest.raises(ValueError):
        solutions.setup_sources(loop, mode="some")


def test_stage_filter_and_lookup(notebook):
    root = notebook.parent.parent
    assert solutions.notebooks(root, ["07"]) == [notebook]
    assert solutions.notebooks(root, ["08"]) == []
    assert solutions.solution_function("07_demo/01_demo", "double", root)(4) == 8.0
    with pytest.raises(solutions.ExtractionError, match="no single function 'triple'"):
        solutions.solution_function("01_demo", "triple", root)


def test_real_solution_has_its_source_available():
    length = solutions.solution_function("01_linear_algebra/01_vectors", "length")
    assert length.__name__ == "length"
    assert "biggest" in inspect.getsource(length)   # loop/built-in detectors read the source
