"""The adversarial cohort: one generated submission per way a notebook can go wrong.

Each case is the tiny assignment (autograder.grading.synthetic) with chosen code
in the answer cells, or an edit of the whole notebook, and what grading it must
give: the score, the notebook's status, the reason's wording and the flags
(severity, kind). Points: make_grid_test 1, row_means_test 2, and a written
answer worth 1 that waits for a human (so the best automatic score is 3).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from autograder.grading.synthetic import CORRECT, WRONG_ROW_MEANS


@dataclass
class Case:
    name: str
    answers: dict[str, str] | None              # None: the untouched learner copy
    score: float
    status: str | tuple = "graded"              # graded, partial, failed (or any of several)
    reason: str | None = None                   # a phrase the recorded reason must hold
    flags: set[tuple[str, str]] = field(default_factory=set)   # (severity, kind) expected
    edit: object = None                         # nb -> nb | str | bytes
    output: str | tuple | None = None           # text the autograded notebook must show
                                                # (or one of several)
    review: bool = False                        # test cells held for manual review
    files: dict[str, str] = field(default_factory=dict)   # extra files next to the notebook
    absent: tuple[str, ...] = ()                # text the feedback must not show


# Right for every visible case; wrong for a single row, which only a hidden test tries.
ONLY_HIDDEN_FAILS = ("def row_means(a):\n"
                     "    return a.mean(axis=1) if len(a) > 1 else a.mean()\n")


def _wrong(extra: str) -> dict[str, str]:
    return {**CORRECT, "row_means": extra + WRONG_ROW_MEANS}


def _correct_plus(code: str) -> dict[str, str]:
    return {**CORRECT, "make_grid": CORRECT["make_grid"] + code}


def _cell(nb, grade_id):
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(grade_id)


def _delete(grade_id):
    def edit(nb):
        nb.cells = [c for c in nb.cells
                    if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != grade_id]
        return nb
    return edit


def _edit_source(grade_id, source):
    def edit(nb):
        _cell(nb, grade_id).source = source
        return nb
    return edit


def _rename(grade_id, new_id):
    def edit(nb):
        _cell(nb, grade_id).metadata["nbgrader"]["grade_id"] = new_id
        return nb
    return edit


def _meta(grade_id, **changes):
    def edit(nb):
        _cell(nb, grade_id).metadata["nbgrader"].update(changes)
        return nb
    return edit


# Attacks on a judge that shares the kernel's process (issue 14). Each one is wrong
# for row_means (so it earns make_grid's 1 point) or right (3). Since the test cells
# are judged outside the kernel none of them raises a score; those the static reader
# also sees are flagged "untrusted" (0, held for review) as before.
SNEAKY_ARRAY = ("import numpy as np\n"
                "class Agreeable(np.ndarray):\n"
                "    def __array_ufunc__(self, *args, **kwargs):\n"
                "        return True\n"
                "    def __eq__(self, other):\n"
                "        return True\n"
                "def row_means(a):\n"
                "    return np.zeros(7).view(Agreeable)\n")
SESSION_SEND = ("ip = get_ipython()\n"
                "_send = ip.kernel.session.send\n"
                "def send(stream, msg, *args, **kwargs):\n"
                "    kind = msg if isinstance(msg, str) else msg.get('msg_type', '')\n"
                "    if kind == 'error':\n"
                "        return None\n"
                "    return _send(stream, msg, *args, **kwargs)\n"
                "ip.kernel.session.send = send\n" + WRONG_ROW_MEANS)
DISPLAY_HOOK = ("import sys\n"
                "from IPython.display import publish_display_data\n"
                "class Hook:\n"
                "    def __call__(self, value):\n"
                "        publish_display_data({'text/plain': 'all tests passed'})\n"
                "sys.displayhook = Hook()\n"
                "get_ipython().displayhook.__class__.__call__ = lambda self, v: print('passed')\n"
                + WRONG_ROW_MEANS)
ORACLE_SWAP = ("from autograder.checks.orientation import check_row_means as _c\n"
               "_c.oracle.__code__ = (lambda a: a.mean(axis=0)).__code__\n"
               "_c.oracle.__defaults__ = None\n" + WRONG_ROW_MEANS)
GLOBALS_PATCH = ("g = globals()\n"
                 "g['check_' + 'row_means'] = lambda *a, **k: print('\u2713 row_means: 3 checks')\n"
                 "g['_autograder_' + 'probe'] = lambda *a: '[]'\n" + WRONG_ROW_MEANS)
CAPTURE_CELL = ("%%capture\n"
                "check_row_means = lambda *a, **k: print('\u2713 row_means: 3 checks passed')\n"
                + WRONG_ROW_MEANS)
HELPER_MODULE = ("import numpy as np\n"
                 "import autograder.checks.orientation as o\n"
                 "o.check_row_means.oracle = lambda a: a.mean(axis=0)\n"
                 "np.allclose = lambda *a, **k: True\n"
                 "def row_means(a):\n    return a.mean(axis=0)\n")
PRINT_HIDDEN = ("import builtins\n"
                "def row_means(a):\n"
                "    ip = get_ipython()\n"
                "    print('LEAK', ip.user_ns.get('In'), ip.user_ns.get('_ih'))\n"
                "    return a.mean(axis=1)\n"
                "get_ipython().events.register('post_run_cell', "
                "lambda r: print('LEAK', get_ipython().user_ns['In']))\n")
CHOSEN_MESSAGE = ("def row_means(a):\n"
                  "    if a.shape == (1, 1):\n"
                  "        raise ValueError('PLAN' + 'TED <b>html</b> \\x1b[31m \u2713 row_means: "
                  "2 hidden checks passed')\n"
                  "    return a.mean(axis=1)\n")
HIDDEN_DISPLAY = ("from IPython.display import display\n"
                  "_handle = display('watching', display_id=True)\n"
                  "def row_means(a):\n"
                  "    _handle.update('PLAN' + 'TED ' + repr(a.tolist()) * 1000)\n"
                  "    return a.mean(axis=1)\n")

# A thread that keeps sending passing-looking outputs (prints, an execute_result and a
# display update, addressed to whatever request the kernel is serving) while the judge
# judges the failing row_means cell: the score must stay what the work earns.
FORGED_OUTPUT = ("import threading, time\n"
                 "from IPython.display import display\n"
                 "_shown = display('ok', display_id=True)\n"
                 "def _forge():\n"
                 "    k = get_ipython().kernel\n"
                 "    for _ in range(3000):\n"
                 "        print('\u2713 row_means: 3 checks passed')\n"
                 "        _shown.update('\u2713 all tests passed')\n"
                 "        k.session.send(k.iopub_socket, 'execute_result',\n"
                 "                       {'data': {'text/plain': '2'}, 'metadata': {},\n"
                 "                        'execution_count': 1}, parent=k.get_parent())\n"
                 "        time.sleep(0.005)\n"
                 "threading.Thread(target=_forge, daemon=True).start()\n" + WRONG_ROW_MEANS)


def _raw(text):
    return lambda nb: text


def _nbformat(version):
    def edit(nb):
        data = json.loads(json.dumps(nb))
        data["nbformat"] = version
        return json.dumps(data)
    return edit


def cases(course_root: str) -> list[Case]:
    """The cases, with attacks aimed at this course's real paths."""
    root = course_root
    hidden_patch = base64.b64encode(
        b"check_row_means = lambda *a, **k: print('ok')").decode()
    restored, review, untrusted = "restored", "review", "untrusted"
    return [
        Case("correct", CORRECT, 3),
        Case("wrong", _wrong(""), 1, output="Diagnosis (mean over the wrong axis)"),
        Case("blank", None, 0),
        Case("hidden_only_failure", {**CORRECT, "row_means": ONLY_HIDDEN_FAILS}, 1,
             output="hidden check"),
        Case("infinite_loop", {**CORRECT, "row_means": "while True:\n    pass\n"}, 1,
             output="CellTimeoutError"),
        Case("uninterruptible_loop", {**CORRECT, "row_means":
                                      "import signal\nsignal.signal(signal.SIGINT, "
                                      "signal.SIG_IGN)\nwhile True:\n    pass\n"},
             1, status="partial", reason="time limit", flags={(review, "process control")}),
        Case("memory_bomb", _correct_plus("blob = np.ones(400_000_000)  # 3.2 GB\n"), 3,
             output="MemoryError"),
        Case("fork_bomb", {**CORRECT, "row_means": "import os\nwhile True:\n    os.fork()\n"},
             1, status=("graded", "partial"), flags={(review, "process control")}),
        Case("os_exit", {**CORRECT, "row_means": "import os\nos._exit(0)\n"}, 1,
             status="partial", reason="kernel died", flags={(review, "process control")}),
        Case("sys_exit", {**CORRECT, "row_means": "import sys\nsys.exit(1)\n"}, 1,
             flags={(review, "process control")}, output="SystemExit"),
        Case("kernel_kill", {**CORRECT, "row_means":
                             "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"},
             1, status="partial", reason="signal 9", flags={(review, "process control")}),
        Case("segfault", {**CORRECT, "row_means": "import ctypes\nctypes.string_at(0)\n"}, 1,
             status="partial", reason="kernel died", flags={(review, "low-level access")}),
        Case("invalid_json", CORRECT, 0, status="failed", reason="not valid JSON",
             edit=_raw('{"cells": [ this is not json')),
        Case("wrong_nbformat", CORRECT, 0, status="failed", reason="format 99",
             edit=_nbformat(99)),
        Case("deleted_test_cell", _wrong(""), 1, flags={(restored, "deleted test cell")},
             edit=_delete("row_means_test")),
        Case("edited_test_cell", _wrong(""), 1, flags={(restored, "edited test cell")},
             edit=_edit_source("row_means_test", "print('all tests passed')")),
        Case("renamed_test_cell", _wrong(""), 1, flags={(restored, "renamed test cell")},
             edit=_rename("row_means_test", "my_own_cell")),
        Case("changed_points", CORRECT, 3, flags={(restored, "changed metadata")},
             edit=_meta("row_means_test", points=100)),
        Case("answer_made_graded", _wrong(""), 1, flags={(restored, "changed metadata")},
             edit=_meta("row_means", grade=True, points=50)),
        Case("monkeypatch_numpy", _wrong("import numpy as np\n"
                                         "np.allclose = lambda *a, **k: True\n"
                                         "np.isclose = lambda a, b, *r, **k: True\n"),
             0, flags={(untrusted, "monkeypatching")}, review=True),
        Case("monkeypatch_check", _wrong("check_row_means = lambda *a, **k: print('ok')\n"), 0,
             flags={(untrusted, "replaced a helper the tests use")}, review=True),
        Case("monkeypatch_framework", _wrong("import autograder.checks.core as core\n"
                                             "core.Check.__call__ = lambda self, *a, **k: None\n"),
             0, flags={(untrusted, "monkeypatching")}, review=True),
        Case("custom_exception_handler",
             _wrong("get_ipython().set_custom_exc((AssertionError,), "
                    "lambda *a, **k: None)\n"), 0,
             flags={(untrusted, "kernel manipulation")}, review=True),
        # replaces check_row_means in the kernel, where the test cell no longer runs
        Case("obfuscated_patch", _wrong(f"import base64\nexec(base64.b64decode("
                                        f"'{hidden_patch}').decode())\n"), 1,
             flags={(review, "code built at run time")}),
        Case("read_solutions", _correct_plus(
            f"print(open({root + '/solutions/tiny/01_tiny.ipynb'!r}).read())\n"), 3,
            flags={(review, "course files")}, output="No such file"),
        Case("read_gradebook", _correct_plus(
            f"import sqlite3\nprint(sqlite3.connect({root + '/gradebook.db'!r}).execute("
            "'select * from grade').fetchall())\n"), 3,
            flags={(review, "course files")}, output="unable to open database"),
        Case("write_gradebook", _correct_plus(
            f"import sqlite3\ndb = sqlite3.connect({root + '/gradebook.db'!r})\n"
            "db.execute('update grade set auto_score = 297')\ndb.commit()\n"), 3,
            flags={(review, "course files")}, output="unable to open database"),
        Case("read_other_student", _correct_plus(
            f"print(open({root + '/submitted/alice/tiny/01_tiny.ipynb'!r}).read())\n"), 3,
            flags={(review, "course files")}, output="No such file"),
        Case("network", _correct_plus(
            "import urllib.request\nurllib.request.urlopen('http://example.com', timeout=1)\n"),
            3, flags={(review, "network access")}, output="URLError"),
        Case("big_output", _correct_plus("print('x' * 20_000_000)\n"), 3,
             output="output cut by the grader"),
        # issue 14: the judge runs outside the kernel, so none of these raise a score
        Case("shadow_check_via_globals", {**CORRECT, "row_means": GLOBALS_PATCH}, 1),
        Case("capture_cell", {**CORRECT, "row_means": CAPTURE_CELL}, 0,
             flags={(untrusted, "replaced a helper the tests use")}, review=True),
        Case("swap_oracle_code", {**CORRECT, "row_means": ORACLE_SWAP}, 0,
             flags={(untrusted, "kernel manipulation")}, review=True),
        Case("patch_session_send", {**CORRECT, "row_means": SESSION_SEND}, 1),
        Case("display_hook", {**CORRECT, "row_means": DISPLAY_HOOK}, 0,
             flags={(untrusted, "kernel manipulation")}, review=True),
        Case("agreeable_array", {**CORRECT, "row_means": SNEAKY_ARRAY}, 1,
             output="subclass of numpy.ndarray"),
        Case("helper_module", {**CORRECT, "row_means": "from helper import row_means\n"}, 0,
             files={"helper.py": HELPER_MODULE}, flags={(untrusted, "monkeypatching")},
             review=True),
        Case("print_hidden_source", {**CORRECT, "row_means": PRINT_HIDDEN}, 0,
             flags={(untrusted, "kernel manipulation")}, review=True),
        Case("chosen_exception_message", {**CORRECT, "row_means": CHOSEN_MESSAGE}, 1,
             output="hidden check 1 of 2 failed", absent=("PLANTED",)),
        Case("calls_the_oracle", {**CORRECT, "row_means":
             "from autograder.checks.orientation import check_row_means as _c\n"
             "def row_means(a):\n    return _c.oracle(a)\n"}, 3,
             flags={(review, "check internals")}),
        Case("forged_passing_output", {**CORRECT, "row_means": FORGED_OUTPUT}, 1,
             status=("graded", "partial")),
        Case("display_update_from_hidden_call", {**CORRECT, "row_means": HIDDEN_DISPLAY}, 3,
             absent=("PLANTED",)),
        Case("huge_file", _correct_plus(
            "with open('big.bin', 'wb') as f:\n    for _ in range(3000):\n"
            "        f.write(b'0' * 1_000_000)\n"), 3,
             output=("No space left on device", "File too large")),
    ]
