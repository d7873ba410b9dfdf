"""Bring submissions into nbgrader's submitted/ tree, and list what is there.

Three kinds of input:

- nothing: grade what is already in ``submitted/<student>/<assignment>/``;
- a folder laid out like nbgrader's submitted/ tree (``<student>/<assignment>/...``):
  its student folders are copied in, with all their files;
- an LMS download (a .zip) or any folder of notebooks: collected by file name
  the way nbgrader's ``zip_collect`` does. A student is recognised from the file
  or folder name: ``alice/01_tiny.ipynb``, ``alice_01_tiny.ipynb``,
  ``01_tiny_alice.ipynb``, ``alice.ipynb`` (for a one-notebook assignment),
  Canvas's ``doejane_12345_67890_01_tiny-1.ipynb`` and Moodle's
  ``Jane Doe_123_assignsubmission_file_/01_tiny.ipynb``. Anything else: give
  nbgrader's own ``named_regexp`` (it must start with ``.*``).

Nothing here trusts the submission's file system (see :mod:`.safefs`): a link
is never followed, hard links and special files are refused, an archive is
checked member by member before anything is extracted, and every problem
becomes the student's recorded reason (``reports/<assignment>/collect.json``)
instead of stopping the batch. Student ids keep any script (NFC-normalised);
two names that would become one id get distinct ids, and the mapping is kept.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.plugins.zipcollect import FileNameCollectorPlugin
from traitlets import List, Unicode

from . import safefs
from .course import Course

IGNORED = {"timestamp.txt", ".DS_Store", "__MACOSX", ".ipynb_checkpoints", "__pycache__"}
CANVAS = re.compile(r"^(?P<student>[^_]+)_(?:late_)?\d+_\d+_$")
MOODLE = re.compile(r"^(?P<student>.+?)_\d+_assign\w*?_?$")
MAX_ID_CHARS = 80


class CollectError(RuntimeError):
    """The submissions could not be read (the message says why)."""


def clean_student_id(raw: str) -> str:
    """'Jane Doe' -> 'jane_doe'; 'alice' -> 'alice'; 'Zoë' -> 'Zoë'; '张伟' -> '张伟'.

    Letters and digits of any script are kept (NFC-normalised, so a name typed on
    a Mac and on Windows is the same id); anything else becomes '_'. Safe as a
    folder name and a gradebook id.
    """
    text = unicodedata.normalize("NFC", raw).strip()
    if " " in text:
        text = text.lower()
    text = re.sub(r"[^\w.@-]+", "_", text).strip("_.")
    return text[:MAX_ID_CHARS].strip("_.")


def unique_id(raw: str, taken: dict[str, str]) -> str:
    """The id for the name `raw`, distinct from every other name in `taken` (id -> name).

    Two different names that clean to the same id (Zoë and Zoe, 'Jane Doe' and
    'jane_doe') keep apart: the later one gets a short fingerprint of its name.
    """
    name = unicodedata.normalize("NFC", raw).strip()
    base = clean_student_id(name) or "student"
    if taken.get(base, name) == name:
        return base
    return f"{base}-{hashlib.sha256(name.encode()).hexdigest()[:6]}"


def identify_raw(relpath: str, notebooks: list[str], assignment: str) -> tuple[str, str] | None:
    """(student name as written, notebook file name) for one collected file, or None."""
    parts = Path(relpath).parts
    if not parts or not parts[-1].endswith(".ipynb"):
        return None
    stem = parts[-1][: -len(".ipynb")]
    base = re.sub(r"-\d+$", "", stem)                 # Canvas: a resubmission gets "-1"
    folders = [p for p in parts[:-1] if p != assignment]
    for name in sorted(notebooks, key=len, reverse=True):
        for candidate in dict.fromkeys((stem, base)):
            if candidate == name and folders:
                folder = folders[-1]
                moodle = MOODLE.match(folder)
                student = moodle["student"] if moodle else folder
            elif candidate.endswith(name) and candidate != name:
                prefix = candidate[: -len(name)]
                canvas = CANVAS.match(prefix)
                student = canvas["student"] if canvas else prefix.strip("_- .")
            elif candidate.startswith(name + "_"):
                student = candidate[len(name) + 1:]
            else:
                continue
            if clean_student_id(student):
                return student.strip(), f"{name}.ipynb"
    if len(notebooks) == 1 and base not in notebooks and clean_student_id(base):
        return base.strip(), f"{notebooks[0]}.ipynb"
    return None


def identify(relpath: str, notebooks: list[str], assignment: str) -> tuple[str, str] | None:
    """(student id, notebook file name) for one collected file, or None if unknown."""
    found = identify_raw(relpath, notebooks, assignment)
    return None if found is None else (clean_student_id(found[0]), found[1])


class StudentFileCollector(FileNameCollectorPlugin):
    """nbgrader's file-name collector, recognising the common layouts by itself.

    With `named_regexp` set it behaves exactly like nbgrader's plugin.
    """

    notebooks = List(Unicode()).tag(config=False)
    assignment = Unicode("").tag(config=False)
    extracted = Unicode("").tag(config=False)

    def collect(self, submitted_file: str):
        if self.named_regexp:
            return super().collect(submitted_file)
        relative = str(Path(submitted_file).relative_to(self.extracted))
        if any(part in IGNORED for part in Path(relative).parts):
            return None
        found = identify_raw(relative, list(self.notebooks), self.assignment)
        if found is None:
            self.log.warning("Skipped %s: no student or notebook name recognised", relative)
            return None
        return {"student_id": found[0], "file_id": found[1]}


@dataclass
class Submission:
    """One student's submission of one assignment, as found in submitted/."""

    student: str
    assignment: str
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)   # relative name -> path
    digest: str = ""
    problems: dict[str, str] = field(default_factory=dict)  # relative name -> why refused

    def notebook_path(self, name: str) -> Path | None:
        return self.files.get(f"{name}.ipynb")


