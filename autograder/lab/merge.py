"""What a learner wrote in a notebook, and how to carry it into a new version.

JupyterLab rewrites a notebook when it is only opened, run or validated
(metadata, execution counts, outputs, trust signatures), so the bytes of the
file say nothing about whether the learner wrote anything. What they wrote is
the cells' types and sources (and a markdown cell's pasted images): that is
what :func:`cell_sha` fingerprints and what :func:`cell_records` keeps, per
cell, for the version that was copied into the workspace (the *base*).

:func:`merge` takes the learner's notebook, the base's records and the new
upstream notebook, and builds the new notebook with the learner's work in it:

- an answer cell (nbgrader ``solution``) the learner changed replaces the new
  version's stub of the same ``grade_id``; when that stub changed upstream the
  answer is still kept, and the exercise is flagged for a look;
- an answer to an exercise that is no longer there goes to the end, under a
  heading that says so;
- a cell the learner added goes after the cell it followed;
- a cell the learner changed that is not an answer (a demo, a text cell)
  replaces that cell when upstream did not change it, and otherwise is kept
  right after the new version of it, flagged.

Nothing here writes files; :mod:`.workspace` does.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..notebooks import EXERCISE_HEADER


class NotebookUnreadable(Exception):
    """The file is not a notebook that can be merged (the message says why)."""


def read_notebook(path: Path) -> dict:
    """The notebook at `path` as JSON, or NotebookUnreadable with the reason in words."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NotebookUnreadable(f"it cannot be read ({exc})") from None
    try:
        nb = json.loads(text)
    except ValueError as exc:
        raise NotebookUnreadable(
            f"it is not valid JSON (line {getattr(exc, 'lineno', '?')}, column "
            f"{getattr(exc, 'colno', '?')}: {getattr(exc, 'msg', exc)})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) or not all(
            isinstance(c, dict) and c.get("cell_type") in ("code", "markdown", "raw")
            for c in nb["cells"]):
        raise NotebookUnreadable("it is JSON but not a notebook (no list of cells)")
    if nb.get("nbformat") != 4:
        raise NotebookUnreadable(f"it is notebook format {nb.get('nbformat')!r}, not 4")
    return nb


def dumps(nb: dict) -> bytes:
    """The notebook as JupyterLab writes it (one-space indent, sorted keys, UTF-8)."""
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def source(cell: dict) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata") or {}
    return meta.get("nbgrader") or {} if isinstance(meta, dict) else {}


def grade_id(cell: dict) -> str | None:
    return nbgrader(cell).get("grade_id") or None


def is_answer(cell: dict) -> bool:
    """An nbgrader solution cell: where the learner writes an exercise's answer."""
    return bool(nbgrader(cell).get("solution"))


def cell_sha(cell: dict) -> str:
    """A fingerprint of what was written in `cell`: its type, source and attachments."""
    written = [cell.get("cell_type"), source(cell), cell.get("attachments") or None]
    return hashlib.sha256(json.dumps(written, sort_keys=True).encode()).hexdigest()[:20]


def cell_records(nb: dict) -> list[dict]:
    """Per cell, what the workspace remembers of the version it copied."""
    return [{"id": c.get("id"), "type": c.get("cell_type"), "grade_id": grade_id(c),
             "answer": is_answer(c), "sha": cell_sha(c)} for c in nb["cells"]]


def written(nb: dict) -> list[str]:
    """The notebook's content as the learner sees it: one fingerprint per cell, in order."""
    return [cell_sha(c) for c in nb["cells"]]


@dataclass
class Merged:
    notebook: dict
    carried: list[str] = field(default_factory=list)     # what was brought over, in words
    attention: list[str] = field(default_factory=list)   # what the learner should look at

    @property
    def changed(self) -> bool:
        """True when the result holds anything of the learner's (else it is the new version)."""
        return bool(self.carried or self.attention)


def _labels(cells: list[dict]) -> list[str | None]:
    """For each cell, the exercise it belongs to ('exercise 1.2 (fraction done)') or None."""
    labels, current = [], None
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            headers = list(EXERCISE_HEADER.finditer(source(cell)))
            if headers:
                match = headers[-1]
                current = f"exercise {match['nb']}.{match['k']} ({match['title']})"
        labels.append(current)
    return labels


