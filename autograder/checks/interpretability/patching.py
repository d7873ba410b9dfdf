"""Checks for 06_interpretability/04_activation_patching: a metric, a normalised score,
patching the residual stream and each head, and path patching into one head's keys.

Oracles: explicit loops over prompts, layers, positions and heads, each patched run made
by the slow float64 forward pass of ``oracles`` (never the package's fast path
autograder.interp.hooked, which the learner's code uses). Every case is a small random
attention-only model, so the learner's functions see models other than the notebook's.
Every argument is data (parameter dicts, token arrays, ints), so the grading judge can
send them.
"""

from __future__ import annotations

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake
from . import oracles

# -- 4.1 the metric: a logit difference at the last position -------------------------------


def _logit_diff(logits, correct, wrong):
    logits = np.asarray(logits, np.float64)
    out = np.zeros(len(correct))
    for b in range(len(correct)):
        out[b] = logits[b, -1, int(correct[b])] - logits[b, -1, int(wrong[b])]
    return out


def _diff_cases(rng):
    big = (rng.normal(size=(3, 5, 9)) * 4).astype(np.float32)
    return [Case("logits (3, 5, 9) float32, correct [2, 7, 0], wrong [5, 1, 8]",
                 (big, np.array([2, 7, 0]), np.array([5, 1, 8]))),
            Case("logits (1, 4, 6), one prompt", (rng.normal(size=(1, 4, 6)), np.array([3]),
                                                  np.array([1]))),
            Case("logits (4, 2, 5), several prompts with the same tokens",
                 (rng.normal(size=(4, 2, 5)) + 3.0, np.array([1, 1, 4, 0]),
                  np.array([0, 2, 2, 3])))]


def _diff_first(logits, correct, wrong):
    lg = np.asarray(logits, np.float64)[:, 0]
    return lg[np.arange(len(correct)), correct] - lg[np.arange(len(correct)), wrong]


def _diff_table(logits, correct, wrong):
    lg = np.asarray(logits, np.float64)[:, -1]
    return lg[:, correct] - lg[:, wrong]


check_logit_diff = FunctionCheck(
    "logit_diff", _logit_diff, _diff_cases, dtype=None, rtol=1e-6, atol=1e-6,
    hint="Take the last position, logits[:, -1] (B, V); then for each prompt b the entry of "
         "correct[b] minus that of wrong[b]: index with (np.arange(B), correct).",
    mistakes=[
        Mistake("the first position",
                "You read the logits at position 0. The prediction the prompts are about is "
                "the one made at the last position, logits[:, -1].",
                "Use logits[:, -1].", variant=_diff_first),
        Mistake("a (B, B) table",
                "Indexing logits[:, -1][:, correct] takes every prompt's logit for every "
                "prompt's token: a (B, B) table. You want one entry per prompt.",
                "Pair the axes: logits[np.arange(B), -1, correct].", variant=_diff_table)])


# -- 4.2 the normalised patching score ---------------------------------------------------------


def _patching_score(patched, clean, corrupt):
    patched = np.asarray(patched, np.float64)
    out = np.zeros(patched.shape)
    for idx in np.ndindex(*patched.shape):
        out[idx] = (patched[idx] - corrupt) / (clean - corrupt)
    return out


def _score_cases(rng):
    return [Case("patched (3, 4) between corrupt -1.0 and clean 2.5, some outside",
                 (rng.uniform(-2.0, 3.5, size=(3, 4)), 2.5, -1.0)),
            Case("patched (5,), clean 0.4 below corrupt 3.0",
                 (np.array([3.0, 0.4, 1.7, 2.0, -0.9]), 0.4, 3.0)),
            Case("patched (2, 2, 3) float32, clean 6.0, corrupt 0.5",
                 (rng.uniform(0, 6, size=(2, 2, 3)).astype(np.float32), 6.0, 0.5))]


def _score_noising(patched, clean, corrupt):
    return (np.asarray(patched, np.float64) - clean) / (corrupt - clean)


def _score_over_clean(patched, clean, corrupt):
    return (np.asarray(patched, np.float64) - corrupt) / clean


