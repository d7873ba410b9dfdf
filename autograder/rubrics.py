"""Show each written answer's rubric to graders in formgrader, and never to learners.

Why this exists: nbgrader's formgrader shows the *submitted* notebook. A rubric
kept only in the answer cell of solutions/ is replaced by "YOUR ANSWER HERE"
in the learner copy and by the learner's answer in the submission, so a grader
never sees it. nbgrader's own mark-scheme feature only works in "manually
graded task" cells (jupyter/nbgrader#1310, #1499), which our answer cells are not.

What we do instead: each written answer follows an autograded test cell (the
convention of docs/contributing.md). That test cell carries, inside its
``### BEGIN HIDDEN TESTS`` region, the rubric and example answer of every
answer cell up to the next test cell, as comments. nbgrader removes hidden
regions from the learner copy, and `autograde` restores the full test cell
from the gradebook, so the rubric is in the autograded notebook that formgrader
renders, right above the answers it grades. (Feedback reports made from the
autograded notebook show hidden regions unless they are stripped; the course's
feedback settings must strip them, as they must for hidden tests anyway.)

The answer cell in solutions/ stays the source of truth. After editing a
rubric there, copy it into the test cells with

    python -m autograder.rubrics sync solutions/05_alignment_reflections/*.ipynb

and `check` (used by the tests) reports any test cell whose copy is stale.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import nbformat

BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
BEGIN_RUBRICS = "# ===== RUBRICS for the written answers below (graders only) ====="
BANNER = "# (removed from the learner copy; strip hidden regions from feedback reports too)"
END_RUBRICS = "# ===== end of rubrics ====="
SOLUTION_REGION = re.compile(r"### BEGIN SOLUTION\n(.*?)\n?### END SOLUTION", re.S)
WIDTH = 96


@dataclass(frozen=True)
class Answer:
    grade_id: str
    points: float
    rubric: str       # the text between the solution markers of the answer cell


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _is_tests(cell) -> bool:
    m = _meta(cell)
    return cell.cell_type == "code" and bool(m.get("grade")) and not m.get("solution")


def _is_answer(cell) -> bool:
    m = _meta(cell)
    return bool(m.get("grade") and m.get("solution") and cell.cell_type == "markdown")


def groups(nb) -> list[tuple[int, list[Answer]]]:
    """[(index of a test cell, the answer cells after it up to the next test cell)].

    Raises ValueError for an answer cell with no test cell before it, or with no
    rubric between solution markers.
    """
    out: list[tuple[int, list[Answer]]] = []
    for i, cell in enumerate(nb.cells):
        if _is_tests(cell):
            out.append((i, []))
        elif _is_answer(cell):
            gid = _meta(cell).get("grade_id", f"cell {i}")
            if not out:
                raise ValueError(f"answer cell {gid} has no test cell before it to carry its "
                                 "rubric")
            match = SOLUTION_REGION.search(cell.source)
            if not match:
                raise ValueError(f"answer cell {gid} has no ### BEGIN/END SOLUTION rubric")
            out[-1][1].append(Answer(gid, float(_meta(cell).get("points", 0)),
                                     match.group(1).strip("\n")))
    return [(i, answers) for i, answers in out if answers]


def _comment(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if not line.strip():
            lines.append("#")
            continue
        bullet = re.match(r"\s*(?:[-*] |\d+\. )?", line)  # always matches (all optional)
        indent = bullet.group(0) if bullet else ""
        wrapped = textwrap.wrap(line, WIDTH - 2, subsequent_indent=" " * len(indent),
                                break_long_words=False, break_on_hyphens=False) or [line]
        lines += ["# " + w for w in wrapped]
    return lines


def rubric_block(answers: list[Answer]) -> str:
    """The commented block a test cell carries for the answers that follow it."""
    # Two banner lines first: a failing check's traceback shows the three source lines
    # after it, and those must not reach any rubric text.
    lines = [BEGIN_RUBRICS, BANNER]
    for a in answers:
        points = f"{a.points:g} point{'s' if a.points != 1 else ''}"
        lines.append(f"# ----- {a.grade_id} ({points}) -----")
        lines += _comment(a.rubric)
    lines.append(END_RUBRICS)
    return "\n".join(lines)


def _with_block(source: str, block: str) -> str:
    """`source` with its rubric block replaced (or added inside the hidden region)."""
    if BEGIN_RUBRICS in source:
        start = source.index(BEGIN_RUBRICS)
        end = source.index(END_RUBRICS, start) + len(END_RUBRICS)
        return source[:start] + block + source[end:]
    if BEGIN_HIDDEN in source:
        end = source.index(END_HIDDEN)
        return source[:end] + block + "\n" + source[end:]
    return source.rstrip("\n") + f"\n{BEGIN_HIDDEN}\n{block}\n{END_HIDDEN}"


def _normalized(text: str) -> str:
    return " ".join(text.split())


def _uncomment(block: str) -> dict[str, str]:
    """{grade_id: rubric text} recovered from a block (whitespace-normalised)."""
    found: dict[str, list[str]] = {}
    current = None
    for line in block.splitlines():
        head = re.match(r"# ----- (\S+) \(", line)
        if head:
            current = head.group(1)
            found[current] = []
        elif current and line.startswith("#") and line not in (END_RUBRICS,):
            found[current].append(line[2:] if line.startswith("# ") else line[1:])
    return {k: _normalized("\n".join(v)) for k, v in found.items()}


def problems(nb) -> list[str]:
    """What is missing or stale, one line per test cell ([] if every rubric is in place)."""
    issues = []
    for index, answers in groups(nb):
        source = nb.cells[index].source
        gid = _meta(nb.cells[index]).get("grade_id", f"cell {index}")
        if BEGIN_RUBRICS not in source:
            issues.append(f"test cell {gid} carries no rubric block for "
                          f"{', '.join(a.grade_id for a in answers)}")
            continue
        hidden = source[source.find(BEGIN_HIDDEN):source.find(END_HIDDEN)]
        if BEGIN_RUBRICS not in hidden:
            issues.append(f"test cell {gid}: the rubric block is outside the hidden region, "
                          "so learners would see it")
            continue
        start = source.index(BEGIN_RUBRICS)
        block = source[start:source.index(END_RUBRICS, start)]
        copies = _uncomment(block)
        for a in answers:
            if copies.get(a.grade_id) != _normalized(a.rubric):
                issues.append(f"test cell {gid}: the copy of the rubric of {a.grade_id} is "
                              "missing or differs from the answer cell")
        extra = set(copies) - {a.grade_id for a in answers}
        if extra:
            issues.append(f"test cell {gid} carries rubrics of other cells: {sorted(extra)}")
    return issues


def sync(nb) -> bool:
    """Write every test cell's rubric block from the answer cells; True if anything changed."""
    changed = False
    for index, answers in groups(nb):
        cell = nb.cells[index]
        new = _with_block(cell.source, rubric_block(answers))
        if new != cell.source:
            cell.source = new
            changed = True
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.rubrics",
                                     description="Copy answer-cell rubrics into the hidden "
                                                 "part of the test cell before them.")
    parser.add_argument("command", choices=("sync", "check"))
    parser.add_argument("notebooks", nargs="+",
                        help="notebooks, or folders to search for them (e.g. solutions/)")
    args = parser.parse_args(argv)
    status = 0
    paths: list[Path] = []
    for given in map(Path, args.notebooks):
        if given.is_dir():
            paths += sorted(p for p in given.rglob("*.ipynb")
                            if ".ipynb_checkpoints" not in p.parts)
        elif given.is_file():
            paths.append(given)
        else:
            print(f"{given}: no such notebook or folder", file=sys.stderr)
            status = 1
    for path in paths:
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception as exc:  # noqa: BLE001 - any unreadable file: say which and go on
            print(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})",
                  file=sys.stderr)
            status = 1
            continue
        try:
            if args.command == "sync":
                if sync(nb):
                    nbformat.write(nb, str(path))
                    print(f"updated {path}")
            else:
                for issue in problems(nb):
                    print(f"{path}: {issue}")
                    status = 1
        except ValueError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