# -- what collection found, per student (kept next to the journal) ---------------------

class CollectRecord:
    """reports/<assignment>/collect.json: student id -> name as submitted, and problems."""

    def __init__(self, course: Course, assignment: str):
        self.path = course.reports_dir(assignment) / "collect.json"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.names: dict[str, str] = dict(data.get("names", {}))
        self.problems: dict[str, dict[str, str]] = {
            k: dict(v) for k, v in data.get("problems", {}).items()}
        # student id -> the LMS's own id for them, from the download's names (lms.py)
        self.lms: dict[str, dict[str, str]] = {
            k: dict(v) for k, v in data.get("lms", {}).items()}

    def assign(self, raw: str) -> str:
        student = unique_id(raw, self.names)
        self.names[student] = unicodedata.normalize("NFC", raw).strip()
        return student

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"names": self.names, "problems": self.problems,
                                   "lms": self.lms},
                                  ensure_ascii=False, indent=1, sort_keys=True),
                       encoding="utf-8")
        tmp.replace(self.path)


def renamed_students(course: Course, assignment: str) -> dict[str, str]:
    """student id -> the name it was submitted under, where the two differ."""
    record = CollectRecord(course, assignment)
    return {k: v for k, v in record.names.items() if k != v}


def _looks_like_submitted_tree(folder: Path, assignment: str) -> bool:
    return any(safefs.lexists(child / assignment) for child in safefs.children(folder)
               if safefs.is_real_dir(child))


def gather(course: Course, assignment: str, source: str | Path | None, notebooks: list[str],
           *, named_regexp: str = "", say=print) -> None:
    """Put the submissions in `source` (a zip or a folder) into submitted/."""
    if source is None:
        return
    source = Path(source).absolute()
    if not safefs.lexists(source):
        raise CollectError(f"{source} does not exist")
    if source.is_symlink():
        raise CollectError(f"{source} is a symbolic link: give the folder or file it points to")
    if source.resolve() == course.submitted_root().resolve():
        return
    record = CollectRecord(course, assignment)
    if safefs.is_real_dir(source) and _looks_like_submitted_tree(source, assignment):
        count = _copy_tree(course, assignment, source, record)
        say(f"copied {count} submissions from {source}")
    elif safefs.is_real_dir(source):
        _collect_files(course, assignment, _folder_files(source), notebooks, named_regexp,
                       record, say)
        say(f"collected submissions from {source}")
    elif source.suffix.lower() == ".zip":
        try:
            members = safefs.ZipSource(source)
        except safefs.UnsafeArchive as exc:
            raise CollectError(f"refused {source.name}: {exc}") from None
        with members:
            _collect_files(course, assignment, members, notebooks, named_regexp, record, say)
        say(f"collected submissions from {source.name}")
    else:
        raise CollectError(f"{source} is neither a folder nor a .zip file")
    record.save()


def _fresh_dest(course: Course, student: str, assignment: str) -> Path:
    dest = course.folder("submitted_directory", student, assignment)
    if safefs.lexists(dest):
        safefs.remove(dest)
    safefs.make_dirs(course.submitted_root(), dest)
    return dest


def _copy_tree(course: Course, assignment: str, source: Path, record: CollectRecord) -> int:
    count = 0
    for child in sorted(safefs.children(source)):
        stage = child / assignment
        if not (safefs.is_real_dir(child) and safefs.lexists(stage)) and not child.is_symlink():
            continue
        student = record.assign(child.name)
        dest = _fresh_dest(course, student, assignment)
        problems: dict[str, str] = {}
        if child.is_symlink():
            problems["."] = ("the student folder is a symbolic link; links are never "
                             "followed, so nothing in it was graded")
        elif stage.is_symlink() or not safefs.is_real_dir(stage):
            problems["."] = (f"the {assignment} folder is a symbolic link or not a folder; "
                             "links are never followed, so nothing in it was graded")
        else:
            files, problems = safefs.scan(stage, ignored=IGNORED - {"timestamp.txt"})
            for rel, path in files.items():
                try:
                    safefs.copy_regular(path, dest / rel, safefs.MAX_FILE_BYTES)
                except safefs.Refused as exc:
                    problems[rel] = f"{rel} {exc}"
        record.problems[student] = problems
        count += 1
    return count


