"""Stage 07, notebook 12 (best-of-n): the shipped samples, the checks' oracles, the quoted figures.

- the shipped samples are what autograder.rl.best_of_n says: the stored gold and proxy scores
  are those of the gold reward and of the shipped reward model, recomputed on a few prompts;
- the oracles of the checks are right: the exact best-of-n distribution against enumeration of
  every n-tuple, the KL integral against the exact KL of a fine uniform distribution;
- the figures the notebook's text quotes (best-of-n's proxy, gold and KL, RL's KL at the same
  proxy, the repetition rates) are what the shipped files give, computed here by a loop.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from nbfiles import SOLUTIONS

from autograder.checks.rl_and_rlhf import best_of_n as checks
from autograder.rl import best_of_n, gold, preferences, rlhf

NOTEBOOK = SOLUTIONS / "07_rl_and_rlhf" / "12_best_of_n.ipynb"


@pytest.fixture(scope="module")
def data():
    return best_of_n.load_samples()


def test_the_shipped_samples_hold_their_gold_and_proxy_scores(data):
    P, N = data.proxy.shape
    assert (P, N) == (best_of_n.N_PROMPTS, best_of_n.N_SAMPLES)
    assert data.completions.shape == (P, N, best_of_n.COMPLETION_LEN)
    assert data.prompts.shape == (P, best_of_n.PROMPT_LEN)
    np.testing.assert_array_equal(preferences.score(data.prompts[:4], data.completions[:4]),
                                  data.gold[:4])
    proxy = best_of_n.proxy_scores(data.prompts[:2], data.completions[:2])
    np.testing.assert_allclose(proxy, data.proxy[:2], rtol=1e-4, atol=1e-4)
    # proxy scores tie only where a completion repeats another of its prompt (4 of 6,400), whose
    # gold is then equal too: the estimator's order among ties changes nothing
    for i in range(P):
        for value in {v for v in data.proxy[i].tolist() if (data.proxy[i] == v).sum() > 1}:
            tied = np.flatnonzero(data.proxy[i] == value)
            assert len({tuple(data.completions[i, j]) for j in tied}) == 1


def test_a_missing_file_gets_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m autograder.rl.best_of_n"):
        best_of_n.load_samples(tmp_path / "nothing.npz")


def test_the_exact_distribution_agrees_with_enumerating_every_draw():
    p = np.array([0.1, 0.4, 0.2, 0.3])
    rewards = np.array([2.0, -1.0, 0.5, 3.0])
    for n in (1, 2, 3):
        q = np.zeros(4)
        for draw in itertools.product(range(4), repeat=n):
            q[max(draw, key=lambda k: rewards[k])] += math.prod(p[k] for k in draw)
        np.testing.assert_allclose(checks.exact_best_of_n_distribution(p, rewards, n), q,
                                   atol=1e-12)


def test_the_kl_integral_is_the_limit_of_many_equally_likely_outcomes():
    K = 200_000                                        # every outcome rare: the bound is tight
    F = np.arange(K + 1) / K
    for n in (2, 16, 64):
        q = np.diff(F ** n)
        kl = float(np.sum(q[q > 0] * np.log(q[q > 0] * K)))
        assert kl <= checks._kl_by_integration(n) + 1e-9
        assert checks._kl_by_integration(n) - kl < 2e-3


def _estimate(proxy_row, value_row, n):
    # the average over subsets, by the count of subsets each sample tops (a loop)
    order = sorted(range(len(proxy_row)), key=lambda i: proxy_row[i])
    total = math.comb(len(order), n)
    return math.fsum(math.comb(rank, n - 1) * value_row[i]
                     for rank, i in enumerate(order)) / total


def _mean_estimate(data, select, value, n):
    return float(np.mean([_estimate(s, v, n) for s, v in zip(select, value, strict=True)]))


def _smooth(x, k=5):
    return np.array([np.mean(x[max(0, i - k + 1):i + 1]) for i in range(len(x))])


def _markdown():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def test_the_figures_the_notebook_quotes_are_those_of_the_shipped_files(data):
    text = _markdown()
    base_proxy = _mean_estimate(data, data.proxy, data.proxy, 1)
    base_gold = _mean_estimate(data, data.proxy, data.gold, 1)
    top_proxy = _mean_estimate(data, data.proxy, data.proxy, 64)
    top_gold = _mean_estimate(data, data.proxy, data.gold, 64)
    by_gold = _mean_estimate(data, data.gold, data.gold, 64)
    assert f"{base_proxy:.2f} to {top_proxy:.2f}" in text          # 0.16 to 2.21
    assert f"{base_gold:.2f} to {top_gold:.2f}" in text            # 1.15 to 3.57
    assert f"gold of {by_gold:.2f}" in text                        # 5.77
    assert f"at {math.log(64) - 63 / 64:.1f} nats" in text          # 3.2
    kls, golds = [], []
    for run in rlhf.load_runs().values():
        reached = np.flatnonzero(_smooth(run["reward"]) >= top_proxy)
        kls.append(_smooth(run["kl"])[reached[0]])
        golds.append(_smooth(run["gold"])[reached[0]])
    assert f"only after {math.floor(min(kls))} to {math.ceil(max(kls))} nats" in text
    assert f"their gold is {min(golds):.1f} to {max(golds):.1f}" in text

    def rate(ws):
        return sum(w in ws[:i] for i, w in enumerate(ws)) / len(ws) if ws else 0.0

    kept = data.proxy.argmax(axis=1)
    all_rate = np.mean([rate(gold.completion_words(*data.text(i, j)))
                        for i in range(len(kept)) for j in range(data.proxy.shape[1])])
    kept_rate = np.mean([rate(gold.completion_words(*data.text(i, j)))
                         for i, j in enumerate(kept)])
    assert f"about {all_rate:.2f} over all samples to {kept_rate:.2f}" in text
