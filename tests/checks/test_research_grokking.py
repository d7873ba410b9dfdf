"""Stage 08's grokking checks (notebook 04) against formulations other than their oracles."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.research import grokking as g
from autograder.research import grokking as model


def _split(p, train_fraction, rng):
    a, b = np.divmod(np.arange(p * p), p)
    pairs = np.stack([a, b], axis=1)
    keep = np.zeros(p * p, dtype=bool)
    keep[rng.choice(p * p, size=round(train_fraction * p * p), replace=False)] = True
    return pairs[keep][rng.permutation(keep.sum())], pairs[~keep]


def _adamw(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    step = (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return param * (1 - lr * weight_decay) - lr * step, m, v


def _settle(steps, values, threshold):
    below = np.flatnonzero(np.asarray(values) < threshold)
    if len(below) == 0:
        return int(steps[0])
    return None if below[-1] == len(values) - 1 else int(steps[below[-1] + 1])


def _basis(p):
    x = np.arange(p)
    rows = [np.full(p, 1 / np.sqrt(p))]
    for k in range(1, (p + 1) // 2):
        rows += [np.sqrt(2 / p) * np.cos(2 * np.pi * k * x / p),
                 np.sqrt(2 / p) * np.sin(2 * np.pi * k * x / p)]
    return np.array(rows)


def _shares(W_E, basis):
    energy = ((basis @ W_E) ** 2).sum(axis=1)
    per_freq = np.concatenate([energy[:1], energy[1::2] + energy[2::2]])
    return per_freq / per_freq.sum()


@pytest.mark.parametrize(("check", "answer"), [
    (g.check_modular_split, _split), (g.check_adamw_step, _adamw),
    (g.check_settle_step, _settle), (g.check_fourier_basis, _basis),
    (g.check_frequency_shares, _shares)])
def test_a_correct_answer_written_another_way_passes(check, answer):
    assert check.explain(answer) is None
    assert check.explain(answer, seed=4321) is None


@pytest.mark.parametrize("check", [g.check_modular_split, g.check_adamw_step,
                                   g.check_settle_step, g.check_fourier_basis,
                                   g.check_frequency_shares])
def test_every_registered_mistake_is_named(check):
    for mistake in check.mistakes:
        message = check.explain(mistake.demo)
        assert message is not None and f"({mistake.name})" in message, (mistake.name, message)


def test_the_fourier_oracle_is_orthonormal_and_matches_the_closed_form():
    for p in (3, 7, 31):
        B = g._fourier_reference(p)
        assert np.allclose(B @ B.T, np.eye(p), atol=1e-12)
        assert np.allclose(B, _basis(p), atol=1e-12)
    with pytest.raises(ValueError, match="odd"):
        g._fourier_reference(8)


def test_the_fft_shares_agree_with_a_projection_on_the_basis():
    rng = np.random.default_rng(3)
    for p, d in ((7, 3), (31, 16)):
        W = rng.normal(size=(p, d))
        assert np.allclose(g._shares_reference(W, None), _shares(W, _basis(p)), atol=1e-12)


def test_the_adamw_loop_agrees_with_the_vectorised_update():
    rng = np.random.default_rng(5)
    args = (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4, 3)),
            rng.uniform(size=(4, 3)), 3, 0.1, 0.9, 0.98, 1e-8, 0.7)
    for got, want in zip(g._adamw_reference(*args), _adamw(*args), strict=True):
        assert np.allclose(got, want, rtol=1e-12)


def test_a_leaking_split_and_a_model_trained_on_it_look_like_generalisation():
    # Why the leak matters: the test accuracy of a memoriser is 100% on the leaked pairs.
    rng = np.random.default_rng(0)
    train, _ = _split(7, 0.5, rng)
    leaked = g.SPLIT_LEAK.demo(7, 0.5, np.random.default_rng(0))[1]
    assert len({tuple(r) for r in leaked} & {tuple(r) for r in train}) == len(train)


def test_the_model_gradients_match_finite_differences():
    p = 5
    params = model.init_params(p, seed=1, hidden=6, dtype=np.float64)
    pairs = np.array([(a, b) for a in range(p) for b in range(p)])[::2]
    _, grads = model.loss_and_grads(params, pairs, p)
    for name in model.PARAM_NAMES:
        w = params[name]
        for i in list(np.ndindex(w.shape))[:6]:
            old = w[i]
            w[i] = old + 1e-6
            up = model.loss_and_grads(params, pairs, p)[0]
            w[i] = old - 1e-6
            down = model.loss_and_grads(params, pairs, p)[0]
            w[i] = old
            assert grads[name][i] == pytest.approx((up - down) / 2e-6, abs=1e-6)
