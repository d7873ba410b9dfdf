"""Stage 04's checks: their own oracles agree with each other, and they judge fairly.

tests/checks/test_against_solutions.py already proves that each solution passes and
each registered mistake gets its diagnosis. These tests cover what that cannot:
that the vectorised float64 forward used for finite differences equals the loop
oracle, that statistical checks pass a correct sampler for other seeds, and that
the messages a beginner reads name the inputs and the fix.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from autograder.checks.transformer import attention, backward, oracles, sampling, training


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_finite_difference_forward_equals_the_loop_oracle(seed):
    rng = np.random.default_rng(seed)
    config = SimpleNamespace(n_heads=2, n_layers=2)
    params = oracles.tiny_gpt_params(rng, 5, 4, 4, 2)
    tokens = rng.integers(0, 5, (2, 5))
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    mask = np.array([[0, 1, 1, 1], [1, 0, 1, 1]], dtype=np.float64)
    fast = backward._model_loss(inputs, targets, mask, params, config)
    slow = oracles.cross_entropy(oracles.gpt_logits(inputs, params, 2, 2), targets, mask)
    assert abs(fast - slow) < 1e-10


def test_the_whole_model_reference_matches_finite_differences_everywhere():
    # the visible check samples entries; prove the reference is right on every entry
    rng = np.random.default_rng(0)
    config = SimpleNamespace(n_heads=2, n_layers=2)
    params = oracles.tiny_gpt_params(rng, 5, 4, 4, 2)
    tokens = rng.integers(0, 5, (2, 5))
    mask = np.ones((2, 4))
    from autograder.gradcheck import gradient_check
    _, grads = backward._model_reference(tokens[:, :-1], tokens[:, 1:], mask, params, config)
    report = gradient_check(lambda: backward._model_loss(tokens[:, :-1], tokens[:, 1:], mask,
                                                         params, config), params, grads)
    assert report.ok, str(report)


def test_the_whole_model_check_catches_a_single_wrong_entry():
    def almost(tokens, targets, mask, params, config):
        loss, grads = backward._model_reference(tokens, targets, mask, params, config)
        grads["blocks.1.mlp.W_in"] = grads["blocks.1.mlp.W_in"].copy()
        grads["blocks.1.mlp.W_in"][3, 7] += 0.05 * np.abs(grads["blocks.1.mlp.W_in"]).max()
        return loss, grads

    message = backward.check_gpt_loss_and_grads.explain(almost, hidden=True)
    assert message is not None and "blocks.1.mlp.W_in" in message


@pytest.mark.parametrize("hidden", [False, True])
def test_sampler_statistics_pass_a_correct_sampler(hidden):
    # the frequency tolerance is > 4 standard errors; check it for both seeds used
    assert sampling.check_sample_next.explain(sampling._sample_reference, hidden=hidden) is None


def test_loop_oracle_attention_is_causal_and_normalised():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 6))
    weights = (rng.normal(size=(6, 18)), rng.normal(size=18), rng.normal(size=(6, 6)),
               rng.normal(size=6))
    y, pattern = oracles.multi_head_attention(x, *weights, 3)
    np.testing.assert_allclose(pattern.sum(-1), 1.0)
    assert np.all(np.triu(pattern, k=1) == 0)
    changed = x.copy()
    changed[:, -1] += 1.0                      # the last position cannot affect earlier ones
    y2, _ = oracles.multi_head_attention(changed, *weights, 3)
    np.testing.assert_allclose(y2[:, :-1], y[:, :-1])
    assert not np.allclose(y2[:, -1], y[:, -1])


def test_messages_show_inputs_and_a_diagnosis_a_beginner_can_act_on():
    def no_scale(q, k):
        return q @ np.swapaxes(k, -1, -2)

    message = attention.check_attention_scores.explain(no_scale)
    assert "inputs: q: float32 array of shape (4, 3)" in message
    assert "Diagnosis (missing 1/sqrt(d_head))" in message
    assert "math.sqrt" in message


def test_the_training_check_names_an_untrained_model():
    from autograder.gpt import GPT, GPTConfig
    untrained = GPT(GPTConfig(vocab_size=15, context=17), seed=1)
    message = training.check_trained_model.explain(untrained)
    assert "never updated" in message
    assert training.check_trained_model.explain(None).startswith("trained_model: `model` is")


def test_the_block_reference_matches_finite_differences_everywhere():
    from autograder.gradcheck import gradient_check
    rng = np.random.default_rng(4)
    p = oracles.block_params(oracles.tiny_gpt_params(rng, 5, 3, 4, 1), 0)
    x, R = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4))
    dx, grads = backward._block_reference(R, x, p, 2)
    inputs = {"x": x, **p}
    report = gradient_check(
        lambda: float((backward._block_forward(inputs["x"], {k: inputs[k] for k in p}, 2)
                       * R).sum()), inputs, {"x": dx, **grads})
    assert report.ok, str(report)


def test_the_block_check_names_one_wrong_parameter_and_a_missing_one():
    def almost(dx_out, x, p, n_heads):
        dx, grads = backward._block_reference(dx_out, x, p, n_heads)
        grads["ln2.b"] = grads["ln2.b"] * 1.5
        return dx, grads

    message = backward.check_block_backward.explain(almost)
    assert message is not None and "ln2.b" in message

    def forgets(dx_out, x, p, n_heads):
        dx, grads = backward._block_reference(dx_out, x, p, n_heads)
        del grads["attn.b_o"]
        return dx, grads

    message = backward.check_block_backward.explain(forgets)
    assert message is not None and "attn.b_o" in message


def test_the_backward_orders_list_every_tensor_once():
    params = oracles.tiny_gpt_params(np.random.default_rng(0), 5, 4, 4, 2)
    names = [name for name, _ in backward._model_order(2)]
    assert sorted(names) == sorted(params) and len(names) == len(set(names))
    block = [name for name, _ in backward.BLOCK_ORDER]
    assert sorted(block) == sorted(["x", *oracles.block_params(params, 0)])


def _propagated(names_after: list[str], first: str, grads: dict) -> dict:
    """A mistake at `first` as it spreads: it and every tensor after it in backward order."""
    start = names_after.index(first)
    return {k: (g * 1.1 if k in names_after[start:] else g) for k, g in grads.items()}


def test_the_whole_model_check_names_the_first_wrong_gradient_in_backward_order():
    order = [name for name, _ in backward._model_order(2)]

    def attention_bug(tokens, targets, mask, params, config):
        loss, grads = backward._model_reference(tokens, targets, mask, params, config)
        return loss, _propagated(order, "blocks.1.attn.b_qkv", grads)

    message = backward.check_gpt_loss_and_grads.explain(attention_bug)
    assert message is not None
    flat = " ".join(message.split())
    assert "the first gradient that is wrong is `blocks.1.attn.b_qkv`" in flat
    assert "the inside of attention" in flat
    assert "`blocks.1.attn.W_o`" in flat  # the right ones just before it are listed


def test_the_block_check_names_the_first_wrong_gradient_in_backward_order():
    def residual_bug(dx_out, x, p, n_heads):
        dx, grads = backward._block_reference(dx_out, x, p, n_heads)
        return dx * 0.5, grads  # every parameter right, only the input gradient wrong

    flat = " ".join(backward.check_block_backward.explain(residual_bug).split())
    assert "the first gradient that is wrong is `x`" in flat and "residual path" in flat

    def last_first(dx_out, x, p, n_heads):
        dx, grads = backward._block_reference(dx_out, x, p, n_heads)
        grads["mlp.b_out"] = grads["mlp.b_out"] + 1.0
        return dx, grads

    flat = " ".join(backward.check_block_backward.explain(last_first).split())
    assert "the first gradient that is wrong is `mlp.b_out` (it is the first one" in flat
