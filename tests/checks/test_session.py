"""Importing the package installs nothing; start_session() installs the display and listener.

Guarantees: importing every autograder module in a fresh interpreter leaves
IPython's exception handler, its event callbacks, sys.excepthook /
displayhook and the check listeners as they were; start_session() installs
the traceback handler (the one the grading probe recognises) and the progress
listener, and calling it twice changes nothing; importing the session module
pulls in no Jupyter or plotting package; a check cell run before its function
cell (or before the import cell) gets one friendly line, other NameErrors are
shown as usual.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from autograder.checks import tracebacks

pytest.importorskip("IPython")

_FRESH = textwrap.dedent("""
    import importlib, json, pkgutil, sys
    from IPython.core.interactiveshell import InteractiveShell
    ip = InteractiveShell.instance()
    def state():
        return {
            "custom_exceptions": [e.__name__ for e in ip.custom_exceptions],
            "events": {k: len(v) for k, v in ip.events.callbacks.items()},
            "excepthook": sys.excepthook is sys.__excepthook__,
            "displayhook": repr(sys.displayhook),
            "trace": repr(sys.gettrace()),
        }
    before = state()
    import autograder
    failed, imported = [], 0
    for info in pkgutil.walk_packages(autograder.__path__, prefix="autograder."):
        if info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
            imported += 1
        except ImportError as exc:
            failed.append(f"{info.name}: {exc}")
    from autograder.checks import events
    after = state()
    listeners = len(events.listeners())
    from autograder.lab.session import start_session
    start_session()
    once = (state(), len(events.listeners()), ip.CustomTB)
    start_session()
    twice = (state(), len(events.listeners()), ip.CustomTB)
    from autograder.checks import tracebacks
    print(json.dumps({"before": before, "after": after, "listeners": listeners,
                      "imported": imported, "failed": failed,
                      "started": once[0], "started_listeners": once[1],
                      "idempotent": once[0] == twice[0] and once[1] == twice[1]
                                    and once[2] is twice[2],
                      "ours": tracebacks.is_installed(ip)}))
