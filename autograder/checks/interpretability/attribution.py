"""Checks for 06_interpretability/03_attribution: the logit lens, per-head outputs, and direct
logit attribution through the final LayerNorm with its scale frozen.

Oracles are loops over the definitions, one vector at a time; the residual-stream
identities (the components sum to the final residual; the attributions sum to the logit)
are checked as properties of the learner's own output too.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake

EPS = 1e-5


def _ln_vec(v, g, b):
    v = [float(a) for a in v]
    mu = sum(v) / len(v)
    var = sum((a - mu) ** 2 for a in v) / len(v)
    return np.array([(a - mu) / math.sqrt(var + EPS) for a in v]) * g + b


# -- 3.1 the logit lens -------------------------------------------------------------------

def _logit_lens(resid, g, b, W_U):
    resid = np.asarray(resid, np.float64)
    out = np.zeros(resid.shape[:-1] + (W_U.shape[1],))
    for idx in np.ndindex(*resid.shape[:-1]):
        out[idx] = _ln_vec(resid[idx], g, b) @ W_U
    return out


def _lens_cases(rng):
    D, V = 8, 11
    g = (1 + 0.3 * rng.normal(size=D)).astype(np.float32)
    b = (0.3 * rng.normal(size=D)).astype(np.float32)
    W_U = rng.normal(size=(D, V)).astype(np.float32)
    return [Case("resid (2, 5, 8) with mean far from 0, V 11",
                 ((rng.normal(size=(2, 5, D)) * 3 + 2).astype(np.float32), g, b, W_U)),
            Case("resid (6, 8): one vector per layer", (rng.normal(size=(6, D)).astype(np.float32),
                                                         g, b, W_U)),
            Case("resid (3, 8) of tiny size (std 0.003, variance about 1e-5): LayerNorm's eps "
                 "1e-5 matters here", ((rng.normal(size=(3, D)) * 0.003).astype(np.float32),
                                       g, b, W_U))]


def _lens_no_ln(resid, g, b, W_U):
    return np.asarray(resid, np.float64) @ W_U


def _lens_no_center(resid, g, b, W_U):
    r = np.asarray(resid, np.float64)
    return (r / np.sqrt((r * r).mean(-1, keepdims=True) + EPS) * g + b) @ W_U


check_logit_lens = FunctionCheck(
    "logit_lens", _logit_lens, _lens_cases, dtype=None, rtol=1e-4, atol=1e-4,
    hint="Apply the final LayerNorm to each vector (mean and biased variance over the last "
         "axis, eps 1e-5, then * g + b), then @ W_U.",
    mistakes=[Mistake("no LayerNorm", "You unembedded the residual stream directly. The model "
                      "always applies the final LayerNorm first, and the lens must too, or "
                      "early layers (with other scales and means) read as nonsense.",
                      "layer_norm(resid, g, b) @ W_U.", variant=_lens_no_ln),
              Mistake("no mean subtraction", "You divided by the root mean square without "
                      "subtracting the mean first (that is RMSNorm, not LayerNorm).",
                      "Subtract each vector's mean before dividing.", variant=_lens_no_center)])


# -- 3.2 each head's output -----------------------------------------------------------------

def _head_outputs(z, W_o):
    B, T, H, d = z.shape
    out = np.zeros((B, T, H, W_o.shape[1]))
    for b in range(B):
        for t in range(T):
            for h in range(H):
                out[b, t, h] = np.asarray(z[b, t, h], np.float64) @ W_o[h * d:(h + 1) * d]
    return out


def _head_cases(rng):
    return [Case("z (2, 3, 4, 2), W_o (8, 8)", (rng.normal(size=(2, 3, 4, 2)).astype(np.float32),
                                               rng.normal(size=(8, 8)).astype(np.float32))),
            Case("z (1, 5, 2, 3), W_o (6, 6)", (rng.normal(size=(1, 5, 2, 3)).astype(np.float32),
                                               rng.normal(size=(6, 6)).astype(np.float32)))]


def _head_wrong_slice(z, W_o):
    B, T, H, d = z.shape
    return np.einsum("bthd,de->bthe", z, W_o[:d])


def _head_columns(z, W_o):
    B, T, H, d = z.shape
    D = W_o.shape[0]
    return np.stack([z[:, :, h] @ W_o[:, h * d:(h + 1) * d].T for h in range(H)], axis=2) \
        if D == H * d else None


check_head_outputs = FunctionCheck(
    "head_outputs", _head_outputs, _head_cases, dtype=None, rtol=1e-4, atol=1e-5,
    hint="Head h owns rows h*d_head .. (h+1)*d_head - 1 of W_o: reshape W_o to (H, d_head, D) "
         "and contract z's last axis with it, head by head (np.einsum('bthd,hde->bthe', ...)).",
    mistakes=[Mistake("the first rows for every head",
                      "Every head used W_o[:d_head], the rows of head 0.",
                      "Head h's rows start at h * d_head.", variant=_head_wrong_slice),
              Mistake("columns instead of rows",
                      "You used W_o's columns h*d_head .. (h+1)*d_head - 1 (transposed). z's "
                      "features multiply W_o's rows: merged @ W_o.",
                      "Slice rows: W_o[h * d_head:(h + 1) * d_head].",
                      variant=_head_columns)])


# -- 3.3 direct logit attribution ------------------------------------------------------------

def _dla(components, resid, g, W_U, token):
    components = np.asarray(components, np.float64)
    r = [float(a) for a in resid]
    mu = sum(r) / len(r)
    scale = math.sqrt(sum((a - mu) ** 2 for a in r) / len(r) + EPS)
    direction = np.asarray(g, np.float64) * np.asarray(W_U, np.float64)[:, token]
    out = np.zeros(len(components))
    for c in range(len(components)):
        v = components[c]
        vm = sum(float(a) for a in v) / len(v)
        out[c] = sum((float(v[i]) - vm) / scale * direction[i] for i in range(len(v)))
    return out


def _dla_case(rng, C, D, V, token, size=1.0):
    comps = ((rng.normal(size=(C, D)) * rng.uniform(0.5, 3, size=(C, 1)) + 0.5)
             * size).astype(np.float32)
    g = (1 + 0.3 * rng.normal(size=D)).astype(np.float32)
    W_U = rng.normal(size=(D, V)).astype(np.float32)
    return (comps, comps.sum(0), g, W_U, token)


def _dla_own_scale(components, resid, g, W_U, token):
    c = np.asarray(components, np.float64)
    c = c - c.mean(-1, keepdims=True)
    s = np.sqrt((c * c).mean(-1, keepdims=True) + EPS)
    return (c / s) @ (g * W_U[:, token])


def _dla_no_center(components, resid, g, W_U, token):
    r = np.asarray(resid, np.float64)
    s = np.sqrt(((r - r.mean()) ** 2).mean() + EPS)
    return (np.asarray(components, np.float64) / s) @ (g * W_U[:, token])


def _dla_no_scale(components, resid, g, W_U, token):
    c = np.asarray(components, np.float64)
    return (c - c.mean(-1, keepdims=True)) @ (g * W_U[:, token])


_DLA_MISTAKES = [
    Mistake("each component normalised by itself",
            "You applied LayerNorm to each component on its own. The final LayerNorm divides "
            "the *whole* residual stream by one scale; attribution freezes that scale and "
            "divides every component by it, so the parts add up to the whole.",
            "Compute the scale once from resid, sqrt(var(resid) + 1e-5), and divide every "
            "centred component by it.", variant=_dla_own_scale),
    Mistake("components not centred",
            "You did not subtract each component's mean. LayerNorm subtracts the mean of the "
            "residual stream, which is the sum of the components' means, so each component "
            "must be centred for the parts to add up.",
            "component - component.mean() before dividing by the scale.",
            variant=_dla_no_center),
    Mistake("no scale",
            "You did not divide by the final LayerNorm's scale, sqrt(var(resid) + 1e-5).",
            "Divide each centred component by the scale of the full residual stream.",
            variant=_dla_no_scale),
]


def _verify_dla(fn, ctx: Context) -> None:
    rng = ctx.rng(1000 if ctx.hidden else 0)
    cases = [Case("6 components of D 8 (different sizes and means), V 5, token 3",
                  _dla_case(rng, 6, 8, 5, 3)),
             Case("3 components of D 6, V 9, token 0", _dla_case(rng, 3, 6, 9, 0)),
             Case("4 components of D 8, V 5, token 1, all tiny (the residual's variance is "
                  "about 1e-5, so LayerNorm's eps 1e-5 matters)",
                  _dla_case(rng, 4, 8, 5, 1, size=0.002))]
    for case in cases:
        got = ctx.call(fn, case)
        ctx.expect(_dla(*case.args), got, label="the attributions (C,)", case=case, fn=fn)
        comps, resid, g, W_U, token = case.args
        b = np.zeros_like(g)
        logit = float(_logit_lens(resid, g, b, W_U)[token])
        total = float(np.sum(np.asarray(got, np.float64)))
        ctx.require(abs(total - logit) <= 1e-3 * max(1.0, abs(logit)),
                    "the attributions should sum to the logit (with the LayerNorm's bias 0)",
                    [f"sum of yours {total:.5f}, logit {logit:.5f}", f"case: {case.label}"])


check_direct_logit_attribution = CustomCheck(
    "direct_logit_attribution", _verify_dla, reference=_dla, mistakes=_DLA_MISTAKES,
    rtol=1e-4, atol=1e-5,
    hint="scale = sqrt(var(resid) + 1e-5) (biased variance of the full residual stream); for "
         "each component c: ((c - c.mean()) / scale) @ (g * W_U[:, token]).")