check_patching_score = FunctionCheck(
    "patching_score", _patching_score, _score_cases, dtype="exact", rtol=1e-6, atol=1e-9,
    hint="(patched - corrupt) / (clean - corrupt): 0 where the patch restored nothing, 1 where "
         "it restored the clean run's metric.",
    mistakes=[
        Mistake("0 and 1 swapped",
                "Your score is 1 where the patch changed nothing and 0 where it restored the "
                "clean metric: you measured the distance from clean, (patched - clean) / "
                "(corrupt - clean). That is 1 minus the score asked for.",
                "Measure from the corrupted run: (patched - corrupt) / (clean - corrupt).",
                variant=_score_noising),
        Mistake("divided by the clean metric",
                "You divided by the clean metric alone. The score's unit is the whole gap "
                "between the two runs, clean - corrupt.",
                "Divide by (clean - corrupt).", variant=_score_over_clean)])


# -- the oracle's patched runs -------------------------------------------------------------


def _n_layers(params) -> int:
    return len({k.split(".")[1] for k in params if k.startswith("blocks.")})


def _mean_metric(params, n_heads, tokens, correct, wrong, hooks=None) -> float:
    logits, _ = oracles.slow_forward(params, tokens, n_heads, hooks)
    return float(np.mean(_logit_diff(logits, correct, wrong)))


def _replace_at_position(source: np.ndarray, t: int):
    def hook(x, name):
        out = np.array(x, copy=True)
        for b in range(out.shape[0]):
            out[b, t] = source[b, t]
        return out
    return hook


def _replace_head(source: np.ndarray, h: int):
    def hook(x, name):
        out = np.array(x, copy=True)
        for b in range(out.shape[0]):
            for t in range(out.shape[1]):
                out[b, t, h] = source[b, t, h]
        return out
    return hook


def patching_case_args(rng, V, D, L, H, B, T, spots):
    """(params, n_heads, clean, corrupt, correct, wrong) of a small random attention-only model:
    L layers x H heads, d_model D, vocabulary V, B prompts of T tokens, the positions in
    `spots` corrupted. Queries and keys are scaled up 3x so that attention is sharp and the
    key and query paths matter (notebook 10's cases use it too)."""
    params = oracles.small_params(rng, V=V, D=D, n_layers=L, context=8, attn_only=True)
    for i in range(L):
        params[f"blocks.{i}.attn.W_qkv"][:, :2 * D] *= 3.0
    clean = rng.integers(0, V, size=(B, T))
    corrupt = clean.copy()
    for t in spots:
        corrupt[:, t] = (clean[:, t] + rng.integers(1, V, size=B)) % V
    correct = rng.integers(0, V, size=B)
    wrong = (correct + rng.integers(1, V, size=B)) % V
    return (params, H, clean, corrupt, correct, wrong)


def _model_cases(rng):
    return [Case(label, patching_case_args(rng, *shape)) for label, shape in [
            ("2 layers x 2 heads, D 8, 2 prompts of 5 tokens, position 2 corrupted",
             (9, 8, 2, 2, 2, 5, [2])),
            ("3 layers x 4 heads, D 8, 2 prompts of 4 tokens, positions 0 and 3 corrupted",
             (11, 8, 3, 4, 2, 4, [0, 3]))]]


# -- 4.3 patching the residual stream, layer by layer and position by position ----------------


def _patch_residual(params, n_heads, clean, corrupt, correct, wrong):
    L = _n_layers(params)
    _, acts = oracles.slow_forward(params, clean, n_heads)
    names = [f"blocks.{i}.hook_resid_pre" for i in range(L)] + [f"blocks.{L - 1}.hook_resid_post"]
    T = np.shape(clean)[1]
    out = np.zeros((L + 1, T))
    for row, name in enumerate(names):
        for t in range(T):
            hooks = {name: _replace_at_position(acts[name], t)}
            out[row, t] = _mean_metric(params, n_heads, corrupt, correct, wrong, hooks)
    return out


def _residual_noising(params, n_heads, clean, corrupt, correct, wrong):
    return _patch_residual(params, n_heads, corrupt, clean, correct, wrong)


_NOISING = ("You patched the other way round: activations of the corrupted run into the clean "
            "run (that is 'noising', which asks what is necessary). This exercise asks for "
            "denoising: run the corrupted prompt and put the clean run's activation in.")

