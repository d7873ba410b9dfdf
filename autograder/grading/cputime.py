"""How long a sandbox's processes wanted the CPU: run time plus run-queue wait, from /proc.

A cell's time limit is wall-clock time. On a loaded machine the grading worker
can wait for its turn on a CPU for seconds while the kernel, its request
answered or not yet read, sleeps: running out of wall time then says nothing
about the student's code. What the kernel's threads did does: a student's
loop keeps its thread *runnable* (on a CPU, or queued for one, however busy
the machine is), while a kernel waiting for a request or a reply sleeps.
Linux counts both for every thread (``/proc/<pid>/task/<tid>/schedstat``:
nanoseconds on a CPU, nanoseconds waiting in the run queue).
"""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def _threads(pid: int) -> list[str]:
    try:
        return os.listdir(PROC / str(pid) / "task")
    except OSError:
        return []


def _read(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError:
        return []


def runnable_seconds(root: int) -> float | None:
    """Seconds the live threads of `root`'s process tree have been on a CPU or waiting
    for one (Linux: schedstat, and each thread's `children` to walk the tree without
    scanning all of /proc); None where that cannot be read."""
    if not (PROC / "self" / "schedstat").exists() or not _threads(root):
        return None
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        for tid in _threads(pid):
            folder = PROC / str(pid) / "task" / tid
            fields = _read(folder / "schedstat")
            if len(fields) >= 2 and fields[0].isdigit() and fields[1].isdigit():
                total += int(fields[0]) + int(fields[1])
            todo += [int(c) for c in _read(folder / "children") if c.isdigit()]
    return total / 1e9
