"""The learner's own GPT: their functions from stage 04, saved to the workspace and put together.

    save_pieces("block", globals())       # end of notebook 04: writes my_gpt/block.py
    mine = load_my_gpt()                   # notebook 10: import, check, assemble
    print(mine.report())                   # which pieces are yours, which fall back, and why
    loss, grads = mine.loss_and_grads(inputs, targets, mask, params, config)

A notebook runs in its own kernel and cannot see the functions written in
another one. So notebooks 02-06 and 09 end with a cell that copies the source
of the learner's finished functions (``inspect.getsource``) into their
workspace, one module per notebook:

    my_gpt/embeddings.py   02: embed, softmax, cross_entropy
    my_gpt/attention.py    03: attention_scores, causal_mask, masked_softmax, attention_head,
                               split_heads, merge_heads, multi_head_attention
    my_gpt/block.py        04: layer_norm, gelu, mlp, transformer_block, gpt_logits
    my_gpt/backward.py     05: linear_backward, gelu_backward, layer_norm_backward,
                               softmax_backward, attention_head_backward, embedding_backward,
                               cross_entropy_backward, block_backward, gpt_loss_and_grads
    my_gpt/training.py     06: adamw_update, lr_schedule
    my_gpt/tokenizer.py    09: count_pairs, merge, train_bpe, encode_bpe, decode_bpe

``load_my_gpt`` executes each module in a namespace of its own, gives it the
names it used from earlier notebooks (the learner's versions of them), and runs
each function's own check (the same check as its exercise, against the same
independent oracle). A function that is missing or fails is replaced by the
reference for that piece (the check's reference, or for the two whole-model
functions the package's GPT), and the report says so; ``my_gpt/used.json``
records the choice.

The glue written here, not by the learner: ``block_params`` (given in
notebooks 04 and 05), and the multi-head attention forward and backward that
notebook 05 took from the package. Here they are assembled from the learner's
own pieces: split_heads, attention_scores, causal_mask, masked_softmax and
merge_heads (03) forward; linear_backward and attention_head_backward (05),
once per batch item and head, backward. With every piece passing, every
forward and backward computation of a training step is the learner's code;
tests/test_my_gpt.py proves it with the package's layers disabled.

Where the files go: ``$AUTOGRADER_MY_GPT`` if set, else ``my_gpt/`` in the
learner's workspace (see autograder.progress.store.find_workspace). Outside a
workspace, and while nbgrader grades, nothing is saved.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import os
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

DIR_ENV = "AUTOGRADER_MY_GPT"
FOLDER = "my_gpt"

_T = "autograder.checks.transformer."


@dataclass(frozen=True)
class Piece:
    """One notebook's contribution: its functions, each with the check that verifies it."""

    name: str
    notebook: str
    checks: dict[str, str]            # function name -> "module.check_object"

    @property
    def functions(self) -> tuple[str, ...]:
        return tuple(self.checks)


PIECES: dict[str, Piece] = {p.name: p for p in (
    Piece("embeddings", "04_transformer/02_embeddings_and_loss.ipynb", {
        "embed": _T + "embeddings.check_embed",
        "softmax": _T + "embeddings.check_softmax",
        "cross_entropy": _T + "embeddings.check_cross_entropy"}),
    Piece("attention", "04_transformer/03_attention.ipynb", {
        "attention_scores": _T + "attention.check_attention_scores",
        "causal_mask": _T + "attention.check_causal_mask",
        "masked_softmax": _T + "attention.check_masked_softmax",
        "attention_head": _T + "attention.check_attention_head",
        "split_heads": _T + "attention.check_split_heads",
        "merge_heads": _T + "attention.check_merge_heads",
        "multi_head_attention": _T + "attention.check_multi_head_attention"}),
    Piece("block", "04_transformer/04_the_block.ipynb", {
        "layer_norm": _T + "block.check_layer_norm",
        "gelu": _T + "block.check_gelu",
        "mlp": _T + "block.check_mlp",
        "transformer_block": _T + "block.check_transformer_block",
        "gpt_logits": _T + "block.check_gpt_logits"}),
    Piece("backward", "04_transformer/05_backward.ipynb", {
        "linear_backward": _T + "backward.check_linear_backward",
        "gelu_backward": _T + "backward.check_gelu_backward",
        "layer_norm_backward": _T + "backward.check_layer_norm_backward",
        "softmax_backward": _T + "backward.check_softmax_backward",
        "attention_head_backward": _T + "backward.check_attention_head_backward",
        "embedding_backward": _T + "backward.check_embedding_backward",
        "cross_entropy_backward": _T + "backward.check_cross_entropy_backward",
        "block_backward": _T + "backward.check_block_backward",
        "gpt_loss_and_grads": _T + "backward.check_gpt_loss_and_grads"}),
    Piece("training", "04_transformer/06_training.ipynb", {
        "adamw_update": _T + "training.check_adamw_update",
        "lr_schedule": _T + "training.check_lr_schedule"}),
    Piece("tokenizer", "04_transformer/09_bpe_tokenizer.ipynb", {
        "count_pairs": _T + "tokenizer.check_count_pairs",
        "merge": _T + "tokenizer.check_merge",
        "train_bpe": _T + "tokenizer.check_train_bpe",
        "encode_bpe": _T + "tokenizer.check_encode_bpe",
        "decode_bpe": _T + "tokenizer.check_decode_bpe"}),
)}


