"""autograder.interp.hooked: the hooked forward pass agrees with the package GPT and
with the relations between its activations; hooks replace what they say they do."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.gpt import layers
from autograder.gpt.model import GPT, GPTConfig, init_params
from autograder.interp.hooked import hook_names, hooked_forward, run_with_cache, run_with_hooks

CONFIG = GPTConfig(vocab_size=11, context=9, d_model=16, n_heads=4, n_layers=2)


def _params(seed: int = 0, attn_only: bool = False) -> dict[str, np.ndarray]:
    p = init_params(CONFIG, seed)
    rng = np.random.default_rng(seed + 100)
    for k in p:      # non-trivial biases and gains, so a forgotten term shows
        p[k] = p[k] + (rng.standard_normal(p[k].shape) * 0.1).astype(np.float32)
    if attn_only:
        p = {k: v for k, v in p.items() if ".ln2." not in k and ".mlp." not in k}
    return p


def _tokens(seed: int = 1, B: int = 3, T: int = 9) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, CONFIG.vocab_size, (B, T))


def _attn_only_reference(p, tokens):
    """x += attn(LN1(x)) per block, written with the stage-04 layers (not hooked.py)."""
    x = layers.embed_forward(tokens, p["tok_emb"], p["pos_emb"])
    for i in range(CONFIG.n_layers):
        b = f"blocks.{i}."
        h, _ = layers.layer_norm_forward(x, p[b + "ln1.g"], p[b + "ln1.b"])
        a, _ = layers.attention_forward(h, p[b + "attn.W_qkv"], p[b + "attn.b_qkv"],
                                        p[b + "attn.W_o"], p[b + "attn.b_o"], CONFIG.n_heads)
        x = x + a
    h, _ = layers.layer_norm_forward(x, p["ln_f.g"], p["ln_f.b"])
    return h @ p["unembed"]


def test_without_hooks_the_logits_are_the_package_gpts():
    p, tokens = _params(), _tokens()
    logits, cache = run_with_cache(p, CONFIG, tokens)
    expected = GPT(CONFIG, params=p).logits(tokens)
    assert logits.dtype == np.float32
    np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-5)
    assert set(cache) == set(hook_names(CONFIG))


def test_attention_only_models_are_inferred_and_have_no_mlp_hook():
    p, tokens = _params(attn_only=True), _tokens()
    logits, cache = run_with_cache(p, CONFIG, tokens)
    np.testing.assert_allclose(logits, _attn_only_reference(p, tokens), rtol=1e-5, atol=1e-5)
    assert "blocks.0.hook_mlp_out" not in cache
    assert set(cache) == set(hook_names(CONFIG, attn_only=True))
    np.testing.assert_array_equal(cache["blocks.1.hook_resid_post"],
                                  cache["blocks.1.hook_resid_mid"])


def test_shapes_of_every_hook():
    p, tokens = _params(), _tokens(B=2, T=7)
    _, cache = run_with_cache(p, CONFIG, tokens)
    B, T, D, H, Dh = 2, 7, 16, 4, 4
    for name, act in cache.items():
        if name.endswith(("hook_q", "hook_k", "hook_v", "hook_z")):
            assert act.shape == (B, T, H, Dh), name
        elif name.endswith("hook_pattern"):
            assert act.shape == (B, H, T, T), name
        else:
            assert act.shape == (B, T, D), name


def test_the_cached_activations_are_related_as_the_architecture_says():
    p, tokens = _params(), _tokens()
    logits, c = run_with_cache(p, CONFIG, tokens)
    np.testing.assert_allclose(c["blocks.0.hook_resid_pre"], c["hook_embed"] + c["hook_pos_embed"],
                               atol=1e-6)
    np.testing.assert_array_equal(c["hook_embed"], p["tok_emb"][tokens])
    for i in range(CONFIG.n_layers):
        b = f"blocks.{i}."
        np.testing.assert_allclose(c[b + "hook_resid_mid"],
                                   c[b + "hook_resid_pre"] + c[b + "hook_attn_out"], atol=1e-6)
        np.testing.assert_allclose(c[b + "hook_resid_post"],
                                   c[b + "hook_resid_mid"] + c[b + "hook_mlp_out"], atol=1e-6)
        pat = c[b + "attn.hook_pattern"]
        np.testing.assert_allclose(pat.sum(-1), 1.0, atol=1e-5)
        assert np.all(np.triu(np.ones((9, 9)), 1)[None, None] * pat == 0)  # causal
        # z is the pattern-weighted sum of v, one explicit loop
        z, v = c[b + "attn.hook_z"], c[b + "attn.hook_v"]
        for h in range(CONFIG.n_heads):
            for t in range(9):
                expect = sum(pat[0, h, t, s] * v[0, s, h] for s in range(9))
                np.testing.assert_allclose(z[0, t, h], expect, atol=1e-5)
        out = c[b + "attn.hook_z"].reshape(3, 9, 16) @ p[b + "attn.W_o"] + p[b + "attn.b_o"]
        np.testing.assert_allclose(c[b + "hook_attn_out"], out, atol=1e-5)
    np.testing.assert_array_equal(c["blocks.1.hook_resid_pre"], c["blocks.0.hook_resid_post"])
    np.testing.assert_allclose(c["ln_final.hook_normalized"] @ p["unembed"], logits, atol=1e-5)


def test_names_select_what_is_cached():
    p, tokens = _params(), _tokens()
    _, cache = run_with_cache(p, CONFIG, tokens, ["blocks.1.attn.hook_pattern"])
    assert list(cache) == ["blocks.1.attn.hook_pattern"]
    _, cache = run_with_cache(p, CONFIG, tokens, [])
    assert cache == {}


def test_an_identity_hook_changes_nothing():
    p, tokens = _params(), _tokens()
    clean = run_with_hooks(p, CONFIG, tokens, {})
    names = hook_names(CONFIG)
    same = run_with_hooks(p, CONFIG, tokens, {n: (lambda x, name: x) for n in names})
    keep = run_with_hooks(p, CONFIG, tokens, {n: (lambda x, name: None) for n in names})
    np.testing.assert_array_equal(same, clean)
    np.testing.assert_array_equal(keep, clean)


def test_zeroing_a_heads_z_is_the_package_gpts_head_ablation():
    p, tokens = _params(), _tokens()
    mask = np.ones((2, 4))
    mask[1, 2] = 0

    def zero_head(z, name):
        z = z.copy()
        z[:, :, 2] = 0
        return z

    hooked = run_with_hooks(p, CONFIG, tokens, {"blocks.1.attn.hook_z": zero_head})
    expected = GPT(CONFIG, params=p).logits(tokens, head_mask=mask)
    np.testing.assert_allclose(hooked, expected, rtol=1e-5, atol=1e-5)
    assert not np.allclose(hooked, run_with_hooks(p, CONFIG, tokens, {}), atol=1e-4)


def test_a_replacement_propagates_and_is_what_the_cache_holds():
    p, tokens = _params(attn_only=True), _tokens()
    # replace layer 1's attention output by zeros: the logits are those of layer 0 alone
    _, c = run_with_cache(p, CONFIG, tokens)
    logits, cache = hooked_forward(p, CONFIG, tokens,
                                   hooks={"blocks.1.hook_attn_out": lambda x, n: np.zeros_like(x)},
                                   names=["blocks.1.hook_attn_out", "blocks.1.hook_resid_post"])
    assert np.all(cache["blocks.1.hook_attn_out"] == 0)
    np.testing.assert_allclose(cache["blocks.1.hook_resid_post"], c["blocks.0.hook_resid_post"],
                               atol=1e-6)
    h, _ = layers.layer_norm_forward(c["blocks.0.hook_resid_post"], p["ln_f.g"], p["ln_f.b"])
    np.testing.assert_allclose(logits, h @ p["unembed"], atol=1e-5)


def test_in_place_changes_with_none_are_kept():
    p, tokens = _params(), _tokens()

    def zero_in_place(x, name):
        x[...] = 0

    a = run_with_hooks(p, CONFIG, tokens, {"blocks.0.hook_attn_out": zero_in_place})
    b = run_with_hooks(p, CONFIG, tokens, {"blocks.0.hook_attn_out": lambda x, n: 0 * x})
    np.testing.assert_array_equal(a, b)


def test_bad_input_gets_clear_errors():
    p, tokens = _params(), _tokens()
    with pytest.raises(ValueError, match="blocks.0.hook_attn_out"):
        run_with_hooks(p, CONFIG, tokens, {"blocks.0.hook_attn_out": lambda x, n: x[:, :1]})
    with pytest.raises(KeyError, match="blocks.0.hook_resid_pre"):
        run_with_hooks(p, CONFIG, tokens, {"blocks.0.resid_pre": lambda x, n: x})
    with pytest.raises(KeyError, match="hook_mlp_out"):
        run_with_cache(_params(attn_only=True), CONFIG, tokens, ["blocks.0.hook_mlp_out"])
    with pytest.raises(ValueError, match="context"):
        run_with_cache(p, CONFIG, np.zeros((1, 10), int))
    with pytest.raises(ValueError, match="token ids"):
        run_with_cache(p, CONFIG, np.full((1, 3), 11))
    with pytest.raises(ValueError, match="batch, positions"):
        run_with_cache(p, CONFIG, np.zeros(3, int))
    with pytest.raises(TypeError, match="function"):
        run_with_hooks(p, CONFIG, tokens, {"hook_embed": 3})
