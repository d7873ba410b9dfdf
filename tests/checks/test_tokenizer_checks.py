"""The reference BPE (the oracle of the tokenizer checks) against independent facts, and the
checks against the solution notebook's functions."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from autograder.checks.transformer import tokenizer
from autograder.gpt import bpe


def test_the_textbook_example():
    """Wikipedia's BPE example "aaabdaaabac": first Z = aa (4 overlapping occurrences, 2
    merged). Then "ZabdZabac" has a tie between Za and ab (2 each); Za comes first, so
    Y = Za, then X = Yb: "XdXac", the same 5 tokens as Wikipedia's Z, Y = ab, X = ZY."""
    a, b = ord("a"), ord("b")
    merges = bpe.train("aaabdaaabac", 3)
    assert merges == [(a, a), (256, a), (257, b)]
    ids = bpe.encode("aaabdaaabac", merges)
    assert ids == [258, ord("d"), 258, a, ord("c")]
    assert bpe.decode(ids, merges) == "aaabdaaabac"


def _brute_force_best(ids):
    """The most frequent adjacent pair by scanning every position; ties to the earliest."""
    best, best_count = None, 0
    for i in range(len(ids) - 1):
        pair = (ids[i], ids[i + 1])
        count = sum(1 for j in range(len(ids) - 1) if (ids[j], ids[j + 1]) == pair)
        if count > best_count:
            best, best_count = pair, count
    return best


@pytest.mark.parametrize("seed", range(5))
def test_training_picks_the_most_frequent_pair_each_time(seed):
    rng = random.Random(seed)
    text = "".join(rng.choice("ab c\né") for _ in range(300))
    ids = list(text.encode())
    for i, pair in enumerate(bpe.train(text, 8)):
        assert pair == _brute_force_best(ids)
        ids = bpe.merge_pair(ids, pair, 256 + i)


def _encode_by_rank(text, merges):
    """GPT-2's way: repeatedly merge the present pair learned earliest."""
    rank = {pair: i for i, pair in enumerate(merges)}
    ids = list(text.encode())
    while len(ids) >= 2:
        pairs = set(zip(ids, ids[1:], strict=False))
        pair = min(pairs, key=lambda p: rank.get(p, len(rank)))
        if pair not in rank:
            break
        ids = bpe.merge_pair(ids, pair, 256 + rank[pair])
    return ids


@pytest.mark.parametrize("seed", range(5))
def test_round_trip_and_rank_order_on_any_text(seed):
    rng = random.Random(seed)
    alphabet = "abc \n\t:()=é€🐍\u00a0"
    merges = bpe.train("".join(rng.choice(alphabet) for _ in range(400)), 30)
    for _ in range(20):
        text = "".join(rng.choice(alphabet + "xyzü") for _ in range(rng.randrange(0, 60)))
        ids = bpe.encode(text, merges)
        assert bpe.decode(ids, merges) == text
        assert ids == _encode_by_rank(text, merges)
        assert all(0 <= i < 256 + len(merges) for i in ids)


def test_decode_never_raises_on_invalid_bytes():
    assert bpe.decode([0xC3], []) == "\ufffd"
    assert bpe.decode([0xFF, 97], []) == "\ufffda"


def test_pair_counts_count_overlaps():
    assert bpe.pair_counts([97, 97, 97]) == Counter({(97, 97): 2})
    assert bpe.merge_pair([97, 97, 97], (97, 97), 256) == [256, 97]


def test_train_rejects_a_negative_number_of_merges():
    with pytest.raises(ValueError, match="n_merges"):
        bpe.train("abc", -1)


# -- the checks accept the notebook's solutions (independent code) --------------------------


def count_pairs(ids):
    counts = {}
    for pair in zip(ids, ids[1:], strict=False):
        counts[pair] = counts.get(pair, 0) + 1
    return counts


def merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


def train_bpe(text, n_merges):
    ids, merges = list(text.encode("utf-8")), []
    for i in range(n_merges):
        counts = count_pairs(ids)
        if not counts:
            break
        pair = max(counts, key=counts.get)
        ids = merge(ids, pair, 256 + i)
        merges.append(pair)
    return merges


def encode_bpe(text, merges):
    ids = list(text.encode("utf-8"))
    for i, pair in enumerate(merges):
        ids = merge(ids, pair, 256 + i)
    return ids


def decode_bpe(ids, merges):
    table = [bytes([b]) for b in range(256)]
    for a, b in merges:
        table.append(table[a] + table[b])
    return b"".join(table[i] for i in ids).decode("utf-8", errors="replace")


@pytest.mark.parametrize(("check", "fn"), [
    (tokenizer.check_count_pairs, count_pairs), (tokenizer.check_merge, merge),
    (tokenizer.check_train_bpe, train_bpe), (tokenizer.check_encode_bpe, encode_bpe),
    (tokenizer.check_decode_bpe, decode_bpe)], ids=lambda x: getattr(x, "name", ""))
def test_the_solutions_pass(check, fn):
    assert check.explain(fn) is None


def test_a_merge_that_mutates_its_input_fails():
    def merge_in_place(ids, pair, new_id):
        out = merge(ids, pair, new_id)
        ids[:] = out
        return out
    message = tokenizer.check_merge.explain(merge_in_place)
    assert message is not None and "place" in message


def test_an_unregistered_mistake_gets_no_wrong_diagnosis():
    def decode_drops_merges(ids, merges):
        return decode_bpe([i for i in ids if i < 256], merges)
    message = tokenizer.check_decode_bpe.explain(decode_drops_merges)
    assert message is not None and "Diagnosis (" not in message
