"""Show a failed check as the learner's error, not as a crash inside this package.

IPython prints every frame of a traceback, including the last one, which for
a failed check is the `raise AssertionError(...)` line in core.py. A beginner
reads that as "the checker is broken". In an IPython kernel, this installs a
handler for AssertionError that cuts this package's frames off the end of the
traceback before showing it in the usual way. The cell still ends with an
ordinary error output named AssertionError (which is what nbgrader scores),
and assertion errors from anywhere else are shown exactly as before.
"""

from __future__ import annotations

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


def _handler(shell, etype, value, tb, tb_offset=None):
    shell.showtraceback((etype, value, without_package_frames(tb)), tb_offset=tb_offset)
    return None


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
    current = tuple(getattr(shell, "custom_exceptions", ()) or ())
    if current and current != (AssertionError,):
        return False
    shell.set_custom_exc((AssertionError,), _handler)
    return True
