"""Training runs with planted bugs, for stage 08, notebook 07 (when a run goes wrong).

    from autograder.research.debugging import runs
    for run in runs():                       # seven runs, "A" to "G"
        result = run.train()                 # {"losses": (steps,), "test_accuracy": float}

Every run trains the same small classifier: 16 inputs -> 32 ReLU units -> 10 class
logits, softmax cross-entropy, minibatch SGD (batch 64, 300 steps) on 512 training
and 256 test points drawn around 10 random class centres. Six of the runs have one bug
planted each (the names are in BUGS, the runs do not say which they have); one is
healthy. None of them crashes: every one produces a loss curve and a test accuracy.

A run exposes what a careful engineer would look at: its data (`x_train`, `y_train`,
`x_test`, `y_test`), its initial parameters, the loss and analytic gradients its
training code uses (`loss`, `gradients`), the first losses of its training loop, and a
training step on one fixed small batch (`overfit_step`). `readings(run)` computes the
five sanity readings the notebook's exercises compute, with code written independently
of the notebook (used by the check of exercise 7.5 to know which checks flag which run).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

N_CLASSES = 10       # V: the loss of a uniform prediction is ln V = 2.303 nats
N_IN = 16
N_HIDDEN = 32
BATCH = 64
STEPS = 300
LR = 0.1
N_TRAIN = 512
N_TEST = 256

#: The bugs planted in the runs, in alphabetical order (the runs are in another order).
BUGS: tuple[str, ...] = (
    "evaluation on the training set",
    "labels shuffled against inputs",
    "learning rate 100x too high",
    "loss summed over the batch, not averaged",
    "ReLU's gradient not masked in the backward pass",
    "softmax over the batch axis",
)
HEALTHY = "none"

#: The sanity checks of the notebook, each with the reading that raises its flag.
CHECKS: dict[str, str] = {
    "initial loss": "the first training loss differs from ln V by more than 0.5 nats",
    "gradient check": "the worst relative error against central differences exceeds 1e-4",
    "overfit one batch": "the loss on one batch of 8 does not reach 0.05 in 300 steps",
    "leakage": "more than 1% of the test rows also occur in the training set",
    "chance accuracy": "after training, the test accuracy is below twice chance (0.2)",
}

# The order of the runs: which letter holds which bug (a fixed shuffle).
_ORDER = ("loss summed over the batch, not averaged", HEALTHY,
          "labels shuffled against inputs", "softmax over the batch axis",
          "evaluation on the training set", "ReLU's gradient not masked in the backward pass",
          "learning rate 100x too high")
LETTERS = tuple("ABCDEFG")


def _data(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    centres = rng.normal(size=(N_CLASSES, N_IN))                       # (V, 16)
    y = rng.integers(0, N_CLASSES, N_TRAIN + N_TEST)                    # (n,)
    x = centres[y] + 0.9 * rng.normal(size=(len(y), N_IN))              # (n, 16)
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


@dataclass
class Run:
    """One training run: data, model, loss, gradients, training loop (one bug or none).

    x_train: (512, 16) float64, y_train: (512,) ints in [0, 10); x_test: (256, 16),
    y_test: (256,). Parameters are a dict {"w1": (16, 32), "b1": (32,), "w2": (32, 10),
    "b2": (10,)} of float64 arrays.
    """

    letter: str
    _bug: str = field(repr=False)
    seed: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng([self.seed, 7])
        self.x_train, self.y_train, self.x_test, self.y_test = _data(rng)
        if self._bug == "labels shuffled against inputs":
            self.y_train = rng.permutation(self.y_train)
        if self._bug == "evaluation on the training set":
            self.x_test, self.y_test = self.x_train[:N_TEST].copy(), self.y_train[:N_TEST].copy()
        self.lr = LR * (100.0 if self._bug == "learning rate 100x too high" else 1.0)

    # -- the model --------------------------------------------------------------

    def init_params(self) -> dict[str, np.ndarray]:
        """The initial parameters (the same for every call): a dict of float64 arrays."""
        rng = np.random.default_rng([self.seed, 8])
        return {"w1": rng.normal(size=(N_IN, N_HIDDEN)) * math.sqrt(2.0 / N_IN),
                "b1": np.zeros(N_HIDDEN),
                "w2": rng.normal(size=(N_HIDDEN, N_CLASSES)) * 0.01,
                "b2": np.zeros(N_CLASSES)}

    def logits(self, params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
        """Class logits: x (n, 16) -> (n, 10)."""
        h = np.maximum(0.0, x @ params["w1"] + params["b1"])           # (n, 32)
        return h @ params["w2"] + params["b2"]                         # (n, 10)

    def _probs(self, z: np.ndarray) -> np.ndarray:
        axis = 0 if self._bug == "softmax over the batch axis" else 1
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    def loss(self, params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> float:
        """The loss the run's training code minimises on a batch x (n, 16), y (n,): a float."""
        p = self._probs(self.logits(params, x))                        # (n, 10)
        nll = -np.log(p[np.arange(len(y)), y] + 1e-300)                 # (n,)
        return float(nll.sum() if self._bug == "loss summed over the batch, not averaged"
                     else nll.mean())

    def gradients(self, params: dict[str, np.ndarray], x: np.ndarray,
                  y: np.ndarray) -> dict[str, np.ndarray]:
        """The analytic gradients the run's training code uses: a dict shaped like params."""
        pre = x @ params["w1"] + params["b1"]                          # (n, 32)
        h = np.maximum(0.0, pre)
        z = h @ params["w2"] + params["b2"]                            # (n, 10)
        p = self._probs(z)
        onehot = np.eye(N_CLASSES)[y]                                   # (n, 10)
        if self._bug == "softmax over the batch axis":
            # d(-log p[i, y_i]) / dz for a softmax over axis 0: column c gets p[:, c] * (count
            # of rows labelled c) minus the one-hot.
            g_z = p * onehot.sum(axis=0, keepdims=True) - onehot
        else:
            g_z = p - onehot
        if self._bug != "loss summed over the batch, not averaged":
            g_z = g_z / len(y)
        g_h = g_z @ params["w2"].T                                     # (n, 32)
        if self._bug != "ReLU's gradient not masked in the backward pass":
            g_h = g_h * (pre > 0)
        return {"w1": x.T @ g_h, "b1": g_h.sum(0), "w2": h.T @ g_z, "b2": g_z.sum(0)}

    # -- training ---------------------------------------------------------------

    def train(self, steps: int = STEPS) -> dict[str, Any]:
        """Minibatch SGD from init_params: {"losses": (steps,) float array, "test_accuracy"}."""
        params = self.init_params()
        rng = np.random.default_rng([self.seed, 9])
        losses = np.empty(steps)
        with np.errstate(all="ignore"):
            for t in range(steps):
                idx = rng.integers(0, len(self.y_train), BATCH)
                x, y = self.x_train[idx], self.y_train[idx]
                losses[t] = self.loss(params, x, y)
                for name, g in self.gradients(params, x, y).items():
                    params[name] = params[name] - self.lr * g
            predicted = np.argmax(self.logits(params, self.x_test), axis=1)
        return {"losses": losses, "test_accuracy": float(np.mean(predicted == self.y_test))}

    def overfit_step(self, n: int = 8) -> Callable[[], float]:
        """A function that takes one SGD step on the first n training points, returns the loss.

        Each call continues from the previous one (a fresh function starts from init_params).
        The loss returned is the loss *before* the step, as a training loop reports it.
        """
        params = self.init_params()
        x, y = self.x_train[:n], self.y_train[:n]

        def step() -> float:
            with np.errstate(all="ignore"):
                loss = self.loss(params, x, y)
                for name, g in self.gradients(params, x, y).items():
                    params[name] = params[name] - self.lr * g
            return loss

        return step


