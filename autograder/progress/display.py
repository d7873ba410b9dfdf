"""Show the progress report in a notebook (a table and the chart) or print it in a terminal."""

from __future__ import annotations

import os
from pathlib import Path

from .build import build
from .model import Report
from .render import format_html, format_text


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_progress(workspace: str | Path | None = None) -> Report | None:
    """Show the report: in a notebook as a table and a chart, elsewhere as text."""
    if os.environ.get("NBGRADER_EXECUTION"):
        print("(Your progress is not shown while nbgrader grades or validates a notebook.)")
        return None
    report = build(workspace)
    if not _in_kernel():
        print(format_text(report))
        return report
    from IPython.display import HTML, Image, display

    from .figure import figure_png

    display(HTML(format_html(report)))
    if report.workspace is not None:   # without one there is nothing to draw (and CI runs
        display(Image(data=figure_png(report)))   # every notebook: the chart costs ~0.5 s)
    return None
