"""Graders see every rubric, learners never do: for every notebook of every stage, the
copies in the test cells are current and absent from the learner copies, and the sync
tool (autograder/rubrics.py) keeps them that way."""

from __future__ import annotations

import nbformat
import pytest
from nbfiles import CURRICULUM, SOLUTIONS

from autograder import rubrics
from autograder.authoring import text_to_notebook
from autograder.notebooks import graded_cells, read_notebook

SOURCES = sorted(SOLUTIONS.glob("*/*.ipynb"))


def _id(path):
    return f"{path.parent.name}/{path.stem}"


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("path", SOURCES, ids=_id)
def test_every_answer_has_a_current_rubric_copy(path):
    nb = read_notebook(path)
    assert rubrics.problems(nb) == [], (
        "run `python3 manage.py run python -m autograder.rubrics sync "
        f"solutions/{path.parent.name}/*.ipynb` after editing a rubric")
    answered = {a.grade_id for _, answers in rubrics.groups(nb) for a in answers}
    manual = {c.grade_id for c in graded_cells(nb) if c.kind == "answer"}
    assert answered == manual, "every hand-graded cell needs a test cell before it"


@pytest.mark.parametrize("path", SOURCES, ids=_id)
def test_learner_copies_hold_no_rubric(path):
    learner = read_notebook(CURRICULUM / path.relative_to(SOLUTIONS))
    text = _norm("\n".join(c.source for c in learner.cells))
    assert rubrics.BEGIN_RUBRICS not in text
    for _, answers in rubrics.groups(read_notebook(path)):
        for answer in answers:
            first_line = answer.rubric.strip().splitlines()[1]      # the first criterion
            assert _norm(first_line) not in text, f"{answer.grade_id}'s rubric leaked"


TEXT = """# %% [markdown]
### Exercise 1.1: a thing (about 5 min, difficulty 1/5)

# %% [code] solution id=thing
thing = None
### BEGIN SOLUTION
thing = 1
### END SOLUTION

# %% [code] tests id=thing_test points=1
check_thing(thing)

# %% [markdown] answer id=why points=2
### BEGIN SOLUTION
**Rubric (2 points).**
- 1 point: says why.
- 1 point: says how, with a long enough explanation that this line has to be wrapped \
when it is turned into a comment inside the test cell, which is what is tested here.
### END SOLUTION
"""


def test_sync_adds_the_block_inside_a_hidden_region_and_is_idempotent():
    nb = text_to_notebook(TEXT)
    assert rubrics.problems(nb) == ["test cell thing_test carries no rubric block for why"]
    assert rubrics.sync(nb) is True
    source = nb.cells[2].source
    assert source.startswith("check_thing(thing)\n### BEGIN HIDDEN TESTS\n")
    assert source.rstrip().endswith("### END HIDDEN TESTS")
    assert "# ----- why (2 points) -----" in source
    assert max(len(line) for line in source.splitlines()) <= rubrics.WIDTH
    assert rubrics.problems(nb) == []
    assert rubrics.sync(nb) is False


def test_a_changed_rubric_is_reported_and_resynced():
    nb = text_to_notebook(TEXT)
    rubrics.sync(nb)
    nb.cells[3].source = nb.cells[3].source.replace("says why", "explains why")
    assert rubrics.problems(nb) == ["test cell thing_test: the copy of the rubric of why is "
                                    "missing or differs from the answer cell"]
    rubrics.sync(nb)
    assert rubrics.problems(nb) == [] and "explains why" in nb.cells[2].source


def test_existing_hidden_tests_are_kept():
    nb = text_to_notebook(TEXT.replace(
        "check_thing(thing)\n",
        "check_thing(thing)\n### BEGIN HIDDEN TESTS\ncheck_thing(thing, hidden=True)\n"
        "### END HIDDEN TESTS\n"))
    rubrics.sync(nb)
    source = nb.cells[2].source
    assert source.count("### BEGIN HIDDEN TESTS") == 1
    assert "check_thing(thing, hidden=True)\n" + rubrics.BEGIN_RUBRICS in source


def test_a_block_outside_the_hidden_region_is_reported():
    nb = text_to_notebook(TEXT)
    rubrics.sync(nb)
    cell = nb.cells[2]
    block = cell.source[cell.source.index(rubrics.BEGIN_RUBRICS):
                        cell.source.index(rubrics.END_HIDDEN)]
    cell.source = "check_thing(thing)\n" + block
    assert "outside the hidden region" in rubrics.problems(nb)[0]


def test_an_answer_without_a_test_cell_before_it_is_an_error():
    nb = text_to_notebook(TEXT.replace("# %% [code] tests id=thing_test points=1\n"
                                       "check_thing(thing)\n", ""))
    with pytest.raises(ValueError, match="why has no test cell before it"):
        rubrics.groups(nb)


def test_the_command_line_checks_and_syncs(tmp_path, capsys):
    path = tmp_path / "nb.ipynb"
    nbformat.write(text_to_notebook(TEXT), str(path))
    assert rubrics.main(["check", str(path)]) == 1
    assert "carries no rubric block" in capsys.readouterr().out
    assert rubrics.main(["sync", str(path)]) == 0
    assert rubrics.main(["check", str(path)]) == 0
    assert rubrics.main(["check", *map(str, SOURCES)]) == 0


def test_the_command_line_takes_folders_and_names_bad_paths(tmp_path, capsys):
    folder = tmp_path / "stage"
    folder.mkdir()
    nbformat.write(text_to_notebook(TEXT), str(folder / "nb.ipynb"))
    (folder / "broken.ipynb").write_text("{ not json")
    assert rubrics.main(["sync", str(tmp_path / "missing.ipynb"), str(folder)]) == 1
    err = capsys.readouterr().err
    assert "missing.ipynb: no such notebook or folder" in err
    assert "broken.ipynb: not a readable notebook" in err
    (folder / "broken.ipynb").unlink()
    assert rubrics.main(["check", str(folder)]) == 0   # the good one was synced


def test_a_failing_checks_traceback_cannot_reach_rubric_text():
    """IPython shows three source lines after the failing line: in a test cell those are
    the hidden-region marker and the two banner lines, never the rubric itself."""
    for path in SOURCES:
        for index, _ in rubrics.groups(read_notebook(path)):
            lines = read_notebook(path).cells[index].source.splitlines()
            start = lines.index(rubrics.BEGIN_RUBRICS)
            assert lines[start + 1] == rubrics.BANNER
            assert lines[start + 2].startswith("# ----- ")
