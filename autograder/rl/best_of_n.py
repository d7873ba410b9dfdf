"""Notebook 12's samples: N completions per prompt from the shipped GPT, scored by proxy and gold.

    data = load_samples()          # prompts (P, 12), completions (P, N, 16), proxy, gold (P, N)
    python -m autograder.rl.best_of_n     # remake the shipped file (a few minutes on 2 cores)

Best-of-n needs many completions of the same prompt: sampling 100 x 64 of
them with the GPT takes minutes, so they ship in
``autograder/rl/data/best_of_n.npz`` (made by ``main``). Each prompt is a
line start of the GPT's training text (other prompts than the comparisons'
seed draws), continued N times by 16 tokens at temperature 1. ``proxy`` is
the reward model the shipped RLHF runs optimised (notebook 05's recipe,
``reward_model.shipped_weights``) and ``gold`` the hidden gold reward, so
best-of-n and RL are measured with the same two rulers.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import policy, preferences
from .reward_model import RewardModel, shipped_weights

PATH = Path(__file__).resolve().parent / "data" / "best_of_n.npz"
N_PROMPTS, N_SAMPLES, PROMPT_LEN, COMPLETION_LEN, SEED = 100, 64, 12, 16, 12


@dataclass
class Samples:
    prompts: np.ndarray        # (P, 12) token ids
    completions: np.ndarray    # (P, N, 16) token ids
    proxy: np.ndarray          # (P, N) the reward model's scores
    gold: np.ndarray           # (P, N) the gold rewards

    def text(self, i: int, j: int) -> tuple[str, str]:
        """The prompt and completion j of prompt i, as text."""
        return policy.decode(self.prompts[i]), policy.decode(self.completions[i, j])


def proxy_scores(prompts: np.ndarray, completions: np.ndarray) -> np.ndarray:
    """The shipped reward model's score of every completion: (P, 12), (P, k, 16) -> (P, k)."""
    n, k, _ = completions.shape
    shape = (n, k, prompts.shape[1])
    tokens = np.concatenate([np.broadcast_to(prompts[:, None], shape), completions], axis=2)
    rm = RewardModel(shipped_weights(), policy.reference_model(), prompts.shape[1])
    return rm(tokens.reshape(n * k, -1)).reshape(n, k)


def make(n_prompts: int = N_PROMPTS, n_samples: int = N_SAMPLES, seed: int = SEED,
         batch: int = 256) -> Samples:
    """Sample n_samples completions for each of n_prompts corpus prompts, and score them."""
    rng = np.random.default_rng(seed)
    model = policy.reference_model()
    prompts = policy.corpus_prompts(n_prompts, PROMPT_LEN, rng)
    rows = np.repeat(prompts, n_samples, axis=0)                           # (P * N, 12)
    out = []
    for i in range(0, len(rows), batch):
        out.append(policy.sample_completions(model, rows[i:i + batch], COMPLETION_LEN, rng))
    completions = np.concatenate(out)[:, PROMPT_LEN:].reshape(n_prompts, n_samples, -1)
    return Samples(prompts, completions, proxy_scores(prompts, completions),
                   preferences.score(prompts, completions))


def save(data: Samples, path: Path = PATH) -> None:
    np.savez_compressed(path, prompts=data.prompts.astype(np.uint16),
                        completions=data.completions.astype(np.uint16),
                        proxy=data.proxy.astype(np.float32), gold=data.gold.astype(np.int16))


def load_samples(path: Path = PATH) -> Samples:
    """The shipped samples (a clear error if the file is missing)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m autograder.rl.best_of_n`")
    with np.load(path, allow_pickle=False) as f:
        return Samples(f["prompts"].astype(np.int64), f["completions"].astype(np.int64),
                       f["proxy"].astype(np.float64), f["gold"].astype(np.float64))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PATH)
    args = parser.parse_args(argv)
    from ..gpt.threads import set_blas_threads

    set_blas_threads(1)
    start = time.perf_counter()
    data = make()
    save(data, args.out)
    print(f"wrote {args.out}: {data.completions.shape[0]} prompts x {data.completions.shape[1]} "
          f"completions, proxy mean {data.proxy.mean():.2f}, gold mean {data.gold.mean():.2f} "
          f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
