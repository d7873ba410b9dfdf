"""What the browser tests share: a server's start, and a JupyterLab page driven by hand.

The servers (tests/browser/conftest.py's JupyterLab, test_hub.py's JupyterHub) wait for
their first answer with `wait_until_up`; the tests click, type and read cells with the
page helpers, as a learner does (Playwright's sync API).
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

#: The notebook on show: other tabs (restored from an earlier test) stay in the page, hidden.
SHOWN = ".jp-NotebookPanel:visible"


def free_port() -> int:
    """A TCP port free on the loopback interface now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, what: str,
                  timeout: float = 90) -> None:
    """Return once `url` answers 200; raise with the end of `log` if `proc` (the server
    called `what` in the message) exits first or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited ({proc.returncode}):\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{what} did not answer in {timeout} s:\n{log.read_text()[-4000:]}")


def cell(page, text: str):
    """The cell of the notebook on show whose editor contains `text`."""
    return page.locator(f"{SHOWN} .jp-Notebook .jp-Cell").filter(
        has=page.locator(".jp-InputArea-editor", has_text=text)).first


def run(page, target, timeout: float = 60_000) -> str:
    """Run a cell (click into it, Shift+Enter); return what its output shows once it is done."""
    target.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    prompt = target.locator(".jp-InputPrompt")
    page.wait_for_function(
        "el => /\\[\\d+\\]/.test(el.textContent)", arg=prompt.element_handle(), timeout=timeout)
    return target.locator(".jp-OutputArea").inner_text()


def set_source(page, target, code: str) -> None:
    """Replace the text of the cell `target` with `code`, typed as a learner pastes it."""
    target.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)


def open_notebook(page, url: str) -> None:
    """Open the notebook at `url` (a JupyterLab tree URL) and wait for its idle kernel."""
    page.goto(url)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle")).first.wait_for()


def save(page) -> None:
    """Ctrl+S, and wait until JupyterLab no longer marks the notebook as changed."""
    page.keyboard.press("Control+s")
    page.locator(".jp-mod-dirty").first.wait_for(state="detached", timeout=30_000)
