"""What recording progress costs a check: the same checks with and without the listener.

    python3 manage.py run python benchmarks/progress.py [--repeats 200]

Runs every stage-00 check on its reference submission in a temporary learner
workspace, alternating between the listener off and on (so both see the same
machine load), and prints the median time per check for each and their ratio.
"On" is the full path a learner's kernel takes: find the workspace, read the
notebook's exercise index (cached), append one JSON line. A third row adds
JPY_SESSION_NAME, as JupyterLab sets it, so the notebook and exercise are
looked up too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from autograder.checks import all_checks, core
from autograder.progress import hook, locate, store

ROOT = Path(__file__).resolve().parent.parent


def _time(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    checks = [c for name, c in sorted(all_checks().items()) if ".orientation." in name]
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "workspace"
        shutil.copytree(ROOT / "curriculum", ws)
        (ws / store.MANIFEST).write_text("{}")
        os.chdir(ws / "00_orientation")
        os.environ.pop("NBGRADER_EXECUTION", None)
        os.environ.pop(store.WORKSPACE_ENV, None)
        notebook = str(ws / "00_orientation" / "02_numpy_warmup.ipynb")

        def run_all():
            for check in checks:
                try:
                    check(check.reference)
                except AssertionError:
                    pass

        import contextlib
        import io

        rows = {"off": [], "on": [], "on + session": []}
        with contextlib.redirect_stdout(io.StringIO()):
            run_all()   # warm-up: imports, caches
            for _ in range(args.repeats):
                core.remove_listener(hook.record)
                os.environ.pop(locate.SESSION_ENV, None)
                rows["off"] += _time(run_all, 1)
                core.add_listener(hook.record)
                rows["on"] += _time(run_all, 1)
                os.environ[locate.SESSION_ENV] = notebook
                rows["on + session"] += _time(run_all, 1)
        recorded = len(store.read(store.store_path(ws)))
    n = len(checks)
    base = statistics.median(rows["off"]) / n
    print(f"{n} stage-00 checks x {args.repeats} rounds, reference submissions; "
          f"{recorded} records written")
    print(f"{'listener':14s} {'median per check':>18s} {'ratio':>7s} {'extra per check':>16s}")
    for name, times in rows.items():
        per = statistics.median(times) / n
        print(f"{name:14s} {per * 1e3:15.3f} ms {per / base:7.3f} {(per - base) * 1e6:13.1f} us")


if __name__ == "__main__":
    main()
