"""The progress report: per stage and notebook, exercises done, points, time left, a chart."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from nbfiles import curriculum_notebooks, solution_notebooks

from autograder import notebooks
from autograder.cli import main as cli_main
from autograder.lab.workspace import sync
from autograder.progress import catalog, report, store
from autograder.progress.figure import figure_png

ROOT = Path(__file__).resolve().parent.parent
NB1 = "00_orientation/01_how_this_works.ipynb"
NB2 = "00_orientation/02_numpy_warmup.ipynb"
NB3 = "00_orientation/03_first_learning_plan.ipynb"


@pytest.fixture
def ws(tmp_path, monkeypatch):
    for var in ("NBGRADER_EXECUTION", store.WORKSPACE_ENV, "JPY_SESSION_NAME",
                *report.BINDER_ENVS):
        monkeypatch.delenv(var, raising=False)
    workspace = tmp_path / "workspace"
    upstream = tmp_path / "curriculum"  # stage 00 only: the figures below are stage 00's
    shutil.copytree(ROOT / "curriculum" / "00_orientation", upstream / "00_orientation")
    sync(upstream, workspace)
    return workspace


def put(ws: Path, check: str, passed: bool, notebook: str | None = NB1, *, at: float = 0,
        diagnosis: str | None = None, hidden: bool = False) -> None:
    store.append(store.store_path(ws), store.make_record(
        check=check, passed=passed, checks_passed=int(passed), diagnosis=diagnosis,
        summary="", seconds=0.001, hidden=hidden, notebook=notebook, exercise=None,
        now=1_700_000_000 + at))


def exercise(rep: report.Report, path: str, number: str) -> report.ExerciseProgress:
    (nb,) = [n for n in rep.notebooks() if n.path == path]
    (ex,) = [e for e in nb.exercises if e.number == number]
    return ex


@pytest.mark.parametrize("path", solution_notebooks() + curriculum_notebooks(),
                         ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.stem}")
def test_the_fast_reading_agrees_with_autograder_notebooks(path):
    slow = notebooks.exercises(notebooks.read_notebook(path))
    fast = catalog.exercises(catalog.load_cells(path))
    assert [(e.number, e.title, e.minutes, e.difficulty, e.points, e.checks) for e in fast] == [
        (e.number, e.title, e.minutes, e.difficulty, e.points, e.checks) for e in slow]
    assert [[(g.grade_id, g.kind, g.points) for g in e.graded] for e in fast] == [
        [(g.grade_id, g.kind, g.points) for g in e.graded] for e in slow]


def test_with_nothing_recorded_everything_is_still_to_do(ws):
    rep = report.build(ws)
    total = sum(e.minutes for p in catalog.notebook_files(ws)
                for e in catalog.exercises(catalog.load_cells(p)))
    assert rep.done == 0 and rep.earned == 0 and rep.minutes_left == total > 0
    assert rep.total == sum(len(catalog.exercises(catalog.load_cells(p)))
                            for p in catalog.notebook_files(ws))
    assert {e.status for nb in rep.notebooks() for e in nb.exercises} == {"not started"}
    assert "No checks recorded yet" in rep.text()
    assert rep.next_exercise()[1].number == "1.1"


def test_the_latest_run_of_each_check_decides(ws):
    put(ws, "weeks_needed", False, at=1, diagnosis="rounding down")
    put(ws, "weeks_needed", True, at=2)
    put(ws, "fraction_done", True, at=3)
    put(ws, "fraction_done", False, at=4, diagnosis="integer division")
    rep = report.build(ws)
    passed, failing = exercise(rep, NB1, "1.1"), exercise(rep, NB1, "1.2")
    assert (passed.status, passed.earned, passed.attempts) == ("passed", 1, 2)
    assert (failing.status, failing.earned, failing.last_diagnosis) == (
        "failing", 0, "integer division")
    nb = rep.notebooks()[0]
    assert (nb.done, nb.total, nb.earned, nb.minutes_left) == (1, 2, 1, failing.minutes)
    assert f"{NB1}, exercise 1.2 fraction done: integer division" in rep.text()


def test_a_run_in_another_notebook_does_not_count_here(ws):
    put(ws, "weeks_needed", True, notebook=NB2)
    assert exercise(report.build(ws), NB1, "1.1").status == "not started"


def test_a_run_whose_notebook_is_unknown_counts_wherever_the_check_is_called(ws):
    put(ws, "weeks_needed", True, notebook=None)
    put(ws, "row_means", True, notebook="renamed_copy.ipynb")
    rep = report.build(ws)
    assert exercise(rep, NB1, "1.1").status == "passed"
    assert exercise(rep, NB2, "2.4").status == "passed"


def test_hidden_runs_do_not_count(ws):
    put(ws, "weeks_needed", True, hidden=True)
    assert exercise(report.build(ws), NB1, "1.1").status == "not started"


def test_a_check_named_differently_from_its_function_is_found(ws):
    put(ws, "my_plan", True, notebook=NB3)        # check_learning_plan reports "my_plan"
    assert exercise(report.build(ws), NB3, "3.1").status == "passed"


def test_written_answers_count_once_written_and_saved(ws):
    path = ws / NB3
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "hours_answer":
            cell["source"] = "I can keep up 8 hours a week: two evenings and a Saturday morning."
    path.write_text(json.dumps(nb))
    rep = report.build(ws)
    written = exercise(rep, NB3, "3.2")
    assert (written.status, written.pending, written.written_points) == ("written", 2, 2)
    assert exercise(rep, NB3, "3.3").status == "not started"
    assert "+2/9 written" in rep.text() and "+2/9 for written answers" in rep.text()


def test_a_damaged_notebook_is_read_from_the_curriculum_and_said(ws):
    (ws / NB2).write_text("{ damaged")
    rep = report.build(ws, curriculum=ROOT / "curriculum")
    assert any("02_numpy_warmup" in w and "original copy" in w for w in rep.warnings)
    assert len([n for n in rep.notebooks() if n.path == NB2][0].exercises) == 10


def test_new_notebooks_upstream_are_announced(ws, tmp_path):
    upstream = tmp_path / "upstream"
    shutil.copytree(ROOT / "curriculum" / "00_orientation", upstream / "00_orientation")
    shutil.copy(upstream / NB1, upstream / "00_orientation" / "04_new.ipynb")
    rep = report.build(ws, curriculum=upstream)
    assert rep.new_upstream == ["00_orientation/04_new.ipynb"]
    assert "python3 manage.py lab` adds them" in rep.text()


def test_the_current_notebook_is_marked_and_comes_first_for_next(ws, monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", str(ws / NB2))
    rep = report.build(ws)
    assert [n.current for n in rep.notebooks()] == [False, True, False]
    assert "02_numpy_warmup" in rep.text().split("you are here")[0].splitlines()[-1]
    assert rep.next_exercise()[0].path == NB2


def test_html_escapes_what_the_learner_controls(ws):
    put(ws, "weeks_needed", False, diagnosis="<script>alert(1)</script>")
    page = report.html_page(report.build(ws), png=b"\x89PNG fake")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "data:image/png;base64," in page


def test_hours():
    assert [report.hours(m) for m in (0, 45, 60, 95, 600)] == [
        "0 min", "45 min", "1 h", "1 h 35 min", "10 h"]


def test_the_chart_draws_with_and_without_records(ws):
    assert figure_png(report.build(ws)).startswith(b"\x89PNG")
    for i in range(30):
        put(ws, "weeks_needed", i % 3 == 0, at=-86400 * (i % 10))
    assert figure_png(report.build(ws)).startswith(b"\x89PNG")


def test_without_a_workspace_the_curriculum_is_shown_and_nothing_claimed(tmp_path, monkeypatch):
    monkeypatch.delenv(store.WORKSPACE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    rep = report.build(None, curriculum=ROOT / "curriculum")
    assert rep.workspace is None and rep.total > 0 and rep.done == 0
    assert "No workspace found" in rep.text()


def test_show_progress_only_says_so_while_nbgrader_runs(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert report.show_progress() is None
    assert capsys.readouterr().out.startswith("(Your progress is not shown")


def test_on_binder_the_report_says_the_session_is_temporary(ws, monkeypatch):
    monkeypatch.setenv("BINDER_LAUNCH_HOST", "https://mybinder.org/")
    text = report.build(ws).text()
    assert "temporary Binder session" in text and "Download" in text


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
