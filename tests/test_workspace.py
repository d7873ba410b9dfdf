"""The learner's workspace: made, added to, restored, archived; and the JupyterLab configs.

Updating a notebook the learner has opened or written in: tests/test_workspace_merge.py.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from autograder.lab import jupyter
from autograder.lab.__main__ import main as lab_main
from autograder.lab.workspace import WorkspaceError, archive, sync
from autograder.progress import store

ROOT = Path(__file__).resolve().parent.parent
NB1 = "00_orientation/01_how_this_works.ipynb"
NB2 = "00_orientation/02_numpy_warmup.ipynb"


@pytest.fixture
def upstream(tmp_path):
    """A copy of stage 00 of curriculum/ that the tests change as a new release would
    (one stage, so the tests do not depend on which other stages exist)."""
    folder = tmp_path / "curriculum"
    shutil.copytree(ROOT / "curriculum" / "00_orientation", folder / "00_orientation")
    return folder


def release(upstream: Path, rel: str, title_suffix: str = " (revised)") -> None:
    """Upstream changes a notebook: a retitled exercise and a reworded cell."""
    path = upstream / rel
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and "### Exercise" in source:
            cell["source"] = source.replace(" (about", f"{title_suffix} (about", 1)
            break
    path.write_text(json.dumps(nb, indent=1))


def learner_edits(ws: Path, rel: str) -> bytes:
    """The learner writes notes into the notebook's last markdown cell."""
    path = ws / rel
    nb = json.loads(path.read_text())
    [c for c in nb["cells"] if c["cell_type"] == "markdown"][-1]["source"] = "my own notes"
    path.write_text(json.dumps(nb, indent=1))
    return path.read_bytes()


def test_first_run_copies_everything_and_says_so(upstream, tmp_path):
    ws = tmp_path / "workspace"
    result = sync(upstream, ws)
    assert result.created and not result.changes
    for path in upstream.rglob("*.ipynb"):
        assert (ws / path.relative_to(upstream)).read_bytes() == path.read_bytes()
    assert (ws / store.MANIFEST).is_file()
    assert "created workspace/" in result.summary()
    again = sync(upstream, ws)
    assert not again.created and not again.changes
    assert "up to date" in again.summary()


def test_new_notebooks_are_added(upstream, tmp_path):
    ws = tmp_path / "workspace"
    sync(upstream, ws)
    (upstream / "01_linear_algebra").mkdir()
    shutil.copy(upstream / NB1, upstream / "01_linear_algebra" / "01_vectors.ipynb")
    result = sync(upstream, ws)
    assert [(c.kind, c.path) for c in result.changes] == [
        ("added", "01_linear_algebra/01_vectors.ipynb")]
    assert (ws / "01_linear_algebra" / "01_vectors.ipynb").is_file()


def test_an_untouched_notebook_is_updated_and_the_change_described(upstream, tmp_path):
    ws = tmp_path / "workspace"
    sync(upstream, ws)
    release(upstream, NB2)
    result = sync(upstream, ws)
    (change,) = result.changes
    assert (change.kind, change.path) == ("updated", NB2)
    assert (ws / NB2).read_bytes() == (upstream / NB2).read_bytes()
    assert any("retitled" in d and "2.1" in d for d in change.details)
    assert "(you had not written in it; its outputs were cleared)" in result.summary()


def test_backups_and_new_copies_are_not_counted_as_notebooks(upstream, tmp_path):
    from autograder.progress.catalog import notebook_files

    ws = tmp_path / "workspace"
    sync(upstream, ws)
    learner_edits(ws, NB1)                  # merged: the old file goes to backups/
    (ws / NB2).write_text("{ damaged")      # cannot be merged: the new one goes to updates/
    release(upstream, NB1)
    release(upstream, NB2)
    result = sync(upstream, ws)
    assert sorted(c.kind for c in result.changes) == ["kept yours", "merged"]
    assert list((ws / "backups").rglob("*.ipynb")) and list((ws / "updates").rglob("*.ipynb"))
    assert notebook_files(ws) == [ws / p.relative_to(upstream)
                                  for p in notebook_files(upstream)]