def _folder_files(source: Path):
    """(relative name, opener, mtime) of each regular file; refusals are yielded as
    (relative name, None, reason)."""
    files, problems = safefs.scan(source, ignored=set())
    for rel, path in sorted(files.items()):
        yield rel, (lambda path=path: safefs.open_regular(path)), path.lstat().st_mtime
    for rel, reason in sorted(problems.items()):
        yield rel, None, reason


def _collect_files(course: Course, assignment: str, members, notebooks: list[str],
                   named_regexp: str, record: CollectRecord, say) -> None:
    """Group the files by student (as nbgrader's zip_collect does), then write them."""
    collector = StudentFileCollector()
    collector.notebooks = notebooks
    collector.assignment = assignment
    collector.extracted = "/"
    if named_regexp:
        collector.named_regexp = (named_regexp if named_regexp.startswith(".*")
                                  else ".*" + named_regexp)
    chosen: dict[str, dict[str, tuple | None]] = {}
    problems: dict[str, dict[str, str]] = {}
    skipped = 0
    for rel, opener, extra in members:
        if any(part in IGNORED for part in Path(rel).parts):
            continue
        info = collector.collect("/" + rel)
        if not info or not info.get("student_id") or not info.get("file_id"):
            skipped += 1
            continue
        raw, file_id = str(info["student_id"]), Path(str(info["file_id"])).stem + ".ipynb"
        if Path(file_id).stem not in notebooks:
            skipped += 1
            continue
        student = next((k for k, v in record.names.items()
                        if v == unicodedata.normalize("NFC", raw).strip()), None)
        student = student or record.assign(raw)
        from .lms import lms_id

        found = lms_id(rel)
        if found:
            record.lms[student] = found
        mine = problems.setdefault(student, {})
        if opener is None:            # a link or special file: refused, with the reason
            mine[file_id] = f"{rel} {extra}"
            continue
        previous = chosen.setdefault(student, {}).get(file_id)
        if previous is None:
            chosen[student][file_id] = (rel, opener, extra)
            continue
        older, newer = sorted([previous, (rel, opener, extra)], key=lambda m: (m[2], m[0]))
        if older[2] == newer[2]:
            mine[file_id] = (f"two files for {file_id} ({older[0]} and {newer[0]}) with the "
                             "same time; neither was graded (ask which one counts)")
            chosen[student][file_id] = None
        else:
            mine[f"note:{file_id}"] = (f"two files for {file_id}: graded {newer[0]}, the newer, "
                                       f"not {older[0]}")
            chosen[student][file_id] = newer
    if skipped:
        say(f"skipped {skipped} files whose student or notebook was not recognised")
    for student in sorted(set(chosen) | set(problems)):
        dest = _fresh_dest(course, student, assignment)
        mine = problems.get(student, {})
        for file_id, member in sorted(chosen.get(student, {}).items()):
            if member is None:
                continue
            rel, opener, _ = member
            try:
                with opener() as stream:
                    safefs.write_stream(stream, dest / file_id, safefs.MAX_FILE_BYTES)
            except (safefs.Refused, safefs.UnsafeArchive, OSError) as exc:
                mine[file_id] = f"{rel} was refused: {exc}"
        record.problems[student] = mine


def _digest(files: dict[str, Path], problems: dict[str, str]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0")
        try:
            h.update(safefs.hash_regular(files[name]))
        except (safefs.Refused, OSError) as exc:
            h.update(str(exc).encode())
    for name in sorted(problems):
        h.update(b"problem\0" + name.encode() + b"\0" + problems[name].encode())
    return h.hexdigest()


def find_submissions(course: Course, assignment: str,
                     students: list[str] | None = None) -> list[Submission]:
    """Every submission of `assignment` in submitted/, sorted by student.

    Links are never followed: a student or stage folder that is a link is refused
    (the student is listed, with the reason); so is a link, hard link or special
    file inside it. A timestamp.txt that is not a date is recorded, not fatal.
    """
    root = course.submitted_root()
    found: list[Submission] = []
    if not safefs.is_real_dir(root):
        return found
    record = CollectRecord(course, assignment)
    for student_dir in sorted(safefs.children(root)):
        student = student_dir.name
        if students and student not in students:
            continue
        folder = student_dir / assignment
        problems = dict(record.problems.get(student, {}))
        files: dict[str, Path] = {}
        if student_dir.is_symlink() or folder.is_symlink():
            if not safefs.lexists(folder):
                continue
            what = "student" if student_dir.is_symlink() else assignment
            problems["."] = (f"the {what} folder is a symbolic link; links are never "
                             "followed, so nothing in it was graded")
        elif not safefs.is_real_dir(student_dir) or not safefs.is_real_dir(folder):
            continue
        else:
            files, scanned = safefs.scan(folder, ignored=IGNORED)
            problems.update(scanned)
            stamp = safefs.check_timestamp(folder / "timestamp.txt")
            if stamp:
                problems["timestamp.txt"] = stamp
        found.append(Submission(student, assignment, folder, files,
                                _digest(files, problems), problems))
    return found
