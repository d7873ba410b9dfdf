"""Checks for 06_interpretability/08_sparse_autoencoders: forward pass, loss, training, recovery.

Oracles: loops over examples and latents (the forward pass, the recovery score, the
sparsity statistics); central differences of a per-example loop for the loss's
gradients; for training, a loop-based analytic gradient driving the package's Adam
step by step, and properties of a longer run on toy data with known features.
"""

from __future__ import annotations

import math

import numpy as np

from autograder.research.superposition import Adam

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake

NAMES = ("W_enc", "b_enc", "W_dec", "b_dec")


def _params(rng, d: int, m: int, unit: bool = True) -> dict[str, np.ndarray]:
    W_dec = rng.normal(size=(m, d))
    if unit:
        W_dec /= np.linalg.norm(W_dec, axis=1, keepdims=True)
    return {"W_enc": rng.normal(size=(d, m)) * 0.7, "b_enc": rng.normal(size=m) * 0.3,
            "W_dec": W_dec, "b_dec": rng.normal(size=d)}


# -- 8.1 the forward pass ---------------------------------------------------------------------


def _forward(x, params):
    """A loop: f_j = ReLU(sum_i (x_i - b_dec_i) W_enc[i, j] + b_enc_j); x_hat = f W_dec + b_dec."""
    x = np.asarray(x, dtype=np.float64)
    W_enc, b_enc = params["W_enc"], params["b_enc"]
    W_dec, b_dec = params["W_dec"], params["b_dec"]
    N, d = x.shape
    m = len(b_enc)
    acts, recon = np.zeros((N, m)), np.zeros((N, d))
    for n in range(N):
        for j in range(m):
            pre = b_enc[j] + math.fsum((x[n, i] - b_dec[i]) * W_enc[i, j] for i in range(d))
            acts[n, j] = max(pre, 0.0)
        for i in range(d):
            recon[n, i] = b_dec[i] + math.fsum(acts[n, j] * W_dec[j, i] for j in range(m))
    return acts, recon


def _forward_variant(x, params, *, pre_bias=True, relu=True):
    pre = (x - params["b_dec"] if pre_bias else x) @ params["W_enc"] + params["b_enc"]
    f = np.maximum(pre, 0.0) if relu else pre
    return f, f @ params["W_dec"] + params["b_dec"]


def _forward_cases(rng):
    return [Case("5 inputs of 4 dimensions, 7 latents, b_dec not zero",
                 (rng.normal(size=(5, 4)) * 2.0, _params(rng, 4, 7))),
            Case("3 inputs of 6 dimensions, 2 latents",
                 (rng.normal(size=(3, 6)), _params(rng, 6, 2))),
            Case("one input of 3 dimensions, 5 latents",
                 (rng.normal(size=(1, 3)), _params(rng, 3, 5)))]


check_sae_forward = FunctionCheck(
    "sae_forward", _forward, _forward_cases, rtol=1e-9, atol=1e-10,
    hint="acts = ReLU((x - b_dec) @ W_enc + b_enc), shape (N, m); "
         "recon = acts @ W_dec + b_dec, shape (N, d).",
    mistakes=[
        Mistake("no pre-bias",
                "Your encoder reads x, not x - b_dec. The decoder bias is subtracted before "
                "encoding (the 'pre-bias'), so that the encoder and decoder share one origin: "
                "the SAE explains each input as b_dec plus a sparse mix of dictionary rows.",
                "Subtract params['b_dec'] from x before multiplying by W_enc.",
                variant=lambda x, p: _forward_variant(x, p, pre_bias=False)),
        Mistake("no ReLU",
                "Your latent activations include negative values: the ReLU is missing. "
                "Without it the latents are a linear map of the input and cannot be sparse.",
                "Apply np.maximum(..., 0) to the encoder's pre-activations.",
                variant=lambda x, p: _forward_variant(x, p, relu=False)),
    ])

# -- 8.2 the loss and its gradients ---------------------------------------------------------