def test_a_deleted_notebook_is_restored(upstream, tmp_path):
    ws = tmp_path / "workspace"
    sync(upstream, ws)
    (ws / NB2).unlink()
    result = sync(upstream, ws)
    assert [(c.kind, c.path) for c in result.changes] == [("restored", NB2)]
    assert (ws / NB2).read_bytes() == (upstream / NB2).read_bytes()


def test_without_a_manifest_existing_files_count_as_the_learners(upstream, tmp_path):
    ws = tmp_path / "workspace"
    sync(upstream, ws)
    mine = learner_edits(ws, NB1)
    (ws / store.MANIFEST).write_text("{ damaged")
    release(upstream, NB1)
    result = sync(upstream, ws)
    assert result.warnings and "unreadable" in result.warnings[0]
    (change,) = result.changes
    assert change.kind == "kept yours" and "not known which version" in change.reason
    assert (ws / NB1).read_bytes() == mine
    assert (ws / change.beside).read_bytes() == (upstream / NB1).read_bytes()
    # Files identical in content are adopted again, so a later update can replace them.
    release(upstream, NB2)
    assert [(c.kind, c.path) for c in sync(upstream, ws).changes] == [("updated", NB2)]


def test_a_notebook_removed_upstream_stays(upstream, tmp_path):
    ws = tmp_path / "workspace"
    sync(upstream, ws)
    (upstream / NB2).unlink()
    result = sync(upstream, ws)
    assert [(c.kind, c.path) for c in result.changes] == [("removed upstream", NB2)]
    assert (ws / NB2).is_file()
    assert sync(upstream, ws).changes == []


def test_no_temporary_files_are_left_behind(upstream, tmp_path):
    ws = tmp_path / "workspace"
    sync(upstream, ws)
    release(upstream, NB2)
    sync(upstream, ws)
    assert not [p for p in ws.rglob("*.tmp")]


def test_bad_places_get_clear_errors(upstream, tmp_path):
    with pytest.raises(WorkspaceError, match="no curriculum"):
        sync(tmp_path / "missing", tmp_path / "ws")
    (tmp_path / "file").write_text("x")
    with pytest.raises(WorkspaceError, match="not a folder"):
        sync(upstream, tmp_path / "file")
    with pytest.raises(WorkspaceError, match="inside the curriculum"):
        sync(upstream, upstream / "ws")


def test_archive_holds_the_learners_work(upstream, tmp_path):
    ws = tmp_path / "workspace"
    sync(upstream, ws)
    mine = learner_edits(ws, NB1)
    store.append(store.store_path(ws), store.make_record(
        check="x", passed=True, checks_passed=1, diagnosis=None, summary="", seconds=0,
        hidden=False, notebook=None, exercise=None))
    (ws / "00_orientation" / ".ipynb_checkpoints").mkdir()
    out = archive(ws)
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        (nb,) = [n for n in names if n.endswith(NB1)]
        assert zf.read(nb) == mine
    assert any(n.endswith(".progress/checks.jsonl") for n in names)
    assert not any(".ipynb_checkpoints" in n for n in names)
    with pytest.raises(WorkspaceError):
        archive(tmp_path)


def test_the_sync_command(upstream, tmp_path, capsys, monkeypatch):
    root = tmp_path
    (root / "solutions").mkdir()
    (root / "nbgrader_config.py").write_text("")
    assert lab_main(["--root", str(root), "sync"]) == 0
    assert "created workspace/" in capsys.readouterr().out
    assert (root / "workspace" / NB1).is_file()


# -- the JupyterLab configuration ---------------------------------------------------

def test_learner_config_keeps_validate_and_turns_off_exchange_and_formgrader(tmp_path):
    folder = jupyter.write_config("learner", tmp_path / "cfg")
    page = json.loads((folder / "labconfig" / "page_config.json").read_text())
    disabled = set(page["disabledExtensions"])
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    assert {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list",
            "@jupyter/nbgrader:formgrader"} <= disabled
    server = json.loads((folder / "jupyter_server_config.json").read_text())
    off = server["ServerApp"]["jpserver_extensions"]
    assert "nbgrader.server_extensions.validate_assignment" not in off
    assert set(off) == {"nbgrader.server_extensions.assignment_list",
                        "nbgrader.server_extensions.course_list",
                        "nbgrader.server_extensions.formgrader"}


