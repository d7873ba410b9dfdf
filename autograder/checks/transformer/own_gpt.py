"""Checks for 04_transformer/10_your_gpt_on_python: bits per byte and the two baselines.

Oracles are explicit loops over tokens with Python floats (math.log), written
for obviousness; the notebook's solutions use NumPy (bincount, np.add.at).
"""

from __future__ import annotations

import math

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake

LN2 = math.log(2.0)

# -- 10.1 bits per byte --------------------------------------------------------------------------


def _bits_per_byte(total_nats, n_bytes):
    return total_nats / n_bytes / LN2


check_bits_per_byte = FunctionCheck(
    "bits_per_byte", _bits_per_byte,
    [Case("1000 nats over 800 bytes", (1000.0, 800)),
     Case("0 nats (a perfect model)", (0.0, 10)),
     Case("ln 256 nats per byte over 3 bytes (uniform over bytes: 8 bits)",
          (3 * math.log(256.0), 3))],
    mistakes=[
        Mistake("nats, not bits",
                "You returned nats per byte. A nat is the unit of the natural logarithm; a "
                "bit is the unit of log2, and 1 nat = 1 / ln 2 ≈ 1.443 bits.",
                "Divide by math.log(2) as well.",
                variant=lambda nats, n: nats / n),
        Mistake("multiplied by ln 2",
                "You multiplied by ln 2 instead of dividing: bits = nats / ln 2.",
                "log2(x) = ln(x) / ln(2), so a quantity in nats becomes bits when divided "
                "by ln 2.",
                variant=lambda nats, n: nats * LN2 / n),
    ],
    hint="total_nats / n_bytes is nats per byte; divide by math.log(2) for bits per byte.")

# -- 10.2 the unigram baseline -------------------------------------------------------------------


def _unigram_nats(train_ids, valid_ids, vocab_size, smooth=True, fit=None):
    fit = train_ids if fit is None else fit
    counts = [0] * vocab_size
    for t in fit:
        counts[int(t)] += 1
    add = 1 if smooth else 0
    total = sum(counts) + add * vocab_size
    nats = 0.0
    for t in valid_ids:
        c = counts[int(t)] + add
        nats += math.inf if c == 0 else -math.log(c / total)
    return nats


def _unigram(train_ids, valid_ids, vocab_size, n_bytes):
    return _unigram_nats(train_ids, valid_ids, vocab_size) / n_bytes / LN2


def _unigram_cases(rng):
    train = rng.integers(0, 6, 200)                  # tokens 6 and 7 never appear in training
    valid = np.concatenate([rng.integers(0, 6, 40), [6, 7]])
    skewed = np.minimum(rng.geometric(0.4, 300) - 1, 9)
    return [
        Case("vocabulary of 8, two validation tokens never seen in training",
             (train, valid, 8, 97)),
        Case("a skewed distribution over 10 tokens", (skewed[:250], skewed[250:], 10, 120)),
        Case("one validation token", (np.array([0, 0, 1]), np.array([1]), 3, 2)),
    ]


check_unigram_bits_per_byte = FunctionCheck(
    "unigram_bits_per_byte", _unigram, _unigram_cases,
    mistakes=[
        Mistake("no add-one smoothing",
                "A token that never occurs in training gets probability 0, so its loss is "
                "infinite (or nan). Add-one smoothing gives every token of the vocabulary one "
                "extra count: no probability is 0.",
                "p(t) = (count(t) + 1) / (number of training tokens + vocab_size).",
                variant=lambda tr, va, v, n: _unigram_nats(tr, va, v, smooth=False) / n / LN2),
        Mistake("counted on the validation tokens",
                "Your probabilities come from the validation tokens themselves: the baseline "
                "has seen the answers, so its loss is too low. Counts come from training.",
                "Count train_ids; score valid_ids.",
                variant=lambda tr, va, v, n: _unigram_nats(tr, va, v, fit=va) / n / LN2),
        Mistake("bits per token, not per byte",
                "You divided by the number of validation tokens instead of the number of "
                "bytes they stand for.",
                "Divide the total by n_bytes (and by ln 2).",
                variant=lambda tr, va, v, n: _unigram_nats(tr, va, v) / len(va) / LN2),
    ],
    hint="counts = bincount(train_ids, minlength=vocab_size) + 1; p = counts / counts.sum(); "
         "total nats = -sum(log p[valid_ids]); then per byte and in bits.")