def _objective(x, p, l1):
    """Mean over examples of |x - x_hat|^2 + l1 * sum(f): a loop through _forward."""
    acts, recon = _forward(x, p)
    total = 0.0
    for n in range(len(x)):
        total += math.fsum((recon[n] - x[n]) ** 2) + l1 * math.fsum(acts[n])
    return total / len(x)


def _loss_grads(x, params, l1):
    p = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    grads = {}
    h = 1e-6
    for k in NAMES:
        g = np.zeros_like(p[k])
        for idx in np.ndindex(p[k].shape):
            old = p[k][idx]
            p[k][idx] = old + h
            up = _objective(x, p, l1)
            p[k][idx] = old - h
            down = _objective(x, p, l1)
            p[k][idx] = old
            g[idx] = (up - down) / (2 * h)
        grads[k] = g
    return _objective(x, p, l1), grads


def _loss_variant(x, p, l1, *, pre_term=True, mean=True, per_dim=False, mask=True, l1_pre=False):
    n = len(x) if mean else 1
    pre = (x - p["b_dec"]) @ p["W_enc"] + p["b_enc"]
    f = np.maximum(pre, 0.0)
    r = f @ p["W_dec"] + p["b_dec"] - x
    scale = x.shape[1] if per_dim else 1
    loss = (r ** 2).sum() / (n * scale) + l1 * f.sum() / n
    d_xhat = 2.0 * r / (n * scale)
    d_f = d_xhat @ p["W_dec"].T + l1 / n
    d_pre = d_f * (pre > 0) if mask else d_f
    b_dec = d_xhat.sum(0) - (d_pre.sum(0) @ p["W_enc"].T if pre_term else 0.0)
    return float(loss), {"W_enc": (x - p["b_dec"]).T @ d_pre, "b_enc": d_pre.sum(0),
                         "W_dec": f.T @ d_xhat, "b_dec": b_dec}


def _loss_cases(rng):
    return [Case("6 inputs of 4 dimensions, 5 latents, l1 = 0.3",
                 (rng.normal(size=(6, 4)) * 1.5, _params(rng, 4, 5), 0.3)),
            Case("4 inputs of 3 dimensions, 6 latents, no L1 (l1 = 0)",
                 (rng.normal(size=(4, 3)), _params(rng, 3, 6), 0.0)),
            Case("one input of 5 dimensions, 3 latents, l1 = 1",
                 (rng.normal(size=(1, 5)), _params(rng, 5, 3), 1.0))]


check_sae_loss = FunctionCheck(
    "sae_loss", _loss_grads, _loss_cases, rtol=1e-5, atol=1e-7,
    reference=lambda x, p, l1: _loss_variant(x, p, l1),
    hint="loss = mean over examples of sum((x_hat - x)**2) + l1 * sum(f). Backwards: "
         "d x_hat = 2 (x_hat - x) / N; d f = d x_hat @ W_dec.T + l1 / N; d pre = d f where "
         "pre > 0, else 0; then W_enc, b_enc, W_dec from these, and b_dec gets two terms: "
         "it is added at the output and subtracted at the input.",
    mistakes=[
        Mistake("b_dec's input term missing",
                "Your gradients are right except for b_dec's, which lacks one term. b_dec "
                "appears twice: added to the reconstruction, and subtracted from x before "
                "the encoder. Its gradient is the sum of the two paths.",
                "Add the encoder path: minus the column sums of d_pre, times W_enc transposed.",
                variant=lambda x, p, l1: _loss_variant(x, p, l1, pre_term=False)),
        Mistake("a sum instead of a mean",
                "Your loss and gradients are N times too large: you summed over the examples "
                "instead of averaging.",
                "Divide by the number of examples (the rows of x).",
                variant=lambda x, p, l1: _loss_variant(x, p, l1, mean=False)),
        Mistake("a mean over dimensions too",
                "Your reconstruction term is divided by the number of dimensions d as well "
                "as by N (np.mean over the whole array). The exercise's reconstruction error "
                "is the squared length of x - x_hat, summed over dimensions, averaged over "
                "examples.",
                "Sum the squared error over dimensions, then average over examples.",
                variant=lambda x, p, l1: _loss_variant(x, p, l1, per_dim=True)),
        Mistake("the ReLU's gradient forgotten",
                "Your gradients flow through latents whose pre-activation is negative. The "
                "ReLU is flat there: a latent that is off contributes no gradient to W_enc, "
                "b_enc or b_dec.",
                "Multiply d f by (pre > 0) before going further back.",
                variant=lambda x, p, l1: _loss_variant(x, p, l1, mask=False)),
    ])

