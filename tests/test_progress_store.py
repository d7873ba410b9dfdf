"""The progress store and the check listener that fills it.

Guarantees: a record per check run; never raises, prints or changes a check's
verdict; nothing recorded under nbgrader, with AUTOGRADER_NO_PROGRESS=1 or
outside a workspace; a crash mid-write loses at most that record.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder.checks import core
from autograder.checks.orientation import check_row_means, check_weeks_needed
from autograder.progress import hook, locate, store

ROOT = Path(__file__).resolve().parent.parent


def _record(i: int, passed: bool = True) -> dict:
    return store.make_record(check=f"c{i}", passed=passed, checks_passed=i, diagnosis=None,
                             summary=f"run {i}", seconds=0.001, hidden=False,
                             notebook=None, exercise=None, now=1000.0 + i)


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A learner workspace as the kernel sees it: the manifest, and the kernel in a stage folder."""
    ws = tmp_path / "workspace"
    (ws / "00_orientation").mkdir(parents=True)
    (ws / store.MANIFEST).write_text("{}")
    for name in ("01_how_this_works.ipynb", "02_numpy_warmup.ipynb"):
        (ws / "00_orientation" / name).write_bytes(
            (ROOT / "curriculum" / "00_orientation" / name).read_bytes())
    for var in ("NBGRADER_EXECUTION", hook.DISABLE_ENV, store.WORKSPACE_ENV,
                locate.SESSION_ENV):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(ws / "00_orientation")
    hook._WORKSPACES.clear()
    hook.register()  # what a notebook's start_session() does
    yield ws
    core.remove_listener(hook.record)
    hook._WORKSPACES.clear()


def _records(ws: Path) -> list[dict]:
    return store.read(store.store_path(ws))


# -- the file ---------------------------------------------------------------------

def test_append_then_read_round_trips(tmp_path):
    path = tmp_path / "deep" / "checks.jsonl"
    records = [_record(i, passed=i % 2 == 0) for i in range(5)]
    for rec in records:
        store.append(path, rec)
    assert store.read(path) == records


def test_a_missing_store_reads_as_empty(tmp_path):
    assert store.read(tmp_path / "nothing.jsonl") == []


def test_a_crash_at_any_byte_loses_at_most_the_record_being_written(tmp_path):
    path = tmp_path / "checks.jsonl"
    records = [_record(i) for i in range(4)]
    for rec in records:
        store.append(path, rec)
    data = path.read_bytes()
    ends = [i + 1 for i, b in enumerate(data) if b == ord("\n")]
    for cut in range(len(data) + 1):
        path.write_bytes(data[:cut])
        complete = sum(end <= cut for end in ends)
        got = store.read(path)
        # A cut just before a record's newline leaves that record's JSON whole: keeping it is fine.
        assert got[:complete] == records[:complete] and len(got) <= complete + 1, cut
        # ...and the next record after the crash is kept on its own line.
        store.append(path, _record(99))
        assert store.read(path)[-1] == _record(99), cut


def test_garbage_lines_are_skipped(tmp_path):
    path = tmp_path / "checks.jsonl"
    store.append(path, _record(1))
    with path.open("ab") as handle:
        handle.write(b"\x00\x00\x00\n{not json}\n[1, 2]\n{\"check\": 3}\n\xff\xfe\n")
    store.append(path, _record(2))
    assert store.read(path) == [_record(1), _record(2)]