def runs(seed: int = 0) -> list[Run]:
    """The seven runs, "A" to "G", in a fixed order (six planted bugs and one healthy run)."""
    return [Run(letter, bug, seed) for letter, bug in zip(LETTERS, _ORDER, strict=True)]


def answer_key() -> dict[str, str]:
    """Which bug each run has (HEALTHY for none): the checks' answer key."""
    return dict(zip(LETTERS, _ORDER, strict=True))


# -- the readings, computed independently of the notebook's exercises ---------------


def _worst_gradient_error(run: Run) -> float:
    """Central differences (step 1e-6) on every parameter, at init, on 8 training points."""
    params = run.init_params()
    x, y = run.x_train[:8], run.y_train[:8]
    analytic = run.gradients(params, x, y)
    worst = 0.0
    h = 1e-6
    for name, value in params.items():
        flat = value.reshape(-1)                                  # a view: edits reach params
        for i, a in enumerate(analytic[name].reshape(-1)):
            keep = flat[i]
            flat[i] = keep + h
            up = run.loss(params, x, y)
            flat[i] = keep - h
            down = run.loss(params, x, y)
            flat[i] = keep
            numeric = (up - down) / (2 * h)
            worst = max(worst, abs(a - numeric) / max(abs(a) + abs(numeric), 1e-8))
    return float(worst)


def _overfit_reaches(run: Run, target: float = 0.05, steps: int = 300) -> bool:
    step = run.overfit_step()
    for _ in range(steps):
        loss = step()
        if loss <= target:
            return True
    return False


def _leaked_fraction(run: Run) -> float:
    seen = {tuple(np.round(row, 6) + 0.0) for row in run.x_train}
    return sum(tuple(np.round(row, 6) + 0.0) in seen for row in run.x_test) / len(run.x_test)


def readings(run: Run) -> dict[str, float]:
    """The five sanity readings of a run (the notebook's exercises compute the same).

    Returns {"first_loss", "gradient_error", "overfits" (1.0 or 0.0), "leaked_fraction",
    "test_accuracy"}.
    """
    trained = run.train()
    return {"first_loss": float(trained["losses"][0]),
            "gradient_error": _worst_gradient_error(run),
            "overfits": float(_overfit_reaches(run)),
            "leaked_fraction": _leaked_fraction(run),
            "test_accuracy": float(trained["test_accuracy"])}


def flags(reading: dict[str, float]) -> set[str]:
    """The checks (names of CHECKS) whose flag a run's readings raise."""
    raised = set()
    if not abs(reading["first_loss"] - math.log(N_CLASSES)) <= 0.5:
        raised.add("initial loss")
    if not reading["gradient_error"] <= 1e-4:
        raised.add("gradient check")
    if not reading["overfits"]:
        raised.add("overfit one batch")
    if reading["leaked_fraction"] > 0.01:
        raised.add("leakage")
    if not reading["test_accuracy"] >= 2.0 / N_CLASSES:
        raised.add("chance accuracy")
    return raised
