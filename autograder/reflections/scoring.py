"""Proper scoring rules and reliability tables for probability forecasts.

The same API as stage 03's ``autograder.calibration`` (brier_score, log_score,
reliability_table, plot_reliability), so that once both are merged this module
can become ``from ..calibration import *`` (see the stage-05 report).

Conventions: `p` holds forecast probabilities that the event happens, shape (n,);
`outcomes` holds what happened (True/1 or False/0), shape (n,).

- Brier score: mean of (p - outcome)^2. Lower is better; 0 is perfect and 0.25 is
  what always saying 0.5 earns.
- Log score: mean of the natural log of the probability given to what happened.
  Higher is better; 0 is perfect, log(0.5) = -0.693 is always saying 0.5, and a
  certain forecast that turns out wrong scores minus infinity.
"""

from __future__ import annotations

import math

import numpy as np


def _as_arrays(p, outcomes) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p, dtype=float).reshape(-1)
    o = np.asarray(outcomes, dtype=float).reshape(-1)
    if p.shape != o.shape or p.size == 0:
        raise ValueError(f"p and outcomes must be non-empty and the same length; got "
                         f"{p.size} and {o.size}")
    if np.any((p < 0) | (p > 1)) or np.any(np.isnan(p)):
        raise ValueError("probabilities must be numbers between 0 and 1")
    if not np.all((o == 0) | (o == 1)):
        raise ValueError("outcomes must be True/False (or 1/0)")
    return p, o


def brier_score(p, outcomes) -> float:
    """Mean squared difference between forecasts (n,) and outcomes (n,); lower is better."""
    p, o = _as_arrays(p, outcomes)
    return float(np.mean((p - o) ** 2))


def log_score(p, outcomes) -> float:
    """Mean log probability given to what happened (n forecasts); higher is better, 0 is best."""
    p, o = _as_arrays(p, outcomes)
    given = np.where(o == 1, p, 1 - p)
    with np.errstate(divide="ignore"):
        return float(np.mean(np.log(given)))


def reliability_table(p, outcomes, n_bins: int = 5) -> list[dict]:
    """Forecasts grouped into `n_bins` equal-width bins of probability.

    Returns one dict per non-empty bin: lo, hi, count, mean_forecast,
    observed_frequency, and (low, high), a 90% Wilson interval for the
    frequency, which shows how little a handful of forecasts can tell you.
    """
    p, o = _as_arrays(p, outcomes)
    edges = np.linspace(0, 1, n_bins + 1)
    index = np.clip(np.digitize(p, edges[1:-1], right=True), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        mask = index == b
        n = int(mask.sum())
        if n == 0:
            continue
        freq = float(o[mask].mean())
        low, high = _wilson(freq, n, z=1.645)
        rows.append({"lo": float(edges[b]), "hi": float(edges[b + 1]), "count": n,
                     "mean_forecast": float(p[mask].mean()), "observed_frequency": freq,
                     "low": low, "high": high})
    return rows


def _wilson(freq: float, n: int, z: float) -> tuple[float, float]:
    denom = 1 + z * z / n
    centre = (freq + z * z / (2 * n)) / denom
    half = z * math.sqrt(freq * (1 - freq) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def plot_reliability(p, outcomes, ax=None, n_bins: int = 5):
    """Reliability diagram: observed frequency against mean forecast per bin; returns the Axes.

    Points on the diagonal are calibrated. Bars are 90% intervals: with few
    forecasts per bin they are wide, and that is part of the lesson.
    """
    import matplotlib.pyplot as plt

    rows = reliability_table(p, outcomes, n_bins)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    for r in rows:
        ax.errorbar(r["mean_forecast"], r["observed_frequency"],
                    yerr=[[r["observed_frequency"] - r["low"]],
                          [r["high"] - r["observed_frequency"]]],
                    fmt="o", color="tab:blue", ms=4 + 2 * math.sqrt(r["count"]), capsize=3)
        ax.annotate(f"n={r['count']}", (r["mean_forecast"], r["observed_frequency"]),
                    xytext=(7, -3), textcoords="offset points", fontsize=7)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("your forecast (mean in each bin)")
    ax.set_ylabel("how often it happened")
    ax.set_title("Reliability (bars: 90% intervals)")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.2)
    return ax
