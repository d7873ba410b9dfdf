#!/usr/bin/env python3
"""One entry point for learners, instructors and contributors.

    python3 manage.py lab        set up (first run only), update workspace/ and open JupyterLab
    python3 manage.py lab --instructor   open JupyterLab at the course root, with formgrader
    python3 manage.py progress   print where you stand; save the chart and an HTML page
    python3 manage.py peer-review export|import ...   a peer scores your written answers
    python3 manage.py test       set up the dev environment and run the test suite
    python3 manage.py release    regenerate curriculum/ from solutions/ with nbgrader
    python3 manage.py run CMD    run any command inside the project environment

Set-up means: a virtual environment in .venv with the exact versions in
requirements/*.lock, and this project's `autograder` package installed into it.
It is repeated only when the lock file changes. Only the standard library is
used here, so a fresh machine needs nothing but Python 3.11.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCKS = {"runtime": ROOT / "requirements" / "runtime.lock",
         "dev": ROOT / "requirements" / "dev.lock"}


def say(message: str) -> None:
    print(f"[manage] {message}", flush=True)


def venv_bin() -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin")


def venv_python() -> Path:
    return venv_bin() / ("python.exe" if os.name == "nt" else "python")


def env_vars() -> dict[str, str]:
    """The environment of an activated venv (nbgrader needs `alembic` on PATH)."""
    env = dict(os.environ)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = str(venv_bin()) + os.pathsep + env.get("PATH", "")
    env.pop("PYTHONHOME", None)
    return env


def check_python() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - runs on whatever python3 the learner has
        sys.exit(f"[manage] Python 3.11 is needed; this is {sys.version.split()[0]}. Install "
                 "Python 3.11 and run this again with it (e.g. `python3.11 manage.py lab`).")
    if sys.version_info[:2] != (3, 11):
        say(f"warning: the pinned versions were tested on Python 3.11; this is "
            f"{sys.version.split()[0]}. If installing fails, use Python 3.11.")


def stamp(kind: str) -> Path:
    return VENV / f".installed-{kind}"


def lock_digest(kind: str) -> str:
    """A fingerprint of what the install depends on: the lock file and the [project]
    table of pyproject.toml (dependencies, entry points), not tool settings."""
    import json
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    data = LOCKS[kind].read_bytes() + json.dumps(project, sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()


def is_current(kind: str) -> bool:
    """True when the venv already holds `kind` (the dev lock includes the runtime one)."""
    kinds = ["runtime", "dev"] if kind == "runtime" else ["dev"]
    return any(stamp(k).is_file() and stamp(k).read_text() == lock_digest(k) for k in kinds)


def ensure_env(kind: str) -> None:
    """Create .venv and install the `kind` lock into it, unless it is already there."""
    if is_current(kind) and venv_python().exists():
        return
    if not venv_python().exists():
        say(f"creating a virtual environment in {VENV.name}/")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    say(f"installing the pinned {kind} packages from {LOCKS[kind].relative_to(ROOT)} "
        "(first run only; about a minute)")
    pip = [str(venv_python()), "-m", "pip", "--disable-pip-version-check"]
    steps = [
        [*pip, "install", "-q", "-r", str(LOCKS[kind])],
        [*pip, "install", "-q", "--no-deps", "-e", str(ROOT)],
    ]
    for step in steps:
        result = subprocess.run(step, env=env_vars())
        if result.returncode != 0:
            sys.exit("[manage] installing failed (see pip's message above). Check your network "
                     "connection and that this is Python 3.11, then run the command again.")
    for other in LOCKS:
        stamp(other).unlink(missing_ok=True)
    stamp(kind).write_text(lock_digest(kind))
    say("environment ready")


def run(command: list[str], cwd: Path = ROOT) -> int:
    """Run `command` with the venv activated; return its exit code."""
    exe = shutil.which(command[0], path=str(venv_bin())) or command[0]
    try:
        return subprocess.run([exe, *command[1:]], cwd=cwd, env=env_vars()).returncode
    except KeyboardInterrupt:
        return 130


def cmd_lab(args: list[str]) -> int:
    """Copy new notebooks into workspace/ (never overwriting yours) and open JupyterLab there.

    Extra arguments go to JupyterLab (e.g. --no-browser --port=8890). As root (containers,
    CI) autograder.lab adds --allow-root, without which JupyterLab refuses to start.
    """
    ensure_env("runtime")
    return run(["python", "-m", "autograder.lab", *args])


def cmd_progress(args: list[str]) -> int:
    ensure_env("runtime")
    return run(["autograder", "progress", *args])


# What the sandbox and browser tests need from the system: command -> Debian package.
SYSTEM_TOOLS = {"bwrap": "bubblewrap", "chromium": "chromium"}


def ensure_system_tools() -> None:
    """Install bubblewrap and Chromium from Debian's packages when this is root with apt
    (a container, CI), as .ci/run does. Otherwise change nothing: the test run itself
    says, at its start and in its summary, which tests it skipped and how to install
    what they need."""
    missing = [pkg for cmd, pkg in SYSTEM_TOOLS.items() if shutil.which(cmd) is None]
    if not missing or os.name != "posix" or shutil.which("apt-get") is None \
            or os.geteuid() != 0:
        return
    say(f"installing {' '.join(missing)} with apt-get (the sandbox and browser tests need them)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    ok = subprocess.run(["apt-get", "update", "-q"], env=env).returncode == 0 and \
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
                       env=env).returncode == 0
    if not ok:
        say("warning: apt-get could not install them; their tests will be skipped")


def cmd_test(args: list[str]) -> int:
    ensure_env("dev")
    ensure_system_tools()
    # Every run ends with its 30 slowest tests (a later --durations=N in args wins): the
    # figures that tests/suite_order.py's table of long tests is refreshed from.
    return run(["pytest", "--durations=30", *args])


def cmd_release(args: list[str]) -> int:
    ensure_env("runtime")
    return run(["autograder", "release", *args])


def cmd_run(args: list[str]) -> int:
    if not args:
        sys.exit("[manage] usage: python3 manage.py run COMMAND [ARGS...]")
    ensure_env("dev")
    return run(args)


def cmd_peer_review(args: list[str]) -> int:
    ensure_env("runtime")
    return run(["autograder", "peer-review", *args])


COMMANDS = {"lab": cmd_lab, "progress": cmd_progress, "peer-review": cmd_peer_review,
            "test": cmd_test, "release": cmd_release, "run": cmd_run}


def main() -> None:
    check_python()
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(0 if len(sys.argv) >= 2 and sys.argv[1] in {"-h", "--help"} else 2)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))


if __name__ == "__main__":
    main()
