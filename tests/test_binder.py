"""Binder: repo2docker builds from binder/, reusing environment.yml, and opens the learner setup.

repo2docker ignores the repository's top-level environment.yml once binder/
exists, so binder/environment.yml is a copy; a symlink is not enough, because
repo2docker puts the file into the Docker build context on its own (tarfile
keeps the link, and its target is not copied with it). These tests keep the
copy equal and render the build with repo2docker itself (`--no-build` needs
no Docker engine).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.lab import jupyter

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


def test_binder_environment_is_the_root_environment():
    assert not (BINDER / "environment.yml").is_symlink()
    assert (BINDER / "environment.yml").read_bytes() == (ROOT / "environment.yml").read_bytes(), (
        "binder/environment.yml must equal environment.yml: cp environment.yml binder/")


def test_binder_scripts_are_executable_bash():
    for name in ("postBuild", "start"):
        script = BINDER / name
        assert os.access(script, os.X_OK), f"binder/{name} must be executable (chmod +x)"
        assert script.read_text().startswith("#!/usr/bin/env bash\n")
        subprocess.run(["bash", "-n", str(script)], check=True)


def test_post_build_installs_the_package_and_makes_the_workspace():
    text = (BINDER / "postBuild").read_text()
    assert "pip install --no-cache-dir --no-deps -e ." in text
    assert "python -m autograder.lab sync" in text
    assert "temporary" in text and "Download" in text and "autograder.lab archive" in text


@pytest.mark.slow
def test_repo2docker_renders_the_binder_build():
    exe = shutil.which("jupyter-repo2docker", path=str(Path(sys.executable).parent))
    assert exe, "jupyter-repo2docker is a dev dependency (pyproject.toml)"
    result = subprocess.run([exe, "--no-build", "--debug", "--user-id", "1000",
                             "--user-name", "jovyan", str(ROOT)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout + result.stderr
    assert "Building conda environment for python=3.11" in out
    assert "COPY --chown=1000:1000 src/binder/environment.yml" in out
    assert 'env update -p ${NB_PYTHON_PREFIX} --file "binder/environment.yml"' in out
    assert "RUN ./binder/postBuild" in out
    assert 'ENV R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in out
    # The top-level environment.yml is not what Binder uses.
    assert 'src/environment.yml' not in out


def test_start_gives_the_server_the_learner_config(tmp_path):
    env = dict(os.environ, REPO_DIR=str(tmp_path),
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    env.pop("JUPYTER_CONFIG_PATH", None)
    probe = ("import json, os; print(json.dumps({k: os.environ.get(k) for k in "
             "('JUPYTER_CONFIG_PATH', 'AUTOGRADER_WORKSPACE')}))")
    result = subprocess.run(["bash", str(BINDER / "start"), sys.executable, "-c", probe],
                            env=env, capture_output=True, text=True, check=True)
    seen = json.loads(result.stdout)
    assert seen["AUTOGRADER_WORKSPACE"] == str(tmp_path / "workspace")
    config = Path(seen["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0])
    page = json.loads((config / "labconfig" / "page_config.json").read_text())
    assert set(page["disabledExtensions"]) == set(jupyter.LAB_PLUGINS_OFF["learner"])
    server = json.loads((config / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"] == {
        ext: False for ext in jupyter.SERVER_EXTENSIONS_OFF["learner"]}


def test_readme_has_the_badge_and_the_binder_warning():
    guide = (ROOT / "README.md").read_text()
    assert "https://mybinder.org/badge_logo.svg" in guide
    assert "urlpath=lab/tree/workspace/00_orientation/01_how_this_works.ipynb" in guide
    assert "temporary" in guide and "Download" in guide
