"""A reference MLP for the stage 02 checks (02_calculus/07_training_an_mlp).

logits = tanh(tanh(X W1 + b1) W2 + b2) W3 + b3, parameters in a dict {"W1", "b1", ...},
the mean softmax cross-entropy, backprop by hand (optionally with one classic bug), and
a momentum trainer on mini-batches. Written with einsum; the checks use it for buggy
variants, examples and reference submissions, never as the oracle a learner's answer is
compared with (those are a loop over examples, finite differences, and properties).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Params = dict[str, np.ndarray]   # {"W1": (fan_in, fan_out), "b1": (fan_out,), ...}

MAX_STEPS = 2000


def layer_count(params: dict) -> int:
    """The number of layers: how many weight matrices "W1", "W2", ... `params` holds."""
    return sum(1 for k in params if k.startswith("W"))


def init_params(sizes: list[int], seed: int | None,
                std: Callable[[int, int], float] = lambda fan_in, fan_out: 1 / math.sqrt(fan_in),
                transposed: bool = False) -> Params:
    """Normal weights W_k (sizes[k-1], sizes[k]) with spread std(fan_in, fan_out), zero
    biases b_k (sizes[k],); `transposed` makes W_k (fan_out, fan_in) (a classic mistake)."""
    rng = np.random.default_rng(seed)
    params = {}
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), 1):
        shape = (fan_out, fan_in) if transposed else (fan_in, fan_out)
        params[f"W{k}"] = rng.normal(0.0, std(fan_in, fan_out), size=shape)
        params[f"b{k}"] = np.zeros(fan_out)
    return params


def forward(params: Params, X: np.ndarray, act: Callable = np.tanh,
            last_act: Callable | None = None, bias: bool = True) -> np.ndarray:
    """The logits (n, classes) of X (n, features): act on every layer but the last (which
    gets `last_act`, default none); `bias=False` leaves the biases out."""
    h = X
    L = layer_count(params)
    for k in range(1, L + 1):
        z = np.einsum("ni,ij->nj", h, params[f"W{k}"]) + (params[f"b{k}"] if bias else 0)
        h = act(z) if k < L else (last_act(z) if last_act else z)
    return h


def softmax_probs(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits (n, classes), shifted by the row maximum: (n, classes)."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def mean_loss(params: Params, X: np.ndarray, y: np.ndarray) -> float:
    """The mean softmax cross-entropy of X (n, features) against the labels y (n,) (ints)."""
    logits = forward(params, X)
    m = logits.max(axis=1)
    lse = m + np.log(np.exp(logits - m[:, None]).sum(axis=1))
    return float((lse - logits[np.arange(len(y)), y]).mean())


def backprop(params: Params, X: np.ndarray, y: np.ndarray,
             bug: str | None = None) -> tuple[float, Params]:
    """(loss, grads) by hand, grads shaped like params; `bug` ("no_mean", "no_tanh",
    "tanh_of_z") puts one classic mistake in the backward pass."""
    L = layer_count(params)
    hs, zs = [X], []
    for k in range(1, L + 1):
        z = np.einsum("ni,ij->nj", hs[-1], params[f"W{k}"]) + params[f"b{k}"]
        zs.append(z)
        hs.append(np.tanh(z) if k < L else z)
    n = len(y)
    d = softmax_probs(hs[-1])
    d[np.arange(n), y] -= 1.0
    if bug != "no_mean":
        d = d / n
    grads: Params = {}
    for k in range(L, 0, -1):
        grads[f"W{k}"] = np.einsum("ni,nj->ij", hs[k - 1], d)
        grads[f"b{k}"] = d.sum(axis=0)
        if k > 1:
            d = np.einsum("nj,ij->ni", d, params[f"W{k}"])
            if bug == "no_tanh":
                pass
            elif bug == "tanh_of_z":
                d = d * (1 - zs[k - 2] ** 2)
            else:
                d = d * (1 - hs[k - 1] ** 2)
    return mean_loss(params, X, y), grads


def minibatch_indices(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """A shuffled permutation of range(n) cut into batches of `batch_size` (the last may be
    smaller): a list of int arrays."""
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def train(X: np.ndarray, y: np.ndarray, hidden: int = 16, steps: int = MAX_STEPS,
          batch_size: int = 32, lr: float = 0.1, beta: float = 0.9, seed: int = 0,
          progress: bool = False, momentum: bool = True, full_batch: bool = False,
          reset_each_epoch: bool = False) -> tuple[Params, list[float]]:
    """Train a two-hidden-layer tanh MLP on X (n, features), y (n,) with momentum SGD on
    mini-batches: (params, the loss of every step). `progress` is accepted (the learner's
    signature) and ignored; the last three flags reproduce classic mistakes."""
    rng = np.random.default_rng(seed)
    params = init_params([X.shape[1], hidden, hidden, int(y.max()) + 1], seed)
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    losses: list[float] = []
    while len(losses) < steps:
        if reset_each_epoch:
            velocity = {k: np.zeros_like(v) for k, v in params.items()}
        batches = [np.arange(len(y))] if full_batch else minibatch_indices(len(y), batch_size,
                                                                             rng)
        for idx in batches:
            loss, grads = backprop(params, X[idx], y[idx])
            for k in params:
                velocity[k] = (beta * velocity[k] if momentum else 0) + grads[k]
                params[k] = params[k] - lr * velocity[k]
            losses.append(loss)
            if len(losses) == steps:
                break
    return params, losses
