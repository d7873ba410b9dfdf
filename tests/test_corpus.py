"""The shipped Python corpus: the same bytes on every machine, a clean split, a licence."""

from __future__ import annotations

import pytest

from autograder.gpt import corpus


def test_the_snapshot_is_the_recorded_text():
    text = corpus.load()
    assert corpus.digest(text) == corpus.SHA256
    assert text.startswith("# file: Lib/textwrap.py\n")
    assert [line[len("# file: Lib/"):] for line in text.splitlines()
            if line.startswith("# file: Lib/")] == list(corpus.FILES)
    compile(text.split("# file: Lib/string.py")[0], "textwrap.py", "exec")  # real Python


def test_the_licence_ships_beside_it():
    assert "PYTHON SOFTWARE FOUNDATION LICENSE" in corpus.LICENSE.read_text(encoding="utf-8")


def test_split_cuts_at_a_line_and_loses_nothing():
    text = corpus.load()
    train, valid = corpus.split(text)
    assert train + valid == text
    assert train.endswith("\n")
    assert 0.09 < len(valid) / len(text) < 0.11


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.5])
def test_split_rejects_a_bad_fraction(fraction):
    with pytest.raises(ValueError, match="valid_fraction"):
        corpus.split("a\nb\n", fraction)


def test_a_damaged_snapshot_gives_a_clear_error(tmp_path, monkeypatch):
    bad = tmp_path / "python_stdlib.txt.xz"
    bad.write_bytes(b"not xz")
    monkeypatch.setattr(corpus, "PATH", bad)
    corpus.load.cache_clear()
    try:
        with pytest.raises(ValueError, match="damaged"):
            corpus.load()
        monkeypatch.setattr(corpus, "PATH", tmp_path / "missing.xz")
        corpus.load.cache_clear()
        with pytest.raises(FileNotFoundError, match="missing"):
            corpus.load()
    finally:
        corpus.load.cache_clear()
