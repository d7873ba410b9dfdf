"""A course on a real JupyterHub, in a browser: hub/jupyterhub_config.py on loopback.

JupyterHub (from PyPI, the dev extra) with configurable-http-proxy (from npm), the
DummyAuthenticator and SimpleLocalProcessSpawner (no system users: every hub user is
a process of this user with its own home under the test's folder). One test, in the
order a course goes:

- the instructor releases stage 00 to the shared exchange (nbgrader's command, as in
  a terminal on the hub);
- a student logs in, sees the Assignment List and no formgrader, fetches stage 00,
  runs a check (its record lands in the student's own home), writes a written answer
  and submits;
- the instructor collects and grades with one command (`autograder grade`, bubblewrap),
  grades the written answer in formgrader next to its rubric, rewrites the feedback
  and releases it;
- the student fetches the feedback in the Assignment List and opens it.

Screenshots go to test-artifacts/browser/hub/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import labpage
import pytest
from labpage import cell, free_port, run, save, set_source, wait_until_up

# The longest test of the suite: tests/suite_order.py runs it first on one worker.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "hub"
ARTIFACTS = ROOT / "test-artifacts" / "browser" / "hub"
BIN = Path(sys.executable).parent
STAGE = "00_orientation"
COURSE_ID = "alignment-curriculum"
STUDENT, INSTRUCTOR = "ada", "grace"
PROXY = shutil.which("configurable-http-proxy")
PROXY_INSTALL = ("configurable-http-proxy is not installed: the JupyterHub browser test is "
                 "skipped (apt-get install nodejs npm && npm install -g "
                 "configurable-http-proxy, or run .ci/run)")
RIGHT = ("def weeks_needed(total_hours, hours_per_week):\n"
         "    return math.ceil(total_hours / hours_per_week)\n")
ANSWER = "About 150 hours at 8 hours a week: roughly 19 weeks, so I plan for 5 months."


def _requirements() -> None:
    if PROXY is None:
        if os.environ.get("CI"):
            pytest.fail(PROXY_INSTALL)
        pytest.skip(PROXY_INSTALL)
    pytest.importorskip("jupyterhub", reason="jupyterhub is not installed (the dev extra)")
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (grading on the hub sandboxes student code)")


class Hub:
    def __init__(self, url: str, tmp: Path, course: Path, exchange: Path, env: dict[str, str]):
        self.url, self.tmp, self.course, self.exchange = url, tmp, course, exchange
        self.env = env   # the instructor's terminal: the hub's role config for instructors

    def home(self, user: str) -> Path:
        return self.tmp / "homes" / user

    def instructor(self, *argv: str, timeout: float = 300) -> str:
        """A command the instructor types in a terminal on the hub, in the course folder."""
        done = subprocess.run(list(argv), cwd=self.course, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr


def _hub_config(tmp: Path, ports: dict[str, int]) -> Path:
    """The test's hub: the course config (hub/jupyterhub_config.py) plus a dummy login,
    a spawner that needs no system users, loopback addresses and files under `tmp`."""
    singleuser = [str(BIN / "jupyterhub-singleuser")]
    if os.geteuid() == 0:
        singleuser.append("--allow-root")    # CI runs as root; Jupyter refuses without it
    lines = [
        "c = get_config()  # noqa",
        f"load_subconfig({str(HUB / 'jupyterhub_config.py')!r})  # noqa",
        "c.JupyterHub.authenticator_class = 'dummy'",
        "c.Authenticator.allow_all = True",
        "c.JupyterHub.spawner_class = 'simple'",
        f"c.SimpleLocalProcessSpawner.home_dir_template = {str(tmp / 'homes') + '/{username}'!r}",
        f"c.Spawner.cmd = {singleuser!r}",
        "c.Spawner.ip = '127.0.0.1'",
        "c.Spawner.start_timeout = 120",
        "c.Spawner.http_timeout = 120",
        f"c.JupyterHub.bind_url = 'http://127.0.0.1:{ports['public']}'",
        f"c.JupyterHub.hub_bind_url = 'http://127.0.0.1:{ports['hub']}'",
        f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{ports['api']}'",
        f"c.ConfigurableHTTPProxy.command = [{PROXY!r}]",
        f"c.JupyterHub.db_url = 'sqlite:///{tmp / 'jupyterhub.sqlite'}'",
        f"c.JupyterHub.cookie_secret_file = {str(tmp / 'cookie_secret')!r}",
        f"c.ConfigurableHTTPProxy.pid_file = {str(tmp / 'proxy.pid')!r}",
    ]
    path = tmp / "jupyterhub_config.py"
    path.write_text("\n".join(lines) + "\n")
    return path


def _user_settings(home: Path) -> None:
    """Render every cell (no windowing), so locators see the whole notebook."""
    path = (home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab" / "notebook-extension"
            / "tracker.jupyterlab-settings")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"windowingMode": "none"}')


def _stop(proc: subprocess.Popen) -> None:
    """Stop the hub; it stops the proxy and the users' servers (cleanup_servers)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
    try:                     # anything of its process group still running (users' servers)
        os.killpg(proc.pid, 9)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    _requirements()
    from autograder.grading import synthetic

    tmp = tmp_path_factory.mktemp("hub")
    course = synthetic.make_course(tmp / "homes" / INSTRUCTOR / "course", stages={},
                                   copy_stages=[STAGE])
    exchange = tmp / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)          # as nbgrader's docs say for /srv/nbgrader/exchange
    for user in (STUDENT, INSTRUCTOR):
        _user_settings(tmp / "homes" / user)
    course_env = {"COURSE_HUB_INSTRUCTORS": INSTRUCTOR, "COURSE_HUB_COURSE_ID": COURSE_ID,
                  "COURSE_HUB_EXCHANGE": str(exchange), "COURSE_HUB_COURSE_ROOT": str(course)}
    path = os.pathsep.join([str(BIN), os.environ.get("PATH", "")])
    hub_env = {**os.environ, **course_env, "PATH": path}
    hub_env.pop("JUPYTER_CONFIG_PATH", None)
    ports = {name: free_port() for name in ("public", "hub", "api")}
    config = _hub_config(tmp, ports)
    log = tmp / "jupyterhub.log"
    with log.open("w") as out:
        proc = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)], cwd=tmp,
                                env=hub_env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        url = f"http://127.0.0.1:{ports['public']}"
        wait_until_up(f"{url}/hub/api", proc, log, "JupyterHub")
        instructor_env = {**hub_env, **course_env, "USER": INSTRUCTOR,
                          "JUPYTER_CONFIG_PATH": str(HUB / "jupyter-instructor")}
        yield Hub(url, tmp, course, exchange, instructor_env)
    finally:
        _stop(proc)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, ARTIFACTS / "jupyterhub.log")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def login(context, hub: Hub, user: str):
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(f"{hub.url}/hub/login")
    page.locator("#username_input").fill(user)
    page.locator("#password_input").fill("any")
    page.locator("#login_submit").click()
    page.wait_for_url(re.compile(rf"/user/{user}/lab"), timeout=120_000)
    page.locator("#jp-main-dock-panel").wait_for()
    return page


