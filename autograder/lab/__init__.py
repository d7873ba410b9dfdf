"""The learner's working copy of the curriculum, and the JupyterLab that opens on it.

- :mod:`.workspace`: make and update ``workspace/`` from ``curriculum/`` without
  ever overwriting a notebook the learner changed.
- :mod:`.jupyter`: the JupyterLab configuration for a learner (Validate on,
  the exchange panels and formgrader off) and for an instructor.
- ``python -m autograder.lab`` does both and starts JupyterLab
  (``python3 manage.py lab`` runs it inside the project's environment).
"""

from .workspace import Change, SyncResult, WorkspaceError, archive, sync

__all__ = ["Change", "SyncResult", "WorkspaceError", "archive", "sync"]
