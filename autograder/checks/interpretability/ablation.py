"""Checks for 06_interpretability/06_ablation: replace a head, how far zero is, rank agreement.

Oracles: explicit loops over the batch and positions (replace_head, zero_shift) and the
textbook formula 1 - 6 sum d^2 / (n (n^2 - 1)) over ranks found by counting
(spearman).
"""

from __future__ import annotations

import math

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake

# -- 6.1 replace one head's output ---------------------------------------------------------


def _replace_head(z, head, value):
    B, T, H, d = z.shape
    out = np.array(z, copy=True)
    value = np.asarray(value)
    for b in range(B):
        for t in range(T):
            if value.ndim == 1:
                v = value
            elif value.ndim == 2:
                v = value[t]
            else:
                v = value[b, t]
            for k in range(d):
                out[b, t, head, k] = v[k]
    return out


def _replace_cases(rng):
    z = rng.normal(size=(2, 5, 3, 4)).astype(np.float32)
    return [Case("z (2, 5, 3, 4), head 1, a value per batch item and position (2, 5, 4)",
                 (z, 1, rng.normal(size=(2, 5, 4)).astype(np.float32))),
            Case("z (2, 5, 3, 4), head 2, one value per position (5, 4)",
                 (z, 2, rng.normal(size=(5, 4)).astype(np.float32))),
            Case("z (3, 2, 4, 2), head 0, one value for everything (2,)",
                 (rng.normal(size=(3, 2, 4, 2)).astype(np.float32), 0,
                  np.array([0.5, -2.0], dtype=np.float32))),
            Case("z (1, 4, 2, 3), head 1, zeros", (rng.normal(size=(1, 4, 2, 3)), 1, np.zeros(3)))]


def _wrong_axis(z, head, value):
    out = np.array(z, copy=True)
    out[:, head] = value
    return out


check_replace_head = FunctionCheck(
    "replace_head", _replace_head, _replace_cases, dtype="exact",
    mutation=Mistake(
        "changed z in place",
        "Your function wrote into the z it was given. In a hook that z is the model's own "
        "activation, and it may also sit in a cache you read later: after an in-place "
        "ablation your 'clean' cache holds ablated values.",
        "Copy z first (z.copy()) and change the copy.",
        example=lambda z, head, value: _in_place(z, head, value)),
    hint="Copy z, then assign value to the slice [:, :, head, :]; NumPy broadcasts a (d_head,) "
         "or (T, d_head) value over the leading axes.",
    mistakes=[
        Mistake("replaced a position, not a head",
                "You replaced z[:, head] (a position) instead of z[:, :, head] (a head). z is "
                "(batch, position, head, d_head): the head is the third axis.",
                "Index z[:, :, head, :].",
                variant=_wrong_axis),
    ])


def _in_place(z, head, value):
    z[:, :, head, :] = value
    return z

# -- 6.2 how far is zero from a component's outputs ---------------------------------------------


def _zero_shift(outputs):
    rows = np.asarray(outputs, dtype=np.float64).reshape(-1, np.shape(outputs)[-1])
    n, D = rows.shape
    mean = [sum(rows[i, k] for i in range(n)) / n for k in range(D)]
    spread = sum(sum((rows[i, k] - mean[k]) ** 2 for k in range(D)) for i in range(n)) / n
    return math.sqrt(sum(m * m for m in mean)) / math.sqrt(spread)


def _shift_cases(rng):
    return [Case("outputs (6, 5), mean far from zero",
                 (rng.normal(size=(6, 5)) + np.array([3.0, 0.0, -1.0, 0.5, 2.0]),)),
            Case("outputs (2, 3, 4), several scales",
                 (rng.normal(size=(2, 3, 4)) * [1, 10, 0.1, 1] + 1.0,)),
            Case("outputs (4, 2) float32, centred", (np.array(
                [[1.0, 2.0], [-1.0, 0.0], [1.0, -2.0], [-1.0, 0.0]], dtype=np.float32),))]


def _rows(outputs):
    return np.asarray(outputs, dtype=np.float64).reshape(-1, np.shape(outputs)[-1])


def _per_axis(outputs):
    rows = _rows(outputs)
    return float(np.mean(np.abs(rows.mean(0)) / rows.std(0)))


def _from_zero(outputs):
    rows = _rows(outputs)
    return float(np.linalg.norm(rows.mean(0)) / np.sqrt((rows ** 2).sum(-1).mean()))


check_zero_shift = FunctionCheck(
    "zero_shift", _zero_shift, _shift_cases, rtol=1e-6, atol=1e-9,
    hint="Flatten every axis but the last into rows; mu = the mean row; the answer is "
         "|mu| / sqrt(mean over rows of |row - mu|^2), with |.| the Euclidean norm.",
    mistakes=[
        Mistake("per coordinate, then averaged",
                "You measured each coordinate on its own (|mean| / std per coordinate) and "
                "averaged. The question is about the whole vector: how far the zero vector is "
                "from the mean output, compared with how far outputs typically are from it.",
                "One norm of the mean vector, divided by the root-mean-square distance of the "
                "rows from it.",
                variant=_per_axis),
        Mistake("the distance from zero, not from the mean",
                "Your denominator measures the rows' distance from zero (their root mean "
                "square), not from their mean. The spread must be measured around the mean.",
                "Subtract the mean row before squaring.",
                variant=_from_zero),
    ])

# -- 6.3 rank agreement -------------------------------------------------------------------------


def _ranks(a):
    return [sum(1 for y in a if y < x) for x in a]


def _spearman(a, b):
    a, b = [float(v) for v in a], [float(v) for v in b]
    n = len(a)
    ra, rb = _ranks(a), _ranks(b)
    return 1.0 - 6.0 * sum((x - y) ** 2 for x, y in zip(ra, rb, strict=True)) / (n * (n * n - 1))


def _pearson(a, b):
    return float(np.corrcoef(np.asarray(a, float), np.asarray(b, float))[0, 1])


def _single_argsort(a, b):
    return _pearson(np.argsort(a), np.argsort(b))


def _spearman_cases(rng):
    a = rng.normal(size=9)
    return [Case("9 effects, b a monotone but curved function of a",
                 (a, np.exp(2 * a))),
            Case("7 effects in another order",
                 (np.array([0.3, 2.0, -1.0, 0.9, 5.0, 0.1, -0.4]),
                  np.array([1.0, 0.2, 0.5, 3.0, 2.5, -2.0, 0.4]))),
            Case("12 effects with outliers", (rng.normal(size=12) ** 3, rng.normal(size=12))),
            Case("3 effects in reverse order",
                 (np.array([1.0, 2.0, 3.0]), np.array([0.3, 0.2, 0.1])))]


check_spearman = FunctionCheck(
    "spearman", _spearman, _spearman_cases, rtol=1e-9, atol=1e-12,
    hint="Replace each list by its ranks (0 for the smallest, n - 1 for the largest), then take "
         "the Pearson correlation of the two rank lists.",
    mistakes=[
        Mistake("Pearson on the values",
                "You correlated the values themselves (Pearson). Spearman's coefficient "
                "correlates their ranks, so it is 1 for any increasing relation, curved or "
                "not, and one huge outlier cannot dominate it.",
                "Turn each array into ranks first.",
                variant=_pearson),
        Mistake("argsort once",
                "np.argsort(a) is the order (which index is smallest, which next), not the "
                "ranks. The rank of each entry is the argsort of the argsort.",
                "ranks = np.argsort(np.argsort(a)).",
                variant=_single_argsort),
    ])
