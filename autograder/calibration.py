"""Score probability forecasts and draw their reliability: the four tools forecasters use.

    from autograder.calibration import brier_score, log_score, reliability_table, plot_reliability

    forecasts = [0.9, 0.7, 0.2, 0.6]    # your probability that each event happens
    outcomes = [1, 1, 0, 0]             # what happened: 1 = it did, 0 = it did not
    brier_score(forecasts, outcomes)    # 0.125
    log_score(forecasts, outcomes)      # 0.4004 (nats)
    reliability_table(forecasts, outcomes, n_bins=5)
    plot_reliability(forecasts, outcomes, n_bins=5)

Both scores are *penalties*: 0 is perfect and lower is better. Both are proper:
your expected penalty is lowest when you report the probability you actually
believe, so they reward honesty rather than boldness or hedging.

Stage 03 (probability) builds these by hand and checks its learners' versions
against this module; stage 05 (reflections) scores the learner's own forecasts
with it. Every function validates its input and raises ValueError with a plain
explanation, so a typo in a forecast list is named rather than silently scored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

__all__ = ["ReliabilityTable", "brier_score", "log_score", "plot_reliability",
           "reliability_table"]

ArrayLike = Sequence[float] | np.ndarray
_DIAGONAL = "reliability-diagonal"  # marks the reference line, so it is drawn once per Axes


class ReliabilityTable(NamedTuple):
    """Forecasts grouped into equal-width probability bins.

    edges: (n_bins + 1,) bin edges from 0 to 1. Bin i holds forecasts in
        [edges[i], edges[i + 1]); the last bin also holds forecasts equal to 1.
    counts: (n_bins,) int, how many forecasts fall in each bin.
    mean_forecast: (n_bins,) the average forecast in each bin (NaN if empty).
    observed_frequency: (n_bins,) the fraction of those events that happened
        (NaN if empty). A calibrated forecaster has observed_frequency close to
        mean_forecast in every bin.
    """

    edges: np.ndarray
    counts: np.ndarray
    mean_forecast: np.ndarray
    observed_frequency: np.ndarray


def _validate(forecasts: ArrayLike, outcomes: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(forecasts, outcomes) as float arrays of shape (n,), or ValueError saying what is wrong."""
    try:
        p = np.asarray(forecasts, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("forecasts must be numbers between 0 and 1, e.g. [0.7, 0.2, 0.95]"
                         ) from None
    try:
        o = np.asarray(outcomes, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("outcomes must be 0/1 (or False/True), e.g. [1, 0, 1]") from None
    if p.ndim != 1 or o.ndim != 1:
        raise ValueError(f"forecasts and outcomes must be flat lists; got shapes {p.shape} "
                         f"and {o.shape}")
    if p.shape != o.shape:
        raise ValueError(f"there are {p.size} forecasts but {o.size} outcomes; each forecast "
                         "needs the outcome of its own event")
    if p.size == 0:
        raise ValueError("there are no forecasts to score")
    bad = ~((p >= 0.0) & (p <= 1.0))  # also catches NaN
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        hint = " (a percentage? divide by 100)" if 1.0 < p[i] <= 100.0 else ""
        raise ValueError(f"forecast {i} is {p[i]:g}, but a probability lies between 0 and 1"
                         f"{hint}")
    bad = (o != 0.0) & (o != 1.0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"outcome {i} is {o[i]:g}; an outcome is 1 (happened) or 0 (did not)")
    return p, o


def brier_score(forecasts: ArrayLike, outcomes: ArrayLike) -> float:
    """The mean squared difference between each forecast and what happened.

    forecasts: (n,) probabilities in [0, 1] that each event happens.
    outcomes: (n,) 1 if the event happened, 0 if not (booleans work too).
    Returns a float in [0, 1]: 0 for certain and right every time; always saying
    0.5 scores 0.25. Lower is better.
    """
    p, o = _validate(forecasts, outcomes)
    # The squared distance from the forecast to the outcome that did happen.
    penalty = np.where(o == 1.0, (1.0 - p) ** 2, p ** 2)  # (n,)
    return float(penalty.sum() / p.size)


def log_score(forecasts: ArrayLike, outcomes: ArrayLike, *, base: float = math.e) -> float:
    """The mean of -log(probability you gave to what happened): cross-entropy, log loss.

    forecasts: (n,) probabilities in [0, 1] that each event happens.
    outcomes: (n,) 1 if the event happened, 0 if not.
    base: the logarithm's base; e gives nats (the default), 2 gives bits.
    Returns a float >= 0; lower is better. Always saying 0.5 scores log(2) = 0.693 nats.
    A forecast of exactly 0 or 1 that turns out wrong scores infinity: certainty
    that is wrong once is penalised without limit, so leave room for surprise.
    """
    p, o = _validate(forecasts, outcomes)
    if not (base > 0 and base != 1):
        raise ValueError(f"base must be positive and not 1, got {base!r}")
    given = np.where(o == 1.0, p, 1.0 - p)  # (n,) the probability of what happened
    with np.errstate(divide="ignore"):
        nats = -np.log(given)               # inf where a certain forecast was wrong
    return float(nats.mean() / math.log(base))


def reliability_table(forecasts: ArrayLike, outcomes: ArrayLike,
                      n_bins: int = 10) -> ReliabilityTable:
    """Group forecasts into `n_bins` equal-width bins and compare each bin with reality.

    forecasts: (n,) probabilities in [0, 1].  outcomes: (n,) 0/1.
    n_bins: a positive int; bin i covers [i / n_bins, (i + 1) / n_bins). A forecast
        on an edge goes to the upper bin (0.3 is in bin 3 of 10), and a forecast of
        exactly 1 goes in the last bin.
    Returns a ReliabilityTable of (n_bins + 1,) edges and (n_bins,) counts,
    mean_forecast and observed_frequency (NaN for empty bins).
    """
    p, o = _validate(forecasts, outcomes)
    if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive whole number, got {n_bins!r}")
    n_bins = int(n_bins)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # A forecast on an edge goes to the upper bin, decided in exact decimal terms: 0.3 with
    # 10 bins is bin 3, although 0.3 * 10 and linspace's 0.30000000000000004 disagree in
    # floating point. The 1e-9 absorbs that rounding; 1.0 is clipped into the last bin.
    index = np.minimum(np.floor(p * n_bins + 1e-9).astype(int), n_bins - 1)  # (n,)
    counts = np.bincount(index, minlength=n_bins)
    forecast_sums = np.bincount(index, weights=p, minlength=n_bins)
    outcome_sums = np.bincount(index, weights=o, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_forecast = np.where(counts > 0, forecast_sums / counts, np.nan)
        observed = np.where(counts > 0, outcome_sums / counts, np.nan)
    return ReliabilityTable(edges, counts, mean_forecast, observed)


def plot_reliability(forecasts: ArrayLike, outcomes: ArrayLike, n_bins: int = 10, *,
                     ax=None, label: str | None = None, color: str | None = None,
                     show_histogram: bool = True):
    """Draw a reliability diagram: observed frequency against mean forecast, per bin.

    forecasts: (n,) probabilities; outcomes: (n,) 0/1; n_bins as in reliability_table.
    ax: a matplotlib Axes to draw on (a new figure if None). Call again with the
        same ax and another label to compare forecasters.
    Points on the diagonal are calibrated; below it, events happened less often
    than forecast (overconfident in "yes"); above it, more often. Error bars are
    +-2 binomial standard errors of each bin's frequency, so a point whose bar
    crosses the diagonal is consistent with calibration. With show_histogram,
    thin bars along the bottom show how many forecasts fell in each bin.
    Returns the Axes.
    """
    import matplotlib.pyplot as plt

    table = reliability_table(forecasts, outcomes, n_bins)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    full = table.counts > 0
    x, y, k = table.mean_forecast[full], table.observed_frequency[full], table.counts[full]
    # The standard error of a frequency out of k events whose probability is about x;
    # the bars are cut at 0 and 1, where a frequency cannot go.
    se = np.sqrt(np.clip(x * (1 - x), 1e-12, None) / k)
    yerr = np.stack([np.minimum(2 * se, y), np.minimum(2 * se, 1 - y)])   # (2, bins shown)
    if not any(line.get_gid() == _DIAGONAL for line in ax.lines):   # once per Axes
        ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1,
                label="perfect calibration", gid=_DIAGONAL)
    lines = ax.errorbar(x, y, yerr=yerr, fmt="o-", color=color, capsize=3, markersize=5,
                        label=label or "forecasts")
    if show_histogram:
        widths = np.diff(table.edges)
        heights = 0.15 * table.counts / max(int(table.counts.max()), 1)
        ax.bar(table.edges[:-1], heights, width=widths, align="edge", alpha=0.25,
               color=lines.lines[0].get_color(), edgecolor="none")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("forecast probability (mean in each bin)")
    ax.set_ylabel("observed frequency")
    ax.set_aspect("equal")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return ax
