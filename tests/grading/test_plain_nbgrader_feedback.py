"""nbgrader's own generate_feedback (formgrader's button), with this course's config, hides
hidden tests and the rubric copies while keeping the learner-facing check messages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nbfiles import ROOT

from autograder.release import generate

STAGE = "00_orientation"


@pytest.mark.slow
def test_plain_nbgrader_feedback_hides_hidden_tests_and_rubrics(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(ROOT / "solutions" / STAGE, tmp_path / "solutions" / STAGE)
    generate(tmp_path, [STAGE], quiet=True)
    submission = tmp_path / "submitted" / "bob" / STAGE
    submission.mkdir(parents=True)
    for nb in (tmp_path / "curriculum" / STAGE).glob("*.ipynb"):
        shutil.copy(nb, submission)
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    for command in ("autograde", "generate_feedback"):
        done = subprocess.run(["nbgrader", command, STAGE], cwd=tmp_path, env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
    pages = sorted((tmp_path / "feedback" / "bob" / STAGE).glob("*.html"))
    assert len(pages) == 3
    html = "".join(p.read_text() for p in pages)
    for secret in ("BEGIN HIDDEN TESTS", "hidden=True", "RUBRICS", "Rubric ("):
        assert secret not in html, f"{secret!r} reached a student's feedback"
    assert "you have not implemented" in html
