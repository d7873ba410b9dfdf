"""Show a failed check as the learner's error, not as a crash inside this package.

Nothing is installed by importing this module: a notebook's first cell calls
``autograder.lab.session.start_session()``, which calls :func:`install`.

IPython prints every frame of a traceback, including the last one, which for
a failed check is the `raise AssertionError(...)` line in core.py. A beginner
reads that as "the checker is broken". In an IPython kernel, this installs a
handler for AssertionError that cuts this package's frames off the end of the
traceback before showing it in the usual way. The cell still ends with an
ordinary error output named AssertionError (which is what nbgrader scores),
and assertion errors from anywhere else are shown exactly as before.

The same handler turns a NameError in a check cell (the check cell was run
before the cell that defines the function, or before the import cell) into one
friendly line, e.g. "`length` is not defined yet: run the cell above that
defines it (the one with `def length`), then this check again."; any other
NameError is shown as usual. Under the cohort grader (whose integrity probe
expects a handler for AssertionError only) the handler covers AssertionError
alone.
"""

from __future__ import annotations

import ast
import builtins
import linecache
import sys
from pathlib import Path

_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)


def _from_package(tb) -> bool:
    return tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR)


def without_package_frames(tb):
    """The traceback with the trailing frames that belong to this package removed."""
    keep = tb
    node = tb
    while node is not None:
        if _from_package(node):
            break
        keep = node
        node = node.tb_next
    if node is not None and keep is not node:
        keep.tb_next = None  # writable since Python 3.7
    return tb


def _innermost(tb):
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb


def _check_calls(source: str) -> list[ast.Call]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name) and node.func.id.startswith("check_")]


def _defined_how(check: object) -> str:
    """'the one with `def length`' for a function check, 'the one that sets `grid`' else."""
    kind = type(check).__name__
    return "def" if kind == "FunctionCheck" else "set" if kind == "ValueCheck" else ""


def name_error_message(source: str, name: str, namespace: dict | None = None) -> str | None:
    """One friendly line if `source` (a cell) calls a check_* with `name`, else None.

    `name` is the undefined name; `namespace` is the notebook's (to tell a
    function exercise from a value). None means: show the NameError as usual.
    """
    namespace = namespace or {}
    for call in _check_calls(source):
        if call.func.id == name:  # type: ignore[attr-defined]
            return (f"`{name}` is not defined yet: run the first code cell of this notebook "
                    f"(the one that imports the checks), then this check again.")
        used = {n.id for arg in [*call.args, *(k.value for k in call.keywords)]
                for n in ast.walk(arg) if isinstance(n, ast.Name)}
        if name not in used:
            continue
        how = _defined_how(namespace.get(call.func.id))  # type: ignore[attr-defined]
        where = (f" (the one with `def {name}`)" if how == "def"
                 else f" (the one that sets `{name} = ...`)" if how == "set" else "")
        return (f"`{name}` is not defined yet: run the cell above that defines it{where}, "
                f"then this check again.")
    return None


def _friendly_name_error(shell, value, tb) -> str | None:
    name = getattr(value, "name", None)
    if not isinstance(name, str) or tb is None:
        return None
    frame = _innermost(tb).tb_frame
    if frame.f_code.co_name != "<module>":  # raised inside a function: a real bug there
        return None
    source = "".join(linecache.getlines(frame.f_code.co_filename))
    return name_error_message(source, name, getattr(shell, "user_ns", None))


def _handler(shell, etype, value, tb, tb_offset=None):
    if issubclass(etype, NameError) and not issubclass(etype, AssertionError):
        try:
            line = _friendly_name_error(shell, value, tb)
        except Exception:
            line = None
        if line is not None:
            shell._showtraceback(etype, value, [line])
            return None
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    shell.showtraceback((etype, value, without_package_frames(tb)), tb_offset=tb_offset)
    return None


def _under_the_grader() -> bool:
    """True in a kernel the cohort grader runs (its integrity probe is in builtins)."""
    return any(key.startswith("_autograder_probe_") for key in vars(builtins))


def handled_exceptions() -> tuple[type[BaseException], ...]:
    """What :func:`install` installs the handler for in this kernel."""
    return (AssertionError,) if _under_the_grader() else (AssertionError, NameError)


def install() -> bool:
    """Install the handler in the running IPython shell, if any; True if installed.

    Leaves an existing custom handler for other exceptions alone.
    """
    if "IPython" not in sys.modules:
        return False
    try:
        shell = sys.modules["IPython"].get_ipython()
    except Exception:
        return False
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    wanted = handled_exceptions()
    current = tuple(getattr(shell, "custom_exceptions", ()) or ())
    if current and current not in ((AssertionError,), (AssertionError, NameError)):
        return False
    if current == wanted and is_installed(shell):
        return True  # already there: installing again would change nothing
    shell.set_custom_exc(wanted, _handler)
    return True


def is_installed(shell) -> bool:
    """True if `shell`'s custom exception handler is this module's."""
    func = getattr(getattr(shell, "CustomTB", None), "__func__", None)
    cells = dict(zip(getattr(getattr(func, "__code__", None), "co_freevars", ()),
                     [c.cell_contents for c in (getattr(func, "__closure__", None) or ())],
                     strict=False))
    return cells.get("handler") is _handler
