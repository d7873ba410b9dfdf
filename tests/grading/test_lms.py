"""LMS-ready grades: the ids Canvas and Moodle put in their downloads are kept when the zip
is collected, and the grades come out in each LMS's import layout."""

from __future__ import annotations

import csv
import zipfile

import nbformat
import pytest

from autograder.grading import synthetic
from autograder.grading.lms import lms_id, write_lms_grades


@pytest.mark.parametrize(("path", "expected"), [
    ("doejane_12345_67890_01_tiny-1.ipynb", {"system": "canvas", "id": "12345"}),
    ("smithbob_late_222_333_01_tiny.ipynb", {"system": "canvas", "id": "222"}),
    ("Jane Doe_123_assignsubmission_file_/01_tiny.ipynb", {"system": "moodle", "id": "123"}),
    ("alice/01_tiny.ipynb", None),
    ("alice_01_tiny.ipynb", None),
    ("01_tiny_alice.ipynb", None),
])
def test_the_lms_id_is_read_from_the_download_names(path, expected):
    assert lms_id(path) == expected


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_collected_ids_give_canvas_and_moodle_import_files(tmp_path):
    from autograder.grading.collect import CollectRecord, gather
    from autograder.grading.course import Course

    root = synthetic.make_course(tmp_path / "course")
    release = nbformat.read(root / "curriculum" / "tiny" / "01_tiny.ipynb", as_version=4)
    text = nbformat.writes(synthetic.fill(release, synthetic.CORRECT))
    canvas = tmp_path / "canvas.zip"
    with zipfile.ZipFile(canvas, "w") as zf:
        zf.writestr("doejane_12345_67890_01_tiny-1.ipynb", text)
        zf.writestr("smithbob_late_222_333_01_tiny.ipynb", text)
    course = Course.open(root)
    gather(course, "tiny", canvas, ["01_tiny"], say=lambda m: None)
    moodle = tmp_path / "moodle.zip"
    with zipfile.ZipFile(moodle, "w") as zf:
        zf.writestr("Zoë Li_77_assignsubmission_file_/01_tiny.ipynb", text)
    gather(course, "tiny", moodle, ["01_tiny"], say=lambda m: None)
    record = CollectRecord(course, "tiny")
    ids = {student: found["id"] for student, found in record.lms.items()}
    assert sorted(ids.values()) == ["12345", "222", "77"], record.lms

    by_id = {v: k for k, v in ids.items()}
    entries = [{"student": by_id["12345"], "score": 3.0, "graded_at": "2026-12-07T09:00:00"},
               {"student": by_id["222"], "score": 1.5, "graded_at": "2026-12-07T09:00:01"},
               {"student": by_id["77"], "score": 4.0, "graded_at": "2026-12-07T09:00:02+00:00"},
               {"student": "walkin", "score": 2.0, "graded_at": ""}]     # no LMS id: left out
    written = write_lms_grades(tmp_path, "tiny", entries, record.lms, record.names)
    assert sorted(p.name for p in written) == ["canvas_grades.csv", "moodle_grades.csv"]
    rows = _rows(tmp_path / "canvas_grades.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "tiny"]
    assert sorted((r[1], r[5]) for r in rows[1:]) == [("12345", "3"), ("222", "1.5")]
    rows = _rows(tmp_path / "moodle_grades.csv")
    assert rows == [["Identifier", "Full name", "Grade", "Last modified (grade)"],
                    ["Participant 77", "Zoë Li", "4", "2026-12-07 09:00:02"]]


def test_without_lms_ids_no_lms_file_is_written(tmp_path):
    assert write_lms_grades(tmp_path, "tiny", [{"student": "ann", "score": 1}], {}, {}) == []
