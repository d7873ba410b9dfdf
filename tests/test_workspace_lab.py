"""`python -m autograder.lab` (what `python3 manage.py lab` runs) starts a working JupyterLab.

Checked over HTTP on loopback: the learner's server has nbgrader's Validate
handler and finds the course's nbgrader_config.py, has no formgrader and no
exchange handlers, opens at the next exercise's notebook, and records nothing
while validating. The instructor's server has formgrader.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from autograder.progress import store

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def lab(*args: str, tmp: Path):
    port, token = _free_port(), secrets.token_hex(8)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "lab-workspaces"))
    env.pop("AUTOGRADER_WORKSPACE", None)
    log = (tmp / f"lab-{port}.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "autograder.lab", *args, "--no-browser",
                             "--ip=127.0.0.1", f"--port={port}",
                             f"--IdentityProvider.token={token}"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp / f"lab-{port}.log").read_text()[-3000:]
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not answer"
                time.sleep(0.3)
        yield base, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def status(url: str) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        return urllib.request.build_opener(NoRedirect).open(url, timeout=30).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_learner_lab(tmp_path):
    ws = tmp_path / "workspace"
    with lab("--workspace", str(ws), tmp=tmp_path) as (base, token):
        assert (ws / "00_orientation" / "01_how_this_works.ipynb").is_file()
        for path in ("formgrader", "assignments", "courses"):
            assert status(f"{base}/{path}?token={token}") == 404, path
        request = urllib.request.Request(f"{base}/")
        opener = urllib.request.build_opener()
        with opener.open(f"{base}/?token={token}", timeout=30) as response:
            assert "/lab/tree/00_orientation/01_how_this_works.ipynb" in response.url
        # Validate the untouched learner copy through nbgrader's handler, as the button does.
        data = urllib.parse.urlencode({"path": "00_orientation/01_how_this_works.ipynb"}).encode()
        request = urllib.request.Request(f"{base}/assignments/validate?token={token}", data=data,
                                         method="POST")
        with urllib.request.urlopen(request, timeout=120) as response:
            result = json.loads(response.read())
        assert result["success"] is True, result
        value = json.dumps(result["value"])
        assert "weeks_needed" in value and "not implemented" in value.lower(), value[:2000]
        assert store.read(store.store_path(ws)) == [], "validating must not record progress"


def test_the_instructor_lab_has_formgrader(tmp_path):
    course = tmp_path / "course"   # formgrader makes a gradebook in the course: not in the repo
    for name in ("solutions", "curriculum"):
        shutil.copytree(ROOT / name, course / name)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    with lab("--root", str(course), "--instructor", tmp=tmp_path) as (base, token):
        assert status(f"{base}/formgrader?token={token}") in (200, 302)
        assert status(f"{base}/assignments?token={token}") == 404
    assert not (course / "workspace").exists()
