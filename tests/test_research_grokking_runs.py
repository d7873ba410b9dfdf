"""The shipped grokking runs (stage 08, notebook 04): what the notebook's prose reads from them."""

from __future__ import annotations

import numpy as np

from autograder.research import grokking_runs


def _settle(steps, values, threshold):
    below = np.flatnonzero(values < threshold)
    if len(below) == 0:
        return int(steps[0])
    return None if below[-1] == len(values) - 1 else int(steps[below[-1] + 1])


def test_the_shipped_file_is_small_and_has_the_documented_arrays():
    assert grokking_runs.PATH.stat().st_size < 2_000_000
    runs = grokking_runs.load_runs()
    n_seeds, n_evals = len(runs["seeds"]), len(runs["steps"])
    assert runs["steps"][0] == 1 and runs["steps"][-1] == runs["cfg_steps"]
    for key in ("train_acc", "test_acc", "train_loss", "test_loss", "weight_norm"):
        assert runs[key].shape == (2, n_seeds, n_evals), key
    assert runs["embeddings"].shape == (n_evals, int(runs["cfg_p"]), int(runs["cfg_hidden"]))
    assert list(runs["weight_decay"]) == [1.0, 0.0]
    # test accuracies are exact multiples of 1 / n_test (the exact bootstrap needs it)
    k = runs["test_acc"] * runs["n_test"]
    assert np.allclose(k, np.round(k), atol=1e-6)


def test_make_runs_reproduces_the_start_of_the_shipped_seed():
    shipped = grokking_runs.load_runs()
    again = grokking_runs.make_runs(range(1), progress=False, steps=150)
    n = len(again["steps"])
    assert list(again["steps"]) == list(shipped["steps"][:n])
    for key in ("train_acc", "test_acc", "train_loss", "weight_norm"):
        assert np.allclose(again[key][:, 0], shipped[key][:, 0, :n], rtol=1e-5), key
    assert np.allclose(again["embeddings"], shipped["embeddings"][:n], atol=1e-3)


def test_with_decay_every_seed_memorises_first_and_generalises_much_later():
    runs = grokking_runs.load_runs()
    steps = runs["steps"]
    for train, test in zip(runs["train_acc"][0], runs["test_acc"][0], strict=True):
        memorised = _settle(steps, train, 0.99)
        assert memorised is not None and memorised <= 300
        at_memorisation = test[list(steps).index(memorised)]
        assert at_memorisation < 0.1          # near or below chance (1/31) on the test pairs
        generalised = _settle(steps, test, 0.5)
        assert generalised is not None and generalised >= 10 * memorised


def test_without_decay_no_seed_generalises():
    runs = grokking_runs.load_runs()
    assert (runs["train_acc"][1, :, -1] == 1.0).all()
    assert (runs["test_acc"][1].max(axis=1) < 0.05).all()
