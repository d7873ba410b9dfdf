"""Stages 03 and 04: what the exercises promise is checked by the visible checks (issue 13).

Every check of the two stages has a general hint, shown when no known mistake
matches. The training loop of 04/06 is compared with a reference run from the
same seed: a correct loop passes (visible and hidden), and loops that differ
from the prescribed one (a fresh generator each step, weight decay on every
array, t restarting at 1, another beta2, extra evaluations, clock readings for
durations) fail; a malformed history gets an explanation, not a crash.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from autograder.checks import all_checks

OWNED = {name: check for name, check in all_checks().items()
         if ".probability." in name or ".transformer." in name}


def _short(name: str) -> str:
    return name.removeprefix("autograder.checks.")


def test_the_stages_have_their_checks():
    assert len(OWNED) >= 70


@pytest.mark.parametrize("name", sorted(OWNED), ids=_short)
def test_every_check_has_a_general_hint(name):
    hint = OWNED[name].hint
    assert isinstance(hint, str) and len(hint.strip()) >= 20, (
        f"{name} has no general hint for mistakes nobody registered: {hint!r}")


# -- 04/06 the training loop: compared with a reference run from the same seed ----------------

def _loop(**change):
    """A `train` written as the exercise prescribes, with one optional change."""
    from autograder.checks.transformer import training as T
    from autograder.gpt.data import task_batch

    def train(model, n_steps, held_out, batch_size=64, peak_lr=3e-3, warmup=100,
              weight_decay=0.01, seed=0, eval_every=100, on_step=None):
        rng = np.random.default_rng(seed)
        state = {n: (np.zeros_like(p), np.zeros_like(p)) for n, p in model.params.items()}
        history = {"loss": [], "seconds": [], "eval_steps": [],
                   "accuracy": {t: [] for t in held_out}}
        for step in range(n_steps):
            if change.get("fresh_rng"):
                rng = np.random.default_rng(seed)
            inputs, targets, mask = task_batch(("reverse", "sort"), batch_size, 8, rng)
            loss = model.loss(inputs, targets, mask)
            grads = model.backward()
            lr = T._schedule(step, n_steps, warmup, peak_lr)
            for name in list(model.params):
                p = model.params[name]
                m, v = state[name]
                decay = weight_decay if (p.ndim == 2 or change.get("decay_all")) else 0.0
                t = 1 if change.get("t_is_1") else step + 1
                model.params[name], m, v = T._adam_variant(
                    p, grads[name], m, v, t, lr, beta2=change.get("beta2", 0.99),
                    weight_decay=decay)
                state[name] = (m, v)
            history["seconds"].append(time.perf_counter() if change.get("clock") else 0.0)
            history["loss"].append(float(loss))
            if on_step is not None and not change.get("no_on_step"):
                on_step(step + 1 if change.get("on_step_from_1") else step, loss)
            if (step + 1) % eval_every == 0 or step + 1 == n_steps or change.get("eval_all"):
                history["eval_steps"].append(step + 1)
                for task, (i, tg, mk) in held_out.items():
                    history["accuracy"][task].append(
                        T._sequence_accuracy(model.logits(i), tg, mk))
        return history
    return train


@pytest.mark.parametrize("hidden", [False, True])
def test_a_correct_training_loop_passes(hidden):
    from autograder.checks.transformer.training import check_train
    assert check_train.explain(_loop(), hidden=hidden) is None


@pytest.mark.parametrize("change", [{"fresh_rng": True}, {"decay_all": True}, {"t_is_1": True},
                                    {"beta2": 0.999}, {"eval_all": True}, {"clock": True},
                                    {"no_on_step": True}, {"on_step_from_1": True}],
                         ids=lambda c: next(iter(c)))
def test_a_training_loop_that_differs_from_the_prescribed_one_fails(change):
    from autograder.checks.transformer.training import check_train
    message = check_train.explain(_loop(**change))
    assert message is not None and message.startswith("train: ")


@pytest.mark.parametrize("history", [None, 3.0, {"loss": "x", "seconds": 1, "eval_steps": 2,
                                                 "accuracy": []}])
def test_the_training_check_explains_a_malformed_history(history):
    from autograder.checks.transformer.training import check_train
    message = check_train.explain(lambda model, n, held_out, **kw: history)
    assert message is not None and message.startswith("train: ")
