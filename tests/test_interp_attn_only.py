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


def test_periodic_repeats_copy_from_one_period_back_at_spread_distances():
    rng = np.random.default_rng(3)
    pool = np.arange(1000, 3000)          # large: chance repeats are rare
    rows = attn_only.periodic_repeats(300, 65, pool, rng, 4, 32)
    assert rows.shape == (300, 65) and set(np.unique(rows)) <= set(pool)
    periods = []
    for row in rows:
        # the period: the smallest d with row[t] == row[t - d] over a run reaching the end
        d = next(d for d in range(4, 33) if np.all(row[65 - d:] == row[65 - 2 * d:65 - d]))
        start = 65 - d
        while start - 1 - d >= 0 and row[start - 1] == row[start - 1 - d]:
            start -= 1
        assert start - d >= 0                   # a first copy of d random tokens exists
        periods.append(d)
    periods = np.array(periods)
    assert periods.min() == 4 and periods.max() == 32
    assert np.sum(periods > 24) > 0.5 * np.sum(periods < 12), np.bincount(periods)


def test_periodic_repeats_refuse_distances_that_do_not_fit():
    import pytest

    with pytest.raises(ValueError, match="do not fit"):
        attn_only.periodic_repeats(2, 40, np.arange(5), np.random.default_rng(0), 4, 32)


def test_sinusoidal_positions_shift_by_one_fixed_rotation():
    pos32 = attn_only.sinusoidal_positions(20, 8)
    assert pos32.shape == (20, 8) and pos32.dtype == np.float32
    pos = pos32.astype(np.float64)
    np.testing.assert_allclose(np.sqrt((pos ** 2).mean()), 0.02, rtol=1e-5)
    # one linear map takes every position to the next: least squares finds it exactly
    M, *_ = np.linalg.lstsq(pos[:-1], pos[1:], rcond=None)
    np.testing.assert_allclose(pos[:-1] @ M, pos[1:], atol=1e-6)
    # and the fastest pair turns by 1 radian per position
    angle = np.arctan2(pos[:, 0], pos[:, 1])
    np.testing.assert_allclose(np.diff(np.unwrap(angle)), 1.0, atol=1e-5)


def test_a_run_saved_part_way_is_the_shorter_run(tmp_path):
    # with a constant learning rate, the run saved at step 2 of 4 is the 2-step run
    small = dict(context=16, d_model=16, n_heads=2, batch_size=2, warmup=2, eval_every=1,
                 rep_half=4, rep_batch=2, rep_rows=2, rep_length=17, rep_min_segment=2,
                 rep_max_distance=8, rep_periodic=True, decay=False, qk_init=0.1,
                 sinusoidal=True, snapshots=(0, 1))
    long = attn_only.train(attn_only.Recipe(steps=4, **small), progress=False,
                           save_every=2, save_to=tmp_path / "run")
    short = attn_only.train(attn_only.Recipe(steps=2, **small), progress=False)
    part = attn_only.load(tmp_path / "run.step2.npz")
    for name, value in short.params.items():
        np.testing.assert_allclose(part.params[name], value.astype(np.float16), rtol=0, atol=0)
        assert not np.array_equal(long.params[name], value) or name.endswith((".b", "b_o"))
    np.testing.assert_allclose(part.train_loss, short.train_loss, rtol=1e-6)
    assert list(part.snapshots) == [0, 1] and len(part.eval_steps) == 3


def test_the_command_trains_the_recipe_and_saves_part_way(tmp_path, capsys):
    out = tmp_path / "run.npz"
    assert attn_only.main(["--steps", "2", "--out", str(out), "--save-every", "1"]) == 0
    run = attn_only.load(out)
    assert list(run.snapshots) == [0] and len(run.train_loss) == 2
    # RECIPE's choices, not the Recipe defaults: sinusoidal positions at step 0
    np.testing.assert_allclose(run.snapshots[0]["pos_emb"],
                               attn_only.sinusoidal_positions(64, 64), atol=1e-4)
    part = attn_only.load(tmp_path / "run.npz.step1.npz")
    assert len(part.train_loss) == 1 and part.train_loss[0] == run.train_loss[0]
    assert "wrote" in capsys.readouterr().out


