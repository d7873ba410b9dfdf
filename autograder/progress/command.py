"""`autograder progress` (and `python3 manage.py progress`): print the report, save the chart."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import store
from .build import build
from .render import format_text, html_page


def _workspace(args: argparse.Namespace) -> Path | None:
    if args.workspace:
        return Path(args.workspace)
    found = store.find_workspace()
    if found is not None:
        return found
    from ..release import find_course_root

    default = find_course_root(args.root) / "workspace"
    return default if default.is_dir() else None


def run_progress(args: argparse.Namespace) -> int:
    workspace = _workspace(args)
    report = build(workspace) if workspace is not None else build(None)
    print(format_text(report), end="")
    if args.no_files or report.workspace is None:
        return 0
    from .figure import figure_png

    out = Path(args.out) if args.out else report.workspace
    out.mkdir(parents=True, exist_ok=True)
    png = figure_png(report)
    (out / "progress.png").write_bytes(png)
    (out / "progress.html").write_text(html_page(report, png), encoding="utf-8")
    print(f"\nChart: {out / 'progress.png'}\nPage (opens in any browser, no server): "
          f"{out / 'progress.html'}")
    return 0
