"""Checks for 07_rl_and_rlhf/10_ppo_for_language_models: PPO's pieces on token sequences.

Oracles: loops in plain Python floats, one sequence and one token at a time. The
per-token rewards are built token by token from the mask; GAE is the explicit
double sum A_t = sum_l (gamma lambda)^l delta_{t+l} over each row's real tokens;
the value loss is a loop and its gradient central differences of that loop; the
PPO weights are central differences of the looped clipped objective with respect
to each token's log-probability (cases kept away from the clip's kinks); the
approximate KL is a loop. None is the notebook's vectorised solution.

Every case with padding gives the padded positions values that are not 0, so a
function that reads them gives itself away.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake


def _lengths(mask) -> list[int]:
    return [int(round(float(sum(row)))) for row in np.asarray(mask).tolist()]


def _ragged_mask(lengths, C) -> np.ndarray:
    return (np.arange(C)[None, :] < np.array(lengths)[:, None]).astype(float)


# ---------------------------------------------------------------------------
# Exercise 10.1: per-token rewards
# ---------------------------------------------------------------------------


def _per_token_rewards(scores, logp, logp_ref, mask, beta):
    B, C = logp.shape
    out = np.zeros((B, C))
    for b, n in enumerate(_lengths(mask)):
        for t in range(n):
            out[b, t] = -beta * (float(logp[b, t]) - float(logp_ref[b, t]))
        out[b, n - 1] += float(scores[b])
    return out


def _reward_cases(rng):
    mask = _ragged_mask([4, 2, 3], 4)
    return [Case("3 completions of 4, 2 and 3 tokens, padded to 4, beta 0.1",
                 (np.array([1.5, -0.5, 2.0]), rng.normal(-2.0, 1.0, (3, 4)),
                  rng.normal(-2.0, 1.0, (3, 4)), mask, 0.1)),
            Case("2 completions of 5 tokens (no padding), beta 0.05",
                 (rng.normal(size=2), rng.normal(-2.0, 1.0, (2, 5)), rng.normal(-2.0, 1.0, (2, 5)),
                  np.ones((2, 5)), 0.05)),
            Case("beta 0: the score alone, at each completion's last token",
                 (np.array([0.7, 3.0]), rng.normal(size=(2, 3)), rng.normal(size=(2, 3)),
                  _ragged_mask([3, 1], 3), 0.0))]


def _score_in_last_column(s, lp, lr, m, beta):
    out = -beta * (lp - lr) * m
    out[:, -1] += s
    return out


def _score_everywhere(s, lp, lr, m, beta):
    return (s[:, None] - beta * (lp - lr)) * m


check_per_token_rewards = FunctionCheck(
    "per_token_rewards", _per_token_rewards, _reward_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("the score in the last column",
                "You added the reward model's score in the last column for every completion. A "
                "completion shorter than the batch's longest ends earlier: its last real token "
                "is the last position where mask is 1, and the columns after it are padding "
                "that no one wrote.",
                "For each row, find the last index where mask[b] is 1 and add scores[b] there.",
                variant=_score_in_last_column),
        Mistake("the score at every token",
                "You added the score at every token. The reward model judges the whole "
                "completion once, when it is finished; spread over every token it would be "
                "counted as many times as the completion is long (GAE sums rewards).",
                "Only the last real token of each completion gets the score.",
                variant=_score_everywhere),
        Mistake("the penalty's sign",
                "Your KL term has the wrong sign: it pays the policy for drifting from the "
                "reference. Each token's share of the penalty is -beta * (logp - logp_ref).",
                "rewards[b, t] = -beta * (logp[b, t] - logp_ref[b, t]) on real tokens.",
                variant=lambda s, lp, lr, m, beta: _per_token_rewards(s, lp, lr, m, -beta)),
        Mistake("the padding penalised",
                "You charged the KL penalty at the padding positions too. Padding is not part "
                "of the completion: its log-probabilities are meaningless, and its rewards "
                "must be 0.",
                "Multiply the penalty by mask.",
                variant=lambda s, lp, lr, m, beta: _per_token_rewards(s, lp, lr, m, beta)
                - beta * (lp - lr) * (1 - m)),
    ],
    hint="rewards = -beta * (logp - logp_ref) * mask, then for each row b add scores[b] at the "
         "last position where mask[b] is 1.")

# ---------------------------------------------------------------------------
# Exercise 10.2: the value head's loss and gradient
# ---------------------------------------------------------------------------


def _value_loss(features, w, b, returns, mask):
    B, C, D = features.shape
    terms, n = [], 0.0
    for i in range(B):
        for t in range(C):
            if float(mask[i, t]) > 0:
                v = math.fsum(float(features[i, t, d]) * float(w[d]) for d in range(D)) + float(b)
                terms.append(0.5 * (v - float(returns[i, t])) ** 2)
                n += 1
    return math.fsum(terms) / n


def _value_loss_and_grad(features, w, b, returns, mask):
    h = 1e-6
    grad_w = np.zeros(len(w))
    for d in range(len(w)):
        up, down = w.copy(), w.copy()
        up[d] += h
        down[d] -= h
        grad_w[d] = (_value_loss(features, up, b, returns, mask)
                     - _value_loss(features, down, b, returns, mask)) / (2 * h)
    grad_b = (_value_loss(features, w, b + h, returns, mask)
              - _value_loss(features, w, b - h, returns, mask)) / (2 * h)
    return _value_loss(features, w, b, returns, mask), grad_w, grad_b


def _value_cases(rng):
    return [Case("3 completions of 4, 1 and 3 tokens, 5 features, b = 0.3",
                 (rng.normal(size=(3, 4, 5)), rng.normal(size=5), 0.3, rng.normal(size=(3, 4)),
                  _ragged_mask([4, 1, 3], 4))),
            Case("2 completions of 3 tokens (no padding), 4 features, w = 0, b = 0",
                 (rng.normal(size=(2, 3, 4)), np.zeros(4), 0.0, rng.normal(2.0, 1.0, (2, 3)),
                  np.ones((2, 3)))),
            Case("1 completion of 6 tokens, 2 of them padding, 3 features, b = -1",
                 (rng.normal(size=(1, 6, 3)), rng.normal(size=3), -1.0, rng.normal(size=(1, 6)),
                  _ragged_mask([4], 6)))]


def _value_variant(scale: float, over_all: bool, sign: float = 1.0):
    def fn(features, w, b, returns, mask):
        m = np.ones_like(mask) if over_all else mask
        n = m.sum()
        err = (features @ w + b - returns) * m
        return (scale * 0.5 * float((err ** 2).sum() / n),
                sign * scale * np.einsum("bc,bcd->d", err, features) / n,
                sign * scale * float(err.sum() / n))
    return fn


check_value_loss_and_grad = FunctionCheck(
    "value_loss_and_grad", _value_loss_and_grad, _value_cases, rtol=1e-5, atol=1e-8,
    mistakes=[
        Mistake("the padding counted",
                "You included the padding positions in the mean. Their returns are not real "
                "(no one wrote those tokens), so the head would learn to predict noise there "
                "and the average would be over the wrong number of tokens.",
                "Multiply the error by mask and divide by mask.sum(), not by B * C.",
                variant=_value_variant(1.0, True)),
        Mistake("no 1/2",
                "Your loss and gradient are twice the expected ones: the loss here is "
                "*half* the mean squared error, so that its gradient is the plain error times "
                "the feature.",
                "loss = 0.5 * sum(mask * err**2) / mask.sum().",
                variant=_value_variant(2.0, False)),
        Mistake("the gradient's sign",
                "Your gradient points the wrong way: with err = value - return, the gradient "
                "of 0.5 err^2 in w is +err * feature, and a step *against* it lowers the loss.",
                "grad_w = sum over real tokens of err * features / n, err = value - return.",
                variant=_value_variant(1.0, False, -1.0)),
    ],
    hint="values = features @ w + b (shape (B, C)); err = (values - returns) * mask; "
         "n = mask.sum(); loss = 0.5 * sum(err**2) / n; grad_w = einsum('bc,bcd->d', err, "
         "features) / n; grad_b = sum(err) / n.")

# ---------------------------------------------------------------------------
# Exercise 10.3: GAE over the tokens of a completion
# ---------------------------------------------------------------------------


def _gae_tokens(rewards, values, mask, gamma, lam):
    B, C = rewards.shape
    out = np.zeros((B, C))
    for b, n in enumerate(_lengths(mask)):
        r = [float(x) for x in rewards[b, :n]]
        v = [float(x) for x in values[b, :n]] + [0.0]          # after the last token: done
        deltas = [r[t] + gamma * v[t + 1] - v[t] for t in range(n)]
        for t in range(n):
            out[b, t] = math.fsum((gamma * lam) ** (k - t) * deltas[k] for k in range(t, n))
    return out


def _gae_cases(rng):
    return [Case("3 completions of 5, 3 and 1 tokens, padded to 5, gamma 0.9, lambda 0.8",
                 (rng.normal(size=(3, 5)) * _ragged_mask([5, 3, 1], 5), rng.normal(size=(3, 5)),
                  _ragged_mask([5, 3, 1], 5), 0.9, 0.8)),
            Case("2 completions of 6 tokens, gamma 1, lambda 0.95 (the RLHF setting)",
                 (rng.normal(size=(2, 6)), rng.normal(size=(2, 6)), np.ones((2, 6)), 1.0, 0.95)),
            Case("lambda 0: one-step TD errors, with padding",
                 (rng.normal(size=(2, 4)) * _ragged_mask([4, 2], 4), rng.normal(size=(2, 4)),
                  _ragged_mask([4, 2], 4), 0.9, 0.0))]


def _gae_padding_bootstrap(rewards, values, mask, gamma, lam):
    """Padding read as the next state's value: delta at the last real token uses values[t+1]."""
    B, C = rewards.shape
    out = np.zeros((B, C))
    for b, n in enumerate(_lengths(mask)):
        v = list(values[b]) + [0.0]
        deltas = [rewards[b, t] + gamma * v[t + 1] - v[t] for t in range(n)]
        for t in range(n):
            out[b, t] = sum((gamma * lam) ** (k - t) * deltas[k] for k in range(t, n))
    return out


