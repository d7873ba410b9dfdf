"""A real JupyterLab on loopback and Debian's Chromium driven by Playwright (Python).

The browser is never downloaded: Playwright launches /usr/bin/chromium (installed
by .ci/run with apt). Screenshots go to test-artifacts/browser/ (gitignored).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))   # labpage.py, for the tests

from labpage import free_port, wait_until_up  # noqa: E402

from autograder.lab import jupyter  # noqa: E402
from autograder.lab.workspace import sync  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium's own connections are refused by a
# closed network and slow every page; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
# JupyterLab user settings for the test: render every cell (no windowing, so
# locators see the whole notebook). Nothing else: the news question must be kept
# away by the learner config itself (autograder.lab.jupyter), as for a learner.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}',
}


class Lab:
    def __init__(self, url: str, token: str, workspace: Path, curriculum: Path):
        self.url, self.token, self.workspace = url, token, workspace
        self.curriculum = curriculum    # a copy the tests may change, as a new release would

    def page_url(self, path: str) -> str:
        return f"{self.url}/{path}?token={self.token}"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab started the way `python3 manage.py lab` starts it, on a fresh workspace."""
    tmp = tmp_path_factory.mktemp("lab")
    workspace, curriculum = tmp / "workspace", tmp / "curriculum"
    shutil.copytree(ROOT / "curriculum", curriculum)
    sync(curriculum, workspace)
    config = jupyter.write_config("learner", tmp / "jupyter-config")
    settings = tmp / "settings"
    for name, text in SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    env = jupyter.lab_environment("learner", config, workspace)
    env.update(JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(tmp / "ws"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"))
    env.pop("MPLBACKEND", None)   # tests/conftest.py sets Agg; a learner's kernel draws inline
    port, token = free_port(), secrets.token_hex(16)
    argv = jupyter.lab_argv(workspace, ["--no-browser", "--ip=127.0.0.1", f"--port={port}",
                                        f"--IdentityProvider.token={token}"])
    log = tmp / "lab.log"
    with log.open("w") as out:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/api/status?token={token}", proc, log,
                      "JupyterLab")
        yield Lab(f"http://127.0.0.1:{port}", token, workspace, curriculum)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        message = (f"no Chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does), "
                   "or set CHROMIUM=/path/to/chromium")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context):
    page = browser_context.new_page()
    page.set_default_timeout(60_000)
    yield page
    page.close()

