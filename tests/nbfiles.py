"""Which notebooks the tests look at, and how to execute one."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
CURRICULUM = ROOT / "curriculum"
CELL_TIMEOUT = 300  # seconds; generous, the budget is enforced by benchmarks, not tests


def solution_notebooks() -> list[Path]:
    return sorted(p for p in SOLUTIONS.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def curriculum_notebooks() -> list[Path]:
    return sorted(p for p in CURRICULUM.glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def rel(path: Path) -> str:
    """'00_orientation/02_numpy_warmup' (a readable test id)."""
    return f"{path.parent.name}/{path.stem}"


@dataclass
class Executed:
    nb: nbformat.NotebookNode
    seconds: float


def execute(path: Path, *, allow_errors: bool, through: int | None = None) -> Executed:
    """Run a notebook top to bottom in a fresh kernel, in its own folder (only its cells
    up to index `through`, included, when it is given)."""
    nb = nbformat.read(str(path), as_version=4)
    if through is not None:
        nb.cells = nb.cells[:through + 1]
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            allow_errors=allow_errors,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return Executed(nb, time.perf_counter() - start)


def text_of(outputs) -> str:
    """Everything a cell printed (stdout, stderr, results and error text)."""
    parts = []
    for out in outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        elif out.output_type in ("execute_result", "display_data"):
            parts.append(str(out.get("data", {}).get("text/plain", "")))
    return "".join(parts)
