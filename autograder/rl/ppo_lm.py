"""PPO for a language model, in miniature: the RLHF loop of Ziegler et al. and Ouyang et al.

    history = train_ppo(model, reference, reward_fn, PPOConfig(steps=6), **learner_functions)

One step (a "rollout" and an "update"):

1. sample a batch of completions from the policy; store each completion token's
   log-probability under the policy (pi_old) and under the frozen reference, and
   the value head's prediction at every completion token;
2. per-token rewards: minus beta times the token's log-ratio at every token, plus
   the reward model's score at the last one (``per_token_rewards``);
3. GAE over the completion's tokens (``gae_tokens``), whitened over the batch;
   the value targets are advantages + values;
4. several epochs of minibatches on the *same* rollouts: the clipped surrogate's
   per-token weights (``ppo_weights``), whose weighted cross-entropy the GPT's own
   backward pass differentiates; a step of the linear value head on its squared
   error (``value_loss_and_grad``); stop the epochs early when the approximate KL
   between pi_old and the current policy (``approx_kl``) passes 1.5 x target_kl.

The value head is linear, on the policy's final hidden state at each position,
detached: its gradient does not flow into the GPT (the real recipe shares the
trunk or uses a second network; a detached head keeps the backward pass the
package's own). Notebook 07/10 passes the learner's functions; ``python -m
autograder.rl.ppo_lm`` uses the plain versions below to make the shipped run
(``data/ppo_run.npz``).
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

from ..gpt import layers
from ..gpt.model import GPT
from ..gpt.optim import AdamW
from . import policy
from .rlhf import gold_of, plain_token_logprobs, progress_bar

PPO_RUN = Path(__file__).resolve().parent / "data" / "ppo_run.npz"


@dataclass(frozen=True)
class PPOConfig:
    steps: int = 6
    batch: int = 16
    beta: float = 0.05           # the KL coefficient, as in 06's run
    lr: float = 5e-4
    value_lr: float = 0.5         # per step, in units of the features' mean squared norm
    n_prompt: int = 12
    n_new: int = 16
    epochs: int = 4
    minibatches: int = 2
    clip: float = 0.2
    gamma: float = 1.0
    lam: float = 0.95
    target_kl: float = 0.1       # nats per token between pi_old and the updated policy
    seed: int = 0


@dataclass
class PPOHistory:
    """Per step: mean proxy reward, KL to the reference (nats per completion), gold reward,
    the fraction of clipped tokens, the approximate KL to pi_old reached, the epochs run,
    the value loss; and some samples."""

    reward: list[float] = field(default_factory=list)
    kl: list[float] = field(default_factory=list)
    gold: list[float] = field(default_factory=list)
    clipfrac: list[float] = field(default_factory=list)
    approx_kl: list[float] = field(default_factory=list)
    epochs: list[int] = field(default_factory=list)
    value_loss: list[float] = field(default_factory=list)
    samples: list[tuple[int, str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.array(getattr(self, k)) for k in
                ("reward", "kl", "gold", "clipfrac", "approx_kl", "epochs", "value_loss")}


# -- the plain versions (the shipped run uses these; the notebook uses the learner's) ----------

def plain_per_token_rewards(scores, logp, logp_ref, mask, beta):
    """-beta * log-ratio at every completion token, + the score at each row's last one."""
    out = -beta * (logp - logp_ref) * mask
    last = mask.shape[1] - 1 - np.argmax(mask[:, ::-1] > 0, axis=1)
    out[np.arange(len(scores)), last] += scores
    return out


def plain_gae_tokens(rewards, values, mask, gamma, lam):
    """GAE along each row's completion tokens; 0 at padding: (B, C) -> (B, C)."""
    B, C = rewards.shape
    adv = np.zeros((B, C))
    running = np.zeros(B)
    for t in reversed(range(C)):
        real_next = mask[:, t + 1] if t + 1 < C else np.zeros(B)        # (B,) row goes on?
        nxt = values[:, t + 1] * real_next if t + 1 < C else np.zeros(B)
        delta = rewards[:, t] + gamma * nxt - values[:, t]
        running = (delta + gamma * lam * running * real_next) * mask[:, t]
        adv[:, t] = running
    return adv


def plain_value_loss_and_grad(features, w, b, returns, mask):
    """0.5 * masked mean of (features @ w + b - returns)^2, and its gradient in (w, b)."""
    n = mask.sum()
    err = (features @ w + b - returns) * mask                     # (B, C)
    return (0.5 * float((err ** 2).sum() / n),
            np.einsum("bc,bcd->d", err, features) / n, float(err.sum() / n))


