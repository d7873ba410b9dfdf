"""A log of the grading runs: one JSON line per graded submission.

Appended and fsync'ed after the submission's grades and record are committed
to the gradebook. Nothing reads it back for results: what is graded, and
everything the report needs, lives in the gradebook (records.py). It is kept
for people (what happened when, on which sandbox, how long it took). A line cut
short by a kill is ignored by `entries`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class Journal:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def entries(self) -> list[dict]:
        """Every complete record, oldest first."""
        if not self.path.exists():
            return []
        found = []
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue   # the tail of a run that was killed mid-write
            if isinstance(entry, dict) and "student" in entry:
                found.append(entry)
        return found

    def latest(self) -> dict[str, dict]:
        """student -> the most recent record for them."""
        return {entry["student"]: entry for entry in self.entries()}

    def done(self) -> dict[str, str]:
        """student -> digest of the submitted files that were graded."""
        return {student: entry.get("digest", "") for student, entry in self.latest().items()}

    def record(self, entry: dict) -> None:
        line = json.dumps(entry, sort_keys=True) + "\n"
        with open(self.path, "a", encoding="utf-8") as fh:
            if fh.tell() > 0 and not self._ends_with_newline():
                fh.write("\n")   # after a torn line, start a fresh one
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def _ends_with_newline(self) -> bool:
        with open(self.path, "rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"
