"""Checks for 06_interpretability/02_induction_heads: losses on repeated tokens, head scores.

Oracles are loops over the definitions (log-sum-exp one row at a time, one query
at a time) or a different route to the same number (the copying score from the
eigenvalues of the full V x V OV circuit, where the notebook's solution may use
the small d_head x d_head one). The heads of the shipped model are found by
scoring the attention patterns of the package's attention-only model
(autograder.interp.attn_only) with those loops.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..core import FunctionCheck, ValueCheck
from ..spec import Case, Mistake

# -- 2.1 the loss on each half of repeated tokens ------------------------------------------


def _log_softmax_at(row: np.ndarray, k: int) -> float:
    m = max(float(v) for v in row)
    return float(row[k]) - m - math.log(sum(math.exp(float(v) - m) for v in row))


def _halves(logits, tokens):
    B, T = tokens.shape
    half = T // 2
    first, second = [], []
    for b in range(B):
        for t in range(T - 1):
            nll = -_log_softmax_at(logits[b, t], int(tokens[b, t + 1]))
            if t + 1 < half:
                first.append(nll)
            elif t + 1 > half:
                second.append(nll)
    return (sum(first) / len(first), sum(second) / len(second))


def _repeated_case(rng, B, half, V, sharp):
    first = rng.integers(0, V, size=(B, half))
    tokens = np.concatenate([first, first], axis=1)
    logits = rng.normal(size=(B, 2 * half, V)).astype(np.float32)
    if sharp:   # a model that copies: in the second half, the next token gets a large logit
        for b in range(B):
            for t in range(half, 2 * half - 1):
                logits[b, t, tokens[b, t + 1]] += 6.0
    return (logits, tokens)


def _halves_cases(rng):
    return [Case("logits (2, 10, 7), tokens (2, 10): 5 tokens then the same 5, a copying model",
                 _repeated_case(rng, 2, 5, 7, True)),
            Case("logits (3, 8, 11), tokens (3, 8): random logits",
                 _repeated_case(rng, 3, 4, 11, False)),
            _large_case(rng)]


def _large_case(rng):
    logits, tokens = _repeated_case(rng, 1, 6, 5, True)
    # about 1000: np.exp overflows without the maximum subtracted, even in float64
    return Case("logits (1, 12, 5) with large values (about 1000)",
                ((logits * 10 + 1000).astype(np.float64), tokens))


def _halves_variant(logits, tokens, second_from=None, aligned=False, no_shift=False):
    T = tokens.shape[1]
    half = T // 2
    z = logits.astype(np.float64)
    z = z - z.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    if no_shift:       # logits[t] scored against tokens[t]
        nll = -np.take_along_axis(logp, tokens[..., None], -1)[..., 0]
        return float(nll[:, :half].mean()), float(nll[:, half:].mean())
    nll = -np.take_along_axis(logp[:, :-1], tokens[:, 1:, None], -1)[..., 0]   # (B, T-1)
    if aligned:        # the first copied token counted in the second half
        return float(nll[:, :half - 1].mean()), float(nll[:, half - 1:].mean())
    return float(nll[:, :half - 1].mean()), float(nll[:, half:].mean())


check_repeated_loss_halves = FunctionCheck(
    "repeated_loss_halves", _halves, _halves_cases, rtol=1e-4, atol=1e-5,
    hint="Score logits[:, t] against tokens[:, t + 1] with a stable log-softmax; predictions "
         "of tokens 1 .. half-1 are the first half, of tokens half+1 .. T-1 the second. "
         "Leave out the prediction of tokens[:, half]: nothing before it says the copy "
         "starts.",
    mistakes=[
        Mistake("no shift by one",
                "You scored logits[:, t] against tokens[:, t]. The logits at position t "
                "predict the *next* token, tokens[:, t + 1].",
                "Compare logits[:, :-1] with tokens[:, 1:].",
                variant=lambda lg, tk: _halves_variant(lg, tk, no_shift=True)),
        Mistake("the first copied token in the second half",
                "Your second half includes predicting tokens[:, half], the first token of the "
                "copy. Nothing before it says a copy starts, so it is as hard as the first "
                "half and dilutes the in-context effect.",
                "The second half is the predictions of tokens half+1 .. T-1.",
                variant=lambda lg, tk: _halves_variant(lg, tk, aligned=True)),
    ])


# -- 2.2 previous-token score and 2.3 prefix-matching score ---------------------------------

def _random_patterns(rng, B, H, T):
    s = rng.normal(size=(B, H, T, T)) * 2
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    return p / p.sum(-1, keepdims=True)


def _prev_score(pattern):
    B, H, T, _ = pattern.shape
    out = np.zeros(H)
    for h in range(H):
        vals = [float(pattern[b, h, i, i - 1]) for b in range(B) for i in range(1, T)]
        out[h] = sum(vals) / len(vals)
    return out


def _pattern_cases(rng):
    return [Case("patterns (2, 3, 10, 10)", (_random_patterns(rng, 2, 3, 10),)),
            Case("patterns (1, 4, 6, 6)", (_random_patterns(rng, 1, 4, 6),))]


def _prev_variant(pattern, offset=1, include_first=False, transposed=False):
    T = pattern.shape[-1]
    i = np.arange(0 if include_first else 1, T)
    j = np.clip(i - offset, 0, None)
    vals = pattern[..., j, i] if transposed else pattern[..., i, j]
    return vals.mean(axis=(0, 2))


check_previous_token_score = FunctionCheck(
    "previous_token_score", _prev_score, _pattern_cases, rtol=1e-9,
    hint="For every query i >= 1, the weight on key i - 1: pattern[:, :, i, i - 1] "
         "(fancy-index with i = np.arange(1, T)); average over the batch and the queries, "
         "one number per head.",
    mistakes=[
        Mistake("the diagonal",
                "You averaged pattern[..., i, i], the weight of each token on itself.",
                "The previous token of query i is key i - 1.",
                variant=lambda p: _prev_variant(p, offset=0)),
        Mistake("rows and columns swapped",
                "You read pattern[..., i - 1, i]: above the diagonal, where the causal mask "
                "makes every weight 0. Rows are queries, columns keys.",
                "Index pattern[..., i, i - 1].",
                variant=lambda p: _prev_variant(p, transposed=True)),
        Mistake("query 0 included",
                "You included query 0, which has no previous token (your index wrapped round "
                "or was clipped to key 0).",
                "Queries start at 1.",
                variant=lambda p: _prev_variant(p, include_first=True)),
    ])


def _prefix_score(pattern):
    B, H, T, _ = pattern.shape
    half = T // 2
    out = np.zeros(H)
    for h in range(H):
        vals = [float(pattern[b, h, i, i - half + 1]) for b in range(B) for i in range(half, T)]
        out[h] = sum(vals) / len(vals)
    return out


def _prefix_variant(pattern, key_shift=0, start=0):
    T = pattern.shape[-1]
    half = T // 2
    i = np.arange(half + start, T)
    return pattern[..., i, i - half + 1 + key_shift].mean(axis=(0, 2))


check_prefix_matching_score = FunctionCheck(
    "prefix_matching_score", _prefix_score, _pattern_cases, rtol=1e-9,
    hint="The tokens are a sequence of half = T // 2 tokens repeated. Query i in the second "
         "half (i = half .. T-1) saw the same token at i - half; the token after that one is "
         "at key i - half + 1. Average pattern[:, :, i, i - half + 1] over the batch and those "
         "queries, one number per head.",
    mistakes=[
        Mistake("the earlier copy of the same token",
                "You measured attention to key i - half, the earlier occurrence of the query's "
                "own token (a 'duplicate-token' head), not to the token that followed it.",
                "An induction head attends to the token *after* the earlier occurrence: key "
                "i - half + 1.",
                variant=lambda p: _prefix_variant(p, key_shift=-1)),
        Mistake("one query too many",
                "Your queries start at half - 1, the last token of the first copy, which has "
                "no earlier occurrence to match.",
                "Queries are i = half .. T - 1.",
                variant=lambda p: _prefix_variant(p, start=-1)),
    ])


# -- 2.4 copying score ------------------------------------------------------------------------

def _copying(W_E, W_V, W_O, W_U):
    full = np.asarray(W_E, np.float64) @ W_V @ W_O @ W_U           # (V, V): token -> logits
    eig = np.linalg.eigvals(full)
    return float(eig.real.sum() / np.abs(eig).sum())


def _copy_case(rng, V, D, d, sign):
    W_E = rng.normal(size=(V, D))
    W_V = rng.normal(size=(D, d))
    W_O = rng.normal(size=(d, D))
    # a head that copies: W_O close to a multiple of the pseudo-inverse of W_E W_V, so that
    # W_E W_V W_O W_U is close to sign * identity, plus noise
    W_U = sign * np.linalg.pinv(W_E @ W_V @ W_O) + rng.normal(size=(D, V)) * 0.05
    return tuple(a.astype(np.float32) for a in (W_E, W_V, W_O, W_U))


def _copy_cases(rng):
    return [Case("a copying head: V 12, D 8, d_head 4", _copy_case(rng, 12, 8, 4, 1.0)),
            Case("an anti-copying head: V 10, D 6, d_head 3", _copy_case(rng, 10, 6, 3, -1.0)),
            Case("random weights: V 9, D 6, d_head 2",
                 tuple(rng.normal(size=s).astype(np.float32)
                       for s in ((9, 6), (6, 2), (2, 6), (6, 9))))]


def _copy_real_abs(W_E, W_V, W_O, W_U):
    eig = np.linalg.eigvals(np.asarray(W_E, np.float64) @ W_V @ W_O @ W_U)
    return float(eig.real.sum() / np.abs(eig.real).sum())


check_copying_score = FunctionCheck(
    "copying_score", _copying, _copy_cases, rtol=1e-3, atol=1e-4,
    hint="Eigenvalues of the OV circuit W_E @ W_V @ W_O @ W_U (V x V; or the small "
         "W_O @ W_U @ W_E @ W_V, d_head x d_head, which has the same non-zero eigenvalues): "
         "sum of their real parts divided by the sum of their absolute values (np.abs of the "
         "complex numbers).",
    mistakes=[
        Mistake("absolute value of the real parts",
                "You divided by the sum of |real part| of the eigenvalues. The score divides "
                "by the sum of the eigenvalues' moduli |lambda| (complex absolute value), so "
                "a rotation-like pair of eigenvalues counts as 'not copying'.",
                "np.abs(eigenvalues) on the complex eigenvalues themselves.",
                variant=_copy_real_abs),
    ])


# -- 2.5 the heads of the shipped model ------------------------------------------------------

@lru_cache(maxsize=1)
def _shipped_head_scores() -> tuple[np.ndarray, np.ndarray]:
    """(previous-token scores, prefix-matching scores), each (n_layers, n_heads), computed
    with the loops above on the package's attention-only model and its measured tokens."""
    from autograder.interp import attn_only

    run = attn_only.load()
    model = run.model()
    tokens = run.rep_tokens                      # the tokens the notebook scores
    model.logits(tokens)
    prev = np.array([_prev_score(p) for p in model.patterns])
    prefix = np.array([_prefix_score(p) for p in model.patterns])
    return prev, prefix


