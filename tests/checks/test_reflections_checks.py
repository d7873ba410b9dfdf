"""Stage-05 checks beyond what test_every_check proves: text measures, stubs, counts,
consistency rules, and the promises each check's messages make."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks import FunctionCheck
from autograder.checks.alignment_reflections import arguments as arg_checks
from autograder.checks.alignment_reflections import forecasts as fc
from autograder.checks.alignment_reflections import landscape as land
from autograder.checks.alignment_reflections import plan as plan_checks
from autograder.checks.alignment_reflections import reading_log as log_checks
from autograder.checks.alignment_reflections import views
from autograder.checks.alignment_reflections.form import (
    MultiValueCheck,
    is_placeholder,
    shared_run,
    similarity,
    variant,
    word_count,
)
from autograder.checks.registry import all_checks

REFLECTIONS = {name: c for name, c in all_checks().items() if ".reflections." in name}


# -- text measures -------------------------------------------------------------------------


def test_words_and_runs():
    assert word_count("It's a test, isn't it?") == 5
    assert shared_run("the cat sat on the mat today", "a cat sat on the mat") == 5
    assert shared_run("nothing in common", "entirely different words") == 0
    assert shared_run("", "anything") == 0


def test_similarity_is_a_jaccard_index():
    assert similarity("a b c", "a b c") == 1.0
    assert similarity("a b", "c d") == 0.0
    assert similarity("a b c d", "a b") == 0.5


@pytest.mark.parametrize("text", ["", "   ", "TODO", "todo: write this", "YOUR ANSWER HERE",
                                  "...", "tbd", "?!", "blah blah blah blah blah blah blah blah"])
def test_placeholders_are_recognised(text):
    assert is_placeholder(text)


@pytest.mark.parametrize("text", ["Training rewards behaviour, not goals.",
                                  "No: the answer depends on the threat model.",
                                  "To do this well I need mentorship."])
def test_real_answers_are_not_placeholders(text):
    assert not is_placeholder(text)


def test_variant_copies_deeply():
    base = {"a": [{"b": 1}]}
    changed = variant(base, {("a", 0, "b"): 2})
    assert changed == {"a": [{"b": 2}]} and base == {"a": [{"b": 1}]}


# -- every check handles the learner's untouched stub ---------------------------------------


def _stub(check):
    def not_implemented(*args):
        raise NotImplementedError()

    if isinstance(check, FunctionCheck):
        return not_implemented
    if isinstance(check, MultiValueCheck):
        first = not_implemented if check is fc.check_my_experiment else None
        return (first, None)
    return None


@pytest.mark.parametrize("name", sorted(REFLECTIONS), ids=lambda n: n.split(".")[-1])
def test_the_stub_fails_with_a_plain_message(name):
    check = REFLECTIONS[name]
    message = check.explain(_stub(check))
    assert message is not None
    first = message.splitlines()[0]
    assert "still None" in first or "not implemented" in first or "not written" in first, message
    assert "Diagnosis" not in message and "Traceback" not in message


def test_multi_value_check_passes_its_arguments_as_a_tuple(capsys):
    land.check_my_place(land.REFERENCE_PLACE, land.REFERENCE_MAP)
    assert "✓ my_place" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="still None"):
        land.check_my_place(None, land.REFERENCE_MAP)


# -- counts: the form is right but there is not enough yet -----------------------------------


def test_a_short_log_says_how_many_sessions_are_missing():
    message = log_checks.check_reading_log.explain(log_checks.REFERENCE_LOG[:1])
    assert "1 session" in message and "2 more" in message and "Diagnosis" not in message


def test_too_few_arguments_lists_the_rest():
    three = dict(list(arg_checks.REFERENCE_ARGUMENTS.items())[:3])
    message = arg_checks.check_arguments.explain(three)
    assert "at least 4" in message and "still to do" in message


def test_too_few_agendas_lists_the_rest():
    four = dict(list(land.REFERENCE_MAP.items())[:4])
    message = land.check_agenda_map.explain(four)
    assert "at least 5" in message and "not yet mapped" in message


def test_missing_practice_questions_are_named():
    forecasts = dict(fc.REFERENCE_PRACTICE)
    del forecasts["sixty_heads"]
    message = fc.check_practice_forecasts.explain((forecasts, 7))
    assert "'sixty_heads'" in message


# -- consistency rules --------------------------------------------------------------------------


def test_a_top_choice_needs_no_reason_and_another_choice_does():
    top = variant(land.REFERENCE_PLACE, {("agenda",): "evaluations"})
    assert land.check_my_place.explain((top, land.REFERENCE_MAP)) is None
    other = dict(variant(land.REFERENCE_PLACE, {("agenda",): "agent_foundations"}),
                 why_not_top="Theory is where I want to be in five years, and this project "
                             "is the cheapest way to find out whether I can do it.")
    assert land.check_my_place.explain((other, land.REFERENCE_MAP)) is None


def test_equal_nested_forecasts_are_coherent():
    same = variant(fc.REFERENCE_FORECASTS, {("tai_by_2070", "p"): 0.35})
    assert fc.check_big_forecasts.explain(same) is None


def test_a_tie_for_weakest_link_is_accepted():
    from autograder.checks.alignment_reflections import impact

    tied = variant(impact.REFERENCE_PLAN, {("steps", 2, "p"): 0.35})
    assert impact.check_impact_plan.explain(tied) is None


def test_the_investigation_accepts_nuance_with_partly_holds():
    partly = variant(views.REFERENCE_INVESTIGATION, {("verdict",): "partly holds",
                                                    ("confidence_after",): 0.9})
    assert views.check_investigation.explain(partly) is None


def test_a_log_may_include_texts_not_on_the_list():
    log = log_checks.REFERENCE_LOG
    assert " " in log[3]["reading"] and log_checks.check_reading_log.explain(log) is None


def test_booleans_and_nan_are_not_probabilities():
    assert "should be a number" in fc.check_big_forecasts.explain(
        variant(fc.REFERENCE_FORECASTS, {("tai_by_2040", "p"): True}))
    assert "NaN" in fc.check_big_forecasts.explain(
        variant(fc.REFERENCE_FORECASTS, {("tai_by_2040", "p"): float("nan")}))


def test_a_slow_experiment_is_stopped_with_advice():
    import time

    def slow(rng):
        time.sleep(0.08)
        return bool(rng.random() < 0.5)

    message = fc.check_my_experiment.explain((slow, fc.REFERENCE_QUESTION))
    assert "keep it under" in message


def test_experiment_returning_numpy_bool_is_fine():
    def numpy_bool(rng):
        return rng.normal() > 0

    assert fc.check_my_experiment.explain((numpy_bool, fc.REFERENCE_QUESTION)) is None


def test_hours_per_week_accepts_a_solution_written_differently():
    import datetime as dt

    def by_iso_calendar(log):
        totals = {}
        for s in log:
            d = dt.date.fromisoformat(s["date"])
            monday = dt.date.fromisocalendar(*d.isocalendar()[:2], 1)
            totals[monday] = totals.get(monday, 0) + s["minutes"] / 60
        out, week = {}, min(totals)
        while week <= max(totals):
            out[week.isoformat()] = totals.get(week, 0.0)
            week += dt.timedelta(days=7)
        return out

    assert log_checks.check_hours_per_week.explain(by_iso_calendar) is None


def test_chain_probability_accepts_lists_and_arrays():
    def cumulative(p):
        return np.cumprod(p)

    assert arg_checks.check_chain_probability.explain(cumulative) is None


def test_role_ratings_must_be_whole_numbers():
    message = plan_checks.check_my_role.explain(
        variant(plan_checks.REFERENCE_ROLE, {("skills", "PyTorch internals", "have"): 2.5}))
    assert "whole number from 1 to 5" in message
