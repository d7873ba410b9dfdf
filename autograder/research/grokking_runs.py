"""The shipped grokking runs of stage 08, notebook 04: curves over seeds, weight decay on and off.

    runs = load_runs()                      # a dict of arrays, read from data/grokking_runs.npz
    runs["test_acc"].shape                  # (2, n_seeds, n_evals): [decay on, decay off]

Remake the file (about 10 minutes on 2 cores):

    python3 manage.py run python -m autograder.research.grokking_runs

Each run is `grokking.train` with a reference AdamW step (written here, not the
learner's), on the split of its seed; decay on and off share the seed's split and
initial weights, so the comparison is paired.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from . import grokking

PATH = Path(__file__).resolve().parent / "data" / "grokking_runs.npz"
DEFAULTS = {"p": 31, "train_fraction": 0.5, "hidden": 128, "lr": 1e-2, "steps": 4000,
            "eval_every": 50}
DECAYS = (1.0, 0.0)


def reference_adamw(param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray,
                    t: int, lr: float, beta1: float, beta2: float, eps: float,
                    weight_decay: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One AdamW step (decoupled weight decay) on arrays of one shape; returns new arrays."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    update = (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return param - lr * update - lr * weight_decay * param, m, v


def split(p: int, train_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The seed's (train_pairs, test_pairs): int arrays (n_train, 2) and (p*p - n_train, 2)."""
    a, b = np.divmod(np.arange(p * p), p)
    pairs = np.stack([a, b], axis=1)                               # (p*p, 2)
    order = np.random.default_rng(seed).permutation(p * p)
    n = round(train_fraction * p * p)
    return pairs[order[:n]], pairs[order[n:]]


def make_runs(seeds: range, progress: bool = True, decays: tuple[float, ...] = DECAYS,
              **overrides: float) -> dict[str, np.ndarray]:
    """Train every seed with each weight decay; returns the curves as arrays (see module doc)."""
    cfg = {**DEFAULTS, **overrides}
    p, steps = int(cfg["p"]), int(cfg["steps"])
    curves: dict[str, list] = {k: [] for k in ("train_acc", "test_acc", "train_loss",
                                               "test_loss", "weight_norm")}
    for wd in decays:
        rows: dict[str, list] = {k: [] for k in curves}
        for seed in seeds:
            train_pairs, test_pairs = split(p, cfg["train_fraction"], seed)
            params = grokking.init_params(p, seed, int(cfg["hidden"]))
            hist = grokking.train(params, train_pairs, test_pairs, p, reference_adamw, steps,
                                  lr=cfg["lr"], weight_decay=wd,
                                  eval_every=int(cfg["eval_every"]), progress=progress)
            for k in rows:
                rows[k].append(getattr(hist, k))
            if seed == seeds[0] and wd == decays[0]:
                embeddings = np.array(hist.embeddings, dtype=np.float16)
        for k in curves:
            curves[k].append(rows[k])
    out: dict[str, np.ndarray] = {k: np.array(v, dtype=np.float64) for k, v in curves.items()}
    out["steps"] = np.array(hist.steps)
    out["embeddings"] = embeddings          # (n_evals, p, hidden): W_a of the first seed, decay on
    out["seeds"] = np.array(list(seeds))
    out["weight_decay"] = np.array(decays)
    out["n_test"] = np.array(p * p - round(cfg["train_fraction"] * p * p))
    for k, v in cfg.items():
        out["cfg_" + k] = np.array(v)
    return out


def load_runs(path: Path = PATH) -> dict[str, np.ndarray]:
    """The shipped runs as a dict of arrays (curves of shape (2, n_seeds, n_evals))."""
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--out", type=Path, default=PATH)
    args = parser.parse_args()
    runs = make_runs(range(args.seeds))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **runs)  # type: ignore[arg-type]  # numpy's stub: **kwds
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
