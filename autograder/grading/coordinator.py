"""Grade every pending submission of one assignment: prepare, dispatch, save.

The coordinator is the only process that touches the gradebook. It keeps a
small window of jobs in flight (twice the worker slots), so memory stays flat
for any cohort size and the progress bar's ETA is honest. What was graded, from
which files, lives in the gradebook (autograder/grading/records.py), written
with the scores; a run that is killed resumes where it stopped. The journal
(reports/<stage>/journal.jsonl) is a log of the runs, appended after each
commit and never read back for results.
"""

from __future__ import annotations

import datetime
import os
import queue
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from .collect import Submission, find_submissions
from .course import Course
from .gradebook import (
    GradebookLocked,
    GradebookWriter,
    retry_while_locked,
    shared_engines,
    solution_stubs,
)
from .jobs import FAILED, Job, Result
from .journal import Journal
from .prepare import Prepared, Preparer
from .records import graded_digests
from .sandbox import Limits, detect, memory_limiter, sweep_stale_slots
from .tamper import REVIEW, Flag, runtime_flags

MAX_ATTEMPTS = 3   # a job whose worker crashed is sent again, then given up


def trusted_digest(course: Course, assignment: str) -> str:
    """A fingerprint of what student code must never change: this package's code and
    the assignment's source and released notebooks."""
    import hashlib

    from .sandbox import PACKAGE_DIR

    h = hashlib.sha256()
    folders = [Path(PACKAGE_DIR), course.source_dir(assignment), course.release_dir(assignment)]
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def held_flags(result: Result) -> list[Flag]:
    """A flag for each test cell the grader could not judge (held for a manual grade)."""
    return [Flag(result.notebook, REVIEW, "needs a manual grade", f"{gid}: {why}")
            for gid, why in sorted(result.undetermined.items())]


class IsolationBreach(RuntimeError):
    """Unsandboxed student code changed the grader's own files."""


@dataclass
class Options:
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    dask: str | None = None           # a scheduler address, or "local"
    limits: Limits = field(default_factory=Limits)
    sandbox: str = "auto"             # "auto", "require" or "off"
    prestart: bool = True
    regrade: bool = False
    students: list[str] | None = None
    db_wait: float = 600.0
    progress: bool = True


@dataclass
class RunSummary:
    assignment: str
    graded: list[str] = field(default_factory=list)     # students graded in this run
    skipped: int = 0                                    # already graded, unchanged
    seconds: float = 0.0
    per_submission: list[float] = field(default_factory=list)
    backend: str = ""
    sandbox: str = ""
    stopped: str | None = None                          # why the run stopped early
    memory: str = ""                                    # how memory is limited here


@dataclass
class _Batch:
    prepared: Prepared
    results: dict[str, Result] = field(default_factory=dict)
    waiting: int = 0
    started: float = 0.0


def make_backend(options: Options):
    from .workers import DaskBackend, LocalBackend

    if options.dask:
        return DaskBackend(options.dask, options.workers)
    return LocalBackend(options.workers)


def pending_submissions(course: Course, assignment: str, submissions: list[Submission],
                        done: dict[str, str], regrade: bool) -> list[Submission]:
    """Submissions not graded yet, changed since they were, or whose output is gone.

    done: student -> checksum of the files last graded (from the gradebook)."""
    if regrade:
        return submissions
    todo = []
    for sub in submissions:
        graded = done.get(sub.student) == sub.digest
        if graded and course.folder("autograded_directory", sub.student, assignment).is_dir():
            continue
        todo.append(sub)
    return todo


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="submission", disable=not enabled, dynamic_ncols=True,
                desc="grading", smoothing=0.1)


