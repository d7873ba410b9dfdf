"""The reference GPT (autograder.gpt): exact gradients, float32 throughout, data and saving."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.gpt import data, layers
from autograder.gpt.model import GPT, GPTConfig
from autograder.gpt.optim import AdamW
from autograder.gradcheck import gradient_check

TINY = GPTConfig(vocab_size=7, context=5, d_model=8, n_heads=2, n_layers=2, dtype="float64")


def _tiny_problem(seed=0):
    rng = np.random.default_rng(seed)
    model = GPT(TINY, seed=seed)
    for v in model.params.values():  # away from the initialisation, so every term matters
        v += rng.normal(0.0, 0.3, v.shape)
    tokens = rng.integers(0, TINY.vocab_size, (3, TINY.context + 1))
    mask = (rng.random((3, TINY.context)) < 0.7).astype(np.float64)
    mask[0, 0] = 1.0
    return model, tokens[:, :-1], tokens[:, 1:], mask


@pytest.mark.parametrize("seed", [0, 1])
def test_full_model_gradients_match_finite_differences(seed):
    model, inputs, targets, mask = _tiny_problem(seed)
    model.loss(inputs, targets, mask)
    grads = model.backward()
    report = gradient_check(lambda: model.loss(inputs, targets, mask), model.params, grads)
    assert report.ok, str(report)
    assert max(t.rel_error for t in report.tensors) < 1e-5


def test_a_batch_split_over_threads_gives_the_same_loss_and_gradients():
    model, inputs, targets, mask = _tiny_problem(2)
    expected_loss = model.loss(inputs, targets, mask)
    expected = model.backward()
    patterns = [p.copy() for p in model.patterns]
    model.threads = 2
    assert model.loss(inputs, targets, mask) == pytest.approx(expected_loss, rel=1e-12)
    assert model._parts is not None          # the split really ran  # noqa: SLF001
    grads = model.backward()
    for name, g in expected.items():
        np.testing.assert_allclose(grads[name], g, rtol=1e-10, atol=1e-13, err_msg=name)
    for got, want in zip(model.patterns, patterns, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    mask[2:] = 0.0                            # a part with nothing scored: no split
    expected_loss = GPT(TINY, params=model.params).loss(inputs, targets, mask)
    assert model.loss(inputs, targets, mask) == pytest.approx(expected_loss, rel=1e-12)
    assert model._parts is None  # noqa: SLF001


def test_float32_training_never_creeps_to_float64(monkeypatch):
    seen = []

    def recording_matmul(a, b, **kwargs):
        seen.append((a.dtype, b.dtype) + tuple(v.dtype for v in kwargs.values()))
        return np.matmul(a, b, **kwargs)

    monkeypatch.setattr(layers, "matmul", recording_matmul)
    config = GPTConfig(vocab_size=len(data.VOCAB), context=17, d_model=16, n_heads=2,
                       n_layers=2)
    model = GPT(config)
    opt = AdamW(model.params, lr=1e-3)
    inputs, targets, mask = data.task_batch(("reverse", "sort"), 8, 8,
                                            np.random.default_rng(0))
    for _ in range(2):
        model.loss(inputs, targets, mask)
        grads = model.backward()
        assert all(g.dtype == np.float32 for g in grads.values()), \
            {k: g.dtype for k, g in grads.items() if g.dtype != np.float32}
        opt.lr = np.float64(1e-3)   # a NumPy float64 learning rate must not promote either
        opt.step(grads)
    assert all(dt == np.float32 for dts in seen for dt in dts), set(seen)
    assert all(p.dtype == np.float32 for p in model.params.values())
    assert model.logits(inputs).dtype == np.float32
    assert all(p.dtype == np.float32 for p in model.patterns)


def test_attention_is_causal_and_rows_sum_to_one():
    model, inputs, _, _ = _tiny_problem()
    before = model.logits(inputs)
    changed = inputs.copy()
    changed[:, -1] = (changed[:, -1] + 1) % TINY.vocab_size
    after = model.logits(changed)
    np.testing.assert_allclose(after[:, :-1], before[:, :-1], rtol=1e-12)
    for pattern in model.patterns:
        np.testing.assert_allclose(pattern.sum(-1), 1.0, rtol=1e-12)
        assert np.all(np.triu(pattern, k=1) == 0)


def test_head_mask_of_ones_changes_nothing_and_zeros_change_something():
    model, inputs, _, _ = _tiny_problem()
    plain = model.logits(inputs)
    ones = model.logits(inputs, head_mask=np.ones((2, 2)))
    np.testing.assert_allclose(ones, plain, rtol=1e-12)
    off = np.ones((2, 2))
    off[0, 1] = 0
    assert not np.allclose(model.logits(inputs, head_mask=off), plain)


def test_adamw_matches_the_textbook_update():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 2))
    b = rng.normal(size=2)
    params = {"W": W.copy(), "b": b.copy()}
    opt = AdamW(params, lr=0.1, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.5)
    m = {"W": 0 * W, "b": 0 * b}
    v = {"W": 0 * W, "b": 0 * b}
    ref = {"W": W.copy(), "b": b.copy()}
    for t in range(1, 4):
        grads = {"W": rng.normal(size=W.shape), "b": rng.normal(size=b.shape)}
        opt.step(grads)
        for k in ref:
            m[k] = 0.9 * m[k] + 0.1 * grads[k]
            v[k] = 0.99 * v[k] + 0.01 * grads[k] ** 2
            mh, vh = m[k] / (1 - 0.9 ** t), v[k] / (1 - 0.99 ** t)
            decay = 0.5 * ref[k] if ref[k].ndim == 2 else 0.0
            ref[k] = ref[k] - 0.1 * (mh / (np.sqrt(vh) + 1e-8) + decay)
        for k in ref:
            np.testing.assert_allclose(params[k], ref[k], rtol=1e-10)


def test_make_batch_shifts_pads_and_masks_the_answer():
    inputs, targets, mask = data.make_batch([("R12=", "21"), ("07+85=", "92")])
    assert data.decode(inputs[0]) == "R12=21." and data.decode(targets[0]) == "12=21.."
    assert data.decode(inputs[1]) == "07+85=9" and data.decode(targets[1]) == "7+85=92"
    np.testing.assert_array_equal(mask[0], [0, 0, 0, 1, 1, 0, 0])
    np.testing.assert_array_equal(mask[1], [0, 0, 0, 0, 0, 1, 1])
    assert mask.dtype == np.float32


def test_problems_are_right_and_seeded():
    rng = np.random.default_rng(3)
    for prompt, answer in data.digit_problems("reverse", 20, 6, rng):
        assert prompt[0] == "R" and prompt[-1] == "=" and answer == prompt[1:-1][::-1]
    for prompt, answer in data.digit_problems("sort", 20, 6, rng):
        assert answer == "".join(sorted(prompt[1:-1]))
    for prompt, answer in data.modadd_problems(20, 97, rng):
        a, b = prompt[:-1].split("+")
        assert int(answer) == (int(a) + int(b)) % 97 and len(answer) == 2
    one = data.digit_problems("sort", 5, 8, np.random.default_rng(1))
    assert one == data.digit_problems("sort", 5, 8, np.random.default_rng(1))
    with pytest.raises(ValueError, match="not in the vocabulary"):
        data.encode("R1x")


def test_save_and_load_round_trip(tmp_path):
    model, inputs, _, _ = _tiny_problem()
    model.save(tmp_path / "m.npz")
    again = GPT.load(tmp_path / "m.npz")
    assert again.config == model.config
    np.testing.assert_array_equal(again.logits(inputs), model.logits(inputs))


def test_reference_layers_agree_with_the_independent_loop_oracles():
    from autograder.checks.transformer import oracles

    rng = np.random.default_rng(4)
    params = oracles.tiny_gpt_params(rng, 6, 5, 8, 2)
    config = GPTConfig(vocab_size=6, context=5, d_model=8, n_heads=2, n_layers=2,
                       dtype="float64")
    tokens = rng.integers(0, 6, (2, 5))
    ours = GPT(config, params=params).logits(tokens)
    theirs = oracles.gpt_logits(tokens, params, 2, 2)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    mask = (rng.random((2, 5)) < 0.6).astype(np.float64)
    mask[0, 0] = 1.0
    targets = rng.integers(0, 6, (2, 5))
    loss, _ = layers.cross_entropy_forward(ours, targets, mask)
    assert abs(loss - oracles.cross_entropy(theirs, targets, mask)) < 1e-10


def test_blas_threads_can_be_set_and_restored():
    from autograder.gpt.threads import blas_threads, set_blas_threads

    before = blas_threads()
    if before is None:
        pytest.skip("OpenBLAS not found in this process")
    assert set_blas_threads(1) == before
    assert blas_threads() == 1
    a = np.random.default_rng(0).standard_normal((64, 64), dtype=np.float32)
    np.testing.assert_allclose(a @ a.T, (a.astype(np.float64) @ a.T.astype(np.float64)),
                               rtol=1e-4, atol=1e-4)
    set_blas_threads(before)
    assert blas_threads() == before


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_row_means_and_column_sums_are_numpys_mean_and_sum(dtype):
    """The matrix-vector forms used by LayerNorm and the linear layers' backward."""
    rng = np.random.default_rng(5)
    x = (rng.normal(3.0, 2.0, (4, 6, 40))).astype(dtype)   # an offset mean, like activations
    tol = 1e-5 if dtype == "float32" else 1e-12
    means = layers.row_means(x)
    assert means.shape == (4, 6, 1) and means.dtype == x.dtype
    np.testing.assert_allclose(means, x.astype(np.float64).mean(axis=-1, keepdims=True),
                               rtol=tol)
    a = x.reshape(24, 40)
    sums = layers.column_sums(a)
    assert sums.shape == (40,) and sums.dtype == x.dtype
    np.testing.assert_allclose(sums, a.astype(np.float64).sum(axis=0), rtol=tol)
    with pytest.raises(ValueError, match="read-only"):   # the cached vectors stay as made
        layers._constant(40, 1.0 / 40, x.dtype)[0] = 0.0  # noqa: SLF001


@pytest.mark.parametrize("block", [layers.GELU_BLOCK, 3 * 7, 1])
def test_gelu_in_blocks_is_the_tanh_formula_and_its_derivative(block, monkeypatch):
    """GELU runs through its input in row blocks (a ragged last one too): every block done."""
    monkeypatch.setattr(layers, "GELU_BLOCK", block)
    rng = np.random.default_rng(6)
    x = rng.normal(0.0, 3.0, (5, 11, 7))                 # 55 rows of 7: blocks of 3 rows
    c = np.sqrt(2.0 / np.pi)
    expected = 0.5 * x * (1.0 + np.tanh(c * (x + 0.044715 * x ** 3)))
    y, cache = layers.gelu_forward(x)
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-14)
    dy = rng.normal(size=x.shape)
    h = 1e-6
    numeric = dy * (layers.gelu_forward(x + h)[0] - layers.gelu_forward(x - h)[0]) / (2 * h)
    np.testing.assert_allclose(layers.gelu_backward(dy, cache), numeric, rtol=1e-6, atol=1e-8)