# -- 8.3 training ------------------------------------------------------------------------------


def _loop_grads(x, p, l1):
    """The loss's exact gradients, one example and one latent at a time (active latents only)."""
    N, d = x.shape
    m = len(p["b_enc"])
    g = {k: np.zeros_like(v) for k, v in p.items()}
    for n in range(N):
        centred = x[n] - p["b_dec"]
        pre = centred @ p["W_enc"] + p["b_enc"]
        f = np.maximum(pre, 0.0)
        r = f @ p["W_dec"] + p["b_dec"] - x[n]                   # (d,)
        g["b_dec"] += 2 * r / N
        for j in range(m):
            g["W_dec"][j] += 2 * f[j] * r / N
            if pre[j] > 0:
                dpre = (2 * float(r @ p["W_dec"][j]) + l1) / N
                g["W_enc"][:, j] += dpre * centred
                g["b_enc"][j] += dpre
                g["b_dec"] -= dpre * p["W_enc"][:, j]
    return g


def _init(X, n_latents, seed):
    rng = np.random.default_rng(seed)
    W_dec = rng.normal(size=(n_latents, X.shape[1]))
    W_dec /= np.linalg.norm(W_dec, axis=1, keepdims=True)
    return rng, {"W_enc": W_dec.T.copy(), "b_enc": np.zeros(n_latents), "W_dec": W_dec,
                 "b_dec": X.mean(axis=0)}


def _reference_train(X, n_latents, l1, steps=2000, lr=1e-2, batch=256, seed=0,
                     renormalise=True):
    rng, p = _init(X, n_latents, seed)
    opt = Adam([p[k] for k in NAMES], lr=lr)
    for _ in range(steps):
        xb = X[rng.integers(0, len(X), size=batch)]
        g = _loop_grads(xb, p, l1) if len(xb) <= 16 else _loss_variant(xb, p, l1)[1]
        opt.step([g[k] for k in NAMES])
        if renormalise:
            p["W_dec"] /= np.linalg.norm(p["W_dec"], axis=1, keepdims=True)
    return p


def _mmcs(dictionary, features):
    D = dictionary / np.linalg.norm(dictionary, axis=1, keepdims=True)
    F = features / np.linalg.norm(features, axis=1, keepdims=True)
    return float(np.mean([max(float(d @ f) for d in D) for f in F]))


def _as_params(got, ctx: Context, label: str, shapes: dict[str, tuple[int, ...]]):
    ctx.require(isinstance(got, dict) and set(got) >= set(NAMES),
                f"train_sae should return a dict with keys {', '.join(NAMES)} ({label})",
                [f"got {type(got).__name__}"
                 + (f" with keys {sorted(got)}" if isinstance(got, dict) else "")])
    out = {k: np.asarray(got[k], dtype=np.float64) for k in NAMES}
    wrong = [f"{k}: {out[k].shape}, expected {shapes[k]}" for k in NAMES
             if out[k].shape != shapes[k]]
    ctx.require(not wrong, f"some parameters have the wrong shape ({label})", wrong)
    return out


def _verify_train(fn, ctx: Context) -> None:
    rng = ctx.rng(5 if ctx.hidden else 0)
    X = rng.normal(size=(40, 4)) + 0.5
    shapes = {"W_enc": (4, 6), "b_enc": (6,), "W_dec": (6, 4), "b_dec": (4,)}
    for steps in (0, 3):
        case = Case(f"40 inputs of 4 dimensions, 6 latents, l1 = 0.2, lr = 0.05, batch 8, "
                    f"{steps} steps", (X.copy(), 6, 0.2), {"steps": steps, "lr": 0.05,
                                                           "batch": 8, "seed": 3})
        got = _as_params(ctx.call(fn, case), ctx, case.label, shapes)
        if steps:
            _require_unit_rows(ctx, got, case)
        want = _reference_train(X, 6, 0.2, steps=steps, lr=0.05, batch=8, seed=3)
        what = ("the initial parameters (W_dec: normalised rows of rng.normal, W_enc = W_dec.T, "
                "b_enc = 0, b_dec = the mean input)" if steps == 0 else
                "the parameters after exactly 3 Adam steps, each followed by re-normalising "
                "W_dec's rows")
        ctx.expect(want, got, label=f"{what} ({case.label})", rtol=1e-6, atol=1e-9)
    _verify_recovery(fn, ctx, rng)


