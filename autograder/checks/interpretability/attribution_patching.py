"""Checks for 06_interpretability/10_attribution_patching: the metric's gradient at the final
residual stream, attribution scores per (layer, position) and per head, the linear estimate
against the true patch as the patch is scaled, and integrated gradients along that path.

Oracles: central finite differences and explicit loops. Every model run is the slow float64
forward pass of ``oracles`` (never autograder.interp.metric_grad, which the learner's code
uses); every gradient an oracle needs is a finite difference of that pass. Every argument is
data (arrays, dicts of arrays, ints, strings), so the grading judge can send them.
"""

from __future__ import annotations

import copy
import hashlib

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake
from . import oracles
from .patching import patching_case_args as _model

# -- 10.1 the metric's gradient with respect to the final residual stream ---------------------


def _final_metric(x, g, b, unembed, correct, wrong) -> float:
    """Mean over prompts of the last position's logit difference, one vector at a time."""
    total = 0.0
    for i in range(len(correct)):
        h = oracles._ln_vec(np.asarray(x[i, -1], np.float64), np.asarray(g, np.float64),
                            np.asarray(b, np.float64))
        u = np.asarray(unembed, np.float64)
        total += float(h @ u[:, int(correct[i])] - h @ u[:, int(wrong[i])])
    return total / len(correct)


def _final_resid_grad(x, g, b, unembed, correct, wrong, step: float = 1e-5):
    x = np.asarray(x, np.float64)
    out = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += step
        down[idx] -= step
        out[idx] = (_final_metric(up, g, b, unembed, correct, wrong)
                    - _final_metric(down, g, b, unembed, correct, wrong)) / (2 * step)
    return out


def _grad_cases(rng):
    def case(label, B, T, D, V, scale):
        x = rng.normal(size=(B, T, D)) * scale + rng.normal(size=D)
        g = 1.0 + 0.3 * rng.normal(size=D)
        b = 0.2 * rng.normal(size=D)
        unembed = rng.normal(size=(D, V))
        correct = rng.integers(0, V, size=B)
        wrong = (correct + rng.integers(1, V, size=B)) % V
        return Case(label, (x, g, b, unembed, correct, wrong))
    return [case("x (2, 3, 6), V 5: two prompts of three positions", 2, 3, 6, 5, 1.0),
            case("x (3, 2, 4), V 7, residual vectors of size ~20", 3, 2, 4, 7, 20.0),
            case("x (1, 4, 5), V 6: one prompt", 1, 4, 5, 6, 0.5)]


def _unit(x, g, b, unembed, correct, wrong):
    """(B, D): (unembed[:, correct] - unembed[:, wrong]) * g / B, the last position's push."""
    u = np.asarray(unembed, np.float64)
    return (u[:, correct] - u[:, wrong]).T * np.asarray(g, np.float64) / len(correct)


def _grad_no_layernorm(x, g, b, unembed, correct, wrong):
    out = np.zeros(np.shape(x))
    u = np.asarray(unembed, np.float64)
    out[:, -1] = (u[:, correct] - u[:, wrong]).T / len(correct)
    return out


def _grad_scale_only(x, g, b, unembed, correct, wrong):
    x = np.asarray(x, np.float64)
    last = x[:, -1]
    rstd = 1.0 / np.sqrt(last.var(-1, keepdims=True) + 1e-5)
    out = np.zeros(x.shape)
    out[:, -1] = _unit(x, g, b, unembed, correct, wrong) * rstd
    return out


def _grad_summed(x, g, b, unembed, correct, wrong):
    return _final_resid_grad(x, g, b, unembed, correct, wrong) * len(correct)