def _gae_mask_ignored(rewards, values, mask, gamma, lam):
    """Notebook 04's GAE on every row as if no position were padding."""
    return _gae_tokens(rewards, values, np.ones_like(mask), gamma, lam)


def _gae_lambda_only(rewards, values, mask, gamma, lam):
    B, C = rewards.shape
    out = np.zeros((B, C))
    for b, n in enumerate(_lengths(mask)):
        v = list(values[b, :n]) + [0.0]
        deltas = [rewards[b, t] + gamma * v[t + 1] - v[t] for t in range(n)]
        for t in range(n):
            out[b, t] = sum(lam ** (k - t) * deltas[k] for k in range(t, n))
    return out


check_gae_tokens = FunctionCheck(
    "gae_tokens", _gae_tokens, _gae_cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("the padding's value bootstrapped",
                "At each completion's last real token you used the value of the next position, "
                "which is padding. The completion is finished there: there is no next state, "
                "so its value is 0 and delta = reward - value.",
                "Treat the value after the last real token as 0 (multiply values[:, t + 1] by "
                "mask[:, t + 1]).",
                variant=_gae_padding_bootstrap),
        Mistake("the padding treated as tokens",
                "You ran the recursion over every column, padding included, so padding "
                "positions have advantages and the real tokens see the padding's values. "
                "Each row's recursion must start at its own last real token.",
                "Zero the advantage where mask is 0, and let no value from a padded position "
                "into a delta.",
                variant=_gae_mask_ignored),
        Mistake("decay by lambda only",
                "You summed the TD errors with weights lambda**l; the weights are "
                "(gamma * lambda)**l (notebook 04).",
                "A_t = delta_t + gamma * lambda * A_{t+1}.",
                variant=_gae_lambda_only),
    ],
    hint="Backwards along each row: next = values[:, t+1] * mask[:, t+1] (0 after the last "
         "real token), delta = rewards[:, t] + gamma * next - values[:, t], A_t = (delta + "
         "gamma * lambda * A_{t+1}) * mask[:, t].")

