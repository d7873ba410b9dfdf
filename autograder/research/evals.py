"""Helpers for the eval of notebook 08/03: the learner's GPT closing Python's brackets.

    train_text, held_out = texts()                         # the corpus split of stage 04
    tokens = encode_prompts(prompts, merges, n_tokens=32)  # (n, 32) the last 32 tokens of each
    logits = last_logits(logits_fn, tokens)                # (n, V) next-token logits, batched
    support, probs = paired_bootstrap(correct_b, correct_a)  # exact, from bootstrap.py

This module holds what is not the exercise: cutting prompts to a fixed number of
tokens, batching the forward passes, renaming identifiers for the prompt
sensitivity test, and the exact bootstrap of a difference of accuracies (items
scored 0 or 1, so :mod:`autograder.research.bootstrap` gives the exact
distribution with no resampling noise). The learner writes the answer key, the
item generator, the probability of a closing character and the metric.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Callable, Sequence

import numpy as np

from ..gpt import bpe, corpus
from .bootstrap import exact_bootstrap_difference, exact_quantiles

CLOSERS = ")]}"
_NEVER = 1 << 30
_NAME = re.compile(r"\b[A-Za-z_][A-Za-z_0-9]*\b")


def texts() -> tuple[str, str]:
    """(training text, held-out text) of stage 04's corpus: the split the checkpoint used."""
    return corpus.split(corpus.load())


def encode_prompts(prompts: Sequence[str], merges: list[tuple[int, int]],
                   n_tokens: int) -> np.ndarray:
    """The last n_tokens BPE tokens of each prompt: int array of shape (len(prompts), n_tokens).

    Raises ValueError if a prompt encodes to fewer than n_tokens tokens.
    """
    if n_tokens < 1:
        raise ValueError(f"n_tokens must be >= 1, got {n_tokens}")
    ranks = {pair: rank for rank, pair in enumerate(merges)}
    rows = []
    for i, prompt in enumerate(prompts):
        ids = encode_by_rank(prompt, ranks)
        if len(ids) < n_tokens:
            raise ValueError(f"prompt {i} has {len(ids)} tokens, fewer than n_tokens = "
                             f"{n_tokens}: use a longer window or fewer tokens")
        rows.append(ids[-n_tokens:])
    return np.asarray(rows, dtype=np.int64).reshape(len(rows), n_tokens)


def encode_by_rank(text: str, ranks: dict[tuple[int, int], int]) -> list[int]:
    """bpe.encode(text, merges) with ranks = {merge: its index}, several times faster.

    Repeatedly merges the adjacent pair of lowest rank present (GPT-2's loop), which
    gives the same tokens as applying every merge in order (bpe.encode's docstring);
    merges absent from the text cost nothing. Returns a list of token ids.
    """
    ids = list(text.encode("utf-8"))
    while len(ids) >= 2:
        rank, pair = min((ranks.get(p, _NEVER), p) for p in zip(ids, ids[1:], strict=False))
        if rank == _NEVER:
            break
        ids = bpe.merge_pair(ids, pair, 256 + rank)
    return ids


def last_logits(logits_fn: Callable[[np.ndarray], np.ndarray], tokens: np.ndarray,
                batch: int = 128) -> np.ndarray:
    """Next-token logits after each row of tokens (n, T): float64 array of shape (n, V).

    logits_fn(tokens (b, T)) -> logits (b, T, V); called on batches of `batch` rows.
    """
    if tokens.ndim != 2 or len(tokens) == 0:
        raise ValueError(f"tokens must have shape (n, T) with n >= 1, got {tokens.shape}")
    out = [np.asarray(logits_fn(tokens[i:i + batch]), dtype=np.float64)[:, -1]
           for i in range(0, len(tokens), batch)]
    return np.concatenate(out, axis=0)


def rename_identifiers(prompt: str, suffix: str = "_2") -> str:
    """The prompt with every identifier that is not a keyword or builtin renamed name -> name_2.

    A trivial change for a Python programmer: the brackets to close are the same.
    """
    keep = set(keyword.kwlist) | set(dir(builtins)) | {"self", "cls"}
    return _NAME.sub(lambda m: m.group(0) if m.group(0) in keep else m.group(0) + suffix,
                     prompt)


def paired_bootstrap(correct_b: np.ndarray, correct_a: np.ndarray,
                     level: float = 0.95) -> tuple[float, tuple[float, float]]:
    """Mean of correct_b - correct_a and its exact paired bootstrap percentile interval.

    correct_a, correct_b: (n,) 0/1 scores of two systems on the same n items.
    Returns (difference, (low, high)).
    """
    a = np.asarray(correct_a, dtype=float)
    b = np.asarray(correct_b, dtype=float)
    support, probs = exact_bootstrap_difference(a, b, 1.0, paired=True)
    low, high = exact_quantiles(support, probs, [(1 - level) / 2, (1 + level) / 2])
    return float(b.mean() - a.mean()), (float(low), float(high))


def accuracy_ci(correct: np.ndarray, level: float = 0.95) -> tuple[float, tuple[float, float]]:
    """Accuracy of 0/1 scores (n,) and its exact bootstrap percentile interval."""
    c = np.asarray(correct, dtype=float)
    return paired_bootstrap(c, np.zeros_like(c), level)


def unpaired_bootstrap(correct_b: np.ndarray, correct_a: np.ndarray,
                       level: float = 0.95) -> tuple[float, tuple[float, float]]:
    """Like paired_bootstrap, for two sets of n items resampled apart (different items)."""
    a = np.asarray(correct_a, dtype=float)
    b = np.asarray(correct_b, dtype=float)
    support, probs = exact_bootstrap_difference(a, b, 1.0, paired=False)
    low, high = exact_quantiles(support, probs, [(1 - level) / 2, (1 + level) / 2])
    return float(b.mean() - a.mean()), (float(low), float(high))


def open_distance(prompt: str) -> int | None:
    """Characters between the innermost bracket still open and the end of the prompt.

    0 when the prompt ends with the opener itself ('f('); None when nothing is open.
    Assumes properly nested brackets, as in the items of notebook 08/03.
    """
    stack: list[int] = []
    for i, c in enumerate(prompt):
        if c in "([{":
            stack.append(i)
        elif c in ")]}" and stack:
            stack.pop()
    return len(prompt) - 1 - stack[-1] if stack else None
