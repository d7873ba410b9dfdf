"""Stage 07, notebook 13 (the adaptive KL coefficient): the RLHF loop's controller hook, the
shipped runs, and the figures the notebook quotes.

- train_rlhf calls the controller once per step with the step's mean KL and trains the next
  step with what it returns; without one, beta stays the config's;
- the package's plain update agrees with the check's oracle;
- every coefficient of the shipped runs is the plain update of the one before at the KL that
  step recorded (the file is what the module says it is), and the notebook's text quotes them.
"""

from __future__ import annotations

import json

import numpy as np
from nbfiles import SOLUTIONS

from autograder.checks.rl_and_rlhf import kl_control as checks
from autograder.rl import kl_control, policy, rlhf

NOTEBOOK = SOLUTIONS / "07_rl_and_rlhf" / "13_kl_control.ipynb"


def test_the_loop_trains_each_step_with_the_controllers_beta():
    seen = []

    def controller(beta, kl):
        seen.append((beta, kl))
        return 2.0 * beta

    model, reference = policy.reference_model(), policy.reference_model()
    config = rlhf.RLHFConfig(steps=3, batch=2, n_new=3, beta=0.05)
    hist = rlhf.train_rlhf(model, reference, lambda t: np.zeros(len(t)), config,
                           progress=False, kl_controller=controller)
    assert hist.beta == [0.05, 0.1, 0.2]
    assert [kl for _, kl in seen] == hist.kl
    plain = rlhf.train_rlhf(policy.reference_model(), reference, lambda t: np.zeros(len(t)),
                            rlhf.RLHFConfig(steps=2, batch=2, n_new=3, beta=0.05), progress=False)
    assert plain.beta == [0.05, 0.05]


def test_the_plain_update_agrees_with_the_checks_oracle():
    rng = np.random.default_rng(0)
    for _ in range(200):
        beta, kl, target = rng.uniform(0.001, 1.0), rng.uniform(0.0, 80.0), rng.uniform(1.0, 40.0)
        rate, clip = rng.uniform(0.0, 2.0), rng.uniform(0.05, 1.0)
        assert np.isclose(kl_control.plain_update(beta, kl, target, rate, clip),
                          checks._update(beta, kl, target, rate, clip), rtol=1e-12)


def test_the_shipped_runs_are_the_controller_at_work():
    runs = kl_control.load_runs()
    assert sorted(runs) == sorted(kl_control.TARGETS)
    for target, run in runs.items():
        assert all(len(run[k]) == kl_control.STEPS for k in ("reward", "kl", "gold", "beta"))
        assert run["beta"][0] == kl_control.BETA0
        expected = [kl_control.plain_update(b, k, target)
                    for b, k in zip(run["beta"][:-1], run["kl"][:-1], strict=True)]
        np.testing.assert_allclose(run["beta"][1:], expected, rtol=1e-12)


def test_the_notebook_quotes_the_shipped_runs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for target, run in kl_control.load_runs().items():
        assert f"{run['kl'][-20:].mean():.1f} nats" in text, target
        assert f"{run['beta'][-1]:.3f}" in text, target
