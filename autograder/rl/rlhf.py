"""RLHF in miniature: REINFORCE with a KL penalty, fine-tuning the GPT against a reward model.

    history = train_rlhf(model, reference, reward_fn, RLHFConfig(steps=20, beta=0.1),
                         token_logprobs=..., kl_penalised_rewards=..., reinforce_weights=...)

One step: sample a batch of completions from the policy; score them with the
reward model; subtract beta times the KL estimate sum_t log pi(y_t) - log
pi_ref(y_t); turn the shaped rewards into per-token weights (advantage over
the batch mean, divided by the batch size); and take an AdamW step on the
weighted cross-entropy, whose gradient is minus the REINFORCE estimate.
Notebook 06 passes the learner's three functions; ``python -m
autograder.rl.rlhf`` uses the plain versions below to make the shipped runs
of notebooks 06-08 (autograder/rl/data/rlhf_runs.npz).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..gpt.model import GPT
from ..gpt.optim import AdamW
from . import gold, policy
from .reward_model import RUNS, RewardModel


@dataclass(frozen=True)
class RLHFConfig:
    steps: int = 20
    batch: int = 16
    beta: float = 0.1            # the KL coefficient
    lr: float = 1e-3
    n_prompt: int = 12
    n_new: int = 16
    seed: int = 0


@dataclass
class History:
    """Per step: mean proxy reward, mean KL estimate (nats), mean gold reward; some samples."""

    reward: list[float] = field(default_factory=list)
    kl: list[float] = field(default_factory=list)
    gold: list[float] = field(default_factory=list)
    samples: list[tuple[int, str, str]] = field(default_factory=list)   # (step, prompt, text)
    seconds: float = 0.0
    beta: list[float] = field(default_factory=list)     # the KL coefficient each step used

    def arrays(self) -> dict[str, np.ndarray]:
        return {"reward": np.array(self.reward), "kl": np.array(self.kl),
                "gold": np.array(self.gold)}


# -- the plain versions (the shipped runs use these; the notebook uses the learner's) ----------

def plain_token_logprobs(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """log softmax(logits)[target] per position: (B, T, V), (B, T) -> (B, T)."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]


def plain_kl_penalised_rewards(rewards, logp_policy, logp_ref, mask, beta):
    """rewards - beta * sum_t mask * (logp_policy - logp_ref): (B,)."""
    return rewards - beta * ((logp_policy - logp_ref) * mask).sum(axis=1)


def plain_reinforce_weights(shaped, mask):
    """(shaped - mean) / B on every completion position: (B,), (B, T) -> (B, T)."""
    return (shaped - shaped.mean())[:, None] * mask / len(shaped)


def gold_of(tokens: np.ndarray, n_prompt: int) -> np.ndarray:
    """The gold reward of each prompt + completion row: (B, T) -> (B,)."""
    return np.array([gold.gold_reward(policy.decode(t[:n_prompt]), policy.decode(t[n_prompt:]))
                     for t in tokens])


