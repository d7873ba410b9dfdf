"""Checks for 06_interpretability/01_hooks: hook points that cache and replace activations.

The learner's functions take hooks, functions ``hook(activation, name)``. So that
a check can run outside the learner's kernel (the grading judge sends only data
and importable functions), the hooks these checks pass are the module-level
functions below, and every verdict is on returned arrays. The oracle is the
slow, explicit forward pass of ``oracles`` (float64 loops), never the package's
fast path.
"""

from __future__ import annotations

import numpy as np

from ..core import Context, CustomCheck
from ..spec import Case, Mistake
from . import oracles

# -- hooks the checks pass (importable, so the judge can send them by name) ----------------


def double_hook(x: np.ndarray, name: str) -> np.ndarray:
    """Replace the activation by twice itself."""
    return 2.0 * x


def keep_hook(x: np.ndarray, name: str) -> None:
    """Look, change nothing: returns None."""
    return None


def shift_hook(x: np.ndarray, name: str) -> np.ndarray:
    """Add 0.5 to every entry but those of the first position (axis 1): position-aware."""
    out = x + 0.5
    out[:, 0] = x[:, 0]
    return out


def zero_head1_hook(x: np.ndarray, name: str) -> np.ndarray:
    """Zero head 1 of a per-head activation (B, T, H, Dh): a head ablation."""
    out = x.copy()
    out[:, :, 1] = 0.0
    return out


def uniform_pattern_hook(x: np.ndarray, name: str) -> np.ndarray:
    """Replace an attention pattern (B, H, T, T) by uniform attention to keys 0 .. query."""
    T = x.shape[-1]
    allowed = np.tril(np.ones((T, T)))
    return np.broadcast_to(allowed / allowed.sum(axis=1, keepdims=True), x.shape).copy()


def short_hook(x: np.ndarray, name: str) -> np.ndarray:
    """A broken hook: returns the activation without its last position."""
    return x[:, :-1]


def _rng(ctx: Context) -> np.random.Generator:
    """The check's generator; hidden tests get other seeds (fresh inputs, same properties)."""
    return ctx.rng(1000 if ctx.hidden else 0)


# -- 1.1 apply_hook ---------------------------------------------------------------------------

def _apply_hook_reference(x, name, hooks):
    fn = hooks.get(name)
    if fn is None:
        return x
    out = fn(x, name)
    if out is None:
        return x
    if np.shape(out) != x.shape:
        raise ValueError(f"the hook at {name} returned shape {np.shape(out)}, not {x.shape}")
    return out


def _verify_apply_hook(fn, ctx: Context) -> None:
    rng = _rng(ctx)
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    hooks = {"blocks.0.hook_resid_pre": double_hook, "blocks.0.hook_attn_out": keep_hook,
             "blocks.1.hook_resid_pre": short_hook}
    cases = [("a hook that doubles", "blocks.0.hook_resid_pre", 2.0 * x),
             ("a hook that returns None (keep the activation)", "blocks.0.hook_attn_out", x),
             ("a name with no hook", "blocks.1.hook_resid_post", x)]
    for label, name, expected in cases:
        case = Case(f"x (2, 3, 4), name {name!r}: {label}", (x.copy(), name, hooks))
        got = ctx.call(fn, case)
        ctx.expect(expected, got, label=f"the activation, {label}", case=case)
    name = "blocks.1.hook_resid_pre"
    error = None
    try:
        fn(x.copy(), name, hooks)
    except ValueError as err:
        error = str(err)
    except Exception as err:  # the learner's code: any other exception is the wrong kind
        ctx.require(False, f"a hook that returns the wrong shape should raise ValueError, "
                    f"not {type(err).__name__}", [f"your message: {str(err)[:200]}"],
                    hint="raise ValueError(...) yourself after comparing the shapes.")
    ctx.require(error is not None,
                "a hook that returns an array of the wrong shape should raise ValueError",
                [f"the hook at {name!r} returned shape (2, 2, 4) for an activation (2, 3, 4); "
                 "your function did not raise"], mistake=_NO_SHAPE_CHECK)
    ctx.require(name in (error or ""),
                "the ValueError should name the hook, so that the person who wrote it knows "
                "which one is wrong", [f"your message: {error!r}"])


def _apply_hook_no_shape_check(x, name, hooks):
    fn = hooks.get(name)
    if fn is None:
        return x
    out = fn(x, name)
    return x if out is None else out


_NO_SHAPE_CHECK = Mistake(
    "no shape check",
    "Your function passes on whatever the hook returns. A hook with a bug would then break "
    "the forward pass far from its cause, or (worse) broadcast silently into wrong numbers.",
    "Compare the returned array's shape with x.shape and raise ValueError naming the hook.",
    example=_apply_hook_no_shape_check)

