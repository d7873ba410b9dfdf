"""Run the optional grokking experiment of notebook 08 and save its plot.

    python3 manage.py run python benchmarks/grokking.py [--steps N] [--out FILE.png]

Prints when train and test accuracy first reached 99% and the training time.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from autograder.gpt.grokking import GrokConfig, plot_history, run  # noqa: E402
from autograder.gpt.threads import set_blas_threads  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def first_step(steps, values, level=0.99):
    return next((s for s, v in zip(steps, values, strict=True) if v >= level), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=GrokConfig.steps)
    parser.add_argument("--out", default=str(ROOT / "docs" / "figures" / "grokking.png"))
    args = parser.parse_args()
    cfg = dataclasses.replace(GrokConfig(), steps=args.steps)
    set_blas_threads(1)   # steady on a shared machine; see autograder/gpt/threads.py
    hist = run(cfg, progress=False)
    print(f"p = {cfg.p}, {cfg.train_fraction:.0%} of pairs for training, {cfg.steps} full-batch "
          f"steps in {hist.seconds:.0f} s")
    print(f"train accuracy reached 99% at step {first_step(hist.steps, hist.train_acc)}; "
          f"test accuracy at step {first_step(hist.steps, hist.test_acc)}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    plot_history(hist).savefig(out, dpi=100)
    print(f"saved {out}")


if __name__ == "__main__":
    main()
