"""Checks for 06_interpretability/09_steering: a direction from labels, projecting it out,
steering a model along it, the effect on the next-token distribution, and the cost of ablating it.

Oracles: loops over rows and coordinates (difference of means, projection), the textbook
sums for KL divergence and probability mass, and, for the two functions that run a model,
the slow float64 forward pass of ``oracles`` with the intervention written as its own hook
(never the package's fast path autograder.interp.hooked, which the learner's code uses).
Every argument is data (parameter dicts, token arrays, numbers), so the grading judge can
send them.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake
from . import oracles

# -- 9.1 the difference of means ----------------------------------------------------------------


def _diff_of_means(acts, labels):
    acts = np.asarray(acts, dtype=np.float64)
    on = [bool(v) for v in np.asarray(labels).reshape(-1)]
    n_on, n_off = sum(on), len(on) - sum(on)
    if n_on == 0 or n_off == 0:
        raise ValueError("both classes need at least one row")
    D = acts.shape[1]
    out = np.zeros(D)
    for k in range(D):
        out[k] = (math.fsum(acts[i, k] for i in range(len(on)) if on[i]) / n_on
                  - math.fsum(acts[i, k] for i in range(len(on)) if not on[i]) / n_off)
    return out


def _diff_cases(rng):
    acts = rng.normal(size=(9, 4)) + np.array([5.0, -2.0, 0.0, 1.0])
    labels = np.array([1, 0, 0, 1, 0, 0, 0, 1, 0], dtype=bool)
    return [Case("9 rows of 4, 3 labelled True (unbalanced), far from the origin", (acts, labels)),
            Case("6 rows of 3 float32, labels given as 0/1 integers",
                 ((rng.normal(size=(6, 3)) * [1.0, 10.0, 0.1]).astype(np.float32),
                  np.array([0, 1, 1, 0, 1, 0]))),
            Case("5 rows of 2, one row True", (rng.normal(size=(5, 2)),
                                               np.array([False, False, True, False, False])))]


def _reversed(acts, labels):
    return -_diff_of_means(acts, labels)


def _minus_overall(acts, labels):
    acts = np.asarray(acts, dtype=np.float64)
    on = np.asarray(labels).astype(bool)
    return acts[on].mean(0) - acts.mean(0)


def _int_index(acts, labels):
    acts = np.asarray(acts, dtype=np.float64)
    labels = np.asarray(labels)
    if labels.dtype == bool:
        return _diff_of_means(acts, labels)
    return acts[labels].mean(0) - acts[~labels].mean(0)          # ~1 == -2, ~0 == -1


check_diff_of_means = FunctionCheck(
    "diff_of_means", _diff_of_means, _diff_cases, rtol=1e-7, atol=1e-9, dtype="kind",
    hint="Turn labels into booleans (labels.astype(bool)), then take the mean of the rows where "
         "they are True minus the mean of the rows where they are False, over axis 0.",
    mistakes=[
        Mistake("the two means swapped",
                "You returned the mean of the False rows minus the mean of the True rows. The "
                "direction should point from 'off' to 'on', so that adding it pushes towards the "
                "feature.",
                "mean(True rows) - mean(False rows).", variant=_reversed),
        Mistake("minus the overall mean",
                "You subtracted the mean of all rows, not the mean of the False rows. With "
                "unbalanced classes that shrinks the direction by the share of False rows.",
                "Subtract the mean of the rows where the label is False.",
                variant=_minus_overall),
        Mistake("integer labels used as indices",
                "With 0/1 integer labels, acts[labels] picks rows 0 and 1 over and over (and "
                "acts[~labels] rows -1 and -2): integers index rows by number, only booleans "
                "select them.",
                "Convert first: on = labels.astype(bool); then acts[on] and acts[~on].",
                variant=_int_index),
    ])

# -- 9.2 projecting a direction out ---------------------------------------------------------------


def _project_out(x, direction):
    x = np.asarray(x, dtype=np.float64)
    d = np.asarray(direction, dtype=np.float64)
    norm2 = math.fsum(v * v for v in d)
    out = np.empty(x.shape)
    for idx in np.ndindex(*x.shape[:-1]):
        coef = math.fsum(a * b for a, b in zip(x[idx], d, strict=True)) / norm2
        out[idx] = x[idx] - coef * d
    return out


def _project_cases(rng):
    d = np.array([3.0, 0.0, -4.0, 1.0])                      # norm sqrt(26), not a unit vector
    return [Case("x (5, 4), a direction of norm 5.1", (rng.normal(size=(5, 4)) * 3.0, d)),
            Case("x (2, 3, 4) float32 (batch, position, D), a direction of norm 0.01",
                 (rng.normal(size=(2, 3, 4)).astype(np.float32), d / 510.0)),
            Case("x (3, 2) lying along the direction",
                 (np.outer([1.0, -2.0, 0.5], [0.6, 0.8]), np.array([0.6, 0.8]))),
            Case("one vector (6,)", (rng.normal(size=6), rng.normal(size=6)))]


def _unnormalised(x, direction):
    x, d = np.asarray(x, np.float64), np.asarray(direction, np.float64)
    return x - (x @ d)[..., None] * d


def _once_normalised(x, direction):
    x, d = np.asarray(x, np.float64), np.asarray(direction, np.float64)
    return x - (x @ d)[..., None] * d / np.linalg.norm(d)


def _component(x, direction):
    x, d = np.asarray(x, np.float64), np.asarray(direction, np.float64)
    return (x @ d)[..., None] * d / (d @ d)


check_project_out = FunctionCheck(
    "project_out", _project_out, _project_cases, rtol=1e-7, atol=1e-9, dtype="kind",
    hint="With u = direction / |direction|, the answer is x - (x @ u)[..., None] * u: each "
         "vector minus its component along u.",
    mistakes=[
        Mistake("the direction not normalised",
                "You subtracted (x . d) d with the direction as given. That removes the "
                "component along d only when |d| = 1; otherwise it removes |d|^2 times too much "
                "or too little, and the result is not orthogonal to d.",
                "Divide by |d|^2 (or normalise d to a unit vector u first, and use (x . u) u).",
                variant=_unnormalised),
        Mistake("divided by |d| once",
                "You divided (x . d) d by |d|, once. The component of x along d is "
                "(x . d) / |d|^2 times d: one |d| for each of the two places d appears.",
                "Use u = d / |d| in both places: (x . u) u.", variant=_once_normalised),
        Mistake("returned the component, not the rest",
                "You returned the part of x along the direction. Projecting the direction "
                "*out* keeps everything else: x minus that part.",
                "Subtract the component from x.", variant=_component),
    ])

# -- shared: small random GPTs, and the hooks the oracles use ---------------------------------


def _model(rng, V: int = 7, D: int = 8, n_layers: int = 2, context: int = 6):
    return oracles.small_params(rng, V=V, D=D, n_layers=n_layers, context=context)


def _add_at(site: str, vector: np.ndarray, positions: slice = slice(None)):
    def hook(x, name):
        if name == site:
            x = x.copy()
            x[:, positions] += vector
        return x
    return {site: hook}


def _slow_logits(params, n_heads, tokens, hooks=None):
    logits, _ = oracles.slow_forward(params, tokens, n_heads, hooks)
    return logits

# -- 9.3 steering: add alpha * direction to the residual stream -------------------------------


def _steered(params, n_heads, tokens, layer, direction, alpha):
    vec = float(alpha) * np.asarray(direction, np.float64)
    return _slow_logits(params, n_heads, tokens,
                        _add_at(f"blocks.{int(layer)}.hook_resid_post", vec))


def _steer_cases(rng):
    p2 = _model(rng)
    p3 = _model(rng, V=9, D=8, n_layers=3, context=7)
    d8 = rng.normal(size=8)
    return [Case("2 layers x 2 heads, layer 0, alpha 3, tokens (2, 5)",
                 (p2, 2, rng.integers(0, 7, size=(2, 5)), 0, d8, 3.0)),
            Case("2 layers x 2 heads, the last layer (1), alpha -2",
                 (p2, 2, rng.integers(0, 7, size=(3, 4)), 1, d8, -2.0)),
            Case("3 layers x 4 heads, layer 1, alpha 1.5, one prompt of 7",
                 (p3, 4, rng.integers(0, 9, size=(1, 7)), 1, rng.normal(size=8) * 2.0, 1.5)),
            Case("3 layers x 4 heads, alpha 0 (no change)",
                 (p3, 4, rng.integers(0, 9, size=(2, 3)), 2, d8, 0.0))]


def _steer_pre(params, n_heads, tokens, layer, direction, alpha):
    vec = float(alpha) * np.asarray(direction, np.float64)
    return _slow_logits(params, n_heads, tokens,
                        _add_at(f"blocks.{int(layer)}.hook_resid_pre", vec))


def _steer_last(params, n_heads, tokens, layer, direction, alpha):
    vec = float(alpha) * np.asarray(direction, np.float64)
    return _slow_logits(params, n_heads, tokens,
                        _add_at(f"blocks.{int(layer)}.hook_resid_post", vec, slice(-1, None)))


def _steer_unit(params, n_heads, tokens, layer, direction, alpha):
    d = np.asarray(direction, np.float64)
    return _steered(params, n_heads, tokens, layer, d / np.linalg.norm(d), alpha)


check_steered_logits = FunctionCheck(
    "steered_logits", _steered, _steer_cases, rtol=1e-4, atol=1e-4, dtype=None,
    hint="config = config_for(params, n_heads); a hook for 'blocks.{layer}.hook_resid_post' "
         "that returns x + alpha * direction (x is (B, T, D), the direction (D,) broadcasts over "
         "every position); then run_with_hooks(params, config, tokens, {name: hook}).",
    mistakes=[
        Mistake("added before the block, not after it",
                "You added the vector at blocks.{layer}.hook_resid_pre, the residual stream "
                "*entering* the block. The exercise adds it after the block, at "
                "hook_resid_post, where the direction was measured.",
                "Use the hook name f'blocks.{layer}.hook_resid_post'.", variant=_steer_pre),
        Mistake("only at the last position",
                "You added the vector at the last position only. Activation addition here adds "
                "it at every position, so every later token's computation sees it.",
                "Add alpha * direction to x[:, :, :] (all of x), not x[:, -1].",
                variant=_steer_last),
        Mistake("the direction normalised",
                "You scaled the direction to length 1 before adding it. The exercise adds "
                "alpha times the direction as given (its length is part of the dose: alpha = 1 "
                "moves an activation by one whole difference of means).",
                "Add alpha * direction without dividing by its norm.", variant=_steer_unit),
    ])

# -- 9.4 the effect on the next-token distribution --------------------------------------------


def _log_softmax_row(z):
    m = max(float(v) for v in z)
    lse = m + math.log(math.fsum(math.exp(float(v) - m) for v in z))
    return [float(v) - lse for v in z]


def _effect(base_logits, steered_logits, token_mask):
    base = np.asarray(base_logits, np.float64)
    steer = np.asarray(steered_logits, np.float64)
    mask = [bool(v) for v in np.asarray(token_mask).reshape(-1)]
    kls, masses = [], []
    for idx in np.ndindex(*base.shape[:-1]):
        lp, lq = _log_softmax_row(base[idx]), _log_softmax_row(steer[idx])
        kls.append(math.fsum(math.exp(a) * (a - b) for a, b in zip(lp, lq, strict=True)))
        masses.append(math.fsum(math.exp(b) for b, on in zip(lq, mask, strict=True) if on))
    return math.fsum(kls) / len(kls), math.fsum(masses) / len(masses)


def _effect_cases(rng):
    mask7 = np.array([0, 1, 0, 0, 1, 0, 0], dtype=bool)
    b = rng.normal(size=(2, 3, 7)) * 2.0
    return [Case("logits (2, 3, 7), tokens 1 and 4 in the set",
                 (b, b + rng.normal(size=(2, 3, 7)), mask7)),
            Case("logits (4, 5), large (around 1000): must stay finite",
                 (rng.normal(size=(4, 5)) * 1000.0, rng.normal(size=(4, 5)) * 1000.0,
                  np.array([1, 0, 0, 0, 1], dtype=bool))),
            Case("float32 logits (3, 6), a shift along one token",
                 ((rng.normal(size=(3, 6)) * 3).astype(np.float32),
                  (rng.normal(size=(3, 6)) * 3).astype(np.float32) + np.float32(2.0)
                  * np.eye(6, dtype=np.float32)[2], np.eye(6, dtype=bool)[2])),
            Case("one position (5,), identical logits: KL 0",
                 (np.array([1.0, 2.0, 0.5, -1.0, 0.0]), np.array([1.0, 2.0, 0.5, -1.0, 0.0]),
                  np.array([0, 0, 1, 1, 0], dtype=bool)))]


def _kl_reversed(base_logits, steered_logits, token_mask):
    kl, mass = _effect(steered_logits, base_logits, token_mask)
    return kl, _effect(base_logits, steered_logits, token_mask)[1]


def _mass_of_base(base_logits, steered_logits, token_mask):
    return _effect(base_logits, steered_logits, token_mask)[0], \
        _effect(steered_logits, base_logits, token_mask)[1]


def _kl_summed(base_logits, steered_logits, token_mask):
    kl, mass = _effect(base_logits, steered_logits, token_mask)
    n = int(np.prod(np.shape(base_logits)[:-1]))
    return kl * n, mass


check_steering_effect = FunctionCheck(
    "steering_effect", _effect, _effect_cases, rtol=1e-6, atol=1e-9, dtype=None,
    hint="Log-softmax both logits over the last axis (subtract the max first); "
         "KL(p || q) = sum p * (log p - log q) with p the unsteered distribution; the mass is the "
         "steered probabilities summed over the tokens where token_mask is True; average both "
         "over every position.",
    mistakes=[
        Mistake("KL the other way round",
                "You computed KL(steered || unsteered). KL is not symmetric; the exercise asks "
                "for KL(unsteered || steered): the expectation, under the model's own "
                "predictions, of how much less likely the steered model finds them.",
                "p = softmax(base_logits) weights the sum: sum p * (log p - log q).",
                variant=_kl_reversed),
        Mistake("the mass of the unsteered model",
                "Your probability mass comes from the unsteered logits. The question is how "
                "much probability the *steered* model puts on the token set.",
                "Sum softmax(steered_logits) over the tokens in the set.",
                variant=_mass_of_base),
        Mistake("KL summed over positions",
                "You summed the KL divergence over positions instead of averaging it: the "
                "number then grows with the amount of text.",
                "Take the mean over every position, as for the mass.", variant=_kl_summed),
    ])

# -- 9.5 the cost of ablating a direction ------------------------------------------------------


def _next_token_loss(logits, tokens):
    total, n = [], 0
    B, T = np.shape(tokens)
    for b in range(B):
        for t in range(T - 1):
            lp = _log_softmax_row(logits[b, t])
            total.append(-lp[int(tokens[b, t + 1])])
            n += 1
    return math.fsum(total) / n


def _project_hook(site: str, direction: np.ndarray):
    d = np.asarray(direction, np.float64)
    u = d / math.sqrt(math.fsum(v * v for v in d))

    def hook(x, name):
        return x - np.einsum("...d,d->...", x, u)[..., None] * u
    return {site: hook}


def _ablation_cost(params, n_heads, tokens, layer, direction):
    clean = _next_token_loss(_slow_logits(params, n_heads, tokens), tokens)
    hooks = _project_hook(f"blocks.{int(layer)}.hook_resid_post", direction)
    return clean, _next_token_loss(_slow_logits(params, n_heads, tokens, hooks), tokens)


def _cost_cases(rng):
    p2 = _model(rng)
    p3 = _model(rng, V=9, D=8, n_layers=3, context=7)
    return [Case("2 layers x 2 heads, layer 0, tokens (2, 6), a direction of norm about 3",
                 (p2, 2, rng.integers(0, 7, size=(2, 6)), 0, rng.normal(size=8))),
            Case("3 layers x 4 heads, layer 2, tokens (3, 5)",
                 (p3, 4, rng.integers(0, 9, size=(3, 5)), 2, rng.normal(size=8) * 0.1)),
            Case("2 layers x 2 heads, layer 1, one prompt of 4",
                 (p2, 2, rng.integers(0, 7, size=(1, 4)), 1, rng.normal(size=8) * 5.0))]


def _cost_pre(params, n_heads, tokens, layer, direction):
    clean = _next_token_loss(_slow_logits(params, n_heads, tokens), tokens)
    hooks = _project_hook(f"blocks.{int(layer)}.hook_resid_pre", direction)
    return clean, _next_token_loss(_slow_logits(params, n_heads, tokens, hooks), tokens)


def _aligned_loss(logits, tokens):
    B, T = np.shape(tokens)
    return math.fsum(-_log_softmax_row(logits[b, t])[int(tokens[b, t])]
                     for b in range(B) for t in range(T)) / (B * T)


def _cost_unshifted(params, n_heads, tokens, layer, direction):
    clean = _aligned_loss(_slow_logits(params, n_heads, tokens), tokens)
    hooks = _project_hook(f"blocks.{int(layer)}.hook_resid_post", direction)
    return clean, _aligned_loss(_slow_logits(params, n_heads, tokens, hooks), tokens)


check_ablation_cost = FunctionCheck(
    "ablation_cost", _ablation_cost, _cost_cases, rtol=1e-4, atol=1e-5, dtype=None,
    hint="Run the model twice: once plainly, once with a hook at 'blocks.{layer}.hook_resid_post' "
         "that returns project_out(x, direction). For each, the mean cross-entropy of the logits "
         "at positions 0 .. T-2 against the tokens at 1 .. T-1.",
    mistakes=[
        Mistake("ablated before the block",
                "You projected the direction out at blocks.{layer}.hook_resid_pre, before the "
                "block. It should go where it was measured, after the block (hook_resid_post).",
                "Use the hook name f'blocks.{layer}.hook_resid_post'.", variant=_cost_pre),
        Mistake("targets not shifted",
                "Your loss scores the logits at position t against token t, the token the "
                "model was given. The logits at position t predict the *next* token, t + 1.",
                "Compare logits[:, :-1] with tokens[:, 1:].", variant=_cost_unshifted),
    ])
