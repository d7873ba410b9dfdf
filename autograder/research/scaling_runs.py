"""The shipped scaling grid of stage 08, notebook 08: sizes x data budgets x seeds.

    grid = load_grid()            # a dict of arrays, read from data/scaling_runs.npz
    grid["loss"].shape            # (n_sizes, n_budgets, n_seeds), nats per token
    grid["held_loss"].shape       # (n_seeds,): the larger held-out model at the largest budget

Remake the file (about 15 minutes of one core, longer on a busy machine):

    nice -n 10 python3 manage.py run python -m autograder.research.scaling_runs

Every run is `scaling.train_point`; the notebook retrains one of them live.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from . import scaling

PATH = Path(__file__).resolve().parent / "data" / "scaling_runs.npz"
SIZES = (8, 16, 24, 32, 48)           # d_model of the grid
HELD_SIZE = 64                        # one size up, kept out of the fit
STEPS = (125, 250, 500, 1000)        # data budgets, in optimiser steps
SEEDS = (0, 1, 2)


def make_grid(sizes=SIZES, steps=STEPS, seeds=SEEDS, held_size=HELD_SIZE,
              progress: bool = True) -> dict[str, np.ndarray]:
    """Train every (size, budget, seed) and the held-out size at the largest budget."""
    loss = np.zeros((len(sizes), len(steps), len(seeds)))
    seconds = np.zeros_like(loss)
    for i, d in enumerate(sizes):
        for j, s in enumerate(steps):
            for k, seed in enumerate(seeds):
                start = time.process_time()
                loss[i, j, k] = scaling.train_point(d, s, seed)
                seconds[i, j, k] = time.process_time() - start
                if progress:
                    print(f"d={d} steps={s} seed={seed}: {loss[i, j, k]:.4f} "
                          f"({seconds[i, j, k]:.1f} s)", flush=True)
    held = np.array([scaling.train_point(held_size, steps[-1], seed) for seed in seeds])
    if progress:
        print(f"held-out d={held_size}: {np.round(held, 4)}", flush=True)
    n_params = [scaling.Point(d, 1, 0).config() for d in (*sizes, held_size)]
    return {"d_model": np.array(sizes), "steps": np.array(steps), "seeds": np.array(seeds),
            "loss": loss, "cpu_seconds": seconds, "held_d_model": np.array(held_size),
            "held_loss": held, "n_layers": np.array(scaling.N_LAYERS),
            "n_heads": np.array([c.n_heads for c in n_params]),
            "batch": np.array(scaling.BATCH), "context": np.array(scaling.CONTEXT)}


def load_grid(path: Path = PATH) -> dict[str, np.ndarray]:
    """The shipped grid as a dict of arrays (see the module's docstring)."""
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PATH)
    args = parser.parse_args()
    start = time.time()
    grid = make_grid()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **grid)  # type: ignore[arg-type]  # numpy's stub: **kwds
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.1f} kB) "
          f"in {(time.time() - start) / 60:.1f} min")


if __name__ == "__main__":
    main()
