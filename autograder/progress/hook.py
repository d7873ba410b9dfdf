"""Record every check a learner runs in their workspace's progress store.

:func:`register` adds :func:`record` as a check listener; a notebook's first
cell calls ``autograder.lab.session.start_session()``, which calls it.
Importing this module registers nothing. Recording:

- does nothing while nbgrader executes a notebook (``NBGRADER_EXECUTION`` is
  set by ``nbgrader validate`` and ``nbgrader autograde``), when
  ``AUTOGRADER_NO_PROGRESS=1``, or outside a learner workspace;
- never raises and never prints: a check's verdict and output are the same
  with or without it;
- costs one small append per check (``benchmarks/progress.py`` measures it).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..checks.events import Outcome, add_listener
from . import locate, store

DISABLE_ENV = "AUTOGRADER_NO_PROGRESS"

# (cwd, AUTOGRADER_WORKSPACE) -> workspace or None: found once per folder, not per check
_WORKSPACES: dict[tuple[str, str | None], Path | None] = {}


def recording_disabled() -> bool:
    """True while nbgrader grades or validates, or when the learner turned recording off."""
    if os.environ.get("NBGRADER_EXECUTION"):
        return True
    return os.environ.get(DISABLE_ENV, "").strip().lower() in {"1", "true", "yes"}


def _workspace() -> Path | None:
    key = (os.getcwd(), os.environ.get(store.WORKSPACE_ENV))
    if key not in _WORKSPACES:
        _WORKSPACES[key] = store.find_workspace()
    return _WORKSPACES[key]


def record(outcome: Outcome) -> None:
    """Append `outcome` to the workspace's store (a listener; never raises)."""
    try:
        if recording_disabled():
            return
        workspace = _workspace()
        if workspace is None:
            return
        notebook = locate.current_notebook(workspace)
        store.append(store.store_path(workspace), store.make_record(
            check=outcome.check, passed=outcome.passed, checks_passed=outcome.checks_passed,
            diagnosis=outcome.diagnosis, summary=outcome.summary, seconds=outcome.seconds,
            hidden=outcome.hidden,
            notebook=None if notebook is None else locate.relative_to(notebook, workspace),
            exercise=locate.exercise_for(outcome.check, notebook)))
    except Exception:  # a full disk, a read-only folder, a damaged notebook: never the check's
        return


def register() -> None:
    """Record every check from now on (idempotent; start_session calls it)."""
    add_listener(record)
