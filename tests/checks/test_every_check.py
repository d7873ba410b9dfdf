"""For every check of every stage: it is run on a solution, and every known mistake is
caught with its own diagnosis. New checks are picked up automatically.

A check's own reference passing its own check proves little (the oracle compared
with itself). Instead every check must be called in the visible part of a graded
cell of a solution notebook: tests/test_notebooks_execute.py then runs it on the
notebook's worked solution, and tests/checks/test_against_solutions.py runs the
checks of every function exercise of stages 00-04 on the solution's own function,
visible and hidden tests, in-process.
"""

from __future__ import annotations

import re

import pytest

from autograder import solutions
from autograder.checks import all_checks
from autograder.notebooks import nbgrader_meta, read_notebook

CHECKS = all_checks()
MISTAKES = [(name, check, m) for name, check in CHECKS.items() for m in check.known_mistakes]


def _short(name: str) -> str:
    return name.removeprefix("autograder.checks.")


def test_checks_are_found():
    assert CHECKS, "no check_* objects found in autograder.checks"


def _called_in_graded_cells() -> set[str]:
    """Names of the checks called in the visible part of a solution's graded cell."""
    called: set[str] = set()
    for path in solutions.notebooks():
        for cell in read_notebook(path).cells:
            meta = nbgrader_meta(cell)
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                visible, _ = solutions.split_hidden(cell.source)
                called |= set(re.findall(r"\b(check_\w+)\s*\(", visible))
    return called


def test_every_check_runs_on_a_worked_solution():
    called = _called_in_graded_cells()
    unrun = sorted(_short(name) for name in CHECKS if name.rsplit(".", 1)[1] not in called)
    assert not unrun, ("checks that no solution notebook's graded cell calls, so no test "
                       f"runs them on a real solution: {unrun}")


# Mistakes the visible cases cannot single out, so (by the rule "a diagnosis is never a
# guess") they are caught but not named. Each is work for the stage's check module: add a
# case on which the mistake returns a value that no other registered mistake returns.
UNNAMED = {
    ("linear_algebra.systems.check_solve", "no partial pivoting"):
        "on the tiny-pivot case 'not handling a zero pivot' gives the same result",
}


@pytest.mark.parametrize(("name", "check", "mistake"), MISTAKES,
                         ids=[f"{_short(n)}-{m.name}" for n, _, m in MISTAKES])
def test_each_known_mistake_gets_its_diagnosis(name, check, mistake):
    demo = check.mistake_demo(mistake)
    assert demo is not None, f"mistake {mistake.name!r} has no example to prove it is reachable"
    message = check.explain(demo)
    assert message is not None, f"a submission making {mistake.name!r} passes the check"
    if (_short(name), mistake.name) in UNNAMED:
        assert "Diagnosis (" not in message, (
            f"{mistake.name!r} is listed as unnameable but got a diagnosis: update UNNAMED")
        return
    assert f"Diagnosis ({mistake.name})" in message, (
        f"expected the diagnosis {mistake.name!r}, got:\n{message}")


@pytest.mark.parametrize("name", sorted(CHECKS), ids=_short)
def test_mistake_names_are_unique_within_a_check(name):
    names = [m.name for m in CHECKS[name].known_mistakes]
    assert len(names) == len(set(names)), f"two mistakes share a name: {names}"
