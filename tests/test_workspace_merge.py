"""Updating a notebook the learner has used: only what they wrote counts, and none of it is lost.

Every path of the update: opened only, run and validated only, an answer written
and upstream unchanged, an answer written and upstream prose reworded, a
starting stub changed upstream, an exercise removed upstream, cells the learner
added (while upstream inserts cells and so shifts every cell id), a cell that is
not an answer edited on both sides, a damaged notebook, a workspace recorded by
the previous version of this code, and a seeded random mix of all of them.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from autograder.lab import merge
from autograder.lab.workspace import BACKUPS, beside_name, sync
from autograder.progress import store

ROOT = Path(__file__).resolve().parent.parent
NB1 = "00_orientation/01_how_this_works.ipynb"
NB2 = "00_orientation/02_numpy_warmup.ipynb"
WEEKS = ("def weeks_needed(total_hours, hours_per_week):\n"
         "    return math.ceil(total_hours / hours_per_week)   # my answer\n")
FRACTION = ("def fraction_done(passed, total):\n"
            "    return passed / total if total else 0.0   # my answer\n")


@pytest.fixture
def upstream(tmp_path):
    folder = tmp_path / "curriculum"
    shutil.copytree(ROOT / "curriculum" / "00_orientation", folder / "00_orientation")
    return folder


@pytest.fixture
def ws(upstream, tmp_path):
    folder = tmp_path / "workspace"
    sync(upstream, folder)
    return folder


def nb(path: Path) -> dict:
    return json.loads(path.read_text())


def write(path: Path, notebook: dict) -> bytes:
    path.write_text(json.dumps(notebook, indent=1))
    return path.read_bytes()


def src(cell: dict) -> str:
    return "".join(cell["source"])


def by_grade(notebook: dict, gid: str) -> dict:
    (cell,) = [c for c in notebook["cells"] if merge.grade_id(c) == gid]
    return cell


def sources(notebook: dict) -> list[str]:
    return [src(c) for c in notebook["cells"]]


def jupyterlab_saves(path: Path, run: bool = True) -> None:
    """What JupyterLab writes when a notebook is opened (and run) and saved, or saved
    before Validate: nbformat's serialisation, outputs and execution counts, cell and
    notebook metadata (trust, collapsed state, kernel info), and no source changed."""
    notebook = nbformat.read(path, as_version=4)
    for k, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and run:
            cell.execution_count = k + 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"out {k}\n")]
        cell.metadata["trusted"] = True
        cell.metadata["collapsed"] = False
    notebook.metadata["language_info"] = {"name": "python", "version": "3.11.9",
                                          "mimetype": "text/x-python"}
    nbformat.write(notebook, path)


def answer(ws: Path, gid: str, code: str, rel: str = NB1) -> bytes:
    """The learner writes `code` into answer cell `gid`, runs the notebook and saves."""
    notebook = nb(ws / rel)
    by_grade(notebook, gid)["source"] = code
    write(ws / rel, notebook)
    jupyterlab_saves(ws / rel)
    return (ws / rel).read_bytes()


def reword(upstream: Path, old: str, new: str, rel: str = NB1) -> None:
    """Upstream rewords the text cell containing `old`."""
    notebook = nb(upstream / rel)
    (cell,) = [c for c in notebook["cells"] if c["cell_type"] == "markdown" and old in src(c)]
    cell["source"] = src(cell).replace(old, new)
    write(upstream / rel, notebook)


def insert_upstream(upstream: Path, at: int, text: str, rel: str = NB1) -> None:
    """Upstream inserts a text cell at `at`; ids are renumbered as the release tool does."""
    notebook = nb(upstream / rel)
    notebook["cells"].insert(at, {"cell_type": "markdown", "metadata": {}, "source": text})
    for k, cell in enumerate(notebook["cells"]):
        cell["id"] = f"cell-{k:03d}"
    write(upstream / rel, notebook)


def only(result, kind: str, rel: str = NB1):
    (change,) = result.changes
    assert (change.kind, change.path) == (kind, rel), result.summary()
    return change


# -- nothing written ------------------------------------------------------------------

def test_opened_only_is_updated_silently(upstream, ws):
    jupyterlab_saves(ws / NB1, run=False)
    assert (ws / NB1).read_bytes() != (upstream / NB1).read_bytes()   # JupyterLab rewrote it
    assert sync(upstream, ws).changes == []                           # upstream unchanged
    reword(upstream, "## The loop", "## The loop (revised)")
    change = only(sync(upstream, ws), "updated")
    assert (ws / NB1).read_bytes() == (upstream / NB1).read_bytes()
    assert "1 text cell(s) new or reworded" in " ".join(change.details)
    assert not (ws / BACKUPS).exists() and not (ws / "updates").exists()


def test_run_and_validated_only_is_updated_silently(upstream, ws):
    jupyterlab_saves(ws / NB1)
    jupyterlab_saves(ws / NB1)      # run again, saved again before Validate
    reword(upstream, "## The loop", "## The loop (revised)")
    result = sync(upstream, ws)
    only(result, "updated")
    assert (ws / NB1).read_bytes() == (upstream / NB1).read_bytes()
    assert "outputs were cleared" in result.summary()


@pytest.mark.slow
def test_opened_in_a_real_kernel_and_saved_by_nbformat_is_not_written(upstream, ws):
    """Execute the notebook for real (outputs, images, errors from the stubs) and save."""
    from nbclient import NotebookClient

    path = ws / NB1
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=120, allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    nbformat.write(notebook, path)
    assert any(c.get("outputs") for c in nb(path)["cells"])
    reword(upstream, "## The loop", "## The loop (revised)")
    only(sync(upstream, ws), "updated")


# -- written in ------------------------------------------------------------------------

def test_an_answer_with_upstream_unchanged_is_left_alone(upstream, ws):
    mine = answer(ws, "weeks_needed", WEEKS)
    assert sync(upstream, ws).changes == []
    assert (ws / NB1).read_bytes() == mine


def test_an_answer_is_carried_into_reworded_prose_and_the_old_file_backed_up(upstream, ws):
    mine = answer(ws, "weeks_needed", WEEKS)
    reword(upstream, "## The loop", "## The loop (revised)")
    result = sync(upstream, ws)
    change = only(result, "merged")
    merged = nb(ws / NB1)
    assert src(by_grade(merged, "weeks_needed")) == WEEKS
    assert "## The loop (revised)" in " ".join(sources(merged))
    # Everything else is the new version, cell for cell, without outputs.
    new = nb(upstream / NB1)
    assert [c["id"] for c in merged["cells"]] == [c["id"] for c in new["cells"]]
    assert [src(c) for c in merged["cells"] if merge.grade_id(c) != "weeks_needed"] == [
        src(c) for c in new["cells"] if merge.grade_id(c) != "weeks_needed"]
    assert all(not c.get("outputs") for c in merged["cells"])
    assert by_grade(merged, "weeks_needed")["metadata"] == by_grade(new, "weeks_needed")["metadata"]
    nbformat.validate(nbformat.reads(json.dumps(merged), as_version=4))
    # The learner's file as it was, in a dated folder that says what it is.
    assert change.backup.startswith(f"{BACKUPS}/") and change.backup.endswith(NB1)
    assert (ws / change.backup).read_bytes() == mine
    assert change.carried == ("your answer to exercise 1.1 (weeks needed)",)
    assert change.attention == ()
    summary = result.summary()
    assert "the new version now holds your work" in summary and change.backup in summary
    # Merged once: the next run has nothing to say and keeps the answer.
    assert sync(upstream, ws).changes == []
    assert src(by_grade(nb(ws / NB1), "weeks_needed")) == WEEKS


@pytest.mark.slow
def test_the_merged_notebook_passes_nbgrader_validate(upstream, ws, tmp_path):
    """The merged file is a working notebook: nbgrader's Validate (what the button
    runs) accepts it, and its check cells pass on the carried answers."""
    from nbgrader.validator import Validator

    answer(ws, "weeks_needed", WEEKS)
    answer(ws, "fraction_done", FRACTION)
    reword(upstream, "## The loop", "## The loop (revised)")
    only(sync(upstream, ws), "merged")
    validator = Validator()
    result = validator.validate(str(ws / NB1))
    assert not result.get("failed") and not result.get("changed"), result


def test_a_changed_stub_keeps_the_answer_and_flags_it(upstream, ws):
    answer(ws, "weeks_needed", WEEKS)
    notebook = nb(upstream / NB1)
    stub = by_grade(notebook, "weeks_needed")
    stub["source"] = src(stub).replace("def weeks_needed(total_hours, hours_per_week)",
                                       "def weeks_needed(total_hours, hours_per_week, slack=0)")
    write(upstream / NB1, notebook)
    change = only(sync(upstream, ws), "merged")
    assert src(by_grade(nb(ws / NB1), "weeks_needed")) == WEEKS
    (flag,) = change.attention
    assert "exercise 1.1 (weeks needed)" in flag and "starting code changed" in flag
    assert "slack=0" in flag


def test_an_unwritten_answer_takes_the_new_stub(upstream, ws):
    answer(ws, "fraction_done", FRACTION)
    notebook = nb(upstream / NB1)
    stub = by_grade(notebook, "weeks_needed")
    stub["source"] = src(stub) + "\n# new stub line"
    write(upstream / NB1, notebook)
    change = only(sync(upstream, ws), "merged")
    merged = nb(ws / NB1)
    assert src(by_grade(merged, "weeks_needed")).endswith("# new stub line")
    assert src(by_grade(merged, "fraction_done")) == FRACTION
    assert change.attention == ()


def test_a_removed_exercise_keeps_the_answer_at_the_end(upstream, ws):
    answer(ws, "weeks_needed", WEEKS)
    answer(ws, "fraction_done", FRACTION)
    notebook = nb(upstream / NB1)
    notebook["cells"] = [c for c in notebook["cells"]
                         if merge.grade_id(c) not in ("fraction_done", "fraction_done_test")
                         and "### Exercise 1.2" not in src(c)]
    write(upstream / NB1, notebook)
    change = only(sync(upstream, ws), "merged")
    merged = nb(ws / NB1)
    assert src(by_grade(merged, "weeks_needed")) == WEEKS
    tail = merged["cells"][-3:]
    assert src(tail[0]).startswith("## Your answers to exercises no longer here")
    assert "exercise 1.2 (fraction done)" in src(tail[1])
    assert src(tail[2]) == FRACTION and "nbgrader" not in tail[2]["metadata"]
    (flag,) = change.attention
    assert "exercise 1.2 (fraction done) is no longer in this notebook" in flag
    # No header the progress report would read as an exercise.
    from autograder.notebooks import exercises, load_cells

    assert [e.number for e in exercises(load_cells(ws / NB1))] == ["1.1"]


def test_cells_the_learner_added_stay_after_the_cell_they_followed(upstream, ws):
    jupyterlab_saves(ws / NB1)
    notebook = nb(ws / NB1)
    k = next(i for i, c in enumerate(notebook["cells"]) if merge.grade_id(c) == "weeks_needed")
    mine = [{"cell_type": "markdown", "id": "a1b2c3d4", "metadata": {},
             "source": "My notes on rounding up"},
            {"cell_type": "code", "id": "cell-004", "metadata": {}, "outputs": [],
             "execution_count": 3, "source": "weeks_needed(10, 3)  # try it"}]
    notebook["cells"][k + 1:k + 1] = mine          # the second one has an id upstream uses
    notebook["cells"].insert(0, {"cell_type": "markdown", "id": "top", "metadata": {},
                                 "source": "Started on Monday"})
    notebook["cells"].append({"cell_type": "code", "id": "empty", "metadata": {},
                              "outputs": [], "execution_count": None, "source": ""})
    write(ws / NB1, notebook)
    insert_upstream(upstream, 2, "A new paragraph before the setup cell.")
    change = only(sync(upstream, ws), "merged")
    merged = nb(ws / NB1)
    texts = sources(merged)
    k = next(i for i, c in enumerate(merged["cells"]) if merge.grade_id(c) == "weeks_needed")
    assert texts[k + 1:k + 3] == ["My notes on rounding up", "weeks_needed(10, 3)  # try it"]
    assert texts[0] == "Started on Monday"
    assert "A new paragraph before the setup cell." in texts
    assert len(merged["cells"]) == len(nb(upstream / NB1)["cells"]) + 3   # the empty cell: not
    ids = [c["id"] for c in merged["cells"]]
    assert len(set(ids)) == len(ids)
    assert merged["cells"][k + 2]["outputs"] == []
    nbformat.validate(nbformat.reads(json.dumps(merged), as_version=4))
    assert len(change.carried) == 3 and change.attention == ()


def test_a_non_answer_cell_edited_by_the_learner(upstream, ws):
    """Upstream did not change it: the learner's version takes its place. Upstream
    changed it too: both are kept, theirs right after the new one, and flagged."""
    notebook = nb(ws / NB1)
    demo = next(c for c in notebook["cells"]
                if src(c).startswith("def weeks_needed_rounding_down"))
    demo["source"] = src(demo) + "\n# I tried this"
    loop = next(c for c in notebook["cells"] if src(c).startswith("## The loop"))
    loop["source"] = src(loop) + "\n\nMy summary of the loop."
    write(ws / NB1, notebook)
    jupyterlab_saves(ws / NB1)
    reword(upstream, "## The loop", "## The loop (revised)")
    change = only(sync(upstream, ws), "merged")
    texts = sources(nb(ws / NB1))
    assert sum(t.startswith("def weeks_needed_rounding_down") for t in texts) == 1
    assert any(t.endswith("# I tried this") for t in texts)
    k = next(i for i, t in enumerate(texts) if t.startswith("## The loop (revised)"))
    assert texts[k + 1].startswith("*Your version of the cell above, from before the update")
    assert "\n\n## The loop: read, implement, check\n" in texts[k + 1]
    assert texts[k + 1].endswith("My summary of the loop.")
    (flag,) = change.attention
    assert "changed or went away in the new version" in flag


# -- what cannot be merged ---------------------------------------------------------------

def test_a_damaged_notebook_is_never_touched(upstream, ws):
    damaged = (ws / NB1).read_bytes()[:-200]       # cut short, as by a crash or a bad edit
    (ws / NB1).write_bytes(damaged)
    result = sync(upstream, ws)
    assert result.changes == [] and (ws / NB1).read_bytes() == damaged
    (warning,) = result.warnings
    assert NB1 in warning and "not valid JSON (line" in warning and "move it away" in warning
    reword(upstream, "## The loop", "## The loop (revised)")
    result = sync(upstream, ws)
    change = only(result, "kept yours")
    assert (ws / NB1).read_bytes() == damaged
    assert change.beside == beside_name(NB1) == "updates/00_orientation/NEW-01_how_this_works.ipynb"
    assert (ws / change.beside).read_bytes() == (upstream / NB1).read_bytes()
    assert "not a notebook JupyterLab can open" in result.summary()
    assert change.damaged and "copy your text out of it with a text editor" in result.summary()
    # Repaired later: the next update merges as usual.
    (ws / NB1).write_bytes((ROOT / "curriculum" / NB1).read_bytes())
    answer(ws, "weeks_needed", WEEKS)
    reword(upstream, "## The loop (revised)", "## The loop (revised twice)")
    only(sync(upstream, ws), "merged")
    assert src(by_grade(nb(ws / NB1), "weeks_needed")) == WEEKS


def test_a_second_new_copy_backs_up_the_first(upstream, ws):
    (ws / NB1).write_text("not json")
    reword(upstream, "## The loop", "## The loop (1)")
    first = only(sync(upstream, ws), "kept yours")
    (ws / first.beside).write_text("the learner wrote in the NEW- copy")
    reword(upstream, "## The loop (1)", "## The loop (2)")
    only(sync(upstream, ws), "kept yours")
    backed = list((ws / BACKUPS).rglob("NEW-*.ipynb"))
    assert [p.read_text() for p in backed] == ["the learner wrote in the NEW- copy"]
    assert (ws / first.beside).read_bytes() == (upstream / NB1).read_bytes()


# -- workspaces recorded before cell fingerprints (manifest version 1) ------------------

def as_version_1(ws: Path) -> None:
    data = json.loads((ws / store.MANIFEST).read_text())
    data["version"] = 1
    data["files"] = {k: {"base": v["base"], "upstream": v["upstream"]}
                     for k, v in data["files"].items()}
    (ws / store.MANIFEST).write_text(json.dumps(data))


def test_a_version_1_workspace_finds_its_base_in_git(upstream, ws, tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t",
                        *args], check=True, capture_output=True)

    git("init", "-q")                # a clone: the released version is in its history
    git("add", "curriculum")
    git("commit", "-q", "-m", "v1")
    as_version_1(ws)
    mine = answer(ws, "weeks_needed", WEEKS)
    jupyterlab_saves(ws / NB2)                 # only opened
    reword(upstream, "## The loop", "## The loop (revised)")
    reword(upstream, "## Arrays have", "## Arrays always have", rel=NB2)
    result = sync(upstream, ws)
    kinds = {c.path: c.kind for c in result.changes}
    assert kinds == {NB1: "merged", NB2: "updated"}, result.summary()
    assert src(by_grade(nb(ws / NB1), "weeks_needed")) == WEEKS
    assert [p.read_bytes() for p in (ws / BACKUPS).rglob("*.ipynb")] == [mine]


def test_a_version_1_workspace_without_history_keeps_the_learners_file(upstream, ws):
    as_version_1(ws)
    mine = answer(ws, "weeks_needed", WEEKS)
    jupyterlab_saves(ws / NB2)
    assert sync(upstream, ws).changes == []    # upstream unchanged: records upgraded quietly
    reword(upstream, "## The loop", "## The loop (revised)")
    reword(upstream, "## Arrays have", "## Arrays always have", rel=NB2)
    result = sync(upstream, ws)
    kinds = {c.path: c.kind for c in result.changes}
    assert kinds == {NB1: "merged", NB2: "updated"}, result.summary()
    assert [p.read_bytes() for p in (ws / BACKUPS).rglob("*.ipynb")] == [mine]


# -- never lose a learner's text: a seeded random mix ------------------------------------

@pytest.mark.parametrize("seed", range(12))
def test_random_edits_on_both_sides_lose_nothing(upstream, ws, seed):
    rng = random.Random(seed)
    rel = NB2
    notebook = nb(ws / rel)
    written: list[str] = []       # answers: kept verbatim
    notes: list[str] = []         # what the learner typed into other cells
    for cell in list(notebook["cells"]):
        roll = rng.random()
        if merge.is_answer(cell) and roll < 0.5:
            cell["source"] = f"# answer {seed}-{len(written)}\n" + src(cell)
            written.append(cell["source"])
        elif cell["cell_type"] == "markdown" and not merge.grade_id(cell) and roll < 0.15:
            notes.append(f"note {seed}-{len(notes)}")
            cell["source"] = src(cell) + f"\n\n{notes[-1]}"
    for _ in range(rng.randint(0, 3)):
        text = f"added {seed}-{len(written)}-{rng.random()}"
        notebook["cells"].insert(rng.randint(0, len(notebook["cells"])),
                                 {"cell_type": "markdown", "metadata": {}, "source": text,
                                  "id": f"mine{len(written)}"})
        written.append(text)
    write(ws / rel, notebook)
    jupyterlab_saves(ws / rel)
    before = (ws / rel).read_bytes()

    new = nb(upstream / rel)
    answers = [c for c in new["cells"] if merge.is_answer(c)]
    for cell in rng.sample(answers, 2):                   # two stubs change
        cell["source"] = src(cell) + "\n# revised stub"
    gone = rng.choice(answers)                            # one exercise goes
    new["cells"] = [c for c in new["cells"] if c is not gone]
    for cell in rng.sample([c for c in new["cells"] if c["cell_type"] == "markdown"], 4):
        cell["source"] = src(cell) + " (reworded)"
    for _ in range(3):
        new["cells"].insert(rng.randint(0, len(new["cells"])),
                            {"cell_type": "markdown", "metadata": {}, "source": "new upstream"})
    for k, cell in enumerate(new["cells"]):
        cell["id"] = f"cell-{k:03d}"
    write(upstream / rel, new)

    result = sync(upstream, ws)
    merged = nb(ws / rel)
    texts = sources(merged)
    for text in written:
        assert text in texts, (text, result.summary())
    for note in notes:
        assert sum(t.endswith(note) for t in texts) == 1, (note, result.summary())
    for cell in new["cells"]:          # every new cell is there (with the learner's note)
        if not merge.is_answer(cell):
            assert any(t == src(cell) or t.startswith(src(cell) + "\n\nnote ") for t in texts)
    (change,) = result.changes
    assert change.kind == "merged" and (ws / change.backup).read_bytes() == before
    nbformat.validate(nbformat.reads(json.dumps(merged), as_version=4))


def test_cells_without_ids_are_matched_by_content(upstream, ws):
    """A notebook saved without cell ids (an older tool; or cut and pasted cells):
    unchanged cells are recognised by their content, not taken for the learner's own."""
    notebook = nb(ws / NB1)
    for cell in notebook["cells"]:
        cell.pop("id", None)
    notebook["nbformat_minor"] = 4
    by_grade(notebook, "weeks_needed")["source"] = WEEKS
    write(ws / NB1, notebook)
    reword(upstream, "## The loop", "## The loop (revised)")
    change = only(sync(upstream, ws), "merged")
    assert change.carried == ("your answer to exercise 1.1 (weeks needed)",)
    merged = nb(ws / NB1)
    assert len(merged["cells"]) == len(nb(upstream / NB1)["cells"])
    assert src(by_grade(merged, "weeks_needed")) == WEEKS


def test_deleting_a_cell_is_a_change_with_nothing_to_carry_but_a_backup(upstream, ws):
    notebook = nb(ws / NB1)
    notebook["cells"] = [c for c in notebook["cells"] if not src(c).startswith("## The loop")]
    mine = write(ws / NB1, notebook)
    reword(upstream, "## Hidden tests", "## Hidden tests (revised)")
    result = sync(upstream, ws)
    change = only(result, "updated")
    assert (ws / NB1).read_bytes() == (upstream / NB1).read_bytes()
    assert (ws / change.backup).read_bytes() == mine
    assert "you had only deleted or emptied cells" in result.summary()
