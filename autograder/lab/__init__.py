"""The learner's working copy of the curriculum, and the JupyterLab that opens on it.

- :mod:`.workspace`: make and update ``workspace/`` from ``curriculum/`` without
  ever overwriting a notebook the learner changed.
- :mod:`.jupyter`: the JupyterLab configuration for a learner (Validate on,
  the exchange panels and formgrader off) and for an instructor.
- :mod:`.session`: ``start_session()``, called by every notebook's first cell.
- ``python -m autograder.lab`` does both and starts JupyterLab
  (``python3 manage.py lab`` runs it inside the project's environment).

The names below are loaded on first use, so ``import autograder.lab.session``
(in every notebook) does not import the workspace code.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Change", "SyncResult", "WorkspaceError", "archive", "sync"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import workspace

        return getattr(workspace, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
