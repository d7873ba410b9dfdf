"""Peer review of written answers, without an instructor: export a page, import the scores.

    autograder peer-review export 05_alignment_reflections/04_forming_your_own_views.ipynb
        writes workspace/peer_review/04_forming_your_own_views.html: every written answer
        of that notebook with its question, its rubric and a score form. Send the page to a
        peer; they open it in any browser (no server, no install), score each answer
        against its rubric, and press "Save my review", which downloads a small JSON file.
    autograder peer-review import review-04_forming_your_own_views.json
        records the review in workspace/.progress/reviews.jsonl; the progress report then
        shows the peer's points next to the written answers.

Each score is tied to the answer it judged by a SHA-256 of the answer's text: if the
learner rewrites an answer after the review, the report says the review is out of date
instead of counting it. Rubrics come from the course's solutions/ copy of the notebook
(present in a self-learner's clone); without it the page shows each answer's points only.
Nothing here touches the notebooks.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..notebooks import NotebookError, graded_cells, load_cells, nbgrader_meta
from . import store

FORMAT = "autograder-peer-review"
VERSION = 1
REVIEWS_FILE = "reviews.jsonl"
EXPORT_DIR = "peer_review"
MAX_COMMENT = 5000
MAX_REVIEWER = 100


class ReviewError(ValueError):
    """A review file or a notebook that cannot be used, with a message for the learner."""


@dataclass(frozen=True)
class WrittenAnswer:
    grade_id: str
    points: float
    question: str     # the markdown just before the answer cell (the prompt)
    answer: str       # what the learner wrote ("" when it is still the stub)
    rubric: str       # criteria and example answer, or "" when no rubric is available
    sha: str          # sha256 of the answer text


def answer_sha(text: str) -> str:
    """SHA-256 of an answer's text with surrounding whitespace removed."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def reviews_path(workspace: str | Path) -> Path:
    return Path(workspace) / store.STORE_DIR / REVIEWS_FILE


def _rubrics(solution: Path | None) -> dict[str, str]:
    """{grade_id: rubric text} from the solutions copy of a notebook ({} without one)."""
    if solution is None or not solution.is_file():
        return {}
    from ..notebooks import read_notebook
    from ..rubrics import groups

    try:
        return {a.grade_id: a.rubric for _, answers in groups(read_notebook(solution))
                for a in answers}
    except (NotebookError, ValueError):
        return {}


def written_answers(notebook: str | Path, solution: str | Path | None = None
                    ) -> list[WrittenAnswer]:
    """The manually graded answers of `notebook`, in order, with prompts and rubrics.

    notebook: the learner's .ipynb. solution: the instructor copy (for rubrics), optional.
    Raises ReviewError when the notebook cannot be read or has no written answers.
    """
    try:
        cells = load_cells(notebook)
    except NotebookError as exc:
        raise ReviewError(str(exc)) from None
    rubrics = _rubrics(Path(solution) if solution is not None else None)
    found = []
    for graded in graded_cells(cells):
        if graded.kind != "answer":
            continue
        question = ""
        for cell in reversed(cells[:graded.index]):
            if cell.get("cell_type") == "markdown" and not nbgrader_meta(cell).get("grade"):
                question = cell["source"]
                break
        text = graded.source if graded.written else ""
        found.append(WrittenAnswer(graded.grade_id, graded.points, question, text,
                                   rubrics.get(graded.grade_id, ""), answer_sha(text)))
    if not found:
        raise ReviewError(f"{notebook}: this notebook has no written answers to review")
    return found


