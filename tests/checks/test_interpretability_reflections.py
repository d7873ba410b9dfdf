"""The form check of 06/07 (the audit plan) on the solution and on malformed plans."""

from __future__ import annotations

from autograder.checks.interpretability import reflections
from autograder.checks.interpretability.reflections import EXAMPLE_PLAN, REFERENCE_PLAN


def test_the_shown_example_is_a_valid_form_but_copying_it_fails():
    # the example itself is well formed (only copying it is refused)
    assert set(EXAMPLE_PLAN) == set(REFERENCE_PLAN)
    message = reflections.check_audit_plan.explain(dict(EXAMPLE_PLAN))
    assert message is not None and "copied from the example" in message


def test_none_and_missing_fields_get_plain_messages():
    assert "not filled it in" in reflections.check_audit_plan.explain(None)
    partial = {k: v for k, v in REFERENCE_PLAN.items() if k != "how_it_fails"}
    assert "missing 'how_it_fails'" in reflections.check_audit_plan.explain(partial)


def test_a_short_field_and_an_unknown_method_fail():
    short = {**REFERENCE_PLAN, "behaviour": "It lies."}
    assert "words long" in reflections.check_audit_plan.explain(short)
    other = {**REFERENCE_PLAN, "method": "vibes"}
    assert "`method` should be one of" in reflections.check_audit_plan.explain(other)
