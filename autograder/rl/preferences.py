"""The comparisons of notebooks 05-08: the shipped GPT's completions, judged by the gold reward.

    data = load_comparisons()             # prompts (n, 12), completions (n, 2, 16), gold (n, 2)
    chosen, rejected = bt_labels(data.gold, rng)       # which completion of each pair won
    python -m autograder.rl.preferences   # regenerate the shipped file (about a minute)

Each prompt is a line start of the GPT's training text (12 tokens); the GPT
(sampling at temperature 1) continued it twice by 16 tokens. A simulated
annotator compares the two completions of a prompt and prefers one with the
Bradley-Terry probability of stage 03 on the gold scores: sigmoid(g_a - g_b),
so close calls are noisy, as human labels are. Sampling 2,000 completions
takes about two minutes on 2 cores, so the completions ship in
``autograder/rl/data/comparisons.npz`` (made by this module's ``main``); the
labels are drawn in the notebook, seeded.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import gold, policy

PATH = Path(__file__).resolve().parent / "data" / "comparisons.npz"
N_PROMPTS, PROMPT_LEN, COMPLETION_LEN, SEED = 1000, 12, 16, 0


@dataclass
class Comparisons:
    prompts: np.ndarray        # (n, P) token ids
    completions: np.ndarray    # (n, 2, C) token ids
    gold: np.ndarray           # (n, 2) gold rewards

    @property
    def tokens(self) -> np.ndarray:
        """Prompt + completion for every completion: (n, 2, P + C)."""
        n = len(self.prompts)
        shape = (n, 2, self.prompts.shape[1])
        return np.concatenate([np.broadcast_to(self.prompts[:, None], shape),
                               self.completions], axis=2)

    def text(self, i: int, j: int) -> tuple[str, str]:
        """The prompt and completion j of pair i, as text."""
        return policy.decode(self.prompts[i]), policy.decode(self.completions[i, j])


def make(n_prompts: int = N_PROMPTS, seed: int = SEED) -> Comparisons:
    """Sample two completions for each of n_prompts corpus prompts (about a minute for 600)."""
    rng = np.random.default_rng(seed)
    model = policy.reference_model()
    prompts = policy.corpus_prompts(n_prompts, PROMPT_LEN, rng)
    both = np.repeat(prompts, 2, axis=0)                                   # (2n, P)
    out = []
    for i in range(0, len(both), 200):
        out.append(policy.sample_completions(model, both[i:i + 200], COMPLETION_LEN, rng))
    tokens = np.concatenate(out)[:, PROMPT_LEN:].reshape(n_prompts, 2, COMPLETION_LEN)
    return Comparisons(prompts, tokens, score(prompts, tokens))


def score(prompts: np.ndarray, completions: np.ndarray) -> np.ndarray:
    """The gold reward of every completion: prompts (n, P), completions (n, k, C) -> (n, k)."""
    n, k, _ = completions.shape
    texts = [policy.decode(p) for p in prompts]
    return np.array([[gold.gold_reward(texts[i], policy.decode(completions[i, j]))
                      for j in range(k)] for i in range(n)])


def save(data: Comparisons, path: Path = PATH) -> None:
    np.savez_compressed(path, prompts=data.prompts.astype(np.uint16),
                        completions=data.completions.astype(np.uint16))


def load_comparisons(path: Path = PATH) -> Comparisons:
    """The shipped comparisons, with their gold rewards (a clear error if the file is missing)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m autograder.rl.preferences`")
    with np.load(path, allow_pickle=False) as f:
        prompts = f["prompts"].astype(np.int64)
        completions = f["completions"].astype(np.int64)
    return Comparisons(prompts, completions, score(prompts, completions))


def bt_labels(gold_scores: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A simulated annotator's choices: (chosen, rejected) indices in {0, 1}, (n,) each.

    Completion 0 is chosen with probability sigmoid(gold[:, 0] - gold[:, 1]).
    """
    d = gold_scores[:, 0] - gold_scores[:, 1]
    first = rng.random(len(d)) < 1.0 / (1.0 + np.exp(-d))
    chosen = np.where(first, 0, 1)
    return chosen, 1 - chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PATH)
    args = parser.parse_args(argv)
    data = make()
    save(data, args.out)
    print(f"wrote {args.out}: {len(data.prompts)} prompts, gold mean {data.gold.mean():.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
