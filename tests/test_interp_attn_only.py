"""autograder.interp.attn_only: exact gradients, the hooked pass runs it, and the helpers
that make repeated-token data."""

from __future__ import annotations

import numpy as np

from autograder.gpt.model import GPTConfig
from autograder.gradcheck import gradient_check
from autograder.interp import attn_only, hooked

TINY = GPTConfig(vocab_size=7, context=6, d_model=8, n_heads=2, n_layers=2, dtype="float64")


def _tiny(seed=0):
    rng = np.random.default_rng(seed)
    model = attn_only.AttnOnlyGPT(TINY, seed=seed)
    for v in model.params.values():
        v += rng.normal(0.0, 0.3, v.shape)
    tokens = rng.integers(0, 7, (3, 7))
    return model, tokens[:, :-1], tokens[:, 1:]


def test_gradients_match_finite_differences():
    model, x, y = _tiny()
    model.loss(x, y)
    grads = model.backward()
    assert set(grads) == set(model.params)
    assert not any(".mlp." in k or ".ln2." in k for k in grads)
    report = gradient_check(lambda: model.loss(x, y), model.params, grads)
    assert report.ok, str(report)


def test_the_hooked_pass_runs_the_attention_only_model():
    model, x, _ = _tiny(1)
    logits, cache = hooked.run_with_cache(model.params, TINY, x)
    np.testing.assert_allclose(logits, model.logits(x), rtol=1e-10, atol=1e-10)
    for i in range(2):
        np.testing.assert_allclose(cache[f"blocks.{i}.attn.hook_pattern"], model.patterns[i],
                                   atol=1e-12)


def test_repeated_tokens_and_per_token_loss():
    pool = np.array([3, 5, 9])
    t = attn_only.repeated_tokens(4, 6, pool, np.random.default_rng(0))
    assert t.shape == (4, 12) and set(np.unique(t)) <= {3, 5, 9}
    np.testing.assert_array_equal(t[:, :6], t[:, 6:])
    logits = np.zeros((1, 3, 4))
    logits[0, 0, 2] = 50.0          # predicts token 2 at position 1 with certainty
    losses = attn_only.per_token_loss(logits, np.array([[0, 2, 1]]))
    np.testing.assert_allclose(losses, [[0.0, np.log(4)]], atol=1e-9)
    assert list(attn_only.common_tokens(np.array([1, 1, 2, 5, 5, 5]), min_count=2)) == [1, 5]


def test_repeats_at_random_places_hold_one_segment_twice_at_varying_distances():
    rows = attn_only.repeats_at_random_places(50, 33, np.arange(1000, 1500),
                                              np.random.default_rng(0))
    distances = set()
    for row in rows:
        # the pool is large, so the repeated segment is the only long repeat in a row
        found = [(i, j) for i in range(33) for j in range(i + 4, 33)
                 if j + 4 <= 33 and np.array_equal(row[i:i + 4], row[j:j + 4])]
        assert found, row
        distances.add(found[0][1] - found[0][0])
    assert len(distances) > 5



def test_repeated_segments_are_at_least_min_segment_long():
    rows = attn_only.repeats_at_random_places(40, 65, np.arange(1000, 3000),
                                              np.random.default_rng(1), min_segment=20)
    for row in rows:
        # the pool is large, so only the repeated segment repeats: its length is the longest
        # run of positions i, i + d with equal tokens, for some distance d
        longest = 0
        for d in range(1, 65):
            same = np.concatenate([[0], (row[d:] == row[:-d]).astype(int), [0]])
            edges = np.flatnonzero(np.diff(same))
            if len(edges):
                longest = max(longest, int((edges[1::2] - edges[::2]).max()))
        assert 20 <= longest <= 32, longest


def test_uniform_distances_spread_evenly():
    rng = np.random.default_rng(2)
    pool = np.arange(1000, 3000)
    rows = attn_only.repeats_at_random_places(400, 65, pool, rng, uniform_distance=True)
    distances = []
    for row in rows:        # the first distance at which 4 tokens in a row repeat
        for d in range(4, 62):
            if np.convolve(row[d:] == row[:-d], np.ones(4), "valid").max() >= 4:
                distances.append(d)
                break
    distances = np.array(distances)
    assert len(distances) > 390
    # uniform over n .. 65 - n: far distances are about as common as near ones
    near, far = np.sum(distances < 24), np.sum(distances > 40)
    assert far > 0.4 * near, (near, far)
