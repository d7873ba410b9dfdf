"""SIGKILL of the grading command (the coordinator alone): nothing of the run survives.

Its workers, the multiprocessing resource tracker, the sandboxed kernels (busy
and spare) and everything they started die with it, and the temp folders they
leave behind are removed when grading next starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import FAST_LIMITS, HAS_BWRAP, cohort, latest

from autograder.grading import synthetic

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap is not installed")]

# Busy for longer than the grace below: a worker that merely finished its job and then
# noticed the coordinator was gone would still be alive when the test looks.
SLOW = {**synthetic.CORRECT,
        "make_grid": synthetic.CORRECT["make_grid"] + "import time\ntime.sleep(60)\n"}
LONG_CELLS = ["--cell-timeout", "90", "--timeout", "120"]


def _processes() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, start time, session id) of every process now."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        found[int(entry)] = (int(fields[1]), fields[19], int(fields[3]))
    return found


def _run_of(root_pid: int) -> dict[int, str]:
    """pid -> start time of the process and all its descendants and session members."""
    table = _processes()
    members = {root_pid}
    grew = True
    while grew:
        grew = False
        for pid, (parent, _, session) in table.items():
            if pid not in members and (parent in members or session == root_pid):
                members.add(pid)
                grew = True
    return {pid: table[pid][1] for pid in members if pid in table}


def _start(root: Path, tmp: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmp)}
    return subprocess.Popen(
        [sys.executable, "-m", "autograder.cli", "grade", "tiny", "--root", str(root),
         "--workers", "2", "--quiet", "--no-feedback", "--no-report", *FAST_LIMITS, *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env=env)


def test_killing_the_coordinator_kills_the_whole_run_and_the_next_start_cleans_up(tmp_path):
    root = synthetic.make_course(tmp_path / "course")
    expected = cohort(root, 4)
    for i in range(4):
        synthetic.make_submission(root, f"a_slow{i}", SLOW)   # graded first
        expected[f"a_slow{i}"] = 3.0
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    process = _start(root, tmp, *LONG_CELLS)
    deadline = time.monotonic() + 600
    run: dict[int, str] = {}
    while process.poll() is None and time.monotonic() < deadline:
        run = _run_of(process.pid)
        commands = " ".join(Path(f"/proc/{p}/cmdline").read_text(errors="replace")
                            for p in run if Path(f"/proc/{p}/cmdline").exists())
        if "bwrap" in commands and list(tmp.glob("agk-*")):
            break
        time.sleep(0.2)
    assert process.poll() is None, "the run ended before a kernel was seen"
    assert len(latest(root)) < len(expected), "the kill should land mid-batch"
    run = _run_of(process.pid)
    assert len(run) >= 4, run           # coordinator, 2 workers, a tracker, kernels...
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 20    # the grace
    while time.monotonic() < deadline:
        now = _processes()
        alive = {p for p, start in run.items() if p in now and now[p][1] == start}
        alive |= {p for p, (_, _, session) in now.items() if session == process.pid}
        if not alive:
            break
        time.sleep(0.25)
    assert not alive, {p: Path(f"/proc/{p}/cmdline").read_text(errors="replace")
                       for p in alive if Path(f"/proc/{p}/cmdline").exists()}
    assert list(tmp.glob("agk-*")), "the killed run's sandbox folders should be there"

    again = _start(root, tmp)           # the next start cleans up, then grades the rest
                                        # (the sleepers now stop at the 4 s cell limit)
    assert again.wait(timeout=900) == 0
    left = sorted(p.name for p in tmp.iterdir() if not p.name.startswith("autograder-mpl-"))
    assert left == []                   # only the shared matplotlib cache may stay
    assert set(latest(root)) == set(expected)
