"""nbgrader itself grades stage 00 the way we expect, on a temporary course.

Four students: alice submits the worked solutions, bob submits the learner copy
untouched, carol gets one exercise wrong, and mallory gets it wrong *and*
monkeypatches NumPy so that np.allclose always says yes. The expected scores
are computed from the notebooks' own points, not typed in.
"""

from __future__ import annotations

import re
import shutil

import pytest
from nbfiles import ROOT, SOLUTIONS

from autograder.authoring import write_notebook
from autograder.notebooks import graded_cells, nbgrader_meta, read_notebook
from autograder.release import generate

STAGE = "00_orientation"
MARKERS = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*\n", re.M)


def _fill(release_nb, source_nb, overrides=None):
    """A learner copy with each solution cell replaced by the source's solution."""
    solutions = {nbgrader_meta(c)["grade_id"]: c.source for c in source_nb.cells
                 if nbgrader_meta(c).get("solution")}
    for cell in release_nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in solutions:
            cell.source = MARKERS.sub("", solutions[gid])
        if overrides and gid in overrides:
            cell.source = overrides[gid]
    return release_nb


def _auto_points(nb):
    return {c.grade_id: c.points for c in graded_cells(nb) if c.kind == "tests"}


WRONG_ROW_MEANS = "def row_means(a):\n    return a.mean(axis=0)\n"
HOSTILE_ROW_MEANS = ("import numpy as np\n"
                     "np.allclose = lambda *a, **k: True\n"
                     "np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)\n"
                     "def row_means(a):\n    return a.mean(axis=0)\n")


@pytest.mark.slow
def test_nbgrader_autograde_round_trip(tmp_path):
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    shutil.copy(ROOT / "nbgrader_config.py", tmp_path)
    shutil.copytree(SOLUTIONS / STAGE, tmp_path / "solutions" / STAGE)
    generate(tmp_path, [STAGE], quiet=True)
    release = tmp_path / "curriculum" / STAGE
    students = {
        "alice": {},
        "bob": None,
        "carol": {"row_means": WRONG_ROW_MEANS},
        "mallory": {"row_means": HOSTILE_ROW_MEANS},
    }
    for student, overrides in students.items():
        dest = tmp_path / "submitted" / student / STAGE
        dest.mkdir(parents=True)
        for nb_path in sorted(release.glob("*.ipynb")):
            nb = read_notebook(nb_path)
            if overrides is not None:
                nb = _fill(nb, read_notebook(SOLUTIONS / STAGE / nb_path.name), overrides)
            write_notebook(nb, dest / nb_path.name)

    config = PyFileConfigLoader("nbgrader_config.py", path=str(tmp_path)).load_config()
    config.CourseDirectory.root = str(tmp_path)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    for student in students:
        result = api.autograde(STAGE, student, force=True, create=True)
        assert result["success"], result.get("error") or result.get("log")

    points = {}
    for nb_path in sorted((SOLUTIONS / STAGE).glob("*.ipynb")):
        points.update(_auto_points(read_notebook(nb_path)))
    total = sum(points.values())
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        def scores(student):
            sub = gb.find_submission(STAGE, student)
            return {g.name: g.score for nb in sub.notebooks for g in nb.grades
                    if g.name in points}
        alice, bob, carol, mallory = (scores(s) for s in students)
        assert sum(alice.values()) == total, f"the worked solutions lost points: {alice}"
        assert sum(bob.values()) == 0, f"the untouched learner copy earned points: {bob}"
        assert carol["row_means_test"] == 0
        assert sum(carol.values()) == total - points["row_means_test"]
        assert mallory["row_means_test"] == 0, (
            "monkeypatching NumPy turned a wrong answer into a pass")
        assert sum(mallory.values()) < total
        # Written answers: the untouched stub scores 0 without a human; real answers wait for one.
        manual = [g for g in gb.find_submission(STAGE, "bob").notebooks[2].grades
                  if g.name not in points]
        assert manual and all(g.score == 0 for g in manual)
        manual = [g for g in gb.find_submission(STAGE, "alice").notebooks[2].grades
                  if g.name not in points]
        assert manual and all(g.needs_manual_grade for g in manual)
