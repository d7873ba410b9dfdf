"""`autograder grade`: from a folder or an LMS zip of submissions to grades, feedback and a report.

    autograder grade 00_orientation downloads/submissions.zip

collects the zip into nbgrader's submitted/ tree, grades every submission in
parallel sandboxes, and writes

    reports/00_orientation/grades.csv     nbgrader's grades export
    feedback/<student>/00_orientation/    HTML feedback, hidden tests removed
    reports/00_orientation/report.html    the cohort report
    reports/00_orientation/issues.csv     what failed, what was flagged

Run it again at any time: graded submissions are skipped (a changed file is
graded again), so an interrupted run simply continues. See docs/grading.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from .sandbox import Limits


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("grade", help="grade a cohort: grades CSV, feedback and a report",
                       description=__doc__.split("\n\n")[0],
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="See docs/grading.md for the instructor's guide.")
    p.add_argument("assignment", help="the stage to grade, e.g. 00_orientation")
    p.add_argument("submissions", nargs="?", default=None,
                   help="an LMS download (.zip) or a folder of notebooks; default: what is "
                        "already in submitted/")
    p.add_argument("--root", default=argparse.SUPPRESS,
                   help="the course folder (default: found from the current folder)")
    g = p.add_argument_group("where the work runs")
    g.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: one per core)")
    g.add_argument("--dask", metavar="ADDRESS", default=None,
                   help="run on a Dask cluster: a scheduler address (tcp://host:8786) or "
                        "'local' for a LocalCluster with --workers workers")
    g.add_argument("--sandbox", choices=("auto", "require", "off"), default=None,
                   help="auto: bubblewrap if it works here, else a warned fallback; "
                        "require: refuse to grade without it; off: no isolation")
    g.add_argument("--no-prestart", action="store_true",
                   help="do not boot the next kernel while a notebook runs")
    lim = p.add_argument_group("limits for each notebook")
    default = Limits()
    lim.add_argument("--timeout", type=float, default=None,
                     help=f"seconds for a whole notebook (default {default.notebook_seconds:g})")
    lim.add_argument("--cell-timeout", type=float, default=None,
                     help="seconds for one cell (default: nbgrader's Execute.timeout, "
                          f"at most {default.cell_seconds:g})")
    lim.add_argument("--memory", type=int, default=None,
                     help=f"MB of memory per process (default {default.memory_mb})")
    lim.add_argument("--processes", type=int, default=None,
                     help=f"processes and threads (default {default.processes})")
    lim.add_argument("--disk", type=int, default=None,
                     help=f"MB of private disk, and the largest file (default "
                          f"{default.disk_mb})")
    lim.add_argument("--output", type=float, default=None,
                     help=f"MB of output kept per cell (default {default.output_mb:g})")
    io = p.add_argument_group("input and output")
    io.add_argument("--students", default=None,
                    help="only these students, comma-separated")
    io.add_argument("--regrade", action="store_true",
                    help="grade again even what is already graded and unchanged")
    io.add_argument("--name-pattern", default="",
                    help="nbgrader zip_collect named_regexp with (?P<student_id>...) and "
                         "(?P<file_id>...) groups, for file names not recognised "
                         "automatically")
    io.add_argument("--db-url", default=None,
                    help="the gradebook (default: sqlite gradebook.db in the course; e.g. "
                         "postgresql://user@host/course for large courses)")
    io.add_argument("--db-wait", type=float, default=None,
                    help="seconds to wait for a locked gradebook (default 600)")
    io.add_argument("--no-feedback", action="store_true", help="skip the HTML feedback")
    io.add_argument("--no-report", action="store_true", help="skip the cohort report")
    io.add_argument("--feedback-only", action="store_true",
                    help="grade nothing: rewrite feedback, grades CSV and report from the "
                         "gradebook (e.g. after manual grading in formgrader)")
    io.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--help-all", action=_HelpAll, nargs=0,
                   help="also list the settings of nbgrader_config.py this command reads "
                        "(c.AutograderGrade.*, the limits above) and which nbgrader "
                        "settings it honours or refuses")
    p.set_defaults(func=run)
    return p


class _HelpAll(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        from .settings import help_all

        parser.print_help()
        print("\nSettings in nbgrader_config.py (a command-line option wins):\n")
        print(help_all())
        parser.exit()


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from ..release import find_course_root
    from .collect import CollectError, gather
    from .coordinator import Options, grade_assignment
    from .course import Course, CourseError
    from .export import export_grades, write_issues
    from .feedback import generate_all
    from .gradebook import GradebookLocked, retry_while_locked
    from .records import cohort_entries
    from .report import build_index, build_report
    from .settings import UnsupportedSetting, apply_config, check_settings

    try:
        given = getattr(args, "root", None)
        course = Course.open(given if given else find_course_root(None), args.db_url)
        assignment = args.assignment
        check_settings(course.config)
        apply_config(args, course.config)   # options not given: c.AutograderGrade.*
        notebooks = retry_while_locked(lambda: course.ensure_assignment(assignment, _say),
                                       "reading the assignment", args.db_wait, _say)
        students = [s.strip() for s in args.students.split(",")] if args.students else None
        summary = None
        if not args.feedback_only:
            gather(course, assignment, args.submissions, notebooks,
                   named_regexp=args.name_pattern, say=_say)
            limits = Limits(notebook_seconds=args.timeout, cell_seconds=args.cell_timeout,
                            memory_mb=args.memory, processes=args.processes,
                            disk_mb=args.disk, output_mb=args.output)
            options = Options(workers=args.workers, dask=args.dask, limits=limits,
                              sandbox=args.sandbox, prestart=not args.no_prestart,
                              regrade=args.regrade, students=students, db_wait=args.db_wait,
                              progress=not args.quiet)
            summary = grade_assignment(course, assignment, options, _say)
        folder = course.reports_dir(assignment)
        # the whole cohort as the gradebook has it now (manual grades included)
        entries, missing = retry_while_locked(lambda: cohort_entries(course, assignment),
                                              "reading the grades", args.db_wait, _say)
        csv_path = export_grades(course, assignment, folder / "grades.csv", args.db_wait, _say,
                                 entries=entries)
        issues = write_issues(entries, folder / "issues.csv")
        from .collect import CollectRecord
        from .lms import write_lms_grades

        record = CollectRecord(course, assignment)
        lms_files = write_lms_grades(folder, assignment, entries, record.lms, record.names)
        feedback = []
        if not args.no_feedback:
            fresh = set(summary.graded) if summary else {
                e["student"] for e in entries if not students or e["student"] in students}
            stale = [e for e in entries if e["student"] in fresh or not course.folder(
                "feedback_directory", e["student"], assignment).is_dir()]
            feedback = generate_all(course, assignment, stale, args.workers, _say,
                                    progress=not args.quiet, wait_seconds=args.db_wait)
        report = None
        if not args.no_report:
            report = build_report(course, assignment, notebooks, (entries, missing))
            build_index(course)
    except (CourseError, CollectError, FileNotFoundError, UnsupportedSetting) as exc:
        _say(f"error: {exc}")
        return 1
    except GradebookLocked as exc:
        _say(f"error: {exc}")
        return 3
    _print_summary(course, assignment, summary, entries, csv_path, issues, feedback, report)
    for path in lms_files:
        print(f"LMS:      {os.path.relpath(path, Path.cwd())}")
    if summary is not None and summary.stopped:
        _say(f"stopped early: {summary.stopped}")
        return 3
    return 0


def _print_summary(course, assignment, summary, entries, csv_path, issues, feedback,
                   report) -> None:
    rel = lambda p: os.path.relpath(p, Path.cwd())  # noqa: E731
    if summary is not None:
        n = len(summary.graded)
        if n:
            each = statistics.median(summary.per_submission)
            print(f"graded {n} submissions in {summary.seconds:.0f} s ({summary.backend}, "
                  f"{summary.sandbox} sandbox; median {each:.1f} s of execution each)")
            print(f"memory:   {summary.memory}")
        else:
            print("nothing new to grade")
    attention = sum(1 for e in entries if e.get("flags") or any(
        i.get("status") in ("failed", "partial") for i in e.get("notebooks", {}).values()))
    print(f"grades:   {rel(csv_path)}")
    if feedback:
        folder = course.root / course.coursedir.feedback_directory
        print(f"feedback: {rel(folder)}/<student>/{assignment}/ "
              f"({len(feedback)} files written)")
    if report:
        print(f"report:   {rel(report)}")
    print(f"issues:   {rel(issues)} ({attention} of {len(entries)} submissions need a look)")
