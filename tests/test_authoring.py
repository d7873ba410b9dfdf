"""The text form of notebooks: exact round trips and clear errors."""

from __future__ import annotations

import pytest
from nbfiles import solution_notebooks

from autograder.authoring import AuthoringError, notebook_to_text, text_to_notebook
from autograder.notebooks import graded_cells, nbgrader_meta, read_notebook

SAMPLE = """# %% [markdown]
### Exercise 1.1: add (about 5 min, difficulty 1/5)

# %% [code] readonly id=setup
import numpy as np

# %% [code] solution id=add
def add(a, b):
    ### BEGIN SOLUTION
    return a + b
    ### END SOLUTION

# %% [code] tests id=add_test points=2
check_add(add)

# %% [markdown] answer id=why points=3
### BEGIN SOLUTION
rubric
### END SOLUTION
"""


def test_roles_become_nbgrader_metadata():
    nb = text_to_notebook(SAMPLE)
    metas = [nbgrader_meta(c) for c in nb.cells]
    assert metas[0] == {}
    assert metas[1]["locked"] and not metas[1]["grade"]
    assert metas[2]["solution"] and not metas[2]["grade"]
    assert metas[3]["grade"] and metas[3]["locked"] and metas[3]["points"] == 2
    assert metas[4]["grade"] and metas[4]["solution"] and nb.cells[4].cell_type == "markdown"
    assert [c.kind for c in graded_cells(nb)] == ["tests", "answer"]
    ids = [c["id"] for c in nb.cells]
    assert ids[1:] == ["setup", "add", "add_test", "why"]      # graded cells: their grade_id
    assert ids[0].startswith("cell-") and len(set(ids)) == 5


def test_inserting_a_cell_changes_no_other_cell_id():
    before = text_to_notebook(SAMPLE)
    text = notebook_to_text(before)
    inserted = text.replace("# %% [code] readonly", "# %% [markdown]\nA new paragraph.\n\n"
                            "# %% [code] readonly", 1)
    after = text_to_notebook(inserted)
    assert len(after.cells) == len(before.cells) + 1
    new = [c for c in after.cells if c.source == "A new paragraph."]
    assert len(new) == 1 and new[0]["id"] not in {c["id"] for c in before.cells}
    assert [c["id"] for c in after.cells if c is not new[0]] == [c["id"] for c in before.cells]


def test_two_new_cells_with_the_same_source_get_different_ids():
    nb = text_to_notebook("# %% [markdown]\nsame\n\n# %% [markdown]\nsame\n")
    assert nb.cells[0]["id"] != nb.cells[1]["id"]


def test_a_bad_or_repeated_cell_id_is_an_error():
    with pytest.raises(AuthoringError, match="not a valid cell id"):
        text_to_notebook("# %% [markdown] cell=a/b\nx\n")
    with pytest.raises(AuthoringError, match="used twice"):
        text_to_notebook("# %% [markdown] cell=a\nx\n# %% [markdown] cell=a\ny\n")


def test_round_trip_is_exact():
    nb = text_to_notebook(SAMPLE)
    assert text_to_notebook(notebook_to_text(nb)) == nb


@pytest.mark.parametrize("path", solution_notebooks()[:3], ids=lambda p: p.name)
def test_round_trip_of_real_notebooks_keeps_cells_and_roles(path):
    nb = read_notebook(path)
    again = text_to_notebook(notebook_to_text(nb))
    assert [c.source for c in again.cells] == [c.source for c in nb.cells]
    assert [c["id"] for c in again.cells] == [c["id"] for c in nb.cells]
    assert [nbgrader_meta(c) for c in again.cells] == [
        {k: v for k, v in nbgrader_meta(c).items() if k in nbgrader_meta(a)}
        for c, a in zip(nb.cells, again.cells, strict=True)]


@pytest.mark.parametrize(("text", "message"), [
    ("# %% [code] tests id=x\ncheck_x(x)\n", "needs points"),
    ("# %% [code] solution\nx = 1\n", "needs id"),
    ("# %% [markdown] tests id=x points=1\nhi\n", "must be code"),
    ("# %% [code] solutoin id=x\nx = 1\n", "unknown word"),
    ("stray text\n# %% [code]\nx = 1\n", "before the first"),
])
def test_mistakes_in_the_text_form_are_clear_errors(text, message):
    with pytest.raises(AuthoringError, match=message):
        text_to_notebook(text)
