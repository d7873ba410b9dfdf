"""The grades CSV (nbgrader's own export) and the list of submissions that need a look."""

from __future__ import annotations

import csv
from pathlib import Path

from .course import Course
from .gradebook import retry_while_locked


def export_grades(course: Course, assignment: str, path: Path, wait_seconds: float = 600.0,
                  say=print, entries: list[dict] | None = None) -> Path:
    """nbgrader's CSV export, for this assignment only, plus two columns: the name a
    student submitted under (when the id differs) and why any notebook scored 0
    without running or was refused (from the journal `entries`)."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    def export():
        plugin = CsvExportPlugin(config=course.config)
        plugin.to = str(path)
        plugin.assignment = [assignment]
        with Gradebook(course.db_url, course.course_id) as gb:
            plugin.export(gb)

    path.parent.mkdir(parents=True, exist_ok=True)
    retry_while_locked(export, "exporting the grades", wait_seconds, say)
    if entries is not None:
        from .collect import renamed_students

        _add_columns(path, assignment, entries, renamed_students(course, assignment))
    return path


def student_reasons(entry: dict) -> list[str]:
    """Every recorded reason a student's work was not graded in full, in words."""
    reasons = [f"{name}: {info.get('reason')}" for name, info in
               sorted(entry.get("notebooks", {}).items())
               if info.get("status") in ("failed", "partial")]
    reasons += [f["detail"] for f in entry.get("flags", []) if f.get("kind") == "refused file"]
    return reasons


def _add_columns(path: Path, assignment: str, entries: list[dict],
                 names: dict[str, str]) -> None:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
        fields = list(rows[0].keys()) if rows else []
    if not rows:
        return
    reasons = {e["student"]: "; ".join(student_reasons(e)) for e in entries}
    for row in rows:
        mine = row.get("assignment") == assignment
        row["submitted_as"] = names.get(row.get("student_id", ""), "") if mine else ""
        row["reason"] = reasons.get(row.get("student_id", ""), "") if mine else ""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, [*fields, "submitted_as", "reason"])
        writer.writeheader()
        writer.writerows(rows)


ISSUE_FIELDS = ["student", "notebook", "what", "severity", "detail", "score", "max_score"]


def issue_rows(entries: list[dict]) -> list[dict]:
    """One row per problem: a notebook not graded or cut short, tampering, a cut output."""
    rows = []
    for entry in entries:
        base = {"student": entry["student"], "score": entry.get("score"),
                "max_score": entry.get("max_score")}
        for name, info in sorted(entry.get("notebooks", {}).items()):
            if info.get("status") in ("failed", "partial"):
                what = "not graded" if info["status"] == "failed" else "stopped early"
                rows.append({**base, "notebook": name, "what": what, "severity": "score",
                             "detail": info.get("reason") or ""})
        for flag in entry.get("flags", []):
            rows.append({**base, "notebook": flag["notebook"], "what": flag["kind"],
                         "severity": flag["severity"], "detail": flag["detail"]})
        for event in entry.get("events", []):
            rows.append({**base, "notebook": "", "what": "note", "severity": "info",
                         "detail": event})
    return rows


def write_issues(entries: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ISSUE_FIELDS)
        writer.writeheader()
        writer.writerows(issue_rows(entries))
    return path
