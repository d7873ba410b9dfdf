"""The `autograder` command.

    autograder release [STAGE ...]   regenerate curriculum/ from solutions/ (all stages by default)
    autograder progress              where you stand across the curriculum (text, chart, HTML)
    autograder grade STAGE [ZIP_OR_FOLDER]
                                     grade a cohort: grades CSV, feedback and a cohort report
                                     (docs/grading.md)
"""

from __future__ import annotations

import argparse
import sys

from .release import ReleaseError, find_course_root, generate


def _release(args: argparse.Namespace) -> int:
    root = find_course_root(args.root)
    try:
        generate(root, args.stages or None)
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _progress(args: argparse.Namespace) -> int:
    from .progress.command import run_progress

    return run_progress(args)


def _peer_review(args: argparse.Namespace) -> int:
    from .progress.command import run_peer_review

    return run_peer_review(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description="Curriculum tools.")
    parser.add_argument("--root", default=None,
                        help="the course folder (default: found from the current folder)")
    sub = parser.add_subparsers(dest="command", required=True)
    release = sub.add_parser("release", help="regenerate curriculum/ from solutions/")
    release.add_argument("stages", nargs="*", help="stage folders, e.g. 00_orientation")
    release.set_defaults(func=_release)
    progress = sub.add_parser("progress", help="where you stand across the curriculum")
    progress.add_argument("--workspace", default=None,
                          help="the learner workspace (default: found from here, else "
                               "ROOT/workspace)")
    progress.add_argument("--out", default=None,
                          help="folder for progress.png and progress.html (default: the "
                               "workspace)")
    progress.add_argument("--no-files", action="store_true",
                          help="only print; write no chart or HTML page")
    progress.set_defaults(func=_progress)
    review = sub.add_parser("peer-review", help="export written answers for a peer to score, "
                            "or import their scores")
    review.add_argument("action", choices=("export", "import"))
    review.add_argument("target", help="export: a notebook in your workspace, e.g. "
                        "05_alignment_reflections/04_forming_your_own_views.ipynb; import: the "
                        "review-*.json file your peer sent")
    review.add_argument("--workspace", default=None,
                        help="the learner workspace (default: found from here, else "
                             "ROOT/workspace)")
    review.add_argument("--out", default=None,
                        help="export: folder for the page (default: WORKSPACE/peer_review)")
    review.add_argument("--name", default=None, help="export: your name, shown to the peer")
    review.set_defaults(func=_peer_review)
    from .grading.cli import add_parser as add_grade_parser

    add_grade_parser(sub)
    from .grading.handout import add_parser as add_handout_parser

    add_handout_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    # `grade STAGE --workers 4 download.zip`: argparse cannot take the optional
    # positional after options by itself.
    if (extra and args.command == "grade" and args.submissions is None and len(extra) == 1
            and not extra[0].startswith("-")):
        args.submissions, extra = extra[0], []
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        return args.func(args)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