def export_page(notebook: str | Path, relative: str, solution: str | Path | None = None,
                learner: str = "") -> str:
    """The self-contained review page (HTML) for the written answers of `notebook`.

    relative: the notebook's path inside the workspace ("05_.../04_x.ipynb"), written
    into the review file so that import can find it again.
    """
    from .render import _templates

    answers = written_answers(notebook, solution)
    payload = {"format": FORMAT, "version": VERSION, "notebook": relative,
               "answers": {a.grade_id: {"max": a.points, "answer_sha": a.sha}
                           for a in answers}}
    return _templates().get_template("peer_review.html.j2").render(
        title=Path(relative).stem, learner=learner, answers=answers,
        unanswered=sum(not a.answer for a in answers),
        payload=json.dumps(payload).replace("</", "<\\/"),
        steps=[(a.grade_id, [x / 2 for x in range(int(a.points * 2) + 1)]) for a in answers])


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def parse_review(data: Any) -> dict[str, Any]:
    """Check a review file's content; the cleaned review, or ReviewError saying what is wrong."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ReviewError("this is not a peer-review file (it was not saved from a review page)")
    if data.get("version") != VERSION:
        raise ReviewError(f"review format version {data.get('version')!r} is not supported "
                          f"(this copy reads version {VERSION})")
    notebook = data.get("notebook")
    if not isinstance(notebook, str) or not notebook.endswith(".ipynb") or ".." in notebook:
        raise ReviewError("the review does not name a notebook of the curriculum")
    reviewer = data.get("reviewer", "")
    if not isinstance(reviewer, str) or not reviewer.strip():
        raise ReviewError("the review has no reviewer name: ask your peer to fill it in")
    answers = data.get("answers")
    if not isinstance(answers, dict) or not answers:
        raise ReviewError("the review scores no answers")
    clean = {}
    for gid, item in answers.items():
        if not isinstance(item, dict):
            raise ReviewError(f"answer {gid!r}: not a score")
        score, most = _number(item.get("score")), _number(item.get("max"))
        if most is None or most < 0:
            raise ReviewError(f"answer {gid!r}: no maximum points")
        if score is None:
            continue   # left unscored by the reviewer
        if not 0 <= score <= most:
            raise ReviewError(f"answer {gid!r}: score {score:g} is outside 0 to {most:g}")
        comment = item.get("comment", "")
        if not isinstance(comment, str):
            raise ReviewError(f"answer {gid!r}: the comment is not text")
        sha = item.get("answer_sha")
        if not isinstance(sha, str) or len(sha) != 64:
            raise ReviewError(f"answer {gid!r}: the file does not say which answer was judged")
        clean[str(gid)] = {"score": score, "max": most, "comment": comment[:MAX_COMMENT],
                           "answer_sha": sha}
    if not clean:
        raise ReviewError("the reviewer scored none of the answers")
    return {"notebook": notebook, "reviewer": reviewer.strip()[:MAX_REVIEWER], "answers": clean}


def import_review(path: str | Path, workspace: str | Path, now: float | None = None
                  ) -> tuple[dict[str, Any], list[str]]:
    """Record the review in `path` for `workspace`; (the record, notes for the learner).

    Raises ReviewError (the file is not a usable review) without recording anything.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReviewError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReviewError(f"{path}: not a review file ({exc})") from None
    review = parse_review(data)
    notebook = Path(workspace) / review["notebook"]
    current = {a.grade_id: a for a in written_answers(notebook)}
    notes = []
    for gid, item in review["answers"].items():
        if gid not in current:
            raise ReviewError(f"{review['notebook']} has no written answer {gid!r}: was the "
                              "review made for another version of the notebook?")
        if item["max"] != current[gid].points:
            raise ReviewError(f"answer {gid!r} is worth {current[gid].points:g} points, but the "
                              f"review scored it out of {item['max']:g}")
        if item["answer_sha"] != current[gid].sha:
            notes.append(f"{gid}: you have changed this answer since the review, so its score "
                         "will not count until it is reviewed again")
    record = {"v": VERSION, "time": round(time.time() if now is None else now, 3), **review}
    store.append(reviews_path(workspace), record)
    return record, notes


def latest_reviews(workspace: str | Path) -> dict[tuple[str, str], dict[str, Any]]:
    """{(notebook, grade_id): the latest score for it, with reviewer and comment}."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    try:
        lines = reviews_path(workspace).read_bytes().split(b"\n")
    except OSError:
        return out
    for raw in lines:
        try:
            record = json.loads(raw) if raw.strip() else None
            if not isinstance(record, dict):
                continue
            review = parse_review({**record, "format": FORMAT, "version": VERSION})
        except ValueError:
            continue   # a torn or edited line: skipped, like the check store does
        for gid, item in review["answers"].items():
            out[(review["notebook"], gid)] = {**item, "reviewer": review["reviewer"],
                                              "time": record.get("time", 0)}
    return out