check_patch_residual = FunctionCheck(
    "patch_residual", _patch_residual, _model_cases, dtype=None, rtol=1e-4, atol=1e-4,
    hint="Cache the clean run once. For each row's hook name and each position t, run the "
         "corrupted tokens with a hook that copies the activation and puts the clean cache's "
         "[:, t] into it; record the mean logit difference at [row, t].",
    mistakes=[Mistake("clean and corrupted swapped", _NOISING,
                      "Cache the clean tokens; run the corrupted ones with the hook.",
                      variant=_residual_noising)])


# -- 4.4 patching each head's output ----------------------------------------------------------


def _patch_heads(params, n_heads, clean, corrupt, correct, wrong):
    L = _n_layers(params)
    _, acts = oracles.slow_forward(params, clean, n_heads)
    out = np.zeros((L, n_heads))
    for layer in range(L):
        name = f"blocks.{layer}.attn.hook_z"
        for h in range(n_heads):
            hooks = {name: _replace_head(acts[name], h)}
            out[layer, h] = _mean_metric(params, n_heads, corrupt, correct, wrong, hooks)
    return out


def _heads_noising(params, n_heads, clean, corrupt, correct, wrong):
    return _patch_heads(params, n_heads, corrupt, clean, correct, wrong)


def _heads_position_axis(params, n_heads, clean, corrupt, correct, wrong):
    L = _n_layers(params)
    _, acts = oracles.slow_forward(params, clean, n_heads)
    out = np.zeros((L, n_heads))
    for layer in range(L):
        name = f"blocks.{layer}.attn.hook_z"
        for h in range(n_heads):
            out[layer, h] = _mean_metric(params, n_heads, corrupt, correct, wrong,
                                         {name: _replace_at_position(acts[name], h)})
    return out


check_patch_heads = FunctionCheck(
    "patch_heads", _patch_heads, _model_cases, dtype=None, rtol=1e-4, atol=1e-4,
    hint="Cache the clean run's blocks.{layer}.attn.hook_z (B, T, H, d_head). For each layer "
         "and head h, run the corrupted tokens with a hook that copies z and puts the clean "
         "z[:, :, h] into it, at every position; record the mean logit difference.",
    mistakes=[Mistake("clean and corrupted swapped", _NOISING,
                      "Cache the clean tokens; run the corrupted ones with the hook.",
                      variant=_heads_noising),
              Mistake("a position, not a head",
                      "You replaced z[:, h] (position h, every head) instead of z[:, :, h] "
                      "(head h, every position). z is (batch, position, head, d_head).",
                      "Index the third axis: z[:, :, h].", variant=_heads_position_axis)])


# -- 4.5 path patching: one head's output into another head's keys ----------------------------


def _head_out(z: np.ndarray, W_o: np.ndarray, h: int) -> np.ndarray:
    """Head h's contribution to the residual stream: z (B, T, H, Dh) -> (B, T, D)."""
    B, T, _, Dh = z.shape
    out = np.zeros((B, T, W_o.shape[1]))
    for b in range(B):
        for t in range(T):
            out[b, t] = z[b, t, h] @ np.asarray(W_o, np.float64)[h * Dh:(h + 1) * Dh]
    return out


def _head_projection(x: np.ndarray, params, layer: int, h: int, n_heads: int,
                     which: int) -> np.ndarray:
    """LN1 of ``layer`` on x (B, T, D), then head h's query (0) or key (1) projection."""
    p = f"blocks.{layer}."
    D = x.shape[-1]
    Dh = D // n_heads
    cols = slice(which * D + h * Dh, which * D + (h + 1) * Dh)
    W = np.asarray(params[p + "attn.W_qkv"], np.float64)[:, cols]
    bias = np.asarray(params[p + "attn.b_qkv"], np.float64)[cols]
    normed = oracles._ln(x, np.asarray(params[p + "ln1.g"]), np.asarray(params[p + "ln1.b"]))
    out = np.zeros(x.shape[:2] + (Dh,))
    for b in range(x.shape[0]):
        for t in range(x.shape[1]):
            out[b, t] = normed[b, t] @ W + bias
    return out