def _first_line(cell: dict, width: int = 50) -> str:
    line = next((s.strip() for s in source(cell).splitlines() if s.strip()), "")
    return line if len(line) <= width else line[:width - 3] + "..."


def _key(record: dict) -> tuple:
    return ("g", record["grade_id"]) if record.get("grade_id") else ("c", record["sha"])


def align(base: list[dict], new_cells: list[dict]) -> dict[int, int]:
    """{base index: new index} for the cells that are the same cell in both versions.

    nbgrader cells are the same cell when their grade_id is; other cells when
    their content is, in order (difflib), or when they sit at the same place in a
    block that was rewritten cell for cell (same length, same types).
    """
    new = cell_records({"cells": new_cells})
    a, b = [_key(r) for r in base], [_key(r) for r in new]
    pairs: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.update(zip(range(i1, i2), range(j1, j2), strict=True))
        elif tag == "replace" and i2 - i1 == j2 - j1:
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                if base[i]["type"] == new[j]["type"] and not base[i].get("grade_id") \
                        and not new[j].get("grade_id"):
                    pairs[i] = j
    # grade ids are identities wherever they moved to
    new_by_grade = {r["grade_id"]: j for j, r in enumerate(new) if r.get("grade_id")}
    for i, r in enumerate(base):
        if r.get("grade_id"):
            pairs.pop(i, None)
            if r["grade_id"] in new_by_grade:
                pairs[i] = new_by_grade[r["grade_id"]]
    return pairs


def _match_to_base(mine: list[dict], base: list[dict]) -> list[int | None]:
    """For each of the learner's cells, the base cell it started as (None: they added it).

    By grade_id, else by cell id (JupyterLab keeps ids), else, for a cell that lost
    its id (cut and pasted, or saved by an older tool), by unchanged content.
    """
    by_grade = {r["grade_id"]: i for i, r in enumerate(base) if r.get("grade_id")}
    by_id = {r["id"]: i for i, r in enumerate(base) if r.get("id")}
    used: set[int] = set()
    found: list[int | None] = [None] * len(mine)
    for k, cell in enumerate(mine):
        gid = grade_id(cell)
        j = by_grade.get(gid) if gid else by_id.get(cell.get("id"))
        if j is not None and j not in used and base[j]["type"] == cell.get("cell_type"):
            found[k] = j
            used.add(j)
    for k, cell in enumerate(mine):
        if found[k] is None and not grade_id(cell):
            sha = cell_sha(cell)
            j = next((i for i, r in enumerate(base) if i not in used and r["sha"] == sha
                      and not r.get("grade_id")), None)
            if j is not None:
                found[k] = j
                used.add(j)
    return found


def _fresh(cell: dict, text_from: dict | None = None) -> dict:
    """A copy of `cell` without outputs, with the source (and images) of `text_from`."""
    out = copy.deepcopy(cell)
    if text_from is not None:
        out["source"] = source(text_from)
        if text_from.get("attachments"):
            out["attachments"] = copy.deepcopy(text_from["attachments"])
        else:
            out.pop("attachments", None)
    if out.get("cell_type") == "code":
        out["outputs"], out["execution_count"] = [], None
    return out


def _own(cell: dict, strip_grading: bool = False) -> dict:
    """The learner's cell as it goes into the new version (no outputs; no grading role)."""
    out = _fresh(cell)
    if strip_grading:
        meta = {k: v for k, v in (out.get("metadata") or {}).items()
                if k not in ("nbgrader", "deletable", "editable")}
        out["metadata"] = meta
    return out