def pieces_dir() -> Path | None:
    """Where the learner's modules live: $AUTOGRADER_MY_GPT, else workspace/my_gpt, else None."""
    env = os.environ.get(DIR_ENV)
    if env:
        return Path(env).expanduser().resolve()
    from .progress.store import find_workspace

    workspace = find_workspace()
    return None if workspace is None else workspace / FOLDER


# -- saving (the "Save your functions" cell near the end of notebooks 02-06 and 09) ----------


def save_pieces(piece: str, namespace: dict[str, Any], directory: str | Path | None = None,
                *, quiet: bool = False) -> Path | None:
    """Write the source of `piece`'s functions found in `namespace` to <dir>/<piece>.py.

    Returns the file written, or None when there is nowhere to save (outside a
    workspace, or while nbgrader grades). Prints one line saying what happened.
    """
    if piece not in PIECES:
        raise ValueError(f"unknown piece {piece!r}; the pieces are {', '.join(PIECES)}")
    say = (lambda *_: None) if quiet else print
    if os.environ.get("NBGRADER_EXECUTION"):
        return None                                        # grading: the submission is the record
    folder = Path(directory) if directory is not None else pieces_dir()
    if folder is None:
        say(f"Not saved: this notebook is not inside a learner workspace (set {DIR_ENV} to a "
            "folder to save anyway). Notebook 10 will use the reference for these functions.")
        return None
    sources, missing = [], []
    for name in PIECES[piece].functions:
        fn = namespace.get(name)
        try:
            if not inspect.isfunction(fn):
                raise TypeError(name)
            sources.append(textwrap.dedent(inspect.getsource(fn)).rstrip() + "\n")
        except (OSError, TypeError):
            missing.append(name)
    header = (f'"""Your functions from {PIECES[piece].notebook}, saved by its save cell on '
              f'{time.strftime("%Y-%m-%d %H:%M")}.\n\nEdit them in the notebook and run that cell '
              'again; notebook 10 imports this file."""\n\nimport math\n\nimport numpy as np\n')
    text = header + "".join("\n\n" + s for s in sources)
    compile(text, f"{piece}.py", "exec")                   # a syntax error is the notebook's
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{piece}.py"
    _atomic_write(path, text)
    saved = [n for n in PIECES[piece].functions if n not in missing]
    say(f"Saved {', '.join(saved) or 'nothing'} to {path}"
        + (f"; not found (define them above and run this cell again): {', '.join(missing)}"
           if missing else ""))
    return path


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- loading and checking (notebook 10) ---------------------------------------------------------


@dataclass
class Status:
    """What load_my_gpt decided for one function."""

    piece: str
    name: str
    yours: bool
    reason: str = ""                    # why the reference is used instead ("" when yours)