def test_head_scores_read_the_right_entries():
    T = 6
    prev = np.zeros((1, 2, T, T))
    prev[0, 0, np.arange(1, T), np.arange(T - 1)] = 1.0     # head 0 looks one back
    prev[0, 1, np.arange(T), np.arange(T)] = 1.0            # head 1 looks at itself
    prev[0, 0, 0, 0] = prev[0, 1, 0, 0] = 1.0
    np.testing.assert_allclose(attn_only.previous_token_scores(prev), [1.0, 0.0])
    # half = 3: query 3 -> key 1, query 4 -> key 2, query 5 -> key 3
    induct = np.zeros((2, 1, T, T))
    induct[:, 0, [3, 4, 5], [1, 2, 3]] = 1.0
    np.testing.assert_allclose(attn_only.prefix_matching_scores(induct), [1.0])
    np.testing.assert_allclose(attn_only.prefix_matching_scores(prev), [0.0, 0.0])


def test_induction_at_distances_knocks_out_a_set_of_layer0_heads():
    config = GPTConfig(vocab_size=11, context=16, d_model=8, n_heads=2, n_layers=2,
                       dtype="float64")
    model = attn_only.AttnOnlyGPT(config, seed=3)
    for v in model.params.values():
        v += np.random.default_rng(4).normal(0.0, 0.5, v.shape)
    pool = np.arange(11)
    intact = attn_only.induction_at_distances(model.params, config, pool, (4, 8), batch=3)
    assert set(intact) == {4, 8}
    # by hand for distance 4: the same seeded tokens through the model's own forward pass
    tokens = attn_only.repeated_tokens(3, 4, pool, np.random.default_rng(4))
    losses = attn_only.per_token_loss(model.logits(tokens), tokens)
    np.testing.assert_allclose(intact[4], (losses[:, :3].mean(), losses[:, 4:].mean()))
    zeroed = attn_only.induction_at_distances(model.params, config, pool, (4, 8), batch=3,
                                              heads=(0, 1))
    # both layer-0 heads zeroed is the model without layer 0's attention (b_o stays)
    params = {k: v.copy() for k, v in model.params.items()}
    params["blocks.0.attn.W_o"][...] = 0.0
    bare = attn_only.per_token_loss(attn_only.AttnOnlyGPT(config, params=params).logits(tokens),
                                    tokens)
    np.testing.assert_allclose(zeroed[4], (bare[:, :3].mean(), bare[:, 4:].mean()))
    mean = attn_only.induction_at_distances(model.params, config, pool, (4,), batch=3,
                                            heads=(1,), how="mean")
    assert mean[4] != intact[4] and mean[4] != zeroed[4]
    import pytest

    with pytest.raises(ValueError, match="zero"):
        attn_only.induction_at_distances(model.params, config, pool, heads=(0,), how="resample")


def test_duplicated_spans_paste_one_span_right_after_itself():
    ids = np.arange(10_000)                # a stream in which every token says where it is
    rows = attn_only.duplicated_spans(ids, 50, 33, np.random.default_rng(0), min_span=4)
    assert rows.shape == (50, 33)
    spans = set()
    for row in rows:
        jumps = np.flatnonzero(np.diff(row) != 1)          # where the text stops running on
        assert len(jumps) == 1, row                        # exactly one paste per row
        end = jumps[0] + 1                                 # the copy starts here
        d = row[end - 1] + 1 - row[end]                    # it goes back d tokens
        assert 4 <= d <= 16 and end - d >= 0
        np.testing.assert_array_equal(row[end:end + d], row[end - d:end][:33 - end])
        spans.add(int(d))
    assert len(spans) > 6                                  # span lengths vary
    with np.testing.assert_raises(ValueError):
        attn_only.duplicated_spans(ids, 2, 33, np.random.default_rng(0), min_span=17)


