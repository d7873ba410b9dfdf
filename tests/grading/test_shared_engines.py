"""One gradebook engine per batch: the compiled-query cache is kept, and no lock outlives a
``with Gradebook(...)``."""

from __future__ import annotations

import sqlite3

import nbgrader.api as api
from nbgrader.api import Gradebook

from autograder.grading.gradebook import shared_engines


def test_gradebooks_share_one_engine_inside_the_block_only(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    original = api.create_engine
    with shared_engines():
        with Gradebook(url) as first:
            first.update_or_create_student("alice")
            engine = first.engine
        with Gradebook(url) as second:
            assert second.engine is engine
            assert [s.id for s in second.students] == ["alice"]
        # closed gradebooks hold no connection, so another program can write at once
        other = sqlite3.connect(tmp_path / "gradebook.db", timeout=0)
        other.execute("UPDATE student SET first_name = 'Alice'")
        other.commit()
        other.close()
    assert api.create_engine is original
    with Gradebook(url) as third:
        assert third.engine is not engine
        assert third.find_student("alice").first_name == "Alice"
