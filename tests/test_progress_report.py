"""The progress report: per stage and notebook, exercises done, points, time left, a chart.

Everything here runs on a made-up course (tests/synthetic_course.py), so changes to the
real curriculum never break these tests.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from synthetic_course import COURSE, NB1, NB2, NB3, set_answer, write_course

from autograder.cli import main as cli_main
from autograder.lab.workspace import sync
from autograder.progress import build, display, render, store
from autograder.progress.figure import figure_png
from autograder.progress.model import ExerciseProgress, Report

MINUTES = {nb: [ex.minutes for ex in exs] for nb, exs in COURSE.items()}


@pytest.fixture
def upstream(tmp_path) -> Path:
    return write_course(tmp_path / "curriculum")


@pytest.fixture
def ws(tmp_path, upstream, monkeypatch):
    for var in ("NBGRADER_EXECUTION", store.WORKSPACE_ENV, "JPY_SESSION_NAME",
                *render.BINDER_ENVS):
        monkeypatch.delenv(var, raising=False)
    # the registry of real checks is not this course's: a check reports its own name here
    monkeypatch.setattr(build, "_check_names", lambda: {"check_learning_plan": {"my_plan"}})
    workspace = tmp_path / "workspace"
    sync(upstream, workspace)
    return workspace


def report_of(ws: Path, **kwargs) -> Report:
    return build.build(ws, **kwargs)


def text(rep: Report) -> str:
    return render.format_text(rep)


def put(ws: Path, check: str, passed: bool, notebook: str | None = NB1, *, at: float = 0,
        diagnosis: str | None = None, hidden: bool = False) -> None:
    store.append(store.store_path(ws), store.make_record(
        check=check, passed=passed, checks_passed=int(passed), diagnosis=diagnosis,
        summary="", seconds=0.001, hidden=hidden, notebook=notebook, exercise=None,
        now=1_700_000_000 + at))


def exercise(rep: Report, path: str, number: str) -> ExerciseProgress:
    (nb,) = [n for n in rep.notebooks() if n.path == path]
    (ex,) = [e for e in nb.exercises if e.number == number]
    return ex


def test_with_nothing_recorded_everything_is_still_to_do(ws):
    rep = report_of(ws)
    assert (rep.done, rep.earned) == (0, 0)
    assert rep.total == sum(len(exs) for exs in COURSE.values()) == 7
    assert rep.minutes_left == rep.minutes_total == sum(map(sum, MINUTES.values())) == 115
    assert (rep.auto_points, rep.written_points) == (6, 9)
    assert {e.status for nb in rep.notebooks() for e in nb.exercises} == {"not started"}
    assert "No checks recorded yet" in text(rep)
    assert rep.next_exercise()[1].number == "1.1"


def test_the_latest_run_of_each_check_decides(ws):
    put(ws, "weeks_needed", False, at=1, diagnosis="rounding down")
    put(ws, "weeks_needed", True, at=2)
    put(ws, "fraction_done", True, at=3)
    put(ws, "fraction_done", False, at=4, diagnosis="integer division")
    rep = report_of(ws)
    passed, failing = exercise(rep, NB1, "1.1"), exercise(rep, NB1, "1.2")
    assert (passed.status, passed.earned, passed.attempts) == ("passed", 1, 2)
    assert (failing.status, failing.earned, failing.last_diagnosis) == (
        "failing", 0, "integer division")
    nb = rep.notebooks()[0]
    assert (nb.done, nb.total, nb.earned, nb.minutes_left) == (1, 2, 1, 15)
    assert f"{NB1}, exercise 1.2 fraction done: integer division" in text(rep)


def test_a_run_in_another_notebook_does_not_count_here(ws):
    put(ws, "weeks_needed", True, notebook=NB2)
    assert exercise(report_of(ws), NB1, "1.1").status == "not started"


def test_a_run_whose_notebook_is_unknown_counts_wherever_the_check_is_called(ws):
    put(ws, "weeks_needed", True, notebook=None)
    put(ws, "row_means", True, notebook="renamed_copy.ipynb")
    rep = report_of(ws)
    assert exercise(rep, NB1, "1.1").status == "passed"
    assert exercise(rep, NB2, "2.1").status == "passed"


def test_hidden_runs_do_not_count(ws):
    put(ws, "weeks_needed", True, hidden=True)
    assert exercise(report_of(ws), NB1, "1.1").status == "not started"


def test_a_check_called_only_in_hidden_tests_cannot_pass_an_exercise(ws):
    put(ws, "secret", True, notebook=NB2)
    assert exercise(report_of(ws), NB2, "2.2").status == "not started"


def test_a_check_named_differently_from_its_function_is_found(ws):
    put(ws, "my_plan", True, notebook=NB3)        # check_learning_plan reports "my_plan"
    assert exercise(report_of(ws), NB3, "3.1").status == "passed"


def test_every_real_check_is_found_under_the_name_it_reports():
    names = build._check_names()
    from autograder.checks import all_checks

    for key, check in all_checks().items():
        assert check.name in names[key.rsplit(".", 1)[-1]]


def test_written_answers_count_once_written_and_saved(ws):
    set_answer(ws / NB3, "hours_answer", "Eight hours a week: two evenings and a Saturday.")
    set_answer(ws / NB3, "why_answer", "Because.")
    rep = report_of(ws)
    written = exercise(rep, NB3, "3.2")
    assert (written.status, written.pending, written.written_points) == ("written", 2, 2)
    half = exercise(rep, NB3, "3.3")          # one of its two answers written
    assert (half.status, half.pending) == ("in progress", 3)
    assert "+5/9 written" in text(rep) and "+5/9 for written answers" in text(rep)


def test_a_damaged_notebook_is_read_from_the_curriculum_and_said(ws, upstream):
    (ws / NB2).write_text("{ damaged")
    rep = report_of(ws, curriculum=upstream)
    assert any("02_second" in w and "original copy" in w for w in rep.warnings)
    assert len([n for n in rep.notebooks() if n.path == NB2][0].exercises) == 2


def test_a_damaged_notebook_without_an_original_is_skipped_and_said(ws, tmp_path):
    (ws / NB2).write_text("{ damaged")
    rep = report_of(ws, curriculum=tmp_path / "nowhere")
    assert NB2 not in [n.path for n in rep.notebooks()]
    assert any(w.startswith(f"skipped {NB2}") for w in rep.warnings)


def test_new_notebooks_upstream_are_announced(ws, upstream):
    shutil.copy(upstream / NB1, upstream / "00_orientation" / "04_new.ipynb")
    rep = report_of(ws, curriculum=upstream)
    assert rep.new_upstream == ["00_orientation/04_new.ipynb"]
    assert "python3 manage.py lab` adds them" in text(rep)


def test_the_current_notebook_is_marked_and_comes_first_for_next(ws, monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", str(ws / NB2))
    rep = report_of(ws)
    assert [n.current for n in rep.notebooks()] == [False, True, False]
    assert "02_second" in text(rep).split("you are here")[0].splitlines()[-1]
    assert rep.next_exercise()[0].path == NB2


def test_html_escapes_what_the_learner_controls(ws):
    put(ws, "weeks_needed", False, diagnosis="<script>alert(1)</script>")
    page = render.html_page(report_of(ws), png=b"\x89PNG fake")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "data:image/png;base64,iVBORyBmYWtl" in page


def test_the_html_shows_the_same_figures_as_the_text(ws):
    put(ws, "weeks_needed", True)
    put(ws, "fraction_done", False, diagnosis="integer division")
    rep = report_of(ws)
    fragment = render.format_html(rep)
    assert "<b>1/7</b> exercises done" in fragment
    assert "<b>1/6 +0/9 written</b> points" in fragment
    assert "1.2 <span style=\"color:#c4432b\">integer division</span>" in fragment
    assert "Next: <code>00_orientation/01_first.ipynb</code>, exercise 1.2" in fragment


def test_hours():
    assert [render.hours(m) for m in (0, 45, 60, 95, 600)] == [
        "0 min", "45 min", "1 h", "1 h 35 min", "10 h"]


def test_the_chart_draws_with_and_without_records(ws):
    assert figure_png(report_of(ws)).startswith(b"\x89PNG")
    for i in range(30):
        put(ws, "weeks_needed", i % 3 == 0, at=-86400 * (i % 10))
    assert figure_png(report_of(ws)).startswith(b"\x89PNG")


def test_without_a_workspace_the_curriculum_is_shown_and_nothing_claimed(
        tmp_path, upstream, monkeypatch):
    monkeypatch.delenv(store.WORKSPACE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    rep = build.build(None, curriculum=upstream)
    assert rep.workspace is None and rep.total == 7 and rep.done == 0
    assert "No workspace found" in text(rep)


def test_show_progress_only_says_so_while_nbgrader_runs(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert display.show_progress() is None
    assert capsys.readouterr().out.startswith("(Your progress is not shown")


def test_on_binder_the_report_says_the_session_is_temporary(ws, monkeypatch):
    monkeypatch.setenv("BINDER_LAUNCH_HOST", "https://mybinder.org/")
    assert "temporary Binder session" in text(report_of(ws))
    assert "temporary Binder session" in render.format_html(report_of(ws))


def test_the_progress_command_prints_and_saves_the_chart_and_page(ws, capsys):
    put(ws, "weeks_needed", True)
    assert cli_main(["progress", "--workspace", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "Your progress" in out and "1/2" in out
    assert (ws / "progress.png").read_bytes().startswith(b"\x89PNG")
    assert "Your progress" in (ws / "progress.html").read_text()
    (ws / "progress.png").unlink()
    assert cli_main(["progress", "--workspace", str(ws), "--no-files"]) == 0
    assert not (ws / "progress.png").exists()
