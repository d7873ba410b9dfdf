"""`python3 manage.py test` says what it skipped, grouped by reason, with the fix.

tests/conftest.py says what the machine lacks when the run starts, and ends it
with what was skipped, grouped by reason. Checked on a small suite of its
own, run by pytest in a subprocess, with and without xdist workers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _suite_conftest():
    import importlib.util

    spec = importlib.util.spec_from_file_location("suite_conftest", ROOT / "tests" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

SUITE = '''
import pytest

sandbox = pytest.mark.skipif(True, reason="bubblewrap is not installed")

@sandbox
def test_sandbox_1(): pass

@sandbox
def test_sandbox_2(): pass

@sandbox
def test_sandbox_3(): pass

def test_browser():
    pytest.skip("no Chromium at /nowhere/chromium: `apt-get install chromium`")

@pytest.mark.skip(reason="a reason of its own")
def test_other(): pass

def test_runs(): pass
'''

CONFTEST = f'''
import importlib.util

path = {str(ROOT / "tests" / "conftest.py")!r}
spec = importlib.util.spec_from_file_location("suite_conftest", path)
suite = importlib.util.module_from_spec(spec)
spec.loader.exec_module(suite)
pytest_terminal_summary = suite.pytest_terminal_summary
pytest_sessionstart = suite.pytest_sessionstart
'''


def pytest_run(folder: Path, *args: str, **env_extra: str) -> subprocess.CompletedProcess:
    """pytest on `folder` in a subprocess, with only the plugins named (start-up in seconds:
    the installed plugins, nbval's and playwright's, take most of a minute on a busy machine)."""
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", **env_extra)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args, "-q",
                           str(folder)], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("workers", [
    pytest.param(None, id="serial"),
    pytest.param("2", id="xdist", marks=pytest.mark.slow)])
def test_the_summary_groups_skips_by_reason_with_the_fix(tmp_path, workers):
    (tmp_path / "test_suite.py").write_text(SUITE)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    run = pytest_run(tmp_path, *(["-p", "xdist.plugin", "-n", workers] if workers else []))
    out = run.stdout
    assert run.returncode == 0, out + run.stderr
    summary = out[out.index("skipped tests, by reason"):]
    lines = [line for line in summary.splitlines()[1:] if "skipped:" in line]
    assert lines == [
        "3 sandbox tests skipped: bubblewrap is not installed "
        "(apt-get install bubblewrap, or run .ci/run)",
        "1 browser test skipped: Chromium is not installed (apt-get install chromium, or run "
        ".ci/run; or set CHROMIUM=/path/to/chromium)",
        "1 other test skipped: a reason of its own",
    ], out


def test_the_run_starts_by_naming_what_the_machine_lacks(tmp_path):
    (tmp_path / "test_suite.py").write_text("def test_runs(): pass\n")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    bare = tmp_path / "bin"                  # a PATH with python but no bwrap
    bare.mkdir()
    (bare / "python").symlink_to(sys.executable)
    run = pytest_run(tmp_path, PATH=str(bare), CHROMIUM=str(tmp_path / "no-chromium"))
    head = run.stdout.split("1 passed")[0]
    assert "WARNING: bubblewrap is not installed: the sandbox and cohort-grading tests will be " \
           "skipped (apt-get install bubblewrap, or run .ci/run)" in head, run.stdout
    assert "WARNING: Chromium is not installed: the browser tests will be skipped" in head
    ok = pytest_run(tmp_path, CHROMIUM=sys.executable)   # any file that exists
    assert "WARNING: Chromium" not in ok.stdout


def test_nothing_skipped_says_nothing(tmp_path):
    (tmp_path / "test_suite.py").write_text("def test_runs(): pass\n")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    run = pytest_run(tmp_path)
    assert run.returncode == 0 and "skipped tests, by reason" not in run.stdout, run.stdout


def test_groups_are_ordered_biggest_first_and_unknown_reasons_kept_verbatim():
    reasons = (["set AUTOGRADER_TEST_POSTGRES_URL to run"] + ["bubblewrap is not installed"] * 2
               + ["OpenBLAS not found in this process"])
    assert _suite_conftest().skip_summary(reasons) == [
        "2 sandbox tests skipped: bubblewrap is not installed "
        "(apt-get install bubblewrap, or run .ci/run)",
        "1 PostgreSQL gradebook test skipped: no PostgreSQL server is configured "
        "(set AUTOGRADER_TEST_POSTGRES_URL=postgresql://user:password@host/db)",
        "1 other test skipped: OpenBLAS not found in this process",
    ]
