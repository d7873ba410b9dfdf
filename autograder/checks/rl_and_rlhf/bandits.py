"""Checks for 07_rl_and_rlhf/01_bandits: sample averages, epsilon-greedy, UCB and regret.

Oracles are loops over arms and steps in plain floats, written from the
definitions (Sutton and Barto 2018, chapter 2).
"""

from __future__ import annotations

import math

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake

# ---------------------------------------------------------------------------
# Exercise 1.1: the incremental sample average
# ---------------------------------------------------------------------------


def _update_estimate(estimates, counts, arm, reward):
    q, n = estimates.tolist(), counts.tolist()
    q[arm] = (q[arm] * n[arm] + reward) / (n[arm] + 1)      # the mean of n + 1 rewards
    n[arm] += 1
    return np.array(q, dtype=float), np.array(n, dtype=counts.dtype)


def _update_with(step):
    def update(estimates, counts, arm, reward):
        q, n = estimates.astype(float), counts.copy()
        q[arm] = q[arm] + step(n[arm]) * (reward - q[arm])
        n[arm] += 1
        return q, n
    return update


def _update_cases(rng):
    return [Case("4 arms, counts [3, 1, 5, 2], arm 2 pays 1.5",
                 (np.array([0.2, -0.4, 0.9, 0.1]), np.array([3, 1, 5, 2]), 2, 1.5)),
            Case("5 arms, random estimates, arm 0 (pulled 7 times) pays -0.3",
                 (rng.normal(size=5), np.array([7, 2, 4, 1, 3]), 0, -0.3)),
            Case("an arm never pulled before (count 0): the estimate becomes the reward",
                 (np.array([0.0, 0.5, 0.0]), np.array([0, 2, 0]), 2, 0.8))]


check_update_estimate = FunctionCheck(
    "update_estimate", _update_estimate, _update_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("a constant step size",
                "You moved the estimate a fixed fraction (0.1) of the way towards the reward. "
                "That is an exponential moving average, which forgets old rewards; the sample "
                "average weighs every reward equally, so its step is 1 / (new count).",
                "Q_new = Q + (reward - Q) / (n + 1), where n is the count before this pull.",
                variant=_update_with(lambda n: 0.1)),
        Mistake("divided by the old count",
                "You divided by the count *before* this pull. After n rewards and one more, the "
                "average is over n + 1 rewards. (On an arm's first pull your version divides "
                "by zero.)",
                "Increment the count first, then use Q + (reward - Q) / count.",
                variant=_update_with(lambda n: 1.0 / n if n else math.inf)),
        Mistake("the count not incremented",
                "The estimate is right but the count you returned is unchanged, so the next "
                "update will treat this arm as if it had one pull fewer.",
                "Return counts with counts[arm] increased by 1.",
                variant=lambda q, n, arm, r: (_update_estimate(q, n, arm, r)[0], n.copy())),
    ],
    hint="A new copy of both arrays: counts[arm] + 1, and estimates[arm] moved by "
         "(reward - estimates[arm]) / (the new count).")

# ---------------------------------------------------------------------------
# Exercise 1.2: epsilon-greedy as a distribution over arms
# ---------------------------------------------------------------------------


def _epsilon_greedy_probs(estimates, epsilon):
    q = estimates.tolist()
    best = max(q)
    tied = [i for i, v in enumerate(q) if v == best]
    return np.array([epsilon / len(q) + ((1 - epsilon) / len(tied) if i in tied else 0.0)
                     for i in range(len(q))])


def _egreedy_first_argmax(q, eps):
    p = np.full(len(q), eps / len(q))
    p[np.argmax(q)] += 1 - eps
    return p


def _egreedy_others_only(q, eps):
    k = len(q)
    p = np.full(k, eps / (k - 1)) if k > 1 else np.zeros(k)
    p[np.argmax(q)] = 1 - eps
    return p


def _egreedy_no_share(q, eps):
    p = np.full(len(q), eps / len(q))
    p[np.argmax(q)] = 1 - eps
    return p


def _egreedy_cases(rng):
    return [Case("5 arms, one best (arm 3), epsilon 0.1",
                 (np.array([0.1, -0.2, 0.4, 0.9, 0.0]), 0.1)),
            Case("4 arms, arms 1 and 2 tied for best, epsilon 0.2",
                 (np.array([1.0, 3.0, 3.0, 0.0]), 0.2)),
            Case("6 arms, random estimates, epsilon 0.3", (rng.normal(size=6), 0.3)),
            Case("3 untried arms (all estimates 0), epsilon 0", (np.zeros(3), 0.0)),
            Case("epsilon 1: always explore", (np.array([2.0, -1.0, 0.5]), 1.0)),
            Case("a single arm", (np.array([0.7]), 0.1))]