# C901 exception: the grading run's top level; to be split (collect, grade, record) once
# the concurrent grading/ work has landed.
def grade_assignment(course: Course, assignment: str, options: Options, say=print,  # noqa: C901
                     backend=None) -> RunSummary:
    """Grade the assignment's pending submissions; return what happened."""
    from .settings import check_settings

    start = time.perf_counter()
    summary = RunSummary(assignment)
    check_settings(course.config)   # refuse, before any work, what cannot be honoured
    notebooks = retry_while_locked(lambda: course.ensure_assignment(assignment, say),
                                   "reading the assignment", options.db_wait, say)
    journal = Journal(course.reports_dir(assignment) / "journal.jsonl")
    submissions = find_submissions(course, assignment, options.students)
    done = retry_while_locked(lambda: graded_digests(course, assignment),
                              "reading what is graded", options.db_wait, say)
    todo = pending_submissions(course, assignment, submissions, done, options.regrade)
    summary.skipped = len(submissions) - len(todo)
    sweep_stale_slots()   # what a killed run left behind
    capability = detect(force_fallback=options.sandbox == "off")
    summary.memory = memory_limiter()[1]
    summary.sandbox = "bubblewrap" if capability.isolated else "fallback"
    if not options.dask:
        if capability.warning:
            say(f"WARNING: {capability.warning}")
        if options.sandbox == "require" and not capability.isolated:
            raise RuntimeError(f"a sandbox is required (--sandbox require) but "
                               f"{capability.warning}")
    if summary.skipped:
        say(f"{summary.skipped} submissions already graded and unchanged (use --regrade to "
            "grade them again)")
    if not todo:
        summary.seconds = time.perf_counter() - start
        return summary
    cell_limit = course.cell_timeout()
    limits = options.limits
    if cell_limit and cell_limit < limits.cell_seconds:
        from dataclasses import replace
        limits = replace(limits, cell_seconds=cell_limit)
    preparer = Preparer(course, assignment, notebooks, limits, sandbox=options.sandbox,
                        prestart=options.prestart)
    tests = {name: {c.metadata.nbgrader["grade_id"] for c in nb.cells
                    if (c.metadata.get("nbgrader") or {}).get("grade")
                    and not c.metadata.nbgrader.get("solution") and c.cell_type == "code"}
             for name, nb in preparer.releases.items()}
    stubs = {name: solution_stubs(nb) for name, nb in preparer.releases.items()}
    writer = GradebookWriter(course, assignment, notebooks, tests,
                             wait_seconds=options.db_wait, say=say, stubs=stubs)
    own_backend = backend is None
    backend = backend or make_backend(options)
    summary.backend = backend.name
    done_queue: queue.Queue = queue.Queue()
    batches: dict[str, _Batch] = {}
    attempts: dict[str, int] = {}
    pending = deque(todo)
    in_flight = 0
    window = 2 * backend.slots + 1
    bar = _progress(len(todo), options.progress)

    def submit(job: Job) -> None:
        nonlocal in_flight
        in_flight += 1
        backend.submit(job, lambda j, f: done_queue.put((j, f)))

    # Without a sandbox, student code can reach the grader's own files: check after every
    # submission that it did not change them, and stop at once if it did.
    tripwire = None if capability.isolated else trusted_digest(course, assignment)

    def finish(batch: _Batch) -> None:
        if tripwire is not None and trusted_digest(course, assignment) != tripwire:
            raise IsolationBreach(
                f"while {batch.prepared.submission.student}'s submission ran without a sandbox, "
                "the grader's own code or the assignment's notebooks changed. Grading stopped; "
                "restore them (git checkout), then grade with bubblewrap installed.")
        prepared = batch.prepared
        sub = prepared.submission
        flags = list(prepared.flags)
        events = list(prepared.events)
        for result in batch.results.values():
            flags += runtime_flags(result.notebook, result.probe) + held_flags(result)
            events += result.events

        def log() -> dict:
            return {
                "graded_at": datetime.datetime.now(datetime.UTC).isoformat(),
                "seconds": round(sum(r.seconds for r in batch.results.values()), 3),
                "kernel_wait": round(sum(r.kernel_wait for r in batch.results.values()), 3),
                "wall_seconds": round(time.perf_counter() - batch.started, 3),
                "sandbox": sorted({r.sandbox for r in batch.results.values() if r.sandbox}),
                "events": events,
                "flags": [{"notebook": f.notebook, "severity": f.severity, "kind": f.kind,
                           "detail": f.detail} for f in flags],
            }

        try:
            scores = writer.save(sub, batch.results, flags, log())
        except GradebookLocked:
            raise
        except Exception as exc:  # noqa: BLE001 - one bad submission never stops the batch
            reason = f"its grades could not be saved ({type(exc).__name__}: {exc})"
            say(f"{sub.student}: {reason}")
            batch.results = {name: Result(sub.student, assignment, name, FAILED, reason=reason)
                             for name in notebooks}
            try:
                scores = writer.save(sub, batch.results, flags, log())
            except Exception:  # noqa: BLE001 - not recorded: the next run tries again
                bar.update(1)
                return
        entry = {"student": sub.student, "assignment": assignment, "digest": sub.digest,
                 **log(), **scores}
        journal.record(entry)   # a log of the run; results are read from the gradebook
        summary.graded.append(sub.student)
        summary.per_submission.append(entry["seconds"])
        bar.update(1)

    def fill_window() -> None:
        while pending and in_flight < window:
            sub = pending.popleft()
            try:
                prepared = retry_while_locked(lambda sub=sub: preparer.prepare(sub),
                                              f"preparing {sub.student}'s submission",
                                              options.db_wait, say)
            except GradebookLocked:
                raise
            except Exception as exc:  # noqa: BLE001 - graded as a failure, with the reason
                prepared = Prepared(sub, failures=[
                    Result(sub.student, assignment, name, FAILED,
                           reason=f"could not be prepared ({type(exc).__name__}: {exc})")
                    for name in notebooks])
            batch = _Batch(prepared, {r.notebook: r for r in prepared.failures},
                           len(prepared.jobs), time.perf_counter())
            if not prepared.jobs:
                finish(batch)
                continue
            batches[sub.student] = batch
            for job in prepared.jobs:
                submit(job)

    try:
        with shared_engines():
            # one engine per gradebook URL for the whole batch (see shared_engines)
            fill_window()
            while batches or pending:
                try:
                    job, future = done_queue.get(timeout=0.5)
                except queue.Empty:
                    bar.refresh()
                    continue
                in_flight -= 1
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - the worker itself crashed
                    attempts[job.key] = attempts.get(job.key, 1) + 1
                    if attempts[job.key] <= MAX_ATTEMPTS:
                        submit(job)
                        continue
                    result = Result(job.student, job.assignment, job.notebook, FAILED,
                                    reason=f"the grading worker failed {MAX_ATTEMPTS} times "
                                           f"({type(exc).__name__}: {exc})")
                batch = batches[job.student]
                batch.results[job.notebook] = result
                batch.waiting -= 1
                if batch.waiting == 0:
                    del batches[job.student]
                    finish(batch)
                fill_window()
    except (GradebookLocked, IsolationBreach) as exc:
        summary.stopped = str(exc)
    except KeyboardInterrupt:
        summary.stopped = ("interrupted: graded submissions are saved; run the same command "
                           "again to grade the rest")
    finally:
        bar.close()
        if own_backend:
            backend.close()
    summary.seconds = time.perf_counter() - start
    return summary