@dataclass
class MyGPT:
    """The assembled functions (the learner's, or the reference where theirs is missing)."""

    functions: dict[str, Callable]
    statuses: list[Status] = field(default_factory=list)
    directory: Path | None = None

    def __getitem__(self, name: str) -> Callable:
        return self.functions[name]

    @property
    def fallbacks(self) -> list[Status]:
        return [s for s in self.statuses if not s.yours]

    @property
    def all_yours(self) -> bool:
        return not self.fallbacks

    def report(self) -> str:
        """One line per piece, then one line per function that uses the reference."""
        where = self.directory if self.directory is not None else "(no workspace)"
        lines = [f"Your GPT, from {where}:"]
        for piece in PIECES.values():
            mine = [s for s in self.statuses if s.piece == piece.name]
            n = sum(s.yours for s in mine)
            mark = "✓" if n == len(mine) else "✗"
            lines.append(f"  {mark} {piece.name:<11} {n}/{len(mine)} yours   ({piece.notebook})")
        for s in self.fallbacks:
            lines.append(f"  using the reference for {s.name} ({s.piece}): {s.reason}")
        if self.all_yours:
            lines.append("Every function that runs below is yours.")
        return "\n".join(lines)

    # the calls notebook 10 makes
    def loss_and_grads(self, tokens, targets, mask, params, config):
        return self.functions["gpt_loss_and_grads"](tokens, targets, mask, params, config)

    def logits(self, tokens, params, config):
        return self.functions["gpt_logits"](tokens, params, config)


def _check(path: str):
    module, attr = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), attr)


def load_my_gpt(directory: str | Path | None = None, *, record: bool = True) -> MyGPT:
    """Import the learner's saved functions, check each one, and fill gaps with the reference.

    Never raises for a learner's mistake: a file that does not run, a missing
    function or a failing one is reported and replaced. With `record`, writes
    <dir>/used.json (which functions are the learner's).
    """
    folder = Path(directory) if directory is not None else pieces_dir()
    final: dict[str, Callable] = {}
    statuses: list[Status] = []
    for piece in PIECES.values():
        ns: dict[str, Any] = {"np": np, "math": math, "__name__": f"my_gpt.{piece.name}"}
        problem = None
        path = None if folder is None else folder / f"{piece.name}.py"
        if path is None or not path.is_file():
            problem = f"not saved yet (run the \"Save your functions\" cell of {piece.notebook})"
        else:
            try:
                exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), ns)
            except Exception as err:  # the learner's file: report, never crash
                problem = f"{path.name} does not run: {type(err).__name__}: {err}"
                ns = {"np": np, "math": math, "__name__": f"my_gpt.{piece.name}"}
        for name, value in _glue(piece.name, final, ns).items():
            ns.setdefault(name, value)
        for name, check_path in piece.checks.items():
            check = _check(check_path)
            fn = ns.get(name)
            if problem is not None:
                reason = problem
            elif not inspect.isfunction(fn):
                reason = f"{name} is not in {piece.name}.py"
            else:
                message = check.explain(fn)
                reason = "" if message is None else "its check fails: " + message.splitlines()[0]
            if reason:
                ns[name] = _fallback(name, check)
            statuses.append(Status(piece.name, name, not reason, reason))
            final[name] = ns[name]
    mine = MyGPT(final, statuses, folder)
    if record and folder is not None and folder.is_dir():
        try:
            _atomic_write(folder / "used.json", json.dumps({
                "time": round(time.time(), 3),
                "yours": [s.name for s in statuses if s.yours],
                "reference": {s.name: s.reason for s in statuses if not s.yours}}, indent=1))
        except OSError:
            pass
    return mine


def _fallback(name: str, check) -> Callable:
    """The reference for one function: the package's GPT for the two whole-model functions
    and a vectorised AdamW (fast: they run at every training step; the check's AdamW works
    entry by entry and would take hours in notebook 10), else the check's own reference (a
    correct submission with the same signature)."""
    if name == "gpt_loss_and_grads":
        return _reference_loss_and_grads
    if name == "gpt_logits":
        return _reference_logits
    if name == "adamw_update":
        return _reference_adamw_update
    return check.reference


def _reference_model(params, config):
    from .gpt.model import GPT, GPTConfig

    V, D = params["tok_emb"].shape
    cfg = GPTConfig(vocab_size=V, context=params["pos_emb"].shape[0], d_model=D,
                    n_heads=config.n_heads, n_layers=config.n_layers,
                    dtype=str(params["tok_emb"].dtype))
    return GPT(cfg, params=params)


def _reference_loss_and_grads(tokens, targets, mask, params, config):
    model = _reference_model(params, config)
    loss = model.loss(tokens, targets, mask)
    return loss, model.backward()