check_final_resid_grad = FunctionCheck(
    "final_resid_grad", _final_resid_grad, _grad_cases, dtype=None, rtol=1e-5, atol=1e-7,
    hint="Only the last position reaches the metric, so every other position's gradient is 0. "
         "At the last position: d metric / d LN(x) = (unembed[:, correct] - unembed[:, wrong]) "
         "/ B; times g gives d / d xhat; then LayerNorm's backward, rstd * (dxhat - "
         "mean(dxhat) - xhat * mean(dxhat * xhat)).",
    mistakes=[
        Mistake("LayerNorm left out",
                "Your gradient is the unembedding's direction (unembed[:, correct] - "
                "unembed[:, wrong]) / B, as if the final LayerNorm were not there. The metric "
                "reads LN(x), so the gradient goes through it: times g, then LayerNorm's "
                "backward.",
                "Multiply by g, then apply LayerNorm's backward with xhat and rstd of x.",
                variant=_grad_no_layernorm),
        Mistake("LayerNorm's mean and variance held fixed",
                "You scaled by g / std but left out the terms that come from the mean and the "
                "variance depending on x: LayerNorm's gradient removes the part along the "
                "constant vector and the part along xhat.",
                "dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)).",
                variant=_grad_scale_only),
        Mistake("summed over prompts",
                "Your gradient is B times too large: the metric is the *mean* over prompts, so "
                "each prompt's logit difference enters with weight 1 / B.",
                "Divide by the number of prompts.", variant=_grad_summed)])


# -- 10.2 and 10.3: attribution scores from two caches and the gradients ----------------------


def _layer_names(n_layers: int) -> list[str]:
    return ([f"blocks.{i}.hook_resid_pre" for i in range(n_layers)]
            + [f"blocks.{n_layers - 1}.hook_resid_post"])


def _attribute_residual(clean_acts, corrupt_acts, grads, n_layers):
    names = _layer_names(int(n_layers))
    B, T, D = np.shape(clean_acts[names[0]])
    out = np.zeros((len(names), T))
    for row, name in enumerate(names):
        for t in range(T):
            for b in range(B):
                for d in range(D):
                    out[row, t] += ((float(clean_acts[name][b, t, d])
                                     - float(corrupt_acts[name][b, t, d]))
                                    * float(grads[name][b, t, d]))
    return out


def _caches(rng, n_layers: int, B: int, T: int, H: int, Dh: int):
    """Two caches and gradients with every name of metric_run (random: any values will do)."""
    clean, corrupt, grads = {}, {}, {}
    names = []
    for i in range(n_layers):
        names += [(f"blocks.{i}.hook_resid_pre", (B, T, H * Dh)),
                  (f"blocks.{i}.attn.hook_z", (B, T, H, Dh)),
                  (f"blocks.{i}.hook_attn_out", (B, T, H * Dh))]
    names.append((f"blocks.{n_layers - 1}.hook_resid_post", (B, T, H * Dh)))
    for name, shape in names:
        corrupt[name] = rng.normal(size=shape)
        clean[name] = corrupt[name].copy()
        changed = rng.random(shape[:2]) < 0.5            # some (prompt, position) unchanged
        clean[name][changed] += rng.normal(size=shape)[changed] * 2.0
        grads[name] = rng.normal(size=shape) * 0.5
    return clean, corrupt, grads


def _cache_cases(rng):
    return [Case("2 layers, 3 prompts, 5 positions, 2 heads of size 3",
                 (*_caches(rng, 2, 3, 5, 2, 3), 2)),
            Case("3 layers, 1 prompt, 4 positions, 3 heads of size 2",
                 (*_caches(rng, 3, 1, 4, 3, 2), 3)),
            Case("1 layer, 2 prompts, 3 positions, 4 heads of size 2",
                 (*_caches(rng, 1, 2, 3, 4, 2), 1))]


def _residual_swapped(clean_acts, corrupt_acts, grads, n_layers):
    return _attribute_residual(corrupt_acts, clean_acts, grads, n_layers)


def _residual_mean(clean_acts, corrupt_acts, grads, n_layers):
    B = np.shape(clean_acts["blocks.0.hook_resid_pre"])[0]
    return _attribute_residual(clean_acts, corrupt_acts, grads, n_layers) / B


def _residual_times_clean(clean_acts, corrupt_acts, grads, n_layers):
    zero = {k: np.zeros(np.shape(v)) for k, v in clean_acts.items()}
    return _attribute_residual(clean_acts, zero, grads, n_layers)


_SWAPPED = ("Your scores have the opposite sign: you used corrupt - clean. The patch moves the "
            "corrupted run's activation to the clean one, so the change is clean - corrupt, and "
            "its first-order effect is (clean - corrupt) . gradient.")
_MEAN = ("Your scores are 1/B of the expected ones: you averaged over the prompts. The "
         "gradients are already those of the mean metric (each prompt's carries 1/B), so the "
         "estimate of patching every prompt at once is the sum over prompts.")
