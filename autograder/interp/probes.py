"""Plumbing for the linear probes of 06/05: the data set, a held-out split, whitening, accuracy.

    data = probe_dataset(merges, n_chars=20_000)   # tokens (N, T), byte lengths, byte labels
    train, test = window_split(len(data.tokens), 0.3, seed=0)
    X_train, X_test = whiten(acts[train].reshape(-1, D), acts[test].reshape(-1, D))
    accuracy(w, b, X_test, y_test)

The learner writes the probe itself (its loss, its fit) and the control task; what
is here is only what every probing experiment needs around them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..gpt import bpe
from .features import held_out_text


@dataclass
class ProbeData:
    """Held-out Python source, tokenized and labelled.

    tokens: (N, T) int, N windows of T consecutive tokens of the held-out text.
    lengths: (N * T,) int, the bytes of each token, in order.
    byte_labels: {name: (n_bytes,) array}, autograder.interp.features' labels of those bytes.
    text: the decoded text of the windows.
    """

    tokens: np.ndarray
    lengths: np.ndarray
    byte_labels: dict[str, np.ndarray]
    text: str


def probe_dataset(merges: list[tuple[int, int]], n_chars: int = 20_000,
                  context: int = 64) -> ProbeData:
    """The first n_chars of the held-out text, encoded with merges and cut into windows.

    Tokens past the last whole window are dropped, and the labels with them.
    Returns a ProbeData with tokens (N, context).
    """
    if n_chars < 1 or context < 1:
        raise ValueError(f"n_chars and context must be positive, not {n_chars} and {context}")
    text, labels = held_out_text()
    text = text[:n_chars]
    ids = np.asarray(bpe.encode(text, merges))
    n = len(ids) // context
    if n == 0:
        raise ValueError(f"{len(ids)} tokens do not fill one window of {context}")
    ids = ids[:n * context]
    table = bpe.vocab_bytes(merges)
    lengths = np.array([len(table[i]) for i in ids])
    n_bytes = int(lengths.sum())
    return ProbeData(ids.reshape(n, context), lengths,
                     {k: v[:n_bytes] for k, v in labels.items()},
                     bpe.decode(ids, merges))


def window_split(n_windows: int, test_fraction: float,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices of train and test windows (whole windows, never tokens of one window in both).

    Returns (train (n_train,), test (n_test,)) int arrays, together a permutation of range(n).
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, not {test_fraction}")
    n_test = int(round(n_windows * test_fraction))
    if n_test == 0 or n_test == n_windows:
        raise ValueError(f"{n_windows} windows cannot be split {test_fraction:.0%} for testing")
    order = np.random.default_rng(seed).permutation(n_windows)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def whiten(train: np.ndarray, *others: np.ndarray, floor: float = 1e-6) -> list[np.ndarray]:
    """Rotate and scale activations so the training set has mean 0 and covariance I.

    train: (n, D); others: (m, D) each, transformed with the training set's statistics
    (never their own: that would leak the test set into the probe). Directions whose
    variance is below floor * the largest are scaled as if they had that variance.
    Returns [train', *others'] as float64 arrays of the same shapes.
    A probe fitted by gradient descent converges in a hundred steps on whitened
    inputs; on raw activations, whose variances differ by orders of magnitude, it
    needs thousands (or a learning rate small enough for the largest direction).
    """
    train = np.asarray(train, dtype=np.float64)
    if train.ndim != 2 or train.shape[0] < 2:
        raise ValueError(f"train should be (n >= 2, D), not {train.shape}")
    mean = train.mean(axis=0)
    var, U = np.linalg.eigh(np.cov(train - mean, rowvar=False))
    scale = 1.0 / np.sqrt(np.maximum(var, floor * var.max()))
    out = []
    for a in (train, *others):
        a = np.asarray(a, dtype=np.float64)
        if a.ndim != 2 or a.shape[1] != train.shape[1]:
            raise ValueError(f"activations should be (m, {train.shape[1]}), not {a.shape}")
        out.append((a - mean) @ U * scale)
    return out


def accuracy(w: np.ndarray, b: float, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows of X (n, D) where the probe's prediction (X @ w + b > 0) equals y (n,)."""
    X, y = np.asarray(X), np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} labels")
    return float(((X @ np.asarray(w) + b > 0) == y.astype(bool)).mean())
