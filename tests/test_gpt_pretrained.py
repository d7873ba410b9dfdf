"""The shipped trained model: accurate, float32, and with the mirror head notebook 08 is about."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.gpt.data import digit_problems, make_batch
from autograder.gpt.pretrained import load
from autograder.gpt.train import accuracy, solved


@pytest.fixture(scope="module")
def model():
    return load()


def test_it_solves_new_problems(model):
    for task in ("reverse", "sort"):
        acc = accuracy(model, digit_problems(task, 1000, 8, np.random.default_rng(123)))
        assert acc >= 0.99, f"{task}: {acc:.3f}"
    assert all(p.dtype == np.float32 for p in model.params.values())


def test_one_head_mirrors_and_reverse_needs_it(model):
    # notebook 08's narrative: head 3 of layer 0 attends from each answer-predicting
    # position to its mirror, and removing it breaks reverse.
    inputs, targets, mask = make_batch(digit_problems("reverse", 300, 8,
                                                      np.random.default_rng(5)))
    model.logits(inputs)
    n = 8
    scores = np.array([[np.mean([model.patterns[layer][:, h, i, 2 * n + 1 - i].mean()
                                 for i in range(n + 1, 2 * n + 1)]) for h in range(4)]
                       for layer in range(2)])
    best = np.unravel_index(scores.argmax(), scores.shape)
    assert scores[best] > 0.9 and np.sort(scores.ravel())[-2] < 0.5, scores
    head_mask = np.ones((2, 4))
    head_mask[best] = 0
    assert solved(model.logits(inputs, head_mask=head_mask), targets, mask).mean() < 0.1