# ---------------------------------------------------------------------------
# Exercise 10.4: the clipped objective's per-token weights
# ---------------------------------------------------------------------------


def _objective(logp_new, logp_old, adv, mask, eps):
    terms, n = [], 0.0
    B, C = logp_new.shape
    for b in range(B):
        for t in range(C):
            if float(mask[b, t]) > 0:
                r = math.exp(float(logp_new[b, t]) - float(logp_old[b, t]))
                a = float(adv[b, t])
                terms.append(min(r * a, min(max(r, 1 - eps), 1 + eps) * a))
                n += 1
    return math.fsum(terms) / n


def _ppo_weights(logp_new, logp_old, adv, mask, eps):
    """d objective / d logp_new, by central differences, one token at a time."""
    h = 1e-6
    out = np.zeros(logp_new.shape)
    B, C = logp_new.shape
    for b in range(B):
        for t in range(C):
            up, down = logp_new.copy(), logp_new.copy()
            up[b, t] += h
            down[b, t] -= h
            out[b, t] = (_objective(up, logp_old, adv, mask, eps)
                         - _objective(down, logp_old, adv, mask, eps)) / (2 * h)
    return out


def _off_kinks(log_ratio, eps):
    r = np.exp(log_ratio)
    near = np.abs(np.abs(r - 1) - eps) < 2e-3
    return np.where(near, log_ratio + 0.01, log_ratio)


