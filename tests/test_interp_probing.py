"""autograder.interp.features and .probes: the labels and plumbing behind 06/05's probes."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.gpt import bpe, corpus
from autograder.gpt.textgpt import load_checkpoint
from autograder.interp.features import byte_features, held_out_text
from autograder.interp.probes import accuracy, probe_dataset, whiten, window_split


def _labels(source: str, name: str) -> str:
    values = byte_features(source)[name]
    return "".join(("s" if v else ".") if values.dtype == bool else str(v) for v in values)


@pytest.mark.parametrize(("source", "expected"), [
    ('x = "a"\n', "....sss."),
    ("x = 'it\\'s'\n", "....sssssss."),                       # an escaped quote stays inside
    ('# "not a string"\ny = 1\n', "." * 23),                  # a quote in a comment is no string
    ('s = """a\n"b"\n"""\n', "...." + "s" * 12 + "."),           # a triple-quoted string over lines
    ('f = rb"\\d"\n', "....ssssss."),                         # the prefix belongs to the string
    ("t = f'{x}'\n", "....ssssss."),
])
def test_strings_are_found_as_python_finds_them(source, expected):
    assert _labels(source, "in_string") == expected


def test_bracket_depth_counts_after_each_byte_and_ignores_strings_and_comments():
    source = 'f(a, "(", [b])  # (\n'
    #         f ( a ,   " ( " ,   [ b ] )     # (  \n
    assert _labels(source, "bracket_depth") == "0111111111221" + "0" * 7


def test_indent_is_the_leading_spaces_of_the_line_over_four_and_the_newline_is_its_line():
    source = "if x:\n    if y:\n\tz = 1\n"
    assert _labels(source, "indent") == "000000" + "1" * 10 + "1" * 7


def test_non_ascii_characters_get_one_label_per_byte():
    source = 's = "é"\n'
    f = byte_features(source)
    assert len(f["in_string"]) == len(source.encode()) == 9
    assert _labels(source, "in_string") == "....ssss."


def test_bad_source_is_refused_clearly():
    with pytest.raises(SyntaxError, match="complete Python source"):
        byte_features('x = """never closed\n')
    with pytest.raises(TypeError, match="str"):
        byte_features(b"x = 1\n")


def test_held_out_text_is_the_validation_text_labelled_from_its_whole_file():
    text, f = held_out_text()
    assert text == corpus.split(corpus.load())[1]
    assert all(len(v) == len(text.encode()) for v in f.values())
    assert text.startswith("\n        In other words") and f["in_string"][:40].all()   # a docstring
    code = text.index("def ")
    assert not f["in_string"][len(text[:code].encode())]


def test_probe_dataset_tokens_and_lengths_line_up_with_the_labels():
    merges = load_checkpoint().merges
    data = probe_dataset(merges, n_chars=3_000, context=64)
    assert data.tokens.shape[1] == 64 and data.tokens.size == len(data.lengths)
    n_bytes = int(data.lengths.sum())
    assert all(len(v) == n_bytes for v in data.byte_labels.values())
    assert data.text.encode() == held_out_text()[0].encode()[:n_bytes]
    assert bpe.decode(data.tokens.reshape(-1), merges) == data.text
    with pytest.raises(ValueError, match="window"):
        probe_dataset(merges, n_chars=20, context=64)


def test_window_split_is_a_seeded_partition():
    train, test = window_split(50, 0.3, seed=1)
    assert len(test) == 15 and sorted(np.concatenate([train, test]).tolist()) == list(range(50))
    assert np.array_equal(test, window_split(50, 0.3, seed=1)[1])
    assert not np.array_equal(test, window_split(50, 0.3, seed=2)[1])
    with pytest.raises(ValueError):
        window_split(50, 1.0)
    with pytest.raises(ValueError):
        window_split(2, 0.1)


def test_whiten_uses_the_training_statistics_for_every_set():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(500, 4)) @ np.diag([100.0, 1.0, 0.1, 5.0]) + 3.0
    train, test = A[:400], A[400:]
    wt, ws = whiten(train, test)
    assert np.allclose(wt.mean(axis=0), 0, atol=1e-9)
    assert np.allclose(np.cov(wt, rowvar=False), np.eye(4), atol=1e-9)
    wt_again, = whiten(train)
    assert np.allclose(wt_again, wt)
    mean_test, = whiten(test)
    assert not np.allclose(ws, mean_test)                     # the test set's own stats differ
    with pytest.raises(ValueError, match=r"\(m, 4\)"):
        whiten(train, test[:, :3])


def test_whiten_floors_directions_with_almost_no_variance():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(300, 3)) @ np.diag([1.0, 1.0, 1e-6])
    w, = whiten(A, floor=1e-6)
    assert np.isfinite(w).all() and np.var(w, axis=0).max() < 1.5


def test_accuracy_counts_the_right_side_of_the_plane():
    X = np.array([[1.0], [-1.0], [2.0], [-3.0]])
    assert accuracy(np.array([1.0]), 0.0, X, np.array([1, 0, 0, 0])) == 0.75
    with pytest.raises(ValueError, match="rows"):
        accuracy(np.array([1.0]), 0.0, X, np.array([1, 0]))