""")


def _env() -> dict[str, str]:
    return {**os.environ, "AUTOGRADER_NO_PROGRESS": "1"}


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env=_env())
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_every_module_installs_nothing_and_start_session_installs_both():
    got = _run(_FRESH)
    assert got["failed"] == [] and got["imported"] > 50
    assert got["after"] == got["before"]  # no handler, callback or hook from importing
    assert got["listeners"] == 0
    assert got["before"]["custom_exceptions"] == []
    # the positive control: the same probes see what start_session installs
    assert got["started"]["custom_exceptions"] == ["AssertionError", "NameError"]
    assert got["started_listeners"] == 1 and got["ours"]
    assert got["idempotent"]


def test_importing_the_session_module_pulls_in_no_jupyter_or_plotting():
    got = _run(textwrap.dedent("""
        import json, sys
        import autograder.lab.session
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in
                       {"jupyterlab", "jupyter_server", "notebook", "nbformat", "nbgrader",
                        "matplotlib", "scipy", "IPython", "ipykernel", "sqlalchemy"})
        print(json.dumps({"heavy": heavy,
                          "workspace": "autograder.lab.workspace" in sys.modules}))
    """))
    assert got == {"heavy": [], "workspace": False}


def test_under_the_grader_only_assertion_errors_are_handled(monkeypatch):
    import builtins

    assert tracebacks.handled_exceptions() == (AssertionError, NameError)
    monkeypatch.setattr(builtins, "_autograder_probe_t0k3n", lambda: "[]", raising=False)
    assert tracebacks.handled_exceptions() == (AssertionError,)


# -- a check cell run too early -------------------------------------------------------

class FunctionCheck:  # stands in for the framework's class: only the type's name is read
    pass


class ValueCheck:
    pass


def test_a_function_not_defined_yet_gets_one_line_naming_its_def():
    msg = tracebacks.name_error_message('"""length"""\ncheck_length(length)\n', "length",
                                        {"check_length": FunctionCheck()})
    assert msg == ("`length` is not defined yet: run the cell above that defines it "
                   "(the one with `def length`), then this check again.")


def test_a_value_not_set_yet_names_the_assignment():
    msg = tracebacks.name_error_message("check_grid(grid)", "grid", {"check_grid": ValueCheck()})
    assert msg is not None and "`grid = ...`" in msg


def test_a_check_not_imported_yet_points_to_the_first_cell():
    msg = tracebacks.name_error_message("check_length(length)", "check_length", {})
    assert msg is not None and "first code cell" in msg


@pytest.mark.parametrize("source, name", [
    ("check_length(length)\nprint(lenght)", "lenght"),   # a typo elsewhere in the cell
    ("x = foo(1)", "foo"),                                # no check in the cell
    ("check_length(length", "length"),                    # not even Python
])
def test_other_name_errors_are_left_alone(source, name):
    assert tracebacks.name_error_message(source, name, {}) is None


def test_in_a_real_shell_the_check_cell_prints_the_line_and_still_fails():
    got = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import json
        from IPython.core.interactiveshell import InteractiveShell
        ip = InteractiveShell.instance()
        shown = []
        ip._showtraceback = lambda etype, value, stb: shown.append((etype.__name__, stb))
        ip.run_cell("from autograder.checks.orientation import check_row_means\\n"
                    "from autograder.lab.session import start_session\\nstart_session()")
        r1 = ip.run_cell("check_row_means(row_means)")
        r2 = ip.run_cell("def f():\\n    return undefined_helper\\ncheck_row_means(f())")
        print(json.dumps({"shown": shown, "failed": [type(r.error_in_exec).__name__
                                                      for r in (r1, r2)]}))
    """)], capture_output=True, text=True, timeout=300,
        env=_env())
    assert got.returncode == 0, got.stderr[-3000:]
    result = json.loads(got.stdout.strip().splitlines()[-1])
    assert result["failed"] == ["NameError", "NameError"]
    first = result["shown"][0]
    assert first == ["NameError", ["`row_means` is not defined yet: run the cell above that "
                                   "defines it (the one with `def row_means`), then this "
                                   "check again."]]
    # a NameError inside the learner's own function keeps its full traceback
    assert len(result["shown"]) == 2 and "undefined_helper" in "".join(result["shown"][1][1])


def test_every_notebook_starts_its_session_in_the_first_code_cell():
    from pathlib import Path

    import nbformat

    root = Path(__file__).resolve().parents[2]
    notebooks = sorted((root / "solutions").glob("*/*.ipynb")) + sorted(
        (root / "curriculum").glob("*/*.ipynb"))
    assert notebooks
    missing = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        lines = [line.strip() for line in first.source.splitlines()]
        if ("from autograder.lab.session import start_session" not in lines
                or "start_session()" not in lines):
            missing.append(str(path.relative_to(root)))
    assert missing == []


def test_the_grading_probe_accepts_what_start_session_installs(tmp_path):
    """Under the cohort grader, a notebook's start_session() is not taken for tampering."""
    from autograder.grading import probe

    token = "t0k3n"
    watched = {"check_row_means": ("autograder.checks.orientation", "check_row_means"),
               "start_session": ("autograder.lab.session", "start_session")}
    setup = probe.bootstrap_code(token, None, str(tmp_path), watched)
    got = _run(textwrap.dedent(f"""
        import json
        from IPython.core.interactiveshell import InteractiveShell
        ip = InteractiveShell.instance()
        ip.run_cell({setup!r})
        ip.ev({probe.setup_expression(token)!r})
        ip.run_cell("from autograder.checks.orientation import check_row_means\\n"
                    "from autograder.lab.session import start_session\\nstart_session()")
        ip.run_cell("check_row_means(lambda a: a.mean(axis=0))")
        clean = ip.ev({probe.probe_expression(token)!r})
        ip.run_cell("get_ipython().set_custom_exc((AssertionError, NameError), print)")
        tampered = ip.ev({probe.probe_expression(token)!r})
        print(json.dumps({{"clean": json.loads(clean), "tampered": json.loads(tampered),
                          "handled": [e.__name__ for e in ip.custom_exceptions]}}))
    """))
    assert got["clean"] == []
    assert got["tampered"] == ["a custom exception handler was installed (set_custom_exc)"]
