"""Checks for 07_rl_and_rlhf/13_kl_control: Ziegler et al.'s adaptive KL coefficient.

Oracles: the update written with explicit comparisons in plain floats (the notebook's
solution calls np.clip); the simulation as a plain loop over that update.
"""

from __future__ import annotations

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake

# ---------------------------------------------------------------------------
# Exercise 13.1: one update of the coefficient
# ---------------------------------------------------------------------------


def _update(beta, kl, target, rate, clip):
    error = float(kl) / float(target) - 1.0
    if error > clip:
        error = float(clip)
    elif error < -clip:
        error = -float(clip)
    return float(beta) * (1.0 + float(rate) * error)


def _update_cases(rng):
    return [Case("KL 11 against a target of 10 (error 0.1, inside the clip)",
                 (0.05, 11.0, 10.0, 0.3, 0.2)),
            Case("KL 40 against 10 (error 3, clipped to 0.2)", (0.05, 40.0, 10.0, 0.3, 0.2)),
            Case("KL 0 against 10 (error -1, clipped to -0.2)", (0.1, 0.0, 10.0, 0.3, 0.2)),
            Case("KL exactly on the target 25", (0.02, 25.0, 25.0, 0.5, 0.2)),
            Case("KL 4.5 against 5 with rate 0.1 and clip 0.5", (0.2, 4.5, 5.0, 0.1, 0.5)),
            Case("a random case", (float(rng.uniform(0.01, 0.3)), float(rng.uniform(0.0, 30.0)),
                                   float(rng.uniform(5.0, 20.0)), 0.4, 0.25))]


def _no_clip(beta, kl, target, rate, clip):
    return beta * (1.0 + rate * (kl / target - 1.0))


def _absolute_error(beta, kl, target, rate, clip):
    return beta * (1.0 + rate * float(np.clip(kl - target, -clip, clip)))


def _wrong_sign(beta, kl, target, rate, clip):
    return beta * (1.0 - rate * float(np.clip(kl / target - 1.0, -clip, clip)))


def _additive(beta, kl, target, rate, clip):
    return beta + rate * float(np.clip(kl / target - 1.0, -clip, clip))


check_kl_controller_update = FunctionCheck(
    "kl_controller_update", _update, _update_cases, rtol=1e-12, atol=1e-15, dtype="kind",
    mistakes=[
        Mistake("no clip",
                "You did not clip the error: far from the target (KL 40 against 10) the "
                "coefficient jumped by rate x 3 instead of rate x 0.2.",
                "Clip kl / target - 1 to [-clip, clip] before multiplying by the rate.",
                variant=_no_clip),
        Mistake("the error not relative to the target",
                "You clipped kl - target, in nats. The controller's error is relative: "
                "kl / target - 1, so that 11 nats against 10 is an error of 0.1.",
                "Divide by the target: kl / target - 1.",
                variant=_absolute_error),
        Mistake("the wrong sign",
                "Your coefficient goes down when the KL is above the target. A KL too large "
                "needs a larger penalty: beta must grow.",
                "beta * (1 + rate * error), with error > 0 when kl > target.",
                variant=_wrong_sign),
        Mistake("added, not multiplied",
                "You added rate x error to beta. The update is multiplicative, "
                "beta * (1 + rate * error), so it scales with beta and beta stays positive.",
                "Multiply beta by (1 + rate * error).",
                variant=_additive),
    ],
    hint="error = clip(kl / target - 1, -clip, clip); return beta * (1 + rate * error), as a "
         "float.")

# ---------------------------------------------------------------------------
# Exercise 13.2: the controller on a model of a training run
# ---------------------------------------------------------------------------


def _lagging_plant(kl, beta):
    # each step the KL moves a third of the way to the level the coefficient would hold (0.5/beta)
    return kl + (0.5 / beta - kl) / 3.0


def _instant_plant(kl, beta):
    return 0.4 / beta


def _simulate(kl_next, beta0, target, steps, rate, clip):
    betas, kls = [], []
    kl, beta = 0.0, float(beta0)
    for _ in range(int(steps)):
        kl = float(kl_next(kl, beta))
        betas.append(beta)
        kls.append(kl)
        beta = _update(beta, kl, target, rate, clip)
    return np.array(betas), np.array(kls)


def _simulate_cases(rng):
    return [Case("a lagging run, beta 0.05, target 8, 40 steps",
                 (_lagging_plant, 0.05, 8.0, 40, 0.3, 0.2)),
            Case("an instant run, 25 steps, rate 0.5",
                 (_instant_plant, float(rng.uniform(0.05, 0.2)), float(rng.uniform(10.0, 30.0)),
                  25, 0.5, 0.2)),
            Case("one step", (_lagging_plant, 0.05, 8.0, 1, 0.3, 0.2))]


def _recorded_after(kl_next, beta0, target, steps, rate, clip):
    betas, kls = [], []
    kl, beta = 0.0, float(beta0)
    for _ in range(int(steps)):
        kl = float(kl_next(kl, beta))
        beta = _update(beta, kl, target, rate, clip)
        betas.append(beta)
        kls.append(kl)
    return np.array(betas), np.array(kls)


def _measured_before(kl_next, beta0, target, steps, rate, clip):
    betas, kls = [], []
    kl, beta = 0.0, float(beta0)
    for _ in range(int(steps)):
        betas.append(beta)
        kls.append(kl)
        beta = _update(beta, kl, target, rate, clip)
        kl = float(kl_next(kl, beta))
    return np.array(betas), np.array(kls)


check_simulate_controller = FunctionCheck(
    "simulate_controller", _simulate, _simulate_cases, rtol=1e-9, atol=1e-12, dtype="kind",
    mistakes=[
        Mistake("the updated beta recorded",
                "Your betas are one step ahead: you recorded the coefficient *after* updating "
                "it, not the one the step trained with.",
                "In each step: train (kl = kl_next(kl, beta)), record beta and kl, then update "
                "beta.",
                variant=_recorded_after),
        Mistake("the KL recorded before the step",
                "Your KLs are one step behind: you recorded the KL before the step trained, "
                "and updated beta from it (the first KL you return is the starting 0).",
                "Call kl_next first; the KL you record and feed to the update is the one after "
                "the step.",
                variant=_measured_before),
    ],
    hint="kl, beta = 0.0, beta0; then steps times: kl = kl_next(kl, beta); append beta and kl; "
         "beta = kl_controller_update(beta, kl, target, rate, clip). Return two arrays.")
