"""autograder.interp.sae: toy data with known features, the shipped SAE, the context display."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.gpt.textgpt import load_checkpoint
from autograder.interp import sae
from autograder.interp.hooked import run_with_cache


def test_toy_features_are_unit_rows():
    F = sae.toy_features(12, 5, np.random.default_rng(0))
    assert F.shape == (12, 5)
    assert np.allclose(np.linalg.norm(F, axis=1), 1.0)


def test_toy_data_mixes_the_features_with_sparse_nonnegative_coefficients():
    rng = np.random.default_rng(1)
    F = sae.toy_features(10, 4, rng)
    X, coeffs = sae.toy_data(F, 5000, 0.1, rng)
    assert X.shape == (5000, 4) and coeffs.shape == (5000, 10)
    assert np.allclose(X, coeffs @ F)
    assert coeffs.min() >= 0.0 and coeffs.max() <= 1.0
    assert abs((coeffs > 0).mean() - 0.1) < 0.01
    with pytest.raises(ValueError, match="p_active"):
        sae.toy_data(F, 10, 0.0, rng)


def test_top_contexts_marks_the_strongest_token_first():
    merges: list[tuple[int, int]] = []                        # byte-level vocabulary
    tokens = np.frombuffer(b"def f(x):\n    return x", dtype=np.uint8).astype(int)[None, :]
    acts = np.zeros(tokens.shape)
    acts[0, 4] = 2.0                                          # "f"
    acts[0, 11] = 0.5
    lines = sae.top_contexts(tokens, acts, merges, k=5, before=4, after=2)
    assert len(lines) == 2                                    # zeros are not shown
    assert lines[0].endswith("def [[f]](x") and "2.00" in lines[0]
    assert "⏎" in lines[1]


def test_the_shipped_sae_reconstructs_the_gpt_with_few_latents():
    shipped = sae.load_sae()
    p = shipped.params
    d, m = p["W_enc"].shape
    assert p["W_dec"].shape == (m, d) and m > d
    assert np.allclose(np.linalg.norm(p["W_dec"], axis=1), 1.0, atol=1e-4)
    ckpt = load_checkpoint()
    ids = ckpt.train_ids[: 16 * 64].reshape(16, 64)
    _, cache = run_with_cache(ckpt.params, ckpt.config, ids, [shipped.site])
    x = cache[shipped.site].reshape(-1, d).astype(np.float64) / shipped.scale
    q = {k: v.astype(np.float64) for k, v in p.items()}
    f = np.maximum((x - q["b_dec"]) @ q["W_enc"] + q["b_enc"], 0.0)
    recon = f @ q["W_dec"] + q["b_dec"]
    fvu = ((recon - x) ** 2).sum() / ((x - x.mean(0)) ** 2).sum()
    l0 = (f > 0).sum(1).mean()
    assert fvu < 0.3 and l0 < m / 8, (fvu, l0)
