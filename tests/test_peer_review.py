"""Peer review without an instructor: the exported page, the review file, the report.

The round trip uses the made-up course (tests/synthetic_course.py); the rubric part uses a
real stage-05 notebook and its solutions copy, where the rubrics live. The page's own
JavaScript is driven in Chromium (tests/browser) when it is installed.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from synthetic_course import NB3, set_answer, write_course

from autograder.cli import main as cli_main
from autograder.lab.workspace import sync
from autograder.progress import build, peer, render, store

ROOT = Path(__file__).resolve().parents[1]
REAL = "05_alignment_reflections/04_forming_your_own_views.ipynb"
PAYLOAD = re.compile(r'<script id="payload" type="application/json">(.*?)</script>', re.S)


@pytest.fixture
def ws(tmp_path, monkeypatch):
    for var in ("NBGRADER_EXECUTION", store.WORKSPACE_ENV, "JPY_SESSION_NAME",
                *render.BINDER_ENVS):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(build, "_check_names", lambda: {})
    upstream = write_course(tmp_path / "curriculum")
    workspace = tmp_path / "workspace"
    sync(upstream, workspace)
    set_answer(workspace / NB3, "why_answer", "Because <script>alert('x')</script> & more.")
    set_answer(workspace / NB3, "why_more", "A second answer.")
    return workspace


def payload_of(page: str) -> dict:
    (raw,) = PAYLOAD.findall(page)
    return json.loads(raw)


def review_file(tmp_path: Path, page: str, scores: dict[str, float | None],
                reviewer: str = "Sam", comments: dict[str, str] | None = None) -> Path:
    """What the page's "Save my review" button writes (the browser test checks it does)."""
    review = payload_of(page)
    review["reviewer"] = reviewer
    for gid, item in review["answers"].items():
        item["score"] = scores.get(gid)
        item["comment"] = (comments or {}).get(gid, "")
    path = tmp_path / "review.json"
    path.write_text(json.dumps(review), encoding="utf-8")
    return path


def test_the_page_shows_every_written_answer_escaped_with_its_points(ws):
    page = peer.export_page(ws / NB3, NB3)
    assert page.count('class="answer"') == 3
    assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page
    assert "Not written yet." in page            # hours_answer is still the stub
    assert "1 of these answers is not written yet" in page
    assert "No rubric came with this copy" in page
    data = payload_of(page)
    assert data["notebook"] == NB3
    assert data["answers"]["why_more"] == {"max": 4.0,
                                           "answer_sha": peer.answer_sha("A second answer.")}


def test_a_real_notebook_shows_its_rubrics_from_the_solutions_copy():
    answers = peer.written_answers(ROOT / "curriculum" / REAL, ROOT / "solutions" / REAL)
    assert len(answers) >= 3
    assert all("Rubric" in a.rubric for a in answers), [a.grade_id for a in answers]
    assert all(a.question.strip() for a in answers)
    assert not any(a.answer for a in answers)     # the learner copy holds only stubs
    page = peer.export_page(ROOT / "curriculum" / REAL, REAL, ROOT / "solutions" / REAL)
    assert page.count("Rubric (open it before you score)") == len(answers)


def test_a_review_round_trip_shows_in_the_report(ws, tmp_path):
    page = peer.export_page(ws / NB3, NB3)
    path = review_file(tmp_path, page, {"why_answer": 2, "why_more": 3.5},
                       comments={"why_answer": "Name the evidence."})
    record, notes = peer.import_review(path, ws)
    assert notes == [] and record["reviewer"] == "Sam"
    rep = build.build(ws)
    (nb,) = [n for n in rep.notebooks() if n.path == NB3]
    assert (nb.reviewed, nb.reviewed_of) == (5.5, 7.0)
    text = render.format_text(rep)
    assert "Peer review: 5.5/7 points" in text
    assert "(peer 5.5/7)" in text
    assert "Peer review: 5.5/7 points" in render.format_html(rep)


def test_an_unscored_answer_is_not_counted(ws, tmp_path):
    page = peer.export_page(ws / NB3, NB3)
    peer.import_review(review_file(tmp_path, page, {"why_answer": 1}), ws)
    rep = build.build(ws)
    assert (rep.reviewed, rep.reviewed_of) == (1.0, 3.0)


def test_a_later_review_replaces_an_earlier_one(ws, tmp_path):
    page = peer.export_page(ws / NB3, NB3)
    peer.import_review(review_file(tmp_path, page, {"why_answer": 1}), ws, now=1)
    peer.import_review(review_file(tmp_path, page, {"why_answer": 3}), ws, now=2)
    assert build.build(ws).reviewed == 3.0