def test_instructor_config_keeps_formgrader(tmp_path):
    folder = jupyter.write_config("instructor", tmp_path / "cfg")
    disabled = json.loads((folder / "labconfig" / "page_config.json").read_text())
    assert "@jupyter/nbgrader:formgrader" not in disabled["disabledExtensions"]
    with pytest.raises(ValueError):
        jupyter.config_files("student")


def test_the_plugin_ids_exist_in_the_installed_nbgrader():
    import sys

    static = (Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader"
              / "static")
    code = "".join(p.read_text(errors="replace") for p in static.glob("*.js"))
    for plugin in jupyter.LAB_PLUGINS_OFF["learner"] + ["@jupyter/nbgrader:validate-assignment"]:
        assert f'"{plugin}"' in code, f"nbgrader {plugin} is not in the installed extension"
    import importlib

    for ext in jupyter.SERVER_EXTENSIONS_OFF["learner"]:
        importlib.import_module(ext)


def test_the_lab_environment_points_kernels_at_the_workspace(tmp_path):
    env = jupyter.lab_environment("learner", tmp_path / "cfg", tmp_path / "ws",
                                  base={"PATH": "/usr/bin", "JUPYTER_CONFIG_PATH": "/other"})
    assert env["JUPYTER_CONFIG_PATH"].split(":") == [str(tmp_path / "cfg"), "/other"]
    assert env["AUTOGRADER_WORKSPACE"] == str(tmp_path / "ws")
    inst = jupyter.lab_environment("instructor", tmp_path / "cfg", None,
                                   base={"PATH": "/usr/bin", "AUTOGRADER_WORKSPACE": "x"})
    assert "AUTOGRADER_WORKSPACE" not in inst


@pytest.mark.parametrize("mode", jupyter.MODES)
def test_the_configs_turn_off_jupyter_news_as_jupyterlab_reads_them(tmp_path, monkeypatch, mode):
    """No "get notified about official Jupyter news?" toast: jupyterlab_server finds our
    setting defaults on the config path, and the setting names are the installed schema's."""
    import sys

    from jupyterlab_server.settings_utils import _get_overrides

    folder = jupyter.write_config(mode, tmp_path / "cfg")
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(folder))
    overrides, error = _get_overrides(str(tmp_path / "no-app-settings"))
    plugin = "@jupyterlab/apputils-extension:notification"
    assert not error and overrides[plugin] == {"fetchNews": "false", "checkForUpdates": False}
    schema = json.loads((Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
                         / "@jupyterlab" / "apputils-extension" / "notification.json").read_text())
    assert set(overrides[plugin]) <= set(schema["properties"])
    assert {"const": "false", "title": "Never"} in schema["properties"]["fetchNews"]["oneOf"]
    server = json.loads((folder / "jupyter_server_config.json").read_text())
    assert server["LabApp"] == {"news_url": None,
                                "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"}
    from jupyterlab.handlers.announcements import CheckForUpdateABC, NeverCheckForUpdate

    assert issubclass(NeverCheckForUpdate, CheckForUpdateABC)


def test_binder_start_turns_the_news_off_too(tmp_path):
    """Binder's `start` hands the server the same learner config, news settings included."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, REPO_DIR=str(tmp_path),
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    env.pop("JUPYTER_CONFIG_PATH", None)
    probe = "import os; print(os.environ['JUPYTER_CONFIG_PATH'])"
    result = subprocess.run(["bash", str(ROOT / "binder" / "start"), sys.executable, "-c", probe],
                            env=env, capture_output=True, text=True, check=True)
    config = Path(result.stdout.strip().split(os.pathsep)[0])
    overrides = json.loads((config / "labconfig" / "default_setting_overrides.json").read_text())
    assert overrides == jupyter.SETTING_OVERRIDES
    server = json.loads((config / "jupyter_server_config.json").read_text())
    assert server["LabApp"]["news_url"] is None
