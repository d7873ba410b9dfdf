"""A PostgreSQL gradebook through nbgrader's db_url (opt-in: needs a server).

Set AUTOGRADER_TEST_POSTGRES_URL to an empty database, e.g.
postgresql://postgres@127.0.0.1:5432/course, to run it. CI does not start a
PostgreSQL server (it would cost a minute of installing for one test); the
SQLite tests cover the same code path through SQLAlchemy.
"""

from __future__ import annotations

import os

import pytest
from helpers import HAS_BWRAP, cohort, grade

from autograder.grading import synthetic
from autograder.grading.course import Course

URL = os.environ.get("AUTOGRADER_TEST_POSTGRES_URL")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not URL, reason="set AUTOGRADER_TEST_POSTGRES_URL to run"),
              pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap is not installed")]


def test_a_postgresql_gradebook(tmp_path):
    from nbgrader.api import Gradebook

    root = synthetic.make_course(tmp_path / "course")    # the released copy
    (root / "gradebook.db").unlink()            # ... and nothing in SQLite
    Course.open(root, URL).ensure_assignment(synthetic.TINY_STAGE, say=lambda *_: None)
    expected = cohort(root, 4, prefix=f"pg{os.getpid()}_")
    assert grade(root, "--db-url", URL) == 0
    with Gradebook(URL) as gb:
        got = {s.student.id: s.score for s in gb.assignment_submissions(synthetic.TINY_STAGE)}
    assert {s: got[s] for s in expected} == expected
    assert not (root / "gradebook.db").exists()
    assert (root / "reports" / synthetic.TINY_STAGE / "grades.csv").read_text().count(
        "pg") >= 4
