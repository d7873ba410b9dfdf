"""Claims the notebooks make in prose, rubrics and example answers, run.

Each test names the notebook and the sentence it checks. Claims that a
notebook already measures in a cell of its own (solve vs inverse in 01/03,
bounded logits in 02/07, positions in 04/02) are run by the notebook
execution test; the ones here are those a notebook states without running,
usually because running them in front of the learner would give away an answer.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from autograder.gpt import GPT, GPTConfig, layers
from autograder.gpt.data import VOCAB, digit_problems, encode, make_batch
from autograder.gpt.train import solved


def test_01_06_the_svd_example_has_two_reflections():
    # 01/06 cell 2: "for this matrix NumPy returns a U and a V that are both reflections"
    A = np.array([[1.2, 0.7], [-0.4, 0.9]])
    U, s, Vt = np.linalg.svd(A)
    assert np.linalg.det(U) == pytest.approx(-1.0)
    assert np.linalg.det(Vt.T) == pytest.approx(-1.0)
    assert np.linalg.det(A) == pytest.approx(s[0] * s[1])          # the flips cancel


def test_01_06_flipping_a_singular_pair_gives_another_svd():
    # 01/06 cell 0: the SVD does not promise rotations; a sign flip is another valid SVD
    A = np.array([[1.2, 0.7], [-0.4, 0.9]])
    U, s, Vt = np.linalg.svd(A)
    U2, Vt2 = U.copy(), Vt.copy()
    U2[:, 0] *= -1
    Vt2[0] *= -1
    np.testing.assert_allclose(U2 @ np.diag(s) @ Vt2, A)
    assert np.linalg.det(U2) == pytest.approx(-np.linalg.det(U))


def test_01_02_a_later_read_after_an_earlier_write_is_w_in_at_w_out():
    # 01/02 cell 43: with column vectors, "first W_out, then W_in" is W_in @ W_out;
    # with row vectors (stage 04's x @ W) it is written W_out @ W_in
    rng = np.random.default_rng(0)
    W_out, W_in, x = rng.normal(size=(6, 3)), rng.normal(size=(2, 6)), rng.normal(size=3)
    np.testing.assert_allclose(W_in @ (W_out @ x), (W_in @ W_out) @ x)
    np.testing.assert_allclose((x @ W_out.T) @ W_in.T, x @ (W_out.T @ W_in.T))


def test_04_01_the_all_ones_mask_floor_is_8_ln_10_over_17():
    # 04/01 rubric 1.7: with every target counted, only the 8 prompt digits are
    # unpredictable; the floor is 8 ln 10 / 17 ~ 1.08, counted from the real pipeline
    problems = digit_problems("reverse", 50, 8, np.random.default_rng(0))
    inputs, targets, _ = make_batch(problems)
    assert targets.shape[1] == 17
    prompt_digit = np.zeros(targets.shape, dtype=bool)
    prompt_digit[:, :8] = True                   # targets 0..7 are d1..d8 (after the marker)
    decoded = ["".join(VOCAB[t] for t in row) for row in targets]
    assert all(row[8] == "=" for row in decoded)  # then "=", then the 8 answer digits
    floor = prompt_digit.sum() * math.log(10) / targets.size
    assert floor == pytest.approx(8 * math.log(10) / 17)
    assert round(floor, 2) == 1.08


def test_02_07_tanh_logits_are_bounded_however_far_away():
    # 02/07 rubric 7.7(b): tanh hidden layers bound the logits (the ReLU story is linear growth)
    rng = np.random.default_rng(0)
    W1, W2, W3 = rng.normal(size=(2, 16)), rng.normal(size=(16, 16)), rng.normal(size=(16, 2))
    b3 = rng.normal(size=2)
    directions = rng.normal(size=(200, 2))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    bound = np.abs(W3).sum(axis=0) + np.abs(b3)

    def tanh_logits(points):
        return np.tanh(np.tanh(points @ W1) @ W2) @ W3 + b3

    def relu_logits(points):
        return np.maximum(np.maximum(points @ W1, 0) @ W2, 0) @ W3 + b3

    far, farther = tanh_logits(1e3 * directions), tanh_logits(1e4 * directions)
    assert np.all(np.abs(farther) <= bound + 1e-9)
    assert np.abs(farther).max() <= 1.01 * np.abs(far).max()       # settled, not growing
    relu_far, relu_farther = relu_logits(1e3 * directions), relu_logits(1e4 * directions)
    assert np.abs(relu_farther).max() > 5 * np.abs(relu_far).max()  # linear growth


@pytest.fixture()
def no_mask(monkeypatch):
    monkeypatch.setattr(layers, "causal_bias", lambda T, dtype: np.zeros((T, T), dtype=dtype))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_04_02_without_mask_and_positions_reverse_is_impossible(seed, no_mask):
    # 04/02: an encoder without positions gives R1234= and R4321= the same logits at "="
    model = GPT(GPTConfig(vocab_size=len(VOCAB), context=9, n_layers=3), seed=seed)
    model.params["pos_emb"][:] = 0.0
    logits = model.logits(np.stack([encode("R1234="), encode("R4321=")]))[:, -1]
    np.testing.assert_allclose(logits[0], logits[1], atol=1e-5)


def test_04_02_the_causal_mask_alone_tells_the_prompts_apart():
    model = GPT(GPTConfig(vocab_size=len(VOCAB), context=9, n_layers=3), seed=0)
    model.params["pos_emb"][:] = 0.0
    logits = model.logits(np.stack([encode("R1234="), encode("R4321=")]))[:, -1]
    assert np.abs(logits[0] - logits[1]).max() > 1e-4


@pytest.fixture(scope="module")
def shipped():
    from autograder.gpt.pretrained import load
    return load()


def test_04_08_the_mirror_head_is_necessary_for_reverse_and_the_others_are_not(shipped):
    # 04/08 "What this reveals" and the example answer of 8.3: the mirror scores; removing
    # the mirror head takes reverse from ~100% to ~0; removing any other head leaves it > 80%
    inputs, targets, mask = make_batch(digit_problems("reverse", 300, 8,
                                                      np.random.default_rng(6)))
    L, H = shipped.config.n_layers, shipped.config.n_heads
    full = solved(shipped.logits(inputs), targets, mask).mean()
    assert full > 0.99
    shipped.logits(inputs)
    queries = np.arange(9, 17)
    mirror = [[shipped.patterns[layer][:, head][:, queries, 17 - queries].mean()
               for head in range(H)] for layer in range(L)]
    best = np.unravel_index(np.argmax(mirror), (L, H))
    others = np.delete(np.ravel(mirror), np.argmax(mirror))
    assert np.max(mirror) > 0.98 and others.max() < 0.35            # "0.99", "0.3 or less"
    accuracy = {}
    for layer in range(L):
        for head in range(H):
            head_mask = np.ones((L, H))
            head_mask[layer, head] = 0
            accuracy[layer, head] = solved(shipped.logits(inputs, head_mask=head_mask),
                                           targets, mask).mean()
    assert accuracy[best] < 0.05
    assert min(a for k, a in accuracy.items() if k != best) > 0.8


def _practice_experiments():
    """The experiments of 05/06's practice set, run from the notebook's own cell."""
    import json
    from pathlib import Path
    path = (Path(__file__).resolve().parents[1] / "solutions" / "05_alignment_reflections"
            / "06_forecasting_and_calibration.ipynb")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    source = next(s for s in sources if "def xor_with_two_hidden_units" in s)
    namespace = {"np": np}
    exec(source.split("EXPERIMENTS =")[0], namespace)
    return namespace


def test_05_06_example_answer_numbers():
    # the example answer: "0.865 ... its twentieth power is 0.055"; "six heads in 100 tosses
    # (... about 0.55)"; "with only two hidden units about half of random starts get stuck"
    logits = np.array([2.0, 1.0, 0.0, -1.0]) / 0.5
    p = np.exp(logits - logits.max())
    p /= p.sum()
    assert round(p[0], 3) == 0.865 and round(p[0] ** 20, 3) == 0.055
    experiments = _practice_experiments()
    rng = np.random.default_rng(0)
    runs = np.mean([experiments["run_of_six_heads"](rng) for _ in range(4000)])
    assert abs(runs - 0.55) < 0.025                     # exactly 0.546 (4000 runs: s.e. 0.008)
    xor = np.mean([experiments["xor_with_two_hidden_units"](rng) for _ in range(200)])
    assert 0.3 < 1 - xor < 0.7                          # "about half ... get stuck"


def test_arithmetic_in_stage_04_prose():
    # 04/06: "0.99^8 ~ 92%", "about 1,100 tokens" a step, "70,000 problems"; 04/06 rubric:
    # "p = 97 has only 9,409 problems"; 04/08: grokking's "2,809 pairs" for p = 53;
    # 04/05 and 04/08: "about 100,000 parameters" in the training model
    assert round(0.99 ** 8, 2) == 0.92
    assert 64 * 17 == 1088 and 1100 * 64 == 70_400
    assert 97 ** 2 == 9409 and 53 ** 2 == 2809
    model = GPT(GPTConfig(vocab_size=15, context=17, d_model=64, n_heads=4, n_layers=2))
    assert 90_000 < model.n_params < 110_000


def test_03_08_always_saying_half_scores():
    # 03/08 and 05/06: always saying 50% scores 0.25 (Brier) and log 2 ~ 0.693 (log score)
    from autograder.calibration import brier_score, log_score
    outcomes = np.array([0, 1, 1, 0, 1])
    assert brier_score(np.full(5, 0.5), outcomes) == pytest.approx(0.25)
    assert log_score(np.full(5, 0.5), outcomes) == pytest.approx(math.log(2))
