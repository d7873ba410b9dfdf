"""The calibration practice set of notebook 06, resolved by the learner's own experiments.

Each question is about a small experiment that mirrors an earlier stage: a
sample mean (stage 03), random directions in high dimensions (stage 01), a tiny
network trained with gradient descent (stage 02), attention scores (stage 04).
The experiments themselves are code in the notebook, where the learner can read
and run them; each takes a NumPy random generator and returns True or False.

The learner forecasts first, then `resolve` runs every experiment once with the
learner's seed, and `estimate_probabilities` runs each one many times to
estimate how likely it really was, which separates skill from luck.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .inputs import filled


@dataclass(frozen=True)
class PracticeQuestion:
    key: str
    text: str
    stage: str      # the earlier stage the experiment mirrors


PRACTICE_QUESTIONS: tuple[PracticeQuestion, ...] = (
    PracticeQuestion("mean_of_30_uniform",
                     "The mean of 30 draws from Uniform(0, 1) lies within 0.1 of 0.5.",
                     "03 probability"),
    PracticeQuestion("mean_of_30_exponential",
                     "The mean of 30 draws from an exponential distribution with mean 1 lies "
                     "within 0.1 of 1.", "03 probability"),
    PracticeQuestion("shared_birthday_23",
                     "Among 23 people with random birthdays (365 equally likely days), at "
                     "least two share a birthday.", "03 probability"),
    PracticeQuestion("sixty_heads",
                     "100 tosses of a fair coin give at least 60 heads.", "03 probability"),
    PracticeQuestion("run_of_six_heads",
                     "100 tosses of a fair coin contain a run of at least 6 heads in a row.",
                     "03 probability"),
    PracticeQuestion("near_orthogonal_100d",
                     "Two random directions in 100 dimensions have |cosine similarity| below "
                     "0.2.", "01 linear algebra"),
    PracticeQuestion("near_orthogonal_3d",
                     "Two random directions in 3 dimensions have |cosine similarity| below "
                     "0.2.", "01 linear algebra"),
    PracticeQuestion("power_iteration_20_steps",
                     "After 20 steps of power iteration on a random symmetric 10x10 matrix, "
                     "the estimate of the largest eigenvalue (in absolute value) is within 1% "
                     "of the true one.", "01 linear algebra"),
    PracticeQuestion("xor_with_two_hidden_units",
                     "A tanh network with 2 hidden units, trained on XOR by full-batch gradient "
                     "descent (learning rate 3, 300 steps) from a random start, gets all four "
                     "points right.", "02 calculus"),
    PracticeQuestion("diverges_at_lr_011",
                     "Gradient descent with learning rate 0.11 on f(x, y) = x^2 + 10 y^2, from "
                     "a random start, diverges.", "02 calculus"),
    PracticeQuestion("attention_peaked_unscaled",
                     "With a random 64-dimensional query and 16 random keys and no 1/sqrt(d) "
                     "scaling, the largest attention weight is above 0.5.", "04 transformer"),
    PracticeQuestion("attention_peaked_scaled",
                     "The same, but with the 1/sqrt(d) scaling: the largest attention weight is "
                     "above 0.5.", "04 transformer"),
    PracticeQuestion("top_token_20_times",
                     "Sampling 20 tokens at temperature 0.5 from the logits [2, 1, 0, -1] gives "
                     "the top token every time.", "03 probability / 04 transformer"),
)
PRACTICE_KEYS = tuple(q.key for q in PRACTICE_QUESTIONS)


class PracticeSetError(ValueError):
    """The experiments do not match the practice questions, or one misbehaved."""


def questions_table() -> str:
    """A Markdown table of the practice questions and the stage each one mirrors."""
    lines = ["| # | key | question | mirrors stage |", "|---|---|---|---|"]
    for i, q in enumerate(PRACTICE_QUESTIONS, 1):
        lines.append(f"| {i} | `{q.key}` | {q.text} | {q.stage} |")
    return "\n".join(lines)


def _check_keys(experiments: Mapping[str, Callable]) -> None:
    missing = [k for k in PRACTICE_KEYS if k not in experiments]
    extra = [k for k in experiments if k not in PRACTICE_KEYS]
    if missing or extra:
        raise PracticeSetError(f"the experiments do not match the questions: missing "
                               f"{missing or 'none'}, unexpected {extra or 'none'}")


def _run(key: str, experiment: Callable, rng: np.random.Generator) -> bool:
    result = experiment(rng)
    if not isinstance(result, (bool, np.bool_)):
        raise PracticeSetError(f"experiment {key!r} returned {result!r}; it must return True "
                               "or False")
    return bool(result)


def resolve(experiments: Mapping[str, Callable], seed: int) -> dict[str, bool]:
    """Run every experiment once; question i gets the generator default_rng([seed, i])."""
    _check_keys(experiments)
    filled(seed, "my_seed")
    return {key: _run(key, experiments[key], np.random.default_rng([int(seed), i]))
            for i, key in enumerate(PRACTICE_KEYS)}


def estimate_probabilities(experiments: Mapping[str, Callable], runs: int = 1000,
                           slow: Mapping[str, int] | None = None,
                           seed: int = 20_250_101) -> dict[str, float]:
    """How often each experiment comes out True over many runs (its real probability).

    runs: runs per experiment; slow: {key: runs} for experiments too slow for `runs`.
    The seeds differ from any learner's, so the estimate does not include their run.
    """
    _check_keys(experiments)
    estimates = {}
    for i, key in enumerate(PRACTICE_KEYS):
        n = (slow or {}).get(key, runs)
        hits = sum(_run(key, experiments[key], np.random.default_rng([seed, i, r]))
                   for r in range(n))
        estimates[key] = hits / n
    return estimates


def as_arrays(forecasts: Mapping[str, float], *others: Mapping) -> list[np.ndarray]:
    """Align dicts keyed by question into arrays (n,) in the order of PRACTICE_KEYS."""
    filled(forecasts, "practice_forecasts")
    return [np.array([float(d[k]) for k in PRACTICE_KEYS]) for d in (forecasts, *others)]


def plot_forecasts_vs_truth(forecasts: Mapping[str, float], truth: Mapping[str, float],
                            outcomes: Mapping[str, bool], ax=None, label_worst: int = 4):
    """Your forecast (x) against the estimated real probability (y), one point per question.

    Filled points happened, hollow ones did not. Points far from the diagonal are
    where your intuition was off, whatever the luck of your own run. Returns the Axes.
    """
    import matplotlib.pyplot as plt

    p, t, o = as_arrays(forecasts, truth, outcomes)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="forecast = real probability")
    ax.scatter(p[o == 1], t[o == 1], color="tab:green", s=50, label="happened", zorder=3)
    ax.scatter(p[o == 0], t[o == 0], facecolor="white", edgecolor="tab:red", s=50,
               label="did not happen", zorder=3)
    worst = np.argsort(-np.abs(p - t))[:label_worst]
    for i in worst:
        ax.annotate(textwrap.shorten(PRACTICE_KEYS[i], 26), (p[i], t[i]), xytext=(6, 4),
                    textcoords="offset points", fontsize=7)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("your forecast")
    ax.set_ylabel("real probability (estimated by simulation)")
    ax.set_title("Where your intuition was off")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.2)
    return ax


def plot_scores(scores: Mapping[str, float], ax=None):
    """Bars of Brier scores (lower is better), e.g. yours against two baselines; returns Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    names = list(scores)
    values = [float(scores[n]) for n in names]
    colors = ["tab:blue" if "you" in n else "lightgrey" for n in names]
    ax.barh(range(len(names)), values, color=colors)
    for i, v in enumerate(values):
        ax.text(v + 0.003, i, f"{v:.3f}", va="center", fontsize=8)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Brier score (lower is better)")
    ax.set_xlim(0, max(values) * 1.25)
    ax.set_title("Your score against two baselines")
    ax.grid(axis="x", alpha=0.3)
    return ax
