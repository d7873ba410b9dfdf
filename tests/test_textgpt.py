"""The recipe of notebook 10 and its shipped checkpoint."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.gpt import bpe, corpus, textgpt
from autograder.gpt.model import GPT


@pytest.fixture(scope="module")
def ckpt():
    return textgpt.load_checkpoint()


def test_the_checkpoint_has_the_recipes_shape(ckpt):
    recipe = textgpt.RECIPE
    assert ckpt.config == recipe.config()
    assert len(ckpt.merges) == recipe.n_merges and ckpt.steps == recipe.steps
    assert all(p.dtype == np.float32 for p in ckpt.params.values())
    assert set(ckpt.params) == set(GPT(recipe.config()).params)
    assert len(ckpt.loss_curve) == ckpt.steps and ckpt.train_ids.max() < recipe.vocab_size


def test_the_checkpoints_tokenizer_is_the_recipes(ckpt):
    """The merges are what BPE learns from the recipe's slice (the first 40 of them, to keep the
    test short: each merge depends on all earlier ones), and the shipped ids are its encoding."""
    train_text, _ = corpus.split(corpus.load())
    assert bpe.train(train_text[:textgpt.RECIPE.bpe_chars], 40) == ckpt.merges[:40]
    head = bpe.encode(train_text[:3000], ckpt.merges)
    assert head[:len(head) // 2] == ckpt.train_ids[:len(head) // 2].tolist()
    assert bpe.decode(ckpt.train_ids[:500], ckpt.merges) == train_text[:len(
        bpe.decode(ckpt.train_ids[:500], ckpt.merges))]


@pytest.mark.slow
def test_the_checkpoint_beats_the_stored_baselines_and_its_recorded_loss_holds(ckpt):
    _, valid_text = corpus.split(corpus.load())
    ids = np.asarray(bpe.encode(valid_text[:textgpt.RECIPE.valid_chars], ckpt.merges))
    vx, vy = textgpt.eval_windows(ids, ckpt.config.context)
    model = GPT(ckpt.config, params=ckpt.params)
    loss = textgpt.mean_loss(model.logits, vx, vy)
    assert loss == pytest.approx(ckpt.valid_loss, abs=0.01)     # float16 storage costs < 0.01
    assert loss < np.mean(ckpt.loss_curve[:10]) - 2.0


def test_random_windows_are_shifted_by_one_and_seeded():
    ids = np.arange(100)
    x, y = textgpt.random_windows(ids, 4, 8, np.random.default_rng(0))
    assert x.shape == y.shape == (4, 8)
    np.testing.assert_array_equal(y, x + 1)
    x2, _ = textgpt.random_windows(ids, 4, 8, np.random.default_rng(0))
    np.testing.assert_array_equal(x, x2)
    with pytest.raises(ValueError, match="too short"):
        textgpt.random_windows(np.arange(5), 1, 8, np.random.default_rng(0))


def test_eval_windows_score_every_token_once():
    x, y = textgpt.eval_windows(np.arange(20), 6)
    assert x.shape == (3, 6)
    np.testing.assert_array_equal(y.reshape(-1), np.arange(1, 19))


def test_sampling_follows_the_model():
    def certain(tokens):                 # always predicts token (last + 1) % 5
        logits = np.full((1, tokens.shape[1], 5), -50.0)
        logits[0, -1, (tokens[0, -1] + 1) % 5] = 50.0
        return logits
    out = textgpt.sample(certain, [3], 6, context=4, rng=np.random.default_rng(0))
    assert out == [3, 4, 0, 1, 2, 3, 4]


def test_a_missing_checkpoint_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m autograder.gpt.textgpt"):
        textgpt.load_checkpoint(tmp_path / "none.npz")
