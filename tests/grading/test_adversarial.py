"""The adversarial suite: broken and hostile submissions graded end to end.

One batch grades every case in tests/grading/adversarial.py together with two
well-behaved students, after a third (zoe) was graded in an earlier run. For
each case: the batch completes, the grade is the right one or the reason is
recorded, tampering is flagged, and nobody else's grade moves.
"""

from __future__ import annotations

import pytest
from adversarial import cases
from helpers import HAS_BWRAP, grade, journal, latest, scores

from autograder.grading import synthetic

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap is not installed")]

HIDDEN_SOURCE = ("BEGIN HIDDEN TESTS", "1e300", "Case(\"1 row, 7 columns\"")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = synthetic.make_course(tmp_path_factory.mktemp("adversarial") / "course")
    synthetic.make_submission(root, "zoe", synthetic.CORRECT)
    assert grade(root) == 0
    before = scores(root)["zoe"]
    all_cases = cases(str(root))
    synthetic.make_submission(root, "alice", synthetic.CORRECT)
    synthetic.make_submission(root, "bob", {**synthetic.CORRECT,
                                            "row_means": synthetic.WRONG_ROW_MEANS})
    for case in all_cases:
        path = synthetic.make_submission(root, case.name, case.answers, edit=case.edit)
        for name, text in case.files.items():
            (path.parent / name).write_text(text)
    code = grade(root)
    return root, all_cases, code, before


def test_the_batch_completes_and_grades_everyone(graded):
    root, all_cases, code, _ = graded
    assert code == 0
    assert len(all_cases) >= 20
    entries = latest(root)
    expected = {c.name for c in all_cases} | {"alice", "bob", "zoe"}
    assert set(entries) == expected
    assert set(scores(root)) == expected


def test_nobody_elses_grade_moves(graded):
    root, _, _, zoe_before = graded
    now = scores(root)
    assert now["zoe"] == zoe_before
    assert now["alice"]["score"] == 3 and now["bob"]["score"] == 1
    assert [e["student"] for e in journal(root)].count("zoe") == 1


@pytest.mark.parametrize("name", [c.name for c in cases("/course")])
def test_case(graded, name):
    root, all_cases, _, _ = graded
    case = next(c for c in all_cases if c.name == name)
    entry = latest(root)[name]
    mine = scores(root)[name]
    notebook = entry["notebooks"][synthetic.TINY_NOTEBOOK]
    assert mine["score"] == case.score, (name, entry)
    statuses = case.status if isinstance(case.status, tuple) else (case.status,)
    assert notebook["status"] in statuses, (name, notebook)
    if case.reason:
        assert case.reason in (notebook["reason"] or ""), notebook
    found = {(f["severity"], f["kind"]) for f in entry["flags"]}
    assert case.flags <= found, (name, found)
    if not case.flags:
        assert not {f for f in found if f[0] == "untrusted"}, (name, found)
    if case.name in ("correct", "wrong", "blank", "hidden_only_failure"):
        assert not found, (name, found)
    tests = [mine["cells"][g] for g in ("make_grid_test", "row_means_test")]
    if case.review:
        assert all(needs for _, needs in tests), "tampered test cells must wait for review"
    else:
        assert not any(needs for _, needs in tests)
    autograded = root / "autograded" / name / synthetic.TINY_STAGE / \
        f"{synthetic.TINY_NOTEBOOK}.ipynb"
    if case.status == "failed":
        assert not autograded.exists()
    else:
        text = autograded.read_text()
        if case.output:
            wanted = case.output if isinstance(case.output, tuple) else (case.output,)
            assert any(w in text for w in wanted), (name, wanted)
        assert len(text) < 5_000_000, "outputs must be capped"
    feedback = (root / "feedback" / name / synthetic.TINY_STAGE /
                f"{synthetic.TINY_NOTEBOOK}.html").read_text()
    for secret in (*HIDDEN_SOURCE, *case.absent):
        assert secret not in feedback, (name, secret)
    if case.status == "failed":
        assert "could not be graded" in feedback and case.reason in feedback


def test_feedback_keeps_the_learner_facing_messages(graded):
    root = graded[0]

    def feedback(student):
        return (root / "feedback" / student / synthetic.TINY_STAGE /
                f"{synthetic.TINY_NOTEBOOK}.html").read_text()

    wrong = feedback("wrong")
    assert "Diagnosis (mean over the wrong axis)" in wrong
    assert "Hint:" in wrong
    hidden = feedback("hidden_only_failure")
    assert "A hidden test failed" in hidden
    assert "hidden check 1 of 2 failed: a 1x1 array" in hidden   # the case, not its code
    assert "2 hidden checks passed" not in feedback("correct")   # hidden outputs are gone
    assert "✓ row_means: 3 checks passed" in feedback("correct")


def test_the_report_and_the_issues_list_name_the_problems(graded):
    root = graded[0]
    report = (root / "reports" / synthetic.TINY_STAGE / "report.html").read_text()
    assert "mean over the wrong axis" in report
    assert "What to teach again" in report
    assert "monkeypatch_check" in report
    issues = (root / "reports" / synthetic.TINY_STAGE / "issues.csv").read_text()
    for name in ("invalid_json", "os_exit", "edited_test_cell", "obfuscated_patch"):
        assert name in issues
    grades_csv = (root / "reports" / synthetic.TINY_STAGE / "grades.csv").read_text()
    assert grades_csv.startswith("assignment,") and "monkeypatch_check" in grades_csv