# -- 10.3 the bigram baseline --------------------------------------------------------------------


def _bigram_nats(train_ids, valid_ids, vocab_size, mode="right"):
    V = vocab_size
    pair = [[1] * V for _ in range(V)]                 # add-one: every pair counted once more
    for a, b in zip(train_ids[:-1], train_ids[1:], strict=True):
        pair[int(a)][int(b)] += 1
    uni = [1] * V
    for t in train_ids:
        uni[int(t)] += 1
    nats = 0.0 if mode == "no first" else -math.log(uni[int(valid_ids[0])] / sum(uni))
    grand = sum(sum(row) for row in pair)
    for a, b in zip(valid_ids[:-1], valid_ids[1:], strict=True):
        a, b = int(a), int(b)
        if mode == "joint":
            nats -= math.log(pair[a][b] / grand)
        elif mode == "swapped":
            nats -= math.log(pair[a][b] / sum(pair[i][b] for i in range(V)))
        else:
            nats -= math.log(pair[a][b] / sum(pair[a]))
    return nats


def _bigram(train_ids, valid_ids, vocab_size, n_bytes):
    return _bigram_nats(train_ids, valid_ids, vocab_size) / n_bytes / LN2


def _bigram_cases(rng):
    # a Markov chain over 6 tokens, so the bigram beats the unigram
    T = rng.dirichlet(np.full(6, 0.3), size=6)
    chain = [0]
    for _ in range(400):
        chain.append(int(rng.choice(6, p=T[chain[-1]])))
    seq = np.array(chain)
    return [
        Case("a Markov chain over 6 tokens (400 training, 60 validation tokens)",
             (seq[:340], seq[340:], 6, 150)),
        Case("vocabulary of 5, a pair never seen in training",
             (np.array([0, 1, 2, 0, 1, 2, 0, 1]), np.array([1, 0, 3, 4]), 5, 6)),
        Case("one validation token (only the first-token term)",
             (np.array([0, 1, 1, 0]), np.array([1]), 2, 1)),
    ]


check_bigram_bits_per_byte = FunctionCheck(
    "bigram_bits_per_byte", _bigram, _bigram_cases,
    mistakes=[
        Mistake("joint, not conditional",
                "You divided a pair's count by the number of all pairs: that is p(a, b), how "
                "often the pair occurs, not p(b | a), how likely b is after a.",
                "Divide count(a, b) + 1 by the total of row a: sum over b' of "
                "(count(a, b') + 1).",
                variant=lambda tr, va, v, n: _bigram_nats(tr, va, v, "joint") / n / LN2),
        Mistake("previous and next swapped",
                "You normalised each column instead of each row: p(a | b), the probability of "
                "the previous token given the next one.",
                "Rows are the previous token a, columns the next token b; normalise rows.",
                variant=lambda tr, va, v, n: _bigram_nats(tr, va, v, "swapped") / n / LN2),
        Mistake("the first token not scored",
                "The first validation token has no previous token, and you left it out: but "
                "its byte(s) still count in n_bytes. Score it with the add-one unigram.",
                "Add -log p_unigram(valid_ids[0]) to the total.",
                variant=lambda tr, va, v, n: _bigram_nats(tr, va, v, "no first") / n / LN2),
    ],
    hint="pairs = ones((V, V)) plus the count of each training pair (a, b); "
         "p(b | a) = pairs[a, b] / pairs[a].sum(); add the unigram term of the first "
         "validation token; then per byte and in bits.")
