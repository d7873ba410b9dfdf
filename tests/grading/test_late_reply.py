"""Same work, same grade: a judged cell whose time runs out while the kernel only waits.

Issue 14: on a loaded machine an honest student of 500 now and then lost a test
cell. A judged cell's limit is wall time; when it ran out, the cell scored 0
(CellTimeoutError) with nothing recorded, whether the student's code had used
the time or the kernel had sat asleep, its answer waiting for a grader that
had no CPU. Here the fault is injected: the grader reads the kernel's reply to
one request of row_means_test only after the cell's time is over. That cell
must be held for a manual grade, with an event, never scored 0; a student
whose function really loops forever still gets the timeout (0).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest
from helpers import HAS_BWRAP, grade, journal, scores

from autograder.authoring import text_to_notebook
from autograder.grading import coordinator, cputime, sandbox, synthetic, workers
from autograder.grading.execute import GradingClient, execute_job, start_kernel
from autograder.grading.jobs import GRADED, Job

pytestmark = pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap is not installed")

LIMIT = 2.0
SPINS = "def row_means(a):\n    while True:\n        pass\n"


def _busy_over(code: str, seconds: float = 0.6) -> float:
    """How long the process tree running `code` was runnable during `seconds` of wall time."""
    process = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        time.sleep(0.3)
        before = cputime.runnable_seconds(process.pid)
        time.sleep(seconds)
        after = cputime.runnable_seconds(process.pid)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert before is not None and after is not None
    return after - before


@pytest.mark.skipif(cputime.runnable_seconds(os.getpid()) is None,
                    reason="no /proc schedstat here")
def test_a_loop_in_a_child_process_counts_as_busy_and_a_sleep_does_not():
    spins = "import os, time\nif os.fork() == 0:\n    while True:\n        pass\ntime.sleep(60)\n"
    assert _busy_over(spins) > 0.4           # running or queued for a CPU, however busy
    assert _busy_over("import time\ntime.sleep(60)\n") < 0.1


def _grade(answers: dict[str, str], late_cell: int | None = None):
    nb = synthetic.fill(text_to_notebook(synthetic.TINY_TEXT), answers)
    limits = sandbox.Limits(notebook_seconds=60, cell_seconds=LIMIT, memory_mb=1500,
                            processes=50, disk_mb=64)
    job = Job("s", "tiny", "01_tiny", nbformat.writes(nb), {}, limits, {})
    test_cells = {c.metadata.nbgrader["grade_id"]: i for i, c in enumerate(nb.cells)
                  if c.metadata.get("nbgrader", {}).get("grade")
                  and not c.metadata.nbgrader.get("solution") and c.cell_type == "code"}

    async def go():
        capability = sandbox.detect()
        km = await start_kernel(capability, limits, [], sandbox.matplotlib_template())
        return await execute_job(job, km, capability)

    return asyncio.run(go()), test_cells


def _errors(result, index: int) -> list[str]:
    """The names of the errors a cell's outputs show ([] for a passed test cell)."""
    nb = nbformat.reads(result.notebook_json, as_version=4)
    return [o.ename for o in nb.cells[index].outputs if o.output_type == "error"]


def _read_late(monkeypatch) -> dict:
    """Make the grader read the answer to row_means_test's first request only after the
    cell's time is over; returns {"done": whether that happened}."""
    original = GradingClient._next_event
    nb = synthetic.fill(text_to_notebook(synthetic.TINY_TEXT), synthetic.CORRECT)
    late = {"cell": next(i for i, c in enumerate(nb.cells) if c.metadata.get(
        "nbgrader", {}).get("grade_id") == "row_means_test"), "done": False}

    async def read_late(self, timeout):
        # The first request of the chosen cell: its answer arrives at once, but the grader
        # gets to read it only after the cell's time is over (a grader with no CPU).
        if self.current_index == late["cell"] and not late["done"]:
            late["done"] = True
            await asyncio.sleep(timeout + 0.3)
            return await original(self, 0)
        return await original(self, timeout)

    monkeypatch.setattr(GradingClient, "_next_event", read_late)
    return late


def test_a_reply_read_after_the_limit_holds_the_cell_for_a_manual_grade(monkeypatch):
    late = _read_late(monkeypatch)
    result, cells = _grade(synthetic.CORRECT)
    assert late["done"]
    assert result.status == GRADED, result.reason
    assert _errors(result, cells["make_grid_test"]) == []          # passed
    assert _errors(result, cells["row_means_test"]) == ["GraderError"]    # not 0: held
    assert list(result.undetermined) == ["row_means_test"]
    assert "sandbox ran (or waited for a CPU) for only" in result.undetermined["row_means_test"]
    assert any("row_means_test" in e and "manual grade" in e for e in result.events)


def test_a_function_that_loops_forever_still_times_out():
    result, cells = _grade({**synthetic.CORRECT, "row_means": SPINS})
    assert _errors(result, cells["make_grid_test"]) == []
    assert _errors(result, cells["row_means_test"]) == ["CellTimeoutError"]
    assert result.undetermined == {}


class _InProcess:
    """Runs the jobs in this process (so the injected fault applies), one at a time."""

    name, slots = "in process", 1

    def submit(self, job, done) -> None:
        future: concurrent.futures.Future = concurrent.futures.Future()
        future.set_result(workers.run_job(job))
        done(job, future)

    def close(self) -> None:
        pass


@pytest.mark.slow
def test_a_held_cell_needs_a_manual_grade_in_the_gradebook_and_is_reported(tmp_path,
                                                                           monkeypatch):
    late = _read_late(monkeypatch)
    monkeypatch.setattr(coordinator, "make_backend", lambda options: _InProcess())
    root = synthetic.make_course(tmp_path / "course")
    synthetic.make_submission(root, "honest", synthetic.CORRECT)
    assert grade(root, "--cell-timeout", str(LIMIT), "--no-prestart", "--no-feedback",
                 workers=1) == 0
    assert late["done"]
    cells = scores(root)["honest"]["cells"]
    assert cells["make_grid_test"] == (1.0, False)
    assert cells["row_means_test"] == (0.0, True)      # held for a person, not scored 0
    entry, = journal(root)
    assert any("row_means_test" in e and "manual grade" in e for e in entry["events"])
    assert any(f["kind"] == "needs a manual grade" for f in entry["flags"])
    issues = (root / "reports" / "tiny" / "issues.csv").read_text()
    assert "needs a manual grade" in issues and "row_means_test" in issues
