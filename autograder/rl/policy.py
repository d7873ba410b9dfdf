"""A language model as a policy: prompts, sampled completions, log-probabilities and gradients.

    model = reference_model()                                  # the shipped Python GPT (04/10)
    prompts = corpus_prompts(n=32, length=12, rng=rng)          # (32, 12) token ids
    tokens = sample_completions(model, prompts, 16, rng)        # (32, 28): prompt + completion
    logp = completion_logprobs(model, tokens, 12)               # (32, 16) log pi(token | before)
    grads = weighted_nll_grads(model, tokens, weights)          # d/dparams sum w * -log pi

Notebooks 06 and 08 fine-tune the learner's own GPT from 04/10 when it is saved
(autograder.rl.own_model chooses); the shipped one stays the reward model's body.

A completion's log-probability is the sum of its tokens' log-probabilities,
each conditioned on everything before it. The policy-gradient step of
notebook 06 is a per-token *weighted* cross-entropy: weight each completion
token's -log pi by minus its sequence's advantage, and the package GPT's
backward pass does the rest (the cross-entropy backward with the weights as
its mask).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..gpt import bpe, textgpt
from ..gpt.model import GPT


@lru_cache(maxsize=1)
def _checkpoint() -> textgpt.Checkpoint:
    return textgpt.load_checkpoint()


def shipped_checkpoint() -> textgpt.Checkpoint:
    """The shipped checkpoint of 04/10 (cached: never modify it; reference_model copies it)."""
    return _checkpoint()


def reference_model() -> GPT:
    """A fresh copy of the shipped Python GPT of notebook 04/10 (float32 parameters)."""
    ckpt = _checkpoint()
    return GPT(ckpt.config, params={k: v.copy() for k, v in ckpt.params.items()})


def merges() -> list[tuple[int, int]]:
    """The BPE merges of the shipped GPT (to decode token ids to text)."""
    return _checkpoint().merges


@lru_cache(maxsize=1)
def _vocab_bytes() -> tuple[bytes, ...]:
    return tuple(bpe.vocab_bytes(merges()))


def decode(ids) -> str:
    """Token ids (any 1-d sequence of ints) to text, with the shipped GPT's tokenizer."""
    table = _vocab_bytes()
    return b"".join(table[int(i)] for i in ids).decode("utf-8", errors="replace")


def corpus_prompts(n: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """n windows of `length` tokens of the training text, each starting a line: (n, length)."""
    ids = _checkpoint().train_ids
    newline = bpe.encode("\n", [])[0]
    starts = np.flatnonzero(ids[:-length - 1] == newline) + 1     # token after a newline
    pick = rng.choice(starts, size=n, replace=False)
    return ids[pick[:, None] + np.arange(length)[None, :]]


def softmax_rows(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax over the last axis, in float64: (..., V) -> (..., V)."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z -= z.max(axis=-1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(axis=-1, keepdims=True)


def sample_completions(model: GPT, prompts: np.ndarray, n_new: int, rng: np.random.Generator,
                       temperature: float = 1.0) -> np.ndarray:
    """Continue every prompt (B, P) by n_new sampled tokens: returns (B, P + n_new) ids."""
    tokens = np.asarray(prompts)
    if tokens.shape[1] + n_new > model.config.context:
        raise ValueError(f"{tokens.shape[1]} + {n_new} tokens exceed the context "
                         f"({model.config.context})")
    for _ in range(n_new):
        p = softmax_rows(model.logits(tokens)[:, -1], temperature)        # (B, V)
        u = rng.random((len(p), 1))
        nxt = np.minimum((np.cumsum(p, axis=1) < u).sum(axis=1), p.shape[1] - 1)
        tokens = np.concatenate([tokens, nxt[:, None]], axis=1)
    return tokens


def completion_logprobs(model: GPT, tokens: np.ndarray, n_prompt: int) -> np.ndarray:
    """log pi(token_t | tokens before t) for each completion token: (B, T) -> (B, T - n_prompt)."""
    logits = np.asarray(model.logits(tokens[:, :-1]), dtype=np.float64)   # (B, T-1, V)
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, tokens[:, 1:, None], axis=-1)[..., 0]  # (B, T-1)
    return picked[:, n_prompt - 1:]


def final_residual(model: GPT, tokens: np.ndarray) -> np.ndarray:
    """The final LayerNorm's output, the vector the unembedding reads: (B, T) -> (B, T, D)."""
    model.logits(tokens)
    caches = model._caches                                                # noqa: SLF001
    assert caches is not None  # logits() stores them
    return np.asarray(caches[3], dtype=np.float64)


def weighted_nll_grads(model: GPT, tokens: np.ndarray,
                       weights: np.ndarray) -> dict[str, np.ndarray]:
    """Gradients of sum_{b,t} weights[b, t] * -log pi(tokens[b, t+1] | tokens[b, :t+1]).

    tokens: (B, T) ids; weights: (B, T - 1), one per predicted token (0 for the prompt).
    Returns {parameter name: gradient}, shaped like model.params.
    """
    from ..gpt import layers

    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    weights = np.asarray(weights, dtype=np.float32)
    if weights.shape != targets.shape:
        raise ValueError(f"weights should have shape {targets.shape}, not {weights.shape}")
    logits = model.logits(inputs)
    _, (probs, _, _, _) = layers.cross_entropy_forward(logits, targets, np.ones_like(weights))
    model._loss_cache = (probs, targets, weights, 1.0)                    # noqa: SLF001
    return model.backward()
