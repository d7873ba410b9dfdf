"""A durable record of which submissions are graded, so a run can be resumed.

One JSON line per graded submission, appended and fsync'ed only after its
grades are committed to the gradebook. Killed at any moment, the next run
reads the journal, skips what is recorded (unless the submitted files have
changed since) and grades the rest: every submission ends up graded exactly
once, and nothing already graded is lost. A line cut short by the kill is
ignored.
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
