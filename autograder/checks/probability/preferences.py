"""Checks for 03_probability/07_preferences: the Bradley-Terry model and a fitted reward model.

Oracles: per-comparison loops in plain floats for the probability, the loss and
its gradient; Newton's method (with the exact Hessian) for the maximum-likelihood
scores, which the learner reaches by gradient descent. The simulator is checked
statistically, pair by pair, with 6-standard-error tolerances (see :mod:`.shared`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..scalar_math import sigmoid as _sigmoid
from ..scalar_math import softplus as _softplus
from ..spec import Case, Mistake
from . import shared

# ---------------------------------------------------------------------------
# Exercise 7.1: the probability that a beats b
# ---------------------------------------------------------------------------


def _bt_probability(scores, a, b):
    s = scores.tolist()
    return np.array([_sigmoid(s[i] - s[j]) for i, j in zip(a.tolist(), b.tolist(), strict=True)])


def _prob_cases(rng):
    scores = np.array([0.0, 1.0, -0.5, 2.0, 0.3])
    return [Case("5 items, pairs (0,1), (3,2), (4,4), (1,3)",
                 (scores, np.array([0, 3, 4, 1]), np.array([1, 2, 4, 3]))),
            Case("8 items, 10 random pairs",
                 (rng.normal(0.0, 1.5, 8), rng.integers(0, 8, 10), rng.integers(0, 8, 10))),
            Case("scores in the thousands [1000, 1003, 2000]",
                 (np.array([1000.0, 1003.0, 2000.0]), np.array([0, 1, 2, 0]),
                  np.array([1, 0, 0, 2])))]


check_bt_probability = FunctionCheck(
    "bt_probability", _bt_probability, _prob_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("the wrong item wins",
                "You computed the probability that b beats a: sigmoid(s_b - s_a). The item "
                "with the higher score should be the likelier winner.",
                "P(a beats b) = sigmoid(s_a - s_b).",
                variant=lambda s, a, b: 1.0 / (1.0 + np.exp(s[a] - s[b]))),
        Mistake("a ratio of scores",
                "You computed s_a / (s_a + s_b). That is Bradley and Terry's original form for "
                "positive *strengths*; here the scores are on a log scale (any real number), "
                "and the strength is exp(score): exp(s_a) / (exp(s_a) + exp(s_b)).",
                "exp(s_a) / (exp(s_a) + exp(s_b)) simplifies to sigmoid(s_a - s_b).",
                variant=lambda s, a, b: s[a] / (s[a] + s[b])),
        Mistake("exp overflows",
                "You computed exp(s_a) / (exp(s_a) + exp(s_b)). That is right on paper, but "
                "exp of a score above about 709 is inf in float64, and inf / inf is NaN. Only "
                "the *difference* of scores matters.",
                "Use sigmoid(s_a - s_b) = 1 / (1 + exp(-(s_a - s_b))).",
                variant=lambda s, a, b: np.exp(s[a]) / (np.exp(s[a]) + np.exp(s[b]))),
    ],
    hint="P(a beats b) = 1 / (1 + exp(-(s_a - s_b))).")

# ---------------------------------------------------------------------------
# Exercise 7.2: simulating pairwise preferences
# ---------------------------------------------------------------------------

SIM_SCORES = np.array([-1.0, 0.0, 0.5, 2.0])
SIM_N = 30_000


def _simulate_reference(scores, n, rng):
    k = len(scores)
    a = rng.integers(0, k, size=n)
    b = (a + rng.integers(1, k, size=n)) % k          # a different item, uniformly
    p = 1.0 / (1.0 + np.exp(-(scores[a] - scores[b])))
    a_wins = rng.uniform(size=n) < p
    return np.where(a_wins, a, b), np.where(a_wins, b, a)


def _simulate_with(outcome):
    def simulate(scores, n, rng):
        k = len(scores)
        a = rng.integers(0, k, size=n)
        b = (a + rng.integers(1, k, size=n)) % k
        a_wins = outcome(scores[a] - scores[b], rng)
        return np.where(a_wins, a, b), np.where(a_wins, b, a)
    return simulate


SIM_RNG_MISTAKES = shared.rng_mistakes(
    unseeded=lambda s, n, rng: _simulate_reference(s, n, np.random.default_rng()),
    seed_ignored=lambda s, n, rng: _simulate_reference(s, n, np.random.default_rng(0)),
    global_state=lambda s, n, rng: _simulate_with(
        lambda d, r: np.random.uniform(size=d.shape) < 1 / (1 + np.exp(-d)))(s, n, rng))
SIM_SAME_ITEM = Mistake(
    "an item compared with itself",
    "Some of your comparisons pit an item against itself. Drawing both items independently "
    "gives the same item 1 time in K; a preference between an answer and itself says nothing.",
    "Draw b among the *other* items, e.g. b = (a + rng.integers(1, K, size=n)) % K.",
    example=lambda s, n, rng: (lambda a, b: (a, b))(rng.integers(0, len(s), n),
                                                   rng.integers(0, len(s), n)))
SIM_DETERMINISTIC = Mistake(
    "the better item always wins",
    "In your data the higher-scoring item wins every comparison. The Bradley-Terry model is "
    "random: a wins with probability sigmoid(s_a - s_b), so close items split their "
    "comparisons. Human preferences are noisy in exactly this way, and a reward model is "
    "fitted to that noise.",
    "Draw the outcome: a wins if rng.uniform() < sigmoid(s_a - s_b).",
    example=_simulate_with(lambda d, r: d > 0))
SIM_SIGN = Mistake(
    "the worse item wins more often",
    "In your data the lower-scoring item wins more often: the probability of a winning was "
    "computed from s_b - s_a.",
    "a wins with probability sigmoid(s_a - s_b).",
    example=_simulate_with(lambda d, r: r.uniform(size=d.shape) < 1 / (1 + np.exp(d))))


def _verify_simulate(fn, ctx: Context) -> None:
    cases = ctx.cases or [Case(f"scores {SIM_SCORES.tolist()}, n={SIM_N}", (SIM_SCORES, SIM_N))]
    for i, case in enumerate(cases):
        scores, n = np.asarray(case.args[0], dtype=float), case.args[1]
        k = len(scores)

        def make(seed, scores=scores, n=n, label=case.label):
            return Case(f"{label}, rng=np.random.default_rng({seed})",
                        (scores.copy(), n, np.random.default_rng(seed)))

        if i == 0:
            out = shared.verify_rng_discipline(ctx, fn, make, SIM_RNG_MISTAKES)
        else:
            out = shared.call_quietly(ctx, fn, make(shared.CHECK_SEED))
        ctx.require(isinstance(out, tuple) and len(out) == 2,
                    "simulate_preferences should return a tuple (winners, losers)",
                    [f"got {type(out).__name__}"])
        w = shared.as_int_samples(ctx, out[0], n, k, "simulate_preferences (winners)")
        lo = shared.as_int_samples(ctx, out[1], n, k, "simulate_preferences (losers)")
        same = w == lo
        ctx.require(not same.any(), "some comparisons have the same winner and loser",
                    [f"{int(same.sum())} of {n} comparisons compare an item with itself"],
                    mistake=SIM_SAME_ITEM)
        # Every unordered pair should be compared about n / P times (P pairs); each count
        # is binomial, with standard error sqrt(n q (1 - q)) for q = 1 / P.
        lo_i, hi_i = np.minimum(w, lo), np.maximum(w, lo)
        pair_index = lo_i * k + hi_i
        pairs = [(p, q) for p in range(k) for q in range(p + 1, k)]
        counts = np.bincount(pair_index, minlength=k * k)
        q = 1.0 / len(pairs)
        tol_count = shared.TOL_SE * math.sqrt(n * q * (1 - q))
        bad = [(p, r) for p, r in pairs if abs(counts[p * k + r] - n * q) > tol_count]
        p, r = bad[0] if bad else (0, 1)
        ctx.require(not bad, "the pairs are not chosen uniformly",
                    [f"items {p} and {r} were compared {counts[p * k + r]} times; every pair "
                     f"should come up about {n * q:.0f} +- {tol_count:.0f} times"],
                    hint="Choose the first item uniformly and the second uniformly among the "
                         "others.")
        # The win rate of the first item of each pair: binomial with standard error
        # sqrt(p (1 - p) / N_pair), about 0.0063 here, so the tolerance is 0.038. The
        # registered mistakes are at least 0.18 (always-wins) and 0.24 (sign) away.
        worst: tuple[float, Any] = (0.0, None)
        for p, r in pairs:
            n_pair = counts[p * k + r]
            if n_pair == 0:
                continue
            wins = int(((w == p) & (lo == r)).sum())
            expected = _sigmoid(scores[p] - scores[r])
            tol = shared.TOL_SE * math.sqrt(max(expected * (1 - expected), 1e-12) / n_pair)
            excess = abs(wins / n_pair - expected) / max(tol, 1e-12)
            if excess > worst[0]:
                worst = (excess, (p, r, wins / n_pair, expected, tol))
        if worst[0] <= 1.0:
            ctx.passed += 1
            continue
        p, r, rate, expected, tol = worst[1]
        mistake = None
        if rate in (0.0, 1.0) and (rate == 1.0) == (scores[p] > scores[r]):
            mistake = SIM_DETERMINISTIC
        elif abs(rate - (1 - expected)) <= tol:
            mistake = SIM_SIGN
        ctx.fail("the winners do not follow the Bradley-Terry probabilities",
                 [f"item {p} beat item {r} in {rate:.3f} of their comparisons; the model says "
                  f"sigmoid({scores[p]:g} - {scores[r]:g}) = {expected:.3f} +- {tol:.3f} "
                  "(6 standard errors)"],
                 mistake=mistake,
                 hint=None if mistake else "a wins if rng.uniform() < sigmoid(s_a - s_b).")


check_simulate_preferences = CustomCheck(
    "simulate_preferences", _verify_simulate, reference=_simulate_reference,
    hint='For each comparison pick two different items with the rng you were given; item a'
         ' wins with probability sigmoid(s_a - s_b): rng.uniform() < that probability.',
    mistakes=[*SIM_RNG_MISTAKES, SIM_SAME_ITEM, SIM_DETERMINISTIC, SIM_SIGN])

# ---------------------------------------------------------------------------
# Exercises 7.3 and 7.4: the loss and its gradient
# ---------------------------------------------------------------------------


def _bt_loss(scores, winners, losers):
    s = scores.tolist()
    terms = [_softplus(-(s[i] - s[j])) for i, j in zip(winners.tolist(), losers.tolist(),
                                                        strict=True)]
    return math.fsum(terms) / len(terms)


def _comparison_cases(rng):
    k = 6
    a = rng.integers(0, k, 25)
    b = (a + rng.integers(1, k, 25)) % k
    return [Case("4 items, 10 comparisons (items appear several times)",
                 (np.array([0.5, -0.2, 1.0, 0.0]), np.array([0, 2, 2, 1, 3, 0, 2, 1, 0, 3]),
                  np.array([1, 0, 3, 3, 1, 2, 1, 0, 3, 2]))),
            Case("6 items, 25 random comparisons", (rng.normal(size=k), a, b)),
            Case("one comparison", (np.array([0.3, -0.4]), np.array([1]), np.array([0]))),
            Case("a confident model proved wrong: scores [0, 800], item 0 won",
                 (np.array([0.0, 800.0]), np.array([0, 1]), np.array([1, 0])))]


check_bt_loss = FunctionCheck(
    "bt_loss", _bt_loss, _comparison_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("the loss of the losers winning",
                "Your loss rewards the losers: it is the negative log-probability that each "
                "*loser* beats its winner. Minimising it would rank items backwards.",
                "-log sigmoid(s_winner - s_loser): the winner's score comes first.",
                variant=lambda s, w, lo: float(np.logaddexp(0.0, s[w] - s[lo]).mean())),
        Mistake("the sum, not the mean",
                "You summed over the comparisons; the loss is their mean, so that the learning "
                "rate does not depend on how many comparisons there are.",
                "Divide by the number of comparisons.",
                variant=lambda s, w, lo: float(np.logaddexp(0.0, -(s[w] - s[lo])).sum())),
        Mistake("log of a sigmoid that underflowed",
                "You computed -log(sigmoid(d)). For a large negative difference d (a confident "
                "model proved wrong), sigmoid(d) underflows to exactly 0 and the log is -inf, "
                "although the true loss is simply about -d. These are exactly the comparisons "
                "that matter most for learning.",
                "-log(sigmoid(d)) = log(1 + exp(-d)) = np.logaddexp(0, -d), which never "
                "overflows.",
                variant=lambda s, w, lo: float(
                    (-np.log(1 / (1 + np.exp(-(s[w] - s[lo]))))).mean())),
    ],
    hint="mean over comparisons of log(1 + exp(-(s_winner - s_loser))); use np.logaddexp.")


def _bt_gradient(scores, winners, losers):
    s = scores.tolist()
    m = len(winners)
    grad = [0.0] * len(s)
    for i, j in zip(winners.tolist(), losers.tolist(), strict=True):
        c = _sigmoid(-(s[i] - s[j])) / m      # how surprised the model was, over m
        grad[i] -= c
        grad[j] += c
    return np.array(grad)


def _buffered_gradient(scores, winners, losers):
    c = 1 / (1 + np.exp(scores[winners] - scores[losers])) / len(winners)
    g = np.zeros_like(scores)
    g[winners] -= c          # repeated indices: only one of the updates lands
    g[losers] += c
    return g


def _gradient_without_losers(scores, winners, losers):
    c = 1 / (1 + np.exp(scores[winners] - scores[losers])) / len(winners)
    return -np.bincount(winners, c, len(scores))


check_bt_gradient = FunctionCheck(
    "bt_gradient", _bt_gradient, lambda rng: _comparison_cases(rng)[:3], rtol=1e-8, atol=1e-12,
    mistakes=[
        Mistake("fancy-index += dropped repeated items",
                "Your gradient is right when every item appears once, but wrong when an item "
                "appears in several comparisons. `g[winners] -= c` is *buffered*: with a "
                "repeated index only one of its updates lands, instead of their sum.",
                "Use np.add.at(g, winners, -c) or np.bincount(winners, weights=c, "
                "minlength=K), which add up every occurrence.",
                variant=_buffered_gradient),
        Mistake("the loser's term is missing",
                "You only updated the winners. Each comparison depends on both scores: the "
                "loss goes down when the winner's score rises *and* when the loser's falls, so "
                "the loser gets the same term with the opposite sign.",
                "g[winner] -= c and g[loser] += c for every comparison, with "
                "c = sigmoid(-(s_w - s_l)) / m.",
                variant=_gradient_without_losers),
        Mistake("a gradient with the wrong sign",
                "Your gradient points uphill: every entry has the right size and the wrong sign. "
                "Raising a winner's score lowers the loss, so its derivative is negative.",
                "d loss / d s_winner = -sigmoid(-(s_w - s_l)) / m.",
                variant=lambda s, w, lo: -_bt_gradient(s, w, lo)),
        Mistake("not divided by m",
                "Your gradient is m times too large: it is the gradient of the summed loss, "
                "not of the mean.",
                "Divide each comparison's term by the number of comparisons.",
                variant=lambda s, w, lo: _bt_gradient(s, w, lo) * len(w)),
    ],
    hint="For each comparison, c = sigmoid(-(s_w - s_l)) / m; g[w] -= c, g[l] += c, adding "
         "up repeats (np.add.at or np.bincount).")

# ---------------------------------------------------------------------------
# Exercise 7.5: fitting the scores by gradient descent
# ---------------------------------------------------------------------------

FIT_SCORES = np.array([-1.5, -0.5, 0.0, 0.3, 1.0, 1.8])
FIT_N, FIT_LR, FIT_STEPS = 3_000, 5.0, 150


def bt_mle(winners: np.ndarray, losers: np.ndarray, n_items: int,
           iterations: int = 50) -> np.ndarray:
    """The maximum-likelihood Bradley-Terry scores (mean 0), by Newton's method.

    winners, losers: int arrays of shape (m,). Returns a float array of shape (n_items,).
    The Hessian is singular along the all-ones direction (adding a constant to every
    score changes nothing), so the Newton step uses its pseudo-inverse. Stops when a
    step moves no score by more than 1e-13.
    """
    m, k = len(winners), n_items
    s = np.zeros(k)
    for _ in range(iterations):
        d = s[winners] - s[losers]
        p = 1.0 / (1.0 + np.exp(-d))
        c = (1.0 - p) / m
        g = np.bincount(losers, c, k) - np.bincount(winners, c, k)
        h = p * (1.0 - p) / m
        pair = np.bincount(winners * k + losers, h, k * k).reshape(k, k)   # h summed per pair
        H = np.diag(pair.sum(axis=0) + pair.sum(axis=1)) - pair - pair.T
        step = np.linalg.pinv(H) @ g
        s = s - step
        s = s - s.mean()
        if np.abs(step).max() < 1e-13:
            break
    return s


def fit_data(seed: int = 0, scores: np.ndarray = FIT_SCORES, n: int = FIT_N):
    """Comparisons (winners, losers) generated from `scores` with a seeded generator."""
    return _simulate_reference(scores, n, np.random.default_rng(seed))


def _vector_gradient(scores, winners, losers):
    # The same gradient as _bt_gradient, vectorised, for the examples that iterate it.
    c = 1.0 / (1.0 + np.exp(scores[winners] - scores[losers])) / len(winners)
    return np.bincount(losers, c, len(scores)) - np.bincount(winners, c, len(scores))


def _gd_with(gradient, sign=1.0, centre=True):
    def fit(winners, losers, n_items, lr, steps):
        s = np.zeros(n_items)
        for _ in range(steps):
            s = s - sign * lr * gradient(s, winners, losers)
        return s - s.mean() if centre else s
    return fit


FIT_ASCENT = Mistake(
    "gradient ascent",
    "Your scores made the loss *larger* than it was at the start: the update moves along the "
    "gradient instead of against it.",
    "scores = scores - lr * gradient.",
    example=_gd_with(_vector_gradient, sign=-1.0))
FIT_NOT_CENTRED = Mistake(
    "scores not centred",
    "Your score differences are right, but the scores do not average to 0. Adding the same "
    "number to every score changes no probability, so the scores are only defined up to a "
    "constant; the exercise fixes it by returning scores with mean 0.",
    "Subtract the mean before returning.",
    example=lambda w, lo, k, lr, steps: _descent_run(w, lo, k, lr, steps) + 1.0)


def _mean_loss(scores, winners, losers) -> float:
    """The Bradley-Terry mean loss, vectorised (used for the fit's messages only)."""
    return float(np.logaddexp(0.0, -(scores[winners] - scores[losers])).mean())


def _descent_run(winners, losers, n_items, lr, steps):
    """The reference run: `steps` full-batch gradient steps from zeros, then centred."""
    s = np.zeros(n_items)
    for _ in range(steps):
        s = s - lr * _vector_gradient(s, winners, losers)
    return s - s.mean()


def _fit_cases():
    w, lo = fit_data()
    k = len(FIT_SCORES)
    return [Case(f"{FIT_N} comparisons of {k} items, lr={FIT_LR}, steps={FIT_STEPS}",
                 (w, lo, k, FIT_LR, FIT_STEPS)),
            # Far from converged: only exactly `steps` full-batch steps from zeros give
            # these scores (one step fewer or more, a mini-batch, momentum: all differ).
            Case(f"the first 3 steps only: {FIT_N // 10} comparisons of {k} items, lr=2, "
                 "steps=3", (w[:FIT_N // 10], lo[:FIT_N // 10], k, 2.0, 3))]


def _verify_fit(fn, ctx: Context) -> None:
    cases = ctx.cases if ctx.cases is not None else _fit_cases()
    for case in cases:
        w, lo, k, lr, steps = case.args
        got = ctx.call(fn, case)
        ctx.require(isinstance(got, np.ndarray) and got.shape == (k,),
                    f"fit_bradley_terry should return an array of {k} scores, shape ({k},)",
                    [f"got {getattr(got, 'shape', type(got).__name__)}"])
        ctx.require(bool(np.isfinite(got).all()), "some of your scores are NaN or infinite",
                    [f"scores: {np.round(got, 3).tolist()}"],
                    hint="A learning rate that is too large, or gradient ascent, makes the "
                         "scores blow up.")
        best = bt_mle(w, lo, k)
        start_loss, got_loss = _mean_loss(np.zeros(k), w, lo), _mean_loss(got, w, lo)
        ctx.require(got_loss <= start_loss, "your scores fit the data worse than all zeros",
                    [f"mean loss at your scores {got_loss:.4f}; at the start {start_loss:.4f}; "
                     f"at the best scores {_mean_loss(best, w, lo):.4f}"], mistake=FIT_ASCENT)
        centred = got - got.mean()
        # The reference run: the same number of full-batch steps from zeros. With the
        # default case it converges to within 1e-10 of the maximum-likelihood scores (the
        # error shrinks by 0.8 per step); the short case is far from converged, so it pins
        # down the trajectory itself. 1e-6 is far above rounding and far below any change
        # of one step.
        run = _descent_run(w, lo, k, lr, steps)
        close_centred = bool(np.abs(centred - run).max() <= 1e-6)
        ctx.require(abs(float(got.mean())) <= 1e-6 or not close_centred,
                    "your scores do not average to 0",
                    [f"their mean is {got.mean():.4g}"], mistake=FIT_NOT_CENTRED)
        converged = bool(np.abs(run - best).max() <= 1e-6)
        ctx.require(close_centred,
                    "your scores are not the maximum-likelihood scores" if converged else
                    f"your scores are not those of exactly {steps} gradient steps from zeros",
                    [f"yours:    {np.round(got, 6).tolist()}",
                     f"expected: {np.round(run, 6).tolist()}"
                     + ("" if converged else f" (not converged yet; the best scores are "
                                              f"{np.round(best, 4).tolist()})"),
                     f"mean loss: yours {got_loss:.6f}, expected {_mean_loss(run, w, lo):.6f}"],
                    hint=f"Start from zeros and take exactly `steps` steps of "
                         f"scores -= lr * bt_gradient(scores, winners, losers) on all the "
                         f"comparisons at once (no mini-batches, no momentum); with lr={lr:g} "
                         f"and steps={steps}. Check bt_gradient first.")


check_fit_bradley_terry = CustomCheck(
    "fit_bradley_terry", _verify_fit, reference=_descent_run,
    hint='Start from zeros; repeat `steps` times: s = s - lr * bt_gradient(s, winners, '
         'losers) on all comparisons, then subtract the mean of s.',
    mistakes=[FIT_ASCENT, FIT_NOT_CENTRED])
