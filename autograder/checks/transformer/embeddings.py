"""Checks for 04_transformer/02_embeddings_and_loss: embeddings, softmax, cross-entropy."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ..core import FunctionCheck, ValueCheck
from ..spec import Case, Mistake
from . import oracles

# -- 2.1 embeddings ------------------------------------------------------------------


def _embed(tokens, W_tok, W_pos):
    B, T = tokens.shape
    out = np.zeros((B, T, W_tok.shape[1]), dtype=W_tok.dtype)
    for b in range(B):
        for t in range(T):
            out[b, t] = W_tok[tokens[b, t]] + W_pos[t]
    return out


def _embed_cases(rng):
    def tables(V, context, D):
        return (rng.normal(size=(V, D)).astype(np.float32),
                rng.normal(size=(context, D)).astype(np.float32))
    return [Case("tokens (2, 5), vocabulary 7, context 8, d_model 4",
                 (rng.integers(0, 7, (2, 5)), *tables(7, 8, 4))),
            Case("tokens (3, 6) filling the context of 6, d_model 3",
                 (rng.integers(0, 5, (3, 6)), *tables(5, 6, 3))),
            Case("one token", (np.array([[2]]), *tables(4, 3, 2)))]


check_embed = FunctionCheck(
    "embed", _embed, _embed_cases, dtype="exact", rtol=1e-6, atol=1e-6,
    hint='x = tok_emb[tokens] + pos_emb[:T] with T = tokens.shape[1]: fancy indexing gives'
         ' (B, T, D), and the (T, D) position rows broadcast over the batch.',
    mistakes=[
        Mistake("positional embeddings not added",
                "Your result is the token embeddings alone. Without the position embedding "
                "every position looks the same to the model: 'R12=' and 'R21=' would be the "
                "same set of vectors, and reversing would be impossible.",
                "Add W_pos[:T], the first T rows of the position table, to the token "
                "embeddings.",
                variant=lambda tok, Wt, Wp: Wt[tok]),
        Mistake("positions looked up by token",
                "You looked the position embedding up with the token ids (W_pos[tokens]). "
                "The position table is indexed by where a token sits, 0 .. T-1, not by what "
                "it is.",
                "Use W_pos[:T] (or W_pos[np.arange(T)]), which broadcasts over the batch.",
                variant=lambda tok, Wt, Wp: Wt[tok] + Wp[tok]),
        Mistake("the whole position table",
                "You added the whole position table W_pos, which has one row per position "
                "of the *context* (the longest sequence the model handles). This batch is "
                "shorter than that, so the shapes do not match.",
                "Take the first T rows: W_pos[:T], with T = tokens.shape[1].",
                variant=lambda tok, Wt, Wp: Wt[tok] + Wp),
    ])

# -- 2.2 softmax -------------------------------------------------------------------------


def _softmax_cases(rng):
    return [Case("logits of shape (2, 5), float32",
                 (rng.normal(size=(2, 5)).astype(np.float32),)),
            Case("large logits (around 1000), float32",
                 ((rng.normal(size=(3, 4)) * 5 + 1000).astype(np.float32),)),
            Case("a (2, 3, 4) array, float32", (rng.normal(size=(2, 3, 4)).astype(np.float32),)),
            Case("logits of shape (4, 4), float64", (rng.normal(size=(4, 4)),)),
            # float32 exp overflows above about 88: a row from -60 to 100 needs its own
            # maximum subtracted (not its minimum), and a row far below the others needs
            # its own maximum, not the whole array's.
            Case("(3, 4) float32 logits: a row from -60 to 100, a row around -150, a tame row",
                 (np.array([[-60.0, 0.0, 30.0, 100.0], [-150.0, -151.0, -149.0, -152.0],
                            [0.5, -0.5, 1.0, 0.0]], dtype=np.float32),))]


def _naive_softmax(x):
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def _stable(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# rtol: every correct float32 formulation must pass. exp(x - logsumexp(x)) on logits near
# 1000 rounds x - logsumexp(x) to float32's spacing there (6e-5), a relative error of up to
# about 6e-5 in the result; 2e-4 leaves a factor of 3 and is still far below any mistake.
check_softmax = FunctionCheck(
    "softmax", oracles.softmax, _softmax_cases, dtype="exact", rtol=2e-4, atol=1e-7,
    hint="Subtract each row's maximum (axis=-1, keepdims=True), exponentiate, divide by "
         "the sum over the last axis; keep the input's dtype.",
    mistakes=[
        Mistake("softmax over the wrong axis",
                "Your values are normalised down the columns (axis 0) instead of along each "
                "row. In a model the last axis holds the vocabulary, so each row of logits "
                "must become one probability distribution.",
                "Reduce over axis=-1 with keepdims=True.",
                variant=lambda x: _stable(x, 0)),
        Mistake("overflow in exp",
                "With large logits, np.exp overflows to infinity and infinity / infinity is "
                "NaN. Softmax does not change if you subtract the same number from every "
                "logit of a row, so subtract the row's maximum first: the largest exponent "
                "is then exp(0) = 1.",
                "Compute np.exp(x - x.max(axis=-1, keepdims=True)).",
                variant=_naive_softmax),
        Mistake("one maximum for the whole array",
                "You subtracted the maximum of the whole array, not of each row. A row far "
                "below that maximum then underflows: all its exponentials are 0 and 0 / 0 is "
                "NaN. Each row needs its own maximum.",
                "x.max(axis=-1, keepdims=True).",
                variant=lambda x: (np.exp(x - x.max()) / np.exp(x - x.max()).sum(
                    axis=-1, keepdims=True)).astype(x.dtype)),
        Mistake("normalised by the sum of everything",
                "You divided by the sum over the whole array, so the rows do not each sum to "
                "1.",
                "Sum over the last axis only, with keepdims=True.",
                variant=lambda x: np.exp(x - x.max()) / np.exp(x - x.max()).sum()),
        Mistake("float64 creep",
                "Your numbers are right but the result is float64 for a float32 input. Some "
                "constant or array in your code is float64 and promoted the whole "
                "computation: twice the memory and much slower, everywhere downstream.",
                "Keep everything in x's dtype: avoid np.float64 scalars and arrays made "
                "without dtype=.",
                detect=lambda e, g, case: isinstance(g, np.ndarray) and g.dtype == np.float64
                and e.dtype == np.float32 and oracles.same_values(e, g),
                example=lambda x: _stable(x.astype(np.float64), -1)),
    ])

# -- 2.3 cross-entropy ------------------------------------------------------------------


def _ce_cases(rng):
    mask = np.array([[0, 1, 1, 0], [0, 0, 1, 1]], dtype=np.float32)
    mask3 = np.array([[0, 0, 1], [1, 1, 0], [0, 1, 1]], dtype=np.float32)
    return [Case("logits (2, 4, 5) with 4 of 8 positions masked in",
                 (rng.normal(size=(2, 4, 5)).astype(np.float32), rng.integers(0, 5, (2, 4)),
                  mask)),
            Case("large logits (scale 100), float32",
                 ((rng.normal(size=(3, 3, 6)) * 100).astype(np.float32),
                  rng.integers(0, 6, (3, 3)), mask3)),
            Case("every position counts",
                 (rng.normal(size=(1, 3, 4)), rng.integers(0, 4, (1, 3)), np.ones((1, 3))))]


def _nll(logits, targets):
    x = logits.astype(np.float64)
    m = x.max(axis=-1, keepdims=True)
    logz = (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))[..., 0]
    return logz - np.take_along_axis(x, targets[..., None], axis=-1)[..., 0]


check_cross_entropy = FunctionCheck(
    "cross_entropy", oracles.cross_entropy, _ce_cases, rtol=1e-4, atol=1e-6, dtype="kind",
    hint='log-probabilities = logits - logsumexp(logits) over the last axis (stable); pick'
         " the target's entry at every (b, t); average -log p over the positions where "
         'mask is 1 (divide by mask.sum()).',
    mistakes=[
        Mistake("loss averaged over padding",
                "You summed the masked losses but divided by the number of *all* positions. "
                "The positions outside the mask then count as zeros in the average, so the "
                "loss shrinks when problems are short or padding is long, and its gradient "
                "is scaled down by the same amount.",
                "Divide by mask.sum(), the number of positions that count.",
                variant=lambda lg, t, m: float((_nll(lg, t) * m).sum() / m.size)),
        Mistake("the mask ignored",
                "You averaged the loss over every position, prompt and padding included.",
                "Multiply the per-position losses by the mask and divide by mask.sum().",
                variant=lambda lg, t, m: float(_nll(lg, t).mean())),
        Mistake("a sum instead of a mean",
                "You returned the total of the masked losses. A sum grows with the batch "
                "size, so the learning rate you need would change with it.",
                "Divide the sum by mask.sum().",
                variant=lambda lg, t, m: float((_nll(lg, t) * m).sum())),
        Mistake("probability instead of log-probability",
                "Your loss uses the probability of the target, not its logarithm. "
                "Cross-entropy is the mean of -log p(target).",
                "Take the log of the probability, or better compute log-softmax directly as "
                "logits - logsumexp(logits).",
                variant=lambda lg, t, m: float(((1 - np.exp(-_nll(lg, t))) * m).sum()
                                               / m.sum())),
        Mistake("overflow in exp",
                "Your loss is NaN or infinite for large logits: np.exp overflowed. Use "
                "log-softmax = x - max - log(sum(exp(x - max))), which never overflows.",
                "Subtract each row's maximum before np.exp.",
                detect=lambda e, g, case: isinstance(g, (float, np.floating))
                and not math.isfinite(float(g)),
                example=lambda lg, t, m: float((-np.log(np.take_along_axis(
                    np.exp(lg) / np.exp(lg).sum(-1, keepdims=True), t[..., None], -1)[..., 0])
                    * m).sum() / m.sum())),
    ])

# -- 2.4 what a model without attention can do -------------------------------------------


def _best_lookup_accuracy(inputs, targets, mask):
    table: dict[tuple[int, int], Counter] = {}
    B, T = inputs.shape
    for b in range(B):
        for t in range(T):
            if mask[b, t]:
                table.setdefault((int(inputs[b, t]), t), Counter())[int(targets[b, t])] += 1
    hits = sum(c.most_common(1)[0][1] for c in table.values())
    return hits / float(mask.sum())


def _lookup_by(inputs, targets, mask, key):
    table: dict = {}
    for b in range(inputs.shape[0]):
        for t in range(inputs.shape[1]):
            if mask[b, t]:
                table.setdefault(key(b, t), Counter())[int(targets[b, t])] += 1
    return sum(c.most_common(1)[0][1] for c in table.values()) / float(mask.sum())


def _lookup_cases(rng):
    def batch(task, n, n_digits):
        texts = []
        for _ in range(n):
            d = "".join(str(v) for v in rng.integers(0, 10, n_digits))
            ans = d[::-1] if task == "reverse" else "".join(sorted(d))
            texts.append(("R" if task == "reverse" else "S") + d + "=" + ans)
        tokens = np.stack([oracles.encode(t) for t in texts])
        mask = np.zeros((n, 2 * n_digits + 1), dtype=np.float32)
        mask[:, n_digits + 1:] = 1.0           # the targets that are answer digits
        return tokens[:, :-1], tokens[:, 1:], mask
    return [Case("300 sort problems with 4 digits", batch("sort", 300, 4)),
            Case("300 reverse problems with 3 digits", batch("reverse", 300, 3))]


check_best_lookup_accuracy = FunctionCheck(
    "best_lookup_accuracy", _best_lookup_accuracy, _lookup_cases, rtol=1e-9, dtype=None,
    hint='For each answer position (mask 1), the best a lookup table can do is predict the'
         ' most common target for that input token; count how many positions that gets '
         'right.',
    mistakes=[
        Mistake("positions outside the mask counted",
                "Your table or your accuracy includes positions where the mask is 0 (the "
                "prompt and padding). Only answer positions count.",
                "Skip every position whose mask is 0, both when counting and when scoring.",
                variant=lambda i, t, m: _lookup_by(i, t, np.ones_like(m), lambda b, s: (
                    int(i[b, s]), s))),
        Mistake("keyed by the token only",
                "Your table ignores the position: it predicts from the current token alone. "
                "A model without attention still knows the position, because the position "
                "embedding is added to the token's.",
                "Key the table by the pair (token, position).",
                variant=lambda i, t, m: _lookup_by(i, t, m, lambda b, s: int(i[b, s]))),
        Mistake("keyed by the position only",
                "Your table ignores the current token: it predicts from the position alone.",
                "Key the table by the pair (token, position).",
                variant=lambda i, t, m: _lookup_by(i, t, m, lambda b, s: s)),
    ])

# -- 2.5 the loss of an untrained model ------------------------------------------------

check_initial_loss = ValueCheck(
    "initial_loss", lambda: math.log(15), what="`initial_loss`", rtol=1e-6,
    hint='A model that knows nothing gives every one of the 15 tokens probability 1/15; '
         'the cross-entropy is then -log(1/15) = log(15), in nats.',
    mistakes=[
        Mistake("a base-2 logarithm",
                "You used log2. The cross-entropy in this stage uses the natural logarithm "
                "(np.log), so the loss is in nats, not bits.",
                "ln(15) = np.log(15).", variant=lambda: math.log2(15)),
        Mistake("only the ten digits",
                "You counted only the digits. An untrained model spreads its probability "
                "over the whole vocabulary, all 15 tokens, not just the ones that are "
                "correct answers.",
                "Use the vocabulary size, len(VOCAB).", variant=lambda: math.log(10)),
        Mistake("the probability, not the loss",
                "1/15 is the probability an untrained model gives each token. The loss is "
                "minus its logarithm.",
                "-log(1/15) = log(15).", variant=lambda: 1 / 15),
    ])
