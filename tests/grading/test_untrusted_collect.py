"""Collection never trusts the submission's file system (no kernels run here).

Each hostile or careless input is collected next to an honest one; the honest
one always arrives, the other is refused or kept apart with its reason
recorded, and nothing outside the submission is read: the decoys outside hold
a correct notebook and a secret, and neither may reach submitted/ or a job.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
import unicodedata
import zipfile

import pytest

from autograder.grading import safefs, synthetic
from autograder.grading.collect import (
    CollectError,
    CollectRecord,
    clean_student_id,
    find_submissions,
    gather,
)
from autograder.grading.course import Course
from autograder.grading.prepare import Preparer
from autograder.grading.sandbox import Limits

NB = ["01_tiny"]
SECRET = "SECRET-SOLUTION-TEXT-1234"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return synthetic.make_course(tmp_path_factory.mktemp("template") / "course")


@pytest.fixture()
def course(template, tmp_path):
    """A fresh copy of one generated course (generating one takes seconds)."""
    shutil.copytree(template, tmp_path / "course")
    return Course.open(tmp_path / "course")


@pytest.fixture()
def decoys(course, tmp_path):
    """Outside any submission: a correct notebook and a secret file."""
    outside = tmp_path / "outside"
    notebook = synthetic.make_submission(course.root, "x", synthetic.CORRECT, folder=outside)
    secret = outside / "secret.txt"
    secret.write_text(SECRET)
    return notebook, secret


def _notebook_bytes(course, answers=None) -> bytes:
    path = synthetic.make_submission(course.root, "tmp", answers,
                                     folder=course.root / "scratch")
    return path.read_bytes()


def _everything_under(folder) -> bytes:
    data = b""
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                data += open(path, "rb").read()
    return data


def _jobs(course, submission):
    preparer = Preparer(course, "tiny", NB, Limits(), sandbox="off", prestart=False)
    return preparer.prepare(submission)


# -- ids ----------------------------------------------------------------------------------

def test_ids_keep_every_script_and_never_collide():
    assert clean_student_id("Jane Doe") == "jane_doe"
    assert clean_student_id("../../etc") == "etc"
    assert clean_student_id("张伟") == "张伟"
    nfd = unicodedata.normalize("NFD", "Zoë")
    assert clean_student_id(nfd) == clean_student_id("Zoë") == "Zoë"   # Mac and Windows agree
    assert clean_student_id("Zoë") != clean_student_id("Zoé")


def test_names_that_clean_to_one_id_get_distinct_ids_and_the_mapping_is_kept(course):
    record = CollectRecord(course, "tiny")
    first, second = record.assign("Jane Doe"), record.assign("jane_doe")
    assert first == "jane_doe" and second.startswith("jane_doe-") and first != second
    assert record.assign("Jane Doe") == first                   # the same name, the same id
    record.save()
    again = CollectRecord(course, "tiny")                       # the next run agrees
    assert again.assign("jane_doe") == second
    assert again.names == {first: "Jane Doe", second: "jane_doe"}


# -- a submitted/ tree --------------------------------------------------------------------

def test_links_in_a_submission_are_refused_with_reasons_and_never_read(course, decoys):
    notebook, secret = decoys
    synthetic.make_submission(course.root, "alice", synthetic.CORRECT)
    mallory = course.root / "submitted" / "mallory" / "tiny"
    mallory.mkdir(parents=True)
    (mallory / "01_tiny.ipynb").symlink_to(notebook)             # someone else's work
    (mallory / "data.csv").symlink_to(secret)
    (mallory / "gone.txt").symlink_to(course.root / "nowhere")   # dangling
    found = {s.student: s for s in find_submissions(course, "tiny")}
    assert set(found) == {"alice", "mallory"}
    sub = found["mallory"]
    assert sub.files == {}
    assert set(sub.problems) == {"01_tiny.ipynb", "data.csv", "gone.txt"}
    assert all("symbolic link" in why for why in sub.problems.values())
    prepared = _jobs(course, sub)
    assert prepared.jobs == []
    [fail] = prepared.failures
    assert "01_tiny.ipynb was not graded" in fail.reason and "symbolic link" in fail.reason
    assert {f.kind for f in prepared.flags} == {"refused file"}
    assert len(prepared.flags) == 2
    [job] = _jobs(course, found["alice"]).jobs
    assert all(SECRET.encode() not in data for data in job.files.values())


def test_a_stage_folder_that_is_a_link_is_refused_not_restored(course, decoys):
    notebook, _ = decoys
    student = course.root / "submitted" / "mallory"
    student.mkdir(parents=True)
    (student / "tiny").symlink_to(notebook.parent)
    [sub] = find_submissions(course, "tiny")
    assert sub.student == "mallory" and sub.files == {}
    assert "symbolic link" in sub.problems["."]
    [fail] = _jobs(course, sub).failures
    assert "symbolic link" in fail.reason


def test_hard_links_and_special_files_are_refused(course, decoys):
    _, secret = decoys
    folder = course.root / "submitted" / "eve" / "tiny"
    synthetic.make_submission(course.root, "eve", synthetic.CORRECT)
    os.link(secret, folder / "notes.txt")
    os.mkfifo(folder / "pipe")
    [sub] = find_submissions(course, "tiny")
    assert set(sub.files) == {"01_tiny.ipynb"}
    assert "hard link" in sub.problems["notes.txt"]
    assert "not a regular file" in sub.problems["pipe"]
    started = time.monotonic()
    [job] = _jobs(course, sub).jobs                               # a pipe never blocks
    assert time.monotonic() - started < 30
    assert "notes.txt" not in job.files


def test_an_unparsable_timestamp_is_recorded_and_the_student_kept(course):
    synthetic.make_submission(course.root, "tim", synthetic.CORRECT)
    (course.root / "submitted" / "tim" / "tiny" / "timestamp.txt").write_text("next tuesday")
    [sub] = find_submissions(course, "tiny")
    assert "does not hold a date" in sub.problems["timestamp.txt"]
    assert len(_jobs(course, sub).jobs) == 1


def test_copying_a_submitted_style_folder_follows_no_link(course, decoys, tmp_path):
    notebook, secret = decoys
    src = tmp_path / "download"
    synthetic.make_submission(course.root, "bob", synthetic.CORRECT, folder=src / "bob" / "tiny")
    (src / "mallory").mkdir()
    (src / "mallory" / "tiny").symlink_to(notebook.parent)       # the stage folder is a link
    (src / "eve" / "tiny").mkdir(parents=True)
    (src / "eve" / "tiny" / "01_tiny.ipynb").symlink_to(notebook)
    (src / "eve" / "tiny" / "data.csv").symlink_to(secret)
    gather(course, "tiny", src, NB, say=lambda *_: None)
    found = {s.student: s for s in find_submissions(course, "tiny")}
    assert set(found) == {"bob", "eve", "mallory"}
    assert set(found["bob"].files) == {"01_tiny.ipynb"}
    assert found["eve"].files == {} and found["mallory"].files == {}
    assert "symbolic link" in found["mallory"].problems["."]
    assert "symbolic link" in found["eve"].problems["01_tiny.ipynb"]
    assert "symbolic link" in found["eve"].problems["data.csv"]
    submitted = course.root / "submitted"
    assert SECRET.encode() not in _everything_under(submitted)
    assert not any(p.is_symlink() for p in submitted.rglob("*"))


# -- LMS downloads -------------------------------------------------------------------------

def _zip(path, members: list[tuple], course) -> None:
    """members: (name, bytes, date_time or None, mode or None)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, when, mode in members:
            info = zipfile.ZipInfo(name, date_time=when or (2026, 1, 1, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode is not None:
                info.external_attr = mode << 16
            zf.writestr(info, data)


def test_a_zip_with_duplicates_and_names_in_any_script_is_collected(course, tmp_path):
    good, wrong = _notebook_bytes(course, synthetic.CORRECT), _notebook_bytes(course)
    archive = tmp_path / "download.zip"
    _zip(archive, [
        ("alice_01_tiny.ipynb", good, None, None),
        ("张伟_01_tiny.ipynb", good, None, None),
        ("Zoë_01_tiny.ipynb", good, None, None),
        (unicodedata.normalize("NFD", "Zoé") + "_01_tiny.ipynb", wrong, None, None),
        ("dup/bob_01_tiny.ipynb", wrong, (2026, 1, 1, 9, 0, 0), None),
        ("bob_01_tiny-1.ipynb", good, (2026, 1, 2, 9, 0, 0), None),       # resubmitted
        ("carol_01_tiny.ipynb", good, None, None),
        ("again/carol_01_tiny.ipynb", wrong, None, None),                 # same time: which?
    ], course)
    gather(course, "tiny", archive, NB, say=lambda *_: None)
    found = {s.student: s for s in find_submissions(course, "tiny")}
    assert set(found) == {"alice", "张伟", "Zoë", "Zoé", "bob", "carol"}
    assert found["Zoë"].digest != found["Zoé"].digest
    bob = found["bob"]
    assert bob.files["01_tiny.ipynb"].read_bytes() == good
    assert "graded bob_01_tiny-1.ipynb, the newer" in bob.problems["note:01_tiny.ipynb"]
    carol = found["carol"]
    assert carol.files == {} and "neither was graded" in carol.problems["01_tiny.ipynb"]
    [fail] = _jobs(course, carol).failures
    assert "same time" in fail.reason


def test_a_zip_bomb_traversal_and_links_are_refused_per_member(course, tmp_path):
    good = _notebook_bytes(course, synthetic.CORRECT)
    archive = tmp_path / "download.zip"
    _zip(archive, [
        ("alice_01_tiny.ipynb", good, None, None),
        ("bomb_01_tiny.ipynb", b"\0" * (80 * safefs.MB), None, None),     # 80 MB of zeros
        ("ratio_01_tiny.ipynb", b" " * (8 * safefs.MB), None, None),
        ("../../escape_01_tiny.ipynb", good, None, None),
        ("link_01_tiny.ipynb", b"/etc/passwd", None, stat.S_IFLNK | 0o777),
    ], course)
    assert archive.stat().st_size < 2 * safefs.MB
    gather(course, "tiny", archive, NB, say=lambda *_: None)
    found = {s.student: s for s in find_submissions(course, "tiny")}
    assert set(found) == {"alice", "bomb", "ratio", "escape", "link"}
    assert set(found["alice"].files) == {"01_tiny.ipynb"}
    assert "80 MB once extracted" in found["bomb"].problems["01_tiny.ipynb"]
    assert "compressed" in found["ratio"].problems["01_tiny.ipynb"]
    assert "leaves the archive" in found["escape"].problems["01_tiny.ipynb"]
    assert "symbolic link" in found["link"].problems["01_tiny.ipynb"]
    for name in ("bomb", "ratio", "escape", "link"):
        assert found[name].files == {}
    assert not (tmp_path / "escape_01_tiny.ipynb").exists()
    assert not list(course.root.glob("escape*"))


def test_an_archive_with_too_many_members_is_refused_before_extraction(course, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setattr(safefs, "MAX_ARCHIVE_MEMBERS", 5)
    archive = tmp_path / "many.zip"
    _zip(archive, [(f"s{i}_01_tiny.ipynb", b"{}", None, None) for i in range(6)], course)
    with pytest.raises(CollectError, match="6 members"):
        gather(course, "tiny", archive, NB, say=lambda *_: None)
    assert find_submissions(course, "tiny") == []


def test_a_member_that_lies_about_its_size_is_cut_at_the_cap(tmp_path, monkeypatch):
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * (3 * safefs.MB))
    with pytest.raises(safefs.Refused, match="larger than 2 MB"):
        safefs.copy_regular(source, tmp_path / "copy.bin", 2 * safefs.MB)
    assert not (tmp_path / "copy.bin").exists()
