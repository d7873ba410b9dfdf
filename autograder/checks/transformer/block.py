"""Checks for 04_transformer/04_the_block: LayerNorm, GELU, the MLP, the block, the model."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from ..core import FunctionCheck
from ..spec import Case, Mistake
from . import oracles

# -- 4.1 LayerNorm ------------------------------------------------------------------------


def _layer_norm(x, gamma, beta, eps=1e-5):
    return oracles.layer_norm(x, gamma, beta, eps).astype(x.dtype)


def _ln_variant(x, g, b, eps=1e-5, axis=-1, ddof=0, eps_outside=False, affine=True,
                centre=True):
    mu = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True, ddof=ddof)
    xc = x - mu if centre else x
    y = xc / (np.sqrt(var) + eps) if eps_outside else xc / np.sqrt(var + eps)
    return (y * g + b if affine else y).astype(x.dtype)


def _ln_cases(rng):
    def f(*shape, scale=1.0, dtype=np.float32):
        return (rng.normal(size=shape) * scale).astype(dtype)
    return [Case("x (2, 3, 8), float32", (f(2, 3, 8) * 2 + 1, 1 + f(8) * 0.5, f(8) * 0.5)),
            Case("x (4, 5) with a tiny spread, float64",
                 (f(4, 5, scale=3e-3, dtype=np.float64), 1 + f(5, dtype=np.float64),
                  f(5, dtype=np.float64))),
            Case("x (3, 6), float32", (f(3, 6) * 3, 1 + f(6) * 0.5, f(6) * 0.5))]


check_layer_norm = FunctionCheck(
    "layer_norm", _layer_norm, _ln_cases, dtype="exact", rtol=2e-4, atol=2e-5,
    hint='mean and biased variance over the last axis (keepdims=True); (x - mean) / '
         "np.sqrt(var + eps) * gamma + beta; keep x's dtype.",
    mistakes=[
        Mistake("normalised over the wrong axis",
                "You normalised over the batch (axis 0) instead of over each vector's "
                "features. LayerNorm treats every position of every sequence on its own: "
                "mean and variance over the last axis, D.",
                "Use axis=-1 with keepdims=True.",
                variant=lambda x, g, b, eps=1e-5: _ln_variant(x, g, b, eps, axis=0)),
        Mistake("unbiased variance",
                "You used the unbiased variance (dividing by D - 1; ddof=1). LayerNorm, as "
                "in PyTorch and GPT-2, divides by D. (np.var's default, ddof=0, is right.)",
                "Use x.var(axis=-1, keepdims=True) or the mean of squared deviations.",
                variant=lambda x, g, b, eps=1e-5: _ln_variant(x, g, b, eps, ddof=1)),
        Mistake("eps outside the square root",
                "You divided by std + eps instead of sqrt(var + eps). The two agree unless "
                "the variance is tiny, which is exactly when eps matters.",
                "Divide by np.sqrt(var + eps).",
                variant=lambda x, g, b, eps=1e-5: _ln_variant(x, g, b, eps, eps_outside=True)),
        Mistake("gamma and beta not applied",
                "Your output is the normalised x without the learned scale gamma and shift "
                "beta. Without them every layer's input would be forced to mean 0 and "
                "variance 1.",
                "Return xhat * gamma + beta.",
                variant=lambda x, g, b, eps=1e-5: _ln_variant(x, g, b, eps, affine=False)),
        Mistake("not centred",
                "You divided by the standard deviation without subtracting the mean first.",
                "xhat = (x - mean) / sqrt(var + eps).",
                variant=lambda x, g, b, eps=1e-5: _ln_variant(x, g, b, eps, centre=False)),
    ])

# -- 4.2 GELU and 4.3 the MLP -------------------------------------------------------------


def _gelu(x):
    return oracles.gelu(x).astype(x.dtype)


def _gelu_erf(x):
    flat = [0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.reshape(-1).tolist()]
    return np.array(flat, dtype=x.dtype).reshape(x.shape)


check_gelu = FunctionCheck(
    "gelu", _gelu,
    lambda rng: [Case("x of shape (3, 5), float32", ((rng.normal(size=(3, 5)) * 2)
                                                     .astype(np.float32),)),
                 Case("x from -6 to 6", (np.linspace(-6, 6, 13).astype(np.float32),))],
    dtype="exact", rtol=1e-5, atol=1e-6,
    hint='0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))), with '
         'Python floats for the constants so float32 stays float32.',
    mistakes=[
        Mistake("ReLU instead of GELU",
                "Your function is max(x, 0). GELU is smooth and slightly negative for "
                "negative inputs near 0 (its minimum is about -0.17).",
                "0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3))).",
                variant=lambda x: np.maximum(x, 0)),
        Mistake("the exact (erf) GELU",
                "You used the exact GELU, x * Phi(x) with the error function. It differs from "
                "the tanh approximation GPT-2 uses by up to about 0.0002, which these checks "
                "detect. (Both are fine in practice; the exercise asks for the tanh form so "
                "that your results match the reference model's.)",
                "Use the tanh form given above.",
                variant=_gelu_erf),
        Mistake("the sigmoid approximation",
                "You used x * sigmoid(1.702 x), another approximation of GELU. This exercise "
                "asks for the tanh form.",
                "0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3))).",
                variant=lambda x: (x / (1 + np.exp(-1.702 * x))).astype(x.dtype)),
    ])


def _mlp(x, W_in, b_in, W_out, b_out):
    return oracles.mlp(x, W_in, b_in, W_out, b_out).astype(x.dtype)


def _mlp_cases(rng):
    def f(*shape):
        return rng.normal(size=shape).astype(np.float32)
    return [Case("x (2, 3, 4), hidden width 16", (f(2, 3, 4), f(4, 16), f(16), f(16, 4), f(4))),
            Case("x (5, 3), hidden width 6", (f(5, 3), f(3, 6), f(6), f(6, 3), f(3)))]


check_mlp = FunctionCheck(
    "mlp", _mlp, _mlp_cases, dtype="exact", rtol=1e-4, atol=1e-5,
    hint='gelu(x @ W_in + b_in) @ W_out + b_out: GELU on the hidden layer only.',
    mistakes=[
        Mistake("no non-linearity",
                "Your MLP is two linear layers in a row, which is just one linear map. The "
                "GELU between them is what lets the MLP compute anything else.",
                "gelu(x @ W_in + b_in) @ W_out + b_out.",
                variant=lambda x, W1, b1, W2, b2: ((x @ W1 + b1) @ W2 + b2).astype(x.dtype)),
        Mistake("GELU on the output too",
                "You applied GELU after the second layer as well. The MLP's output is added "
                "to the residual stream and must be able to take any value, including large "
                "negative ones.",
                "Apply GELU only to the hidden layer.",
                variant=lambda x, W1, b1, W2, b2: _gelu(_mlp(x, W1, b1, W2, b2))),
        Mistake("ReLU instead of GELU",
                "You used ReLU for the hidden layer; this model uses GELU.",
                "Use your gelu from exercise 4.2.",
                variant=lambda x, W1, b1, W2, b2: (np.maximum(x @ W1 + b1, 0) @ W2 + b2)
                .astype(x.dtype)),
    ])

# -- 4.4 the block ----------------------------------------------------------------------


def _block(x, params, n_heads):
    return oracles.block(x, params, n_heads).astype(x.dtype)


def _attn(x, p, n_heads):
    return oracles.multi_head_attention(x, p["attn.W_qkv"], p["attn.b_qkv"], p["attn.W_o"],
                                        p["attn.b_o"], n_heads)[0]


def _ln(x, p, which):
    return oracles.layer_norm(x, p[which + ".g"], p[which + ".b"])


def _mlp_of(x, p):
    return oracles.mlp(x, p["mlp.W_in"], p["mlp.b_in"], p["mlp.W_out"], p["mlp.b_out"])


def _post_ln(x, p, H):
    x = _ln(x + _attn(x, p, H), p, "ln1")
    return _ln(x + _mlp_of(x, p), p, "ln2").astype(np.float32)


def _no_residual(x, p, H):
    x = _attn(_ln(x, p, "ln1"), p, H)
    return _mlp_of(_ln(x, p, "ln2"), p).astype(np.float32)


def _normalised_stream(x, p, H):
    x = _ln(x, p, "ln1")
    x = x + _attn(x, p, H)
    x = _ln(x, p, "ln2")
    return (x + _mlp_of(x, p)).astype(np.float32)


def _one_ln(x, p, H):
    x = x + _attn(_ln(x, p, "ln1"), p, H)
    return (x + _mlp_of(_ln(x, p, "ln1"), p)).astype(np.float32)


def _block_params(rng, D, mlp_ratio=4, dtype=np.float32):
    def f(*shape, s=0.5):
        return (rng.normal(size=shape) * s).astype(dtype)
    return {"ln1.g": 1 + f(D), "ln1.b": f(D), "attn.W_qkv": f(D, 3 * D), "attn.b_qkv": f(3 * D),
            "attn.W_o": f(D, D), "attn.b_o": f(D), "ln2.g": 1 + f(D), "ln2.b": f(D),
            "mlp.W_in": f(D, mlp_ratio * D), "mlp.b_in": f(mlp_ratio * D),
            "mlp.W_out": f(mlp_ratio * D, D), "mlp.b_out": f(D)}


def _block_cases(rng):
    return [Case("x (2, 4, 8), 2 heads", (rng.normal(size=(2, 4, 8)).astype(np.float32),
                                          _block_params(rng, 8), 2)),
            Case("x (1, 3, 6), 3 heads", (rng.normal(size=(1, 3, 6)).astype(np.float32),
                                          _block_params(rng, 6), 3))]


# `x += sublayer(...)` would write into the caller's residual stream: the in-place check
# (which compares the params dict array by array) catches it.
check_transformer_block = FunctionCheck(
    "transformer_block", _block, _block_cases, dtype="exact", rtol=2e-4, atol=2e-4,
    hint='Pre-LN: x = x + multi_head_attention(layer_norm(x, ln1), ...); then x = x + '
         'mlp(layer_norm(x, ln2), ...). Compare each step with a small input (B = 1, T = '
         '2) by hand.',
    mistakes=[
        Mistake("post-LN instead of pre-LN",
                "You normalised *after* adding each sublayer's output (the original "
                "Transformer's post-LN). GPT-2 normalises the sublayer's *input* and leaves "
                "the residual stream itself alone: x = x + attn(LN1(x)). Pre-LN trains "
                "stably without careful warm-up.",
                "x = x + attention(layer_norm(x, ln1)); then x = x + mlp(layer_norm(x, ln2)).",
                variant=_post_ln),
        Mistake("no residual connections",
                "Your block replaces x by the sublayers' outputs instead of adding them to "
                "x. Without the residual connection, information from the embedding has to "
                "pass through every layer, and gradients vanish in deep stacks.",
                "Add each sublayer's output to x: x = x + ...",
                variant=_no_residual),
        Mistake("the residual stream normalised",
                "You overwrote x with LayerNorm(x) and then added the sublayer to the "
                "normalised x. In pre-LN the normalised copy is only the sublayer's input; "
                "the stream keeps the un-normalised x.",
                "h = layer_norm(x, ...); x = x + attention(h, ...).",
                variant=_normalised_stream),
        Mistake("ln1 used twice",
                "Your MLP's input is normalised with ln1's gamma and beta. Each sublayer has "
                "its own LayerNorm: ln2 for the MLP.",
                "Use params['ln2.g'] and params['ln2.b'] before the MLP.",
                variant=_one_ln),
    ])

# -- 4.5 the whole model ------------------------------------------------------------------


def _gpt_cases(rng):
    cfg = SimpleNamespace(n_heads=2, n_layers=2)
    V, T, D = 7, 6, 8
    p = {k: v.astype(np.float32) for k, v in oracles.tiny_gpt_params(rng, V, T, D, 2).items()}
    cfg1 = SimpleNamespace(n_heads=1, n_layers=1)
    p1 = {k: v.astype(np.float32) for k, v in oracles.tiny_gpt_params(rng, 5, 4, 4, 1).items()}
    return [Case("tokens (2, 5), 2 layers, 2 heads, d_model 8, context 6",
                 (rng.integers(0, V, (2, 5)), p, cfg)),
            Case("tokens (1, 4), 1 layer, 1 head, d_model 4",
                 (rng.integers(0, 5, (1, 4)), p1, cfg1))]


def _gpt(tokens, params, config):
    return oracles.gpt_logits(tokens, params, config.n_heads, config.n_layers).astype(
        np.float32)


def _gpt_variant(tokens, params, config, *, final_ln=True, positions=True, tied=False):
    p = dict(params)
    if not positions:
        p["pos_emb"] = np.zeros_like(p["pos_emb"])
    B, T = tokens.shape
    x = p["tok_emb"][tokens] + p["pos_emb"][:T]
    for i in range(config.n_layers):
        x = oracles.block(x, oracles.block_params(p, i), config.n_heads)
    if final_ln:
        x = oracles.layer_norm(x, p["ln_f.g"], p["ln_f.b"])
    return (x @ (p["tok_emb"].T if tied else p["unembed"])).astype(np.float32)


check_gpt_logits = FunctionCheck(
    "gpt_logits", _gpt, _gpt_cases, dtype="exact", rtol=5e-4, atol=5e-4,
    hint='x = tok_emb[tokens] + pos_emb[:T]; run every block in order '
         '(block_params(params, i)); logits = layer_norm(x, ln_f) @ unembed.',
    mistakes=[
        Mistake("no final LayerNorm",
                "You unembedded the residual stream directly. GPT-2 applies one more "
                "LayerNorm (ln_f) after the last block, because with pre-LN the stream "
                "itself is never normalised.",
                "logits = layer_norm(x, ln_f.g, ln_f.b) @ unembed.",
                variant=lambda *a: _gpt_variant(*a, final_ln=False)),
        Mistake("positional embeddings not added",
                "Your logits do not depend on the position embeddings.",
                "x = tok_emb[tokens] + pos_emb[:T].",
                variant=lambda *a: _gpt_variant(*a, positions=False)),
        Mistake("the token embedding as the unembedding",
                "You multiplied by tok_emb.T. Some models tie the two matrices, but this one "
                "has its own `unembed` matrix of shape (D, V).",
                "Use params['unembed'].",
                variant=lambda *a: _gpt_variant(*a, tied=True)),
    ])

# -- 4.6 counting parameters --------------------------------------------------------------


def _count(vocab_size, context, d_model, n_layers, mlp_ratio=4):
    D, h = d_model, mlp_ratio * d_model
    shapes: list[tuple[int, ...]] = [(vocab_size, D), (context, D)]
    for _ in range(n_layers):
        shapes += [(D,), (D,), (D, 3 * D), (3 * D,), (D, D), (D,),
                   (D,), (D,), (D, h), (h,), (h, D), (D,)]
    shapes += [(D,), (D,), (D, vocab_size)]
    return int(sum(math.prod(s) for s in shapes))


def _count_variant(V, C, D, L, r=4, *, biases=True, positions=True, ln=True, qkv=3):
    n = V * D + (C * D if positions else 0) + D * V
    per = qkv * D * D + D * D + 2 * r * D * D
    if biases:
        per += qkv * D + D + r * D + D
    if ln:
        per += 4 * D
    return int(n + L * per + (2 * D if ln else 0))


check_count_parameters = FunctionCheck(
    "count_parameters", _count,
    [Case("vocab 15, context 17, d_model 64, 2 layers", (15, 17, 64, 2)),
     Case("GPT-2 small: vocab 50257, context 1024, d_model 768, 12 layers",
          (50257, 1024, 768, 12)),
     Case("vocab 32, context 32, d_model 128, 2 layers, MLP 2x", (32, 32, 128, 2, 2))],
    hint='Add up the sizes of every array: tok_emb (V, D), pos_emb (context, D), per block'
         " two LayerNorms (2D each), W_qkv and b_qkv, W_o and b_o, the MLP's two weights "
         'and biases; then ln_f (2D) and unembed (D, V).',
    mistakes=[
        Mistake("biases forgotten",
                "Your count is missing the biases (b_qkv, b_o, b_in, b_out of every block).",
                "Every linear layer of a block has a bias as long as its output.",
                variant=lambda *a: _count_variant(*a, biases=False)),
        Mistake("position embeddings forgotten",
                "Your count is missing the position embedding, context x d_model.",
                "Add context * d_model.",
                variant=lambda *a: _count_variant(*a, positions=False)),
        Mistake("LayerNorms forgotten",
                "Your count is missing the LayerNorm gains and biases: two LayerNorms per "
                "block and a final one, 2 * d_model parameters each.",
                "Add 2 * d_model for each of the 2 * n_layers + 1 LayerNorms.",
                variant=lambda *a: _count_variant(*a, ln=False)),
        Mistake("one projection instead of three",
                "You counted W_qkv as d_model x d_model. It produces queries, keys and "
                "values: d_model x 3 d_model, with a bias of 3 d_model.",
                "W_qkv has shape (D, 3D).",
                variant=lambda *a: _count_variant(*a, qkv=1)),
    ])
