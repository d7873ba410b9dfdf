"""The checks of 06/04 (activation patching) against the solution notebook, against wrong
answers written here (each gets its own diagnosis), and the shipped model's claims."""

from __future__ import annotations

import numpy as np
import pytest
from nbfiles import SOLUTIONS
from solution_pieces import solution_source

from autograder.checks.interpretability import patching
from autograder.interp import hooked
from autograder.interp.patching import build, config_for, induction_prompts, load, save

NOTEBOOK = SOLUTIONS / "06_interpretability" / "04_activation_patching.ipynb"
NAMES = ["logit_diff", "patching_score", "patch_residual", "patch_heads", "path_patch_key"]


@pytest.fixture(scope="module")
def solution():
    namespace: dict = {"hooked": hooked, "config_for": config_for}   # the set-up cell's imports
    exec(compile(solution_source(NOTEBOOK), str(NOTEBOOK), "exec"), namespace)
    return namespace


@pytest.mark.parametrize("name", NAMES)
def test_the_solutions_pass(solution, name):
    assert getattr(patching, f"check_{name}").explain(solution[name]) is None


@pytest.mark.parametrize("name", NAMES)
def test_every_registered_mistake_is_named(name):
    check = getattr(patching, f"check_{name}")
    for mistake in check.mistakes:
        message = check.explain(mistake.variant)
        assert message is not None and f"Diagnosis ({mistake.name})" in message, mistake.name


def _last(logits, tokens):
    return logits[np.arange(len(tokens)), -1, tokens]


def test_a_noising_residual_patch_written_with_hooks_is_named(solution):
    def noising(params, n_heads, clean, corrupt, correct, wrong):
        config = config_for(params, n_heads)
        L, T = config.n_layers, clean.shape[1]
        _, cache = hooked.run_with_cache(params, config, corrupt)
        names = [f"blocks.{i}.hook_resid_pre" for i in range(L)]
        names.append(f"blocks.{L - 1}.hook_resid_post")
        out = np.zeros((L + 1, T))
        for row, name in enumerate(names):
            for t in range(T):
                def hook(x, n, t=t):
                    x = x.copy()
                    x[:, t] = cache[n][:, t]
                    return x
                logits = hooked.run_with_hooks(params, config, clean, {name: hook})
                out[row, t] = (_last(logits, correct) - _last(logits, wrong)).mean()
        return out
    message = patching.check_patch_residual.explain(noising)
    assert message is not None and "Diagnosis (clean and corrupted swapped)" in message


def test_path_patching_into_queries_is_named(solution):
    def into_queries(params, n_heads, clean, corrupt, correct, wrong, sender, receiver):
        (ls, hs), (lr, hr) = sender, receiver
        config = config_for(params, n_heads)
        d = config.d_model // n_heads
        _, c = hooked.run_with_cache(params, config, clean)
        _, x = hooked.run_with_cache(params, config, corrupt)
        rows = params[f"blocks.{ls}.attn.W_o"][hs * d:(hs + 1) * d]
        z = f"blocks.{ls}.attn.hook_z"
        resid = x[f"blocks.{lr}.hook_resid_pre"] + (c[z][:, :, hs] - x[z][:, :, hs]) @ rows
        p = f"blocks.{lr}."
        mu, var = resid.mean(-1, keepdims=True), resid.var(-1, keepdims=True)
        normed = (resid - mu) / np.sqrt(var + 1e-5) * params[p + "ln1.g"] + params[p + "ln1.b"]
        cols = slice(hr * d, (hr + 1) * d)
        q = normed @ params[p + "attn.W_qkv"][:, cols] + params[p + "attn.b_qkv"][cols]

        def hook(a, n):
            a = a.copy()
            a[:, :, hr] = q
            return a
        logits = hooked.run_with_hooks(params, config, corrupt, {p + "attn.hook_q": hook})
        return float((_last(logits, correct) - _last(logits, wrong)).mean())
    message = patching.check_path_patch_key.explain(into_queries)
    assert message is not None and "Diagnosis (queries instead of keys)" in message


def test_patching_nothing_is_not_mistaken_for_a_known_mistake():
    def no_patch(params, n_heads, clean, corrupt, correct, wrong):
        config = config_for(params, n_heads)
        logits = hooked.run_with_hooks(params, config, corrupt, {})
        value = (_last(logits, correct) - _last(logits, wrong)).mean()
        return np.full((config.n_layers, n_heads), value)
    message = patching.check_patch_heads.explain(no_patch)
    assert message is not None and "Diagnosis (" not in message


def test_induction_prompts_differ_only_at_the_matched_token():
    rng = np.random.default_rng(3)
    pool = np.arange(40, 90)
    clean, corrupt, correct, wrong = induction_prompts(5, pool, rng, n_first=8, n_second=4)
    assert clean.shape == corrupt.shape == (5, 12)
    assert np.array_equal(clean[:, 8:], clean[:, :4])
    assert np.array_equal(np.flatnonzero((clean != corrupt).any(0)), [3])
    assert np.array_equal(correct, clean[:, 4])
    assert not any(w in row for w, row in zip(wrong, clean, strict=True))
    assert set(np.unique(clean)) <= set(pool)
    with pytest.raises(ValueError, match="n_second"):
        induction_prompts(2, pool, rng, n_first=4, n_second=4)


@pytest.fixture(scope="module")
def model():
    return build()


def test_config_for_reads_the_shapes_and_rejects_a_bad_head_count(model):
    p = model.params
    assert config_for(p, 4) == model.config
    with pytest.raises(ValueError, match="multiple"):
        config_for(p, 5)


def test_the_built_model_does_induction_and_the_corruption_removes_it(model):
    rng = np.random.default_rng(5)
    clean, corrupt, correct, wrong = induction_prompts(32, model.pool, rng)
    clean_logits = hooked.run_with_hooks(model.params, model.config, clean, {})
    corrupt_logits = hooked.run_with_hooks(model.params, model.config, corrupt, {})
    assert (clean_logits[:, -1].argmax(-1) == correct).mean() > 0.9
    clean_diff = (_last(clean_logits, correct) - _last(clean_logits, wrong)).mean()
    corrupt_diff = (_last(corrupt_logits, correct) - _last(corrupt_logits, wrong)).mean()
    assert clean_diff > corrupt_diff + 5.0


def test_the_built_heads_are_what_the_notebook_says(model):
    rng = np.random.default_rng(6)
    clean, *_ = induction_prompts(8, model.pool, rng)
    _, cache = hooked.run_with_cache(model.params, model.config, clean)
    prev = cache["blocks.0.attn.hook_pattern"][:, :, 1:, :].diagonal(axis1=2, axis2=3)
    assert prev[:, 0].mean() > 0.95 and prev[:, 1:].mean() < 0.5
    # head 1.0 attends from the second copy (positions 12..17) to one position after the
    # earlier occurrence (1..6)
    induction = cache["blocks.1.attn.hook_pattern"][:, 0, 12:, :]
    assert np.mean([induction[:, i, 1 + i] for i in range(6)]) > 0.9


def test_save_and_load_keep_a_model(model, tmp_path):
    save(tmp_path / "m.npz", model)
    again = load(tmp_path / "m.npz")
    assert again.config == model.config and np.array_equal(again.pool, model.pool)
    for name, value in model.params.items():
        np.testing.assert_allclose(again.params[name], value, atol=2e-3)
    with pytest.raises(FileNotFoundError, match="missing"):
        load(tmp_path / "nothing.npz")