check_apply_hook = CustomCheck(
    "apply_hook", _verify_apply_hook, reference=_apply_hook_reference,
    mistakes=[_NO_SHAPE_CHECK],
    hint="Look the name up in hooks (hooks.get(name)); no hook: return x. Call it as "
         "hook(x, name); None means keep x; otherwise check the shape, then return it.")


# -- 1.2 hooked_attention -----------------------------------------------------------------

_ATTN_NAMES = ("attn.hook_q", "attn.hook_k", "attn.hook_v", "attn.hook_pattern", "attn.hook_z",
               "hook_attn_out")


def _attn_case(rng, B, T, D, H, prefix, hooks):
    x = rng.normal(size=(B, T, D)).astype(np.float32)
    W_qkv = (rng.normal(size=(D, 3 * D)) * 0.5).astype(np.float32)
    b_qkv = (rng.normal(size=3 * D) * 0.2).astype(np.float32)
    W_o = (rng.normal(size=(D, D)) * 0.5).astype(np.float32)
    b_o = (rng.normal(size=D) * 0.2).astype(np.float32)
    return (x, W_qkv, b_qkv, W_o, b_o, H, prefix, hooks)


def _hooked_attention_reference(x, W_qkv, b_qkv, W_o, b_o, n_heads, prefix, hooks):
    out, acts = oracles.slow_attention(x, W_qkv, b_qkv, W_o, b_o, n_heads, prefix, hooks)
    return out.astype(np.float32), {k: v.astype(np.float32) for k, v in acts.items()}


def _expect_acts(ctx: Context, expected: dict, got, case: Case, what: str) -> None:
    ctx.require(isinstance(got, dict), f"{what} should be a dict {{hook name: array}}",
                [f"got {type(got).__name__}"])
    missing = [k for k in expected if k not in got]
    extra = [k for k in got if k not in expected]
    details = ([f"missing: {missing}"] if missing else []) + \
        ([f"not expected: {extra}"] if extra else []) + [f"case: {case.label}"]
    ctx.require(not missing and not extra, f"{what} should hold exactly the hook names of "
                "this pass", details,
                hint="The names are the prefix followed by attn.hook_q, ... (see the table "
                     "above the exercise); store every one, after its hook ran.")
    for name, value in expected.items():
        ctx.expect(value, got[name], label=f"{what}[{name!r}] (case: {case.label})", case=case)

def _expect_output_and_cache(ctx: Context, fn, case: Case, reference, name: str, first: str,
                             label: str) -> None:
    """Call `fn` on `case`; its (output, cache) pair must match `reference`'s."""
    got = ctx.call(fn, case)
    ctx.require(isinstance(got, tuple) and len(got) == 2,
                f"{name} should return a pair ({first}, cache)",
                [f"got {type(got).__name__}", f"case: {case.label}"])
    out, acts = got
    exp_out, exp_acts = reference(*case.args)
    _expect_acts(ctx, exp_acts, acts, case, "the cache")
    ctx.expect(exp_out, out, label=f"{label} (case: {case.label})", case=case)



def _verify_hooked_attention(fn, ctx: Context) -> None:
    rng = _rng(ctx)
    cases = [
        Case("x (2, 5, 8), 2 heads, prefix 'blocks.0.', no hooks",
             _attn_case(rng, 2, 5, 8, 2, "blocks.0.", {})),
        Case("x (1, 4, 6), 3 heads, prefix 'blocks.3.', each hook only looks (returns None)",
             _attn_case(rng, 1, 4, 6, 3, "blocks.3.",
                        {"blocks.3." + n: keep_hook for n in _ATTN_NAMES})),
        Case("x (2, 5, 8), 2 heads, prefix 'blocks.1.': the pattern replaced by uniform "
             "attention", _attn_case(rng, 2, 5, 8, 2, "blocks.1.",
                                     {"blocks.1.attn.hook_pattern": uniform_pattern_hook})),
        Case("x (2, 4, 8), 2 heads, prefix 'blocks.0.': head 1's z zeroed, k doubled, "
             "the output shifted", _attn_case(rng, 2, 4, 8, 2, "blocks.0.", {
                 "blocks.0.attn.hook_z": zero_head1_hook, "blocks.0.attn.hook_k": double_hook,
                 "blocks.0.hook_attn_out": shift_hook})),
        Case("x (1, 3, 8), 4 heads, prefix 'blocks.0.': q and v replaced (doubled, "
             "shifted)", _attn_case(rng, 1, 3, 8, 4, "blocks.0.", {
                 "blocks.0.attn.hook_q": double_hook, "blocks.0.attn.hook_v": shift_hook})),
    ]
    for case in cases:
        _expect_output_and_cache(ctx, fn, case, _hooked_attention_reference,
                                 "hooked_attention", "output", "the attention output (B, T, D)")


