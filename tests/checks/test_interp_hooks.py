"""Stage 06, notebook 01 (hooks): the checks accept an independent correct implementation
(the package's fast path, autograder.interp.hooked), reject plausible wrong ones, pass
with other seeds, run fast, and only send the learner's code data and importable hooks."""

from __future__ import annotations

import time

import numpy as np
import pytest

from autograder.checks.interpretability import hooks as H
from autograder.gpt.model import GPTConfig
from autograder.interp import hooked


def _config(params, n_heads):
    V, D = params["tok_emb"].shape
    L = len({k.split(".")[1] for k in params if k.startswith("blocks.")})
    return GPTConfig(vocab_size=V, context=params["pos_emb"].shape[0], d_model=D,
                     n_heads=n_heads, n_layers=L)


def fast_forward(params, tokens, n_heads, hooks):
    """The package's hooked forward pass in the notebook's signature."""
    return hooked.hooked_forward(params, _config(params, n_heads), np.asarray(tokens),
                                 hooks=hooks, cache_all=True)


def fast_ablate(params, tokens, n_heads, layer, head):
    def zero(z, name):
        z = z.copy()
        z[:, :, head] = 0
        return z
    return hooked.run_with_hooks(params, _config(params, n_heads), tokens,
                                 {f"blocks.{layer}.attn.hook_z": zero})


def fast_patch(params, clean, corrupt, n_heads, name):
    cfg = _config(params, n_heads)
    _, cache = hooked.run_with_cache(params, cfg, clean, [name])
    return hooked.run_with_hooks(params, cfg, corrupt, {name: lambda x, n: cache[name]})


def test_an_independent_implementation_passes():
    assert H.check_hooked_forward.explain(fast_forward) is None
    assert H.check_ablate_head.explain(fast_ablate) is None
    assert H.check_patch_activation.explain(fast_patch) is None


@pytest.mark.parametrize("seed", [1, 7])
def test_other_seeds_still_accept_correct_answers(seed):
    for check, fn in [(H.check_hooked_forward, fast_forward), (H.check_ablate_head, fast_ablate),
                      (H.check_patch_activation, fast_patch),
                      (H.check_hooked_attention, H.check_hooked_attention.reference),
                      (H.check_apply_hook, H.check_apply_hook.reference)]:
        original = check.seed
        try:
            check.seed = seed
            assert check.explain(fn) is None, check.name
        finally:
            check.seed = original


def _caches_before_the_hook(params, tokens, n_heads, hooks):
    """Stores each activation before its hook ran (the replacement is used, not cached)."""
    logits, _ = fast_forward(params, tokens, n_heads, hooks)
    _, plain = fast_forward(params, tokens, n_heads, {})
    return logits, plain


def _ignores_replacements(params, tokens, n_heads, hooks):
    """Calls the hooks but keeps the original activations."""
    looked = {name: (lambda x, n, fn=fn: (fn(x, n), None)[1]) for name, fn in hooks.items()}
    return fast_forward(params, tokens, n_heads, looked)


def _always_with_mlp_names(params, tokens, n_heads, hooks):
    logits, cache = fast_forward(params, tokens, n_heads, hooks)
    if "blocks.0.mlp.W_in" not in params:
        cache = dict(cache, **{"blocks.0.hook_mlp_out": np.zeros_like(cache["hook_embed"])})
    return logits, cache


@pytest.mark.parametrize("wrong", [_caches_before_the_hook, _ignores_replacements,
                                   _always_with_mlp_names])
def test_wrong_forward_passes_fail(wrong):
    message = H.check_hooked_forward.explain(wrong)
    assert message is not None and "hooked_forward" in message


def test_wrong_attention_fails_with_a_clear_message():
    def no_scale(x, W_qkv, b_qkv, W_o, b_o, n_heads, prefix, hooks):
        D = x.shape[-1]
        out, cache = H.check_hooked_attention.reference(x, W_qkv * np.sqrt(np.sqrt(D // n_heads)),
                                                         b_qkv, W_o, b_o, n_heads, prefix, hooks)
        return out, cache

    def heads_first(x, W_qkv, b_qkv, W_o, b_o, n_heads, prefix, hooks):
        out, cache = H.check_hooked_attention.reference(x, W_qkv, b_qkv, W_o, b_o, n_heads,
                                                         prefix, hooks)
        for k in ("q", "k", "v", "z"):
            name = prefix + "attn.hook_" + k
            cache[name] = cache[name].transpose(0, 2, 1, 3)
        return out, cache

    for wrong in (no_scale, heads_first):
        message = H.check_hooked_attention.explain(wrong)
        assert message is not None, wrong.__name__
    assert "attn.hook_q" in H.check_hooked_attention.explain(heads_first)


def test_apply_hook_rejects_a_hook_error_of_the_wrong_kind():
    def raises_type_error(x, name, hooks):
        out = H._apply_hook_no_shape_check(x, name, hooks)
        if np.shape(out) != x.shape:
            raise TypeError("wrong shape")
        return out

    message = H.check_apply_hook.explain(raises_type_error)
    assert message is not None and "ValueError" in message


# That the hooks these checks hand to the learner's code can cross to the grading judge
# (as the judge's callbacks) is tested for every notebook by tests/grading/test_judge_safe.py.


def test_visible_checks_are_fast():
    for check, fn in [(H.check_hooked_forward, fast_forward), (H.check_ablate_head, fast_ablate),
                      (H.check_patch_activation, fast_patch),
                      (H.check_hooked_attention, H.check_hooked_attention.reference),
                      (H.check_apply_hook, H.check_apply_hook.reference)]:
        start = time.perf_counter()
        check.explain(fn)
        assert time.perf_counter() - start < 1.0, check.name
