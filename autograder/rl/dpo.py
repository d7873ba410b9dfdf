"""DPO in miniature: the GPT trained directly on notebook 05's comparisons, with no reward model.

    hist = train_dpo(model, ref_c, ref_r, pairs, DPOConfig(), dpo_loss=..., dpo_coefficients=...)
    report = evaluate(model, reference, rm, n=64)     # proxy, gold and KL of fresh samples

One step: a batch of labelled pairs; each completion's log-probability under
the policy (one forward pass); the DPO loss and, per pair, the derivative of
the loss with respect to the chosen completion's log-probability (minus it
for the rejected one); then the GPT's backward pass with those derivatives as
per-token weights of a cross-entropy (see autograder.rl.policy). The
reference's log-probabilities are computed once, before training.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..gpt.model import GPT
from ..gpt.optim import AdamW
from . import policy, rlhf


@dataclass(frozen=True)
class DPOConfig:
    steps: int = 40
    batch: int = 32              # pairs per step
    beta: float = 0.1
    lr: float = 1e-3
    seed: int = 0


@dataclass
class DPOHistory:
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)   # implicit reward ranks chosen first
    seconds: float = 0.0


def sequence_logprobs(model: GPT, tokens: np.ndarray, n_prompt: int) -> np.ndarray:
    """log pi(completion | prompt) for each row of prompt + completion ids: (B, T) -> (B,)."""
    return policy.completion_logprobs(model, tokens, n_prompt).sum(axis=1)


def train_dpo(model: GPT, chosen: np.ndarray, rejected: np.ndarray, ref_chosen: np.ndarray,
              ref_rejected: np.ndarray, n_prompt: int, config: DPOConfig, *,
              dpo_loss: Callable, dpo_coefficients: Callable,
              progress: bool = True) -> DPOHistory:
    """Train `model` in place on pairs (m, T) of token ids, given the reference's log-probs (m,)."""
    rng = np.random.default_rng(config.seed)
    opt = AdamW(model.params, lr=config.lr, weight_decay=0.0, betas=(0.9, 0.99))
    m, T = chosen.shape
    hist = DPOHistory()
    bar = rlhf.progress_bar(config.steps, progress, "DPO steps")
    start = time.perf_counter()
    for _ in range(config.steps):
        idx = rng.choice(m, size=min(config.batch, m), replace=False)
        tokens = np.concatenate([chosen[idx], rejected[idx]])             # (2b, T)
        lp = sequence_logprobs(model, tokens, n_prompt)
        b = len(idx)
        lp_c, lp_r = lp[:b], lp[b:]
        hist.loss.append(float(dpo_loss(lp_c, lp_r, ref_chosen[idx], ref_rejected[idx],
                                        config.beta)))
        hist.accuracy.append(float(np.mean((lp_c - ref_chosen[idx]) > (lp_r - ref_rejected[idx]))))
        g = np.asarray(dpo_coefficients(lp_c, lp_r, ref_chosen[idx], ref_rejected[idx],
                                        config.beta))                   # dL/dlogp_chosen, (b,)
        weights = np.zeros((2 * b, T - 1))
        weights[:b, n_prompt - 1:] = -g[:, None]                           # raise chosen
        weights[b:, n_prompt - 1:] = g[:, None]                            # lower rejected
        opt.step(policy.weighted_nll_grads(model, tokens, weights))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{hist.loss[-1]:.3f}")
    if bar is not None:
        bar.close()
    hist.seconds = time.perf_counter() - start
    return hist


def evaluate(model: GPT, reference: GPT, reward_fn: Callable[[np.ndarray], np.ndarray],
             n: int = 64, n_prompt: int = 12, n_new: int = 16, seed: int = 7) -> dict[str, float]:
    """Mean proxy reward, gold reward and KL estimate of n fresh samples from `model`."""
    rng = np.random.default_rng(seed)
    prompts = policy.corpus_prompts(n, n_prompt, rng)
    tokens = policy.sample_completions(model, prompts, n_new, rng)
    kl = (policy.completion_logprobs(model, tokens, n_prompt)
          - policy.completion_logprobs(reference, tokens, n_prompt)).sum(axis=1)
    return {"proxy": float(np.mean(reward_fn(tokens))),
            "gold": float(np.mean(rlhf.gold_of(tokens, n_prompt))), "kl": float(kl.mean())}
