"""The grader's own table in the gradebook, and the cohort as the gradebook has it now.

nbgrader's schema holds the scores (automatic and manual); the table
``autograder_graded`` holds what the grader must remember besides them: which
submission was graded (its checksum and folder), when, and what the run saw
(the check and diagnoses each failure named, which solution cells were
changed, tampering flags, reasons a notebook was not graded). One row per
(course, assignment, student).

A row is written in the same database transaction as the submission's last
score change (see GradebookWriter), and cleared (``digest = ''``) before a
submission is graded again, so a run killed at any moment either finds a
submission done with its scores, or grades it again (which overwrites its
scores, never adds to them).

:func:`cohort_entries` joins the two: scores from nbgrader's tables, as
formgrader last left them, and the rest from ours. The report, issues.csv,
the grades CSV's extra columns and the feedback are all built from it.
"""

from __future__ import annotations

import datetime
import json

TABLE_NAME = "autograder_graded"
_TABLES: dict[int, object] = {}


def _table():
    """The SQLAlchemy Table of our records (one MetaData for the process)."""
    if not _TABLES:
        from sqlalchemy import Column, Integer, MetaData, String, Table, Text

        meta = MetaData()
        _TABLES[0] = Table(
            TABLE_NAME, meta,
            Column("course_id", String(128), primary_key=True),
            Column("assignment", String(128), primary_key=True),
            Column("student", String(128), primary_key=True),
            Column("digest", String(128), nullable=False, default=""),
            Column("source", Text, nullable=False, default=""),
            Column("graded_at", String(64), nullable=False, default=""),
            Column("times_graded", Integer, nullable=False, default=0),
            Column("detail", Text, nullable=False, default="{}"),
        )
    return _TABLES[0]


def ensure_table(gb) -> None:
    """Create our table in `gb`'s database if it is not there (nbgrader's are untouched)."""
    _table().create(bind=gb.engine, checkfirst=True)


def _key(course_id: str, assignment: str, student: str):
    table = _table()
    return ((table.c.course_id == course_id) & (table.c.assignment == assignment)
            & (table.c.student == student))


def mark_pending(gb, course_id: str, assignment: str, student: str) -> None:
    """Before a submission is graded again: forget that it was done (committed at once)."""
    from sqlalchemy import update

    ensure_table(gb)
    gb.db.execute(update(_table()).where(_key(course_id, assignment, student))
                  .values(digest=""))
    gb.db.commit()


def stage_record(gb, course_id: str, assignment: str, student: str, digest: str,
                 source: str, detail: dict) -> None:
    """Write (not commit) the record of a graded submission into `gb`'s session: the
    caller commits it together with the submission's last score change."""
    from sqlalchemy import insert, select, update

    ensure_table(gb)
    table = _table()
    now = datetime.datetime.now(datetime.UTC).isoformat()
    values = {"digest": digest, "source": source, "graded_at": now,
              "detail": json.dumps(detail, sort_keys=True)}
    key = _key(course_id, assignment, student)
    count = gb.db.execute(select(table.c.times_graded).where(key)).scalar()
    if count is None:
        gb.db.execute(insert(table).values(course_id=course_id, assignment=assignment,
                                           student=student, times_graded=1, **values))
    else:
        gb.db.execute(update(table).where(key).values(times_graded=count + 1, **values))


def read_records(gb, course_id: str, assignment: str | None = None) -> dict:
    """(assignment, student) -> {"digest", "source", "graded_at", "times_graded", "detail"}."""
    from sqlalchemy import select

    ensure_table(gb)
    table = _table()
    query = select(table).where(table.c.course_id == course_id)
    if assignment is not None:
        query = query.where(table.c.assignment == assignment)
    found = {}
    for row in gb.db.execute(query).mappings():
        found[(row["assignment"], row["student"])] = {
            "digest": row["digest"], "source": row["source"], "graded_at": row["graded_at"],
            "times_graded": row["times_graded"], "detail": json.loads(row["detail"] or "{}")}
    gb.db.commit()   # end the read transaction: no lock outlives this call
    return found


def graded_digests(course, assignment: str) -> dict[str, str]:
    """student -> checksum of the submitted files last graded ('' while being graded)."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gb:
        records = read_records(gb, course.course_id, assignment)
    return {student: r["digest"] for (_, student), r in records.items()}


def cohort_entries(course, assignment: str) -> tuple[list[dict], list[str]]:
    """Every graded submission of `assignment` as the gradebook has it now, and the
    students of the course with no submission of it.

    Each entry: student, score, max_score, needs_manual_grade, notebooks (name ->
    score, max_score, status, reason), cells ("notebook/grade_id" -> score,
    max_score, auto, needs_manual_grade, error, check, diagnoses), attempted
    ("notebook/grade_id" of a solution or answer cell -> changed from the handout),
    flags, events, seconds, digest, graded_at. A submission nbgrader graded
    without this grader has scores and no diagnoses.
    """
    from nbgrader.api import Gradebook, MissingEntry

    entries, missing = [], []
    with Gradebook(course.db_url, course.course_id) as gb:
        records = read_records(gb, course.course_id, assignment)
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            return [], sorted(s.id for s in gb.students)
        submitted = {}
        for sub in gb.assignment_submissions(assignment):
            submitted[sub.student.id] = sub
        for student in sorted(s.id for s in gb.students):
            if student not in submitted:
                missing.append(student)
                continue
            sub = submitted[student]
            record = records.get((assignment, student), {})
            detail = record.get("detail", {})
            seen_notebooks = detail.get("notebooks", {})
            seen_cells = detail.get("cells", {})
            entry = {"student": student, "assignment": assignment,
                     "score": float(sub.score), "max_score": float(sub.max_score),
                     "needs_manual_grade": bool(sub.needs_manual_grade),
                     "digest": record.get("digest", ""),
                     "graded_at": record.get("graded_at", ""),
                     "seconds": detail.get("seconds", 0.0),
                     "flags": detail.get("flags", []), "events": detail.get("events", []),
                     "attempted": detail.get("attempted", {}),
                     "notebooks": {}, "cells": {}}
            for nb in sub.notebooks:
                seen = seen_notebooks.get(nb.name, {})
                entry["notebooks"][nb.name] = {
                    "score": float(nb.score), "max_score": float(nb.max_score),
                    "status": seen.get("status", "graded"), "reason": seen.get("reason")}
                for grade in nb.grades:
                    key = f"{nb.name}/{grade.name}"
                    entry["cells"][key] = {
                        "score": None if grade.score is None else float(grade.score),
                        "max_score": float(grade.max_score),
                        "auto": grade.cell.cell_type == "code",
                        "needs_manual_grade": bool(grade.needs_manual_grade),
                        **{k: v for k, v in seen_cells.get(key, {}).items()
                           if k in ("error", "check", "diagnoses")}}
            entries.append(entry)
    return entries, missing


def graded_assignments(course) -> list[str]:
    """Assignments of the course with at least one submission in the gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url, course.course_id) as gb:
        return sorted(a.name for a in gb.assignments if a.num_submissions)
