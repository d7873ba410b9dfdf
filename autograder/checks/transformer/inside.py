"""Checks for 04_transformer/08_looking_inside: a mirror score and head ablations."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake

# -- 8.1 the mirror score --------------------------------------------------------------------


def _mirror_score(pattern, n_digits):
    n = n_digits
    lead = pattern.shape[:-2]
    out = np.zeros(lead)
    for idx in np.ndindex(*lead):
        weights = [float(pattern[idx + (i, 2 * n + 1 - i)]) for i in range(n + 1, 2 * n + 1)]
        out[idx] = sum(weights) / len(weights)
    return out


def _mirror_variant(pattern, n, shift=0, queries=(1, 1), transposed=False):
    rows = range(n + queries[0], 2 * n + queries[1])
    vals = []
    for i in rows:
        j = 2 * n + 1 - i + shift
        vals.append(pattern[..., j, i] if transposed else pattern[..., i, j])
    return np.mean(vals, axis=0)


def _random_patterns(rng, lead, T):
    s = rng.normal(size=(*lead, T, T)) * 2
    s = np.where(np.tril(np.ones((T, T), dtype=bool)), s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    return p / p.sum(-1, keepdims=True)


def _mirror_cases(rng):
    return [Case("patterns (2, 3, 9, 9) for 4 digits", (_random_patterns(rng, (2, 3), 9), 4)),
            Case("one pattern (7, 7) for 3 digits", (_random_patterns(rng, (), 7), 3))]


check_mirror_score = FunctionCheck(
    "mirror_score", _mirror_score, _mirror_cases, rtol=1e-9,
    hint='queries i = n+1 .. 2n, keys 2n + 1 - i; take pattern[..., i, key] with fancy '
         'indexing over the last two axes and average over the queries (the last axis of '
         'the result).',
    mistakes=[
        Mistake("one position past the mirror",
                "Your score reads the key one position after the digit each query should "
                "copy. The query at position i predicts answer digit i - n, which is prompt "
                "digit 2n + 1 - i; prompt digit k sits at position k (position 0 is the "
                "marker).",
                "Use key 2 * n_digits + 1 - i for query i.",
                variant=lambda p, n: _mirror_variant(p, n, shift=1)),
        Mistake("one position before the mirror",
                "Your score reads the key one position before the digit each query should "
                "copy.",
                "Use key 2 * n_digits + 1 - i for query i.",
                variant=lambda p, n: _mirror_variant(p, n, shift=-1)),
        Mistake("the wrong queries",
                "Your queries start one position early, at the last prompt digit. The "
                "queries that predict answer digits are the '=' (position n + 1) and the "
                "answer digits before the last one (positions n + 2 .. 2n): n_digits "
                "queries in all.",
                "Average over queries i = n_digits + 1 .. 2 * n_digits.",
                variant=lambda p, n: _mirror_variant(p, n, queries=(0, 0))),
        Mistake("rows and columns swapped",
                "You read pattern[key, query]. Rows are queries: pattern[..., i, j] is how "
                "much query i attends to key j.",
                "Index pattern[..., i, 2 * n + 1 - i].",
                variant=lambda p, n: _mirror_variant(p, n, transposed=True)),
    ])

# -- 8.2 ablating heads ------------------------------------------------------------------------


class AblationModel:
    """A stand-in model whose accuracy under each head mask is known in advance.

    With every head on, all rows are right. With exactly one head (l, h) off, the
    first table[l, h] rows are right. With more than one head off, no row is.
    """

    def __init__(self, table, B=12, V=5):
        self.table = np.asarray(table)
        self.B, self.V = B, V
        self.config = SimpleNamespace(n_layers=self.table.shape[0], n_heads=self.table.shape[1])

    def logits(self, tokens, head_mask=None):
        B, T = tokens.shape
        mask = np.ones(self.table.shape) if head_mask is None else np.asarray(head_mask)
        if mask.shape != self.table.shape:
            raise ValueError(f"head_mask should have shape {self.table.shape} "
                             f"(n_layers, n_heads), not {mask.shape}")
        off = np.argwhere(mask == 0)
        right = B if len(off) == 0 else (int(self.table[tuple(off[0])]) if len(off) == 1 else 0)
        targets = (np.asarray(tokens) + 1) % self.V          # the "right" next token
        out = np.zeros((B, T, self.V), dtype=np.float32)
        wrong = (targets + 1) % self.V
        chosen = np.where(np.arange(B)[:, None] < right, targets, wrong)
        np.put_along_axis(out, chosen[..., None], 5.0, axis=-1)
        return out

    def __deepcopy__(self, memo):
        return self


def _ablation_cases(rng):
    table = np.array([[12, 3, 9], [6, 12, 0]])
    model = AblationModel(table)
    tokens = rng.integers(0, 5, (12, 4))
    targets = (tokens + 1) % 5
    mask = np.zeros((12, 4), dtype=np.float32)
    mask[:, 2:] = 1
    return [Case("a stand-in model with 2 layers of 3 heads, 12 problems",
                 (model, tokens, targets, mask))]


def _head_ablation(model, inputs, targets, mask):
    return model.table / model.B            # the stand-in's accuracies, known by construction


def _ablation_variant(model, inputs, targets, mask, *, invert=False, cumulative=False):
    L, H = model.config.n_layers, model.config.n_heads
    out = np.zeros((L, H))
    head_mask = np.ones((L, H))
    for layer in range(L):
        for h in range(H):
            if not cumulative:
                head_mask = np.ones((L, H))
            hm = head_mask.copy()
            hm[layer, h] = 0
            if cumulative:
                head_mask = hm
            if invert:
                hm = 1 - hm
            logits = model.logits(inputs, head_mask=hm)
            ok = ((logits.argmax(-1) == targets) | (mask == 0)).all(axis=1)
            out[layer, h] = ok.mean()
    return out


def _reference_ablation(model, inputs, targets, mask):
    return _ablation_variant(model, inputs, targets, mask)


check_head_ablation = FunctionCheck(
    "head_ablation", _head_ablation, _ablation_cases, rtol=1e-9, dtype=None,
    reference=_reference_ablation,
    hint='For every (layer, head): a head_mask of ones with 0 at that one head, logits = '
         'model.logits(inputs, head_mask=...), then the fraction of problems whose every '
         'answer position (mask 1) is right.',
    mistakes=[
        Mistake("all but one head removed",
                "Your mask keeps only the head being measured and removes all the others. "
                "An ablation removes just that one head: a mask of ones with a single 0.",
                "Start from np.ones((n_layers, n_heads)) and set the one entry to 0.",
                variant=lambda *a: _ablation_variant(*a, invert=True)),
        Mistake("ablations accumulate",
                "Your ablations pile up: when you measure a head, the heads measured before "
                "it are still switched off. Each measurement should remove exactly one head.",
                "Make a fresh mask of ones for every (layer, head).",
                variant=lambda *a: _ablation_variant(*a, cumulative=True)),
    ])
