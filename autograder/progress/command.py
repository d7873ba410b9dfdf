"""`autograder progress` (and `python3 manage.py progress`): print the report, save the chart."""

from __future__ import annotations

import argparse
import sys
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


def run_peer_review(args: argparse.Namespace) -> int:
    """`autograder peer-review export NOTEBOOK` / `import FILE`: see autograder.progress.peer."""
    from . import peer

    workspace = _workspace(args)
    if workspace is None:
        print("error: no learner workspace found: run `python3 manage.py lab` once, or pass "
              "--workspace", file=sys.stderr)
        return 1
    try:
        if args.action == "export":
            return _export(args, workspace, peer)
        record, notes = peer.import_review(args.target, workspace)
    except peer.ReviewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    total = sum(a["score"] for a in record["answers"].values())
    most = sum(a["max"] for a in record["answers"].values())
    print(f"Recorded {record['reviewer']}'s review of {record['notebook']}: {total:g}/{most:g} "
          f"points over {len(record['answers'])} answer(s).")
    for gid, item in record["answers"].items():
        if item["comment"].strip():
            print(f"  {gid}: {item['comment'].strip()[:300]}")
    for note in notes:
        print(f"Note: {note}")
    print("`python3 manage.py progress` shows it with the rest of your progress.")
    return 0


def _export(args: argparse.Namespace, workspace: Path, peer) -> int:
    from ..release import find_course_root

    target = Path(args.target)
    notebook = target if target.is_absolute() else workspace / target
    if not notebook.is_file() and target.is_file():
        notebook = target.resolve()
    try:
        relative = notebook.resolve().relative_to(workspace.resolve()).as_posix()
    except ValueError:
        raise peer.ReviewError(f"{args.target}: not a notebook in your workspace "
                               f"({workspace})") from None
    try:
        solution = find_course_root(args.root) / "solutions" / relative
    except Exception:  # outside a course checkout: no rubrics, the page still works
        solution = None
    page = peer.export_page(notebook, relative, solution, learner=args.name or "")
    out = Path(args.out) if args.out else workspace / peer.EXPORT_DIR
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{notebook.stem}.html"
    path.write_text(page, encoding="utf-8")
    print(f"Review page: {path}\nSend it to a peer. They open it in a browser, score each "
          "answer against its rubric and press 'Save my review'; then run\n"
          f"  python3 manage.py peer-review import review-{notebook.stem}.json")
    return 0