check_hooked_attention = CustomCheck(
    "hooked_attention", _verify_hooked_attention, reference=_hooked_attention_reference,
    hint="q, k and v come from x @ W_qkv + b_qkv split in three; reshape each to (B, T, H, "
         "d_head) before its hook. The pattern (B, H, T, T) is after the causal mask and "
         "softmax; z = pattern @ v is (B, T, H, d_head) at its hook; the output is "
         "z.reshape(B, T, D) @ W_o + b_o. Apply each hook, then use and store what it "
         "returned.")


# -- 1.3 hooked_forward -------------------------------------------------------------------

def _hooked_forward_reference(params, tokens, n_heads, hooks):
    logits, acts = oracles.slow_forward(params, tokens, n_heads, hooks)
    return logits.astype(np.float32), {k: v.astype(np.float32) for k, v in acts.items()}


def _forward_cases(rng) -> list[Case]:
    full = oracles.small_params(rng)
    attn = oracles.small_params(rng, V=9, D=8, n_layers=2, attn_only=True)
    tokens = rng.integers(0, 7, size=(2, 6))
    return [
        Case("a 2-layer GPT (V 7, D 8, 2 heads), tokens (2, 6), no hooks",
             (full, tokens, 2, {})),
        Case("the same GPT: resid_mid of layer 0 doubled, MLP 1's output shifted, the final "
             "LayerNorm's output doubled", (full, tokens, 2, {
                 "blocks.0.hook_resid_mid": double_hook, "blocks.1.hook_mlp_out": shift_hook,
                 "ln_final.hook_normalized": double_hook})),
        Case("an attention-only GPT (no ln2, no MLP; V 9, 4 heads), tokens (1, 7): layer 1's "
             "pattern uniform, the token embedding doubled",
             (attn, rng.integers(0, 9, size=(1, 7)), 4, {
                 "blocks.1.attn.hook_pattern": uniform_pattern_hook,
                 "hook_embed": double_hook})),
        Case("the same GPT: the position embedding, resid_pre of layer 1 and resid_post of "
             "layer 1 shifted", (full, tokens[:1, :5], 2, {
                 "hook_pos_embed": shift_hook, "blocks.1.hook_resid_pre": shift_hook,
                 "blocks.1.hook_resid_post": shift_hook})),
    ]


def _verify_hooked_forward(fn, ctx: Context) -> None:
    for case in _forward_cases(_rng(ctx)):
        _expect_output_and_cache(ctx, fn, case, _hooked_forward_reference,
                                 "hooked_forward", "logits", "the logits (B, T, V)")


check_hooked_forward = CustomCheck(
    "hooked_forward", _verify_hooked_forward, reference=_hooked_forward_reference,
    hint="Walk the model in the order of the table: each named activation goes through "
         "apply_hook, is stored in the cache, and what apply_hook returned is what the rest "
         "of the pass uses. A model with no 'blocks.0.mlp.W_in' has no MLP: skip ln2, the MLP "
         "and hook_mlp_out.")


# -- 1.4 ablate_head and 1.5 patch_activation ----------------------------------------------

def _zero_head(head):
    def hook(z, name):
        z = z.copy()
        z[:, :, head] = 0.0
        return z
    return hook


def _ablate_reference(params, tokens, n_heads, layer, head):
    hooks = {f"blocks.{layer}.attn.hook_z": _zero_head(head)}
    return oracles.slow_forward(params, tokens, n_heads, hooks)[0].astype(np.float32)


def _ablate_cases(rng) -> list[Case]:
    full = oracles.small_params(rng, n_layers=3)
    tokens = rng.integers(0, 7, size=(2, 6))
    return [Case("a 3-layer GPT (2 heads), tokens (2, 6): head 1 of layer 2",
                 (full, tokens, 2, 2, 1)),
            Case("the same GPT, tokens (2, 6): head 0 of layer 0", (full, tokens, 2, 0, 0)),
            Case("an attention-only GPT with 4 heads, tokens (1, 5): head 2 of layer 1",
                 (oracles.small_params(rng, attn_only=True), tokens[:1, :5], 4, 1, 2))]


def _ablate_whole_layer(params, tokens, n_heads, layer, head):
    hooks = {f"blocks.{layer}.hook_attn_out": lambda x, name: np.zeros_like(x)}
    return oracles.slow_forward(params, tokens, n_heads, hooks)[0].astype(np.float32)


