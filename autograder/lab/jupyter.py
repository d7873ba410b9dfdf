"""How JupyterLab is configured and started, for a learner and for an instructor.

nbgrader 0.9.6 ships one JupyterLab extension with these plugins, and four
server extensions (``jupyter labextension list``, ``jupyter server extension
list``, and the ids in ``share/jupyter/labextensions/@jupyter/nbgrader``):

- ``@jupyter/nbgrader:validate-assignment`` (the Validate button) with the
  ``nbgrader.server_extensions.validate_assignment`` server extension: on for both;
- ``@jupyter/nbgrader:create-assignment`` (the cell-role toolbar) and
  ``@jupyter/nbgrader:menu`` (the Nbgrader menu): instructor only;
- ``@jupyter/nbgrader:formgrader`` with ``nbgrader.server_extensions.formgrader``:
  instructor only;
- ``@jupyter/nbgrader:assignment-list`` and ``@jupyter/nbgrader:course-list`` with
  ``nbgrader.server_extensions.assignment_list`` and ``.course_list``: off for both.

The assignment and course lists need an nbgrader exchange (a shared folder
on a JupyterHub); a self-learner has none, and an instructor here collects
with ``zip_collect`` or a folder. Instructors on a JupyterHub with an exchange
configure nbgrader there as usual.

Both also turn off JupyterLab's news and update checks: left at their
defaults, the first page load shows a "Would you like to get notified about
official Jupyter news?" toast over the right side of the notebook, where the
check messages are. ``labconfig/default_setting_overrides.json`` sets the
defaults of ``@jupyterlab/apputils-extension:notification`` (``fetchNews``
"false", ``checkForUpdates`` false; a learner can still turn them on in the
Settings Editor), and the server gets no news URL and never checks for updates.

The settings live in a small Jupyter config folder (``labconfig/page_config.json``,
``labconfig/default_setting_overrides.json`` and ``jupyter_server_config.json``)
put first on ``JUPYTER_CONFIG_PATH``, so
they apply only to JupyterLab started this way and leave the environment's
own configuration alone. The server runs in the course root, because
nbgrader's Validate handler reads ``nbgrader_config.py`` from the server's
current folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

MODES = ("learner", "instructor")
LAB_PLUGINS_OFF = {
    "learner": ["@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list",
                "@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                "@jupyter/nbgrader:menu"],
    "instructor": ["@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list"],
}
# Read by jupyterlab_server from every `labconfig` folder on the config path.
SETTING_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}
SERVER_EXTENSIONS_OFF = {
    "learner": ["nbgrader.server_extensions.assignment_list",
                "nbgrader.server_extensions.course_list",
                "nbgrader.server_extensions.formgrader"],
    "instructor": ["nbgrader.server_extensions.assignment_list",
                   "nbgrader.server_extensions.course_list"],
}


def config_files(mode: str) -> dict[str, dict]:
    """{relative path: JSON content} of the config folder for `mode`."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    return {
        "labconfig/page_config.json": {
            "disabledExtensions": {plugin: True for plugin in LAB_PLUGINS_OFF[mode]}},
        "labconfig/default_setting_overrides.json": SETTING_OVERRIDES,
        "jupyter_server_config.json": {
            "ServerApp": {"jpserver_extensions": {
                ext: False for ext in SERVER_EXTENSIONS_OFF[mode]}},
            "LabApp": {"news_url": None,
                       "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"}},
    }


def default_config_dir(mode: str) -> Path:
    """Where the config folder for `mode` goes: inside the environment when it is writable."""
    folder = Path(sys.prefix) / "etc" / "alignment-curriculum" / f"jupyter-{mode}"
    probe = folder if folder.exists() else Path(sys.prefix)
    if os.access(probe, os.W_OK):
        return folder
    return Path(tempfile.gettempdir()) / f"alignment-curriculum-{os.getuid()}" / f"jupyter-{mode}"


def write_config(mode: str, folder: str | Path | None = None) -> Path:
    """Write (or refresh) the config folder for `mode`; return it."""
    folder = Path(folder) if folder is not None else default_config_dir(mode)
    for rel, content in config_files(mode).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(content, indent=2, sort_keys=True) + "\n"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    return folder


def lab_environment(mode: str, config_dir: Path, workspace: Path | None,
                    base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment JupyterLab (and so every kernel it starts) runs with."""
    env = dict(os.environ if base is None else base)
    paths = [str(config_dir)] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep)
                                 if p and p != str(config_dir)]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    if workspace is not None:
        env["AUTOGRADER_WORKSPACE"] = str(workspace)
    else:
        env.pop("AUTOGRADER_WORKSPACE", None)
    bindir = str(Path(sys.executable).parent)   # nbgrader runs `alembic` through PATH
    if bindir not in env.get("PATH", "").split(os.pathsep):
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env


def lab_argv(root_dir: Path, extra: list[str], default_url: str | None = None) -> list[str]:
    argv = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root_dir}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        argv.append("--allow-root")   # containers often run as root; Jupyter refuses without it
    if default_url and not any(a.startswith(("--ServerApp.default_url", "--LabApp.default_url"))
                               for a in extra):
        argv.append(f"--LabApp.default_url={default_url}")
    return argv + list(extra)


def run_lab(argv: list[str], env: dict[str, str], cwd: Path) -> int:
    """Run JupyterLab until it stops (Ctrl+C); return its exit code.

    On POSIX this process becomes JupyterLab (exec), so a signal that stops
    this command stops the server too, and no server is left behind.
    """
    sys.stdout.flush()
    if os.name == "posix":
        os.chdir(cwd)
        os.execve(argv[0], argv, env)
    try:
        return subprocess.run(argv, env=env, cwd=cwd).returncode
    except KeyboardInterrupt:
        return 130