_TIMES_CLEAN = ("You multiplied the clean activation by the gradient (\"gradient x input\"). "
                "A patch changes the activation by clean - corrupt; only that difference moves "
                "the metric.")

check_attribute_residual = FunctionCheck(
    "attribute_residual", _attribute_residual, _cache_cases, dtype=None, rtol=1e-7, atol=1e-9,
    hint="For each row name (blocks.{l}.hook_resid_pre for every layer, then "
         "blocks.{L-1}.hook_resid_post): ((clean - corrupt) * grad), summed over the prompts "
         "(axis 0) and the model dimension (axis 2), leaving one number per position.",
    mistakes=[Mistake("clean and corrupted swapped", _SWAPPED, "Use clean - corrupt.",
                      variant=_residual_swapped),
              Mistake("averaged over the prompts", _MEAN, "Sum over axis 0; do not average.",
                      variant=_residual_mean),
              Mistake("the clean activation, not the difference", _TIMES_CLEAN,
                      "Multiply (clean - corrupt) by the gradient.",
                      variant=_residual_times_clean)])


def _attribute_heads(clean_acts, corrupt_acts, grads, n_layers):
    L = int(n_layers)
    B, T, H, Dh = np.shape(clean_acts["blocks.0.attn.hook_z"])
    out = np.zeros((L, H))
    for layer in range(L):
        name = f"blocks.{layer}.attn.hook_z"
        for h in range(H):
            for idx in np.ndindex(B, T, Dh):
                b, t, d = idx
                out[layer, h] += ((float(clean_acts[name][b, t, h, d])
                                   - float(corrupt_acts[name][b, t, h, d]))
                                  * float(grads[name][b, t, h, d]))
    return out


def _heads_swapped(clean_acts, corrupt_acts, grads, n_layers):
    return _attribute_heads(corrupt_acts, clean_acts, grads, n_layers)


def _heads_positions(clean_acts, corrupt_acts, grads, n_layers):
    rows = []
    for layer in range(int(n_layers)):
        name = f"blocks.{layer}.attn.hook_z"
        d = (np.asarray(clean_acts[name]) - np.asarray(corrupt_acts[name])) * grads[name]
        rows.append(d.sum(axis=(0, 2, 3)))
    return np.array(rows)


def _heads_mean(clean_acts, corrupt_acts, grads, n_layers):
    B = np.shape(clean_acts["blocks.0.attn.hook_z"])[0]
    return _attribute_heads(clean_acts, corrupt_acts, grads, n_layers) / B


check_attribute_heads = FunctionCheck(
    "attribute_heads", _attribute_heads, _cache_cases, dtype=None, rtol=1e-7, atol=1e-9,
    hint="For each layer l, with name blocks.{l}.attn.hook_z (B, T, H, d_head): "
         "((clean - corrupt) * grad) summed over prompts, positions and d_head (axes 0, 1 "
         "and 3), leaving one number per head.",
    mistakes=[Mistake("clean and corrupted swapped", _SWAPPED, "Use clean - corrupt.",
                      variant=_heads_swapped),
              Mistake("a position, not a head",
                      "You kept the position axis (axis 1 of z) and summed over the heads: one "
                      "number per position. z is (batch, position, head, d_head).",
                      "Sum over axes (0, 1, 3), keeping axis 2.", variant=_heads_positions),
              Mistake("averaged over the prompts", _MEAN, "Sum over axis 0; do not average.",
                      variant=_heads_mean)])


# -- the oracle's runs ------------------------------------------------------------------------


def _fingerprint(value, digest) -> None:
    """Feed a case's arguments (arrays, dicts, numbers, strings) into a hash."""
    if isinstance(value, np.ndarray):
        digest.update(f"{value.dtype}{value.shape}".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, dict):
        for key in sorted(value):
            digest.update(repr(key).encode())
            _fingerprint(value[key], digest)
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__}{len(value)}".encode())
        for item in value:
            _fingerprint(item, digest)
    else:
        digest.update(repr(value).encode())


