"""A learner's first exercise in a real browser: JupyterLab as `manage.py lab` starts it.

One test, in the order a learner goes: open a stage-00 notebook, run a graded
cell with a wrong answer and read the diagnosis, fix it and see the success
line, press nbgrader's Validate button and read its result, then run the
progress cell at the end of the notebook. Screenshots of every step are saved
to test-artifacts/browser/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autograder.progress import store

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"  # as conftest.py

NOTEBOOK = "00_orientation/01_how_this_works.ipynb"
WRONG = "def weeks_needed(total_hours, hours_per_week):\n    return total_hours // hours_per_week\n"
RIGHT = ("def weeks_needed(total_hours, hours_per_week):\n"
         "    return math.ceil(total_hours / hours_per_week)\n")
FRACTION = ("def fraction_done(passed, total):\n"
            "    return 0.0 if total == 0 else passed / total\n")


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def cell(page, text: str):
    """The notebook cell whose editor contains `text`."""
    return page.locator(".jp-Notebook .jp-Cell").filter(
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
    editor = target.locator(".jp-InputArea-editor")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(code)


def records(lab) -> list[dict]:
    return store.read(store.store_path(lab.workspace))


def test_a_learner_runs_checks_validates_and_sees_progress(lab, page):
    page.goto(lab.page_url(f"lab/tree/{NOTEBOOK}"))
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle")).first.wait_for()
    shot(page, "01_notebook_open")

    # Self-study set-up: the Validate button is there; the exchange panels and
    # formgrader (the Nbgrader menu) are not.
    assert page.locator(".validate-button").first.is_visible()
    assert page.locator("#jp-mainmenu-nbgrader").count() == 0
    assert page.get_by_text("Assignment List").count() == 0

    run(page, cell(page, "from autograder.checks.orientation import"))
    solution = cell(page, "def weeks_needed(")
    check = cell(page, "check_weeks_needed(weeks_needed)")

    # A wrong answer: the check names the mistake.
    set_source(page, solution, WRONG)
    run(page, solution)
    out = run(page, check)
    check.scroll_into_view_if_needed()
    shot(page, "02_wrong_answer_diagnosis")
    assert "AssertionError" in out
    assert "Diagnosis (rounding down)" in out, out
    assert "Hint:" in out

    # Fixed: one success line.
    set_source(page, solution, RIGHT)
    run(page, solution)
    out = run(page, check)
    check.scroll_into_view_if_needed()
    shot(page, "03_fixed_success_line")
    assert re.search(r"✓ weeks_needed: \d+ checks passed", out), out

    # Every run was recorded, with its notebook and exercise (JupyterLab told the kernel).
    mine = [r for r in records(lab) if r["check"] == "weeks_needed"]
    assert [r["passed"] for r in mine] == [False, True]
    assert mine[0]["diagnosis"] == "rounding down"
    assert {(r["notebook"], r["exercise"]) for r in mine} == {(NOTEBOOK, "1.1")}

    # The second exercise, then Validate: nbgrader runs the saved notebook from a clean kernel.
    fraction = cell(page, "def fraction_done(")
    set_source(page, fraction, FRACTION)
    run(page, fraction)
    run(page, cell(page, "check_fraction_done(fraction_done)"))
    page.keyboard.press("Control+s")
    page.locator(".jp-mod-dirty").first.wait_for(state="detached", timeout=30_000)
    before = len(records(lab))
    page.locator(".validate-button").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=120_000)
    dialog.get_by_text(re.compile("Success|passes|failed", re.I)).first.wait_for(timeout=120_000)
    shot(page, "04_validate_result")
    text = dialog.inner_text()
    assert "Success! Your notebook passes all the tests." in text, text
    assert len(records(lab)) == before, "validating must not record progress"
    dialog.get_by_role("button").last.click()
    dialog.wait_for(state="detached")

    # The progress view at the end of the notebook.
    progress = cell(page, "show_progress()")
    out = run(page, progress)
    progress.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    shot(page, "05_progress_view")
    assert "Your progress" in out
    assert "you are here" in out
    table = progress.locator("table").inner_text()
    assert re.search(r"01_how_this_works.*\n?.*2/2", table), table
    assert progress.locator("img").count() == 1, "the progress chart is missing"
    saved = json.loads((lab.workspace / NOTEBOOK).read_text())
    assert saved["cells"], "the notebook was saved in the workspace"
