"""Stage 06, notebook 02 (induction heads): the checks accept independent correct answers on
other seeds, name the known mistakes, reject other wrong answers, and the
head-naming checks agree with the shipped model's scores computed another way."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.checks.interpretability import induction as I


def halves(logits, tokens):
    # log-softmax through np.logaddexp.reduce, one mask per half
    half = tokens.shape[1] // 2
    lg = np.asarray(logits, np.float64)[:, :-1]
    logp = lg - np.logaddexp.reduce(lg, axis=-1, keepdims=True)
    nll = -np.take_along_axis(logp, tokens[:, 1:, None], axis=-1)[..., 0]
    predicted = np.arange(1, tokens.shape[1])
    return (float(nll[:, predicted < half].mean()), float(nll[:, predicted > half].mean()))


def prev(pattern):
    return np.diagonal(pattern, offset=-1, axis1=2, axis2=3).mean(axis=(0, 2))


def prefix(pattern):
    half = pattern.shape[-1] // 2
    # the diagonal offset -(half - 1) runs from query half - 1; the second copy starts at half
    return np.diagonal(pattern, offset=-(half - 1), axis1=2, axis2=3)[..., 1:].mean(axis=(0, 2))


def copying(W_E, W_V, W_O, W_U):
    eig = np.linalg.eigvals(np.asarray(W_O, np.float64) @ W_U @ W_E @ W_V)
    return float(eig.real.sum() / np.abs(eig).sum())


def composition(A, B):
    return float(np.sqrt(np.sum((A @ B) ** 2) / (np.sum(A ** 2) * np.sum(B ** 2))))


def k_composition(params, n_heads):
    # every head at once: (D, 3, H, d) views of W_qkv and (H, d, D) of W_o
    W0, W1 = (np.asarray(params[f"blocks.{i}.attn.W_qkv"], np.float64) for i in (0, 1))
    D = W0.shape[0]
    d = D // n_heads
    q1, k1 = (W1.reshape(D, 3, n_heads, d)[:, j] for j in (0, 1))
    v0 = W0.reshape(D, 3, n_heads, d)[:, 2]
    o0 = np.asarray(params["blocks.0.attn.W_o"], np.float64).reshape(n_heads, d, D)
    qk = np.einsum("ahd,bhd->hab", q1, k1)                    # (H, D, D) receivers
    ov = np.einsum("ahd,hdb->hab", v0, o0)                    # (H, D, D) senders
    prod = np.einsum("rab,scb->srac", qk, ov)                 # W_QK W_OV^T for each pair
    num = np.sqrt((prod ** 2).sum(axis=(2, 3)))
    return num / (np.sqrt((ov ** 2).sum(axis=(1, 2)))[:, None]
                  * np.sqrt((qk ** 2).sum(axis=(1, 2)))[None, :])


CORRECT = [(I.check_repeated_loss_halves, halves), (I.check_previous_token_score, prev),
           (I.check_prefix_matching_score, prefix), (I.check_copying_score, copying),
           (I.check_composition_score, composition),
           (I.check_k_composition_scores, k_composition)]


@pytest.mark.parametrize("seed", [0, 4, 9])
def test_independent_answers_pass_on_other_seeds(seed):
    for check, fn in CORRECT:
        assert check.explain(fn, seed=seed) is None, check.name


def test_known_mistakes_are_named():
    def no_shift(logits, tokens):
        half = tokens.shape[1] // 2
        lg = np.asarray(logits, np.float64)
        logp = lg - np.logaddexp.reduce(lg, axis=-1, keepdims=True)
        nll = -np.take_along_axis(logp, tokens[..., None], axis=-1)[..., 0]
        return float(nll[:, :half].mean()), float(nll[:, half:].mean())

    def duplicate_token(pattern):
        half = pattern.shape[-1] // 2
        return np.diagonal(pattern, offset=-half, axis1=2, axis2=3).mean(axis=(0, 2))

    def diagonal(pattern):
        return np.diagonal(pattern, axis1=2, axis2=3)[..., 1:].mean(axis=(0, 2))

    def real_abs(W_E, W_V, W_O, W_U):
        eig = np.linalg.eigvals(np.asarray(W_O, np.float64) @ W_U @ W_E @ W_V)
        return float(eig.real.sum() / np.abs(eig.real).sum())

    for check, fn, phrase in [
            (I.check_repeated_loss_halves, no_shift, "predict the *next* token"),
            (I.check_prefix_matching_score, duplicate_token, "duplicate-token"),
            (I.check_previous_token_score, diagonal, "the weight of each token on itself"),
            (I.check_copying_score, real_abs, "moduli")]:
        message = check.explain(fn)
        assert message is not None and phrase in message, (check.name, message)


def test_other_wrong_answers_fail():
    def unstable(logits, tokens):       # exp without the max: overflows on large logits
        half = tokens.shape[1] // 2
        lg = np.asarray(logits, np.float64)[:, :-1]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            p = np.exp(lg) / np.exp(lg).sum(-1, keepdims=True)
            nll = -np.log(np.take_along_axis(p, tokens[:, 1:, None], axis=-1)[..., 0])
        return float(nll[:, :half - 1].mean()), float(nll[:, half:].mean())

    def prefix_first_batch_only(pattern):
        return prefix(pattern[:1])

    def copying_trace(W_E, W_V, W_O, W_U):    # the trace alone, not normalised
        return float(np.trace(np.asarray(W_O, np.float64) @ W_U @ W_E @ W_V))

    assert I.check_repeated_loss_halves.explain(unstable) is not None
    assert I.check_prefix_matching_score.explain(prefix_first_batch_only) is not None
    assert I.check_copying_score.explain(copying_trace) is not None


def test_the_head_naming_checks_agree_with_the_hooked_pass():
    from autograder.interp import attn_only, hooked

    run = attn_only.load()
    tokens = run.rep_tokens
    _, cache = hooked.run_with_cache(run.params, run.config, tokens)
    patterns = [cache[f"blocks.{i}.attn.hook_pattern"] for i in range(run.config.n_layers)]
    prev_scores = np.array([prev(p) for p in patterns])
    prefix_scores = np.array([prefix(p) for p in patterns])
    prev_head = tuple(int(i) for i in np.unravel_index(prev_scores.argmax(), prev_scores.shape))
    ind_head = tuple(int(i) for i in np.unravel_index(prefix_scores.argmax(),
                                                      prefix_scores.shape))
    assert I.check_previous_token_head.explain(prev_head) is None
    assert I.check_induction_head.explain(ind_head) is None
    # a clear induction circuit: a previous-token head in layer 0, an induction head in layer 1
    assert prev_head[0] == 0 and ind_head[0] == 1, (prev_head, ind_head)
    assert prev_scores.max() > 0.3 and prefix_scores.max() > 0.5, (prev_scores, prefix_scores)
    assert "(layer, head)" in I.check_induction_head.explain(ind_head[::-1])
    assert "previous-token score" in I.check_induction_head.explain(prev_head)


def test_composition_mistakes_are_named_and_other_wrong_answers_fail():
    def unnormalised(A, B):
        return float(np.linalg.norm(A @ B))

    def spectral(A, B):
        return float(np.linalg.norm(A @ B, 2) / (np.linalg.norm(A, 2) * np.linalg.norm(B, 2)))

    def swapped(params, n):
        return k_composition(params, n).T

    def no_transpose(params, n):
        out = np.zeros((n, n))
        for s in range(n):
            _, _, v, o = I._head_slices(params, 0, s, n)
            for r in range(n):
                q, k, _, _ = I._head_slices(params, 1, r, n)
                out[s, r] = composition(q @ k.T, v @ o)
        return out

    for check, fn, phrase in [(I.check_composition_score, unnormalised, "norm(A) * norm(B)"),
                              (I.check_composition_score, spectral, "Frobenius"),
                              (I.check_k_composition_scores, swapped, "transpose"),
                              (I.check_k_composition_scores, no_transpose, "W_QK @ W_OV.T")]:
        message = check.explain(fn)
        assert message is not None and phrase in message, (check.name, message)

    def sum_not_product(A, B):          # a wrong normaliser nobody registered
        return float(np.linalg.norm(A @ B) / (np.linalg.norm(A) + np.linalg.norm(B)))

    def v_composition(params, n):       # the sender's output into the receiver's values
        out = np.zeros((n, n))
        for s in range(n):
            _, _, v0, o0 = I._head_slices(params, 0, s, n)
            for r in range(n):
                _, _, v1, o1 = I._head_slices(params, 1, r, n)
                out[s, r] = composition((v1 @ o1).T, (v0 @ o0).T)
        return out

    assert I.check_composition_score.explain(sum_not_product) is not None
    assert I.check_k_composition_scores.explain(v_composition) is not None
