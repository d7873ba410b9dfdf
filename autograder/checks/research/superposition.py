"""Checks for 08_research/02_toy_models_of_superposition.

Oracles: explicit loops over instances, examples and features for the forward
pass, the loss and the feature dimensionality; finite differences for the
gradients; the uniform CDF (with the DKW bound) and binomial standard errors for
the data; and, for the training loop, the loss of the best model without
superposition, worked out by hand (see _no_superposition_loss).
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..gradcheck import expect_gradients
from ..spec import Case, Mistake
from . import shared

# ---------------------------------------------------------------------------
# Exercise 2.1: sparse features
# ---------------------------------------------------------------------------

FEAT_SHAPE = (3, 4000, 10)                       # instances, batch, features
FEAT_P = np.array([1.0, 0.3, 0.05])              # probability that a feature is present


def _features_reference(n_instances, batch, n_features, feature_probability, rng):
    # One instance at a time, values drawn before the mask: another correct order.
    out = []
    for p in feature_probability.tolist():
        values = rng.uniform(size=(batch, n_features))
        out.append(np.where(rng.uniform(size=(batch, n_features)) < p, values, 0.0))
    return np.stack(out)


FEAT_RNG_MISTAKES = shared.rng_mistakes(
    unseeded=lambda i, bt, n, p, rng: _features_reference(i, bt, n, p, np.random.default_rng()),
    seed_ignored=lambda i, bt, n, p, rng: _features_reference(i, bt, n, p,
                                                              np.random.default_rng(0)),
    global_state=lambda i, bt, n, p, rng: np.where(
        np.random.rand(i, bt, n) < p[:, None, None], np.random.rand(i, bt, n), 0.0))
FEAT_SPARSITY = Mistake(
    "the probability of being absent",
    "Your features are present about 1 - p of the time: you used feature_probability as the "
    "probability that a feature is zero (the sparsity S), not that it is present.",
    "A feature is present where rng.uniform(...) < feature_probability.",
    example=lambda i, bt, n, p, rng: _features_reference(i, bt, n, 1.0 - p, rng))
FEAT_BINARY = Mistake(
    "present features equal 1",
    "Your present features are all 1. In the paper's setting a present feature has a value "
    "drawn uniformly from [0, 1], so the model must carry its size, not just its presence.",
    "Multiply the mask by rng.uniform(size=...) values.",
    example=lambda i, bt, n, p, rng: (rng.uniform(size=(i, bt, n)) < p[:, None, None])
    .astype(float))


def _verify_features(fn, ctx: Context) -> None:
    cases = ctx.cases or [Case(f"shape {FEAT_SHAPE}, feature_probability {FEAT_P.tolist()}",
                               (*FEAT_SHAPE, FEAT_P))]
    for k, case in enumerate(cases):
        i, bt, n, p = case.args

        def make(seed, args=case.args, label=case.label):
            return Case(f"{label}, rng=np.random.default_rng({seed})",
                        (*args, np.random.default_rng(seed)))

        if k == 0:
            out = shared.verify_rng_discipline(ctx, fn, make, FEAT_RNG_MISTAKES)
        else:
            out = shared.call_quietly(ctx, fn, make(shared.CHECK_SEED))
        x = shared.as_float_array(ctx, out, (i, bt, n), "sparse_features")
        ctx.require(bool(x.min() >= 0.0 and x.max() <= 1.0),
                    "every feature should lie in [0, 1]",
                    [f"got values from {x.min():.3g} to {x.max():.3g}"])
        for inst in range(i):
            present = x[inst] > 0
            rate, target = float(present.mean()), float(p[inst])
            se = math.sqrt(max(target * (1 - target), 1e-4) / present.size)
            tol = shared.TOL_SE * se
            flipped = abs(rate - (1 - target)) <= tol and abs(1 - 2 * target) > 2 * tol
            ctx.require(abs(rate - target) <= tol,
                        f"instance {inst}: features are present in the wrong fraction",
                        [f"present in {rate:.4f} of the entries; feature_probability is "
                         f"{target:g} (+- {tol:.3f})"],
                        mistake=FEAT_SPARSITY if flipped else None)
            values = np.sort(x[inst][present])
            if values.size >= 200:
                eps = math.sqrt(math.log(2.0 / shared.FALSE_ALARM) / (2.0 * values.size))
                m = values.size
                gap = max(float(np.max(np.arange(1, m + 1) / m - values)),
                          float(np.max(values - np.arange(m) / m)))
                ctx.require(gap <= eps,
                            f"instance {inst}: present features are not uniform on [0, 1]",
                            [f"largest gap between their CDF and the uniform CDF: {gap:.3f} "
                             f"(allowed {eps:.3f})"],
                            mistake=FEAT_BINARY if np.allclose(values, 1.0) else None)


check_sparse_features = CustomCheck(
    "sparse_features", _verify_features, reference=_features_reference,
    hint="mask = rng.uniform(size=shape) < feature_probability[:, None, None]; values = "
         "rng.uniform(size=shape); return np.where(mask, values, 0.0).",
    mistakes=[*FEAT_RNG_MISTAKES, FEAT_SPARSITY, FEAT_BINARY])

# ---------------------------------------------------------------------------
# Exercise 2.2: the forward pass
# ---------------------------------------------------------------------------


def _forward_loop(W, b, x):
    n_inst, m, n = W.shape
    out = np.zeros(x.shape)
    for i in range(n_inst):
        for e in range(x.shape[1]):
            h = [sum(W[i, k, j] * x[i, e, j] for j in range(n)) for k in range(m)]
            for j in range(n):
                pre = sum(W[i, k, j] * h[k] for k in range(m)) + b[i, j]
                out[i, e, j] = max(pre, 0.0)
    return out


def _forward_cases(rng):
    W = rng.normal(size=(2, 3, 5))
    b = rng.normal(size=(2, 5)) - 0.3
    x = rng.uniform(size=(2, 4, 5)) * (rng.uniform(size=(2, 4, 5)) < 0.5)
    W1 = rng.normal(size=(1, 2, 4))
    return [Case("2 instances, m=3 hidden, n=5 features, batch 4", (W, b, x)),
            Case("1 instance, m=2, n=4, batch 6, bias -0.2",
                 (W1, np.full((1, 4), -0.2), rng.uniform(size=(1, 6, 4))))]


def _relu(z):
    return np.maximum(z, 0.0)


check_toy_forward = FunctionCheck(
    "toy_forward", _forward_loop, _forward_cases,
    mistakes=[
        Mistake("no ReLU",
                "Your output has negative entries: the ReLU is missing. The ReLU is what lets "
                "the model filter out the small negative interference between features in "
                "superposition.",
                "Apply np.maximum(..., 0) to W^T h + b.",
                variant=lambda W, b, x: np.einsum("imn,ibm->ibn", W,
                                                  np.einsum("imn,ibn->ibm", W, x))
                + b[:, None, :]),
        Mistake("the bias after the ReLU",
                "You added the bias after the ReLU. It belongs inside: a negative bias is the "
                "threshold that cuts off interference before the ReLU.",
                "x' = ReLU(W^T h + b).",
                variant=lambda W, b, x: _relu(np.einsum("imn,ibm->ibn", W,
                                                        np.einsum("imn,ibn->ibm", W, x)))
                + b[:, None, :]),
    ],
    rtol=1e-9, atol=1e-12,
    hint="h = np.einsum('imn,ibn->ibm', W, x); then np.einsum('imn,ibm->ibn', W, h) + "
         "b[:, None, :], through a ReLU.")

# ---------------------------------------------------------------------------
# Exercise 2.3: the loss and its gradients
# ---------------------------------------------------------------------------


def _loss_loop(W, b, x, importance):
    out = _forward_loop(W, b, x)
    n_inst, batch, n = x.shape
    return np.array([sum(importance[j] * (x[i, e, j] - out[i, e, j]) ** 2
                         for e in range(batch) for j in range(n)) / batch
                     for i in range(n_inst)])


def _reference_loss_and_grads(W, b, x, importance):
    # Written as finite differences of the loop oracle: slow but obviously right.
    from ..gradcheck import numerical_gradient

    W, b = W.copy(), b.copy()

    def total():
        return float(_loss_loop(W, b, x, importance).sum())

    return _loss_loop(W, b, x, importance), {"W": numerical_gradient(total, W),
                                              "b": numerical_gradient(total, b)}


def _grad_cases(rng):
    W = rng.normal(size=(2, 2, 4)) * 0.8
    b = rng.normal(size=(2, 4)) * 0.3
    x = rng.uniform(size=(2, 5, 4)) * (rng.uniform(size=(2, 5, 4)) < 0.6)
    return W, b, x, 0.7 ** np.arange(4)


def _decoder_only(W, b, x, importance):
    h = np.einsum("imn,ibn->ibm", W, x)
    pre = np.einsum("imn,ibm->ibn", W, h) + b[:, None, :]
    g = 2 * importance * (_relu(pre) - x) / x.shape[1] * (pre > 0)
    return {"W": np.einsum("ibm,ibn->imn", h, g), "b": g.sum(1)}


GRAD_ENCODER = Mistake(
    "the encoder's share of dW is missing",
    "W is used twice, in h = W x and in W^T h, so its gradient has two terms: one through "
    "the output layer (h^T g) and one through the hidden layer (g W^T, then times x). Your "
    "dW has only the output layer's term.",
    "Add the term that flows back through h: dh = g @ W^T (per instance), then dh^T x.",
    example=lambda W, b, x, imp: (_loss_loop(W, b, x, imp), _decoder_only(W, b, x, imp)))
GRAD_NO_MASK = Mistake(
    "the ReLU's gradient is missing",
    "Your gradients flow through entries where the ReLU was off (pre-activation < 0). There "
    "the output is constant 0, so the gradient must be 0.",
    "Multiply the output gradient by (pre > 0) before going further back.",
    example=lambda W, b, x, imp: (_loss_loop(W, b, x, imp), _no_mask(W, b, x, imp)))


def _no_mask(W, b, x, importance):
    h = np.einsum("imn,ibn->ibm", W, x)
    pre = np.einsum("imn,ibm->ibn", W, h) + b[:, None, :]
    g = 2 * importance * (_relu(pre) - x) / x.shape[1]
    dh = np.einsum("ibn,imn->ibm", g, W)
    return {"W": np.einsum("ibm,ibn->imn", h, g) + np.einsum("ibm,ibn->imn", dh, x),
            "b": g.sum(1)}


def _verify_loss_and_grads(fn, ctx: Context) -> None:
    cases = ctx.cases or [Case("2 instances, m=2, n=4, batch 5, importance 0.7^i",
                               _grad_cases(ctx.rng()))]
    for case in cases:
        W, b, x, importance = case.args
        out = ctx.call(fn, case)
        if not (isinstance(out, tuple) and len(out) == 2):
            ctx.fail("toy_loss_and_grads should return a tuple (loss, grads)",
                     [f"got {type(out).__name__}"])
        loss, grads = out
        ctx.expect(_loss_loop(W, b, x, importance), loss, label="the loss of each instance",
                   case=case, rtol=1e-8, atol=1e-12)
        Wc, bc = W.copy(), b.copy()

        def total(Wc=Wc, bc=bc, x=x, importance=importance):
            return float(_loss_loop(Wc, bc, x, importance).sum())

        expect_gradients(ctx, total, {"W": Wc, "b": bc}, grads,
                         label=f"the gradients of the summed loss ({case.label})",
                         variants=[(GRAD_ENCODER, _decoder_only(W, b, x, importance)),
                                   (GRAD_NO_MASK, _no_mask(W, b, x, importance))])


check_toy_loss_and_grads = CustomCheck(
    "toy_loss_and_grads", _verify_loss_and_grads, reference=_reference_loss_and_grads,
    hint="g = 2 * importance * (out - x) / batch * (pre > 0); db = g summed over the batch; "
         "dW = h^T g plus (g W^T)^T x, per instance.",
    mistakes=[GRAD_ENCODER, GRAD_NO_MASK])

# ---------------------------------------------------------------------------
# Exercise 2.5: dimensions per feature
# ---------------------------------------------------------------------------


def _dimensionality_loop(W, include_self=True):
    n_inst, m, n = W.shape
    out = np.zeros((n_inst, n))
    for i in range(n_inst):
        for f in range(n):
            col = W[i, :, f]
            norm2 = float(sum(c * c for c in col))
            if norm2 == 0.0:
                continue
            unit = col / math.sqrt(norm2)
            share = sum(float(unit @ W[i, :, g]) ** 2 for g in range(n)
                        if include_self or g != f)
            out[i, f] = norm2 / share if share > 0 else 0.0
    return out


def _dim_cases(rng):
    angles = np.arange(5) * 2 * np.pi / 5
    pentagon = np.stack([np.cos(angles), np.sin(angles)])[None]          # (1, 2, 5)
    antipodal = np.array([[[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]]])  # (1, 2, 4)
    with_zero = rng.normal(size=(2, 3, 6))
    with_zero[1, :, 2] = 0.0
    return [Case("random W: 2 instances, m=3, n=6, one feature not represented", (with_zero,)),
            Case("a pentagon: 5 features in 2 dimensions (2/5 each)", (pentagon,)),
            Case("two antipodal pairs in 2 dimensions (1/2 each)", (antipodal,)),
            Case("short vectors: 1 instance, m=2, n=3, norms below 1",
                 (rng.normal(size=(1, 2, 3)) * 0.2,))]


check_feature_dimensionality = FunctionCheck(
    "feature_dimensionality", _dimensionality_loop, _dim_cases,
    mistakes=[
        Mistake("the feature's own term left out",
                "You summed the overlaps over the *other* features only. The sum in the "
                "denominator includes the feature itself (its own overlap is ||W_i||^2), "
                "which is what makes a feature alone in its dimension count as 1.",
                "Sum (W_i_hat . W_j)^2 over every j, i included.",
                variant=lambda W: _dimensionality_loop(W, include_self=False)),
        Mistake("overlaps with W_i, not its unit vector",
                "You used W_i itself instead of its unit vector in the overlaps, so your "
                "numbers scale with 1 / ||W_i||^2 instead of being pure fractions of a "
                "dimension.",
                "Divide W_i by its norm before taking the dot products.",
                variant=lambda W: np.nan_to_num(np.einsum("imn,imn->in", W, W) / (
                    np.einsum("imn,imk->ink", W, W) ** 2).sum(-1), nan=0.0)),
    ],
    rtol=1e-8, atol=1e-10,
    hint="For each instance: norms2 = (W ** 2).sum(0); unit = W / norm; "
         "overlaps = unit.T @ W, shape (n, n); D = norms2 / (overlaps ** 2).sum(1), 0 where "
         "the norm is 0.")

# ---------------------------------------------------------------------------
# Exercise 2.4: the training loop
# ---------------------------------------------------------------------------

TRAIN_IMPORTANCE = 0.8 ** np.arange(6)            # n = 6 features
TRAIN_P = np.array([1.0, 0.05])                   # a dense and a sparse instance
TRAIN_ARGS = (TRAIN_IMPORTANCE, TRAIN_P, 3, 300, 128, 0.01)   # m = 3, steps, batch, lr


def _no_superposition_loss(importance, p, m):
    """The loss of the best model that gives the m most important features a dimension each.

    Those are reconstructed exactly; every other feature can only be replaced by a constant
    (its bias), at best its mean p / 2, costing its variance p / 3 - p^2 / 4 times its
    importance. Dense features (p = 1) cannot do better than this; sparse ones can, by
    superposition.
    """
    rest = np.sort(np.asarray(importance))[::-1][m:]
    return float(rest.sum() * (p / 3 - p * p / 4))


def _train_reference(importance, feature_probability, n_hidden, steps, batch, lr, rng):
    # A correct submission for the tests (the check's oracle is the bound above), written
    # with einsum where the notebook uses matmul.
    from ...research.superposition import Adam, init_weights

    n = len(importance)
    W, b = init_weights(len(feature_probability), n_hidden, n, rng)
    opt = Adam([W, b], lr=lr)
    for _ in range(steps):
        x = np.where(rng.uniform(size=(len(feature_probability), batch, n))
                     < feature_probability[:, None, None],
                     rng.uniform(size=(len(feature_probability), batch, n)), 0.0)
        h = np.einsum("imn,ibn->ibm", W, x)
        pre = np.einsum("imn,ibm->ibn", W, h) + b[:, None, :]
        g = 2 * importance * (np.maximum(pre, 0) - x) / batch * (pre > 0)
        dW = np.einsum("ibm,ibn->imn", h, g) + np.einsum(
            "ibm,ibn->imn", np.einsum("ibn,imn->ibm", g, W), x)
        opt.step([dW, g.sum(1)])
    return W, b


def _held_out_loss(W, b, importance, p, seed):
    rng = np.random.default_rng(seed)
    n = len(importance)
    x = np.where(rng.uniform(size=(len(p), 400, n)) < p[:, None, None],
                 rng.uniform(size=(len(p), 400, n)), 0.0)
    return _loss_loop(W, b, x, importance)


def _verify_train(fn, ctx: Context) -> None:
    cases = ctx.cases or [Case("n=6 features of importance 0.8^i, m=3, feature_probability "
                               "[1.0, 0.05], 300 steps of batch 128, lr 0.01", TRAIN_ARGS)]
    for case in cases:
        importance, p, m, steps, batch, lr = case.args
        out = shared.call_quietly(ctx, fn, Case(
            f"{case.label}, rng=np.random.default_rng({shared.CHECK_SEED})",
            (*case.args, np.random.default_rng(shared.CHECK_SEED))))
        if not (isinstance(out, tuple) and len(out) == 2):
            ctx.fail("train_toy_model should return a tuple (W, b)",
                     [f"got {type(out).__name__}"])
        W, b = out
        n = len(importance)
        shared.as_float_array(ctx, W, (len(p), m, n), "train_toy_model's W")
        shared.as_float_array(ctx, b, (len(p), n), "train_toy_model's b")
        loss = _held_out_loss(W, b, importance, p, shared.OTHER_SEED)
        for i, q in enumerate(p.tolist()):
            bound = _no_superposition_loss(importance, q, m)
            if q >= 0.999:
                ctx.require(loss[i] <= 1.25 * bound,
                            f"instance {i} (dense features) did not learn: its loss is too high",
                            [f"held-out loss {loss[i]:.4f}; the best model without "
                             f"superposition reaches {bound:.4f}, and yours should come "
                             f"within 25% of it"],
                            hint="Check that every step draws a fresh batch, computes the "
                                 "gradients of that batch and calls opt.step with them.")
            else:
                ctx.require(loss[i] <= 0.5 * bound,
                            f"instance {i} (sparse features) found no superposition",
                            [f"held-out loss {loss[i]:.4f}; the best model that keeps only "
                             f"{m} features reaches {bound:.4f}, and superposition should "
                             f"at least halve that"],
                            hint="With sparse features the trained model should beat any "
                                 "model that keeps only m features; if it does not, check "
                                 "the gradient's sign and the learning rate.")


check_train_toy_model = CustomCheck(
    "train_toy_model", _verify_train, reference=_train_reference,
    hint="W, b = init_weights(...); opt = Adam([W, b], lr=lr); then `steps` times: a fresh "
         "batch from sparse_features, the gradients from toy_loss_and_grads, opt.step.")
