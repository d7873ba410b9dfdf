"""``python -m autograder.lab``: the learner's workspace and JupyterLab.

    python -m autograder.lab [--instructor] [JUPYTER ARGS...]
        update workspace/ from curriculum/ (notebooks you only opened are
        replaced; your answers are merged into new versions, your old file kept
        in workspace/backups/) and open JupyterLab on it, at the notebook of
        your next exercise (--instructor: at the course root, with formgrader
        and Create Assignment; no workspace)
    python -m autograder.lab sync                        only update workspace/
    python -m autograder.lab config learner|instructor   write the JupyterLab config; print where
    python -m autograder.lab archive [--out FILE]        zip your work to download it

``python3 manage.py lab`` runs the first inside the project's environment.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..release import find_course_root
from . import jupyter
from .workspace import WorkspaceError, archive, sync

WORKSPACE = "workspace"


def _say(message: str) -> None:
    print(message, flush=True)


def _next_notebook(workspace: Path) -> str | None:
    try:
        from ..progress.build import build

        following = build(workspace).next_exercise()
        return following[0].path if following else None
    except Exception:
        return None


def cmd_lab(args: argparse.Namespace, extra: list[str]) -> int:
    root = find_course_root(args.root)
    if args.instructor:
        config = jupyter.write_config("instructor")
        _say(f"[lab] opening JupyterLab for an instructor at {root} (formgrader: the "
             "Nbgrader menu > Formgrader; stop it with Ctrl+C)")
        env = jupyter.lab_environment("instructor", config, None)
        return jupyter.run_lab(jupyter.lab_argv(root, extra), env, root)
    workspace = Path(args.workspace or root / WORKSPACE).resolve()
    try:
        _say(sync(root / "curriculum", workspace).summary())
    except WorkspaceError as exc:
        _say(f"[workspace] error: {exc}")
        return 1
    config = jupyter.write_config("learner")
    env = jupyter.lab_environment("learner", config, workspace)
    following = _next_notebook(workspace)
    url = f"/lab/tree/{following}" if following else None
    where = f", at {following}" if following else ""
    _say(f"[lab] opening JupyterLab on {workspace.name}/{where} (stop it with Ctrl+C)")
    return jupyter.run_lab(jupyter.lab_argv(workspace, extra, url), env, root)


def cmd_sync(args: argparse.Namespace, extra: list[str]) -> int:
    root = find_course_root(args.root)
    try:
        _say(sync(root / "curriculum", Path(args.workspace or root / WORKSPACE)).summary())
    except WorkspaceError as exc:
        _say(f"[workspace] error: {exc}")
        return 1
    return 0


def cmd_config(args: argparse.Namespace, extra: list[str]) -> int:
    print(jupyter.write_config(args.mode, args.dir))
    return 0


def cmd_archive(args: argparse.Namespace, extra: list[str]) -> int:
    if args.workspace:
        workspace = Path(args.workspace)
    else:
        from ..progress.store import find_workspace

        workspace = find_workspace() or find_course_root(args.root) / WORKSPACE
    try:
        out = archive(workspace, args.out)
    except WorkspaceError as exc:
        _say(f"[workspace] error: {exc}")
        return 1
    _say(f"[workspace] your work is in {out}: download it (in JupyterLab, right-click it in "
         "the file browser > Download)")
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", help="the course folder (default: found from here)")
    parser.add_argument("--workspace", help="the workspace folder (default: ROOT/workspace)")


def lab_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.lab", description=__doc__.split("\n\n")[0],
        epilog="Other arguments go to JupyterLab, e.g. --no-browser --port=8890. "
               "Subcommands: sync, config, archive (see the module's docstring).")
    _common(parser)
    parser.add_argument("--instructor", action="store_true",
                        help="open at the course root with formgrader and Create Assignment")
    parser.set_defaults(func=cmd_lab)
    return parser


def command_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder.lab")
    _common(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sync", help="update the workspace from curriculum/").set_defaults(
        func=cmd_sync)
    config = sub.add_parser("config", help="write the JupyterLab config folder")
    config.add_argument("mode", choices=jupyter.MODES)
    config.add_argument("--dir", help="where (default: inside the environment)")
    config.set_defaults(func=cmd_config)
    arch = sub.add_parser("archive", help="zip your work to download it")
    arch.add_argument("--out", help="the zip file to write")
    arch.set_defaults(func=cmd_archive)
    return parser


SUBCOMMANDS = ("sync", "config", "archive")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in SUBCOMMANDS for a in argv[:3]):
        args = command_parser().parse_args(argv)
        extra: list[str] = []
    else:
        args, extra = lab_parser().parse_known_args(argv)
    try:
        return args.func(args, extra)
    except FileNotFoundError as exc:
        _say(f"error: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
