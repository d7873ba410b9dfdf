"""Checks for 04_transformer/09_bpe_tokenizer: byte-level BPE, from pair counts to decoding.

The oracle is the reference tokenizer ``autograder.gpt.bpe``, a plain
implementation of the rules the notebook states (overlapping pairs counted,
merges applied left to right without overlap, ties to the pair seen first).
tests/checks/test_tokenizer_checks.py validates it independently: against the
textbook example "aaabdaaabac", against the round-trip property on every kind
of text, and against a brute-force search for the most frequent pair.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ...gpt import bpe
from ..core import Context, FunctionCheck
from ..spec import Case, Mistake

# -- 9.1 counting pairs ----------------------------------------------------------------------


def _count_pairs(ids):
    return dict(bpe.pair_counts(list(ids)))


def _count_nonoverlapping(ids):
    return dict(Counter(zip(ids[::2], ids[1::2], strict=False)))


def _count_missing_last(ids):
    return dict(Counter(zip(ids[:-2], ids[1:-1], strict=False))) if len(ids) > 2 else {}


_COUNT_CASES = [
    Case("[1, 2, 3, 1, 2] (a repeated pair)", ([1, 2, 3, 1, 2],)),
    Case('the bytes of "aaa" (overlapping pairs)', ([97, 97, 97],)),
    Case('the bytes of "hello world"', (list(b"hello world"),)),
    Case("a single token", ([7],)),
    Case("no tokens", ([],)),
]

ORDER_IDS = [5, 4, 3, 5, 4, 1, 2]


class _CountPairsCheck(FunctionCheck):
    """count_pairs: the counts, then the order of the keys (train_bpe breaks ties by it)."""

    def _run(self, fn: Any, ctx: Context) -> int:
        super()._run(fn, ctx)
        case = Case(f"{ORDER_IDS} (keys in order of first occurrence)", (list(ORDER_IDS),))
        got = ctx.call(fn, case)
        expected = list(_count_pairs(ORDER_IDS))
        keys = list(got) if isinstance(got, dict) else got
        ctx.require(keys == expected,
                    f"the pairs should be in the order they first occur ({case.label})",
                    [f"expected the keys in this order: {expected}", f"got: {keys}"],
                    hint="Fill the dict while reading ids from left to right, and do not sort "
                         "it: a dict keeps the order in which keys were first added.")
        return ctx.passed


check_count_pairs = _CountPairsCheck(
    "count_pairs", _count_pairs, _COUNT_CASES,
    mistakes=[
        Mistake("pairs taken two at a time",
                "You counted the pairs (0, 1), (2, 3), ... only. A pair can start at every "
                "position: in [1, 2, 3, 1, 2] the pair (2, 3) starts at position 1.",
                "Pair every token with the next one: zip(ids, ids[1:]).",
                variant=_count_nonoverlapping),
        Mistake("the last pair missed",
                "Your counts miss the pair formed by the last two tokens: the loop stops one "
                "position early.",
                "With n tokens there are n - 1 pairs, starting at positions 0 .. n - 2.",
                variant=_count_missing_last),
        Mistake("each pair counted once",
                "Every count is 1: you recorded which pairs occur, not how often.",
                "Add 1 to a pair's count each time you see it: counts[pair] = "
                "counts.get(pair, 0) + 1.",
                variant=lambda ids: dict.fromkeys(zip(ids, ids[1:], strict=False), 1)),
    ],
    hint="Return a dict {(a, b): number of positions i where ids[i] == a and ids[i+1] == b}.")

# -- 9.2 one merge ---------------------------------------------------------------------------


def _merge(ids, pair, new_id):
    return bpe.merge_pair(list(ids), tuple(pair), new_id)


def _merge_overlapping_twice(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == tuple(pair):
            out.append(new_id)
        else:
            out.append(ids[i])
        i += 1
    return out


def _merge_right_to_left(ids, pair, new_id):
    a, b = pair
    return bpe.merge_pair(list(ids)[::-1], (b, a), new_id)[::-1]


def _merge_drop_last(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids) - 1:
        if (ids[i], ids[i + 1]) == tuple(pair):
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out


_MERGE_CASES = [
    Case("[1, 2, 3, 1, 2], merge (1, 2) -> 4", ([1, 2, 3, 1, 2], (1, 2), 4)),
    Case('"aaa" as bytes, merge (97, 97) -> 256', ([97, 97, 97], (97, 97), 256)),
    Case('"aaaa" as bytes, merge (97, 97) -> 256', ([97, 97, 97, 97], (97, 97), 256)),
    Case("[5, 6, 7], merge (1, 2) -> 9 (the pair is absent)", ([5, 6, 7], (1, 2), 9)),
    Case("[3, 1, 2, 1], merge (1, 2) -> 8", ([3, 1, 2, 1], (1, 2), 8)),
    Case("one token", ([1], (1, 2), 4)),
    Case("no tokens", ([], (1, 2), 4)),
]

check_merge = FunctionCheck(
    "merge", _merge, _MERGE_CASES,
    mistakes=[
        Mistake("one step after a merge instead of two",
                "After replacing a pair by new_id, your loop moves on by one token, so the "
                "pair's second token is read again: it stays in the list ([1, 2, 3, 1, 2] "
                "with (1, 2) -> 4 becomes [4, 2, 3, 4, 2]), and in \"aaa\" the middle a is "
                "used by two merges (decoding gives \"aaaa\", not \"aaa\").",
                "After replacing a pair, jump over both of its tokens (i += 2); only step "
                "by 1 when there is no match.",
                variant=_merge_overlapping_twice),
        Mistake("merged from the right",
                'Your merges are taken from the right: "aaa" became [a, aa] instead of '
                "[aa, a]. Both are valid tokenizations, but encode and train must agree on "
                "one rule, and BPE's is left to right.",
                "Scan from position 0 upwards, replacing each match as soon as you see it.",
                variant=_merge_right_to_left),
        Mistake("the last token dropped",
                "Your result loses the last token whenever it is not part of a merged pair: "
                "the loop stops at len(ids) - 1 and never copies it.",
                "Loop while i < len(ids), and test for a pair only when i + 1 < len(ids).",
                variant=_merge_drop_last),
    ],
    hint="Walk through ids with an index: on a match append new_id and step 2, otherwise "
         "append ids[i] and step 1. Return a new list.")

# -- 9.3 training ----------------------------------------------------------------------------


def _train(text, n_merges):
    return bpe.train(text, n_merges)


def _train_counts_once(text, n_merges):
    counts = bpe.pair_counts(list(text.encode("utf-8")))
    ranked = sorted(counts, key=lambda p: -counts[p])  # stable: ties keep first-seen order
    return ranked[:n_merges]


def _train_ties_smallest(text, n_merges):
    ids = list(text.encode("utf-8"))
    merges = []
    for i in range(n_merges):
        counts = bpe.pair_counts(ids)
        if not counts:
            break
        pair = min(counts, key=lambda p: (-counts[p], p))
        ids = bpe.merge_pair(ids, pair, 256 + i)
        merges.append(pair)
    return merges


def _train_characters(text, n_merges):
    ids = [ord(c) for c in text]
    merges = []
    for i in range(n_merges):
        counts = bpe.pair_counts(ids)
        if not counts:
            break
        pair = bpe.most_frequent(counts)
        ids = bpe.merge_pair(ids, pair, 256 + i)
        merges.append(pair)
    return merges


_SNIPPET = ("def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n\n\n"
            "def mul(a, b):\n    return a * b\n")
_TRAIN_CASES = [
    Case('"aaabdaaabac", 3 merges', ("aaabdaaabac", 3)),
    Case("three small Python functions, 12 merges", (_SNIPPET, 12)),
    Case('"naïve café, naïve café" (non-ASCII letters), 4 merges',
         ("naïve café, naïve café", 4)),
    Case('"ab" with 5 merges asked (training runs out of pairs)', ("ab", 5)),
    Case("an empty string", ("", 3)),
]

check_train_bpe = FunctionCheck(
    "train_bpe", _train, _TRAIN_CASES,
    mistakes=[
        Mistake("pairs not counted again after a merge",
                "You counted the pairs once, on the bytes, and took the most frequent ones. "
                "But each merge changes the sequence: new pairs appear (the new token next to "
                "its neighbours, which is how tokens longer than two bytes are made) and "
                "merged pairs disappear.",
                "Inside the loop: count the pairs of the current ids, merge the best one, "
                "and repeat with the merged ids.",
                variant=_train_counts_once),
        Mistake("ties broken by the smallest pair",
                "When two pairs are equally frequent you chose the one with the smallest ids; "
                "the rule here is the pair whose first occurrence comes first, which is what "
                "max() over a dict filled in reading order gives.",
                "Build the counts in reading order and take max(counts, key=counts.get).",
                variant=_train_ties_smallest),
        Mistake("characters instead of bytes",
                "You started from the characters' code points (ord) instead of the UTF-8 "
                "bytes, so a character such as 'é' (code point 233) is one token instead of "
                "two bytes, and a character beyond 255 would collide with the merged tokens.",
                'Start from list(text.encode("utf-8")).',
                variant=_train_characters),
    ],
    hint="Start from the UTF-8 bytes; n_merges times: count pairs, stop if there are none, "
         "take the most frequent (first seen on ties), merge it into 256 + i, record it.")

# -- 9.4 encoding ----------------------------------------------------------------------------

_MERGES = bpe.train(_SNIPPET, 12)


def _encode(text, merges):
    return bpe.encode(text, [tuple(p) for p in merges])


def _encode_characters(text, merges):
    ids = [ord(c) for c in text]
    for i, pair in enumerate(merges):
        ids = bpe.merge_pair(ids, tuple(pair), 256 + i)
    return ids


def _encode_reversed(text, merges):
    ids = list(text.encode("utf-8"))
    for i in reversed(range(len(merges))):
        ids = bpe.merge_pair(ids, tuple(merges[i]), 256 + i)
    return ids


def _encode_once(text, merges):
    """Each merge replaces only its first occurrence."""
    ids = list(text.encode("utf-8"))
    for i, pair in enumerate(merges):
        for j in range(len(ids) - 1):
            if (ids[j], ids[j + 1]) == tuple(pair):
                ids = ids[:j] + [256 + i] + ids[j + 2:]
                break
    return ids


_ENCODE_CASES = [
    Case("the training text itself", (_SNIPPET, _MERGES)),
    Case('"def div(a, b):\\n    return a / b\\n" (new text)',
         ("def div(a, b):\n    return a / b\n", _MERGES)),
    Case('"x = \'café €5 🐍\'\\n" (bytes never seen in training)',
         ("x = 'café €5 🐍'\n", _MERGES)),
    Case("an empty string", ("", _MERGES)),
    Case("no merges at all", ("def f():\n", [])),
]

check_encode_bpe = FunctionCheck(
    "encode_bpe", _encode, _ENCODE_CASES,
    mistakes=[
        Mistake("characters instead of bytes",
                "Your ids start from the characters' code points, so 'é' is 233 (a byte "
                "value meaning something else) and '€' is 8364, an id the model does not "
                "have. Byte-level BPE starts from the UTF-8 bytes, which is why it can "
                "encode any text.",
                'Start from list(text.encode("utf-8")).',
                variant=_encode_characters),
        Mistake("merges applied in reverse order",
                "You applied the last merge learned first. A later merge usually builds on "
                "tokens made by earlier ones, so it finds nothing to merge if it runs first.",
                "Apply the merges in the order they were learned: merge i makes 256 + i.",
                variant=_encode_reversed),
        Mistake("only the first occurrence merged",
                "Each merge replaced only its first occurrence in the text; a merge rule "
                "applies everywhere.",
                "Use your merge() from 9.2, which replaces every occurrence.",
                variant=_encode_once),
    ],
    hint='ids = list(text.encode("utf-8")); then for i, pair in enumerate(merges): '
         "ids = merge(ids, pair, 256 + i).")

# -- 9.5 decoding ----------------------------------------------------------------------------

_E_ACUTE_SPLIT = [(169, 195)]              # joins the 2nd byte of one "é" with the 1st of the next


def _decode(ids, merges):
    return bpe.decode(list(ids), [tuple(p) for p in merges])


def _decode_each_token(ids, merges):
    table = bpe.vocab_bytes([tuple(p) for p in merges])
    return "".join(table[i].decode("utf-8", errors="replace") for i in ids)


def _decode_strict(ids, merges):
    table = bpe.vocab_bytes([tuple(p) for p in merges])
    return b"".join(table[i] for i in ids).decode("utf-8")


def _decode_latin1(ids, merges):
    table = bpe.vocab_bytes([tuple(p) for p in merges])
    return b"".join(table[i] for i in ids).decode("latin-1")


_DECODE_CASES = [
    Case('"éé" encoded with the merge (169, 195): a token that ends inside a character',
         ([195, 256, 169], _E_ACUTE_SPLIT)),
    Case("the ids of three Python functions", (bpe.encode(_SNIPPET, _MERGES), _MERGES)),
    Case('the ids of "x = \'café €5 🐍\'\\n"', (bpe.encode("x = 'café €5 🐍'\n", _MERGES),
                                               _MERGES)),
    Case("[195]: the first byte of 'é' alone (not valid UTF-8)", ([195], _MERGES)),
    Case("no ids", ([], _MERGES)),
]

check_decode_bpe = FunctionCheck(
    "decode_bpe", _decode, _DECODE_CASES,
    mistakes=[
        Mistake("each token decoded on its own",
                "You turned each token into text separately. A token's bytes can end in the "
                "middle of a character (here 'é' is two bytes, and a merge joined the second "
                "byte of one 'é' to the first byte of the next), so a token alone is not "
                "valid UTF-8 and you got replacement characters.",
                'Join all the bytes first, then decode once: b"".join(...).decode("utf-8", '
                'errors="replace").',
                variant=_decode_each_token),
        Mistake("invalid UTF-8 raises",
                "A model can generate any sequence of ids, including bytes that are not "
                "valid UTF-8, so decode must not raise on them.",
                'Decode with errors="replace": invalid bytes become the character "\\ufffd".',
                variant=_decode_strict),
        Mistake("decoded as Latin-1",
                "You decoded the bytes as Latin-1, one character per byte, so 'é' came out as "
                "two characters ('Ã©').",
                'Decode as UTF-8: .decode("utf-8", errors="replace").',
                variant=_decode_latin1),
    ],
    hint="Build the bytes of every token (256 single bytes, then table[a] + table[b] for each "
         "merge), join the bytes of all ids, and decode them once as UTF-8 with "
         'errors="replace".')