def _ablate_wrong_axis(params, tokens, n_heads, layer, head):
    def hook(z, name):
        z = z.copy()
        z[:, head] = 0.0          # a position, not a head
        return z
    hooks = {f"blocks.{layer}.attn.hook_z": hook}
    return oracles.slow_forward(params, tokens, n_heads, hooks)[0].astype(np.float32)


def _verify_ablate(fn, ctx: Context) -> None:
    for case in _ablate_cases(_rng(ctx)):
        got = ctx.call(fn, case)
        ctx.expect(_ablate_reference(*case.args), got, label="the logits with that head "
                   "removed", case=case, fn=fn)


check_ablate_head = CustomCheck(
    "ablate_head", _verify_ablate, reference=_ablate_reference,
    mistakes=[
        Mistake("the whole layer removed",
                "Your logits are those of the model with every head of that layer removed "
                "(hook_attn_out set to zero, which also drops b_o). One head's output is its "
                "slice of z, before W_o mixes the heads.",
                "Hook blocks.{layer}.attn.hook_z and zero z[:, :, head].",
                variant=_ablate_whole_layer),
        Mistake("the wrong axis of z",
                "You zeroed z[:, head], which is a position (z is (B, T, H, d_head)), not a "
                "head.", "The head axis of z is axis 2: z[:, :, head].",
                variant=_ablate_wrong_axis),
    ],
    hint="Write a hook that returns a copy of z with z[:, :, head] = 0, put it at "
         "f'blocks.{layer}.attn.hook_z', and run your hooked_forward; return its logits.")


def _patch_reference(params, clean, corrupt, n_heads, name):
    clean_act = oracles.slow_forward(params, clean, n_heads)[1][name]
    hooks = {name: lambda x, n: clean_act.copy()}
    return oracles.slow_forward(params, corrupt, n_heads, hooks)[0].astype(np.float32)


def _patch_backwards(params, clean, corrupt, n_heads, name):
    corrupt_act = oracles.slow_forward(params, corrupt, n_heads)[1][name]
    hooks = {name: lambda x, n: corrupt_act.copy()}
    return oracles.slow_forward(params, clean, n_heads, hooks)[0].astype(np.float32)


def _patch_cases(rng) -> list[Case]:
    p = oracles.small_params(rng)
    clean = rng.integers(0, 7, size=(2, 6))
    corrupt = clean.copy()
    corrupt[:, 2] = (corrupt[:, 2] + 3) % 7        # one token changed
    ao = oracles.small_params(rng, attn_only=True)
    return [Case("clean and corrupted tokens (2, 6) differing at position 2; patch "
                 "blocks.0.hook_attn_out", (p, clean, corrupt, 2, "blocks.0.hook_attn_out")),
            Case("the same prompts; patch blocks.1.attn.hook_pattern",
                 (p, clean, corrupt, 2, "blocks.1.attn.hook_pattern")),
            Case("an attention-only GPT with 4 heads; patch blocks.1.attn.hook_k",
                 (ao, clean, corrupt, 4, "blocks.1.attn.hook_k"))]


def _verify_patch(fn, ctx: Context) -> None:
    for case in _patch_cases(_rng(ctx)):
        got = ctx.call(fn, case)
        ctx.expect(_patch_reference(*case.args), got,
                   label="the corrupted run's logits with that activation from the clean run",
                   case=case, fn=fn)
    # a property: patching the last residual stream restores the clean logits
    p, clean, corrupt = _patch_cases(_rng(ctx))[0].args[:3]
    case = Case("patch blocks.1.hook_resid_post, the last residual stream",
                (p, clean, corrupt, 2, "blocks.1.hook_resid_post"))
    got = ctx.call(fn, case)
    expected = oracles.slow_forward(p, clean, 2)[0].astype(np.float32)
    ctx.expect(expected, got, label="the logits (patching the last residual stream gives the "
               "clean run's logits back)", case=case, fn=fn)


check_patch_activation = CustomCheck(
    "patch_activation", _verify_patch, reference=_patch_reference,
    mistakes=[Mistake("clean and corrupted swapped",
                      "Your logits are the clean run's with the corrupted activation put in: "
                      "the two prompts swapped.",
                      "Cache `name` on clean_tokens; run corrupted_tokens with a hook that "
                      "returns the cached clean activation.",
                      variant=_patch_backwards)],
    hint="Two passes: hooked_forward on the clean tokens (no hooks) gives the cache; then "
         "hooked_forward on the corrupted tokens with {name: a hook that returns the clean "
         "activation}; return those logits.")
