"""Set up a learner's notebook: the one call every notebook's first cell makes.

    from autograder.lab.session import start_session
    start_session()

It installs the traceback display for failed checks (and the friendly line
for a check cell run before the cell it checks; see
:mod:`autograder.checks.tracebacks`) and registers the progress listener
that records each check in the learner's workspace
(:mod:`autograder.progress.hook`). Nothing in the package does either at
import time, so importing a module never changes the interpreter.

Calling it again changes nothing; outside IPython only the listener is
registered. It is cheap: no Jupyter, matplotlib or NumPy import of its own.
"""

from __future__ import annotations

from ..checks import tracebacks


def start_session() -> None:
    """Install the check feedback display and progress recording (idempotent)."""
    tracebacks.install()
    from ..progress import hook  # here, not at import: importing must install nothing

    hook.register()
