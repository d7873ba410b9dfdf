"""A 2-layer attention-only transformer on the Python corpus: the model of notebook 06/02.

    model = AttnOnlyGPT(config, seed=0)          # GPT without MLPs: x += attn(LN1(x)) per block
    loss = model.loss(x, y); grads = model.backward()
    run = load()                                  # the shipped model, snapshots, curves
    python -m autograder.interp.attn_only         # retrain it and overwrite the file

Elhage et al. (2021) study attention-only transformers because, without MLPs,
every path through the model is a product of a few matrices; Olsson et al.
(2022) watch induction heads form in them during training. This module trains
one on the stage-04 corpus with the stage-04 recipe's tokenizer (the merges of
autograder.gpt.textgpt's checkpoint, so nothing is encoded again), the
package's layers and AdamW. Parameter names are autograder.gpt.model's, minus
the blocks' ln2.* and mlp.*, so autograder.interp.hooked runs it.

RECIPE, the shipped run: every training row is a window of the corpus in which
one span is pasted again right after itself (``duplicated_spans``), so the text
keeps its own statistics (which teach layer-0 heads to look at the previous
token) and the copy makes induction pay, at a distance that changes from row to
row. With sinusoidal starting positions, query and key weights started at std
0.1 and a constant learning rate of 3e-3, two induction heads form between steps
1,000 and 4,000 (docs/interpretability.md has the numbers; about 6 minutes of
CPU). The Recipe's other options are the earlier attempts, kept so that their
measurements can be reproduced: rows of random tokens beside text
(``repeats_at_random_places``, ``periodic_repeats``), which taught a one-layer
"raise every token seen so far" shortcut instead, and a cosine schedule.

The file ``main`` writes keeps the final parameters and a few training-time snapshots
(float16, to stay small), and curves measured every ``eval_every`` steps during
training: the training loss on text, and the loss on repeated random tokens in
the first and the second half of each sequence (the in-context learning that
induction heads make possible).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from autograder.gpt import layers, textgpt
from autograder.gpt.model import GPTConfig, init_params
from autograder.gpt.optim import AdamW

PATH = Path(__file__).resolve().parent / "trained" / "attn_only.npz"


@dataclass(frozen=True)
class Recipe:
    """Everything that determines a training run. The defaults are an early attempt
    (docs/interpretability.md lists what each measured); RECIPE below is the shipped run."""

    context: int = 64
    d_model: int = 64
    n_heads: int = 4
    n_layers: int = 2
    batch_size: int = 16
    steps: int = 1500
    peak_lr: float = 2e-3
    warmup: int = 100
    weight_decay: float = 0.01
    seed: int = 0
    eval_every: int = 25
    snapshots: tuple[int, ...] = (0, 600, 800, 900, 1000, 1200)
    rep_half: int = 16              # repeated random tokens: two copies of rep_half tokens
    rep_batch: int = 32
    rep_fraction: float = 0.0       # share of each batch's rows that are repeated random tokens
    rep_rows: int = 32              # an extra batch of this many rows of repeated segments...
    rep_length: int = 33            # ...each this long, trained beside the text batch
    rep_min_segment: int = 4        # the repeated segment's shortest length
    rep_uniform_distance: bool = False  # draw the copies' distance uniformly (no favourite)
    rep_pool: int = 50              # repeats draw from this many most frequent tokens (0: all
                                    # tokens seen at least 100 times)
    rep_weight: float = 0.9         # the loss is (1 - rep_weight) text + rep_weight repeats
    early_steps: int = 0            # a curriculum: for the first early_steps steps...
    rep_weight_early: float = 0.9   # ...the repeats' weight is this instead
    rep_periodic: bool = False      # rows repeat with a random period from the first copy on
    rep_max_distance: int = 32      # periodic rows: the period is drawn from 4 .. this
    decay: bool = True              # cosine decay of the learning rate (False: constant)
    qk_init: float = 0.02           # std of the query and key weights at initialisation
    sinusoidal: bool = False        # start the position embeddings as sines and cosines
    rep_text: bool = False          # the repeated rows are real text with one span pasted
                                    # again right after itself (``duplicated_spans``); with
                                    # rep_weight 1 they are the whole batch

    def config(self, vocab_size: int = 512) -> GPTConfig:
        return GPTConfig(vocab_size=vocab_size, context=self.context, d_model=self.d_model,
                         n_heads=self.n_heads, n_layers=self.n_layers)


# The shipped run: text windows with one span pasted twice, a constant learning rate (so a
# run can be stopped part way and is then exactly the shorter run).
RECIPE = Recipe(steps=4000, rep_text=True, rep_rows=32, rep_length=65, rep_min_segment=8,
                rep_weight=1.0, peak_lr=3e-3, decay=False, qk_init=0.1, sinusoidal=True,
                snapshots=(0, 500, 1000, 1250, 1500, 2000, 3000))


def init_attn_only_params(config: GPTConfig, seed: int = 0) -> dict[str, np.ndarray]:
    """GPT-2's initialisation (autograder.gpt.model) without the blocks' ln2 and MLP."""
    p = init_params(config, seed)
    return {k: v for k, v in p.items() if ".ln2." not in k and ".mlp." not in k}


class AttnOnlyGPT:
    """Token + position embedding, n_layers blocks x += attn(LN1(x)), final LN, unembedding.

    params: {name: float32 array}, the names of autograder.gpt.model without MLPs.
    """

    def __init__(self, config: GPTConfig, seed: int = 0,
                 params: dict[str, np.ndarray] | None = None):
        self.config = config
        self.params = params if params is not None else init_attn_only_params(config, seed)
        self._cache: tuple | None = None
        self._loss_cache = None
        self.patterns: list[np.ndarray] = []      # after logits(): each layer's (B, H, T, T)

    def logits(self, tokens: np.ndarray) -> np.ndarray:
        """Logits (B, T, V) for token ids (B, T); keeps what backward needs."""
        c, p = self.config, self.params
        tokens = np.asarray(tokens)
        if tokens.ndim != 2 or tokens.shape[1] > c.context:
            raise ValueError(f"tokens should be (batch, positions <= {c.context}), "
                             f"not {tokens.shape}")
        x = layers.embed_forward(tokens, p["tok_emb"], p["pos_emb"])
        blocks: list[tuple] = []
        for i in range(c.n_layers):
            b = f"blocks.{i}."
            h, ln1 = layers.layer_norm_forward(x, p[b + "ln1.g"], p[b + "ln1.b"])
            a, attn = layers.attention_forward(h, p[b + "attn.W_qkv"], p[b + "attn.b_qkv"],
                                               p[b + "attn.W_o"], p[b + "attn.b_o"], c.n_heads)
            x = x + a
            blocks.append((ln1, attn))
        self.patterns = [attn[4] for _, attn in blocks]
        h, lnf = layers.layer_norm_forward(x, p["ln_f.g"], p["ln_f.b"])
        self._cache = (tokens, blocks, lnf, h)
        return layers.linear_forward(h, p["unembed"], None)

    def loss(self, inputs: np.ndarray, targets: np.ndarray) -> float:
        """Mean next-token cross-entropy over every position (nats)."""
        logits = self.logits(inputs)
        mask = np.ones(targets.shape, logits.dtype)
        loss, self._loss_cache = layers.cross_entropy_forward(logits, targets, mask)
        return loss

    def backward(self) -> dict[str, np.ndarray]:
        """Gradients of the last loss with respect to every parameter."""
        if self._cache is None or self._loss_cache is None:
            raise RuntimeError("call loss(...) before backward()")
        p = self.params
        tokens, blocks, lnf, h = self._cache
        g: dict[str, np.ndarray] = {}
        dlogits = layers.cross_entropy_backward(self._loss_cache)
        dh, g["unembed"], _ = layers.linear_backward(dlogits, h, p["unembed"])
        dx, g["ln_f.g"], g["ln_f.b"] = layers.layer_norm_backward(dh, p["ln_f.g"], lnf)
        for i in reversed(range(self.config.n_layers)):
            b = f"blocks.{i}."
            ln1, attn = blocks[i]
            dh1, (dW, db, dWo, dbo) = layers.attention_backward(
                dx, p[b + "attn.W_qkv"], p[b + "attn.W_o"], attn)
            g[b + "attn.W_qkv"], g[b + "attn.b_qkv"] = dW, db
            g[b + "attn.W_o"], g[b + "attn.b_o"] = dWo, dbo
            dln, g[b + "ln1.g"], g[b + "ln1.b"] = layers.layer_norm_backward(
                dh1, p[b + "ln1.g"], ln1)
            dx = dx + dln
        g["tok_emb"] = np.zeros_like(p["tok_emb"])
        g["pos_emb"] = np.zeros_like(p["pos_emb"])
        layers.embed_backward(tokens, dx, g["tok_emb"], g["pos_emb"])
        return {name: g[name] for name in p}


def sinusoidal_positions(context: int, d_model: int, rms: float = 0.02) -> np.ndarray:
    """(context, d_model) sines and cosines of the position (Vaswani et al., 2017), scaled
    to root-mean-square rms, like the token embeddings at initialisation.

    Column 2k is sin(t / 10000^(2k / d_model)), column 2k + 1 its cosine. Moving one
    position on rotates each (sin, cos) pair by a fixed angle, so "the position before
    mine" is one linear map of "my position": a previous-token head needs only a query
    and key weight that apply it, where random position vectors must each be learnt.
    """
    if d_model % 2:
        raise ValueError(f"d_model should be even, not {d_model}")
    t = np.arange(context)[:, None]
    freq = 10000.0 ** (-np.arange(0, d_model, 2) / d_model)            # (d_model / 2,)
    out = np.zeros((context, d_model))
    out[:, 0::2], out[:, 1::2] = np.sin(t * freq), np.cos(t * freq)
    return (out * rms * np.sqrt(2.0)).astype(np.float32)


def common_tokens(ids: np.ndarray, min_count: int = 100) -> np.ndarray:
    """The ids that occur at least min_count times in the token stream ids, sorted.

    Repeated-token tests draw from these: a token the model never saw in training
    (most of the 256 single bytes never occur in ASCII Python) is predicted badly
    for reasons that have nothing to do with in-context learning.
    """
    return np.flatnonzero(np.bincount(np.asarray(ids), minlength=1) >= min_count)


def repeated_tokens(batch: int, half: int, pool: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
    """(batch, 2 * half) token ids: `half` tokens drawn uniformly from pool, then the same again."""
    first = np.asarray(pool)[rng.integers(0, len(pool), size=(batch, half))]
    return np.concatenate([first, first], axis=1)


def repeats_at_random_places(batch: int, length: int, pool: np.ndarray,
                             rng: np.random.Generator, min_segment: int = 4,
                             uniform_distance: bool = False) -> np.ndarray:
    """(batch, length) random tokens from pool, each row holding one segment seen twice.

    The segment's length (min_segment .. length // 2) and where its two copies start are random
    per row, so the only way to predict the second copy is to find the first by its
    content: a fixed distance between copies would teach a positional shortcut instead.
    With uniform_distance the distance between the copies' starts is drawn uniformly
    from n .. length - n first (otherwise the two starts are, which favours some distances).
    """
    pool = np.asarray(pool)
    out = pool[rng.integers(0, len(pool), size=(batch, length))]
    for row in out:
        n = int(rng.integers(min_segment, length // 2 + 1))
        if uniform_distance:
            d = int(rng.integers(n, length - n + 1))
            first = int(rng.integers(0, length - n - d + 1))
            second = first + d
        else:
            first = int(rng.integers(0, length - 2 * n + 1))
            second = int(rng.integers(first + n, length - n + 1))
        row[second:second + n] = row[first:first + n]
    return out


def duplicated_spans(ids: np.ndarray, batch: int, length: int, rng: np.random.Generator,
                     min_span: int = 8) -> np.ndarray:
    """(batch, length) windows of the token stream ids, each with one span pasted twice.

    Per row: a random window of the text; a span length d (min_span .. length // 2) and a
    start s (0 .. length - 2d); the row is the text up to s + d, then tokens s .. s+d-1
    again, then the text that followed, cut to length. So the row is ordinary text except
    that from s + d on, d tokens can be read off their earlier occurrence (a copy-paste, as
    in real source code), at a distance that differs from row to row.
    """
    if not 1 <= min_span <= length // 2:
        raise ValueError(f"spans of {min_span} .. {length // 2} tokens do not fit rows of "
                         f"{length}")
    x, y = textgpt.random_windows(np.asarray(ids), batch, length - 1, rng)
    text = np.concatenate([x, y[:, -1:]], axis=1)                       # (batch, length)
    out = np.empty_like(text)
    for r, row in enumerate(text):
        d = int(rng.integers(min_span, length // 2 + 1))
        s = int(rng.integers(0, length - 2 * d + 1))
        out[r] = np.concatenate([row[:s + d], row[s:s + d], row[s + d:]])[:length]
    return out


def periodic_repeats(batch: int, length: int, pool: np.ndarray, rng: np.random.Generator,
                     min_distance: int = 4, max_distance: int = 32) -> np.ndarray:
    """(batch, length) random tokens from pool that repeat with a random period d in each row.

    Per row, d is drawn uniformly from min_distance .. max_distance and a start s from
    0 .. length - 2d; tokens s .. s+d-1 are random and every later token copies the one d
    positions before it (row[t] = row[t - d] for t >= s + d). So from s + d on, each next
    token can be read off the earlier occurrence of the current one, and no single
    distance is worth learning.
    """
    if not 1 <= min_distance <= max_distance or 2 * max_distance > length:
        raise ValueError(f"distances {min_distance} .. {max_distance} do not fit rows of "
                         f"{length}")
    pool = np.asarray(pool)
    out = pool[rng.integers(0, len(pool), size=(batch, length))]
    for row in out:
        d = int(rng.integers(min_distance, max_distance + 1))
        s = int(rng.integers(0, length - 2 * d + 1))
        for t in range(s + d, length):
            row[t] = row[t - d]
    return out


def per_token_loss(logits: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Next-token cross-entropy at each position: logits (B, T, V), tokens (B, T) -> (B, T-1).

    Entry [b, t] is -log p(tokens[b, t+1] | tokens[b, :t+1]).
    """
    z = np.asarray(logits[:, :-1], dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return -np.take_along_axis(logp, tokens[:, 1:, None], axis=-1)[..., 0]


def repeated_halves_loss(model: AttnOnlyGPT, tokens: np.ndarray) -> tuple[float, float]:
    """Mean loss on the first half's predictions and on the second half's, of repeated tokens.

    tokens: (B, 2 * half). First half: predicting tokens 1 .. half-1; second half:
    predicting tokens half+1 .. 2*half-1 (the first token of the copy is left out:
    nothing before it says which copy starts).
    """
    half = tokens.shape[1] // 2
    losses = per_token_loss(model.logits(tokens), tokens)          # (B, 2 half - 1)
    return float(losses[:, :half - 1].mean()), float(losses[:, half:].mean())


def previous_token_scores(pattern: np.ndarray) -> np.ndarray:
    """(H,) mean attention of each query i >= 1 to key i - 1, for patterns (B, H, T, T)."""
    i = np.arange(1, pattern.shape[-1])
    return pattern[:, :, i, i - 1].mean(axis=(0, 2))


def prefix_matching_scores(pattern: np.ndarray) -> np.ndarray:
    """(H,) mean attention of each second-copy query i to key i - half + 1 (the token after
    the earlier occurrence of its own), for patterns (B, H, 2 half, 2 half) of repeated tokens."""
    half = pattern.shape[-1] // 2
    i = np.arange(half, 2 * half)
    return pattern[:, :, i, i - half + 1].mean(axis=(0, 2))


def induction_at_distances(params: dict[str, np.ndarray], config: GPTConfig, pool: np.ndarray,
                           distances: tuple[int, ...] = (8, 16, 24, 32), batch: int = 32,
                           heads: tuple[int, ...] = (), how: str = "zero", seed: int = 0
                           ) -> dict[int, tuple[float, float]]:
    """{distance: (loss on the first copy, loss on the second)} of repeated random tokens.

    For each distance d, `batch` sequences of d tokens from pool, repeated (B, 2d), seeded
    by seed + d. With heads, those layer-0 heads' outputs (hook_z) are replaced: by zeros
    (how="zero") or by their mean over the batch at each position (how="mean"), so several
    heads that share one job can be knocked out together.
    """
    from autograder.interp import hooked

    if how not in ("zero", "mean"):
        raise ValueError(f"how should be 'zero' or 'mean', not {how!r}")

    def knock_out(z: np.ndarray, name: str) -> np.ndarray:        # z: (B, T, H, Dh)
        z = z.copy()
        for h in heads:
            z[:, :, h] = 0.0 if how == "zero" else z[:, :, h].mean(axis=0)
        return z

    hooks = {"blocks.0.attn.hook_z": knock_out} if heads else {}
    out = {}
    for d in distances:
        tokens = repeated_tokens(batch, d, pool, np.random.default_rng(seed + d))
        losses = per_token_loss(hooked.run_with_hooks(params, config, tokens, hooks), tokens)
        out[d] = (float(losses[:, :d - 1].mean()), float(losses[:, d:].mean()))
    return out


@dataclass
class Run:
    """The shipped model and what was measured while it trained."""

    config: GPTConfig
    params: dict[str, np.ndarray]
    snapshots: dict[int, dict[str, np.ndarray]]   # training step -> params before that step
    eval_steps: np.ndarray                        # (n,) steps at which the curves were measured
    rep_first: np.ndarray                         # (n,) loss, first half of repeated tokens
    rep_second: np.ndarray                        # (n,) loss, second half
    rep_tokens: np.ndarray                        # (rep_batch, 2 rep_half) the tokens measured
    train_loss: np.ndarray                        # (steps,) training loss at each step
    train_seconds: float
    merges: list[tuple[int, int]]

    def model(self, step: int | None = None) -> AttnOnlyGPT:
        """The final model, or the snapshot taken at `step`."""
        params = self.params if step is None else self.snapshots[step]
        return AttnOnlyGPT(self.config, params={k: v.copy() for k, v in params.items()})


def initial_model(recipe: Recipe, config: GPTConfig) -> AttnOnlyGPT:
    """The model before training: GPT-2's initialisation, with the recipe's query and key
    scale and, if asked, sinusoidal position embeddings."""
    model = AttnOnlyGPT(config, seed=recipe.seed)
    if recipe.qk_init != 0.02:      # GPT-2's 0.02 makes every pattern nearly uniform at first
        D = config.d_model
        for i in range(config.n_layers):
            model.params[f"blocks.{i}.attn.W_qkv"][:, :2 * D] *= recipe.qk_init / 0.02
    if recipe.sinusoidal:
        model.params["pos_emb"][...] = sinusoidal_positions(config.context, config.d_model)
    return model


def _lr_at(step: int, recipe: Recipe, tr: textgpt.Recipe) -> float:
    if recipe.decay:
        return textgpt.lr_at(step, recipe.steps, tr)
    return recipe.peak_lr * min(1.0, (step + 1) / recipe.warmup)


def _repeat_rows(recipe: Recipe, pool: np.ndarray, rng: np.random.Generator,
                 ids: np.ndarray) -> np.ndarray:
    if recipe.rep_text:
        return duplicated_spans(ids, recipe.rep_rows, recipe.rep_length, rng,
                                recipe.rep_min_segment)
    if recipe.rep_periodic:
        return periodic_repeats(recipe.rep_rows, recipe.rep_length, pool, rng,
                                recipe.rep_min_segment, recipe.rep_max_distance)
    return repeats_at_random_places(recipe.rep_rows, recipe.rep_length, pool, rng,
                                    recipe.rep_min_segment, recipe.rep_uniform_distance)


def train(recipe: Recipe = RECIPE, progress: bool = True,
          on_eval: Callable[[int, AttnOnlyGPT], None] | None = None,
          save_every: int = 0, save_to: str | Path | None = None) -> Run:
    """Train the model from scratch (minutes): see the module docstring.

    on_eval(step, model) is called at every evaluation. With a constant learning rate
    (recipe.decay False), save_every > 0 writes the run so far to
    ``{save_to}.step{N}.npz`` every save_every steps: the run Recipe(steps=N) would make.
    """
    from autograder.gpt.threads import set_blas_threads

    set_blas_threads(1)
    source = textgpt.load_checkpoint()
    ids = source.train_ids
    config = recipe.config(source.config.vocab_size)
    model = initial_model(recipe, config)
    opt = AdamW(model.params, lr=recipe.peak_lr, weight_decay=recipe.weight_decay,
                betas=(0.9, 0.99))
    rng = np.random.default_rng(recipe.seed + 1)
    pool = common_tokens(ids)
    if recipe.rep_pool:
        counts = np.bincount(ids)
        pool = np.sort(np.argsort(counts, kind="stable")[::-1][:recipe.rep_pool])
    rep = repeated_tokens(recipe.rep_batch, recipe.rep_half, pool,
                          np.random.default_rng(recipe.seed + 2))
    tr = textgpt.Recipe(warmup=recipe.warmup, peak_lr=recipe.peak_lr)
    snapshots: dict[int, dict[str, np.ndarray]] = {}
    eval_steps: list[int] = []
    first: list[float] = []
    second: list[float] = []
    curve: list[float] = []
    seconds = 0.0
    for step in range(recipe.steps + 1):
        if step in recipe.snapshots:
            snapshots[step] = {k: v.copy() for k, v in model.params.items()}
        if step % recipe.eval_every == 0 or step == recipe.steps:
            f, s = repeated_halves_loss(model, rep)
            eval_steps.append(step)
            first.append(f)
            second.append(s)
            if on_eval is not None:
                on_eval(step, model)
            if progress and step % 100 == 0:
                print(f"step {step}: train loss {curve[-1] if curve else float('nan'):.3f}, "
                      f"repeated tokens {f:.2f} -> {s:.2f} ({seconds:.0f} s)", flush=True)
        if save_every and save_to is not None and step and step % save_every == 0:
            if recipe.decay:
                raise ValueError("save_every needs a constant learning rate (decay=False)")
            save(f"{save_to}.step{step}.npz",
                 Run(config, model.params, dict(snapshots), np.asarray(eval_steps),
                     np.asarray(first), np.asarray(second), rep, np.asarray(curve), seconds,
                     source.merges))
        if step == recipe.steps:
            break
        start = time.perf_counter()
        opt.lr = _lr_at(step, recipe, tr)
        w = recipe.rep_weight_early if step < recipe.early_steps else recipe.rep_weight
        if recipe.rep_rows and w >= 1.0:     # the repeated rows are the whole batch
            seq = _repeat_rows(recipe, pool, rng, ids)
            curve.append(model.loss(seq[:, :-1], seq[:, 1:]))
            opt.step(model.backward())
            seconds += time.perf_counter() - start
            continue
        x, y = textgpt.random_windows(ids, recipe.batch_size, recipe.context, rng)
        n_rep = int(round(recipe.rep_fraction * recipe.batch_size))
        if n_rep:
            seq = repeats_at_random_places(n_rep, recipe.context + 1, pool, rng)
            x[:n_rep], y[:n_rep] = seq[:, :-1], seq[:, 1:]
        curve.append(model.loss(x, y))
        grads = model.backward()
        if recipe.rep_rows:        # a weighted mean of the two batches' losses
            seq = _repeat_rows(recipe, pool, rng, ids)
            model.loss(seq[:, :-1], seq[:, 1:])
            for name, g in model.backward().items():
                grads[name] = (1.0 - w) * grads[name] + w * g
        opt.step(grads)
        seconds += time.perf_counter() - start
    return Run(config, model.params, snapshots, np.asarray(eval_steps), np.asarray(first),
               np.asarray(second), rep, np.asarray(curve), seconds, source.merges)


def save(path: str | Path, run: Run) -> None:
    """Write a Run to a compressed .npz (parameters as float16; no pickle)."""
    arrays: dict[str, np.ndarray] = {
        f"config.{k}": np.array(getattr(run.config, k))
        for k in ("vocab_size", "context", "d_model", "n_heads", "n_layers")}
    arrays.update({f"param.{k}": v.astype(np.float16) for k, v in run.params.items()})
    for step, params in run.snapshots.items():
        arrays.update({f"snap{step}.{k}": v.astype(np.float16) for k, v in params.items()})
    arrays.update(eval_steps=run.eval_steps, rep_first=run.rep_first.astype(np.float32),
                  rep_second=run.rep_second.astype(np.float32),
                  rep_tokens=run.rep_tokens.astype(np.int16),
                  train_loss=run.train_loss.astype(np.float32),
                  train_seconds=np.array(run.train_seconds))
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]


def load(path: str | Path = PATH) -> Run:
    """The shipped run (float32 parameters), or a clear error if the file is missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `python -m autograder.interp.attn_only`"
                                " to make it (a few minutes)")
    with np.load(path, allow_pickle=False) as data:
        config = GPTConfig(**{k[len("config."):]: int(data[k]) for k in data.files  # type: ignore[arg-type]
                              if k.startswith("config.")})
        params = {k[len("param."):]: data[k].astype(np.float32) for k in data.files
                  if k.startswith("param.")}
        snaps: dict[int, dict[str, np.ndarray]] = {}
        for k in data.files:
            if k.startswith("snap"):
                step, name = k[len("snap"):].split(".", 1)
                snaps.setdefault(int(step), {})[name] = data[k].astype(np.float32)
        run = Run(config, params, dict(sorted(snaps.items())), data["eval_steps"].copy(),
                  data["rep_first"].astype(np.float64), data["rep_second"].astype(np.float64),
                  data["rep_tokens"].astype(np.int64),
                  data["train_loss"].astype(np.float64), float(data["train_seconds"]), [])
    run.merges = textgpt.load_checkpoint().merges
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=RECIPE.steps)
    parser.add_argument("--out", default=str(PATH))
    parser.add_argument("--save-every", type=int, default=0,
                        help="also write the run so far to OUT.stepN.npz every N steps")
    args = parser.parse_args(argv)
    snaps = tuple(s for s in RECIPE.snapshots if s < args.steps)
    recipe = replace(RECIPE, steps=args.steps, snapshots=snaps)
    run = train(recipe, save_every=args.save_every, save_to=args.out)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    save(args.out, run)
    print(f"wrote {args.out} ({Path(args.out).stat().st_size / 1e6:.2f} MB): {args.steps} "
          f"steps, {run.train_seconds:.0f} s of training; repeated tokens "
          f"{run.rep_first[-1]:.2f} -> {run.rep_second[-1]:.2f} nats")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