def _memo(fn):
    """The oracle's result for inputs it has seen (its slow runs are the check's whole cost;
    a notebook or a benchmark calls the check again and again on the same cases)."""
    seen: dict[str, object] = {}

    def wrapper(*args, **kwargs):
        digest = hashlib.sha256()
        _fingerprint((args, kwargs), digest)
        key = digest.hexdigest()
        if key not in seen:
            if len(seen) > 256:
                seen.clear()
            seen[key] = fn(*args, **kwargs)
        return copy.deepcopy(seen[key])
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _mean_metric(params, n_heads, tokens, correct, wrong, name=None, value=None) -> float:
    hooks = None if name is None else {name: lambda x, n: value}
    logits, _ = oracles.slow_forward(params, tokens, n_heads, hooks)
    total = 0.0
    for b in range(len(correct)):
        total += float(logits[b, -1, int(correct[b])] - logits[b, -1, int(wrong[b])])
    return total / len(correct)


def _slope(params, n_heads, corrupt, correct, wrong, name, point, direction,
           step: float = 1e-4) -> float:
    """The directional derivative of the metric at ``point`` (the activation at ``name``)."""
    up = _mean_metric(params, n_heads, corrupt, correct, wrong, name, point + step * direction)
    down = _mean_metric(params, n_heads, corrupt, correct, wrong, name, point - step * direction)
    return (up - down) / (2 * step)


def _two_runs(params, n_heads, clean, corrupt, name):
    _, c = oracles.slow_forward(params, clean, n_heads)
    _, x = oracles.slow_forward(params, corrupt, n_heads)
    return c[name], x[name]


# -- 10.4 the linear estimate against the true patch, as the patch is scaled ------------------


@_memo
def _linear_vs_true(params, n_heads, clean, corrupt, correct, wrong, name, t, alphas, *,
                    every_position=False, at_clean=False, keep_base=False, unscaled=False):
    c, x = _two_runs(params, n_heads, clean, corrupt, name)
    delta = np.zeros(x.shape)
    if every_position:
        delta = c - x
    else:
        delta[:, int(t)] = c[:, int(t)] - x[:, int(t)]
    base = 0.0 if keep_base else _mean_metric(params, n_heads, corrupt, correct, wrong)
    slope = _slope(params, n_heads, corrupt, correct, wrong, name,
                   x + delta if at_clean else x, delta)
    true = np.array([_mean_metric(params, n_heads, corrupt, correct, wrong, name,
                                  x + float(a) * delta) - base for a in alphas])
    estimate = np.array([slope * (1.0 if unscaled else float(a)) for a in alphas])
    return true, estimate


def _scaled_cases(rng):
    a = _model(rng, 9, 8, 2, 2, 2, 5, [2])
    b = _model(rng, 11, 8, 3, 4, 2, 4, [0, 3])
    return [Case("2 layers x 2 heads, position 2 corrupted; blocks.1.hook_resid_pre at "
                 "position 2, alphas [0, 0.01, 0.25, 1]",
                 a + ("blocks.1.hook_resid_pre", 2, np.array([0.0, 0.01, 0.25, 1.0]))),
            Case("3 layers x 4 heads, positions 0 and 3 corrupted; blocks.0.hook_resid_pre at "
                 "position 3, alphas [0.5, 1, 2]",
                 b + ("blocks.0.hook_resid_pre", 3, np.array([0.5, 1.0, 2.0]))),
            Case("the same 2-layer model; blocks.1.hook_resid_post at the last position 4, "
                 "alphas [0.1, 1]",
                 a + ("blocks.1.hook_resid_post", 4, np.array([0.1, 1.0])))]


def _every_position(*args):
    return _linear_vs_true(*args, every_position=True)


def _at_clean(*args):
    return _linear_vs_true(*args, at_clean=True)


def _keep_base(*args):
    return _linear_vs_true(*args, keep_base=True)


def _unscaled(*args):
    return _linear_vs_true(*args, unscaled=True)


