"""Weak-to-strong generalisation in miniature: a weak supervisor, a strong student, on CPU.

    task = make_task(seed=0)
    result = run_seed(0, soft_bce, confidence_loss)      # accuracies of every arm

The task (stage 08, notebook 09) is binary classification of points z ~ N(0, I_d),
the truth y = [z_0 > 0]. Two views of each point:

- the **weak** model's features: one noisy, biased reading of the truth,
  z_0 + bias * z_1 + noise * e (e independent of everything the student sees), and
  three features of pure noise. Its mistakes are partly random (e) and partly
  systematic (the bias along z_1, which the student can see and copy);
- the **strong** model's features: all of z, with the truth direction z_0 scaled
  by `salience` (how prominent the concept is in the student's representation,
  our stand-in for what pretraining gives a large model).

Every model is a logistic regression trained full batch by gradient descent
from zero; the loss is the learner's function, (logits, targets) -> (loss, grad
with respect to the logits), so soft labels, hard labels and the auxiliary
confidence loss all go through the same trainer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

LossFn = Callable[[np.ndarray, float], tuple[float, np.ndarray]]   # (logits, progress)
ARMS = ("weak", "w2s_soft", "w2s_hard", "w2s_conf", "ceiling")


@dataclass(frozen=True)
class Task:
    """One seed's data: features of both views, labels, and the three disjoint splits.

    x_weak: (n, 4); x_strong: (n, n_dims); y: (n,) floats in {0, 1}; weak_train,
    student_train, test: index arrays. The weak model learns from the ground truth of
    weak_train; the student (and the ceiling, with ground truth) from student_train;
    every accuracy is measured on test.
    """
    x_weak: np.ndarray
    x_strong: np.ndarray
    y: np.ndarray
    weak_train: np.ndarray
    student_train: np.ndarray
    test: np.ndarray


def make_task(seed: int, salience: float = 3.0, n_dims: int = 30, bias: float = 0.7,
              noise: float = 0.7, n_weak_train: int = 400, n_student: int = 400,
              n_test: int = 4000) -> Task:
    """The data of one seed (see the module's docstring); everything drawn from `seed`."""
    if salience <= 0 or n_dims < 2:
        raise ValueError(f"need salience > 0 and n_dims >= 2, got {salience}, {n_dims}")
    rng = np.random.default_rng(seed)
    n = n_weak_train + n_student + n_test
    z = rng.normal(size=(n, n_dims))                                    # (n, d)
    y = (z[:, 0] > 0).astype(float)                                     # (n,)
    reading = z[:, 0] + bias * z[:, 1] + noise * rng.normal(size=n)     # (n,)
    x_weak = np.column_stack([reading, rng.normal(size=(n, 3))])        # (n, 4)
    x_strong = z.copy()
    x_strong[:, 0] *= salience
    idx = np.arange(n)
    return Task(x_weak, x_strong, y, idx[:n_weak_train],
                idx[n_weak_train:n_weak_train + n_student], idx[n_weak_train + n_student:])


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, elementwise, without overflow warnings for large |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def train_logistic(x: np.ndarray, loss_fn: LossFn, steps: int = 300,
                   lr: float = 0.5) -> tuple[np.ndarray, float]:
    """Full-batch gradient descent on a logistic regression, from zero weights.

    x: (n, d) features; loss_fn(logits (n,), progress in [0, 1)) -> (loss, grad (n,)), the
    gradient of the loss with respect to the logits. Returns (w (d,), b).
    """
    w, b = np.zeros(x.shape[1]), 0.0
    for t in range(steps):
        _, g = loss_fn(x @ w + b, t / steps)
        g = np.asarray(g, dtype=float)                                  # (n,)
        w = w - lr * (x.T @ g)
        b = b - lr * float(g.sum())
    return w, b


def accuracy(w: np.ndarray, b: float, x: np.ndarray, y: np.ndarray) -> float:
    """Share of rows of x (n, d) whose predicted class [x @ w + b > 0] equals y (n,)."""
    return float(np.mean((x @ w + b > 0) == (y > 0.5)))


def warmup(alpha: float, progress: float, fraction: float = 0.2) -> float:
    """The confidence weight at `progress` in [0, 1): from 0 up to alpha over the first
    `fraction` of training, then alpha (Burns et al. warm it up too)."""
    return alpha * min(1.0, progress / fraction)


def run_seed(seed: int, soft_bce: Callable, confidence_loss: Callable | None,
             alpha: float = 0.75, salience: float = 3.0, steps: int = 300, lr: float = 0.5,
             arms: Sequence[str] = ARMS) -> dict[str, float]:
    """The arms of the experiment on one seed: test accuracies keyed by arm name.

    soft_bce(logits, targets) -> (loss, grad) and confidence_loss(logits, weak_probs,
    alpha) -> (loss, grad) are the learner's. weak: the weak model; w2s_soft / w2s_hard:
    the student trained on the weak model's probabilities / hardened labels; w2s_conf:
    on its probabilities with the confidence loss (alpha warmed up); ceiling: the
    student's model trained on the ground truth of the same points. `arms`: which to run.
    """
    unknown = set(arms) - set(ARMS)
    if unknown or ("w2s_conf" in arms and confidence_loss is None):
        raise ValueError(f"arms must be among {ARMS} (w2s_conf needs confidence_loss); "
                         f"got {tuple(arms)}")
    task = make_task(seed, salience=salience)
    xw, xs, y = task.x_weak, task.x_strong, task.y
    wt, st, te = task.weak_train, task.student_train, task.test
    ww, bw = train_logistic(xw[wt], lambda z, _: soft_bce(z, y[wt]), steps, lr)
    soft = sigmoid(xw[st] @ ww + bw)                                    # (n_student,)
    hard = (soft > 0.5).astype(float)
    losses: dict[str, LossFn] = {
        "w2s_soft": lambda z, _: soft_bce(z, soft),
        "w2s_hard": lambda z, _: soft_bce(z, hard),
        "ceiling": lambda z, _: soft_bce(z, y[st]),
    }
    if confidence_loss is not None:
        conf = confidence_loss
        losses["w2s_conf"] = lambda z, f: conf(z, soft, warmup(alpha, f))
    out = {}
    for arm in arms:
        if arm == "weak":
            out[arm] = accuracy(ww, bw, xw[te], y[te])
        else:
            w, b = train_logistic(xs[st], losses[arm], steps, lr)
            out[arm] = accuracy(w, b, xs[te], y[te])
    return out


def run_seeds(seeds: Sequence[int], soft_bce: Callable, confidence_loss: Callable | None,
              alpha: float = 0.75, salience: float = 3.0, steps: int = 300, lr: float = 0.5,
              arms: Sequence[str] = ARMS, progress: bool = False) -> dict[str, np.ndarray]:
    """run_seed over `seeds`: {arm: (len(seeds),) test accuracies}."""
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(seeds), desc="seeds", mininterval=0.5)
    rows = []
    for seed in seeds:
        rows.append(run_seed(int(seed), soft_bce, confidence_loss, alpha=alpha,
                             salience=salience, steps=steps, lr=lr, arms=arms))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return {arm: np.array([r[arm] for r in rows]) for arm in arms}