def open_notebook(page, hub: Hub, user: str, rel: str) -> None:
    labpage.open_notebook(page, f"{hub.url}/user/{user}/lab/tree/{rel}?reset")


def nbgrader_menu(page):
    """The Nbgrader entry of JupyterLab's menu bar."""
    item = page.locator(".lm-MenuBar-item", has_text="Nbgrader")
    item.wait_for()
    return item


def assignment_list(page):
    """Open the Assignment List (Nbgrader menu); return its panel."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):      # a click while the menu bar is still active closes it
        nbgrader_menu(page).click()
        try:
            page.get_by_role("menuitem", name="Assignment List").click(timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    panel = page.locator("#nbgrader-assignment-list")
    panel.wait_for()
    return panel


def test_a_course_on_jupyterhub_from_release_to_feedback(hub, browser_context):
    hub.instructor(str(BIN / "nbgrader"), "release_assignment", STAGE)

    # -- the student: Assignment List, no instructor tools; fetch, a check, submit --
    page = login(browser_context, hub, STUDENT)
    nbgrader_menu(page).click()
    items = page.locator(".lm-Menu-content").inner_text()
    page.keyboard.press("Escape")
    assert "Assignment List" in items and "Formgrader" not in items, items
    hidden = page.request.get(f"{hub.url}/user/{STUDENT}/formgrader")
    assert hidden.status == 404, "formgrader's server extension answers a student"
    panel = assignment_list(page)
    released = panel.locator("#released_assignments_list")
    released.get_by_text(STAGE).wait_for()
    shot(page, "01_student_assignment_list")
    released.get_by_role("button", name="Fetch").click()
    fetched = hub.home(STUDENT) / STAGE / "01_how_this_works.ipynb"
    deadline = time.monotonic() + 60
    while not fetched.exists() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert fetched.exists(), "fetching did not put stage 00 in the student's home"

    # The check runs in the student's kernel; its record goes to the student's own home.
    open_notebook(page, hub, STUDENT, f"{STAGE}/01_how_this_works.ipynb")
    run(page, cell(page, "from autograder.checks.orientation import"))
    solution = cell(page, "def weeks_needed(")
    set_source(page, solution, RIGHT)
    run(page, solution)
    check = cell(page, "check_weeks_needed(weeks_needed)")
    out = run(page, check)
    check.scroll_into_view_if_needed()
    shot(page, "02_student_check")
    assert re.search(r"✓ weeks_needed: \d+ checks passed", out), out
    save(page)
    from autograder.progress import store

    mine = store.read(store.store_path(hub.home(STUDENT)))
    assert [(r["check"], r["passed"], r["notebook"]) for r in mine] == [
        ("weeks_needed", True, f"{STAGE}/01_how_this_works.ipynb")], mine

    # A written answer, then Submit in the Assignment List.
    open_notebook(page, hub, STUDENT, f"{STAGE}/03_first_learning_plan.ipynb")
    answer = page.locator(".jp-NotebookPanel:visible .jp-MarkdownCell").filter(
        has_text="YOUR ANSWER HERE").first
    answer.locator(".jp-RenderedMarkdown").dblclick()
    set_source(page, answer, ANSWER)
    page.keyboard.press("Shift+Enter")
    save(page)
    panel = assignment_list(page)
    panel.get_by_role("button", name="Submit").first.click()
    inbound = hub.exchange / COURSE_ID / "inbound"
    deadline = time.monotonic() + 60
    while not list(inbound.glob(f"{STUDENT}+{STAGE}+*")) and time.monotonic() < deadline:
        time.sleep(0.3)
    shot(page, "03_student_submitted")
    assert list(inbound.glob(f"{STUDENT}+{STAGE}+*")), "the submission did not reach the exchange"

    # -- the instructor: collect, grade with one command, grade the answer in formgrader --
    hub.instructor(str(BIN / "nbgrader"), "collect", STAGE)
    graded = hub.instructor(str(BIN / "autograder"), "grade", STAGE, "--sandbox", "require",
                            "--workers", "1", timeout=600)
    assert "bubblewrap" in graded, graded
    (hub.tmp / "grade.txt").write_text(graded)
    page.goto(f"{hub.url}/hub/logout")
    page.close()
    page = login(browser_context, hub, INSTRUCTOR)
    nbgrader_menu(page).click()
    items = page.locator(".lm-Menu-content").inner_text()
    page.keyboard.press("Escape")
    assert "Formgrader" in items and "Assignment List" not in items, items
    page.goto(f"{hub.url}/user/{INSTRUCTOR}/formgrader/gradebook/{STAGE}/03_first_learning_plan")
    page.get_by_role("link", name="Submission #1").click()
    score = page.locator("input.score#hours_answer")
    score.wait_for()
    rubric = page.get_by_text("RUBRICS for the written answers below").first
    rubric.scroll_into_view_if_needed()
    score.fill("2")
    score.press("Tab")                        # formgrader saves on change
    page.wait_for_timeout(1_500)
    rubric.evaluate("el => el.scrollIntoView({block: 'start'})")
    shot(page, "04_formgrader_rubric")
    score.evaluate("el => el.scrollIntoView({block: 'center'})")
    shot(page, "05_formgrader_scored_answer")
    assert page.get_by_text(ANSWER).count() >= 1, "formgrader does not show the answer"
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{hub.course / 'gradebook.db'}", COURSE_ID) as gb:
        saved = gb.find_grade("hours_answer", "03_first_learning_plan", STAGE, STUDENT)
        assert saved.manual_score == 2, saved.manual_score
    hub.instructor(str(BIN / "autograder"), "grade", STAGE, "--feedback-only")
    hub.instructor(str(BIN / "nbgrader"), "release_feedback", STAGE)

    # -- the student fetches the feedback and reads the written answer's score --
    page.goto(f"{hub.url}/hub/logout")
    page.close()
    page = login(browser_context, hub, STUDENT)
    panel = assignment_list(page)
    panel.get_by_role("button", name="Fetch Feedback").first.click()
    feedback = hub.home(STUDENT) / STAGE / "feedback"
    deadline = time.monotonic() + 60
    while not list(feedback.glob("*/03_first_learning_plan.html")) \
            and time.monotonic() < deadline:
        time.sleep(0.3)
    (html,) = feedback.glob("*/03_first_learning_plan.html")
    text = html.read_text(encoding="utf-8")
    assert re.search(r"Score: 2\.0 / 10\.0", text), re.findall(r"Score: [^<)]*", text)[:3]
    assert "BEGIN HIDDEN TESTS" not in text and "RUBRICS" not in text
    shot(page, "06_student_feedback_fetched")
    rel = html.relative_to(hub.home(STUDENT)).as_posix()
    page.goto(f"{hub.url}/user/{STUDENT}/files/{rel}")
    page.get_by_text(ANSWER).first.scroll_into_view_if_needed()
    shot(page, "07_student_feedback_page")