check_epsilon_greedy_probs = FunctionCheck(
    "epsilon_greedy_probs", _epsilon_greedy_probs, _egreedy_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("ties go to the first arm",
                "All the greedy probability went to the first of the arms tied for the best "
                "estimate (what np.argmax picks). At the start every estimate is 0, so this "
                "agent always starts on arm 0 and, with epsilon 0, never leaves it.",
                "Split 1 - epsilon equally among every arm whose estimate equals the maximum.",
                variant=_egreedy_first_argmax),
        Mistake("exploration skips the greedy arm",
                "You gave epsilon / (K - 1) to each non-greedy arm and exactly 1 - epsilon to the "
                "greedy one. In this notebook's convention an exploring step picks among *all* K "
                "arms, the greedy one included, so each arm gets epsilon / K from exploring.",
                "Every arm gets epsilon / K; the best arms share 1 - epsilon on top.",
                variant=_egreedy_others_only),
        Mistake("the greedy arm's exploration share is missing",
                "The greedy arm got 1 - epsilon but not its epsilon / K from exploring, so your "
                "probabilities sum to less than 1.",
                "The greedy arm's probability is 1 - epsilon + epsilon / K.",
                variant=_egreedy_no_share),
    ],
    hint="Start from epsilon / K for every arm, then add (1 - epsilon) / (number of best arms) "
         "to each arm whose estimate equals the maximum.")

# ---------------------------------------------------------------------------
# Exercise 1.3: UCB scores
# ---------------------------------------------------------------------------


def _ucb_scores(estimates, counts, t, c):
    return np.array([math.inf if n == 0 else q + c * math.sqrt(math.log(t) / n)
                     for q, n in zip(estimates.tolist(), counts.tolist(), strict=True)])


def _ucb_variant(bonus):
    def scores(q, n, t, c):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = q + bonus(n.astype(float), float(t), float(c))
        return np.where(n == 0, np.inf, out)
    return scores


def _ucb_cases(rng):
    return [Case("4 arms, counts [10, 3, 25, 1], t=40, c=2",
                 (np.array([0.5, 0.2, 0.8, -0.1]), np.array([10, 3, 25, 1]), 40, 2.0)),
            Case("5 arms, random estimates and counts, t=120, c=0.5",
                 (rng.normal(size=5), rng.integers(1, 40, size=5), 120, 0.5)),
            Case("arm 1 never pulled: its score is inf",
                 (np.array([0.3, 0.0, 0.6]), np.array([4, 0, 2]), 7, 1.0)),
            Case("c = 0: the scores are the estimates",
                 (np.array([0.3, -0.6, 0.1]), np.array([2, 5, 1]), 9, 0.0)),
            Case("c = 0 and arm 2 never pulled: still inf there",
                 (np.array([0.3, -0.6, 0.0]), np.array([2, 5, 0]), 8, 0.0))]


check_ucb_scores = FunctionCheck(
    "ucb_scores", _ucb_scores, _ucb_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("no square root",
                "Your bonus is c * ln(t) / N, without the square root. The confidence interval "
                "of an average of N rewards shrinks like 1 / sqrt(N), not 1 / N, so your agent "
                "stops exploring an arm much too soon.",
                "bonus = c * sqrt(ln(t) / N).",
                variant=_ucb_variant(lambda n, t, c: c * np.log(t) / n)),
        Mistake("c inside the square root",
                "You computed sqrt(c * ln(t) / N); c multiplies the square root.",
                "bonus = c * sqrt(ln(t) / N).",
                variant=_ucb_variant(lambda n, t, c: np.sqrt(c * np.log(t) / n))),
        Mistake("t and N swapped",
                "Your bonus is c * sqrt(ln(N) / t). The bonus must grow slowly with the total "
                "time t (so that every arm is eventually retried) and shrink with the arm's own "
                "count N.",
                "bonus = c * sqrt(ln(t) / N): ln of the time step, divided by the arm's count.",
                variant=_ucb_variant(lambda n, t, c: c * np.sqrt(np.log(n) / t))),
    ],
    hint="For each arm: inf if its count is 0, else estimate + c * sqrt(ln(t) / count).")

# ---------------------------------------------------------------------------
# Exercise 1.4: cumulative regret
# ---------------------------------------------------------------------------


def _cumulative_regret(means, arms):
    best = max(means.tolist())
    out, total = [], 0.0
    for a in arms.tolist():
        total += best - float(means[a])
        out.append(total)
    return np.array(out)


def _regret_cases(rng):
    return [Case("3 arms with means [0.2, 1.0, 0.5], 6 pulls",
                 (np.array([0.2, 1.0, 0.5]), np.array([0, 2, 1, 1, 0, 1]))),
            Case("5 arms, 30 random pulls", (rng.normal(size=5), rng.integers(0, 5, size=30))),
            Case("always the best arm: zero regret",
                 (np.array([0.1, -0.3, 0.4]), np.array([2, 2, 2, 2])))]


check_cumulative_regret = FunctionCheck(
    "cumulative_regret", _cumulative_regret, _regret_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("per-step regret, not accumulated",
                "You returned the regret of each step on its own. The regret curve is the "
                "running total: how much reward the agent has given up so far.",
                "np.cumsum of the per-step regret.",
                variant=lambda m, a: m.max() - m[a]),
        Mistake("the average regret",
                "You divided the running total by the number of steps. That is the average "
                "regret per step; the curve asked for is the total.",
                "Return the running sum, not the running mean.",
                variant=lambda m, a: np.cumsum(m.max() - m[a]) / np.arange(1, len(a) + 1)),
        Mistake("measured from the worst arm",
                "You measured each pull against the *worst* arm (means[arm] - min), which is how "
                "much better than the worst the agent did. Regret compares with the best arm.",
                "regret of one pull = max(means) - means[arm].",
                variant=lambda m, a: np.cumsum(m[a] - m.min())),
    ],
    hint="Per pull: max(means) - means[arm]; the curve is the running total of those.")
