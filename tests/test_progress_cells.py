"""The read-only progress cell at the end of every notebook, and the tool that adds it."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbfiles import CURRICULUM, SOLUTIONS, rel, solution_notebooks

from autograder.notebooks import nbgrader_meta
from autograder.progress import cells, store

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("path", solution_notebooks(), ids=rel)
def test_every_notebook_ends_with_the_locked_progress_cell(path):
    """Run `python -m autograder.progress.cells solutions/` and `python3 manage.py release`."""
    for copy in (path, CURRICULUM / path.relative_to(SOLUTIONS)):
        nb = nbformat.read(str(copy), as_version=4)
        last = nb.cells[-1]
        meta = nbgrader_meta(last)
        assert meta.get("grade_id") == cells.GRADE_ID, f"{copy}: no progress cell at the end"
        assert meta.get("locked") and not meta.get("grade") and not meta.get("solution")
        assert last.source == cells.CODE
        assert nb.cells[-2].source == cells.MARKDOWN


def test_the_tool_adds_the_cell_once(tmp_path, capsys):
    src = ROOT / "solutions" / "00_orientation" / "01_how_this_works.ipynb"
    nb = nbformat.read(str(src), as_version=4)
    nb.cells = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") != cells.GRADE_ID
                and c.source != cells.MARKDOWN]
    target = tmp_path / "stage" / "01_x.ipynb"
    target.parent.mkdir()
    nbformat.write(nb, str(target))
    shutil.copy(target, tmp_path / "stage" / "02_y.ipynb")
    assert cells.main(["--check", str(tmp_path)]) == 1
    assert cells.main([str(tmp_path)]) == 0
    first = target.read_bytes()
    assert cells.main([str(tmp_path)]) == 0
    assert target.read_bytes() == first, "running the tool twice changed the notebook"
    assert cells.main(["--check", str(tmp_path)]) == 0
    done = nbformat.read(str(target), as_version=4)
    nbformat.validate(done)
    assert len(done.cells) == len(nb.cells) + 2
    ids = [c.id for c in done.cells]
    assert len(ids) == len(set(ids))
    assert "added the progress cell" in capsys.readouterr().out


def test_the_cell_works_before_anything_is_recorded(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(store.WORKSPACE_ENV, raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.chdir(tmp_path)
    exec(compile(cells.CODE, "progress-cell", "exec"), {})
    out = capsys.readouterr()
    assert "Your progress" in out.out and out.err == ""


def test_the_cell_is_quiet_and_fast_while_nbgrader_grades(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    exec(compile(cells.CODE, "progress-cell", "exec"), {})
    out = capsys.readouterr()
    assert out.out.count("\n") == 1 and out.err == ""
