"""Checks for 07_rl_and_rlhf/08_dpo: the DPO loss and its derivative.

Oracles: a loop over pairs in plain Python floats for the loss; for the
derivative, central finite differences of that loop, one pair at a time (the
loss of pair i depends on its own log-probabilities only).
"""

from __future__ import annotations

import math

import numpy as np

from ..core import FunctionCheck
from ..scalar_math import softplus as _softplus
from ..spec import Case, Mistake


def _dpo_loss(lp_c, lp_r, ref_c, ref_r, beta):
    terms = []
    for a, b, c, d in zip(lp_c.tolist(), lp_r.tolist(), ref_c.tolist(), ref_r.tolist(),
                          strict=True):
        h = beta * ((a - c) - (b - d))
        terms.append(_softplus(-h))
    return math.fsum(terms) / len(terms)


def _dpo_coefficients(lp_c, lp_r, ref_c, ref_r, beta):
    m = len(lp_c)
    out = np.zeros(m)
    for i in range(m):
        a, b, c, d = float(lp_c[i]), float(lp_r[i]), float(ref_c[i]), float(ref_r[i])
        eps = 1e-5 * max(1.0, abs(a))

        def pair(x, b=b, c=c, d=d):
            return _softplus(-beta * ((x - c) - (b - d))) / m

        out[i] = (pair(a + eps) - pair(a - eps)) / (2 * eps)
    return out


def _cases(rng):
    m = 6
    lp = rng.normal(-30.0, 5.0, (4, m))
    return [Case("6 pairs, log-probabilities around -30, beta 0.1", (*lp, 0.1)),
            Case("3 pairs, beta 0.5",
                 (np.array([-10.0, -20.0, -5.0]), np.array([-12.0, -15.0, -5.0]),
                  np.array([-11.0, -19.0, -6.0]), np.array([-11.0, -16.0, -4.0]), 0.5)),
            Case("a policy far on the wrong side: beta times the margin is -800",
                 (np.array([-900.0, -20.0]), np.array([-100.0, -20.0]),
                  np.array([-100.0, -20.0]), np.array([-100.0, -20.0]), 1.0))]


def _loss_with(margin, stable=True):
    def loss(a, b, c, d, beta):
        h = margin(a, b, c, d, beta)
        if stable:
            return float(np.logaddexp(0.0, -h).mean())
        return float((-np.log(1.0 / (1.0 + np.exp(-h)))).mean())
    return loss


_RIGHT = lambda a, b, c, d, beta: beta * ((a - c) - (b - d))      # noqa: E731
check_dpo_loss = FunctionCheck(
    "dpo_loss", _dpo_loss, _cases, rtol=1e-9, atol=1e-12,
    mistakes=[
        Mistake("chosen and rejected swapped",
                "Your loss is smallest when the policy prefers the *rejected* completion.",
                "The margin is (log-ratio of the chosen) - (log-ratio of the rejected).",
                variant=_loss_with(lambda a, b, c, d, beta: -_RIGHT(a, b, c, d, beta))),
        Mistake("the reference is missing",
                "You compared the policy's log-probabilities directly, without the "
                "reference's. DPO's implicit reward is beta * log(pi / pi_ref): without the "
                "reference, the loss rewards making the chosen completion likely in absolute "
                "terms, and nothing anchors the policy.",
                "Use (logp_chosen - ref_chosen) - (logp_rejected - ref_rejected).",
                variant=_loss_with(lambda a, b, c, d, beta: beta * (a - b))),
        Mistake("log of a sigmoid that underflowed",
                "You computed -log(sigmoid(h)); for h = -800 the sigmoid is 0 and the loss inf.",
                "-log sigmoid(h) = np.logaddexp(0, -h).",
                variant=_loss_with(_RIGHT, stable=False)),
        Mistake("beta missing",
                "Your margin is not multiplied by beta. Beta is the KL coefficient of the "
                "objective DPO comes from; it sets how strongly a log-ratio counts as reward.",
                "h = beta * ((logp_c - ref_c) - (logp_r - ref_r)).",
                variant=_loss_with(lambda a, b, c, d, beta: (a - c) - (b - d))),
    ],
    hint="h = beta * ((logp_c - ref_c) - (logp_r - ref_r)); the loss is "
         "np.logaddexp(0, -h).mean().")


def _coef_with(scale, sign=1.0):
    def coef(a, b, c, d, beta):
        h = beta * ((a - c) - (b - d))
        return -sign * beta * np.exp(-np.logaddexp(0.0, h)) * scale(len(h))
    return coef


check_dpo_coefficients = FunctionCheck(
    "dpo_coefficients", _dpo_coefficients, lambda rng: _cases(rng)[:2], rtol=1e-6, atol=1e-10,
    mistakes=[
        Mistake("the wrong sign",
                "Your derivative has the wrong sign: raising the chosen completion's "
                "log-probability *lowers* the loss, so the derivative is negative.",
                "dL/dlogp_chosen = -beta * sigmoid(-h) / m.",
                variant=_coef_with(lambda m: 1.0 / m, -1.0)),
        Mistake("not divided by the number of pairs",
                "Your derivative is m times too large: the loss is a mean over the m pairs.",
                "Divide by m.",
                variant=_coef_with(lambda m: 1.0)),
        Mistake("sigmoid(h) instead of sigmoid(-h)",
                "You weighted each pair by sigmoid(h), the probability the model gives the "
                "*right* answer; the push should be strongest where it is wrong: sigmoid(-h).",
                "d/dh log(1 + exp(-h)) = -sigmoid(-h).",
                variant=lambda a, b, c, d, beta: -beta / (1.0 + np.exp(-beta * ((a - c) - (b - d))))
                / len(a)),
    ],
    hint="h = beta * ((logp_c - ref_c) - (logp_r - ref_r)); the derivative with respect to "
         "logp_chosen is -beta * sigmoid(-h) / m.")
