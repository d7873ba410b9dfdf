"""Checks for 08_research/04_grokking.

Oracles: set arithmetic over every pair for the split (the union is all p^2 pairs, the
parts are disjoint) and a binomial bound on how the training pairs spread; an
element-by-element loop with `math` for the AdamW step; a backwards scan for the
step from which a curve stays above a threshold; the real and imaginary parts of
NumPy's complex exponentials, each row scaled by its measured norm, for the Fourier
basis; and np.fft.rfft (Parseval) for the share of an embedding in each frequency.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from . import shared

# ---------------------------------------------------------------------------
# Exercise 4.1: predictions recorded before the runs
# ---------------------------------------------------------------------------

CLAIMS = ("test_lags_train_10x", "no_decay_no_grokking", "fourier_before_test")


_verify_predictions = shared.predictions_verifier(CLAIMS, "the training cells")


check_grok_predictions = CustomCheck(
    "predictions", _verify_predictions,
    reference={"test_lags_train_10x": 0.6, "no_decay_no_grokking": 0.7,
               "fourier_before_test": 0.5},
    hint="predictions = {'test_lags_train_10x': 0.6, ...}: one probability per claim.")

# ---------------------------------------------------------------------------
# Exercise 4.2: the dataset and its split
# ---------------------------------------------------------------------------

SPLIT_CASES = ((23, 0.3), (11, 0.5))        # (p, train_fraction): 159 of 529, 60 of 121


def _all_pairs(p: int) -> list[tuple[int, int]]:
    return [(a, b) for a in range(p) for b in range(p)]


def _split_example(p, train_fraction, rng):
    pairs = np.array(_all_pairs(p))
    order = rng.permutation(len(pairs))
    n = round(train_fraction * p * p)
    return pairs[order[:n]], pairs[order[n:]]


SPLIT_RNG_MISTAKES = shared.rng_mistakes(
    unseeded=lambda p, f, rng: _split_example(p, f, np.random.default_rng()),
    seed_ignored=lambda p, f, rng: _split_example(p, f, np.random.default_rng(0)),
    global_state=lambda p, f, rng: _split_example(p, f, np.random.default_rng(
        np.random.randint(2 ** 31))))
SPLIT_LEAK = Mistake(
    "the test split leaks into training",
    "Some pairs are in both parts: the test accuracy then counts answers the model has "
    "memorised, and a memorising model looks as if it generalised. The usual cause is "
    "drawing the training pairs and the test pairs separately (or with replacement).",
    "Shuffle the p*p pairs once, then cut the shuffled list in two: the first n_train "
    "pairs train, the rest test.",
    example=lambda p, f, rng: (_split_example(p, f, rng)[0],
                               np.array(_all_pairs(p))))
def _as_pairs(ctx: Context, x, name: str, p: int) -> np.ndarray:
    arr = np.asarray(x) if isinstance(x, (np.ndarray, list, tuple)) else None
    ctx.require(arr is not None and arr.ndim == 2 and arr.shape[1] == 2,
                f"{name} should be an int array of shape (n, 2)",
                [f"got {type(x).__name__} with shape {getattr(arr, 'shape', None)}"])
    assert arr is not None
    ctx.require(arr.dtype.kind in "iu", f"{name} should hold integers",
                [f"got dtype {arr.dtype}"])
    ctx.require(bool(arr.size == 0 or (arr.min() >= 0 and arr.max() < p)),
                f"every number in {name} should be in [0, p) = [0, {p})",
                [f"got values from {arr.min()} to {arr.max()}"])
    return arr


def _verify_split_properties(ctx: Context, out, p: int, frac: float) -> None:
    ctx.require(isinstance(out, (tuple, list)) and len(out) == 2,
                "modular_split should return two arrays (train_pairs, test_pairs)",
                [f"got {type(out).__name__}"])
    train = _as_pairs(ctx, out[0], "train_pairs", p)
    test = _as_pairs(ctx, out[1], "test_pairs", p)
    tr = [tuple(r) for r in train.tolist()]
    te = [tuple(r) for r in test.tolist()]
    both = set(tr) & set(te)
    ctx.require(not both, "no pair may be in both train_pairs and test_pairs",
                [f"{len(both)} pairs are in both, e.g. {sorted(both)[0] if both else None}"],
                mistake=SPLIT_LEAK)
    n_train = round(frac * p * p)
    ctx.require(len(tr) == n_train, f"train_pairs should hold round({frac} * {p}**2) = "
                f"{n_train} pairs", [f"got {len(tr)}"])
    ctx.require(len(set(tr)) == len(tr) and len(set(te)) == len(te),
                "no pair should appear twice", [f"train: {len(tr) - len(set(tr))} repeats, "
                                                f"test: {len(te) - len(set(te))} repeats"])
    missing = set(_all_pairs(p)) - set(tr) - set(te)
    ctx.require(not missing, "together, the two parts should hold every pair (a, b)",
                [f"{len(missing)} pairs missing, e.g. {sorted(missing)[0] if missing else None}"])
    # A random subset: the mean first operand is (p - 1) / 2 up to sampling noise.
    mean_a, sd = float(train[:, 0].mean()), math.sqrt((p * p - 1) / 12 / n_train)
    ctx.require(abs(mean_a - (p - 1) / 2) <= shared.TOL_SE * sd,
                "train_pairs should be a random subset of the pairs",
                [f"the mean of a over train_pairs is {mean_a:.2f}; a random subset has "
                 f"{(p - 1) / 2:.1f} +- {sd:.2f}"],
                hint="Shuffle the pairs with rng.permutation before cutting the list.")


def _verify_split(fn, ctx: Context) -> None:
    cases = ctx.cases or [Case(f"p={p}, train_fraction={f}", (p, f)) for p, f in SPLIT_CASES]
    for k, case in enumerate(cases):
        p, frac = case.args

        def make(seed, args=case.args, label=case.label):
            return Case(f"{label}, rng=np.random.default_rng({seed})",
                        (*args, np.random.default_rng(seed)))

        if k == 0:
            out = shared.verify_rng_discipline(ctx, fn, make, SPLIT_RNG_MISTAKES)
        else:
            out = shared.call_quietly(ctx, fn, make(shared.CHECK_SEED))
        _verify_split_properties(ctx, out, p, frac)


check_modular_split = CustomCheck(
    "modular_split", _verify_split, reference=_split_example,
    mistakes=[*SPLIT_RNG_MISTAKES, SPLIT_LEAK],
    hint="Make every pair (a, b) once, shuffle them with rng.permutation, and cut the "
         "shuffled list after round(train_fraction * p * p) pairs.")

# ---------------------------------------------------------------------------
# Exercise 4.3: one AdamW step (decoupled weight decay)
# ---------------------------------------------------------------------------


def _adamw_loop(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay, *, decay=True,
                l2=False, lr_on_decay=True, correct=True):
    new_p, new_m, new_v = (np.empty_like(param, dtype=float) for _ in range(3))
    for i in np.ndindex(param.shape):
        w, g = float(param[i]), float(grad[i])
        if l2:
            g += weight_decay * w
        mi = beta1 * float(m[i]) + (1 - beta1) * g
        vi = beta2 * float(v[i]) + (1 - beta2) * g * g
        m_hat = mi / (1 - beta1 ** t) if correct else mi
        v_hat = vi / (1 - beta2 ** t) if correct else vi
        shrink = (lr * weight_decay if lr_on_decay else weight_decay) if decay and not l2 else 0
        new_p[i] = w - lr * m_hat / (math.sqrt(v_hat) + eps) - shrink * w
        new_m[i], new_v[i] = mi, vi
    return new_p, new_m, new_v


def _adamw_reference(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    return _adamw_loop(param, grad, m, v, t, lr, beta1, beta2, eps, weight_decay)


def _adam_cases(rng):
    def state(shape, scale_v=1e-2):
        return (rng.normal(size=shape), rng.normal(size=shape), 0.1 * rng.normal(size=shape),
                scale_v * rng.uniform(0.1, 1.0, size=shape))
    return [
        Case("a (3, 4) weight at step t=1 with zero moments, weight_decay=0.5",
             (*state((3, 4))[:2], np.zeros((3, 4)), np.zeros((3, 4)), 1, 0.1, 0.9, 0.98, 1e-8,
              0.5)),
        Case("a (2, 5) weight at step t=7, lr=0.05, weight_decay=1.0",
             (*state((2, 5)), 7, 0.05, 0.9, 0.98, 1e-8, 1.0)),
        Case("a (6,) bias at step t=30, betas (0.8, 0.99), weight_decay=0.0",
             (*state((6,)), 30, 0.01, 0.8, 0.99, 1e-8, 0.0)),
    ]


check_adamw_step = FunctionCheck(
    "adamw_step", _adamw_reference, _adam_cases,
    mistakes=[
        Mistake("weight decay applied to nothing",
                "Your step ignores weight_decay: it is plain Adam. Weight decay is the lever "
                "of this whole replication; without it the model never forgets its "
                "memorised answers.",
                "After the Adam update, also subtract lr * weight_decay * param.",
                variant=lambda *a: _adamw_loop(*a, decay=False)),
        Mistake("L2 in the gradient (Adam, not AdamW)",
                "You added weight_decay * param to the gradient before the moments. That is "
                "Adam with an L2 penalty: the decay then gets divided by sqrt(v_hat) like the "
                "rest of the gradient. AdamW decouples it: the shrink is applied to the "
                "weight directly.",
                "Keep the gradient as it is for m and v; subtract lr * weight_decay * param "
                "from the parameter separately.",
                variant=lambda *a: _adamw_loop(*a, l2=True)),
        Mistake("decay not scaled by lr",
                "Your step subtracts weight_decay * param, without the learning rate: with "
                "weight_decay=1 that sets every weight to (almost) zero at each step.",
                "The decoupled shrink is lr * weight_decay * param.",
                variant=lambda *a: _adamw_loop(*a, lr_on_decay=False)),
        Mistake("no bias correction",
                "You used m and v directly: early in training they are biased towards zero "
                "(they start at 0), so the first steps are the wrong size.",
                "m_hat = m / (1 - beta1**t) and v_hat = v / (1 - beta2**t), t counting from 1.",
                variant=lambda *a: _adamw_loop(*a, correct=False)),
    ],
    hint="m = beta1*m + (1-beta1)*g; v = beta2*v + (1-beta2)*g**2; bias-correct both; "
         "param - lr * m_hat / (sqrt(v_hat) + eps) - lr * weight_decay * param.",
    rtol=1e-7, atol=1e-10)

# ---------------------------------------------------------------------------
# Exercise 4.4: when a curve settles above a threshold
# ---------------------------------------------------------------------------


def _settle_reference(steps, values, threshold):
    # Walk backwards while the values stay at or above the threshold.
    found = None
    for s, x in zip(reversed(list(steps)), reversed(list(values)), strict=True):
        if x < threshold:
            break
        found = int(s)
    return found


def _first_crossing(steps, values, threshold):
    for s, x in zip(steps, values, strict=True):
        if x >= threshold:
            return int(s)
    return None


def _settle_cases(rng):
    steps = np.array([1, 50, 100, 150, 200, 250, 300, 350, 400, 450])
    noisy = np.array([0.02, 0.3, 0.97, 0.99, 0.95, 0.96, 0.99, 1.0, 0.995, 1.0])
    never = np.clip(rng.uniform(0.0, 0.6, size=10), 0, 1)
    return [
        Case("a curve that touches 0.99 at step 150, dips, then stays up from step 300",
             (steps, noisy, 0.99)),
        Case("a curve that reaches the threshold exactly (0.9) at step 400 and stays",
             (np.arange(100, 1100, 100), np.array([0.1, 0.1, 0.2, 0.9, 0.95, 0.9, 0.91,
                                                   0.92, 0.97, 1.0]), 0.9)),
        Case("a curve that never gets there", (steps, never, 0.99)),
        Case("a curve above the threshold from its first entry",
             (np.array([10, 20, 30]), np.array([1.0, 1.0, 1.0]), 0.5)),
        Case("a curve that ends below the threshold",
             (steps, np.array([0.1, 0.5, 0.99, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9]), 0.99)),
    ]


check_settle_step = FunctionCheck(
    "settle_step", _settle_reference, _settle_cases,
    mistakes=[Mistake(
        "the first crossing",
        "You returned the first step at or above the threshold, even when the curve falls "
        "back below it later. A single lucky evaluation is not when the model learned the "
        "task; the step we want is the one from which it stays there.",
        "Scan from the end backwards while the values stay at or above the threshold.",
        variant=_first_crossing)],
    hint="The answer is the step just after the last value below the threshold (None if the "
         "last value itself is below).")

# ---------------------------------------------------------------------------
# Exercise 4.5: the Fourier basis of Z_p
# ---------------------------------------------------------------------------


def _fourier_reference(p):
    if p % 2 == 0 or p < 3:
        raise ValueError("p must be odd and at least 3")
    x = np.arange(p)
    rows = [np.ones(p)]
    for k in range(1, (p - 1) // 2 + 1):
        z = np.exp(2j * np.pi * k * x / p)
        rows += [z.real, z.imag]
    basis = np.array(rows)
    return basis / np.linalg.norm(basis, axis=1, keepdims=True)


def _fourier_unnormalised(p):
    x = np.arange(p)
    rows = [np.ones(p)]
    for k in range(1, (p - 1) // 2 + 1):
        rows += [np.cos(2 * np.pi * k * x / p), np.sin(2 * np.pi * k * x / p)]
    return np.array(rows)


check_fourier_basis = FunctionCheck(
    "fourier_basis", _fourier_reference,
    lambda rng: [Case("p=7", (7,)), Case("p=11", (11,)), Case("p=3", (3,))],
    mistakes=[
        Mistake("not normalised",
                "Your rows are the plain 1, cos and sin waves: their lengths are sqrt(p) and "
                "sqrt(p/2), not 1. Shares of norm computed with such a basis weigh the "
                "constant twice as much as each wave.",
                "Divide each row by its own length (np.linalg.norm of the row).",
                variant=_fourier_unnormalised),
        Mistake("one normalisation for every row",
                "You divided every row by sqrt(p). That makes the constant row a unit "
                "vector, but a cos or sin row over p points has squared length p/2, so "
                "those rows come out with length 1/sqrt(2).",
                "The constant row is divided by sqrt(p), each cos and sin row by sqrt(p/2).",
                variant=lambda p: _fourier_unnormalised(p) / math.sqrt(p)),
    ],
    hint="Row 0 is constant; rows 2k-1 and 2k are cos and sin of 2*pi*k*x/p for "
         "k = 1 .. (p-1)/2; every row has length 1.",
    rtol=1e-9, atol=1e-12)

# ---------------------------------------------------------------------------
# Exercise 4.6: the share of the embedding in each frequency
# ---------------------------------------------------------------------------


def _shares_reference(W_E, basis):
    # Parseval: for a real signal over Z_p, frequency k>=1 carries 2|F_k|^2 / p of its
    # squared norm, the constant |F_0|^2 / p. The basis argument is not used.
    F = np.fft.rfft(W_E, axis=0)                              # (p//2 + 1, d)
    p = W_E.shape[0]
    energy = (np.abs(F) ** 2).sum(axis=1) / p
    energy[1:] *= 2
    return energy / energy.sum()


def _shares_from(W_E, basis, kind):
    coef = (basis.T if kind == "transposed" else basis) @ W_E         # (p, d)
    per_row = np.abs(coef).sum(axis=1) if kind == "norms" else (coef ** 2).sum(axis=1)
    if kind == "cos only":
        per_row[2::2] = 0.0
    shares = np.concatenate([per_row[:1], per_row[1::2] + per_row[2::2]])
    return shares / shares.sum()


def _embedding(rng, p, d, freqs):
    x = np.arange(p)[:, None]
    W = 0.3 * rng.normal(size=(p, d))
    for k in freqs:
        W += np.cos(2 * np.pi * k * x / p) @ rng.normal(size=(1, d))
        W += np.sin(2 * np.pi * k * x / p) @ rng.normal(size=(1, d))
    return W + rng.normal(size=(1, d))


def _shares_cases(rng):
    return [Case("a (13, 6) embedding with frequencies 2 and 5 planted",
                 (_embedding(rng, 13, 6, (2, 5)), _fourier_reference(13))),
            Case("a (7, 3) random embedding", (rng.normal(size=(7, 3)), _fourier_reference(7)))]


check_frequency_shares = FunctionCheck(
    "frequency_shares", _shares_reference, _shares_cases,
    mistakes=[
        Mistake("the sine rows left out",
                "Your share for frequency k counts only its cos row. A frequency is a "
                "two-dimensional thing (cos and sin together: a wave of any phase), so its "
                "share is the sum over both rows.",
                "share[k] = (energy of row 2k-1) + (energy of row 2k), for k >= 1.",
                variant=lambda W, B: _shares_from(W, B, "cos only")),
        Mistake("the basis transposed",
                "You projected with basis.T: its rows are not the waves. The basis has one "
                "wave per *row*, so the coefficients are basis @ W_E.",
                "coefficients = basis @ W_E, shape (p, d).",
                variant=lambda W, B: _shares_from(W, B, "transposed")),
        Mistake("norms, not squared norms",
                "You summed the absolute values of the coefficients. The squared norm of the "
                "embedding splits into a sum over the orthonormal rows of squared "
                "coefficients (Pythagoras); absolute values do not add up that way.",
                "Square the coefficients before summing.",
                variant=lambda W, B: _shares_from(W, B, "norms")),
    ],
    hint="coef = basis @ W_E (one row per wave); energy per row = (coef**2).sum(axis=1); add "
         "the cos and sin rows of each frequency; divide by the total.",
    rtol=1e-8, atol=1e-12)
