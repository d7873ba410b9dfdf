"""docs/promises.md: every promise of an exercise is tested by a named visible case.

For every stage with a section in the table: each function exercise has rows;
each row's case is a part of a label the visible check runs on the solution (or
`(every case)` / `(source)`, checked against what the check does); no row leaves
its case empty. See the top of docs/promises.md.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import re
from pathlib import Path

import pytest

from autograder import solutions
from autograder.checks import FunctionCheck, spec

TABLE = Path(__file__).resolve().parents[2] / "docs" / "promises.md"
SPECIAL = ("(every case)", "(source)")


def _rows() -> dict[str, list[tuple[str, str, str]]]:
    """stage -> [(exercise key, promise, case)] parsed from the table."""
    stages: dict[str, list[tuple[str, str, str]]] = {}
    stage = None
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (\d\d_\w+)\s*$", line)
        if heading:
            stage = heading.group(1)
            stages[stage] = []
            continue
        if stage and line.startswith("|") and not line.startswith(("| exercise", "|---")):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            assert len(cells) == 3, f"a row needs 3 cells: {line!r}"
            exercise, promise, case = cells
            stages[stage].append((f"{stage}/{exercise}", promise.replace("\\|", "|"),
                                  case.replace("\\|", "|")))
    return stages


ROWS = _rows()
STAGES = sorted(ROWS)
EXERCISES = [ex for ex in solutions.all_function_exercises(stages=STAGES) if ex.tests]


def _checks_of(exercise, namespace) -> list:
    found = []
    for test in exercise.tests:
        for name in re.findall(r"\b(check_\w+)\s*\(", test.visible):
            if name in namespace:
                found.append(namespace[name])
    return found


def _visible_labels(exercise) -> tuple[set[str], list]:
    """Labels of every case the visible checks run on the solution, and the checks."""
    namespace = solutions.fresh_namespace(exercise)
    labels: list[str] = []
    original = spec.Case.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        labels.append(self.label)

    spec.Case.__init__ = recording  # cases a CustomCheck makes while it runs
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            solutions.run_visible_tests(exercise, namespace)
    finally:
        spec.Case.__init__ = original
    checks = _checks_of(exercise, namespace)
    for check in checks:
        if isinstance(check, FunctionCheck):
            labels += [case.label for case in check.make_cases()]
    return set(labels), checks


def _checks_inputs_unchanged(check) -> bool:
    """A custom check that compares the inputs after every call (support.unchanged)."""
    verify = getattr(check, "verify", None)
    try:
        return verify is not None and "unchanged(case" in inspect.getsource(verify)
    except (OSError, TypeError):
        return False


def test_the_table_has_sections():
    assert {"00_orientation", "01_linear_algebra", "02_calculus", "03_probability",
            "04_transformer"} <= set(ROWS)


@pytest.mark.parametrize("stage", STAGES)
def test_every_function_exercise_of_a_covered_stage_has_promises(stage):
    listed = {key for key, _, _ in ROWS[stage]}
    exercises = {ex.key for ex in EXERCISES if ex.stage == stage}
    missing = sorted(exercises - listed)
    unknown = sorted(listed - exercises)
    assert not missing, f"exercises with no promise in docs/promises.md: {missing}"
    assert not unknown, f"rows for exercises that do not exist: {unknown}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda ex: ex.key)
def test_every_promise_names_a_visible_case_the_check_runs(exercise):
    rows = [(p, c) for key, p, c in ROWS[exercise.stage] if key == exercise.key]
    empty = [p for p, c in rows if not c or c in ("-", "—", "none")]
    assert not empty, f"promises with no visible case: {empty}"
    labels, checks = _visible_labels(exercise)
    problems = []
    for promise, case in rows:
        if case == "(every case)":
            unchanged = re.search(r"not (be )?modified|unchanged", promise)
            if unchanged and any(_checks_inputs_unchanged(c) for c in checks):
                continue
            if not any(isinstance(c, FunctionCheck) for c in checks):
                problems.append(f"{promise!r}: (every case) needs a FunctionCheck")
            elif unchanged and all(
                    c.allow_input_mutation for c in checks if isinstance(c, FunctionCheck)):
                problems.append(f"{promise!r}: the check allows changing the input")
        elif case == "(source)":
            if not any(getattr(c, "no_loops", False) or getattr(c, "forbidden", ())
                       for c in checks):
                problems.append(f"{promise!r}: the check does not read the source")
        elif not any(case.lower() in label.lower() for label in labels):
            problems.append(f"{promise!r}: no visible case is labelled like {case!r}")
    assert not problems, (f"{exercise.key}: " + "; ".join(problems)
                          + f"\nvisible cases: {sorted(labels)}")
