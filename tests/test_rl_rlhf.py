"""Stage 07's RLHF helpers (autograder.rl): the gold reward, the policy's log-probabilities and
gradients, the comparison data and the shipped runs."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.gpt.model import GPT, GPTConfig
from autograder.gradcheck import gradient_check
from autograder.rl import dpo, gold, policy, preferences, reward_model, rlhf


def test_gold_counts_distinct_real_words_minus_fake_words_and_bracket_errors():
    assert gold.gold_parts("x = ", "self.items()\n") == {"real": 2, "fake": 0, "brackets": 0}
    # repetition earns a word once; the word cut off at the end does not count
    assert gold.gold_parts("", "on on on on tail") == {"real": 1, "fake": 0, "brackets": 0}
    assert gold.gold_reward("", "qzxw_not_a_word self ") == 0.0
    # a closing bracket that closes nothing, and the wrong kind, are errors; unclosed is not
    # "]" is the wrong kind for "(" (and uses it up); then two ")" close nothing
    assert gold.bracket_errors("f(", "a]) ) ") == 3
    assert gold.bracket_errors("f(", "a)) ") == 1
    assert gold.bracket_errors("f(", "[a") == 0
    # words finished by the completion count; words wholly in the prompt do not
    assert gold.completion_words("return sel", "f.x\n") == ["self", "x"]


def test_gold_rewards_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="2 prompts but 1 completions"):
        gold.gold_rewards(["a", "b"], ["c"])


def _tiny() -> GPT:
    return GPT(GPTConfig(vocab_size=9, context=8, d_model=8, n_heads=2, n_layers=1,
                         dtype="float64"), seed=5)


def test_weighted_nll_grads_is_the_gradient_of_the_weighted_cross_entropy():
    model, rng = _tiny(), np.random.default_rng(0)
    tokens = rng.integers(0, 9, (3, 6))
    weights = rng.normal(size=(3, 5))                      # signed weights, as REINFORCE's

    def loss():
        logits = model.logits(tokens[:, :-1])
        return float(np.sum(weights * -rlhf.plain_token_logprobs(logits, tokens[:, 1:])))

    grads = policy.weighted_nll_grads(model, tokens, weights)
    report = gradient_check(loss, {k: model.params[k] for k in
                                   ("unembed", "blocks.0.mlp.W_in", "pos_emb")}, grads)
    assert report.ok, str(report)
    with pytest.raises(ValueError, match="weights should have shape"):
        policy.weighted_nll_grads(model, tokens, weights[:, :-1])


def test_completion_logprobs_are_the_sampled_tokens_log_probabilities():
    model, rng = _tiny(), np.random.default_rng(1)
    tokens = policy.sample_completions(model, rng.integers(0, 9, (4, 3)), 4, rng)
    assert tokens.shape == (4, 7)
    lp = policy.completion_logprobs(model, tokens, 3)                    # (4, 4)
    logits = model.logits(tokens[:, :-1]).astype(np.float64)
    for b in range(4):
        for t in range(3, 7):
            row = logits[b, t - 1]
            expected = row[tokens[b, t]] - np.log(np.exp(row - row.max()).sum()) - row.max()
            assert lp[b, t - 3] == pytest.approx(expected, abs=1e-9)
    assert np.allclose(dpo.sequence_logprobs(model, tokens, 3), lp.sum(axis=1))
    with pytest.raises(ValueError, match="exceed the context"):
        policy.sample_completions(model, tokens, 5, rng)


def test_bt_labels_follow_the_bradley_terry_probability():
    g = np.tile([[1.0, 0.0]], (20_000, 1))
    chosen, rejected = preferences.bt_labels(g, np.random.default_rng(2))
    assert np.all(chosen + rejected == 1)
    assert np.mean(chosen == 0) == pytest.approx(1 / (1 + np.exp(-1.0)), abs=0.015)


def test_the_shipped_data_and_runs_fit_together():
    data = preferences.load_comparisons()
    assert data.prompts.shape == (1000, 12) and data.completions.shape == (1000, 2, 16)
    assert np.array_equal(data.gold[:3], preferences.score(data.prompts[:3], data.completions[:3]))
    runs = rlhf.load_runs()
    assert sorted(runs) == sorted(rlhf.BETAS)
    for run in runs.values():
        assert len(run["reward"]) == len(run["kl"]) == len(run["gold"]) == 80
    assert reward_model.shipped_weights().shape == (96,)
    # over-optimisation: the smallest penalty ends with the highest proxy and a low gold
    end = {b: (r["reward"][-10:].mean(), r["gold"][-10:].mean()) for b, r in runs.items()}
    assert end[0.0][0] == max(p for p, _ in end.values())
    assert end[0.0][1] < end[0.05][1]


@pytest.mark.slow
def test_the_shipped_runs_used_notebook_05s_reward_model():
    # the recipe in the package and the weights stored with the runs agree (about 10 s), up
    # to float32 rounding in the GPT's features, which depends on the BLAS thread count
    assert np.allclose(reward_model.fit_recipe_weights(), reward_model.shipped_weights(),
                       rtol=1e-4, atol=1e-6)
