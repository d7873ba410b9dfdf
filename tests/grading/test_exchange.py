"""nbgrader's exchange, end to end with its own CLI: release, fetch, submit, collect,
`autograder grade`, a manual grade, release_feedback, fetch_feedback."""

from __future__ import annotations

import getpass
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from helpers import HAS_BWRAP, grade

from autograder.grading import synthetic

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap is not installed")]

COURSE = "alignment-curriculum"


def nbgrader(cwd: Path, exchange: Path, *args: str) -> str:
    """Run nbgrader's CLI in `cwd` (the course folder, or a student's home)."""
    env = {**os.environ,
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--course", COURSE,
                           f"--Exchange.root={exchange}"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stderr}"
    return done.stderr


def test_the_exchange_route_from_release_to_fetched_feedback(tmp_path):
    root = synthetic.make_course(tmp_path / "course")
    exchange, home = tmp_path / "exchange", tmp_path / "student"
    exchange.mkdir()
    exchange.chmod(0o777)
    home.mkdir()
    student = getpass.getuser()      # the exchange knows students by their login

    nbgrader(root, exchange, "release_assignment", "tiny")
    nbgrader(home, exchange, "fetch_assignment", "tiny")
    handout = home / "tiny" / f"{synthetic.TINY_NOTEBOOK}.ipynb"
    wrong = {**synthetic.CORRECT, "row_means": synthetic.WRONG_ROW_MEANS}
    nbformat.write(synthetic.fill(nbformat.read(handout, as_version=4), wrong), handout)
    nbgrader(home, exchange, "submit", "tiny")
    nbgrader(root, exchange, "collect", "tiny")

    assert grade(root, workers=1) == 0
    feedback = root / "feedback" / student / "tiny"
    assert {"timestamp.txt", "submission_secret.txt"} <= {p.name for p in feedback.iterdir()}

    from nbgrader.api import Gradebook  # formgrader's save of a written answer's score

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", COURSE) as gb:
        written = gb.find_grade("why_axis", synthetic.TINY_NOTEBOOK, "tiny", student)
        written.manual_score, written.needs_manual_grade = 1, False
        gb.db.commit()
    assert grade(root, "--feedback-only", workers=1) == 0

    nbgrader(root, exchange, "release_feedback", "tiny")
    nbgrader(home, exchange, "fetch_feedback", "tiny")
    pages = list((home / "tiny" / "feedback").glob(f"*/{synthetic.TINY_NOTEBOOK}.html"))
    assert len(pages) == 1, pages
    page = pages[0].read_text(encoding="utf-8")
    # make_grid 1 + row_means 0 (wrong axis) + the written answer's manual 1
    assert re.search(r"Score: 2\.0 / 4\.0", page), re.findall(r"Score: [^<)]*", page)[:3]
    assert "BEGIN HIDDEN TESTS" not in page and "huge values" not in page
