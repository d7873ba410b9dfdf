"""Whole cohorts end to end: a real stage from a zip, a large generated cohort, and Dask."""

from __future__ import annotations

import importlib.util
import re
import shutil
import time
import zipfile

import nbformat
import pytest
from helpers import HAS_BWRAP, cohort, grade, journal, scores
from nbfiles import SOLUTIONS

from autograder.grading import synthetic
from autograder.notebooks import graded_cells, nbgrader_meta, read_notebook

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap is not installed")]

STAGE = "00_orientation"
MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*\n", re.M)


def _worked(release_nb, source_nb, overrides=None):
    """A learner copy with the source's solutions filled in (markers removed)."""
    solutions = {nbgrader_meta(c)["grade_id"]: c.source for c in source_nb.cells
                 if nbgrader_meta(c).get("solution")}
    answers = {gid: MARKERS.sub("", src) for gid, src in solutions.items()}
    answers.update(overrides or {})
    return synthetic.fill(release_nb, answers)


def test_a_real_stage_from_an_lms_zip_in_one_command(tmp_path):
    """The README's path: a zip of submissions in, grades CSV, feedback and a report out."""
    root = synthetic.make_course(tmp_path / "course", stages={}, copy_stages=[STAGE])
    release = root / "curriculum" / STAGE
    wrong = {"row_means": "def row_means(a):\n    return a.mean(axis=0)\n"}
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for student, overrides in (("alice", {}), ("bob", None), ("carol", wrong)):
            for path in sorted(release.glob("*.ipynb")):
                nb = read_notebook(path)
                if overrides is not None:
                    nb = _worked(nb, read_notebook(SOLUTIONS / STAGE / path.name), overrides)
                zf.writestr(f"{student}/{path.name}", nbformat.writes(nb))
    assert grade(root, "--timeout", "600", "--cell-timeout", "120", assignment=STAGE,
                 source=archive) == 0
    points = {}
    for path in sorted((SOLUTIONS / STAGE).glob("*.ipynb")):
        points.update({c.grade_id: c.points for c in graded_cells(read_notebook(path))
                       if c.kind == "tests"})
    total = sum(points.values())
    got = scores(root, STAGE)
    assert got["alice"]["score"] == total
    assert got["bob"]["score"] == 0
    assert got["carol"]["score"] == total - points["row_means_test"]
    assert got["carol"]["cells"]["row_means_test"][0] == 0
    reports = root / "reports" / STAGE
    assert (reports / "grades.csv").read_text().count("\n") == 4
    assert "mean over the wrong axis" in (reports / "report.html").read_text()
    for student in ("alice", "bob", "carol"):
        for path in release.glob("*.ipynb"):
            page = (root / "feedback" / student / STAGE / f"{path.stem}.html").read_text()
            assert "BEGIN HIDDEN TESTS" not in page
    assert not [e for e in journal(root, STAGE) if e["flags"]], "honest work was flagged"
    shutil.rmtree(root / "feedback")


#: A large cohort in the suite; the benchmark grades any size (`benchmarks/grading.py
#: --students 500`: 500 took 866 s of the suite's 30 minutes). 100 exercise the same paths
#: as 150 or 500 (nothing in the grader depends on the cohort's size: each student is one
#: job of the same two workers), 34 correct, 33 with a known mistake and 33 blank.
LARGE = 100


# Issue 14: in about half the runs on a loaded 2-core machine one correct student of 500 lost
# the 2-point row_means cell (s381, s477: 1.0, not 3.0), with nothing recorded. A judged cell
# whose wall time ran out scored 0 even when the sandbox had been asleep, its answer waiting
# for a grader with no CPU (tests/grading/test_late_reply.py injects that fault). Such a cell
# is now held for a manual grade with an event and a flag; this test accepts exactly that and
# nothing else (6 runs of 60 correct students at load 20-27 lost no point).
def test_a_large_cohort(tmp_path, record_property):
    root = synthetic.make_course(tmp_path / "course")
    expected = cohort(root, LARGE)
    start = time.perf_counter()
    assert grade(root, workers=2) == 0
    seconds = time.perf_counter() - start
    record_property(f"seconds_for_{LARGE}", round(seconds, 1))
    print(f"\n{LARGE} students graded, with feedback and report, in {seconds:.0f} s")
    got = scores(root)
    entries = {e["student"]: e for e in journal(root)}
    for student, score in expected.items():
        held = {gid for gid, (_, manual) in got[student]["cells"].items()
                if manual and gid in synthetic.TINY_POINTS}
        # same work, same grade: the expected score, short at most by the points of cells
        # held for a person (never a silent 0), each with its event
        low = got[student]["score"]
        assert low == score or held and low <= score <= low + sum(
            synthetic.TINY_POINTS[g] for g in held), (student, got[student])
        for gid in held:
            assert any(gid in e and "manual grade" in e for e in entries[student]["events"])
    assert len(journal(root)) == LARGE
    assert len(list((root / "feedback").glob("*/tiny/01_tiny.html"))) == LARGE
    assert f"{LARGE} students graded" in (root / "reports" / "tiny" / "report.html").read_text()


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                    reason="the grading extras (dask, distributed) are not installed")
def test_a_dask_cluster_runs_the_same_jobs(tmp_path):
    root = synthetic.make_course(tmp_path / "course")
    expected = cohort(root, 6)
    assert grade(root, "--dask", "local", workers=2) == 0
    got = scores(root)
    assert {s: got[s]["score"] for s in expected} == expected
    assert all(e["sandbox"] == ["bubblewrap"] for e in journal(root))
