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


def _parent(pid: int) -> int | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
        return int(text[text.rindex(")") + 2:].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _runnable_ns(pid: int) -> int:
    """Nanoseconds the threads of `pid` have been running or queued to run."""
    total = 0
    try:
        tasks = os.listdir(PROC / str(pid) / "task")
    except OSError:
        return 0
    for tid in tasks:
        try:
            fields = (PROC / str(pid) / "task" / tid / "schedstat").read_text().split()
            total += int(fields[0]) + int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    return total


def tree(root: int) -> list[int]:
    """`root` and all its live descendants ([] if `root` is gone or /proc is missing)."""
    if not (PROC / str(root)).is_dir():
        return []
    children: dict[int, list[int]] = {}
    for entry in os.listdir(PROC):
        if entry.isdigit():
            parent = _parent(int(entry))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def runnable_seconds(root: int) -> float | None:
    """Seconds the live threads of `root`'s process tree have been on a CPU or waiting
    for one (Linux); None where that cannot be read."""
    if not (PROC / "self" / "schedstat").exists():
        return None
    pids = tree(root)
    if not pids:
        return None
    return sum(_runnable_ns(pid) for pid in pids) / 1e9
