"""autograder.calibration: the scoring tools shared by stage 03 (probability) and stage 05.

Stage 05 imports exactly these four names, so their behaviour is pinned here:
known values, edge cases (certain forecasts, empty bins, forecasts on bin
edges), propriety, clear errors for bad input, and the plot.
"""

from __future__ import annotations

import math
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from autograder import calibration  # noqa: E402
from autograder.calibration import (  # noqa: E402
    ReliabilityTable,
    brier_score,
    log_score,
    plot_reliability,
    reliability_table,
)

F = [0.9, 0.7, 0.2, 0.6]
OUTCOMES = [1, 1, 0, 0]


def test_public_api_is_the_four_functions_stage_05_uses():
    assert {"brier_score", "log_score", "reliability_table", "plot_reliability"} <= set(
        calibration.__all__)
    for name in calibration.__all__:
        assert getattr(calibration, name).__doc__, f"{name} needs a docstring"


def test_brier_score_known_values():
    assert brier_score(F, OUTCOMES) == pytest.approx((0.01 + 0.09 + 0.04 + 0.36) / 4)
    assert brier_score([0.5] * 7, [1, 0, 1, 1, 0, 0, 1]) == pytest.approx(0.25)
    assert brier_score([1.0, 0.0], [1, 0]) == 0.0
    assert brier_score([1.0, 0.0], [0, 1]) == 1.0


def test_log_score_known_values_and_base():
    expected = -(math.log(0.9) + math.log(0.7) + math.log(0.8) + math.log(0.4)) / 4
    assert log_score(F, OUTCOMES) == pytest.approx(expected)
    assert log_score([0.5, 0.5], [1, 0]) == pytest.approx(math.log(2))
    assert log_score([0.5, 0.5], [1, 0], base=2) == pytest.approx(1.0)


def test_log_score_of_certain_forecasts_is_exact_and_silent():
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no RuntimeWarning from log(0)
        assert log_score([1.0, 0.0], [1, 0]) == 0.0
        assert log_score([1.0, 0.5], [0, 1]) == math.inf


def test_inputs_can_be_lists_booleans_or_arrays():
    assert brier_score(np.array(F), np.array(OUTCOMES, dtype=bool)) == brier_score(F, OUTCOMES)
    assert log_score(tuple(F), [True, True, False, False]) == log_score(F, OUTCOMES)


@pytest.mark.parametrize(("forecasts", "outcomes", "words"), [
    ([0.5, 70], [1, 1], "percentage"),
    ([1.2], [1], "between 0 and 1"),
    ([-0.1], [0], "between 0 and 1"),
    ([float("nan")], [1], "between 0 and 1"),
    ([0.5, 0.5], [1], "2 forecasts but 1 outcomes"),
    ([], [], "no forecasts"),
    ([0.5], [2], "outcome 0 is 2"),
    ([[0.5, 0.5]], [[1, 0]], "flat lists"),
    (["likely"], [1], "numbers between 0 and 1"),
])
def test_bad_input_is_a_clear_value_error(forecasts, outcomes, words):
    for fn in (brier_score, log_score, reliability_table):
        with pytest.raises(ValueError, match=words):
            fn(forecasts, outcomes)


def test_log_score_rejects_a_bad_base():
    with pytest.raises(ValueError, match="base"):
        log_score(F, OUTCOMES, base=1)


def _brute_force_table(p, o, n_bins):
    counts = np.zeros(n_bins, dtype=int)
    sums_p = np.zeros(n_bins)
    sums_o = np.zeros(n_bins)
    for pi, oi in zip(p, o, strict=True):
        b = min(int(pi * n_bins), n_bins - 1)
        counts[b] += 1
        sums_p[b] += pi
        sums_o[b] += oi
    with np.errstate(invalid="ignore"):
        return counts, sums_p / counts, sums_o / counts


