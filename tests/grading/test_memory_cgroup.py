"""Memory limits per sandbox: a cgroup (systemd scope, or a writable cgroup) where the
machine offers one, RLIMIT_AS per process always.

Each test runs the path this machine supports and skips the others, saying why.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from autograder.grading import sandbox

# Two processes of 90 MB each: under a 128 MB cap for the group, though each alone fits.
# The parent says "both survived" only if the child also exited normally (the OOM killer
# may pick either of them).
TWO_PROCESSES = ("import os, time\n"
                 "pid = os.fork()\n"
                 "block = bytearray(90 * 2**20)\n"
                 "time.sleep(0.5)\n"
                 "if pid:\n"
                 "    _, status = os.waitpid(pid, 0)\n"
                 "    if status != 0:\n"
                 "        raise SystemExit('the child was killed')\n"
                 "    print('both survived')\n")


def _run_in(prefix: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([*prefix, sys.executable, "-c", TWO_PROCESSES],
                          capture_output=True, text=True, timeout=60)


def test_a_writable_cgroup_caps_all_the_processes_of_a_sandbox_together(tmp_path):
    found = sandbox.memory_cgroup()
    if found is None:
        pytest.skip("no writable cgroup with a memory controller here "
                    f"({sandbox.memory_limiter()[1]})")
    slot = sandbox.Slot(tmp_path / f"agk-{os.getpid()}-test", None)
    slot.base.mkdir()
    prefix = sandbox.cgroup_prefix(slot, sandbox.Limits(memory_mb=128))
    assert prefix and slot.cgroup is not None and slot.cgroup.is_dir()
    result = _run_in(prefix)
    assert "both survived" not in result.stdout and result.returncode != 0
    slot.remove()
    assert not slot.cgroup.exists()
    # Without the cgroup, the same two processes run (each is under any per-process cap).
    assert "both survived" in _run_in([]).stdout


def test_the_limiter_says_which_path_this_machine_uses():
    prefix, words = sandbox.memory_limiter()
    if prefix is not None:
        assert "systemd scope" in words
    elif sandbox.memory_cgroup() is not None:
        assert words.startswith("cgroups v") and "RLIMIT_AS" in words
    else:
        assert words.startswith("RLIMIT_AS per process")


def test_a_systemd_scope_caps_the_sandbox():
    prefix, words = sandbox.memory_limiter()
    if prefix is None:
        pytest.skip(f"no systemd user session here: {words}")
    result = _run_in([*prefix, "-p", "MemoryMax=128M", "-p", "MemorySwapMax=0", "--"])
    assert "both survived" not in result.stdout


def test_stale_cgroups_of_a_dead_run_are_swept():
    found = sandbox.memory_cgroup()
    if found is None:
        pytest.skip("no writable cgroup with a memory controller here")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = sandbox.make_memory_cgroup(*found, f"agk-{dead.pid}-left", 64)
    sandbox.sweep_stale_slots()
    assert not folder.exists()
