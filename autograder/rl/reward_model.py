"""The reward model of notebooks 05-08: a linear head on the frozen GPT's mean-pooled features.

    feats = completion_features(model, tokens, n_prompt)   # (B, D): the completion's summary
    r = feats @ w                                           # (B,) one reward per completion
    rm = RewardModel(w, reference_model())                  # callable on token ids

The features are the final LayerNorm's output (the vector the unembedding
reads, so it encodes what the GPT "thinks" at each position), averaged over
the completion's positions. The GPT stays frozen; only w (D numbers) is
learned, by the learner's Bradley-Terry fit in notebook 05.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..gpt.model import GPT
from . import policy


def completion_mask(n: int, n_prompt: int, n_total: int) -> np.ndarray:
    """1 at the completion's positions, 0 at the prompt's: (n, n_total) float64."""
    mask = np.zeros((n, n_total))
    mask[:, n_prompt:] = 1.0
    return mask


def completion_features(model: GPT, tokens: np.ndarray, n_prompt: int,
                        batch: int = 256) -> np.ndarray:
    """Mean over the completion's positions of the final residual: (B, T) ids -> (B, D)."""
    out = []
    for i in range(0, len(tokens), batch):
        h = policy.final_residual(model, tokens[i:i + batch])               # (b, T, D)
        out.append(h[:, n_prompt:].mean(axis=1))
    return np.concatenate(out)


@dataclass
class RewardModel:
    """r(tokens) = completion_features(frozen GPT, tokens) @ w."""

    w: np.ndarray              # (D,)
    model: GPT                 # the frozen GPT whose features it reads
    n_prompt: int

    def __call__(self, tokens: np.ndarray) -> np.ndarray:
        """Rewards (B,) for prompt + completion token ids (B, T)."""
        return completion_features(self.model, tokens, self.n_prompt) @ self.w


# -- the recipe of notebook 05 (the shipped RLHF runs use the reward model it gives) ----------

LABEL_SEED = 1          # the simulated annotator's generator
N_TRAIN = 700           # comparisons to train on; the other 300 are held out
L2, LR, STEPS = 0.3, 1.0, 300


#: the shipped RLHF runs (autograder.rl.rlhf makes them), with the reward model they used
RUNS = Path(__file__).resolve().parent / "data" / "rlhf_runs.npz"


def shipped_weights() -> np.ndarray:
    """The reward model w (D,) that the shipped RLHF runs were trained against."""
    if not RUNS.is_file():
        raise FileNotFoundError(f"{RUNS} is missing: run `python -m autograder.rl.rlhf`")
    with np.load(RUNS, allow_pickle=False) as f:
        return f["w"].copy()


def fit_recipe_weights() -> np.ndarray:
    """Notebook 05's reward model, by its recipe: the w (D,) the shipped runs were trained against.

    Features of every shipped completion; the annotator's labels drawn with LABEL_SEED; gradient
    descent on the Bradley-Terry loss with an L2 penalty over the first N_TRAIN pairs; rewards
    scaled to unit spread over all completions. (Used by ``python -m autograder.rl.rlhf``.)
    """
    from . import preferences

    data = preferences.load_comparisons()
    n, n_prompt = data.prompts.shape
    feats = completion_features(policy.reference_model(), data.tokens.reshape(2 * n, -1),
                                n_prompt).reshape(n, 2, -1)
    chosen, rejected = preferences.bt_labels(data.gold, np.random.default_rng(LABEL_SEED))
    rows = np.arange(N_TRAIN)
    diff = feats[rows, chosen[:N_TRAIN]] - feats[rows, rejected[:N_TRAIN]]        # (m, D)
    w = np.zeros(feats.shape[2])
    for _ in range(STEPS):
        surprise = 1.0 / (1.0 + np.exp(diff @ w))                                # sigmoid(-d)
        w = w - LR * (-diff.T @ surprise / N_TRAIN + L2 * w)
    return w / (feats.reshape(2 * n, -1) @ w).std()
