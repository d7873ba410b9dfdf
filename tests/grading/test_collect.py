"""Inputs: LMS downloads and folders become nbgrader's submitted/ tree (no kernels run)."""

from __future__ import annotations

import zipfile

import pytest

from autograder.grading import synthetic
from autograder.grading.collect import (
    CollectError,
    clean_student_id,
    find_submissions,
    gather,
    identify,
)
from autograder.grading.course import Course

NB = ["01_tiny"]


@pytest.mark.parametrize("path, expected", [
    ("alice/01_tiny.ipynb", ("alice", "01_tiny.ipynb")),
    ("download/alice/tiny/01_tiny.ipynb", ("alice", "01_tiny.ipynb")),
    ("alice_01_tiny.ipynb", ("alice", "01_tiny.ipynb")),
    ("01_tiny_alice.ipynb", ("alice", "01_tiny.ipynb")),
    ("alice.ipynb", ("alice", "01_tiny.ipynb")),
    ("submissions/doejane_12345_67890_01_tiny.ipynb", ("doejane", "01_tiny.ipynb")),
    ("submissions/doejane_late_12345_67890_01_tiny-1.ipynb", ("doejane", "01_tiny.ipynb")),
    ("Jane Doe_1234_assignsubmission_file_/01_tiny.ipynb", ("jane_doe", "01_tiny.ipynb")),
])
def test_students_are_recognised_from_common_layouts(path, expected):
    assert identify(path, NB, "tiny") == expected


def test_unrecognised_names_are_skipped_not_guessed():
    assert identify("01_tiny.ipynb", NB, "tiny") is None          # whose is it?
    assert identify("notes.txt", NB, "tiny") is None
    two = ["01_a", "02_b"]
    assert identify("alice/notes.ipynb", two, "x") is None


def test_student_ids_are_safe_folder_names():
    assert clean_student_id("Jane Doe") == "jane_doe"
    assert clean_student_id("../../etc") == "etc"
    assert clean_student_id("alice") == "alice"


@pytest.fixture()
def course(tmp_path):
    return synthetic.make_course(tmp_path / "course")


def test_an_lms_zip_is_collected_with_nbgrader_zip_collect(course, tmp_path):
    staging = tmp_path / "staging"
    synthetic.make_submission(course, "x", synthetic.CORRECT, folder=staging / "a")
    synthetic.make_submission(course, "x", None, folder=staging / "b")
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(staging / "a" / "01_tiny.ipynb", "doejane_123_456_01_tiny.ipynb")
        zf.write(staging / "b" / "01_tiny.ipynb", "smithjo_124_457_01_tiny-1.ipynb")
        zf.writestr("readme.txt", "not a submission")
    c = Course.open(course)
    gather(c, "tiny", archive, NB, say=lambda *_: None)
    found = {s.student: s for s in find_submissions(c, "tiny")}
    assert set(found) == {"doejane", "smithjo"}
    assert list(found["doejane"].files) == ["01_tiny.ipynb"]
    assert found["doejane"].digest != found["smithjo"].digest


def test_a_submitted_style_folder_is_copied_whole(course, tmp_path):
    src = tmp_path / "elsewhere"
    synthetic.make_submission(course, "bob", None, folder=src / "bob" / "tiny")
    (src / "bob" / "tiny" / "data.csv").write_text("1,2\n")
    c = Course.open(course)
    gather(c, "tiny", src, NB, say=lambda *_: None)
    [sub] = find_submissions(c, "tiny")
    assert sub.student == "bob" and set(sub.files) == {"01_tiny.ipynb", "data.csv"}


def test_bad_input_gets_a_clear_error(course, tmp_path):
    c = Course.open(course)
    with pytest.raises(CollectError, match="does not exist"):
        gather(c, "tiny", tmp_path / "nope.zip", NB)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"this is not a zip file")
    with pytest.raises(CollectError):
        gather(c, "tiny", broken, NB, say=lambda *_: None)
    other = tmp_path / "grades.xlsx"
    other.write_text("x")
    with pytest.raises(CollectError, match="neither a folder nor a .zip"):
        gather(c, "tiny", other, NB)
