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


# -- 2.6 composition score ---------------------------------------------------------------------

def _frobenius(M: np.ndarray) -> float:
    """sqrt(sum of squared entries), by the trace of M^T M."""
    M = np.asarray(M, np.float64)
    return math.sqrt(max(float(np.trace(M.T @ M)), 0.0))


def _composition(A, B):
    A, B = np.asarray(A, np.float64), np.asarray(B, np.float64)
    return _frobenius(A @ B) / (_frobenius(A) * _frobenius(B))


def _composition_cases(rng):
    # disjoint subspaces: A reads dimensions 0-2, B writes 3-5 only, so A @ B = 0
    A0 = np.zeros((6, 6))
    A0[:, :3] = rng.normal(size=(6, 3))
    B0 = np.zeros((6, 6))
    B0[3:, :] = rng.normal(size=(3, 6))
    Q, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    return [Case("random (4, 6) @ (6, 3)", (rng.normal(size=(4, 6)), rng.normal(size=(6, 3)))),
            Case("A reads what B does not write: A @ B = 0", (A0, B0)),
            Case("an orthogonal matrix and its transpose (5, 5)", (Q, Q.T)),
            Case("A scaled by 1000 (the score ignores scale)",
                 (1000 * rng.normal(size=(3, 4)), rng.normal(size=(4, 4))))]


def _composition_unnormalised(A, B):
    return _frobenius(np.asarray(A, np.float64) @ B)


def _composition_spectral(A, B):
    A, B = np.asarray(A, np.float64), np.asarray(B, np.float64)
    return float(np.linalg.norm(A @ B, 2) / (np.linalg.norm(A, 2) * np.linalg.norm(B, 2)))


check_composition_score = FunctionCheck(
    "composition_score", _composition, _composition_cases, rtol=1e-6, atol=1e-9,
    hint="np.linalg.norm(M) of a matrix is its Frobenius norm: the square root of the sum of "
         "its squared entries. Return norm(A @ B) / (norm(A) * norm(B)) as a float.",
    mistakes=[
        Mistake("not normalised",
                "You returned the norm of A @ B alone. Divide by norm(A) * norm(B): the "
                "score compares how much of A's and B's size survives the product, so it "
                "does not grow when a head's weights are simply larger.",
                "Divide by the product of the two norms.", variant=_composition_unnormalised),
        Mistake("spectral norms",
                "You used the largest singular value (np.linalg.norm(M, 2)). Elhage et al.'s "
                "score uses the Frobenius norm, np.linalg.norm(M) with no second argument.",
                "Drop the 2.", variant=_composition_spectral),
    ])


# -- 2.7 K-composition between the two layers ---------------------------------------------------

def _head_slices(params, layer, head, n_heads):
    W, Wo = np.asarray(params[f"blocks.{layer}.attn.W_qkv"], np.float64), \
        np.asarray(params[f"blocks.{layer}.attn.W_o"], np.float64)
    D = Wo.shape[0]
    d = D // n_heads
    q = W[:, head * d:(head + 1) * d]
    k = W[:, D + head * d:D + (head + 1) * d]
    v = W[:, 2 * D + head * d:2 * D + (head + 1) * d]
    return q, k, v, Wo[head * d:(head + 1) * d]


def _k_table(params, n_heads, receiver_reads="keys", transpose_ov=True):
    out = np.zeros((n_heads, n_heads))
    for s in range(n_heads):
        _, _, v0, o0 = _head_slices(params, 0, s, n_heads)
        ov = v0 @ o0
        for r in range(n_heads):
            q1, k1, _, _ = _head_slices(params, 1, r, n_heads)
            qk = q1 @ k1.T
            if receiver_reads == "queries":
                qk = qk.T
            out[s, r] = _composition(qk, ov.T if transpose_ov else ov)
    return out


def _k_composition(params, n_heads):
    return _k_table(params, n_heads)


def _attn_params(rng, D, H):
    from autograder.gpt.model import GPTConfig
    from autograder.interp.attn_only import init_attn_only_params

    config = GPTConfig(vocab_size=7, context=4, d_model=D, n_heads=H, n_layers=2)
    params = init_attn_only_params(config, seed=int(rng.integers(1 << 30)))
    for name, value in params.items():
        if ".attn.W_" in name:
            value += rng.normal(0.0, 0.3, value.shape).astype(value.dtype)
    return params


def _k_cases(rng):
    built = _attn_params(rng, 8, 2)
    # head 0.0 writes only dimensions 0-3; head 1.1's keys read only 0-3, head 1.0's only 4-7
    Wo0 = built["blocks.0.attn.W_o"]
    Wo0[:4, 4:] = 0.0                                     # rows of head 0.0 (d_head 4)
    W1 = built["blocks.1.attn.W_qkv"]
    W1[:4, 8:12] = 0.0                                    # keys of head 1.0 ignore 0-3
    W1[4:, 12:16] = 0.0                                   # keys of head 1.1 ignore 4-7
    return [Case("random weights, D 8, 2 heads", (_attn_params(rng, 8, 2), 2)),
            Case("random weights, D 12, 3 heads", (_attn_params(rng, 12, 3), 3)),
            Case("built: head 0.0 writes only where head 1.1's keys read", (built, 2))]


check_k_composition_scores = FunctionCheck(
    "k_composition_scores", _k_composition, _k_cases, rtol=1e-4, atol=1e-6,
    hint="For sender s in layer 0 and receiver r in layer 1: W_QK = W_Q @ W_K.T of r and "
         "W_OV = W_V @ W_O of s (both D x D); the entry [s, r] is composition_score(W_QK, "
         "W_OV.T). Uses your composition_score: make its check pass first.",
    mistakes=[
        Mistake("(receiver, sender) table",
                "Your table is the transpose of the expected one: rows should be the "
                "layer-0 senders, columns the layer-1 receivers.",
                "Return the transpose, or swap your loops.",
                variant=lambda params, n: _k_table(params, n).T),
        Mistake("W_OV not transposed",
                "You multiplied W_QK @ W_OV. A key is computed from a row vector x W_OV, so "
                "the score q . k contains x_q W_QK (x_k W_OV)^T = x_q W_QK W_OV^T x_k^T: the "
                "product to score is W_QK @ W_OV.T.",
                "composition_score(W_QK, W_OV.T).",
                variant=lambda params, n: _k_table(params, n, transpose_ov=False)),
        Mistake("Q-composition",
                "You scored how much the sender's output feeds the receiver's *queries* "
                "(W_QK.T @ W_OV.T). K-composition is about its keys: W_QK @ W_OV.T.",
                "Use W_QK, not its transpose.",
                variant=lambda params, n: _k_table(params, n, receiver_reads="queries")),
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
