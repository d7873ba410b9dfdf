"""Stage 08's toy-model helpers and checks (notebook 02) against independent references."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.research import shared, superposition
from autograder.research.superposition import Adam, init_weights


def test_adam_first_step_moves_each_entry_by_lr_against_its_gradient():
    p = np.array([1.0, -2.0, 0.5])
    opt = Adam([p], lr=0.1)
    opt.step([np.array([3.0, -0.01, 0.0])])
    assert np.allclose(p, [0.9, -1.9, 0.5], atol=1e-6)
    with pytest.raises(ValueError, match="shape"):
        opt.step([np.zeros(2)])
    with pytest.raises(ValueError, match="gradients"):
        opt.step([])
    with pytest.raises(ValueError, match="lr"):
        Adam([p], lr=0.0)


def test_init_weights_shapes_and_scale():
    W, b = init_weights(3, 4, 10, np.random.default_rng(0))
    assert W.shape == (3, 4, 10) and b.shape == (3, 10) and not b.any()
    assert W.std() == pytest.approx(np.sqrt(2 / 14), rel=0.2)


@pytest.mark.parametrize("p", [1.0, 0.3, 0.05])
def test_no_superposition_bound_is_the_loss_of_the_top_m_model(p):
    # Build the model the bound describes and measure its loss by Monte Carlo.
    importance = 0.8 ** np.arange(6)
    m = 3
    W = np.zeros((1, m, 6))
    W[0, :, :m] = np.eye(m)
    b = np.zeros((1, 6))
    b[0, m:] = p / 2
    rng = np.random.default_rng(0)
    x = np.where(rng.uniform(size=(1, 200_000, 6)) < p, rng.uniform(size=(1, 200_000, 6)), 0.0)
    out = np.maximum(x @ W.transpose(0, 2, 1) @ W + b[:, None, :], 0.0)
    measured = float((importance * (out - x) ** 2).sum(-1).mean())
    assert measured == pytest.approx(superposition._no_superposition_loss(importance, p, m),
                                     rel=0.02)


def test_an_untrained_model_fails_the_training_check():
    def untrained(importance, feature_probability, n_hidden, steps, batch, lr, rng):
        return init_weights(len(feature_probability), n_hidden, len(importance), rng)

    message = superposition.check_train_toy_model.explain(untrained)
    assert message is not None and "did not learn" in message


def test_a_model_without_superposition_fails_the_sparse_instance():
    def top_m_only(importance, feature_probability, n_hidden, steps, batch, lr, rng):
        k, n = len(feature_probability), len(importance)
        W = np.zeros((k, n_hidden, n))
        W[:, :, :n_hidden] = np.eye(n_hidden)
        b = np.zeros((k, n))
        b[:, n_hidden:] = feature_probability[:, None] / 2
        return W, b

    message = superposition.check_train_toy_model.explain(top_m_only)
    assert message is not None and "found no superposition" in message


def test_dimensionality_of_known_shapes():
    angles = np.arange(5) * 2 * np.pi / 5
    pentagon = np.stack([np.cos(angles), np.sin(angles)])[None]
    assert np.allclose(superposition._dimensionality_loop(pentagon), 0.4)
    assert np.allclose(superposition._dimensionality_loop(np.eye(3)[None]), 1.0)
    assert np.allclose(superposition._dimensionality_loop(np.zeros((1, 2, 3))), 0.0)


@pytest.fixture(params=range(6))
def reseed(request, monkeypatch):
    monkeypatch.setattr(shared, "CHECK_SEED", 3000 + request.param)
    monkeypatch.setattr(shared, "OTHER_SEED", 4000 + request.param)


def _features_at_once(n_instances, batch, n_features, feature_probability, rng):
    shape = (n_instances, batch, n_features)
    present = rng.uniform(size=shape) < feature_probability[:, None, None]
    return np.where(present, rng.uniform(size=shape), 0.0)


@pytest.mark.slow
@pytest.mark.usefixtures("reseed")
def test_sparse_features_check_holds_for_every_seed():
    check = superposition.check_sparse_features
    for fn in (superposition._features_reference, _features_at_once):
        assert check.explain(fn) is None
    for mistake in check.mistakes:
        message = check.explain(mistake.example)
        assert message is not None and mistake.name in message, mistake.name


@pytest.mark.slow
@pytest.mark.usefixtures("reseed")
def test_training_check_passes_the_reference_for_every_seed():
    assert superposition.check_train_toy_model.explain(superposition._train_reference) is None