def _reference_adamw_update(p, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8,
                            weight_decay=0.0):
    """One AdamW step on whole arrays (notebook 06's adamw_update), in p's dtype."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    p_new = p - lr * (m_hat / (np.sqrt(v_hat) + eps) + weight_decay * p)
    return p_new.astype(p.dtype), m.astype(p.dtype), v.astype(p.dtype)


def _reference_logits(tokens, params, config):
    return _reference_model(params, config).logits(tokens)


def block_params(params: dict[str, np.ndarray], i: int) -> dict[str, np.ndarray]:
    """The parameters of block i, with the 'blocks.i.' prefix removed (given in 04 and 05)."""
    prefix = f"blocks.{i}."
    return {name[len(prefix):]: value for name, value in params.items() if name.startswith(prefix)}


def _glue(piece: str, have: dict[str, Callable], ns: dict[str, Any]) -> dict[str, Callable]:
    """The names a piece's functions use from earlier notebooks, bound to the learner's versions."""
    glue: dict[str, Callable] = dict(have)
    glue["block_params"] = block_params
    if "multi_head_attention" in have:
        mha = have["multi_head_attention"]

        def multi_head_attention(x, W_qkv, b_qkv, W_o, b_o, n_heads):
            """Notebook 04's form of your 3.6: the output only."""
            return mha(x, W_qkv, b_qkv, W_o, b_o, n_heads)[0]

        glue["multi_head_attention"] = multi_head_attention
    if piece == "backward":
        glue.update(_attention_glue(have, ns))
    return glue


def _attention_glue(have: dict[str, Callable], ns: dict[str, Any]) -> dict[str, Callable]:
    """attention_forward / attention_backward (the interface notebook 05 used), from your pieces.

    The cache keeps what the backward pass needs: x, q, k, v (B, H, T, Dh) and the merged
    head outputs (B, T, D). The backward pass calls your attention_head_backward once per
    batch item and head: it takes (T, Dh) arrays. Your backward functions are looked up in
    `ns` (notebook 05's namespace) at call time, so a fallback put there is the one used.
    """
    split_heads, merge_heads = have["split_heads"], have["merge_heads"]
    scores_fn, mask_fn, softmax_fn = (have["attention_scores"], have["causal_mask"],
                                      have["masked_softmax"])

    def attention_forward(x, W_qkv, b_qkv, W_o, b_o, n_heads):
        B, T, D = x.shape
        qkv = x @ W_qkv + b_qkv                                          # (B, T, 3D)
        q = split_heads(qkv[..., :D], n_heads)                           # (B, H, T, Dh)
        k = split_heads(qkv[..., D:2 * D], n_heads)
        v = split_heads(qkv[..., 2 * D:], n_heads)
        pattern = softmax_fn(scores_fn(q, k), mask_fn(T))                # (B, H, T, T)
        merged = merge_heads(pattern @ v)                                # (B, T, D)
        return merged @ W_o + b_o, (x, q, k, v, merged)

    def attention_backward(dy, W_qkv, W_o, cache):
        linear_backward, head_backward = ns["linear_backward"], ns["attention_head_backward"]
        x, q, k, v, merged = cache
        B, H, T, Dh = q.shape
        D = H * Dh
        dmerged, dW_o, db_o = linear_backward(dy.reshape(B * T, D), merged.reshape(B * T, D),
                                              W_o)
        dz = split_heads(dmerged.reshape(B, T, D), H)                    # (B, H, T, Dh)
        dq, dk, dv = np.empty_like(q), np.empty_like(k), np.empty_like(v)
        for b in range(B):
            for h in range(H):
                dq[b, h], dk[b, h], dv[b, h] = head_backward(dz[b, h], q[b, h], k[b, h], v[b, h])
        dqkv = np.concatenate([merge_heads(dq), merge_heads(dk), merge_heads(dv)], axis=-1)
        dx, dW_qkv, db_qkv = linear_backward(dqkv.reshape(B * T, 3 * D), x.reshape(B * T, D),
                                             W_qkv)
        return dx.reshape(B, T, D), (dW_qkv, db_qkv, dW_o, db_o)

    return {"attention_forward": attention_forward, "attention_backward": attention_backward}

