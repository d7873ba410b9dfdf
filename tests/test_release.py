"""curriculum/ is exactly what nbgrader generates from solutions/ (never hand-edited)."""

from __future__ import annotations

import json
import shutil

import pytest
from nbfiles import CURRICULUM, ROOT, SOLUTIONS

from autograder.release import ReleaseError, generate, stages_in

STAGES = stages_in(ROOT)


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.slow
@pytest.mark.parametrize("stage", STAGES)
def test_curriculum_is_what_nbgrader_generates(stage, tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(SOLUTIONS / stage, tmp_path / "solutions" / stage)
    generate(tmp_path, [stage], quiet=True)
    made = sorted(p.relative_to(tmp_path / "curriculum") for p in
                  (tmp_path / "curriculum" / stage).rglob("*") if p.is_file())
    committed = sorted(p.relative_to(CURRICULUM) for p in (CURRICULUM / stage).rglob("*")
                       if p.is_file() and ".ipynb_checkpoints" not in p.parts)
    assert made == committed, "curriculum/ has different files; run `python3 manage.py release`"
    for name in made:
        fresh, ours = tmp_path / "curriculum" / name, CURRICULUM / name
        if name.suffix == ".ipynb":
            assert _load(fresh) == _load(ours), (
                f"curriculum/{name} differs from what nbgrader makes from solutions/; "
                "run `python3 manage.py release` and commit the result")
        else:
            assert fresh.read_bytes() == ours.read_bytes(), f"curriculum/{name} differs"


def test_an_explicit_root_that_is_not_a_course_is_an_error(tmp_path):
    from autograder.release import find_course_root

    with pytest.raises(FileNotFoundError, match="no course here"):
        find_course_root(tmp_path)
    assert find_course_root(ROOT / "solutions") == ROOT


def test_release_of_an_unknown_stage_is_a_clear_error(tmp_path):
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    (tmp_path / "solutions").mkdir()
    with pytest.raises(ReleaseError, match="no such stage"):
        generate(tmp_path, ["99_nothing"], quiet=True)