def _weight_cases(rng):
    old = rng.normal(-2.0, 0.5, (2, 4))
    log_ratio = np.log(np.array([[0.5, 0.9, 1.1, 1.5], [0.7, 1.3, 2.0, 1.05]]))
    adv = np.array([[1.0, -1.0, 0.5, 1.0], [-2.0, -0.5, -1.0, 2.0]])
    old3 = rng.normal(-2.0, 0.5, (3, 5))
    lr3 = _off_kinks(rng.normal(0.0, 0.3, (3, 5)), 0.1)
    return [Case("2 completions of 4 tokens, ratios on both sides of the clip range, "
                 "advantages of both signs, eps 0.2",
                 (old + log_ratio, old, adv, np.ones((2, 4)), 0.2)),
            Case("3 completions of 5, 3 and 4 tokens, padded, random ratios, eps 0.1",
                 (old3 + lr3, old3, rng.normal(size=(3, 5)), _ragged_mask([5, 3, 4], 5), 0.1)),
            Case("the first minibatch of an update: every ratio 1",
                 (old, old.copy(), adv, np.ones((2, 4)), 0.2))]


def _weights_variant(times_ratio: bool, zero_clipped: bool, over_all: bool,
                     mask_ignored: bool = False):
    def fn(logp_new, logp_old, adv, mask, eps):
        ratio = np.exp(logp_new - logp_old)
        active = ((adv > 0) & (ratio < 1 + eps)) | ((adv < 0) & (ratio > 1 - eps))
        m = np.ones_like(mask) if mask_ignored else mask
        n = m.size if over_all else m.sum()
        return (adv * (ratio if times_ratio else 1.0) * (active if zero_clipped else 1.0)
                * m / n)
    return fn


