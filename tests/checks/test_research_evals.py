"""Notebook 08/03's helpers and the oracles of its checks, against independent references.

The fast encoder against the package's BPE; the exact bootstrap interval of an
accuracy against enumeration of every resample; the answer-key and item
oracles against a stack and a walk over lines (the formulations learners
write) on random bracket strings and on the real held-out text.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from autograder.checks.research import evals as checks
from autograder.gpt import bpe
from autograder.gpt.textgpt import load_checkpoint
from autograder.research import evals


@pytest.fixture(scope="module")
def merges():
    return load_checkpoint().merges


def test_encode_by_rank_gives_the_tokens_of_bpe_encode(merges):
    train_text, held_out = evals.texts()
    ranks = {pair: rank for rank, pair in enumerate(merges)}
    rng = np.random.default_rng(0)
    for text in (train_text, held_out):
        for start in rng.integers(0, len(text) - 300, 25):
            window = text[start:start + int(rng.integers(1, 300))]
            assert evals.encode_by_rank(window, ranks) == bpe.encode(window, merges)
    assert evals.encode_by_rank("", ranks) == [] and evals.encode_by_rank("é", ranks) == [195, 169]


def test_encode_prompts_keeps_the_last_tokens_and_refuses_short_prompts(merges):
    prompts = ["def f(x):\n    return g(x, [1, 2", "    for item in items:\n        total("]
    out = evals.encode_prompts(prompts, merges, 5)
    assert out.shape == (2, 5) and out.dtype == np.int64
    for row, prompt in zip(out, prompts, strict=True):
        assert row.tolist() == bpe.encode(prompt, merges)[-5:]
    with pytest.raises(ValueError, match="fewer than n_tokens"):
        evals.encode_prompts(["f("], merges, 5)
    with pytest.raises(ValueError, match="n_tokens"):
        evals.encode_prompts(prompts, merges, 0)


def test_last_logits_batches_give_the_same_rows_as_one_call():
    rng = np.random.default_rng(1)
    table = rng.normal(size=(50, 7))

    def logits_fn(tokens):                                   # (b, T) -> (b, T, 7)
        return table[tokens] + tokens[..., None] * 0.01

    tokens = rng.integers(0, 50, (11, 4))
    whole = logits_fn(tokens)[:, -1]
    assert np.allclose(evals.last_logits(logits_fn, tokens, batch=3), whole)
    with pytest.raises(ValueError, match="shape"):
        evals.last_logits(logits_fn, tokens[0])


def _enumerated_quantiles(values, qs):
    n = len(values)
    means = sorted(np.mean([values[i] for i in idx]) for idx in
                   itertools.product(range(n), repeat=n))
    return [means[int(np.ceil(q * len(means) - 1e-9)) - 1] for q in qs]


def test_accuracy_and_paired_intervals_equal_enumeration_of_every_resample():
    correct = np.array([1, 0, 1, 1, 0, 1])
    acc, (low, high) = evals.accuracy_ci(correct, level=0.8)
    assert acc == pytest.approx(4 / 6)
    assert (low, high) == pytest.approx(tuple(_enumerated_quantiles(correct, [0.1, 0.9])))
    a = np.array([1, 1, 0, 1, 0])
    b = np.array([1, 0, 1, 1, 1])
    diff, (low, high) = evals.paired_bootstrap(b, a, level=0.8)
    assert diff == pytest.approx(0.2)
    assert (low, high) == pytest.approx(tuple(_enumerated_quantiles(b - a, [0.1, 0.9])))
    assert evals.accuracy_ci(np.ones(7))[1] == (1.0, 1.0)
    diff, (low, high) = evals.unpaired_bootstrap(np.ones(5), np.zeros(5))
    assert diff == 1.0 and (low, high) == (1.0, 1.0)


def test_rename_identifiers_leaves_keywords_builtins_and_brackets_alone():
    prompt = "for key in sorted(table):\n    total = len(table[key]) + self.offset(key"
    renamed = evals.rename_identifiers(prompt)
    assert renamed == ("for key_2 in sorted(table_2):\n    total_2 = len(table_2[key_2]) + "
                       "self.offset_2(key_2")
    keep = "()[]{}"
    assert [c for c in renamed if c in keep] == [c for c in prompt if c in keep]


def test_open_distance():
    assert evals.open_distance("f(") == 0
    assert evals.open_distance("f(ab") == 2
    assert evals.open_distance("x[f(a)], g(b") == 1
    assert evals.open_distance("x) + y") is None
    assert evals.open_distance("") is None


def _stack_closer(prefix):
    match = {"(": ")", "[": "]", "{": "}"}
    stack = []
    for c in prefix:
        if c in match:
            stack.append(c)
        elif c in ")]}" and stack:
            stack.pop()
    return match[stack[-1]] if stack else None


def _nested(rng, depth=0):
    out = []
    for _ in range(int(rng.integers(0, 4))):
        kind = "([{"[int(rng.integers(0, 3))]
        inner = _nested(rng, depth + 1) if depth < 4 else "x"
        out.append(kind + inner + {"(": ")", "[": "]", "{": "}"}[kind] + " ")
    return "".join(out)


def test_answer_key_oracle_agrees_with_a_stack_on_random_nested_prefixes():
    rng = np.random.default_rng(2)
    for _ in range(300):
        text = _nested(rng) + "f(" + _nested(rng)
        for cut in range(0, len(text) + 1, 3):
            prefix = text[cut // 2:cut]           # may start after an opener that was cut off
            assert checks._expected_closer(prefix) == _stack_closer(prefix), prefix


def _items_by_lines(text, window):
    items, start = [], 0
    for line in text.splitlines(keepends=True):
        if not any(mark in line for mark in "'\"#"):
            for i, c in enumerate(line):
                if c in ")]}":
                    items.append((text[max(0, start + i - window):start + i], c))
        start += len(line)
    return items


def test_item_oracle_agrees_with_a_walk_over_lines_on_the_held_out_text():
    _, held_out = evals.texts()
    items = checks._bracket_items(held_out, 120)
    assert items == _items_by_lines(held_out, 120)
    assert len(items) > 400
    assert all(_stack_closer(p) == a for p, a in items)    # the key matches the held-out text
