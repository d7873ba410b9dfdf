"""What student code can and cannot reach from inside the sandbox."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import nbformat
import pytest
from helpers import HAS_BWRAP

import autograder
from autograder.grading import sandbox
from autograder.grading.cells import split_hidden
from autograder.grading.execute import execute_job, start_kernel
from autograder.grading.jobs import GRADED, Job

PROBE = r'''
import json, os, resource, socket
found = {"uid": os.getuid(), "cwd": os.getcwd(), "files": sorted(os.listdir(".")),
         "limits": [resource.getrlimit(r)[0] for r in (resource.RLIMIT_AS,
                    resource.RLIMIT_NPROC, resource.RLIMIT_FSIZE)]}
def attempt(fn):
    try:
        fn()
        return "allowed"
    except Exception as exc:
        return type(exc).__name__
found["read_course"] = attempt(lambda: open(COURSE + "/gradebook.db").read())
found["list_course"] = attempt(lambda: os.listdir(COURSE))
if TRY_WRITE:   # only where it must fail: never plant a file in the real package
    found["write_package"] = attempt(lambda: open(PACKAGE + "/planted.py", "w"))
found["write_home"] = attempt(lambda: open(os.path.expanduser("~/notes.txt"), "w").write("x"))
found["network"] = attempt(lambda: socket.create_connection(("1.1.1.1", 53), timeout=3))
found["see_host_processes"] = len([p for p in os.listdir("/proc") if p.isdigit()])
print(json.dumps(found))
'''


def run_cells(course, code: str, mode: str = "auto", files=None,
              try_write: bool = False) -> dict:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"COURSE = {str(course)!r}\nPACKAGE = {os.path.dirname(autograder.__file__)!r}\n"
        f"TRY_WRITE = {try_write}\n" + code)])
    limits = sandbox.Limits(notebook_seconds=60, cell_seconds=30, memory_mb=1500,
                            processes=50, disk_mb=64)
    job = Job("s", "a", "nb", nbformat.writes(nb), files or {}, limits, {},
              forbidden=(str(course),), sandbox=mode)

    async def go():
        capability = sandbox.detect(force_fallback=mode == "off")
        km = await start_kernel(capability, limits, [str(course)],
                                sandbox.matplotlib_template())
        return await execute_job(job, km, capability)

    result = asyncio.run(go())
    assert result.status == GRADED, result.reason
    out = nbformat.reads(result.notebook_json, as_version=4).cells[0].outputs
    text = "".join(o.get("text", "") for o in out if o.output_type == "stream")
    return json.loads(text.strip().splitlines()[-1])


@pytest.fixture()
def course(tmp_path):
    folder = tmp_path / "course"
    (folder / "solutions").mkdir(parents=True)
    (folder / "gradebook.db").write_text("secret")
    return folder


@pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap is not installed")
def test_the_bubblewrap_sandbox_shows_only_the_students_own_files(course):
    assert sandbox.detect().isolated, sandbox.detect().warning
    planted = os.path.join(os.path.dirname(autograder.__file__), "planted.py")
    try:
        found = run_cells(course, PROBE, files={"data.csv": b"1,2\n"}, try_write=True)
    finally:
        wrote = os.path.exists(planted)
        if wrote:
            os.remove(planted)
    assert not wrote, "student code wrote into the package"
    assert found["files"] == ["data.csv"]
    assert found["read_course"] == "FileNotFoundError"
    assert found["list_course"] == "FileNotFoundError"
    assert found["write_package"] in ("OSError", "PermissionError")   # read-only
    assert found["write_home"] == "allowed"                             # private tmpfs
    assert found["network"] == "OSError"
    assert found["see_host_processes"] < 10                              # own PID namespace
    assert found["limits"] == [1500 * 2**20, 50, 64 * 2**20]
    if os.geteuid() == 0:
        assert found["uid"] != 0, "as root, student code must run as another uid"


def test_without_a_sandbox_the_limits_and_scratch_folder_remain(course, monkeypatch):
    sandbox.detect.cache_clear()
    try:
        capability = sandbox.detect(force_fallback=True)
        assert not capability.isolated and "NOT isolated" in capability.warning
        found = run_cells(course, PROBE, mode="off", files={"data.csv": b"1,2\n"})
    finally:
        sandbox.detect.cache_clear()
    assert found["files"] == ["data.csv"]
    assert not found["cwd"].startswith(str(course))
    assert found["limits"][0] == 1500 * 2**20 and found["limits"][2] == 64 * 2**20
    if os.geteuid() == 0 and sandbox.can_drop_privileges_unsandboxed():
        assert found["uid"] != 0 and found["limits"][1] == 50
    elif os.geteuid() == 0:   # Python lives where other users cannot read it
        assert found["uid"] == 0 and "runs as root" in capability.warning
    else:   # the process limit would count the grader's own processes
        assert found["limits"][1] != 50


def test_a_course_inside_a_system_folder_is_refused():
    with pytest.raises(sandbox.SandboxError, match="course folder"):
        sandbox.system_paths([os.path.join(sys.prefix, "lib", "course")])


def test_hidden_test_segments_are_split_at_the_markers():
    source = ("check(f)\n### BEGIN HIDDEN TESTS\ncheck(f, hidden=True)\n"
              "### END HIDDEN TESTS\nprint('after')")
    parts = split_hidden(source, ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
    assert [hidden for hidden, _ in parts] == [False, True, False]
    assert "hidden=True" in parts[1][1] and "after" in parts[2][1]
    assert split_hidden("check(f)", ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")) == [
        (False, "check(f)")]


def test_the_folders_of_a_killed_run_are_swept(tmp_path, monkeypatch):
    import subprocess
    import tempfile

    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"agk-{dead.pid}-abc"
    alive = tmp_path / f"agk-{os.getpid()}-def"
    for folder in (stale, alive):
        (folder / "ipc").mkdir(parents=True)
    assert sandbox.sweep_stale_slots() == 1
    assert not stale.exists() and alive.exists()


@pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap is not installed")
def test_python_and_the_package_stay_visible_when_they_live_under_tmp(tmp_path, monkeypatch):
    """A clone in /tmp/...: the sandbox's private /tmp must not hide the .venv and package."""
    import subprocess

    capability = sandbox.detect()
    assert capability.isolated, capability.warning
    venv = tmp_path / "clone" / ".venv"
    venv.mkdir(parents=True)
    (venv / "marker").write_text("visible")
    assert str(venv).startswith("/tmp/")
    original = sandbox.system_paths
    monkeypatch.setattr(sandbox, "system_paths", lambda forbidden: [*original(forbidden),
                                                                   str(venv)])
    slot = sandbox.Slot.create(capability)
    try:
        args = sandbox.kernel_command(capability, sandbox.Limits(), slot, "unused.json", [],
                                      [], None)
        args = args[:args.index("--") + 1] + ["/bin/cat", str(venv / "marker")]
        done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    finally:
        slot.remove()
    assert done.returncode == 0, done.stderr
    assert done.stdout == "visible"