def _path_patch(params, n_heads, clean, corrupt, correct, wrong, sender, receiver,
                which: int = 1, heads: list[int] | None = None, whole: bool = False) -> float:
    (ls, hs), (lr, hr) = (int(a) for a in sender), (int(a) for a in receiver)
    _, c_acts = oracles.slow_forward(params, clean, n_heads)
    _, x_acts = oracles.slow_forward(params, corrupt, n_heads)
    z = f"blocks.{ls}.attn.hook_z"
    W_o = params[f"blocks.{ls}.attn.W_o"]
    resid = f"blocks.{lr}.hook_resid_pre"
    if whole:
        x = c_acts[resid]
    else:
        x = x_acts[resid] + _head_out(c_acts[z], W_o, hs) - _head_out(x_acts[z], W_o, hs)
    new = {h: _head_projection(x, params, lr, h, n_heads, which) for h in (heads or [hr])}

    def hook(act, name):
        out = np.array(act, copy=True)
        for h, values in new.items():
            out[:, :, h] = values
        return out
    point = f"blocks.{lr}.attn.hook_{'qk'[which]}"
    return _mean_metric(params, n_heads, corrupt, correct, wrong, {point: hook})


def _path_patch_key(params, n_heads, clean, corrupt, correct, wrong, sender, receiver):
    return _path_patch(params, n_heads, clean, corrupt, correct, wrong, sender, receiver)


def _path_cases(rng):
    (a, b) = _model_cases(rng)
    return [Case(a.label + "; sender (0, 1), receiver (1, 0)", a.args + ((0, 1), (1, 0))),
            Case(b.label + "; sender (0, 2), receiver (2, 3): a path that skips layer 1",
                 b.args + ((0, 2), (2, 3))),
            Case(b.label + "; sender (1, 0), receiver (2, 1)", b.args + ((1, 0), (2, 1)))]


def _path_query(params, n_heads, clean, corrupt, correct, wrong, sender, receiver):
    return _path_patch(params, n_heads, clean, corrupt, correct, wrong, sender, receiver, which=0)


def _path_all_heads(params, n_heads, clean, corrupt, correct, wrong, sender, receiver):
    return _path_patch(params, n_heads, clean, corrupt, correct, wrong, sender, receiver,
                       heads=list(range(n_heads)))


def _path_whole_stream(params, n_heads, clean, corrupt, correct, wrong, sender, receiver):
    return _path_patch(params, n_heads, clean, corrupt, correct, wrong, sender, receiver,
                       whole=True)


def _path_activation(params, n_heads, clean, corrupt, correct, wrong, sender, receiver):
    ls, hs = (int(a) for a in sender)
    _, acts = oracles.slow_forward(params, clean, n_heads)
    name = f"blocks.{ls}.attn.hook_z"
    return _mean_metric(params, n_heads, corrupt, correct, wrong,
                        {name: _replace_head(acts[name], hs)})


check_path_patch_key = FunctionCheck(
    "path_patch_key", _path_patch_key, _path_cases, dtype=None, rtol=1e-4, atol=1e-4,
    hint="From both runs' caches: the sender's output z[:, :, hs] @ W_o[hs*d_head:(hs+1)*d_head] "
         "(clean minus corrupted) added to the corrupted blocks.{lr}.hook_resid_pre; LayerNorm "
         "it with the receiver layer's ln1; the receiver head's key columns of W_qkv (and "
         "b_qkv) give new keys. Run the corrupted tokens with a hook on "
         "blocks.{lr}.attn.hook_k that puts them in for head hr only.",
    mistakes=[
        Mistake("queries instead of keys",
                "You sent the patched residual stream into the receiver's queries. K-"
                "composition is about the keys: columns D + hr*d_head .. D + (hr+1)*d_head of "
                "W_qkv, put in at attn.hook_k.",
                "Use the key columns (W_qkv's second block of D) and hook_k.",
                variant=_path_query),
        Mistake("every head's keys",
                "You gave the new keys to every head of the receiver's layer, not only to the "
                "receiver head, so the patch also reached the other heads.",
                "Replace k[:, :, hr] only.", variant=_path_all_heads),
        Mistake("the whole clean residual stream",
                "Your keys come from the clean run's whole residual stream, so every earlier "
                "component's clean output reaches them, not just the sender's. Path patching "
                "changes one path: corrupted resid_pre + (clean - corrupted) sender output.",
                "Start from the corrupted resid_pre and add only the sender's difference.",
                variant=_path_whole_stream),
        Mistake("patched the sender everywhere",
                "You patched the sender head's output itself (activation patching), so every "
                "later component saw it, not only the receiver's keys.",
                "Leave the sender alone; build the receiver's keys from a residual stream in "
                "which only the sender's output is the clean one.",
                variant=_path_activation)])
