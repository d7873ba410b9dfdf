"""Bring submissions into nbgrader's submitted/ tree, and list what is there.

Three kinds of input:

- nothing: grade what is already in ``submitted/<student>/<assignment>/``;
- a folder laid out like nbgrader's submitted/ tree (``<student>/<assignment>/...``):
  its student folders are copied in, with all their files;
- an LMS download (a .zip) or any folder of notebooks: handed to nbgrader's
  own ``zip_collect`` (extract, then collect by file name). A student is
  recognised from the file or folder name: ``alice/01_tiny.ipynb``,
  ``alice_01_tiny.ipynb``, ``01_tiny_alice.ipynb``, ``alice.ipynb`` (for a
  one-notebook assignment), Canvas's ``doejane_12345_67890_01_tiny-1.ipynb`` and
  Moodle's ``Jane Doe_123_assignsubmission_file_/01_tiny.ipynb``. Anything else:
  give nbgrader's own ``named_regexp`` (it must start with ``.*``).
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.plugins.zipcollect import FileNameCollectorPlugin
from traitlets import List, Unicode

from .course import Course

IGNORED = {"timestamp.txt", ".DS_Store", "__MACOSX", ".ipynb_checkpoints", "__pycache__"}
CANVAS = re.compile(r"^(?P<student>[^_]+)_(?:late_)?\d+_\d+_$")
MOODLE = re.compile(r"^(?P<student>.+?)_\d+_assign\w*?_?$")


class CollectError(RuntimeError):
    """The submissions could not be read (the message says why)."""


def clean_student_id(raw: str) -> str:
    """'Jane Doe' -> 'jane_doe'; 'alice' -> 'alice'. Safe as a folder name and a DB id."""
    text = raw.strip()
    if " " in text:
        text = text.lower()
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", text).strip("_.")


def identify(relpath: str, notebooks: list[str], assignment: str) -> tuple[str, str] | None:
    """(student, notebook file name) for one collected file, or None if unknown."""
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
            student = clean_student_id(student)
            if student:
                return student, f"{name}.ipynb"
    if len(notebooks) == 1 and base not in notebooks:
        student = clean_student_id(base)
        if student:
            return student, f"{notebooks[0]}.ipynb"
    return None


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
        found = identify(relative, list(self.notebooks), self.assignment)
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

    def notebook_path(self, name: str) -> Path | None:
        return self.files.get(f"{name}.ipynb")


def _looks_like_submitted_tree(folder: Path, assignment: str) -> bool:
    return any((child / assignment).is_dir() for child in folder.iterdir() if child.is_dir())


def gather(course: Course, assignment: str, source: str | Path | None, notebooks: list[str],
           *, named_regexp: str = "", say=print) -> None:
    """Put the submissions in `source` (a zip or a folder) into submitted/."""
    if source is None:
        return
    source = Path(source).resolve()
    if not source.exists():
        raise CollectError(f"{source} does not exist")
    if source == course.submitted_root().resolve():
        return
    if source.is_dir() and _looks_like_submitted_tree(source, assignment):
        count = 0
        for child in sorted(source.iterdir()):
            if (child / assignment).is_dir():
                dest = course.folder("submitted_directory", clean_student_id(child.name),
                                     assignment)
                if dest.exists():
                    shutil.rmtree(dest)
                shutil.copytree(child / assignment, dest)
                count += 1
        say(f"copied {count} submissions from {source}")
        return
    _zip_collect(course, assignment, source, notebooks, named_regexp, say)


def _zip_collect(course: Course, assignment: str, source: Path, notebooks: list[str],
                 named_regexp: str, say) -> None:
    from nbgrader.apps.zipcollectapp import ZipCollectApp
    from nbgrader.coursedir import CourseDirectory

    if source.is_file() and source.suffix.lower() != ".zip":
        raise CollectError(f"{source} is neither a folder nor a .zip file")
    if named_regexp and not named_regexp.startswith(".*"):
        named_regexp = ".*" + named_regexp   # nbgrader matches it against the full path
    config = course.config.copy()
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    app = ZipCollectApp(config=config, coursedir=coursedir)
    app.force = True
    app.collector_plugin = StudentFileCollector
    archive = Path(app._format_collect_path(app.archive_directory))
    extracted = Path(app._format_collect_path(app.extracted_directory))
    if archive.exists():
        shutil.rmtree(archive)
    archive.mkdir(parents=True)
    if source.is_file():
        shutil.copy(source, archive / source.name)
    else:
        shutil.copytree(source, archive, dirs_exist_ok=True)
    try:
        app.init_plugins()
        collector = app.collector_plugin_inst
        collector.notebooks = notebooks
        collector.assignment = assignment
        collector.extracted = str(extracted)
        if named_regexp:
            collector.named_regexp = named_regexp
        app.extract_archive_files()
        app.process_extracted_files()
    except SystemExit:   # nbgrader apps report problems with sys.exit(1)
        raise CollectError(f"nbgrader zip_collect could not collect {source.name} "
                           "(see its messages above)") from None
    except Exception as exc:  # a damaged archive, mostly
        raise CollectError(f"could not read {source.name}: {exc}") from None
    say(f"collected submissions from {source.name} with nbgrader zip_collect")


def _digest(files: dict[str, Path]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0")
        h.update(hashlib.sha256(files[name].read_bytes()).digest())
    return h.hexdigest()


def find_submissions(course: Course, assignment: str,
                     students: list[str] | None = None) -> list[Submission]:
    """Every submission of `assignment` in submitted/, sorted by student."""
    root = course.submitted_root()
    found = []
    if not root.is_dir():
        return found
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if students and student_dir.name not in students:
            continue
        folder = student_dir / assignment
        if not folder.is_dir():
            continue
        files = {}
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if path.is_file() and not any(part in IGNORED for part in rel.parts):
                files[str(rel)] = path
        found.append(Submission(student_dir.name, assignment, folder, files, _digest(files)))
    return found
