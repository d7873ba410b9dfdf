"""The checks of 06/08 (sparse autoencoders) against the solution notebook and wrong answers."""

from __future__ import annotations

import numpy as np
import pytest
from nbfiles import SOLUTIONS
from solution_pieces import solution_source

from autograder.checks.interpretability import sae

NOTEBOOK = SOLUTIONS / "06_interpretability" / "08_sparse_autoencoders.ipynb"
NAMES = ["sae_forward", "sae_loss", "train_sae", "mmcs", "sparsity_stats"]


@pytest.fixture(scope="module")
def solution():
    namespace: dict = {}
    exec(compile(solution_source(NOTEBOOK), str(NOTEBOOK), "exec"), namespace)
    return namespace


@pytest.mark.parametrize("name", NAMES)
def test_the_solutions_pass(solution, name):
    assert getattr(sae, f"check_{name}").explain(solution[name]) is None


@pytest.mark.parametrize("name", ["sae_forward", "sae_loss", "mmcs", "sparsity_stats"])
def test_the_solutions_pass_on_another_seed(solution, name):
    assert getattr(sae, f"check_{name}").explain(solution[name], seed=4321) is None


def test_the_reference_gradients_match_the_loop_gradients():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(7, 4))
    p = sae._params(rng, 4, 5)
    fast = sae._loss_variant(x, p, 0.2)[1]
    slow = sae._loop_grads(x, p, 0.2)
    for k in sae.NAMES:
        assert np.allclose(fast[k], slow[k], rtol=1e-10, atol=1e-12), k


def test_a_gradient_with_a_wrong_sign_fails_unnamed(solution):
    def flipped(x, params, l1):
        loss, grads = solution["sae_loss"](x, params, l1)
        return loss, {k: -v for k, v in grads.items()}
    message = sae.check_sae_loss.explain(flipped)
    assert message is not None
    for name in ("b_dec's input term", "a sum instead", "a mean over", "the ReLU's"):
        assert f"Diagnosis ({name}" not in message


def test_training_that_stops_early_fails(solution):
    def too_short(X, n_latents, l1, steps=2000, lr=1e-2, batch=256, seed=0):
        return solution["train_sae"](X, n_latents, l1, steps=min(steps, 20), lr=lr,
                                     batch=batch, seed=seed)
    message = sae.check_train_sae.explain(too_short)
    assert message is not None and "recover" in message


def test_a_new_dictionary_array_breaks_adam_and_is_caught(solution):
    namespace = dict(solution)
    source = solution_source(NOTEBOOK)
    start = source.index("def train_sae")
    end = source.index("return params", start) + len("return params")
    body = source[start:end].replace(
        "W_dec /= np.linalg.norm(W_dec, axis=1, keepdims=True)           # in place",
        "params['W_dec'] = W_dec / np.linalg.norm(W_dec, axis=1, keepdims=True)")
    assert "params['W_dec'] =" in body
    exec(body, namespace)
    assert sae.check_train_sae.explain(namespace["train_sae"]) is not None


def test_training_without_renormalising_is_named():
    message = sae.check_train_sae.explain(sae._unnormalised)
    assert message is not None and "Diagnosis (dictionary not re-normalised" in message


def test_a_wrong_initialisation_is_caught_before_training(solution):
    def zero_b_dec(X, n_latents, l1, steps=2000, lr=1e-2, batch=256, seed=0):
        return solution["train_sae"](X - X.mean(axis=0), n_latents, l1, steps, lr, batch,
                                     seed)
    message = sae.check_train_sae.explain(zero_b_dec)
    assert message is not None and "0 steps" in message
