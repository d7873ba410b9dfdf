"""The progress store: one JSON line per check a learner runs, in their workspace.

    workspace/.progress/checks.jsonl

Each line is one record (see :func:`make_record`). The file is only ever
appended to, with one ``write`` per record, so a crash can damage at most the
line being written: :func:`read` skips a torn or garbled line, and
:func:`append` starts a new line if the file does not end with one, so a torn
line never swallows the next record. No lock is needed: appends of a few
hundred bytes with O_APPEND do not interleave between processes on a local
disk.

Where the store is: :func:`find_workspace` (the ``AUTOGRADER_WORKSPACE``
variable, else the nearest folder at or above the current one that holds the
workspace manifest ``.workspace.json``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SCHEMA = 1
STORE_DIR = ".progress"
STORE_FILE = "checks.jsonl"
MANIFEST = ".workspace.json"   # written by autograder.lab.workspace; marks a learner workspace
WORKSPACE_ENV = "AUTOGRADER_WORKSPACE"
MAX_SUMMARY = 300               # characters of the check's first line kept per record


def find_workspace(start: str | Path | None = None) -> Path | None:
    """The learner's workspace folder, or None when this is not inside one.

    ``AUTOGRADER_WORKSPACE`` wins (set by ``python3 manage.py lab``); otherwise
    the nearest folder at or above `start` (default: the current folder)
    holding the workspace manifest.
    """
    env = os.environ.get(WORKSPACE_ENV)
    if env:
        return Path(env).expanduser().resolve()
    here = Path(start if start is not None else os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MANIFEST).is_file():
            return folder
    return None


def store_path(workspace: str | Path) -> Path:
    """Where the records of `workspace` live."""
    return Path(workspace) / STORE_DIR / STORE_FILE


def make_record(*, check: str, passed: bool, checks_passed: int, diagnosis: str | None,
                summary: str, seconds: float, hidden: bool, notebook: str | None,
                exercise: str | None, now: float | None = None) -> dict[str, Any]:
    """One store line. `notebook` is relative to the workspace ("00_orientation/01_x.ipynb")."""
    now = time.time() if now is None else now
    return {
        "v": SCHEMA,
        "time": round(now, 3),                       # seconds since the epoch (UTC)
        "check": check,                              # the check's name, e.g. "row_means"
        "passed": bool(passed),
        "checks_passed": int(checks_passed),
        "diagnosis": diagnosis,                      # the known mistake's name, if any
        "summary": summary[:MAX_SUMMARY],
        "seconds": round(float(seconds), 6),         # how long the check took
        "hidden": bool(hidden),
        "notebook": notebook,
        "exercise": exercise,                        # "2.4", when it could be told
    }


def append(path: str | Path, record: dict[str, Any]) -> None:
    """Append `record` as one line, in one write; create the folder if needed."""
    path = Path(path)
    line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, flags, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and _byte_at(fd, size - 1) != b"\n":
            line = b"\n" + line   # the last write was torn: keep this record on its own line
        os.write(fd, line)
    finally:
        os.close(fd)


def _byte_at(fd: int, offset: int) -> bytes:
    os.lseek(fd, offset, os.SEEK_SET)   # writes still go to the end (O_APPEND)
    return os.read(fd, 1)


def read(path: str | Path) -> list[dict[str, Any]]:
    """Every intact record, oldest first. A missing file gives []; damaged lines are skipped."""
    return list(iter_records(path))


def iter_records(path: str | Path) -> Iterator[dict[str, Any]]:
    try:
        data = Path(path).read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
        return
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            continue   # a line torn by a crash, or damaged by hand
        if _valid(record):
            yield record


def _valid(record: Any) -> bool:
    return (isinstance(record, dict) and isinstance(record.get("check"), str)
            and isinstance(record.get("passed"), bool)
            and isinstance(record.get("time"), int | float))
