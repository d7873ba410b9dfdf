"""Checks for 03_probability/06_information: entropy, cross-entropy, KL, softmax, sampling.

Oracles are loops with explicit 0 log 0 conventions, math.fsum, and a
log-sum-exp written with Python floats; the sampler is checked statistically
(DKW tolerance, see :mod:`.shared`) against the oracle's next-token distribution.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from . import shared

LN2 = math.log(2.0)

# ---------------------------------------------------------------------------
# Exercises 6.1 - 6.3: entropy, cross-entropy, KL divergence
# ---------------------------------------------------------------------------


def _plogq(p: float, q: float) -> float:
    """p * log(q) with 0 * log(anything) = 0 and p * log(0) = -inf for p > 0."""
    if p == 0.0:
        return 0.0
    return -math.inf if q == 0.0 else p * math.log(q)


def _entropy(p):
    return -math.fsum(_plogq(v, v) for v in p.tolist())


def _cross_entropy(p, q):
    terms = [_plogq(a, b) for a, b in zip(p.tolist(), q.tolist(), strict=True)]
    return math.inf if -math.inf in terms else -math.fsum(terms)


def _kl(p, q):
    terms = [_plogq(a, a) - _plogq(a, b) for a, b in zip(p.tolist(), q.tolist(), strict=True)]
    return math.inf if math.inf in terms else math.fsum(terms)


def _naive_entropy(p):
    return float(-(p * np.log(p)).sum())


def _naive_ce(p, q):
    return float(-(p * np.log(q)).sum())


def _naive_kl(p, q):
    return float((p * np.log(p / q)).sum())


check_entropy = FunctionCheck(
    "entropy", _entropy,
    [Case("a fair coin [0.5, 0.5]", (np.array([0.5, 0.5]),)),
     Case("[0.7, 0.2, 0.1]", (np.array([0.7, 0.2, 0.1]),)),
     Case("uniform over 8 outcomes", (np.full(8, 0.125),)),
     Case("[0.5, 0.25, 0.25, 0] (an impossible outcome)", (np.array([0.5, 0.25, 0.25, 0.0]),))],
    rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("log of zero gives NaN",
                "Your entropy is NaN when some probability is 0. An outcome that never happens "
                "contributes nothing (p log p tends to 0 as p goes to 0), but in floating "
                "point 0 * np.log(0) is 0 * (-inf) = NaN.",
                "Leave out the zero probabilities, e.g. p = p[p > 0], before summing.",
                variant=_naive_entropy),
        Mistake("bits, not nats",
                "Your entropy is in bits (log base 2); this stage uses natural logarithms "
                "(nats), like every deep learning library's losses. 1 bit = ln 2 = 0.693 nats.",
                "Use np.log, not np.log2.",
                variant=lambda p: _entropy(p) / LN2),
        Mistake("forgot the minus sign",
                "Your entropy is negative. log p is negative for p < 1, so -sum(p log p) is "
                "positive; you left out the minus.",
                "H(p) = -sum p log p.",
                variant=lambda p: -_entropy(p)),
    ],
    hint="H(p) = -sum over outcomes with p > 0 of p * log(p).")


def _ce_cases(rng):
    p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
    return [Case("p = [0.7, 0.2, 0.1], q = [0.5, 0.3, 0.2]",
                 (np.array([0.7, 0.2, 0.1]), np.array([0.5, 0.3, 0.2]))),
            Case("two random distributions over 5 outcomes", (p, q)),
            Case("p = [0, 0.6, 0.4], q = [0, 0.5, 0.5] (both rule out the first outcome)",
                 (np.array([0.0, 0.6, 0.4]), np.array([0.0, 0.5, 0.5]))),
            Case("p = [0.5, 0.5, 0], q = [1, 0, 0]: q rules out an outcome p allows (inf)",
                 (np.array([0.5, 0.5, 0.0]), np.array([1.0, 0.0, 0.0])))]


check_cross_entropy = FunctionCheck(
    "cross_entropy", _cross_entropy, _ce_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("arguments swapped",
                "You computed H(q, p) = -sum q log p. Cross-entropy is not symmetric: H(p, q) "
                "averages the surprise -log q over outcomes drawn from p (the data), so p is "
                "the weight and q is inside the log.",
                "-sum p * log(q): p outside, q inside the log.",
                variant=lambda p, q: _cross_entropy(q, p)),
        Mistake("log of zero gives NaN",
                "Your result is NaN when p and q are both 0 for some outcome. An outcome that "
                "never happens under p contributes nothing, but 0 * np.log(0) is 0 * (-inf) = "
                "NaN in floating point.",
                "Only sum over outcomes with p > 0.",
                variant=_naive_ce),
        Mistake("forgot the minus sign",
                "Your cross-entropy is negative; it is -sum p log q, which is >= 0.",
                "Put the minus sign in front.",
                variant=lambda p, q: -_cross_entropy(p, q)),
    ],
    hint="H(p, q) = -sum over outcomes with p > 0 of p * log(q).")


check_kl_divergence = FunctionCheck(
    "kl_divergence", _kl, _ce_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("arguments swapped",
                "You computed KL(q || p). KL divergence is not symmetric: KL(p || q) = sum "
                "p log(p / q) weights by p. Which distribution is first changes the answer, "
                "and, when you minimise it, the behaviour of the fit (see the picture below).",
                "sum p * log(p / q), with p the first argument.",
                variant=lambda p, q: _kl(q, p)),
        Mistake("log of zero gives NaN",
                "Your result is NaN when p has a 0. That outcome contributes 0 to KL(p || q) "
                "(p log(p/q) tends to 0 as p goes to 0), but 0 * np.log(0 / q) is NaN in "
                "floating point.",
                "Only sum over outcomes with p > 0.",
                variant=_naive_kl),
        Mistake("log(q / p) instead of log(p / q)",
                "Your KL divergence is negative: you used log(q / p). KL(p || q) >= 0, with "
                "equality only when p = q.",
                "sum p * log(p / q).",
                variant=lambda p, q: -_kl(p, q)),
    ],
    hint="KL(p || q) = sum over outcomes with p > 0 of p * log(p / q).")

# ---------------------------------------------------------------------------
# Exercises 6.4 - 6.5: log-sum-exp and softmax
# ---------------------------------------------------------------------------


def _lse_row(row: list[float]) -> float:
    m = max(row)
    if m == -math.inf:
        return -math.inf
    return m + math.log(math.fsum(math.exp(v - m) for v in row))


def _logsumexp(x):
    if x.ndim == 1:
        return _lse_row(x.tolist())
    return np.array([_lse_row(r) for r in x.reshape(-1, x.shape[-1]).tolist()]).reshape(
        x.shape[:-1])


def _lse_cases(rng):
    return [Case("x = [1, 2, 3]", (np.array([1.0, 2.0, 3.0]),)),
            Case("a (3, 4) array", (rng.normal(size=(3, 4)),)),
            Case("x = [1000, 1001, 1002] (exp overflows)", (np.array([1000.0, 1001.0, 1002.0]),)),
            Case("rows on very different scales [[1000, 1001], [-1000, -999]]",
                 (np.array([[1000.0, 1001.0], [-1000.0, -999.0]]),)),
            Case("a (2, 2, 3) array; one row spans [-800, 0, 750]",
                 (np.array([[[-800.0, 0.0, 750.0], [0.5, -0.5, 2.0]],
                            [[3.0, 1.0, -2.0], [-1.0, 0.0, 1.0]]]),))]


check_logsumexp = FunctionCheck(
    "logsumexp", _logsumexp, _lse_cases, rtol=1e-9, atol=1e-9,
    mistakes=[
        Mistake("exp overflows",
                "np.exp(1000) is larger than the largest float64 (about 1.8e308), so it "
                "becomes inf and so does your answer. Logits of several hundred are common in "
                "practice.",
                "Subtract the maximum first: m + log(sum(exp(x - m))). The largest term is "
                "then exp(0) = 1 and nothing overflows.",
                variant=lambda x: np.log(np.exp(x).sum(axis=-1))),
        Mistake("the maximum not added back",
                "You subtracted the maximum inside the exponential but did not add it back: "
                "log(sum(exp(x - m))) is logsumexp(x) - m.",
                "Return m + log(sum(exp(x - m))).",
                variant=lambda x: np.log(np.exp(x - x.max(axis=-1, keepdims=True)).sum(axis=-1))),
        Mistake("one maximum for the whole array",
                "You subtracted the maximum of the whole array from every row. A row far below "
                "that maximum then underflows: exp(-2000) is 0 and the log of 0 is -inf. Each "
                "row needs its own maximum.",
                "m = x.max(axis=-1, keepdims=True).",
                variant=lambda x: x.max() + np.log(np.exp(x - x.max()).sum(axis=-1))),
        Mistake("summed over the wrong axis",
                "You reduced over axis 0. The values to combine are along the last axis (one "
                "log-sum-exp per row).",
                "Use axis=-1 for the maximum and the sum.",
                variant=lambda x: x.max(axis=0) + np.log(np.exp(x - x.max(axis=0)).sum(axis=0))),
    ],
    hint="m = max over the last axis (keepdims=True); return m + log(sum(exp(x - m))), "
         "with m squeezed.")


def _softmax(x):
    rows = x.reshape(-1, x.shape[-1]).tolist()
    out = []
    for r in rows:
        lse = _lse_row(r)
        out.append([math.exp(v - lse) for v in r])
    return np.array(out).reshape(x.shape)


def _softmax_cases(rng):
    return [Case("logits [1, 2, 3]", (np.array([1.0, 2.0, 3.0]),)),
            Case("a (3, 5) array, one row of logits per example", (rng.normal(size=(3, 5)),)),
            Case("logits [1000, 1001, 999] (exp overflows)", (np.array([1000.0, 1001.0, 999.0]),)),
            Case("a (4, 4) array", (rng.normal(0.0, 2.0, (4, 4)),)),
            Case("a (2, 2, 3) array with rows on very different scales (around 1000 and "
                 "-1000)", (np.array([[[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0]],
                                      [[0.5, -0.5, 2.0], [-800.0, 0.0, 750.0]]]),))]


check_softmax = FunctionCheck(
    "softmax", _softmax, _softmax_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("softmax overflow",
                "np.exp of a large logit overflows to inf, and inf / inf is NaN. Softmax does "
                "not change if you subtract the same number from every logit, so subtract the "
                "maximum: the largest exponential is then exactly 1.",
                "exp(x - x.max(axis=-1, keepdims=True)), then divide by its sum over the last "
                "axis.",
                variant=lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)),
        Mistake("normalised over the wrong axis",
                "Your columns sum to 1 instead of your rows. Each row holds one example's "
                "logits, so the normalisation runs along the last axis.",
                "Sum over axis=-1 with keepdims=True.",
                variant=lambda x: np.exp(x - x.max(axis=0)) / np.exp(x - x.max(axis=0)).sum(
                    axis=0)),
        Mistake("not normalised",
                "You exponentiated but did not divide by the sum, so the result is not a "
                "probability distribution.",
                "Divide each row by its sum.",
                variant=lambda x: np.exp(x - x.max(axis=-1, keepdims=True))),
    ],
    hint="e = np.exp(x - x.max(axis=-1, keepdims=True)); return e / e.sum(axis=-1, "
         "keepdims=True).")

# ---------------------------------------------------------------------------
# Exercise 6.6: log-softmax
# ---------------------------------------------------------------------------


def _log_softmax(x):
    rows = x.reshape(-1, x.shape[-1]).tolist()
    return np.array([[v - _lse_row(r) for v in r] for r in rows]).reshape(x.shape)


def _stable_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax_cases(rng):
    return [Case("logits [0, -800, 10] (the softmax of -800 underflows to 0)",
                 (np.array([0.0, -800.0, 10.0]),)),
            Case("a (3, 5) array, one row of logits per example", (rng.normal(size=(3, 5)),)),
            Case("logits [1000, 1001, 999] (exp overflows)", (np.array([1000.0, 1001.0, 999.0]),)),
            Case("a masked option: logits [2, -inf, 0.5] (its log-probability is -inf)",
                 (np.array([2.0, -np.inf, 0.5]),)),
            Case("a (2, 2, 3) array with rows on very different scales",
                 (np.array([[[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0]],
                            [[0.5, -0.5, 2.0], [-800.0, 0.0, 750.0]]]),))]


check_log_softmax = FunctionCheck(
    "log_softmax", _log_softmax, _log_softmax_cases, rtol=1e-9, atol=1e-9,
    mistakes=[
        Mistake("the log of the softmax",
                "You took np.log of a softmax. Where a probability is smaller than about "
                "1e-308 the softmax rounds it to 0, and log(0) is -inf, although the true "
                "log-probability (logit minus log-sum-exp) is an ordinary number like -810. "
                "Models train on these log-probabilities, so -inf there breaks the loss.",
                "Never exponentiate and take the log again: return logits - logsumexp(logits) "
                "along the last axis, with keepdims=True.",
                variant=lambda x: np.log(_stable_softmax(x))),
        Mistake("exp overflows",
                "np.exp(1000) is inf, so the log-sum-exp is inf and every log-probability "
                "becomes -inf or NaN.",
                "Compute the log-sum-exp with the maximum trick: m + log(sum(exp(x - m))).",
                variant=lambda x: x - np.log(np.exp(x).sum(axis=-1, keepdims=True))),
        Mistake("the maximum instead of the log-sum-exp",
                "You subtracted each row's maximum and stopped. That makes the largest logit "
                "0, but the log-probabilities must satisfy sum(exp(row)) = 1: subtract the "
                "whole log-sum-exp, m + log(sum(exp(x - m))).",
                "log_softmax(x) = x - logsumexp(x), not x - max(x).",
                variant=lambda x: x - x.max(axis=-1, keepdims=True)),
        Mistake("normalised over the wrong axis",
                "Your columns are normalised instead of your rows. Each row holds one "
                "example's logits, so the log-sum-exp runs along the last axis.",
                "Use axis=-1 with keepdims=True for the maximum and the sum.",
                variant=lambda x: x - (x.max(axis=0) + np.log(
                    np.exp(x - x.max(axis=0)).sum(axis=0)))),
    ],
    hint="m = x.max(axis=-1, keepdims=True); return x - (m + np.log(np.exp(x - m).sum(axis=-1, "
         "keepdims=True))).")

# ---------------------------------------------------------------------------
# Exercise 6.6: the next-token distribution with temperature and top-k
# ---------------------------------------------------------------------------


def _top_k_mask(logits: list[float], top_k) -> list[bool]:
    """True for the top_k largest logits (all True when top_k is None)."""
    if top_k is None or top_k >= len(logits):
        return [True] * len(logits)
    order = sorted(range(len(logits)), key=lambda i: -logits[i])
    keep = set(order[:top_k])
    return [i in keep for i in range(len(logits))]


def _next_token_distribution(logits, temperature, top_k=None):
    values = logits.tolist()
    keep = _top_k_mask(values, top_k)
    if temperature == 0:
        best = max((v, -i) for i, v in enumerate(values) if keep[i])
        return np.array([1.0 if i == -best[1] else 0.0 for i in range(len(values))])
    scaled = [v / temperature if k else -math.inf for v, k in zip(values, keep, strict=True)]
    lse = _lse_row(scaled)
    return np.array([math.exp(s - lse) if k else 0.0 for s, k in zip(scaled, keep, strict=True)])


def _softmax_np(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def _masked(logits, top_k, fill=-np.inf, extra=0, smallest=False):
    if top_k is None:
        return logits.copy()
    order = np.argsort(logits if smallest else -logits)
    out = np.full_like(logits, fill)
    kept = order[:top_k + extra]
    out[kept] = logits[kept]
    return out


def _temperature_after_softmax(logits, t, top_k=None):
    p = _softmax_np(_masked(logits, top_k))
    return p / t


def _ntd_variant(transform):
    def variant(logits, t, top_k=None):
        if t == 0:
            return _next_token_distribution(logits, t, top_k)
        return transform(logits, t, top_k)
    return variant


def _after_softmax_detect(expected, got, case) -> bool | None:
    logits, t = case.args[0], case.args[1]
    top_k = case.args[2] if len(case.args) > 2 else case.kwargs.get("top_k")
    if t in (0, 1):
        return None  # T = 1 changes nothing and T = 0 is greedy: no evidence either way
    if not isinstance(got, np.ndarray) or got.shape != expected.shape:
        return False
    p = _softmax_np(_masked(logits, top_k))
    return bool(np.allclose(got, p / t, rtol=1e-6) or np.allclose(got, p, rtol=1e-6))


def _ntd_cases(rng):
    logits = np.array([2.0, 1.0, 0.5, -1.0, 3.0])
    return [Case("logits [2, 1, 0.5, -1, 3], temperature 0.5, top_k 3", (logits, 0.5, 3)),
            Case("the same logits, temperature 2, no top-k", (logits, 2.0, None)),
            Case("6 random logits, temperature 1, top_k 2", (rng.normal(0.0, 2.0, 6), 1.0, 2)),
            Case("the same logits, temperature 0 (greedy)", (logits, 0.0, None))]


check_next_token_distribution = FunctionCheck(
    "next_token_distribution", _next_token_distribution, _ntd_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("temperature applied after softmax",
                "You divided the *probabilities* by the temperature. That either does nothing "
                "(after renormalising, every probability is scaled by the same factor) or "
                "leaves numbers that do not sum to 1. Temperature works on the logits: "
                "softmax(logits / T) raises each probability to the power 1/T before "
                "renormalising, which sharpens (T < 1) or flattens (T > 1) the distribution.",
                "Divide the logits by the temperature, then take the softmax.",
                detect=_after_softmax_detect, example=_ntd_variant(_temperature_after_softmax)),
        Mistake("multiplied by the temperature",
                "You multiplied the logits by the temperature. Dividing is the convention: a "
                "high temperature makes the distribution flatter (more random), a low one "
                "sharper.",
                "softmax(logits / temperature).",
                variant=_ntd_variant(lambda z, t, k: _softmax_np(_masked(z, k) * t))),
        Mistake("top-k kept the smallest",
                "You kept the k *smallest* logits. Top-k sampling keeps the k most likely "
                "tokens.",
                "np.argsort(logits)[-top_k:] gives the indices of the k largest.",
                variant=_ntd_variant(
                    lambda z, t, k: _softmax_np(_masked(z, k, smallest=True) / t))),
        Mistake("removed logits set to 0, not -inf",
                "You set the logits outside the top k to 0. exp(0) = 1, so those tokens keep "
                "a real probability. A removed token needs logit -inf (probability exactly 0).",
                "Set the other logits to -np.inf before the softmax.",
                variant=_ntd_variant(lambda z, t, k: _softmax_np(_masked(z, k, fill=0.0) / t))),
        Mistake("top-k off by one",
                "You kept k + 1 tokens.",
                "Keep exactly top_k tokens: the indices np.argsort(logits)[-top_k:].",
                variant=_ntd_variant(lambda z, t, k: _softmax_np(_masked(z, k, extra=1) / t))),
        Mistake("zeroed without renormalising",
                "You set the probabilities outside the top k to 0 after the softmax but did not "
                "renormalise, so the kept probabilities sum to less than 1.",
                "Mask the logits before the softmax, or divide by the new sum.",
                variant=_ntd_variant(lambda z, t, k: np.where(
                    _masked(z, k) > -np.inf, _softmax_np(z / t), 0.0))),
    ],
    hint="Keep the top_k largest logits (others -inf); if temperature is 0 return a one-hot "
         "at the argmax; else softmax(logits / temperature).")

# ---------------------------------------------------------------------------
# Exercise 6.7: sampling next tokens
# ---------------------------------------------------------------------------

SAMPLE_LOGITS = np.array([2.0, 1.0, 0.5, -1.0, 3.0, 0.0])
SAMPLE_T, SAMPLE_K, SAMPLE_N = 0.5, 4, 20_000


def _sample_reference(logits, temperature, top_k, n, rng):
    p = _next_token_distribution(logits, temperature, top_k)
    return rng.choice(len(logits), size=n, p=p)


SAMPLE_RNG_MISTAKES = shared.rng_mistakes(
    unseeded=lambda z, t, k, n, rng: _sample_reference(z, t, k, n, np.random.default_rng()),
    seed_ignored=lambda z, t, k, n, rng: _sample_reference(z, t, k, n, np.random.default_rng(0)),
    global_state=lambda z, t, k, n, rng: np.random.choice(
        len(z), size=n, p=_next_token_distribution(z, t, k)))
SAMPLE_GREEDY = Mistake(
    "always the most likely token",
    "Every sample is the same token, the one with the largest logit: that is greedy decoding "
    "(temperature 0), not sampling. At temperature > 0 each token must come up with its "
    "probability.",
    "Draw from the distribution: rng.choice(K, size=n, p=probs).",
    example=lambda z, t, k, n, rng: np.full(n, int(np.argmax(z))))
SAMPLE_NO_TEMPERATURE = Mistake(
    "temperature ignored",
    "Your samples follow the distribution at temperature 1, whatever temperature was asked "
    "for.",
    "Build the distribution with next_token_distribution(logits, temperature, top_k).",
    example=lambda z, t, k, n, rng: _sample_reference(z, 1.0, k, n, rng))
SAMPLE_OUTSIDE_TOP_K = Mistake(
    "sampled outside the top k",
    "Some of your samples are tokens outside the top k, which must have probability 0.",
    "Sample from the top-k distribution (probability exactly 0 outside it).",
    example=lambda z, t, k, n, rng: _sample_reference(z, t, None, n, rng))


def _verify_sample_next_tokens(fn, ctx: Context) -> None:
    cases = ctx.cases or [Case(f"logits {SAMPLE_LOGITS.tolist()}, temperature {SAMPLE_T}, "
                               f"top_k {SAMPLE_K}, n={SAMPLE_N}",
                               (SAMPLE_LOGITS, SAMPLE_T, SAMPLE_K, SAMPLE_N))]
    for i, case in enumerate(cases):
        logits, t, k, n = case.args
        logits = np.asarray(logits, dtype=float)
        probs = _next_token_distribution(logits, t, k)            # (K,)

        def make(seed, logits=logits, t=t, k=k, n=n, label=case.label):
            return Case(f"{label}, rng=np.random.default_rng({seed})",
                        (logits.copy(), t, k, n, np.random.default_rng(seed)))

        deterministic = float(probs.max()) == 1.0
        if i == 0 and not deterministic:
            # Greedy decoding is deterministic, so the seed checks below would call it
            # "ignores the generator"; name the real mistake first.
            peek = shared.call_quietly(ctx, fn, make(shared.CHECK_SEED))
            greedy = isinstance(peek, np.ndarray) and peek.size == n and bool(
                (peek == int(np.argmax(logits))).all())
            ctx.require(not greedy, "every sample is the most likely token",
                        [f"all {n} samples are token {int(np.argmax(logits))}, whose "
                         f"probability is {probs.max():.3f}"], mistake=SAMPLE_GREEDY)
            out = shared.verify_rng_discipline(ctx, fn, make, SAMPLE_RNG_MISTAKES)
        else:
            out = shared.call_quietly(ctx, fn, make(shared.CHECK_SEED))
        x = shared.as_int_samples(ctx, out, n, len(logits), "sample_next_tokens")
        freq = np.bincount(x, minlength=len(logits)) / n
        outside = (probs == 0) & (freq > 0)
        first = int(np.flatnonzero(outside)[0]) if outside.any() else 0
        ctx.require(not outside.any(), "your sampler drew a token whose probability is 0",
                    [f"token {first} is outside the top {k} but came up "
                     f"{int(round(freq[first] * n))} times in {n} samples"],
                    mistake=SAMPLE_OUTSIDE_TOP_K if k is not None else None)
        # DKW: a correct sampler's CDF over tokens is within eps (0.023 at n = 20000,
        # false-alarm probability 1e-9) of the true one for every seed. Temperature 1
        # instead of 0.5 is off by 0.21 in the default case, nine tolerances.
        eps = shared.dkw_epsilon(n)
        dist = shared.discrete_cdf_distance(x, probs)
        if dist <= eps:
            ctx.passed += 1
            continue
        mistake = None
        if t != 1.0 and shared.discrete_cdf_distance(
                x, _next_token_distribution(logits, 1.0, k)) <= eps:
            mistake = SAMPLE_NO_TEMPERATURE
        shown = ", ".join(f"{f:.3f}" for f in freq)
        ctx.fail("your samples do not follow the next-token distribution",
                 [f"frequencies: [{shown}]",
                  f"expected:    [{', '.join(f'{p:.3f}' for p in probs)}]",
                  f"largest CDF gap {dist:.4f}; a correct sampler stays below {eps:.4f}"],
                 mistake=mistake,
                 hint=None if mistake else "probs = next_token_distribution(logits, "
                 "temperature, top_k); rng.choice(len(logits), size=n, p=probs).")


check_sample_next_tokens = CustomCheck(
    "sample_next_tokens", _verify_sample_next_tokens, reference=_sample_reference,
    hint='probs = next_token_distribution(logits, temperature, top_k); draw n tokens with '
         'rng.choice(len(logits), size=n, p=probs), using only the rng you were given.',
    mistakes=[*SAMPLE_RNG_MISTAKES, SAMPLE_GREEDY, SAMPLE_NO_TEMPERATURE, SAMPLE_OUTSIDE_TOP_K])
