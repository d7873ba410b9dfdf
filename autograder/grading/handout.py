"""`autograder handout DEST`: the learner-only copy of the course, for instructors to give out.

It holds what a learner needs to work through the curriculum on their own
machine or an image: the learner notebooks (curriculum/), the check package
(autograder/), the environment (environment.yml, requirements/, pyproject.toml,
manage.py, binder/) and the learner's documentation. It never holds solutions/
(solutions, hidden tests, rubrics), nbgrader's folders of students' work, the
gradebook, the reports, the tests or the benchmarks (which read the solutions).
Files are copied from an allow-list, so a folder added to the repository later
stays out until someone decides it belongs to the hand-out.
"""

from __future__ import annotations

import shutil
from pathlib import Path

#: Top-level files and folders of the course that a learner gets (everything else stays).
INCLUDED = ["README.md", "manage.py", "pyproject.toml", "environment.yml",
            "nbgrader_config.py", "requirements", "binder", "curriculum", "autograder",
            "docs/learner.md", "docs/checks.md", "docs/figures", ".gitignore",
            ".dockerignore"]
#: Never copied, wherever they are below an included folder.
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")


def build_handout(root: Path, dest: Path) -> list[Path]:
    """Copy the learner-only files of the course at `root` into `dest` (which must not
    exist or be empty); return the top-level paths written."""
    root, dest = Path(root).resolve(), Path(dest).resolve()
    if dest == root or root in dest.parents:
        raise ValueError(f"{dest} is inside the course: give a folder outside {root}")
    if dest.exists() and any(dest.iterdir()):
        raise ValueError(f"{dest} is not empty: give a new folder for the hand-out")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name in INCLUDED:
        source = root / name
        if not source.exists():
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=SKIPPED, symlinks=False)
        else:
            shutil.copy2(source, target)
        written.append(target)
    return written


def add_parser(sub) -> None:
    p = sub.add_parser("handout", help="copy the learner-only course (no solutions, hidden "
                                       "tests, rubrics or grades) into a new folder")
    p.add_argument("dest", help="a new folder for the hand-out")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..release import find_course_root

    root = find_course_root(args.root)
    try:
        written = build_handout(root, Path(args.dest))
    except ValueError as exc:
        print(f"error: {exc}")
        return 2
    print(f"hand-out written to {args.dest}: {', '.join(p.name for p in written)}")
    print("It has no solutions/, hidden tests, rubrics, students' work or grades. "
          "Learners run `python3 manage.py lab` in it.")
    return 0
