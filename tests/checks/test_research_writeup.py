"""Stage 08, notebooks 05 and 06: the checks against the solutions, oracles against other forms.

The solution notebooks' own functions (an independent implementation of each exercise)
pass their checks in-process; stubs, wrong answers and half answers fail. The oracles
are held to other formulations: score_log's sums to autograder.calibration, the seed
count's search to the closed formula, the verdict's mirroring to a rule written out
case by case. The written answers of both notebooks export for peer review with their
rubrics.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from nbfiles import CURRICULUM, SOLUTIONS
from solution_pieces import solution_source

from autograder.calibration import brier_score, log_score
from autograder.checks.research import capstone, writeup
from autograder.progress import peer

NB05 = "08_research/05_writing_it_up.ipynb"
NB06 = "08_research/06_a_question_of_your_own.ipynb"


def _solutions(notebook: str) -> dict:
    namespace: dict = {}
    source = solution_source(SOLUTIONS / notebook)
    header = ("from statistics import NormalDist\n\n"
              "import matplotlib.pyplot as plt\n\n"
              "from autograder.calibration import brier_score, log_score\n")
    exec(compile(header + source, notebook, "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def sol05():
    return _solutions(NB05)


@pytest.fixture(scope="module")
def sol06():
    return _solutions(NB06)


CHECKS05 = {"log_prediction": writeup.check_log_prediction, "resolve": writeup.check_resolve,
            "score_log": writeup.check_score_log,
            "interval_bars": writeup.check_interval_bars,
            "claims_table": writeup.check_claims_table}
CHECKS06 = {"seeds_for_plan": capstone.check_seeds_for_plan,
            "run_paired": capstone.check_run_paired, "decide": capstone.check_decide}


@pytest.mark.parametrize("name", sorted(CHECKS05))
def test_notebook_05_solutions_pass_and_a_stub_fails(sol05, name):
    check = CHECKS05[name]
    assert check.explain(sol05[name]) is None
    assert check.explain(sol05[name], seed=4321) is None

    def stub(*args):
        raise NotImplementedError()

    assert "not implemented" in check.explain(stub)


@pytest.mark.parametrize("name", sorted(CHECKS06))
def test_notebook_06_solutions_pass_and_a_stub_fails(sol06, name):
    check = CHECKS06[name]
    assert check.explain(sol06[name]) is None
    assert check.explain(sol06[name], seed=4321) is None

    def stub(*args):
        raise NotImplementedError()

    assert "not implemented" in check.explain(stub)


def test_a_function_that_never_refuses_fails_on_the_refusals(sol05, sol06):
    def lenient_log(log, time, question, prediction, probability):
        return writeup._log_prediction(log, time, question, prediction, probability)

    message = writeup.check_log_prediction.explain(lenient_log)
    assert "should raise ValueError" in message and "probability 1.0" in message

    def lenient_decide(interval, direction, smallest_effect):
        return capstone._decide(interval, direction, smallest_effect)

    assert "direction 0" in capstone.check_decide.explain(lenient_decide)


def test_score_log_oracle_equals_the_calibration_module():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = int(rng.integers(1, 9))
        p = rng.uniform(0.01, 0.99, n)
        o = rng.random(n) < 0.5
        entries = writeup._log_with(p.tolist(), o.tolist())
        base = float(rng.uniform(0.05, 0.95))
        got = writeup._score_log(entries, base)
        assert got["n"] == n
        assert got["brier"] == pytest.approx(brier_score(p, o))
        assert got["log"] == pytest.approx(log_score(p, o))
        assert got["brier_base"] == pytest.approx(brier_score([base] * n, o))
        assert got["log_base"] == pytest.approx(log_score([base] * n, o))


def test_seed_count_search_equals_the_closed_formula_away_from_ties():
    z = NormalDist()
    rng = np.random.default_rng(1)
    compared = 0
    for _ in range(200):
        d = np.round(rng.normal(0.0, rng.uniform(0.005, 0.03), int(rng.integers(3, 10))), 3)
        effect = float(rng.uniform(0.002, 0.02))
        alpha, power = float(rng.choice([0.01, 0.05, 0.1])), float(rng.choice([0.8, 0.9]))
        sd = float(np.std(d, ddof=1))
        if sd == 0:
            continue
        exact = ((z.inv_cdf(1 - alpha / 2) + z.inv_cdf(power)) * sd / effect) ** 2
        if abs(exact - round(exact)) < 1e-6:
            continue
        assert capstone._seeds_for_plan(d, effect, alpha, power) == max(2, math.ceil(exact))
        compared += 1
    assert compared > 150


def _rule_written_out(interval, direction, delta):
    low, high = interval
    if direction == 1:
        if low > 0:
            return "confirmed"
        if high < 0:
            return "refuted"
    else:
        if high < 0:
            return "confirmed"
        if low > 0:
            return "refuted"
    if -delta < low and high < delta:
        return "refuted"
    return "inconclusive"


def test_verdict_oracle_equals_the_rule_written_case_by_case():
    grid = [-0.02, -0.005, -0.002, 0.0, 0.002, 0.005, 0.02]
    for low in grid:
        for high in grid:
            if low > high:
                continue
            for direction in (1, -1):
                for delta in (0.001, 0.005, 0.03):
                    assert capstone._decide((low, high), direction, delta) == \
                        _rule_written_out((low, high), direction, delta), (low, high, direction)


def test_run_paired_check_refuses_extra_runs_and_wrong_seeds():
    def extra(run, conditions, seeds):
        table = [[run(c, s) for s in seeds] for c in conditions]
        run(conditions[1], seeds[-1] + 1)               # one more seed "to be sure"
        return table

    assert "nothing else" in capstone.check_run_paired.explain(extra)

    def sorted_seeds(run, conditions, seeds):
        return [[run(c, s) for s in sorted(seeds)] for c in conditions]

    assert capstone.check_run_paired.explain(sorted_seeds) is not None


@pytest.mark.parametrize("notebook", [NB05, NB06])
def test_the_written_answers_export_for_peer_review_with_their_rubric(notebook, tmp_path):
    answers = peer.written_answers(CURRICULUM / notebook, SOLUTIONS / notebook)
    assert len(answers) == 1
    (answer,) = answers
    assert "Rubric" in answer.rubric and answer.rubric.count("Learner ") >= 3
    assert answer.question.strip() and not answer.answer
    page = peer.export_page(CURRICULUM / notebook, notebook, SOLUTIONS / notebook)
    assert page.count("Rubric (open it before you score)") == 1
