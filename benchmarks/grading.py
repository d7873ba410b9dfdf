"""Cohort grading against serial `nbgrader autograde`, on the same generated cohort.

    python3 manage.py run python benchmarks/grading.py [--students 40] [--workers 1,2]
                                                       [--repeat 3] [--no-dask] [--no-serial]
                                                       [--stage 01_linear_algebra]

Generates a cohort of the tiny assignment (autograder.grading.synthetic: one
notebook, two exercises with hidden tests, a written answer; a third each of
correct, wrong and blank), or with --stage, of a real stage of this repository
(every notebook of it per student: a third each of the worked solutions, the
worked solutions with one answer per notebook left unimplemented, and the
untouched learner copies), then grades identical copies of it:

1. with `nbgrader autograde tiny` (one process, serial: the baseline);
2. with `autograder grade` on 1, 2, ... local worker processes, with and without
   the pre-started kernel, and on a Dask LocalCluster;

and prints the total and per-submission time of each, the speed-up over the
baseline (a ratio measured in the same run, so it survives a noisy machine),
and checks that every run gave every student the same score. Grading only:
feedback and the report are timed separately at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_stage_cohort(folder: Path, students: int, stage: str) -> Path:
    import re

    import nbformat

    from autograder.grading import synthetic
    from autograder.notebooks import nbgrader_meta, read_notebook

    root = synthetic.make_course(folder / "course", stages={}, copy_stages=[stage])
    markers = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*\n", re.M)
    repo = Path(__file__).resolve().parents[1]
    for path in sorted((root / "curriculum" / stage).glob("*.ipynb")):
        source = read_notebook(repo / "solutions" / stage / path.name)
        answers = {nbgrader_meta(c)["grade_id"]: markers.sub("", c.source)
                   for c in source.cells if nbgrader_meta(c).get("solution")
                   and c.cell_type == "code"}
        first = next(iter(answers))
        kinds = [answers, {**answers, first: answers[first].split("\n")[0] +
                           "\n    raise NotImplementedError()\n"}, None]
        release = read_notebook(path)
        for i in range(students):
            answers_i = kinds[i % 3]
            nb = synthetic.fill(release, answers_i) if answers_i else release
            dest = root / "submitted" / f"s{i:04d}" / stage
            dest.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(dest / path.name))
    return root


def make_cohort(folder: Path, students: int) -> Path:
    from autograder.grading import synthetic

    root = synthetic.make_course(folder / "course")
    kinds = [synthetic.CORRECT, {**synthetic.CORRECT, "row_means": synthetic.WRONG_ROW_MEANS},
             None]
    for i in range(students):
        synthetic.make_submission(root, f"s{i:04d}", kinds[i % 3])
    return root


def copy_course(root: Path, name: str) -> Path:
    dest = root.parent / name
    shutil.copytree(root, dest)
    return dest


ASSIGNMENT = "tiny"


def scores(root: Path) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {s.student.id: round(s.score, 6) for s in gb.assignment_submissions(ASSIGNMENT)}


def serial_nbgrader(root: Path) -> float:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "autograde", ASSIGNMENT,
                    "--force", "--log-level=ERROR"], cwd=root, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def ours(root: Path, workers: int, *, prestart: bool = True, dask: str | None = None):
    from autograder.grading.coordinator import Options, grade_assignment
    from autograder.grading.course import Course

    options = Options(workers=workers, prestart=prestart, dask=dask, progress=False)
    summary = grade_assignment(Course.open(root), ASSIGNMENT, options, say=lambda *_: None)
    assert summary.stopped is None, summary.stopped
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--workers", default="1,2",
                        help="comma-separated worker counts (default 1,2)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every run, interleaved; medians are reported "
                             "(use 3 on a shared machine)")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--no-serial", action="store_true", help="skip the nbgrader baseline")
    parser.add_argument("--stage", default=None,
                        help="a real stage of this repository (e.g. 01_linear_algebra) "
                             "instead of the tiny assignment")
    parser.add_argument("--no-full", action="store_true",
                        help="skip the timing of the whole command (feedback and report)")
    args = parser.parse_args()
    global ASSIGNMENT
    ASSIGNMENT = args.stage or "tiny"
    counts = [int(w) for w in args.workers.split(",")]
    n = args.students
    print(f"{n} submissions of {ASSIGNMENT}; {os.cpu_count()} cores; load average "
          f"{os.getloadavg()[0]:.1f} at the start")
    runs = [] if args.no_serial else [("nbgrader autograde (serial)", 0, True, None)]
    runs += [(f"autograder grade, {w} worker{'s' if w > 1 else ''}", w, True, None)
             for w in counts]
    if 2 in counts:
        runs.append(("autograder grade, 2 workers, no pre-started kernel", 2, False, None))
    if not args.no_dask:
        runs.append(("autograder grade, Dask LocalCluster, 2 workers", 2, True, "local"))
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        base = make_stage_cohort(Path(tmp), n, args.stage) if args.stage \
            else make_cohort(Path(tmp), n)
        times: dict[str, list[float]] = {label: [] for label, *_ in runs}
        executions: dict[str, list[float]] = {label: [] for label, *_ in runs}
        reference = None
        for round_ in range(args.repeat):
            for label, workers, prestart, dask in runs:
                course = copy_course(base, f"r{round_}-{len(times[label])}-{workers}-"
                                           f"{prestart}-{dask}")
                if workers == 0:
                    times[label].append(serial_nbgrader(course))
                else:
                    try:
                        summary = ours(course, workers, prestart=prestart, dask=dask)
                    except RuntimeError as exc:   # Dask not installed
                        print(f"skipped {label}: {exc}")
                        continue
                    times[label].append(summary.seconds)
                    executions[label].append(statistics.median(summary.per_submission))
                print(f"  {label}: {times[label][-1]:.1f} s (load average "
                      f"{os.getloadavg()[0]:.1f})", flush=True)
                got = scores(course)
                assert reference is None or got == reference, f"{label} disagrees on scores"
                reference = got
                shutil.rmtree(course)
        serial = statistics.median(times[runs[0][0]]) if not args.no_serial else None
        print(f"\n{'run':55s} {'total s':>8s} {'s/submission':>13s} {'vs serial':>10s}")
        for label, values in times.items():
            if not values:
                continue
            seconds = statistics.median(values)
            ratio = f"{serial / seconds:9.2f}x" if serial else ""
            print(f"{label:55s} {seconds:8.1f} {seconds / n:13.3f} {ratio:>10s}")
        print("\nmedian time executing one notebook inside its sandbox (kernel start "
              "excluded):")
        for label, values in executions.items():
            if values:
                print(f"  {label:53s} {statistics.median(values):6.2f} s")
        print("every run gave every student the same score")
        if serial:
            ours_best = min(statistics.median(v) for label, v in times.items()
                            if v and label != runs[0][0] and "Dask" not in label)
            dask = [statistics.median(v) for label, v in times.items() if v and "Dask" in label]
            extra = f"; Dask {serial / dask[0]:.2f}x" if dask else ""
            print(f"grading: {serial / ours_best:.1f}x serial nbgrader ({ASSIGNMENT}, {n} "
                  f"students, best local run{extra}; load average {os.getloadavg()[0]:.1f})")
        if args.no_full:
            return

        from autograder.cli import main as cli

        course = copy_course(base, "full")
        start = time.perf_counter()
        cli(["grade", ASSIGNMENT, "--root", str(course), "--workers", str(max(counts)), "--quiet"])
        print(f"\nthe whole command (grading + feedback + report) on {max(counts)} "
              f"workers: {time.perf_counter() - start:.1f} s")
    print(f"load average {os.getloadavg()[0]:.1f} at the end (the machine may be shared: "
          "read the ratios, not the seconds)")


if __name__ == "__main__":
    main()