check_ppo_weights = FunctionCheck(
    "ppo_weights", _ppo_weights, _weight_cases, rtol=1e-5, atol=1e-8,
    mistakes=[
        Mistake("the gradient with respect to the ratio",
                "You returned notebook 04's gradient with respect to the *ratio*, A / n. The "
                "GPT's backward pass needs the gradient with respect to the token's "
                "*log-probability*, and ratio = exp(logp_new - logp_old), so d ratio / d logp_new "
                "= ratio: each weight carries a factor ratio.",
                "weight = A * ratio / n where the clip is not active, else 0.",
                variant=_weights_variant(False, True, False)),
        Mistake("clipped tokens still pushed",
                "You gave every token a weight, clipped or not. Where the clip is active (A > 0 "
                "and ratio above 1 + eps, or A < 0 and ratio below 1 - eps) the objective is flat, "
                "its gradient is 0: that is what stops PPO from pushing a token further on "
                "stale samples.",
                "Multiply by active = ((A > 0) & (ratio < 1 + eps)) | ((A < 0) & "
                "(ratio > 1 - eps)).",
                variant=_weights_variant(True, False, False)),
        Mistake("divided by every position",
                "Your weights are 0 at padding, as they should be, but you divided by the "
                "number of positions, padding included. The objective is a mean over the "
                "completions' real tokens: n = mask.sum().",
                "Divide by mask.sum().",
                variant=_weights_variant(True, True, True)),
        Mistake("the mask ignored",
                "You gave the padding positions weights too (and counted them in the mean). "
                "Padding is not part of any completion: its 'log-probabilities' are of tokens "
                "no one sampled, and its weights must be 0.",
                "Multiply by mask and divide by mask.sum().",
                variant=_weights_variant(True, True, True, mask_ignored=True)),
        Mistake("the wrong sign",
                "Your weights have the wrong sign. The package minimises sum w * (-log pi), "
                "whose gradient is -sum w * grad log pi; for that to be minus the objective's "
                "gradient, w must be + d objective / d logp_new.",
                "weight = +A * ratio / n on unclipped tokens.",
                variant=lambda lpn, lpo, a, m, e: -_weights_variant(True, True, False)(
                    lpn, lpo, a, m, e)),
    ],
    hint="ratio = exp(logp_new - logp_old); active = ((A > 0) & (ratio < 1 + eps)) | ((A < 0) & "
         "(ratio > 1 - eps)); weight = A * ratio * active * mask / mask.sum().")

# ---------------------------------------------------------------------------
# Exercise 10.5: the approximate KL for early stopping
# ---------------------------------------------------------------------------


def _approx_kl(logp_new, logp_old, mask):
    terms = []
    B, C = logp_new.shape
    for b in range(B):
        for t in range(C):
            if float(mask[b, t]) > 0:
                log_r = float(logp_new[b, t]) - float(logp_old[b, t])
                terms.append(math.expm1(log_r) - log_r)
    return math.fsum(terms) / len(terms)


def _kl_cases(rng):
    old = rng.normal(-2.0, 0.5, (3, 4))
    return [Case("3 completions of 4, 2 and 3 tokens, padded; small changes",
                 (old + rng.normal(0.0, 0.1, (3, 4)), old, _ragged_mask([4, 2, 3], 4))),
            Case("2 completions of 3 tokens; large changes in both directions",
                 (old[:2, :3] + np.array([[1.0, -1.5, 0.3], [-0.7, 2.0, 0.0]]), old[:2, :3],
                  np.ones((2, 3)))),
            Case("no change (KL 0)", (old, old.copy(), np.ones((3, 4))))]


def _masked_mean(x, m):
    return float((x * m).sum() / m.sum())


check_approx_kl = FunctionCheck(
    "approx_kl", _approx_kl, _kl_cases, rtol=1e-7, atol=1e-10,
    mistakes=[
        Mistake("the plain log-ratio",
                "You averaged logp_old - logp_new. That estimates the same KL on average, but "
                "each token's term can be negative, so on a minibatch it is noisy and can even "
                "be below 0. The estimator asked for, (r - 1) - log r, is never negative.",
                "log_r = logp_new - logp_old; mean of (exp(log_r) - 1) - log_r over real tokens.",
                variant=lambda lpn, lpo, m: _masked_mean(lpo - lpn, m)),
        Mistake("the ratio upside down",
                "You used r = pi_old / pi_new. The estimator of KL(pi_old || pi_new) on pi_old's "
                "samples uses r = pi_new / pi_old = exp(logp_new - logp_old).",
                "log_r = logp_new - logp_old.",
                variant=lambda lpn, lpo, m: _masked_mean(np.expm1(lpo - lpn) - (lpo - lpn), m)),
        Mistake("the padding counted",
                "You averaged over every position, padding included: the padded positions' "
                "numbers are not tokens anyone sampled.",
                "Sum over real tokens (times mask) and divide by mask.sum().",
                variant=lambda lpn, lpo, m: float(np.mean(np.expm1(lpn - lpo) - (lpn - lpo)))),
    ],
    hint="log_r = logp_new - logp_old; kl = sum(mask * ((exp(log_r) - 1) - log_r)) / mask.sum(), "
         "a Python float.")
