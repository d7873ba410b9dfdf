"""The stage-05 library: reading-log summaries, chains, and the figures the notebooks draw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograder.checks.alignment_reflections import arguments as arg_checks  # noqa: E402
from autograder.checks.alignment_reflections import forecasts as fc  # noqa: E402
from autograder.checks.alignment_reflections import impact, landscape, plan, views  # noqa: E402
from autograder.checks.alignment_reflections import reading_log as log_checks  # noqa: E402
from autograder.reflections import (  # noqa: E402
    arguments,
    chains,
    plans,
    practice,
    questions,
    reading_log,
)
from autograder.reflections import landscape as land  # noqa: E402
from autograder.reflections import views as view_lib  # noqa: E402

LOG = log_checks.REFERENCE_LOG


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_summary_of_a_log():
    summary = reading_log.summarize_log(list(reversed(LOG)))     # order does not matter
    assert summary.sessions == 4 and summary.total_minutes == 175
    assert str(summary.first) == "2025-03-03" and str(summary.last) == "2025-03-12"
    assert summary.weeks == pytest.approx(10 / 7)
    assert summary.minutes_by_reading["cotra_hard"] == 40
    text = reading_log.format_summary(summary)
    assert "4 sessions, 2.9 hours" in text and "40 /  40 min" in text
    assert "(not on the list)" in text


@pytest.mark.parametrize(("log", "message"), [
    ({"date": "2025-01-01"}, "non-empty list"),
    ([{"date": "2025-01-01", "reading": "x"}], "has no 'minutes'"),
    ([{"date": "01/02/2025", "reading": "x", "minutes": 3}], "YYYY-MM-DD"),
    ([{"date": "2025-01-01", "reading": "x", "minutes": 0}], "positive"),
    (["not a dict"], "should be a dict"),
])
def test_a_bad_log_is_a_clear_error(log, message):
    with pytest.raises(reading_log.ReadingLogError, match=message):
        reading_log.summarize_log(log)


def test_reading_log_figures():
    fig = reading_log.plot_reading_log(LOG)
    left, right = fig.axes
    assert "2.9 h" in left.get_title()
    assert len(right.patches) == 2 * 4          # estimate and logged bar per reading
    weekly = log_checks.check_hours_per_week.oracle(LOG)
    ax = reading_log.plot_weekly_hours(weekly)
    assert len(ax.patches) == len(weekly) and "0 weeks with none" in ax.get_title()
    with pytest.raises(reading_log.ReadingLogError):
        reading_log.plot_weekly_hours({})


def test_chain_plot_and_weakest_step():
    ps = np.array([0.9, 0.4, 0.7])
    ax = chains.plot_chain(["a", "b", "c"], ps, np.cumprod(ps), weakest=1)
    assert "0.252" in ax.get_title()
    assert ax.patches[1].get_facecolor()[:3] == matplotlib.colors.to_rgb("tab:red")
    assert chains.weakest_step([0.5, 0.2, 0.2]) == 1
    with pytest.raises(ValueError, match="same length"):
        chains.plot_chain(["a"], ps, np.cumprod(ps))


def test_the_other_figures_draw_from_reference_answers():
    arguments.plot_confidences(arg_checks.REFERENCE_ARGUMENTS)
    ax = land.plot_agenda_map(landscape.REFERENCE_MAP, landscape.REFERENCE_PLACE)
    assert "evaluations" in ax.get_title()
    assert land.best_agenda(landscape.REFERENCE_MAP) == "evaluations"
    ax = view_lib.plot_cruxes(views.REFERENCE_CRUXES)
    assert len(ax.collections) == len(views.REFERENCE_CRUXES)
    questions.plot_big_forecasts(fc.REFERENCE_FORECASTS)
    ax = plans.plot_skill_gaps(plan.REFERENCE_ROLE)
    assert "software engineer" in ax.get_title()
    fig = plans.plot_plan(plan.REFERENCE_PLAN)
    assert "30 weeks at 12 h a week = 360 hours" in fig.axes[0].get_title()
    ax = plans.plot_time_log(plan.REFERENCE_PLAN, plan.REFERENCE_TIME_LOG,
                             {"review_every_weeks": 2})
    assert ax.get_title() == "Logged 30 h of 36 h planned (85%)"
    ax = chains.plot_impact_plan(impact.REFERENCE_PLAN)
    assert "0.056" in ax.get_title()
    ax = arguments.plot_premise_chain(arg_checks.REFERENCE_PREMISES, np.cumprod)
    assert "0.029" in ax.get_title()


def test_practice_figures():
    rng = np.random.default_rng(1)
    forecasts = dict(zip(practice.PRACTICE_KEYS, rng.uniform(0.05, 0.95, 13), strict=True))
    truth = dict(zip(practice.PRACTICE_KEYS, rng.uniform(0, 1, 13), strict=True))
    outcomes = {k: bool(rng.random() < truth[k]) for k in practice.PRACTICE_KEYS}
    p, y = practice.as_arrays(forecasts, outcomes)
    practice.plot_forecasts_vs_truth(forecasts, truth, outcomes)
    ax = practice.plot_scores({"you": 0.2, "always 0.5": 0.25})
    assert len(ax.patches) == 2


def test_resolution_value_prefers_uncertain_and_important_cruxes():
    assert view_lib.resolution_value(0.5, 3) > view_lib.resolution_value(0.9, 3)
    assert view_lib.resolution_value(0.5, 4) > view_lib.resolution_value(0.5, 2)
    assert view_lib.resolution_value(1.0, 5) == 0


def test_tables_name_every_item():
    assert all(f"`{a.key}`" in arguments.arguments_table() for a in arguments.CORE_ARGUMENTS)
    assert all(f"`{a.key}`" in land.agendas_table() for a in land.AGENDAS)
    assert all(r.name in plans.roles_table() for r in plans.ROLES)
    assert all(f"`{q.key}`" in questions.questions_table() for q in questions.BIG_QUESTIONS)
    assert all(f"`{k}`" in practice.questions_table() for k in practice.PRACTICE_KEYS)
    with pytest.raises(KeyError, match="the keys are"):
        arguments.argument("nope")
    with pytest.raises(KeyError, match="the keys are"):
        land.agenda("nope")


@pytest.mark.parametrize(("draw", "name"), [
    (lambda: arguments.plot_confidences(None), "arguments"),
    (lambda: arguments.plot_premise_chain(None, np.cumprod), "my_premises"),
    (lambda: land.plot_agenda_map(None), "agenda_map"),
    (lambda: land.plot_agenda_map(landscape.REFERENCE_MAP, None), None),
    (lambda: view_lib.plot_cruxes([]), "cruxes"),
    (lambda: questions.plot_big_forecasts(None), "forecasts"),
    (lambda: chains.plot_impact_plan(None), "impact_plan"),
    (lambda: plans.plot_skill_gaps(None), "my_role"),
    (lambda: plans.plot_plan(None), "learning_plan"),
    (lambda: plans.plot_time_log(plan.REFERENCE_PLAN, None), "time_log"),
    (lambda: practice.resolve({}, None), None),
    (lambda: practice.as_arrays(None), "practice_forecasts"),
    (lambda: reading_log.plot_reading_log(None), "reading_log"),
    (lambda: reading_log.summarize_log([]), "reading_log"),
])
def test_figures_from_unfinished_answers_say_what_to_fill_in(draw, name):
    from autograder.reflections.inputs import NotFilledIn

    if name is None:               # these are fine, or fail on something else first
        try:
            draw()
        except Exception as exc:  # noqa: BLE001
            assert not isinstance(exc, (TypeError, AttributeError)), exc
        return
    with pytest.raises(NotFilledIn, match=f"`{name}` is not filled in yet"):
        draw()