def test_reliability_table_matches_a_plain_loop():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=500)
    o = (rng.uniform(size=500) < p).astype(int)
    table = reliability_table(p, o, 7)
    counts, mean_p, freq = _brute_force_table(p, o, 7)
    assert isinstance(table, ReliabilityTable)
    np.testing.assert_array_equal(table.counts, counts)
    np.testing.assert_allclose(table.mean_forecast, mean_p)
    np.testing.assert_allclose(table.observed_frequency, freq)
    np.testing.assert_allclose(table.edges, np.linspace(0, 1, 8))
    assert table.counts.sum() == 500


def test_reliability_table_edges_ones_and_empty_bins():
    table = reliability_table([0.0, 0.3, 0.7, 1.0, 1.0], [0, 1, 0, 1, 1], n_bins=10)
    assert table.counts.tolist() == [1, 0, 0, 1, 0, 0, 0, 1, 0, 2]   # 0.3 in bin 3, 1.0 in bin 9
    assert np.isnan(table.mean_forecast[1]) and np.isnan(table.observed_frequency[1])
    assert table.mean_forecast[9] == 1.0 and table.observed_frequency[9] == 1.0
    for n_bins in (3, 5, 20, 100):
        p = np.round(np.arange(0, 101) / 100, 2)         # every percentage, edges included
        t = reliability_table(p, (p > 0.5).astype(int), n_bins)
        expected = np.minimum(np.arange(101) * n_bins // 100, n_bins - 1)  # exact decimals
        assert t.counts.tolist() == np.bincount(expected, minlength=n_bins).tolist()


@pytest.mark.parametrize("n_bins", [0, -3, 2.5, True, "10"])
def test_reliability_table_rejects_bad_bin_counts(n_bins):
    with pytest.raises(ValueError, match="n_bins"):
        reliability_table(F, OUTCOMES, n_bins)


@pytest.mark.parametrize("belief", [0.1, 0.3, 0.5, 0.8, 0.95])
def test_both_scores_are_proper(belief):
    """Reporting your belief minimises your expected penalty (on a fine grid of reports)."""
    reports = np.linspace(0.001, 0.999, 999)
    for score in (brier_score, log_score):
        expected = [belief * score([r], [1]) + (1 - belief) * score([r], [0]) for r in reports]
        assert reports[int(np.argmin(expected))] == pytest.approx(belief, abs=1e-3)


def test_plot_reliability_draws_on_given_axes_and_one_diagonal():
    rng = np.random.default_rng(1)
    p = rng.uniform(size=300)
    o = (rng.uniform(size=300) < p).astype(int)
    fig, ax = plt.subplots()
    assert plot_reliability(p, o, ax=ax, label="first") is ax
    plot_reliability(np.clip(p * 1.2, 0, 1), o, ax=ax, label="second", show_histogram=False)
    diagonals = [line for line in ax.lines if line.get_gid() == "reliability-diagonal"]
    assert len(diagonals) == 1
    labels = ax.get_legend().get_texts()
    assert [t.get_text() for t in labels] == ["perfect calibration", "first", "second"]
    plt.close(fig)


def test_plot_reliability_skips_empty_bins_and_keeps_error_bars_in_range():
    fig, ax = plt.subplots()
    plot_reliability([0.05, 0.06, 0.95, 1.0], [0, 0, 1, 1], n_bins=10, ax=ax)
    points = ax.lines[1].get_xydata()              # the line through the bins' points
    assert len(points) == 2                        # two non-empty bins out of ten
    for collection in ax.collections:              # error bars stay within [0, 1]
        for segment in getattr(collection, "get_segments", lambda: [])():
            assert segment[:, 1].min() >= -1e-12 and segment[:, 1].max() <= 1 + 1e-12
    plt.close(fig)


def test_plot_reliability_makes_its_own_figure():
    ax = plot_reliability(F, OUTCOMES, n_bins=4)
    assert ax.get_xlabel().startswith("forecast probability")
    plt.close(ax.figure)
