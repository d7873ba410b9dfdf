"""Killed runs resume, and a locked gradebook is waited out, not fatal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from helpers import FAST_LIMITS, HAS_BWRAP, cohort, journal, records, scores
from helpers import grade as grade_with_feedback

from autograder.grading import synthetic

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap is not installed")]


def grade(root, *extra, **options):
    """Grading only: these tests are about the gradebook and the journal."""
    return grade_with_feedback(root, "--no-feedback", "--no-report", *extra, **options)


def _start(root):
    """The command in its own process group, as an instructor's terminal would run it."""
    return subprocess.Popen(
        [sys.executable, "-m", "autograder.cli", "grade", "tiny", "--root", str(root),
         "--workers", "2", "--quiet", "--no-feedback", "--no-report", *FAST_LIMITS],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _kill_after(root, entries: int, timeout: float = 300) -> int:
    process = _start(root)
    deadline = time.monotonic() + timeout
    while len(journal(root)) < entries and process.poll() is None:
        assert time.monotonic() < deadline, "grading made no progress"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)   # the coordinator, its workers, everything
    process.wait()
    return len(journal(root))


def test_kill_and_resume_grades_everyone_exactly_once(tmp_path):
    root = synthetic.make_course(tmp_path / "course")
    expected = cohort(root, 9)
    first = _kill_after(root, 1)
    second = _kill_after(root, first + 2)
    assert first < second < 9, "the kills should land mid-batch"
    assert grade(root) == 0
    # counted in the gradebook, committed with the scores (the journal is only a log)
    counts = {s: r["times_graded"] for s, r in records(root).items()}
    assert counts == {s: 1 for s in expected}, counts
    got = scores(root)
    assert {s: got[s]["score"] for s in expected} == expected
    assert grade(root) == 0                                  # nothing left to do
    assert {s: r["times_graded"] for s, r in records(root).items()} == counts


def test_a_changed_submission_is_graded_again(tmp_path):
    root = synthetic.make_course(tmp_path / "course")
    synthetic.make_submission(root, "ann", None)
    assert grade(root) == 0 and scores(root)["ann"]["score"] == 0
    synthetic.make_submission(root, "ann", synthetic.CORRECT)   # a resubmission
    assert grade(root) == 0 and scores(root)["ann"]["score"] == 3
    synthetic.make_submission(root, "ann", synthetic.CORRECT, edit=lambda nb: "{broken")
    assert grade(root) == 0
    assert scores(root)["ann"]["score"] == 0, "a failed re-grade must not keep stale scores"
    assert [e["student"] for e in journal(root)] == ["ann"] * 3
    assert records(root)["ann"]["times_graded"] == 3


def _lock(db, seconds: float) -> subprocess.Popen:
    """Another program holding an exclusive lock on the gradebook for `seconds`."""
    code = ("import sqlite3, sys, time\n"
            "con = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "con.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\n"
            "time.sleep(float(sys.argv[2]))\ncon.execute('COMMIT')\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(db), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_locked_gradebook_is_waited_out(tmp_path, capsys):
    root = synthetic.make_course(tmp_path / "course")
    expected = cohort(root, 4)
    holder = _lock(root / "gradebook.db", 8)
    try:
        assert grade(root, "--db-wait", "120") == 0
    finally:
        holder.wait()
    assert "locked by another program" in capsys.readouterr().err
    got = scores(root)
    assert {s: got[s]["score"] for s in expected} == expected


def test_a_lock_that_outlasts_the_wait_stops_cleanly_and_the_next_run_resumes(tmp_path, capsys):
    root = synthetic.make_course(tmp_path / "course")
    expected = cohort(root, 3)
    synthetic.make_submission(root, "first", synthetic.CORRECT)
    assert grade(root, "--students", "first") == 0
    holder = _lock(root / "gradebook.db", 20)
    try:
        assert grade(root, "--db-wait", "3") == 3
    finally:
        holder.wait()
    assert "still locked" in capsys.readouterr().err
    assert scores(root)["first"]["score"] == 3          # nothing lost
    assert grade(root) == 0
    got = scores(root)
    assert {s: got[s]["score"] for s in expected} == expected
    assert records(root)["first"]["times_graded"] == 1
    assert Counter(e["student"] for e in journal(root))["first"] == 1


def test_without_a_sandbox_a_submission_that_changes_the_course_stops_the_batch(tmp_path,
                                                                                  capsys):
    root = synthetic.make_course(tmp_path / "course")
    released = root / "curriculum" / "tiny" / "01_tiny.ipynb"
    before = released.read_bytes()
    attack = (f"try:\n    open({str(released)!r}, 'a').write(' ')\n"
              "except OSError:\n    pass\n")
    synthetic.make_submission(root, "mallory", {**synthetic.CORRECT,
                                                "make_grid": synthetic.CORRECT["make_grid"]
                                                + attack})
    code = grade(root, "--sandbox", "off", workers=1)
    changed = released.read_bytes() != before
    assert code == (3 if changed else 0)
    if changed:   # student code could write there (no sandbox, no other uid): caught
        assert "Grading stopped" in capsys.readouterr().err
        assert "mallory" not in {e["student"] for e in journal(root)}
