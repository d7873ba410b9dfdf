"""An instructor grades stage 05 with nbgrader, and formgrader shows each rubric.

One temporary course, two students: alice submits the worked code answers with
written answers of her own, bob submits the learner copy untouched. nbgrader
autogrades both; then a real Jupyter server with the formgrader extension
serves each submission, and every hand-graded answer's rubric must be on the
page, above the answer it grades. Expected scores come from the notebooks'
own points.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from nbfiles import ROOT, SOLUTIONS

from autograder.authoring import write_notebook
from autograder.notebooks import graded_cells, nbgrader_meta, read_notebook
from autograder.release import generate
from autograder.rubrics import groups

STAGE = "05_alignment_reflections"
MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*\n", re.M)
STUDENTS = ("alice", "bob")


def _alice(release_nb, source_nb):
    solutions = {nbgrader_meta(c)["grade_id"]: c.source for c in source_nb.cells
                 if nbgrader_meta(c).get("solution")}
    for cell in release_nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in solutions:
            cell.source = (f"Alice's own answer for {gid}." if cell.cell_type == "markdown"
                           else MARKERS.sub("", solutions[gid]))
    return release_nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    root = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(SOLUTIONS / STAGE, root / "solutions" / STAGE)
    generate(root, [STAGE], quiet=True)
    for student in STUDENTS:
        dest = root / "submitted" / student / STAGE
        dest.mkdir(parents=True)
        for path in sorted((root / "curriculum" / STAGE).glob("*.ipynb")):
            nb = read_notebook(path)
            if student == "alice":
                nb = _alice(nb, read_notebook(SOLUTIONS / STAGE / path.name))
            write_notebook(nb, dest / path.name)
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    for student in STUDENTS:
        result = api.autograde(STAGE, student, force=True, create=True)
        assert result["success"], result.get("error") or result.get("log")
    return root


def _points(kind):
    found = {}
    for path in sorted((SOLUTIONS / STAGE).glob("*.ipynb")):
        found.update({(path.stem, c.grade_id): c.points
                      for c in graded_cells(read_notebook(path)) if c.kind == kind})
    return found


@pytest.mark.slow
def test_autograde_scores_the_automatic_parts(course):
    from nbgrader.api import Gradebook

    auto, manual = _points("tests"), _points("answer")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        def grades(student):
            sub = gb.find_submission(STAGE, student)
            return {(nb.name, g.name): g for nb in sub.notebooks for g in nb.grades}

        alice, bob = grades("alice"), grades("bob")
        assert {k: alice[k].score for k in auto} == auto, "the worked answers lost points"
        assert sum(bob[k].score for k in auto) == 0, "the untouched copy earned points"
        assert all(bob[k].score == 0 and not bob[k].needs_manual_grade for k in manual), (
            "an unanswered written question should score 0 without a grader")
        assert all(alice[k].needs_manual_grade for k in manual), (
            "a written answer should wait for a grader")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _normalised_text(page: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    return " ".join(re.sub(r"(?m)^\s*#\s?", "", text).split())


@pytest.mark.slow
def test_formgrader_shows_every_rubric_above_its_answer(course):
    port, token = _free_port(), "stage05-test"
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
         f"--port={port}", f"--ServerApp.token={token}", f"--ServerApp.root_dir={course}"],
        cwd=course, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def get(path: str) -> str:
        url = f"http://127.0.0.1:{port}{path}?token={token}"
        return urllib.request.urlopen(url, timeout=120).read().decode()

    try:
        for _ in range(120):
            try:
                get("/api")
                break
            except OSError:
                time.sleep(0.5)
        checked = 0
        for path in sorted((SOLUTIONS / STAGE).glob("*.ipynb")):
            answers = [a for _, group in groups(read_notebook(path)) for a in group]
            submissions = json.loads(get(f"/formgrader/api/submitted_notebooks/{STAGE}/"
                                         f"{path.stem}"))
            assert {s["student"] for s in submissions} == set(STUDENTS)
            for submission in submissions:
                page = get(f"/formgrader/submissions/{submission['id']}/")
                for answer in answers:
                    rubric = " ".join(answer.rubric.split())
                    where = f"{path.stem}, {submission['student']}, {answer.grade_id}"
                    assert rubric in _normalised_text(page), (
                        f"formgrader does not show the rubric ({where})")
                    above = page[:page.index(f'id="{answer.grade_id}"')]   # its score box
                    assert rubric in _normalised_text(above), f"rubric below answer ({where})"
                    checked += 1
        assert checked == 2 * len(_points("answer"))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
