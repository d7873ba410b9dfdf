"""The package keeps its layers and has no import cycles (import-linter's contracts in
pyproject.toml: [tool.importlinter]), and it type-checks (mypy: [tool.mypy])."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is not installed (it is in the dev extra)"
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.slow
def test_the_package_type_checks():
    """mypy (configured in pyproject.toml: [tool.mypy]) finds no error in `autograder`.

    The cache lives under the temporary directory, so reruns take seconds; a cold run
    takes about 40 s of CPU."""
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent))
    assert mypy is not None, "mypy is not installed (it is in the dev extra)"
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]   # one cache per checkout
    cache = Path(tempfile.gettempdir()) / f"autograder-mypy-cache-{checkout}"
    result = subprocess.run([mypy, "--cache-dir", str(cache)], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Success: no issues found" in result.stdout