def _require_unit_rows(ctx: Context, p: dict[str, np.ndarray], case: Case) -> None:
    norms = np.linalg.norm(p["W_dec"], axis=1)
    ok = bool(np.allclose(norms, 1.0, atol=1e-6))
    ctx.require(ok, f"after training, the rows of W_dec should have norm 1 ({case.label})",
                [f"their norms range from {norms.min():.4f} to {norms.max():.4f}"],
                mistake=None if ok else NOT_RENORMALISED)


def _verify_recovery(fn, ctx: Context, rng) -> None:
    F = rng.normal(size=(8, 5))
    F /= np.linalg.norm(F, axis=1, keepdims=True)
    on = rng.random((2000, 8)) < 0.12
    X = np.where(on, rng.random((2000, 8)), 0.0) @ F
    case = Case("2000 toy inputs: 8 known features in 5 dimensions, each on 12% of the time; "
                "16 latents, l1 = 0.1, 500 steps", (X.copy(), 16, 0.1),
                {"steps": 500, "lr": 0.03, "batch": 128, "seed": 0})
    p = _as_params(ctx.call(fn, case), ctx, case.label,
                   {"W_enc": (5, 16), "b_enc": (16,), "W_dec": (16, 5), "b_dec": (5,)})
    _require_unit_rows(ctx, p, case)
    score = _mmcs(p["W_dec"], F)
    ctx.require(score >= 0.9, f"the trained dictionary should recover the 8 features "
                f"({case.label})", [f"mean max cosine similarity {score:.3f}; at least 0.9 "
                                    "expected (a random dictionary of 16 rows scores about 0.73)"])


def _unnormalised(X, n_latents, l1, steps=2000, lr=1e-2, batch=256, seed=0):
    return _reference_train(X, n_latents, l1, steps, lr, batch, seed, renormalise=False)


NOT_RENORMALISED = Mistake(
    "dictionary not re-normalised",
    "After your Adam steps the rows of W_dec no longer have norm 1. Without re-normalising, "
    "the SAE can shrink its latents and grow its dictionary rows to pay less L1 for the same "
    "reconstruction, and the sparsity penalty stops meaning anything.",
    "After every opt.step, divide each row of W_dec by its norm, in place "
    "(W_dec /= ..., so that Adam keeps updating the same array).",
    example=_unnormalised)

check_train_sae = CustomCheck("train_sae", _verify_train, reference=_reference_train,
                              mistakes=[NOT_RENORMALISED])

# -- 8.4 recovery: mean max cosine similarity --------------------------------------------------


def _mmcs_loop(dictionary, features):
    total = 0.0
    for f in features:
        best = -math.inf
        for d in dictionary:
            cos = math.fsum(f * d) / math.sqrt(math.fsum(f * f) * math.fsum(d * d))
            best = max(best, cos)
        total += best
    return total / len(features)