def test_the_shipped_run_is_the_recipe_run_of_this_code():
    # the file's step-0 snapshot and first losses are what this module's train() makes
    run = attn_only.load()
    assert attn_only.PATH.stat().st_size < 2_000_000
    assert run.train_loss.shape == (attn_only.RECIPE.steps,)
    assert list(run.snapshots) == list(attn_only.RECIPE.snapshots)
    fresh = attn_only.train(attn_only.replace(attn_only.RECIPE, steps=2, snapshots=(0,)),
                            progress=False)
    for name, value in fresh.snapshots[0].items():
        np.testing.assert_allclose(run.snapshots[0][name], value, atol=1e-3, rtol=1e-3)
    np.testing.assert_allclose(run.train_loss[:2], fresh.train_loss, rtol=1e-5)


def test_the_shipped_model_uses_the_first_copy_and_did_not_at_step_0():
    run = attn_only.load()
    first, second = attn_only.repeated_halves_loss(run.model(), run.rep_tokens)
    assert second < first - 2.5, (first, second)
    np.testing.assert_allclose([first, second], [run.rep_first[-1], run.rep_second[-1]],
                               atol=0.05)          # float16 parameters, float32 on the curve
    f0, s0 = attn_only.repeated_halves_loss(run.model(0), run.rep_tokens)
    assert abs(s0 - f0) < 0.1


def test_the_shipped_model_learnt_text_too():
    from autograder.gpt import textgpt

    ids = textgpt.load_checkpoint().train_ids
    x, _ = textgpt.random_windows(ids, 16, 64, np.random.default_rng(123))
    model = attn_only.load().model()
    loss = float(attn_only.per_token_loss(model.logits(x), x).mean())
    assert loss < np.log(model.config.vocab_size) - 3.0, loss


def test_the_shipped_circuit_is_causal_at_every_distance():
    # Induction, not a positional shortcut: at every distance the gap is large; mean-ablating
    # the layer-1 heads that match prefixes closes it, the other layer-1 heads leave it, and
    # layer 0 as a whole (where the previous-token job is shared) closes most of it.
    run = attn_only.load()
    pool = np.unique(run.rep_tokens)
    tokens = attn_only.repeated_tokens(32, 16, pool, np.random.default_rng(16))
    _, cache = hooked.run_with_cache(run.params, run.config, tokens)
    prev = attn_only.previous_token_scores(cache["blocks.0.attn.hook_pattern"])
    prefix = attn_only.prefix_matching_scores(cache["blocks.1.attn.hook_pattern"])
    uniform = np.mean(1.0 / np.arange(2, 33))
    assert (prev > 3 * uniform).all() and prefix.max() > 0.5, (prev, prefix)
    inductive = [h for h in range(4) if prefix[h] > 0.3]
    others = [h for h in range(4) if h not in inductive]
    assert inductive and others

    def mean_of(heads):
        def hook(z, name):
            z = z.copy()
            z[:, :, heads] = z[:, :, heads].mean(axis=0)
            return z
        return hook

    def gaps(hooks):
        out = []
        for d in (8, 12, 16, 24, 32):
            t = attn_only.repeated_tokens(32, d, pool, np.random.default_rng(d))
            loss = attn_only.per_token_loss(hooked.run_with_hooks(run.params, run.config, t,
                                                                  hooks), t)
            out.append(loss[:, d:].mean() - loss[:, :d - 1].mean())
        return np.array(out)

    intact = gaps({})
    assert (intact < -2.0).all(), intact
    assert (gaps({"blocks.1.attn.hook_z": mean_of(inductive)}) > -0.2).all()
    assert (gaps({"blocks.1.attn.hook_z": mean_of(others)}) < 0.9 * intact).all()
    assert (gaps({"blocks.0.attn.hook_z": mean_of([0, 1, 2, 3])}) > 0.3 * intact).all()