def test_two_processes_appending_at_once_lose_nothing(tmp_path):
    path = tmp_path / "checks.jsonl"
    code = textwrap.dedent(f"""
        import sys
        from autograder.progress import store
        for i in range(300):
            store.append({str(path)!r}, store.make_record(
                check=sys.argv[1], passed=True, checks_passed=i, diagnosis=None,
                summary="x" * 200, seconds=0.0, hidden=False, notebook=None, exercise=None))
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code, name]) for name in ("a", "b")]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    got = store.read(path)
    assert len(got) == 600
    for name in ("a", "b"):
        assert [r["checks_passed"] for r in got if r["check"] == name] == list(range(300))


def test_find_workspace_walks_up_to_the_manifest_or_takes_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(store.WORKSPACE_ENV, raising=False)
    (tmp_path / "ws" / "a" / "b").mkdir(parents=True)
    (tmp_path / "ws" / store.MANIFEST).write_text("{}")
    assert store.find_workspace(tmp_path / "ws" / "a" / "b") == (tmp_path / "ws").resolve()
    assert store.find_workspace(tmp_path) is None
    monkeypatch.setenv(store.WORKSPACE_ENV, str(tmp_path / "elsewhere"))
    assert store.find_workspace(tmp_path) == (tmp_path / "elsewhere").resolve()


# -- the listener -----------------------------------------------------------------

def test_the_listener_is_registered_by_start_session_not_by_importing(monkeypatch):
    from autograder.checks import events
    from autograder.lab.session import start_session

    monkeypatch.setattr(events, "_LISTENERS", [])
    assert hook.record not in events.listeners()
    start_session()
    start_session()
    assert events.listeners() == (hook.record,)


def test_every_check_run_is_recorded_with_its_diagnosis(workspace, capsys):
    with pytest.raises(AssertionError):
        check_row_means(lambda a: a.mean(axis=0))
    check_row_means(lambda a: a.mean(axis=1))
    got = _records(workspace)
    assert [(r["check"], r["passed"], r["diagnosis"]) for r in got] == [
        ("row_means", False, "mean over the wrong axis"), ("row_means", True, None)]
    assert got[1]["checks_passed"] == 3 and got[1]["summary"].startswith("✓ row_means")
    assert all(r["notebook"] is None and r["exercise"] is None for r in got)
    assert capsys.readouterr().err == ""


def test_the_kernel_session_names_the_notebook_and_exercise(workspace, monkeypatch):
    nb = workspace / "00_orientation" / "02_numpy_warmup.ipynb"
    monkeypatch.setenv(locate.SESSION_ENV, str(nb))        # what jupyter_server sets
    check_row_means(lambda a: a.mean(axis=1))
    monkeypatch.setenv(locate.SESSION_ENV, "00_orientation/02_numpy_warmup.ipynb")  # older form
    check_row_means(lambda a: a.mean(axis=1))
    monkeypatch.setenv(locate.SESSION_ENV, str(workspace / "renamed.ipynb"))        # gone
    check_row_means(lambda a: a.mean(axis=1))
    got = [(r["notebook"], r["exercise"]) for r in _records(workspace)]
    assert got == [("00_orientation/02_numpy_warmup.ipynb", "2.4")] * 2 + [(None, None)]


@pytest.mark.parametrize("var, value", [("NBGRADER_EXECUTION", "autograde"),
                                        ("NBGRADER_EXECUTION", "validate"),
                                        ("AUTOGRADER_NO_PROGRESS", "1")])
def test_nothing_is_recorded_while_grading_or_when_turned_off(workspace, monkeypatch, var,
                                                              value):
    monkeypatch.setenv(var, value)
    check_row_means(lambda a: a.mean(axis=1))
    assert not store.store_path(workspace).exists()


def test_nothing_is_recorded_outside_a_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv(store.WORKSPACE_ENV, raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.chdir(tmp_path)
    hook._WORKSPACES.clear()
    check_row_means(lambda a: a.mean(axis=1))
    assert list(tmp_path.iterdir()) == []


def test_a_store_that_cannot_be_written_changes_nothing_for_the_learner(workspace, capsys):
    (workspace / store.STORE_DIR).write_text("a file where the folder should be")
    with pytest.raises(AssertionError) as failure:
        check_weeks_needed(lambda t, h: t // h)
    check_weeks_needed(lambda t, h: math.ceil(t / h))
    out = capsys.readouterr()
    assert "Diagnosis (rounding down)" in str(failure.value)
    assert out.out == "✓ weeks_needed: 6 checks passed\n" and out.err == ""


def test_the_listener_never_raises(workspace, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(store, "append", broken)
    outcome = core.Outcome("row_means", True, 3, None, "✓", 0.001, False)
    assert hook.record(outcome) is None


def test_a_damaged_notebook_does_not_stop_recording(workspace, monkeypatch):
    nb = workspace / "00_orientation" / "02_numpy_warmup.ipynb"
    nb.write_text("{ this is not json")
    monkeypatch.setenv(locate.SESSION_ENV, str(nb))
    check_row_means(lambda a: a.mean(axis=1))
    (rec,) = _records(workspace)
    assert rec["notebook"] == "00_orientation/02_numpy_warmup.ipynb" and rec["exercise"] is None


def test_records_are_json_lines_a_person_can_read(workspace):
    check_row_means(lambda a: a.mean(axis=1))
    line = store.store_path(workspace).read_text().splitlines()[0]
    assert set(json.loads(line)) == {"v", "time", "check", "passed", "checks_passed",
                                     "diagnosis", "summary", "seconds", "hidden",
                                     "notebook", "exercise"}


def test_a_check_whose_name_differs_from_its_function_is_placed(workspace, monkeypatch):
    from autograder.checks.orientation import EXAMPLE_PLAN, check_learning_plan

    nb = workspace / "00_orientation" / "03_first_learning_plan.ipynb"
    nb.write_bytes((ROOT / "curriculum" / "00_orientation" / nb.name).read_bytes())
    monkeypatch.setenv(locate.SESSION_ENV, str(nb))
    check_learning_plan(EXAMPLE_PLAN)
    (rec,) = _records(workspace)
    assert (rec["check"], rec["exercise"]) == ("my_plan", "3.1")
