"""The trained model that notebooks 07 and 08 use, shipped with the package.

    model = load()                              # a GPT that reverses and sorts 8 digits
    python -m autograder.gpt.pretrained         # retrain it and overwrite the file

Notebooks 07 (sampling) and 08 (looking inside) need a trained model, and
training one in each notebook would cost half a minute every time they run.
The file (about 400 kB) is made by ``main`` below from a fixed seed, so anyone
can regenerate it; tests/test_gpt_pretrained.py checks its accuracy.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from .model import GPT
from .train import TrainConfig, accuracy, train_digit_tasks

PATH = Path(__file__).resolve().parent / "trained" / "reverse_sort.npz"

#: how the shipped model was trained: longer than the notebook's run, for cleaner
#: attention patterns in notebook 08
CONFIG = TrainConfig(steps=2000, lr=3e-3, warmup=100, batch_size=64, seed=0)


def load(path: str | Path = PATH) -> GPT:
    """The shipped model (float32), or a clear error if the file is missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m autograder.gpt.pretrained` "
                                "to make it (about a minute)")
    return GPT.load(path)


def main(argv: list[str] | None = None) -> int:
    from .data import digit_problems

    model, history = train_digit_tasks(CONFIG)
    for task in CONFIG.tasks:
        acc = accuracy(model, digit_problems(task, 2000, CONFIG.n_digits,
                                             np.random.default_rng(99)))
        print(f"{task}: {acc:.2%} of 2000 new problems")
    PATH.parent.mkdir(parents=True, exist_ok=True)
    model.save(PATH)
    print(f"wrote {PATH} after {CONFIG.steps} steps ({history.train_seconds:.0f} s of training)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