def train_rlhf(model: GPT, reference: GPT, reward_fn: Callable[[np.ndarray], np.ndarray],
               config: RLHFConfig, *, token_logprobs: Callable = plain_token_logprobs,
               kl_penalised_rewards: Callable = plain_kl_penalised_rewards,
               reinforce_weights: Callable = plain_reinforce_weights,
               sample_every: int = 10, progress: bool = True,
               kl_controller: Callable[[float, float], float] | None = None) -> History:
    """Fine-tune `model` in place against reward_fn (tokens (B, T) -> (B,)); returns the History.

    kl_controller: if given, (beta, mean KL of the step) -> the beta of the next step (notebook
    13's adaptive coefficient); otherwise beta stays config.beta.
    """
    rng = np.random.default_rng(config.seed)
    opt = AdamW(model.params, lr=config.lr, weight_decay=0.0, betas=(0.9, 0.99))
    P, C = config.n_prompt, config.n_new
    mask = np.zeros((config.batch, P + C - 1))
    mask[:, P - 1:] = 1.0                          # the predictions of completion tokens
    hist = History()
    bar = progress_bar(config.steps, progress)
    start = time.perf_counter()
    beta = config.beta
    for step in range(config.steps):
        prompts = policy.corpus_prompts(config.batch, P, rng)
        tokens = policy.sample_completions(model, prompts, C, rng)          # (B, P + C)
        inputs, targets = tokens[:, :-1], tokens[:, 1:]
        logp = np.asarray(token_logprobs(model.logits(inputs), targets))   # (B, T - 1)
        logp_ref = np.asarray(token_logprobs(reference.logits(inputs), targets))
        rewards = np.asarray(reward_fn(tokens), dtype=np.float64)           # (B,)
        shaped = np.asarray(kl_penalised_rewards(rewards, logp, logp_ref, mask, beta))
        weights = np.asarray(reinforce_weights(shaped, mask))               # (B, T - 1)
        opt.step(policy.weighted_nll_grads(model, tokens, weights))
        hist.reward.append(float(rewards.mean()))
        hist.kl.append(float(((logp - logp_ref) * mask).sum(axis=1).mean()))
        hist.gold.append(float(gold_of(tokens, P).mean()))
        hist.beta.append(float(beta))
        if kl_controller is not None:
            beta = float(kl_controller(beta, hist.kl[-1]))
        if step % sample_every == 0 or step == config.steps - 1:
            hist.samples.append((step, policy.decode(tokens[0, :P]), policy.decode(tokens[0, P:])))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(reward=f"{hist.reward[-1]:.2f}", kl=f"{hist.kl[-1]:.2f}")
    if bar is not None:
        bar.close()
    hist.seconds = time.perf_counter() - start
    return hist


def progress_bar(total: int, show: bool, desc: str = "RLHF steps"):
    """A tqdm bar of `total` steps, or None when `show` is False (the training loops of
    RLHF, DPO and PPO share it)."""
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc)


# -- the shipped runs --------------------------------------------------------------------------

BETAS = (0.3, 0.1, 0.05, 0.02, 0.01, 0.0)


def make_runs(w: np.ndarray, steps: int, betas=BETAS, out: Path = RUNS) -> None:
    """Run RLHF once per KL coefficient against the reward model w; save every curve."""
    arrays: dict[str, Any] = {"betas": np.array(betas), "w": w}
    for beta in betas:
        model, reference = policy.reference_model(), policy.reference_model()
        rm = RewardModel(w, reference, RLHFConfig.n_prompt)
        hist = train_rlhf(model, reference, rm, RLHFConfig(steps=steps, beta=beta),
                          sample_every=10, progress=False)
        for k, v in hist.arrays().items():
            arrays[f"{beta}.{k}"] = v
        arrays[f"{beta}.samples"] = np.array([f"{s}\t{p}\t{c}" for s, p, c in hist.samples])
        np.savez_compressed(out, **arrays)                # keep what is done so far
        print(f"beta {beta}: reward {hist.reward[0]:.2f} -> {np.mean(hist.reward[-10:]):.2f}, "
              f"gold {hist.gold[0]:.2f} -> {np.mean(hist.gold[-10:]):.2f}, "
              f"kl {np.mean(hist.kl[-10:]):.2f} ({hist.seconds:.0f} s)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--w", type=Path, default=None,
                        help="an .npy file of reward-model weights (default: notebook 05's recipe)")
    args = parser.parse_args(argv)
    from ..gpt.threads import set_blas_threads

    set_blas_threads(1)
    from .reward_model import fit_recipe_weights

    make_runs(fit_recipe_weights() if args.w is None else np.load(args.w), args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def load_runs(path: Path = RUNS) -> dict[float, dict]:
    """The shipped runs: {beta: {"reward", "kl", "gold": (steps,) arrays, "samples": [...]}}.

    Each sample is (step, prompt, completion) of the batch's first completion at that step.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m autograder.rl.rlhf`")
    runs: dict[float, dict] = {}
    with np.load(path, allow_pickle=False) as f:
        for beta in f["betas"].tolist():
            if f"{beta}.reward" not in f.files:
                continue
            run = {k: f[f"{beta}.{k}"].copy() for k in ("reward", "kl", "gold")}
            run["samples"] = [(int(s), p, c) for s, p, c in
                              (line.split("\t", 2) for line in f[f"{beta}.samples"].tolist())]
            runs[float(beta)] = run
    return runs