check_linear_vs_true = FunctionCheck(
    "linear_vs_true", _linear_vs_true, _scaled_cases, dtype="exact", rtol=1e-5, atol=1e-6,
    hint="Run clean and corrupted once each (metric_run). delta is zero except at position t, "
         "where it is clean - corrupt of the activation `name`. true[i]: the corrupted run "
         "with patch {name: corrupt_act + alphas[i] * delta}, its metric minus the corrupted "
         "metric. estimate[i]: alphas[i] * sum(delta * grad), the gradient of the corrupted run.",
    mistakes=[
        Mistake("every position patched",
                "You changed the activation at every position by alpha (clean - corrupt), not "
                "only at position t.", "Make delta zero except at [:, t].",
                variant=_every_position),
        Mistake("gradient at the clean point",
                "Your estimate uses the gradient at the patched point (clean at position t), "
                "not at the corrupted run where the expansion starts.",
                "Take the gradient from the unpatched corrupted run.", variant=_at_clean),
        Mistake("the metric, not its change",
                "Your `true` is the patched run's metric itself. The estimate predicts a "
                "*change*, so subtract the corrupted run's metric.",
                "true[i] = patched metric - corrupted metric.", variant=_keep_base),
        Mistake("the estimate not scaled",
                "Your estimate is the same for every alpha. A patch alpha times as large "
                "changes the metric alpha times as much to first order: alpha * (delta . grad).",
                "Multiply by alphas[i].", variant=_unscaled)])


# -- 10.5 integrated gradients along the path from corrupted to clean -------------------------


@_memo
def _integrated(params, n_heads, clean, corrupt, correct, wrong, name, n_steps, *,
                alphas=None, total=False):
    c, x = _two_runs(params, n_heads, clean, corrupt, name)
    n = int(n_steps)
    T = x.shape[1]
    out = np.zeros(T)
    points = [(k + 0.5) / n for k in range(n)] if alphas is None else alphas(n)
    for a in points:
        point = x + a * (c - x)
        for t in range(T):
            direction = np.zeros(x.shape)
            direction[:, t] = c[:, t] - x[:, t]
            if not direction.any():
                continue
            out[t] += _slope(params, n_heads, corrupt, correct, wrong, name, point, direction)
    return out if total else out / len(points)


def _ig_cases(rng):
    a = _model(rng, 9, 8, 2, 2, 2, 4, [1])
    b = _model(rng, 11, 8, 3, 4, 2, 4, [0, 2])
    return [Case("2 layers x 2 heads, position 1 corrupted; blocks.1.hook_resid_pre, 3 steps",
                 a + ("blocks.1.hook_resid_pre", 3)),
            Case("3 layers x 4 heads, positions 0 and 2 corrupted; blocks.1.hook_resid_pre, "
                 "2 steps", b + ("blocks.1.hook_resid_pre", 2)),
            Case("the same 2-layer model; blocks.0.hook_resid_pre, 1 step (attribution "
                 "patching at the midpoint)", a + ("blocks.0.hook_resid_pre", 1)),
            Case("the same 3-layer model; blocks.2.hook_resid_post, 2 steps",
                 b + ("blocks.2.hook_resid_post", 2))]


def _ig_left(*args):
    return _integrated(*args, alphas=lambda n: [k / n for k in range(n)])


def _ig_linspace(*args):
    return _integrated(*args, alphas=lambda n: list(np.linspace(0.0, 1.0, n)))


def _ig_summed(*args):
    return _integrated(*args, total=True)


check_integrated_attribution = FunctionCheck(
    "integrated_attribution", _integrated, _ig_cases, dtype=None, rtol=1e-5, atol=1e-6,
    hint="delta = clean - corrupt of the activation `name` (all positions). For k = 0 .. "
         "n_steps - 1, alpha = (k + 0.5) / n_steps: metric_run the corrupted tokens with patch "
         "{name: corrupt_act + alpha * delta} and keep grads[name]. Average those gradients, "
         "multiply by delta, sum over prompts and the model dimension: one number per position.",
    mistakes=[
        Mistake("left end points",
                "Your alphas are k / n_steps (0, 1/n, ...): the path starts at the corrupted "
                "run itself and never reaches the clean end, so the average leans toward the "
                "corrupted side. The midpoint rule takes (k + 0.5) / n_steps.",
                "alpha = (k + 0.5) / n_steps.", variant=_ig_left),
        Mistake("both end points",
                "Your alphas are np.linspace(0, 1, n_steps), both ends included. The midpoint "
                "rule takes (k + 0.5) / n_steps, the middles of n equal pieces.",
                "alpha = (k + 0.5) / n_steps.", variant=_ig_linspace),
        Mistake("summed, not averaged",
                "Your scores are n_steps times too large: you added up the gradients along the "
                "path. The integral of the gradient over alpha in [0, 1] is their *mean*.",
                "Divide the sum of the gradients by n_steps.", variant=_ig_summed)])

