"""For every check of every stage: the reference passes, and every known mistake is
caught with its own diagnosis. New checks are picked up automatically."""

from __future__ import annotations

import pytest

from autograder.checks import all_checks

CHECKS = all_checks()
MISTAKES = [(name, check, m) for name, check in CHECKS.items() for m in check.known_mistakes]


def _short(name: str) -> str:
    return name.removeprefix("autograder.checks.")


def test_checks_are_found():
    assert CHECKS, "no check_* objects found in autograder.checks"


@pytest.mark.parametrize("name", sorted(CHECKS), ids=_short)
def test_reference_passes(name):
    check = CHECKS[name]
    message = check.explain(check.reference)
    assert message is None, f"the reference submission fails its own check:\n{message}"


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
