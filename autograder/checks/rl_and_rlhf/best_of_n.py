"""Checks for 07_rl_and_rlhf/12_best_of_n: choosing the best of n, its KL, and its expected score.

Oracles: a loop over prompts for the choice; numerical integration of the density of the
maximum of n uniforms for the analytic KL; the exact distribution of the best of n draws
from a discrete distribution (a difference of powers of its distribution function, taken in
reward order) for the Monte-Carlo frequencies; and brute force over every subset of size n
for the expected best-of-n score (the notebook's solution uses the order-statistics weights).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..core import CustomCheck, FunctionCheck
from ..spec import Case, Mistake

# ---------------------------------------------------------------------------
# Exercise 12.1: keep the completion with the highest score
# ---------------------------------------------------------------------------


def _best_of_n(scores, completions):
    out = []
    for row_scores, row in zip(scores, completions, strict=True):
        best = 0
        for j in range(1, len(row_scores)):
            if row_scores[j] > row_scores[best]:          # strictly higher: ties keep the first
                best = j
        out.append(row[best])
    return np.array(out)


def _choice_cases(rng):
    scores = rng.normal(size=(3, 5))
    scores[1, 3] = scores[1, 1] = scores[1].max() + 0.5          # a tie for the best
    completions = rng.integers(0, 512, size=(3, 5, 4))
    flat = np.array([[-2.0, -0.5, -1.0, -3.0]])                   # every score negative
    return [Case("3 prompts x 5 completions of 4 tokens, a tie in prompt 1",
                 (scores, completions)),
            Case("1 prompt x 4 completions, every score negative",
                 (flat, rng.integers(0, 512, size=(1, 4, 6)))),
            Case("2 prompts, every score equal (the first completion wins)",
                 (np.zeros((2, 3)), rng.integers(0, 512, size=(2, 3, 5)))),
            Case("4 prompts x 1 completion (best of 1)",
                 (rng.normal(size=(4, 1)), rng.integers(0, 512, size=(4, 1, 3))))]


def _lowest(scores, completions):
    idx = np.argmin(scores, axis=1)
    return completions[np.arange(len(idx)), idx]


def _ties_to_last(scores, completions):
    n = scores.shape[1]
    idx = n - 1 - np.argmax(scores[:, ::-1], axis=1)
    return completions[np.arange(len(idx)), idx]


check_best_of_n = FunctionCheck(
    "best_of_n", _best_of_n, _choice_cases, dtype="kind",
    mistakes=[
        Mistake("the lowest score kept",
                "You kept the completion with the *lowest* score in each row.",
                "The reward model's favourite is the highest score: np.argmax over the "
                "completions axis.",
                variant=_lowest),
        Mistake("ties go to the last",
                "Where two completions share the highest score you kept the later one (a loop "
                "with >=, or a search from the end). The exercise asks for the first, as "
                "np.argmax does.",
                "Replace the current best only when a score is strictly higher.",
                variant=_ties_to_last),
    ],
    hint="idx = the argmax of each row of scores (axis=1), shape (P,); then pick "
         "completions[p, idx[p]] for every prompt p (np.arange(P) as the first index).")

# ---------------------------------------------------------------------------
# Exercise 12.2: the KL of best-of-n from the base policy
# ---------------------------------------------------------------------------


def _kl_by_integration(n: int) -> float:
    # U = F(Y) is uniform under the base policy; the best of n has U distributed as the maximum
    # of n uniforms, density q(u) = n u^(n-1), so KL = integral of q log q over [0, 1].
    # With u = exp(-x / n), q(u) du = exp(-x) dx on [0, inf): Simpson's rule on [0, 60].
    x = np.linspace(0.0, 60.0, 60001)
    f = np.exp(-x) * (math.log(n) - (n - 1) * x / n)
    h = x[1] - x[0]
    return float(h / 3.0 * (f[0] + f[-1] + 4.0 * f[1:-1:2].sum() + 2.0 * f[2:-1:2].sum()))


def _bon_kl(n):
    return np.array([_kl_by_integration(int(k)) for k in np.ravel(n)]).reshape(np.shape(n))


def _kl_cases(rng):
    return [Case("n = 1, 2, 4, 16, 64", (np.array([1, 2, 4, 16, 64]),)),
            Case("n = 3 alone", (np.array([3]),)),
            Case("n = 1 to 10", (np.arange(1, 11),)),
            Case("n = 1000", (np.array([1000]),))]


check_bon_kl = FunctionCheck(
    "bon_kl", _bon_kl, _kl_cases, rtol=1e-7, atol=1e-9, dtype="kind",
    mistakes=[
        Mistake("log n only",
                "You returned log n, the first term only. log n would be the KL of a policy "
                "that multiplies the probability of its favourite 1/n of the outcomes by n and "
                "drops the rest; best-of-n reweights more gently (by n F^(n-1)), and the second "
                "term, -(n - 1) / n, accounts for that.",
                "Follow the derivation above: E[log(n U^(n-1))] with U the maximum of n "
                "uniforms, and E[log U] = -1/n.",
                variant=lambda ns: np.log(np.asarray(ns, dtype=float))),
        Mistake("log n - 1",
                "You returned log n - 1, the formula's limit for large n. For small n the "
                "second term is (n - 1) / n, not 1: best of 1 is the base policy itself, KL 0.",
                "Keep the exact second term, (n - 1) / n.",
                variant=lambda ns: np.log(np.asarray(ns, dtype=float)) - 1.0),
    ],
    hint="KL(best of n || base) = log(n) - (n - 1) / n, elementwise over the array of n.")

# ---------------------------------------------------------------------------
# Exercise 12.3: the best of n by Monte Carlo on a small discrete distribution
# ---------------------------------------------------------------------------


def exact_best_of_n_distribution(p: np.ndarray, rewards: np.ndarray, n: int) -> np.ndarray:
    """P(the best of n draws from p is outcome k), rewards distinct: (K,), (K,) -> (K,).

    In reward order, the best of n is at most the j-th outcome with probability F_j^n, where
    F_j is the base probability of the j lowest-reward outcomes; the difference of consecutive
    powers is the probability of exactly the j-th.
    """
    order = np.argsort(rewards)
    F = np.cumsum(np.asarray(p, dtype=float)[order])
    F[-1] = 1.0
    q_sorted = np.diff(np.concatenate([[0.0], F ** n]))
    q = np.empty_like(q_sorted)
    q[order] = q_sorted
    return q


def _mc_by_index(p, rewards, n, m, rng):
    draws = rng.choice(len(p), size=(m, n), p=p)
    return np.bincount(draws.max(axis=1), minlength=len(p)) / m


def _mc_worst(p, rewards, n, m, rng):
    draws = rng.choice(len(p), size=(m, n), p=p)
    worst = draws[np.arange(m), np.argmin(np.asarray(rewards)[draws], axis=1)]
    return np.bincount(worst, minlength=len(p)) / m


def _mc_reference(p, rewards, n, m, rng):
    draws = rng.choice(len(p), size=(m, n), p=p)                          # (m, n)
    best = draws[np.arange(m), np.argmax(np.asarray(rewards)[draws], axis=1)]
    return np.bincount(best, minlength=len(p)) / m


BY_INDEX = Mistake(
    "the highest outcome number kept",
    "Your frequencies match keeping the outcome with the highest *number* (index) in each "
    "group, not the one with the highest reward. The outcomes here are not listed in reward "
    "order.",
    "Look up rewards[draws] and take the argmax of that, then map back to the outcome drawn.",
    example=_mc_by_index)
WORST = Mistake(
    "the lowest reward kept",
    "Your frequencies match keeping the outcome with the *lowest* reward of each group.",
    "The best of n keeps the draw with the highest reward: argmax, not argmin.",
    example=_mc_worst)


def _within(got: np.ndarray, q: np.ndarray, m: int, z: float = 5.0) -> bool:
    se = np.sqrt(np.maximum(q * (1.0 - q), 1.0 / m) / m)
    return bool(np.all(np.abs(got - q) <= z * se))


def _mc_case(ctx, fn, label, p, rewards, n, m, seed):
    got = ctx.call(fn, Case(label, (p, rewards, n, m, np.random.default_rng(seed))))
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        ctx.fail(f"{label}: the result should be an array of {len(p)} frequencies",
                 [f"got {type(got).__name__}"])
    ctx.require(got.shape == (len(p),), f"{label}: the result should have shape ({len(p)},)",
                [f"got shape {got.shape}"])
    ctx.require(bool(np.isfinite(got).all()) and bool((got >= 0).all())
                and abs(float(got.sum()) - 1.0) < 1e-9,
                f"{label}: frequencies should be >= 0 and sum to 1",
                [f"got {np.round(got, 4).tolist()} (sum {float(np.nansum(got)):.4f})"])
    return got


def _verify_mc(fn, ctx):
    rng = ctx.rng()
    K = 6
    p = rng.dirichlet(np.full(K, 2.0))
    rewards = np.array([1.5, -0.5, 2.5, 0.5, -2.5, -1.5])     # distinct, not in index order
    m = 20000
    for n in (4, 1):
        label = f"{K} outcomes, best of {n}, {m} groups"
        got = _mc_case(ctx, fn, label, p, rewards, n, m, seed=int(rng.integers(2**31)))
        q = exact_best_of_n_distribution(p, rewards, n)
        if not _within(got, q, m):
            _diagnose_mc(ctx, got, p, rewards, n, m, label, q)
        ctx.require(True, label)
    again = [_mc_case(ctx, fn, "the same seed twice", p, rewards, 3, 500, seed=7)
             for _ in range(2)]
    ctx.require(np.array_equal(again[0], again[1]),
                "two calls with generators seeded alike gave different frequencies",
                ["draw every random number from the rng argument (rng.choice), never from "
                 "np.random's global functions: then the same seed gives the same result"])


def _diagnose_mc(ctx, got, p, rewards, n, m, label, q):
    details = [f"{label}: expected about {np.round(q, 4).tolist()}",
               f"got {np.round(got, 4).tolist()} (allowed: 5 standard errors per outcome)"]
    by_index = exact_best_of_n_distribution(p, np.arange(len(p), dtype=float), n)
    worst = exact_best_of_n_distribution(p, -np.asarray(rewards), n)
    for mistake, alt in ((BY_INDEX, by_index), (WORST, worst)):
        if _within(got, alt, m):
            ctx.fail("your frequencies are not those of the best of n", details, mistake=mistake)
    ctx.fail("your frequencies are not those of the best of n", details)


check_bon_frequencies = CustomCheck(
    "bon_frequencies", _verify_mc, reference=_mc_reference, mistakes=[BY_INDEX, WORST],
    hint="draws = rng.choice(K, size=(m, n), p=p); in each row keep the draw whose reward is "
         "highest; return how often each outcome was kept, divided by m (np.bincount with "
         "minlength=K).")

# ---------------------------------------------------------------------------
# Exercise 12.4: the expected best-of-n score from N >= n samples
# ---------------------------------------------------------------------------


def _brute_force(proxy, values, n):
    out = []
    for row_p, row_v in zip(np.asarray(proxy, float), np.asarray(values, float), strict=True):
        subsets = list(itertools.combinations(range(len(row_p)), int(n)))
        kept = [row_v[max(s, key=lambda i: row_p[i])] for s in subsets]
        out.append(math.fsum(kept) / len(subsets))
    return np.array(out)


def _estimate_cases(rng):
    proxy = rng.normal(size=(3, 7))
    values = rng.integers(-3, 6, size=(3, 7)).astype(float)
    big = rng.normal(size=(2, 64))
    return [Case("3 prompts x 7 samples, best of 3, gold values", (proxy, values, 3)),
            Case("the proxy itself as the values, best of 2", (proxy, proxy.copy(), 2)),
            Case("best of 1 (the plain mean)", (proxy, values, 1)),
            Case("best of 7 out of 7 (the value at the top score)", (proxy, values, 7)),
            Case("1 prompt x 10 samples, best of 5", (big[:1, :10], big[1:, :10] * 3.0, 5)),
            Case("2 prompts x 64 samples, best of 64", (big, big[::-1] * 2.0, 64))]


def _weighted(weights_fn, key_sort=True):
    def estimate(proxy, values, n):
        proxy, values = np.asarray(proxy, float), np.asarray(values, float)
        N = proxy.shape[1]
        if key_sort:
            sorted_values = np.take_along_axis(values, np.argsort(proxy, axis=1), axis=1)
        else:
            sorted_values = np.sort(values, axis=1)
        return sorted_values @ weights_fn(N, int(n))
    return estimate


def _with_replacement(N, n):
    i = np.arange(1, N + 1)
    return (i / N) ** n - ((i - 1) / N) ** n


def _combinatorial(N, n):
    return np.array([math.comb(i - 1, n - 1) for i in range(1, N + 1)]) / math.comb(N, n)


def _descending(N, n):
    return _combinatorial(N, n)[::-1]


check_expected_best_of_n = FunctionCheck(
    "expected_best_of_n", _brute_force, _estimate_cases, rtol=1e-9, atol=1e-12, dtype="kind",
    mistakes=[
        Mistake("drawn with replacement",
                "Your weights are ((i/N)^n - ((i-1)/N)^n): the chance that the best of n draws "
                "*with replacement* is the i-th sample. Best-of-n draws n different "
                "completions, so it is n out of N without replacement, which weights the top "
                "samples a little more.",
                "The i-th lowest of N is the best of a subset of n exactly when the other n - 1 "
                "come from the i - 1 below it: C(i-1, n-1) of the C(N, n) subsets.",
                variant=_weighted(_with_replacement)),
        Mistake("sorted the values on their own",
                "You sorted the values by themselves. Best-of-n keeps the completion the "
                "*proxy* likes best, and reports its value: sort each row of values in the "
                "order of the proxy scores (argsort of proxy), not by the values.",
                "order = np.argsort(proxy, axis=1); np.take_along_axis(values, order, axis=1).",
                variant=_weighted(_combinatorial, key_sort=False)),
        Mistake("the worst of n",
                "Your estimate is that of the completion the proxy likes *least*: the weights "
                "are attached to the samples in descending order.",
                "Sort ascending (np.argsort), so that the i-th sample has i - 1 below it.",
                variant=_weighted(_descending)),
    ],
    hint="Sort each row of values by the proxy, ascending; the i-th (1-based) gets weight "
         "C(i-1, n-1) / C(N, n); the estimate is the weighted sum over the row, shape (P,).")
