"""Shared fixtures: where things are, and how to run a notebook."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import suite_order  # noqa: E402  (tests/suite_order.py, on the path just above)

# The suite runs one notebook kernel per xdist worker, one worker per core: each
# kernel gets one BLAS thread, or two-threaded matrix products on two busy cores
# thrash (stage 04 measured 20x slower training). Kernels inherit this environment.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# Stage 07 fine-tunes the learner's own GPT when their workspace holds one; the suite's
# notebooks always use the shipped checkpoint (autograder.rl.own_model), so runs are reproducible.
os.environ.setdefault("AUTOGRADER_RL_MODEL", "shipped")

# nbgrader needs the environment's bin/ on PATH (it runs `alembic`). Kernels keep
# matplotlib's inline backend, as a learner's do, so figures really render.
_bindir = str(Path(sys.executable).parent)
if _bindir not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bindir + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.hookimpl(optionalhook=True)     # pytest-xdist's hook, on the controller
def pytest_configure_node(node):
    """Tell each worker how tests are dealt out: workers see `--dist` reset to "no"."""
    node.workerinput["suite_order_dist"] = node.config.getoption("dist")


@pytest.hookimpl(trylast=True)          # after -k/-m have deselected: the batches count
def pytest_collection_modifyitems(config, items):
    """Run the known-long tests first, spread over the xdist workers (tests/suite_order.py),
    then each worker's modules with a test marked slow: each worker starts on its share at
    once and the short tests, stolen between workers, fill the end, instead of two long
    tests queued on one worker making the tail."""
    workerinput = getattr(config, "workerinput", {})
    workers = 1
    if workerinput.get("suite_order_dist") == "worksteal":
        workers = int(workerinput["workercount"])
    items[:] = suite_order.layout(items, lambda item: item.nodeid, workers,
                                  slow=lambda item: item.get_closest_marker("slow") is not None)


# -- say what was skipped, and how to run it ------------------------------------------
# (a pattern in the skip reason, what those tests are, what is missing, how to get it)
SKIP_KINDS = [
    (re.compile(r"bubblewrap", re.I), "sandbox", "bubblewrap is not installed",
     "apt-get install bubblewrap, or run .ci/run"),
    (re.compile(r"chromium", re.I), "browser", "Chromium is not installed",
     "apt-get install chromium, or run .ci/run; or set CHROMIUM=/path/to/chromium"),
    (re.compile(r"AUTOGRADER_TEST_POSTGRES_URL"), "PostgreSQL gradebook",
     "no PostgreSQL server is configured",
     "set AUTOGRADER_TEST_POSTGRES_URL=postgresql://user:password@host/db"),
]


def skip_reason(report) -> str:
    """The reason pytest recorded for a skipped test (also for reports from xdist workers)."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = str(longrepr[2])
    else:
        reason = str(getattr(getattr(longrepr, "reprcrash", None), "message", longrepr))
    return reason.removeprefix("Skipped: ").strip()


def skip_summary(reasons: list[str]) -> list[str]:
    """One line per group of skipped tests, the biggest group first:
    "12 sandbox tests skipped: bubblewrap is not installed (apt-get install ...)"."""
    groups: Counter[tuple[str, str, str]] = Counter()
    for reason in reasons:
        for pattern, what, missing, remedy in SKIP_KINDS:
            if pattern.search(reason):
                groups[(what, missing, remedy)] += 1
                break
        else:
            groups[("other", reason, "")] += 1
    lines = []
    for (what, missing, remedy), n in sorted(groups.items(), key=lambda kv: (-kv[1], kv[0])):
        tests = "test" if n == 1 else "tests"
        line = f"{n} {what} {tests} skipped: {missing}"
        lines.append(f"{line} ({remedy})" if remedy else line)
    return lines


def missing_tools() -> list[str]:
    """What this machine lacks for the whole suite to run (read before the tests start)."""
    lines = []
    if shutil.which("bwrap") is None:
        lines.append("bubblewrap is not installed: the sandbox and cohort-grading tests will be "
                     "skipped (apt-get install bubblewrap, or run .ci/run)")
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        lines.append("Chromium is not installed: the browser tests will be skipped "
                     "(apt-get install chromium, or run .ci/run)")
    return lines


def pytest_sessionstart(session):
    """Say what will be skipped before the run starts (also with -q; not in xdist workers)."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or hasattr(session.config, "workerinput"):
        return
    for line in missing_tools():
        reporter.write_line(f"WARNING: {line}", yellow=True, bold=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """End every run with what was skipped and why, grouped, with the command that fixes it."""
    reports = terminalreporter.stats.get("skipped", [])
    if not reports:
        return
    terminalreporter.section("skipped tests, by reason", sep="=", yellow=True, bold=True)
    for line in skip_summary([skip_reason(r) for r in reports]):
        terminalreporter.write_line(line, yellow=True, bold=True)