def _argmax_head(scores: np.ndarray) -> tuple[int, int]:
    layer, head = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return (int(layer), int(head))


def _transposed_head(scores):
    layer, head = _argmax_head(scores)
    return (head, layer)


check_previous_token_head = ValueCheck(
    "previous_token_head", lambda: _argmax_head(_shipped_head_scores()[0]),
    what="`previous_token_head`",
    hint="The (layer, head) with the highest previous-token score: np.unravel_index of the "
         "argmax of your (n_layers, n_heads) array, as a tuple of two ints.",
    mistakes=[Mistake("(head, layer)", "You gave (head, layer); the order is (layer, head).",
                      "Swap the two numbers.",
                      variant=lambda: _transposed_head(_shipped_head_scores()[0]))])

check_induction_head = ValueCheck(
    "induction_head", lambda: _argmax_head(_shipped_head_scores()[1]),
    what="`induction_head`",
    hint="The (layer, head) with the highest prefix-matching score, as a tuple of two ints.",
    mistakes=[
        Mistake("(head, layer)", "You gave (head, layer); the order is (layer, head).",
                "Swap the two numbers.",
                variant=lambda: _transposed_head(_shipped_head_scores()[1])),
        Mistake("the previous-token head",
                "That is the head with the highest previous-token score. The induction head "
                "has the highest prefix-matching score: it attends to the token after the "
                "earlier occurrence of the current one.",
                "Take the argmax of the prefix-matching scores.",
                variant=lambda: _argmax_head(_shipped_head_scores()[0])),
    ])
