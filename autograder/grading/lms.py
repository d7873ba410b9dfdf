"""Grades an LMS can import, with the ids the LMS itself gave in its download.

Canvas names each file of a "Download submissions" zip
``<name>_<user id>_<attachment id>_<file>`` (``late_`` after the name when
late); Moodle puts each participant's files in a folder
``<Full name>_<participant id>_assignsubmission_file_``. Collecting the zip
keeps those ids (reports/<stage>/collect.json, key ``lms``), and
:func:`write_lms_grades` writes

- ``canvas_grades.csv``: Canvas's gradebook import layout: Student, ID, SIS User
  ID, SIS Login ID, Section, then one column named after the stage (Canvas
  creates an assignment for a new column; rename the header to an existing
  column's name, as Canvas's own export spells it, to fill that one);
- ``moodle_grades.csv``: the assignment's offline grading worksheet as Moodle
  imports it (Identifier "Participant <id>", Full name, Grade, Last modified
  (grade)), for the site language English.

Scores are points, from the gradebook (manual grades included).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

CANVAS_FILE = re.compile(r"^[^_/]+_(?:late_)?(?P<id>\d+)_\d+_[^/]+$")
MOODLE_FOLDER = re.compile(r"^.+?_(?P<id>\d+)_assign\w*?_?$")

CANVAS_FIELDS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_FIELDS = ["Identifier", "Full name", "Grade", "Last modified (grade)"]


def lms_id(relpath: str) -> dict[str, str] | None:
    """{"system": "canvas" | "moodle", "id": ...} from a file's path in an LMS download,
    or None when the path does not carry one."""
    parts = Path(relpath).parts
    if not parts:
        return None
    match = CANVAS_FILE.match(parts[-1])
    if match:
        return {"system": "canvas", "id": match["id"]}
    for folder in reversed(parts[:-1]):
        match = MOODLE_FOLDER.match(folder)
        if match:
            return {"system": "moodle", "id": match["id"]}
    return None


def _score(value) -> str:
    return f"{float(value or 0):g}"


def write_lms_grades(folder: Path, assignment: str, entries: list[dict],
                     ids: dict[str, dict[str, str]], names: dict[str, str]) -> list[Path]:
    """Write canvas_grades.csv and/or moodle_grades.csv into `folder` for the students
    whose LMS id is known (`ids`: student -> lms_id(...); `names`: student -> name as
    submitted); return the files written (none when no id is known)."""
    written = []
    by_system: dict[str, list[tuple[dict, str]]] = {}
    for entry in entries:
        found = ids.get(entry["student"])
        if found:
            by_system.setdefault(found["system"], []).append((entry, found["id"]))
    if "canvas" in by_system:
        path = folder / "canvas_grades.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow([*CANVAS_FIELDS, assignment])
            for entry, number in by_system["canvas"]:
                name = names.get(entry["student"], entry["student"])
                writer.writerow([name, number, "", "", "", _score(entry.get("score"))])
        written.append(path)
    if "moodle" in by_system:
        path = folder / "moodle_grades.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(MOODLE_FIELDS)
            for entry, number in by_system["moodle"]:
                name = names.get(entry["student"], entry["student"])
                when = (entry.get("graded_at") or "")[:19].replace("T", " ")
                writer.writerow([f"Participant {number}", name, _score(entry.get("score")),
                                 when])
        written.append(path)
    return written
