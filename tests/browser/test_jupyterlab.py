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

import labpage
import pytest
from labpage import SHOWN, cell, run, save, set_source

from autograder.progress import store

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"  # as conftest.py

NOTEBOOK = "00_orientation/01_how_this_works.ipynb"
WRONG = "def weeks_needed(total_hours, hours_per_week):\n    return total_hours // hours_per_week\n"
RIGHT = ("def weeks_needed(total_hours, hours_per_week):\n"
         "    return math.ceil(total_hours / hours_per_week)\n")
# Without the learner config the news toast is up by the time the kernel is idle
# (measured: idle at 12.35 s after the first cell showed, toast at 12.39 s);
# the test waits 4 s more before it looks.
NEWS_TOAST_WAIT_MS = 4_000
FRACTION = ("def fraction_done(passed, total):\n"
            "    return 0.0 if total == 0 else passed / total\n")


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def records(lab) -> list[dict]:
    return store.read(store.store_path(lab.workspace))


def test_a_learner_runs_checks_validates_and_sees_progress(lab, page):
    page.goto(lab.page_url(f"lab/tree/{NOTEBOOK}"))
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle")).first.wait_for()
    # JupyterLab asks "Would you like to get notified about official Jupyter news?" in a
    # toast shortly after the first load unless the learner config turned the news off.
    page.wait_for_timeout(NEWS_TOAST_WAIT_MS)
    shot(page, "01_notebook_open")
    toasts = page.locator(".Toastify__toast")
    assert toasts.count() == 0, toasts.all_inner_texts()
    assert page.get_by_text("official Jupyter news").count() == 0

    # Self-study set-up: the Validate button is there; the exchange panels and
    # formgrader (the Nbgrader menu) are not.
    assert page.locator(f"{SHOWN} .validate-button").first.is_visible()
    assert page.locator("#jp-mainmenu-nbgrader").count() == 0
    assert page.get_by_text("Assignment List").count() == 0

    run(page, cell(page, "from autograder.checks.orientation import"))
    solution = cell(page, "def weeks_needed(")
    check = cell(page, "check_weeks_needed(weeks_needed)")

    # The notebook tells learners to run a check before writing anything.
    early = run(page, check)
    check.scroll_into_view_if_needed()
    shot(page, "02a_check_before_writing")
    assert early.strip(), "the check printed nothing"

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
    save(page)
    before = len(records(lab))
    page.locator(f"{SHOWN} .validate-button").first.click()
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


def open_notebook(page, lab, rel: str) -> None:
    labpage.open_notebook(page, lab.page_url(f"lab/tree/{rel}") + "&reset")  # only this one open


def validate(page) -> str:
    page.locator(f"{SHOWN} .validate-button").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=120_000)
    dialog.get_by_text(re.compile("Success|passes|failed|error", re.I)).first.wait_for(
        timeout=120_000)
    text = dialog.inner_text()
    dialog.get_by_role("button").last.click()
    dialog.wait_for(state="detached")
    return text


def reword(curriculum: Path, rel: str, old: str, new: str) -> None:
    """A new release rewords the text cell that contains `old`."""
    path = curriculum / rel
    notebook = json.loads(path.read_text())
    (target,) = [c for c in notebook["cells"]
                 if c["cell_type"] == "markdown" and old in "".join(c["source"])]
    target["source"] = "".join(target["source"]).replace(old, new)
    path.write_text(json.dumps(notebook, indent=1))


OPENED = "00_orientation/03_first_learning_plan.ipynb"
WRITTEN = "00_orientation/02_numpy_warmup.ipynb"
GRID = ("def make_grid(n_rows, n_cols):\n"
        "    return np.arange(n_rows * n_cols).reshape(n_rows, n_cols)  # mine\n")


def test_an_update_refreshes_opened_notebooks_and_keeps_written_answers(lab, page):
    """After `git pull` and `manage.py lab`: the notebook only opened, run and validated
    in JupyterLab is replaced silently; the one written in keeps its answer and the
    cell the learner added, in the new version, and it still runs."""
    from autograder.lab import merge
    from autograder.lab.workspace import sync

    open_notebook(page, lab, OPENED)
    run(page, cell(page, "import matplotlib.pyplot as plt"))
    save(page)
    validate(page)
    assert (lab.workspace / OPENED).read_bytes() != (lab.curriculum / OPENED).read_bytes(), \
        "JupyterLab did not rewrite the notebook it ran: the test proves nothing"

    open_notebook(page, lab, WRITTEN)
    solution = cell(page, "def make_grid(")
    set_source(page, solution, GRID)
    page.keyboard.press("Escape")
    page.keyboard.press("b")                     # a cell of my own below my answer
    page.keyboard.press("Enter")
    page.keyboard.insert_text("# my scratch: make_grid(2, 3)")
    save(page)
    page.goto("about:blank")

    reword(lab.curriculum, OPENED, "## Some facts to plan with", "## Facts to plan with")
    reword(lab.curriculum, WRITTEN, "## Arrays have a shape and a dtype",
           "## Every array has a shape and a dtype")
    result = sync(lab.curriculum, lab.workspace)
    kinds = {c.path: c.kind for c in result.changes}
    assert kinds == {OPENED: "updated", WRITTEN: "merged"}, result.summary()
    (ARTIFACTS / "06_update_summary.txt").write_text(result.summary())
    assert (lab.workspace / OPENED).read_bytes() == (lab.curriculum / OPENED).read_bytes()
    merged = json.loads((lab.workspace / WRITTEN).read_text())
    texts = ["".join(c["source"]) for c in merged["cells"]]
    (grid,) = [c for c in merged["cells"] if merge.grade_id(c) == "make_grid"]
    assert "".join(grid["source"]) == GRID
    k = texts.index(GRID)
    assert texts[k + 1] == "# my scratch: make_grid(2, 3)"
    assert any(t.startswith("## Every array has a shape") for t in texts)

    open_notebook(page, lab, WRITTEN)
    run(page, cell(page, "from autograder.checks.orientation import"))
    run(page, cell(page, "def make_grid("))
    check = cell(page, "check_make_grid(make_grid)")
    out = run(page, check)
    check.scroll_into_view_if_needed()
    shot(page, "07_merged_notebook_runs")
    assert re.search(r"✓ make_grid: \d+ checks passed", out), out