def plain_ppo_weights(logp_new, logp_old, advantages, mask, eps):
    """Per-token weights w with d/dlogp_new of the clipped objective = w (B, C)."""
    ratio = np.exp(logp_new - logp_old)
    active = ((advantages > 0) & (ratio < 1 + eps)) | ((advantages < 0) & (ratio > 1 - eps))
    return advantages * ratio * active * mask / mask.sum()


def plain_approx_kl(logp_new, logp_old, mask):
    """Mean over masked tokens of (r - 1) - log r, r = pi_new / pi_old: an estimate of
    KL(pi_old || pi_new) from pi_old's samples that is never negative."""
    log_r = (logp_new - logp_old) * mask
    return float((((np.exp(log_r) - 1) - log_r) * mask).sum() / mask.sum())


# -- the loop ------------------------------------------------------------------------------


def _forward(model: GPT, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logits (B, T, V) and the final hidden state (B, T, D), in one forward pass."""
    logits = model.logits(inputs)
    caches = model._caches                                                # noqa: SLF001
    assert caches is not None
    return logits, np.asarray(caches[3], dtype=np.float64)


def _backward_weighted(model: GPT, logits: np.ndarray, targets: np.ndarray,
                       weights: np.ndarray) -> dict[str, np.ndarray]:
    """policy.weighted_nll_grads, reusing the forward pass that made `logits`."""
    weights = np.asarray(weights, dtype=np.float32)
    _, (probs, _, _, _) = layers.cross_entropy_forward(logits, targets, np.ones_like(weights))
    model._loss_cache = (probs, targets, weights, 1.0)                    # noqa: SLF001
    return model.backward()


def _whiten(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n = mask.sum()
    mean = (x * mask).sum() / n
    std = np.sqrt((((x - mean) * mask) ** 2).sum() / n)
    return (x - mean) / (std + 1e-8) * mask


@dataclass
class _Rollout:
    tokens: np.ndarray        # (B, P + C)
    logp_old: np.ndarray      # (B, C)
    logp_ref: np.ndarray      # (B, C)
    features: np.ndarray      # (B, C, D) the policy's final hidden state before each token
    scores: np.ndarray        # (B,)


def _rollout(model: GPT, reference: GPT, reward_fn: Callable, config: PPOConfig,
             rng: np.random.Generator, token_logprobs: Callable) -> _Rollout:
    P, C = config.n_prompt, config.n_new
    prompts = policy.corpus_prompts(config.batch, P, rng)
    tokens = policy.sample_completions(model, prompts, C, rng)              # (B, P + C)
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    logits, feats = _forward(model, inputs)
    logp = np.asarray(token_logprobs(logits, targets))[:, P - 1:]          # (B, C)
    logp_ref = np.asarray(token_logprobs(reference.logits(inputs), targets))[:, P - 1:]
    scores = np.asarray(reward_fn(tokens), dtype=np.float64)
    return _Rollout(tokens, logp, logp_ref, feats[:, P - 1:], scores)


def train_ppo(model: GPT, reference: GPT, reward_fn: Callable[[np.ndarray], np.ndarray],
              config: PPOConfig, *, per_token_rewards: Callable = plain_per_token_rewards,
              gae_tokens: Callable = plain_gae_tokens,
              value_loss_and_grad: Callable = plain_value_loss_and_grad,
              ppo_weights: Callable = plain_ppo_weights, approx_kl: Callable = plain_approx_kl,
              token_logprobs: Callable = plain_token_logprobs, sample_every: int = 10,
              progress: bool = True) -> PPOHistory:
    """Fine-tune `model` in place with PPO against reward_fn (tokens (B, T) -> (B,))."""
    rng = np.random.default_rng(config.seed)
    opt = AdamW(model.params, lr=config.lr, weight_decay=0.0, betas=(0.9, 0.99))
    P, C, B = config.n_prompt, config.n_new, config.batch
    w, b = np.zeros(model.config.d_model), 0.0                          # the value head
    mask = np.ones((B, C))
    hist = PPOHistory()
    bar = progress_bar(config.steps, progress, "PPO steps")
    start = time.perf_counter()
    for step in range(config.steps):
        ro = _rollout(model, reference, reward_fn, config, rng, token_logprobs)
        rewards = np.asarray(per_token_rewards(ro.scores, ro.logp_old, ro.logp_ref, mask,
                                               config.beta))
        values = ro.features @ w + b                                       # (B, C)
        adv = np.asarray(gae_tokens(rewards, values, mask, config.gamma, config.lam))
        returns = adv + values
        adv = _whiten(adv, mask)
        w_scale = 1.0 / float((ro.features ** 2).sum(axis=-1).mean())    # a stable step for w
        clipped, kl_now, vloss, epochs = [], 0.0, 0.0, 0
        for _ in range(config.epochs):
            order = rng.permutation(B)
            stop = False
            for idx in np.array_split(order, config.minibatches):
                inputs, targets = ro.tokens[idx, :-1], ro.tokens[idx, 1:]
                logits = model.logits(inputs)
                logp_new = np.asarray(token_logprobs(logits, targets))[:, P - 1:]
                kl_now = float(approx_kl(logp_new, ro.logp_old[idx], mask[idx]))
                if kl_now > 1.5 * config.target_kl:
                    stop = True
                    break
                ratio = np.exp(logp_new - ro.logp_old[idx])
                clipped.append(float((np.abs(ratio - 1) > config.clip).mean()))
                weights = np.zeros(targets.shape)
                weights[:, P - 1:] = ppo_weights(logp_new, ro.logp_old[idx], adv[idx], mask[idx],
                                                 config.clip)
                opt.step(_backward_weighted(model, logits, targets, weights))
                vloss, gw, gb = value_loss_and_grad(ro.features[idx], w, b, returns[idx],
                                                    mask[idx])
                w = w - config.value_lr * w_scale * np.asarray(gw)
                b = b - config.value_lr * float(gb)
            if stop:
                break
            epochs += 1
        hist.reward.append(float(ro.scores.mean()))
        hist.kl.append(float(((ro.logp_old - ro.logp_ref) * mask).sum(axis=1).mean()))
        hist.gold.append(float(gold_of(ro.tokens, P).mean()))
        hist.clipfrac.append(float(np.mean(clipped)) if clipped else 0.0)
        hist.approx_kl.append(kl_now)
        hist.epochs.append(epochs)
        hist.value_loss.append(float(vloss))
        if step % sample_every == 0 or step == config.steps - 1:
            hist.samples.append((step, policy.decode(ro.tokens[0, :P]),
                                 policy.decode(ro.tokens[0, P:])))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(reward=f"{hist.reward[-1]:.2f}", kl=f"{hist.kl[-1]:.1f}")
    if bar is not None:
        bar.close()
    hist.seconds = time.perf_counter() - start
    return hist


# -- the shipped run -----------------------------------------------------------------------


def make_run(steps: int, out: Path = PPO_RUN) -> PPOHistory:
    """PPO from the shipped GPT against notebook 05's reward model; saves every curve."""
    from .reward_model import RewardModel, shipped_weights

    model, reference = policy.reference_model(), policy.reference_model()
    rm = RewardModel(shipped_weights(), policy.reference_model(), PPOConfig.n_prompt)
    config = PPOConfig(steps=steps)
    hist = train_ppo(model, reference, rm, config, progress=False)
    arrays: dict[str, Any] = dict(hist.arrays())
    arrays["samples"] = np.array([f"{s}\t{p}\t{c}" for s, p, c in hist.samples])
    arrays["config"] = np.array([f"{k}={v}" for k, v in vars(config).items()])
    np.savez_compressed(out, **arrays)
    print(f"PPO {steps} steps: reward {hist.reward[0]:.2f} -> {np.mean(hist.reward[-10:]):.2f}, "
          f"gold {hist.gold[0]:.2f} -> {np.mean(hist.gold[-10:]):.2f}, "
          f"kl {np.mean(hist.kl[-10:]):.1f}, clipfrac {np.mean(hist.clipfrac):.3f}, "
          f"epochs {np.mean(hist.epochs):.2f} ({hist.seconds:.0f} s)", flush=True)
    return hist


def load_run(path: Path = PPO_RUN) -> dict[str, Any]:
    """The shipped run: {"reward", "kl", "gold", "clipfrac", "approx_kl", "epochs",
    "value_loss": (steps,) arrays, "samples": [(step, prompt, completion)]}."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m autograder.rl.ppo_lm`")
    with np.load(path, allow_pickle=False) as f:
        run: dict[str, Any] = {k: f[k].copy() for k in
                               ("reward", "kl", "gold", "clipfrac", "approx_kl", "epochs",
                                "value_loss")}
        run["samples"] = [(int(s), p, c) for s, p, c in
                          (line.split("\t", 2) for line in f["samples"].tolist())]
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=80)
    args = parser.parse_args(argv)
    from ..gpt.threads import set_blas_threads

    set_blas_threads(1)
    make_run(args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
