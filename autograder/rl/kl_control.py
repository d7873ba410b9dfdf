"""Notebook 13's adaptive KL coefficient: RLHF that steers its KL towards a target.

    history = rlhf.train_rlhf(..., kl_controller=lambda beta, kl: plain_update(beta, kl, 10.0))
    runs = load_runs()            # {target: {"reward", "kl", "gold", "beta": (steps,)}}
    python -m autograder.rl.kl_control    # remake the shipped runs (several minutes on 2 cores)

Ziegler et al. (2019), section 2.2, change the KL coefficient after every batch by a clipped
proportional error: e = clip(KL / target - 1, -0.2, 0.2), beta <- beta * (1 + K e). Their K is
the batch size over a horizon of 10,000 samples; our runs are 80 steps of 16 samples, so the
shipped runs use K = RATE per step, fast enough to act within the run. The runs start from
notebook 06's beta = 0.05 and train notebook 06's RLHF for 80 steps at each target.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import policy, rlhf
from .reward_model import RewardModel, shipped_weights

PATH = Path(__file__).resolve().parent / "data" / "kl_control_runs.npz"
TARGETS = (8.0, 25.0)
RATE, CLIP, BETA0, STEPS = 0.3, 0.2, 0.05, 80


def plain_update(beta: float, kl: float, target: float, rate: float = RATE,
                 clip: float = CLIP) -> float:
    """beta * (1 + rate * clip(kl / target - 1, -clip, clip)): the next step's coefficient."""
    return beta * (1.0 + rate * float(np.clip(kl / target - 1.0, -clip, clip)))


def controller(target: float) -> Callable[[float, float], float]:
    """The loop's kl_controller for a target: (beta, kl) -> plain_update(beta, kl, target)."""
    def update(beta: float, kl: float) -> float:
        return plain_update(beta, kl, target)
    return update


def make_runs(steps: int = STEPS, targets=TARGETS, out: Path = PATH) -> None:
    """RLHF with the adaptive coefficient once per target KL; save every curve."""
    arrays: dict[str, Any] = {"targets": np.array(targets)}
    w = shipped_weights()
    for target in targets:
        model, reference = policy.reference_model(), policy.reference_model()
        rm = RewardModel(w, reference, rlhf.RLHFConfig.n_prompt)
        hist = rlhf.train_rlhf(model, reference, rm, rlhf.RLHFConfig(steps=steps, beta=BETA0),
                               progress=False, kl_controller=controller(target))
        for k, v in hist.arrays().items():
            arrays[f"{target}.{k}"] = v
        arrays[f"{target}.beta"] = np.array(hist.beta)
        np.savez_compressed(out, **arrays)
        print(f"target {target}: KL of the last 20 steps {np.mean(hist.kl[-20:]):.1f}, beta "
              f"{hist.beta[0]:.3f} -> {hist.beta[-1]:.3f}, proxy {np.mean(hist.reward[-10:]):.2f}, "
              f"gold {np.mean(hist.gold[-10:]):.2f} ({hist.seconds:.0f} s)", flush=True)


def load_runs(path: Path = PATH) -> dict[float, dict[str, np.ndarray]]:
    """The shipped runs: {target KL: {"reward", "kl", "gold", "beta": (steps,) arrays}}."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m autograder.rl.kl_control`")
    with np.load(path, allow_pickle=False) as f:
        return {float(t): {k: f[f"{t}.{k}"].copy() for k in ("reward", "kl", "gold", "beta")}
                for t in f["targets"].tolist() if f"{t}.beta" in f.files}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    args = parser.parse_args(argv)
    from ..gpt.threads import set_blas_threads

    set_blas_threads(1)
    make_runs(args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
