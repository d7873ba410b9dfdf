"""The calibration practice set of notebook 06 (the scoring rules it uses are
autograder.calibration's, tested in tests/test_calibration.py).

The practice questions are checked against probabilities worked out by hand,
so a question's text and its experiment cannot drift apart unnoticed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from nbfiles import SOLUTIONS

from autograder.notebooks import nbgrader_meta, read_notebook
from autograder.reflections import practice

NOTEBOOK = SOLUTIONS / "05_alignment_reflections" / "06_forecasting_and_calibration.ipynb"


# -- the practice set -----------------------------------------------------------------------


def _experiments():
    """The experiments exactly as the notebook defines them (its read-only cell)."""
    cell = next(c for c in read_notebook(NOTEBOOK).cells
                if nbgrader_meta(c).get("grade_id") == "experiments")
    namespace = {"np": np, "PRACTICE_KEYS": practice.PRACTICE_KEYS}
    exec(compile(cell.source, "experiments", "exec"), namespace)
    return namespace["EXPERIMENTS"]


def _birthday():
    return 1 - math.prod((365 - i) / 365 for i in range(23))


def _at_least_60_heads():
    return sum(math.comb(100, k) for k in range(60, 101)) / 2 ** 100


def _top_token_20():
    w = np.exp(np.array([2.0, 1.0, 0.0, -1.0]) / 0.5)
    return float((w[0] / w.sum()) ** 20)


def _mean_within(sd, n, half_width):
    return math.erf(half_width / (sd / math.sqrt(n)) / math.sqrt(2))


# Probabilities worked out without running the experiments.
EXACT = {
    "shared_birthday_23": _birthday(),                        # 0.507
    "sixty_heads": _at_least_60_heads(),                      # 0.028
    "near_orthogonal_3d": 0.2,      # in 3 dimensions |cos| of random directions is uniform
    "diverges_at_lr_011": 1.0,      # the y step multiplies y by 1 - 2.2 = -1.2
    "top_token_20_times": _top_token_20(),                    # 0.055
    "mean_of_30_uniform": _mean_within(math.sqrt(1 / 12), 30, 0.1),   # CLT: 0.94
}


def test_the_experiments_match_the_questions():
    experiments = _experiments()
    assert tuple(experiments) == practice.PRACTICE_KEYS
    outcomes = practice.resolve(experiments, 123)
    assert set(outcomes) == set(practice.PRACTICE_KEYS)
    assert all(isinstance(v, bool) for v in outcomes.values())
    assert practice.resolve(experiments, 123) == outcomes


@pytest.mark.parametrize("key", sorted(EXACT))
def test_an_experiment_happens_as_often_as_worked_out(key):
    experiment = _experiments()[key]
    runs = 2000
    estimate = np.mean([experiment(np.random.default_rng([99, r])) for r in range(runs)])
    exact = EXACT[key]
    tolerance = 4 * math.sqrt(max(exact * (1 - exact), 1e-4) / runs) + 0.01
    assert abs(estimate - exact) < tolerance, f"{key}: {estimate:.3f} vs {exact:.3f}"


def test_estimates_cover_every_question_and_honour_slow_runs():
    calls = {}

    def counter(key):
        def experiment(rng):
            calls[key] = calls.get(key, 0) + 1
            return rng.random() < 0.5
        return experiment

    estimates = practice.estimate_probabilities({k: counter(k) for k in practice.PRACTICE_KEYS},
                                                runs=40, slow={"sixty_heads": 5})
    assert set(estimates) == set(practice.PRACTICE_KEYS)
    assert calls["sixty_heads"] == 5 and calls["run_of_six_heads"] == 40
    assert all(0 <= v <= 1 for v in estimates.values())


def test_wrong_experiments_are_a_clear_error():
    experiments = dict(_experiments())
    del experiments["sixty_heads"]
    with pytest.raises(practice.PracticeSetError, match="missing \\['sixty_heads'\\]"):
        practice.resolve(experiments, 1)
    experiments["sixty_heads"] = lambda rng: 0.5
    with pytest.raises(practice.PracticeSetError, match="must return True or False"):
        practice.resolve(experiments, 1)


def test_each_question_gets_its_own_random_stream():
    seen = {}

    def recorder(key):
        def experiment(rng):
            seen[key] = rng.random()
            return True
        return experiment

    practice.resolve({k: recorder(k) for k in practice.PRACTICE_KEYS}, 5)
    assert len(set(seen.values())) == len(practice.PRACTICE_KEYS)