def _earlier(cell: dict, when: str) -> dict:
    """The learner's version of a cell that also changed upstream, kept after the new one.

    A line says what it is, and an exercise header in it no longer reads as one
    (so the progress report does not count the exercise twice).
    """
    out = _own(cell, strip_grading=True)
    text = source(out)
    if out.get("cell_type") == "markdown":
        text = EXERCISE_HEADER.sub(lambda m: m[0].replace(" Exercise ", " (your earlier copy) "
                                                          "Exercise ", 1), text)
        out["source"] = f"*Your version of the cell above, from before the update of {when}:*" \
                        f"\n\n{text}"
    elif out.get("cell_type") == "code":
        out["source"] = f"# Your version of the cell above, from before the update of {when}:\n" \
                        f"{text}"
    return out


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def merge(mine: dict, base: list[dict], new: dict, when: str) -> Merged:
    """The `new` notebook with what the learner wrote in `mine` (which started as `base`).

    mine: the learner's notebook (JSON); base: :func:`cell_records` of the version
    it was copied from; new: the new upstream notebook; when: the update's date,
    for the heading over answers to exercises that are gone. Returns the merged
    notebook and, in words, what was carried over and what needs a look.
    """
    mine_cells, new_cells = mine["cells"], new["cells"]
    to_base = _match_to_base(mine_cells, base)
    to_new = align(base, new_cells)
    new_records = cell_records({"cells": new_cells})
    labels = _labels(mine_cells)
    result = Merged(copy.deepcopy(new))
    replace: dict[int, dict] = {}
    after: defaultdict[int, list[dict]] = defaultdict(list)   # new index (-1: top) -> cells
    orphans: list[tuple[str, dict]] = []
    anchor = -1
    for k, cell in enumerate(mine_cells):
        j = to_base[k]
        n = to_new.get(j) if j is not None else None
        label = labels[k] or (f"`{grade_id(cell)}`" if grade_id(cell) else None)
        if j is None:                                   # a cell the learner added
            if source(cell).strip() or cell.get("attachments"):
                after[anchor].append(_own(cell, strip_grading=True))
                result.carried.append(f'a cell you added ("{_first_line(cell)}")')
            continue
        if n is not None:
            anchor = n
        if cell_sha(cell) == base[j]["sha"]:            # not changed by the learner
            continue
        if base[j]["answer"]:
            name = label or "an answer"
            target = new_cells[n] if n is not None else None
            if n is not None and target is not None and is_answer(target) \
                    and target.get("cell_type") == cell.get("cell_type"):
                replace[n] = cell
                result.carried.append(f"your answer to {name}")
                if new_records[n]["sha"] != base[j]["sha"]:
                    result.attention.append(
                        f"{name}: its starting code changed in the new version; your answer is "
                        f"kept, check that it still fits (the new one starts "
                        f'"{_first_line(target, 70)}")')
            else:
                orphans.append((name, cell))
                result.attention.append(
                    f"{name} is no longer in this notebook; your answer is kept at the end, "
                    "under \"Your answers to exercises no longer here\"")
            continue
        # a cell that is not an answer (a demo, a text cell) that the learner changed
        what = f'a cell you changed ("{_first_line(cell)}")'
        if n is not None and new_records[n]["sha"] == base[j]["sha"]:
            replace[n] = cell
            result.carried.append(what)
        else:
            after[n if n is not None else anchor].append(_earlier(cell, when))
            result.carried.append(what)
            result.attention.append(
                f"{what}: that cell changed or went away in the new version, so yours is kept "
                "right after " + ("the new one" if n is not None else "the cell it followed"))
    cells = list(after[-1])
    upstream: set[int] = set()
    for n, cell in enumerate(new_cells):
        cells.append(_fresh(cell, replace.get(n)))
        upstream.add(id(cells[-1]))
        cells.extend(after[n])
    if orphans:
        cells.append(_markdown(
            f"## Your answers to exercises no longer here\n\nThe update of {when} removed "
            "these exercises from this notebook. Your answers are kept below so nothing you "
            "wrote is lost; they are not checked or graded."))
        for name, cell in orphans:
            cells.append(_markdown(f"**Your answer to {name}:**"))
            cells.append(_own(cell, strip_grading=True))
    _unique_ids(cells, upstream, new)
    result.notebook["cells"] = cells
    return result


def _unique_ids(cells: list[dict], upstream: set[int], new: dict) -> None:
    """Every cell gets an id, unique in the notebook, when the format has ids (4.5+).

    The new version's cells (`upstream`: their object ids) keep theirs; a cell of
    the learner's, or a heading added here, whose id is missing or taken gets one
    made from its position.
    """
    if new.get("nbformat_minor", 0) < 5:
        for cell in cells:
            cell.pop("id", None)
        return
    taken = {c.get("id") for c in cells if id(c) in upstream and c.get("id")}
    for k, cell in enumerate(cells):
        if id(cell) in upstream:
            continue
        if not cell.get("id") or cell["id"] in taken:
            n = k
            while f"yours-{n}" in taken:
                n += 1
            cell["id"] = f"yours-{n}"
        taken.add(cell["id"])