def _unit(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def _mmcs_cases(rng):
    F = rng.normal(size=(4, 3))
    D = rng.normal(size=(6, 3)) * rng.uniform(0.3, 3.0, size=(6, 1))
    D[0] = -3.0 * F[1]                                           # anti-aligned with feature 1
    F2 = _unit(rng.normal(size=(5, 4)))
    return [Case("a dictionary of 6 rows of several lengths, 4 features of several lengths, "
                 "in 3 dimensions", (D, F * rng.uniform(0.5, 2.0, size=(4, 1)))),
            Case("a dictionary of 3 unit rows, 5 unit features, in 4 dimensions",
                 (_unit(rng.normal(size=(3, 4))), F2)),
            Case("a dictionary that contains the features exactly (score 1)",
                 (np.vstack([F2[::-1], _unit(rng.normal(size=(2, 4)))]), F2))]


check_mmcs = FunctionCheck(
    "mmcs", _mmcs_loop, _mmcs_cases, rtol=1e-9, atol=1e-12,
    hint="Normalise the rows of both arrays, take the (n_features, m) matrix of cosine "
         "similarities, the max over the dictionary for each feature, then the mean.",
    mistakes=[
        Mistake("the max over the wrong axis",
                "You took, for each dictionary row, its best feature, and averaged over the "
                "dictionary. The score asks the other question: is each TRUE feature found "
                "by some dictionary row? Averaging over the dictionary rewards duplicates.",
                "For each feature (row of `features`), the max over the dictionary's rows.",
                variant=lambda D, F: float(np.mean(np.max(_unit(D) @ _unit(F).T, axis=1)))),
        Mistake("dot products, not cosines",
                "You did not normalise the rows, so longer vectors score higher. A cosine "
                "similarity compares directions only.",
                "Divide every row of both arrays by its norm first.",
                variant=lambda D, F: float(np.mean(np.max(F @ D.T, axis=1)))),
        Mistake("absolute cosines",
                "You took |cosine|, so a dictionary row pointing opposite to a feature counts "
                "as finding it. An SAE's latents are non-negative, so a row pointing the other "
                "way can never reconstruct that feature.",
                "Use the signed cosine.",
                variant=lambda D, F: float(np.mean(np.max(np.abs(_unit(F) @ _unit(D).T),
                                                          axis=1)))),
    ])

# -- 8.5 sparsity statistics: L0 and dead latents ---------------------------------------------


def _stats_loop(acts):
    N, m = acts.shape
    active = [sum(1 for j in range(m) if acts[n, j] > 0) for n in range(N)]
    dead = sum(1 for j in range(m) if all(acts[n, j] <= 0 for n in range(N)))
    return sum(active) / N, dead / m


def _stats_cases(rng):
    a = np.maximum(rng.normal(size=(6, 5)) - 0.5, 0.0)
    a[:, 1] = 0.0
    a[:, 3] = 0.0
    a[2, 4] = 3.0
    b = np.maximum(rng.normal(size=(9, 4)) - 1.0, 0.0)
    b[:, 0] = 0.0
    b[4, 0] = 0.01                                               # one small firing: alive
    return [Case("6 examples x 5 latents, 2 of them never active", (a,)),
            Case("9 examples x 4 latents, one latent active once, weakly", (b,)),
            Case("3 examples x 3 latents, all zero", (np.zeros((3, 3)),))]


check_sparsity_stats = FunctionCheck(
    "sparsity_stats", _stats_loop, _stats_cases, rtol=1e-12, atol=1e-12, dtype=None,
    hint="L0: count the latents above 0 in each row, then average over rows. Dead: a latent "
         "(column) that is 0 in every row; report the fraction of columns.",
    mistakes=[
        Mistake("L0 as a fraction",
                "Your L0 is the fraction of all activations that are non-zero, i.e. divided by "
                "the number of latents too. L0 is a count: how many latents fire on an average "
                "input.",
                "Sum (acts > 0) over latents, then average over examples.",
                variant=lambda a: (float((a > 0).mean()), float((a.max(0) <= 0).mean()))),
        Mistake("L1 instead of L0",
                "Your L0 adds up the activations' values (that is the L1 norm). L0 counts "
                "the ones that are not zero, whatever their size.",
                "Count (acts > 0), do not sum acts.",
                variant=lambda a: (float(a.sum(1).mean()), float((a.max(0) <= 0).mean()))),
        Mistake("dead counted per entry",
                "Your dead fraction is the share of all activations that are zero. A latent "
                "is dead when it is zero on EVERY input: one value per latent (column).",
                "Per column: is it zero in every row? Then the fraction of such columns.",
                variant=lambda a: (float((a > 0).sum(1).mean()), float((a <= 0).mean()))),
    ])