def test_a_rewritten_answer_makes_its_review_out_of_date(ws, tmp_path):
    page = peer.export_page(ws / NB3, NB3)
    path = review_file(tmp_path, page, {"why_answer": 2, "why_more": 4})
    set_answer(ws / NB3, "why_more", "A better second answer.")
    _, notes = peer.import_review(path, ws)
    assert len(notes) == 1 and notes[0].startswith("why_more: you have changed this answer")
    rep = build.build(ws)
    assert (rep.reviewed, rep.reviewed_of, rep.stale_reviews) == (2.0, 3.0, 1)
    assert "1 review(s) judged an answer you have rewritten" in render.format_text(rep)


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.update(format="other"), "not a peer-review file"),
    (lambda r: r.update(version=7), "version 7 is not supported"),
    (lambda r: r.update(reviewer="  "), "no reviewer name"),
    (lambda r: r.update(notebook="../../etc/passwd.ipynb"), "does not name a notebook"),
    (lambda r: r["answers"]["why_answer"].update(score=9), "outside 0 to 3"),
    (lambda r: r["answers"]["why_answer"].update(score=True), "scored none"),
    (lambda r: r["answers"]["why_answer"].update(answer_sha="x"), "which answer was judged"),
    (lambda r: r["answers"].update(ghost={"max": 1, "score": 1, "answer_sha": "0" * 64}),
     "no written answer 'ghost'"),
    (lambda r: r["answers"]["why_answer"].update(max=5, score=5), "worth 3 points"),
])
def test_a_bad_review_file_is_refused_and_nothing_is_recorded(ws, tmp_path, change, message):
    page = peer.export_page(ws / NB3, NB3)
    path = review_file(tmp_path, page, {"why_answer": 2})
    review = json.loads(path.read_text())
    change(review)
    path.write_text(json.dumps(review))
    with pytest.raises(peer.ReviewError, match=re.escape(message)):
        peer.import_review(path, ws)
    assert not peer.reviews_path(ws).exists()


def test_a_file_that_is_not_json_is_refused(ws, tmp_path):
    bad = tmp_path / "review.json"
    bad.write_text("{not json")
    with pytest.raises(peer.ReviewError, match="not a review file"):
        peer.import_review(bad, ws)
    with pytest.raises(peer.ReviewError, match="no such file"):
        peer.import_review(tmp_path / "missing.json", ws)


def test_a_damaged_reviews_line_is_skipped(ws, tmp_path):
    page = peer.export_page(ws / NB3, NB3)
    peer.import_review(review_file(tmp_path, page, {"why_answer": 2}), ws)
    with peer.reviews_path(ws).open("a") as f:
        f.write('{"torn": \n')
    peer.import_review(review_file(tmp_path, page, {"why_more": 1}), ws)
    assert set(peer.latest_reviews(ws)) == {(NB3, "why_answer"), (NB3, "why_more")}


def test_the_command_exports_and_imports(ws, tmp_path, capsys):
    assert cli_main(["peer-review", "export", NB3, "--workspace", str(ws), "--name", "Ana"]) == 0
    page_path = ws / peer.EXPORT_DIR / (Path(NB3).stem + ".html")
    page = page_path.read_text()
    assert "Ana asks you" in page
    path = review_file(tmp_path, page, {"why_answer": 3}, comments={"why_answer": "Clear."})
    assert cli_main(["peer-review", "import", str(path), "--workspace", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "Recorded Sam's review" in out and "3/3 points" in out and "Clear." in out
    assert cli_main(["peer-review", "export", "00_nowhere/01_x.ipynb",
                     "--workspace", str(ws)]) == 1
    assert "no such notebook" in capsys.readouterr().err


def test_a_notebook_without_written_answers_cannot_be_exported(ws):
    first = sorted(ws.glob("*/*.ipynb"))[0]
    with pytest.raises(peer.ReviewError, match="no written answers"):
        peer.written_answers(first)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is not installed")
def test_the_page_saves_the_review_in_a_browser(ws, tmp_path):
    """The button's JavaScript writes the file that import reads (Chromium via Playwright)."""
    playwright = pytest.importorskip("playwright.sync_api")
    page_path = tmp_path / "page.html"
    page_path.write_text(peer.export_page(ws / NB3, NB3), encoding="utf-8")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto(page_path.as_uri())
            page.click("#save")
            assert "write your name" in page.inner_text("#status")
            page.fill("#reviewer", "Kim")
            page.click("#save")
            assert "Score at least one" in page.inner_text("#status")
            answer = page.locator('.answer[data-grade-id="why_answer"]')
            answer.locator("select.score").select_option("2.5")
            answer.locator("textarea.comment").fill("Good start; cite the reading.")
            with page.expect_download() as download:
                page.click("#save")
            saved = tmp_path / "from-browser.json"
            download.value.save_as(saved)
        finally:
            browser.close()
    record, _ = peer.import_review(saved, ws)
    assert record["reviewer"] == "Kim"
    assert record["answers"] == {"why_answer": {
        "score": 2.5, "max": 3.0, "comment": "Good start; cite the reading.",
        "answer_sha": peer.answer_sha("Because <script>alert('x')</script> & more.")}}
