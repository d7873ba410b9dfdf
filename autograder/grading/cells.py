"""Test cells as the grader handles them: cut at the hidden-test markers, and error outputs.

Shared by the executor (:mod:`.execute`) and the trusted judge (:mod:`.judge`), so that
neither imports the other.
"""

from __future__ import annotations

import nbformat
from nbformat import NotebookNode

__all__ = ["error_output", "split_hidden"]


def split_hidden(source: str, markers: tuple[str, str]) -> list[tuple[bool, str]]:
    """[(hidden, source), ...]: the cell cut at its hidden-test markers."""
    begin, end = markers
    parts: list[tuple[bool, list[str]]] = [(False, [])]
    for line in source.split("\n"):
        if begin in line:
            parts.append((True, [line]))
        elif end in line and parts[-1][0]:
            parts[-1][1].append(line)
            parts.append((False, []))
        else:
            parts[-1][1].append(line)
    return [(hidden, "\n".join(lines)) for hidden, lines in parts if "\n".join(lines).strip()]


def error_output(ename: str, message: str) -> NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=message,
                                  traceback=[f"{ename}: {message}"])
