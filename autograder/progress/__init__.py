"""Where a learner stands: every check they run is recorded, and a report shows it.

- :mod:`.store`: the append-only store (workspace/.progress/checks.jsonl).
- :mod:`.hook`: the check listener that records outcomes (registered by a notebook's
  set-up, :func:`autograder.lab.session.start_session`).
- :mod:`.catalog`: the stages, notebooks and exercises of a workspace or curriculum.
- :mod:`.model`: what the report holds; :mod:`.build` makes it from a workspace;
  :mod:`.render` writes it as text or HTML (Jinja2 templates); :mod:`.figure` draws
  the chart; :mod:`.display` shows it in a notebook.
- :mod:`.cells`: adds the progress cell to the end of solution notebooks.

In a notebook: ``from autograder.progress import show_progress; show_progress()``.
From a shell: ``python3 manage.py progress``.

Kept light: importing this package loads neither matplotlib nor nbformat.
"""

from __future__ import annotations


def show_progress(workspace=None) -> None:
    """Show the progress report in a notebook (table and chart) or print it in a terminal."""
    from .display import show_progress as _show

    _show(workspace)


__all__ = ["show_progress"]
