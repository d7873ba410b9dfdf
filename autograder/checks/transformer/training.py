"""Checks for 04_transformer/06_training: AdamW, the learning-rate schedule, accuracy, training."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from . import oracles

# -- 6.1 AdamW ----------------------------------------------------------------------------


def _adamw(p, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    """One AdamW step, entry by entry, straight from Loshchilov and Hutter (2019)."""
    p_new, m_new, v_new = p.copy(), m.copy(), v.copy()
    for idx in np.ndindex(*p.shape):
        gi = float(g[idx])
        mi = beta1 * float(m[idx]) + (1 - beta1) * gi
        vi = beta2 * float(v[idx]) + (1 - beta2) * gi * gi
        m_hat = mi / (1 - beta1 ** t)
        v_hat = vi / (1 - beta2 ** t)
        pi = float(p[idx])
        p_new[idx] = pi - lr * (m_hat / (math.sqrt(v_hat) + eps) + weight_decay * pi)
        m_new[idx], v_new[idx] = mi, vi
    return p_new, m_new, v_new


def _adam_variant(p, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
                  *, correct=True, l2=False, eps_inside=False, ema=True, lr_decay=True):
    if l2:
        g = g + weight_decay * p
    m = beta1 * m + ((1 - beta1) * g if ema else g)
    v = beta2 * v + ((1 - beta2) * g * g if ema else g * g)
    m_hat = m / (1 - beta1 ** t) if correct else m
    v_hat = v / (1 - beta2 ** t) if correct else v
    step = m_hat / (np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps)
    decay = 0.0 if l2 else weight_decay * p * (lr if lr_decay else 1.0)
    return (p - lr * step - decay).astype(p.dtype), m.astype(p.dtype), v.astype(p.dtype)


def _adam_cases(rng):
    def f(*shape, s=1.0):
        return (rng.normal(size=shape) * s).astype(np.float32)
    m0, v0 = f(3, 4, s=0.1), np.abs(f(3, 4, s=0.01))
    return [Case("the first step (t=1) of a (3, 4) array, weight decay 0.1",
                 (f(3, 4), f(3, 4), np.zeros((3, 4), np.float32), np.zeros((3, 4), np.float32),
                  1, 0.01), {"weight_decay": 0.1}),
            Case("step t=5 with running averages, weight decay 0.5",
                 (f(3, 4), f(3, 4), m0, v0, 5, 0.003), {"beta2": 0.99, "weight_decay": 0.5}),
            Case("step t=3, no weight decay, a tiny gradient",
                 (f(5,), f(5, s=1e-6), np.zeros(5, np.float32), np.zeros(5, np.float32), 3,
                  0.1), {})]


check_adamw_update = FunctionCheck(
    "adamw_update", lambda *a, **k: tuple(x.astype(a[0].dtype) for x in _adamw(*a, **k)),
    _adam_cases, dtype="exact", rtol=2e-5, atol=1e-7,
    hint='m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; m_hat, v_hat divided by (1 - '
         'b^t); p - lr * (m_hat / (sqrt(v_hat) + eps) + weight_decay * p); Python floats '
         'keep float32.',
    mistakes=[
        Mistake("Adam bias correction missing",
                "Your update skips the bias correction. m and v start at 0, so in the first "
                "steps they are far too small (after one step m is (1 - beta1) g, a tenth of "
                "the gradient). Dividing by 1 - beta^t corrects for that; without it the "
                "first steps have the wrong size.",
                "m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t), with t counting "
                "from 1.",
                variant=lambda *a, **k: _adam_variant(*a, **k, correct=False)),
        Mistake("L2 regularisation instead of decoupled weight decay",
                "You added weight_decay * p to the gradient before the Adam averages (that "
                "is Adam with L2 regularisation). AdamW's point is to keep the decay out of "
                "the averages: p -= lr * weight_decay * p, applied directly.",
                "Use g, not g + weight_decay * p, for m and v; subtract lr * weight_decay * p "
                "from p.",
                variant=lambda *a, **k: _adam_variant(*a, **k, l2=True)),
        Mistake("eps inside the square root",
                "You divided by sqrt(v_hat + eps) instead of sqrt(v_hat) + eps. With eps = "
                "1e-8 they only differ when v is tiny, but then they differ a lot.",
                "m_hat / (np.sqrt(v_hat) + eps).",
                variant=lambda *a, **k: _adam_variant(*a, **k, eps_inside=True)),
        Mistake("running averages without (1 - beta)",
                "You added the whole gradient to m (m = beta1 m + g) instead of (1 - beta1) g, "
                "so m is a sum, not an average, and is about 10 times too large.",
                "m = beta1 * m + (1 - beta1) * g; v = beta2 * v + (1 - beta2) * g**2.",
                variant=lambda *a, **k: _adam_variant(*a, **k, ema=False)),
        Mistake("weight decay not scaled by the learning rate",
                "You subtracted weight_decay * p without multiplying by lr, so the decay is "
                "hundreds of times too strong.",
                "p -= lr * weight_decay * p.",
                variant=lambda *a, **k: _adam_variant(*a, **k, lr_decay=False)),
        Mistake("float64 creep",
                "Your numbers are right but the arrays come back float64 for float32 "
                "inputs. A NumPy float64 scalar (np.sqrt(...) of a number, np.float64(lr), a "
                "value from np.cos) promotes every array it touches; the parameters would "
                "silently become float64 after the first step.",
                "Use Python floats for scalars (math.sqrt, float(...)), and check "
                "p.dtype after a step.",
                detect=lambda e, g, case: isinstance(g, tuple) and len(g) == 3
                and any(getattr(x, "dtype", None) == np.float64 for x in g)
                and e[0].dtype == np.float32
                and all(oracles.same_values(a, b) for a, b in zip(e, g, strict=True)),
                example=lambda p, g, m, v, t, lr, **k: tuple(
                    x.astype(np.float64) for x in _adam_variant(p, g, m, v, t, lr, **k))),
    ])

# -- 6.2 the learning-rate schedule ----------------------------------------------------------


def _schedule(step, total, warmup, peak, final_frac=0.1):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / (total - warmup)
    floor = final_frac * peak
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def _curve(fn, steps, total, warmup, peak):
    return np.array([fn(int(s), total, warmup, peak) for s in steps], dtype=np.float64)


def _variant_curve(kind):
    def schedule(s, total, warmup, peak):
        if kind == "warmup from zero" and s < warmup:
            return peak * s / warmup
        if s < warmup:
            return peak * (s + 1) / warmup
        progress = (s - warmup) / (total - warmup)
        if kind == "decay to zero":
            return peak * 0.5 * (1 + math.cos(math.pi * progress))
        if kind == "linear":
            return peak - 0.9 * peak * progress
        return _schedule(s, total, warmup, peak)
    return lambda steps, total, warmup, peak: _curve(schedule, steps, total, warmup, peak)


def _schedule_mistake(name, diagnosis, hint, kind):
    curve = _variant_curve(kind)
    return Mistake(name, diagnosis, hint, variant=curve,
                   example=lambda s, total, warmup, peak: float(
                       curve(np.array([s]), total, warmup, peak)[0]))


SCHEDULE_MISTAKES = [
    _schedule_mistake(
        "warm-up starting at 0",
        "Your first step has learning rate 0, so it is wasted: step s of the warm-up "
        "should use peak * (s + 1) / warmup, reaching the peak on the last warm-up step.",
        "Use (step + 1) / warmup.", "warmup from zero"),
    _schedule_mistake(
        "decay to zero",
        "Your schedule decays to 0 at the end. This one stops at final_frac * peak "
        "(10% of the peak), so the last steps still learn.",
        "lr = floor + (peak - floor) * 0.5 * (1 + cos(pi * progress)), floor = "
        "final_frac * peak.", "decay to zero"),
    _schedule_mistake(
        "linear decay",
        "Your decay after the warm-up is a straight line; the schedule asks for a cosine.",
        "0.5 * (1 + cos(pi * progress)) goes smoothly from 1 to 0 as progress goes from 0 "
        "to 1.", "linear"),
]
FINAL_FRAC_IGNORED = Mistake(
    "final_frac ignored",
    "Your schedule ends at 10% of the peak even when final_frac asks for another floor: the "
    "0.1 is written into the formula instead of taken from the argument.",
    "floor = final_frac * peak, with final_frac the function's argument.",
    variant=_variant_curve("final_frac ignored"),
    example=lambda step, total, warmup, peak, final_frac=0.1: _schedule(step, total, warmup,
                                                                         peak))
NUMPY_SCALAR = Mistake(
    "a NumPy float instead of a Python float",
    "Your values are right, but they are NumPy float64 scalars (np.cos returns one). Since "
    "NumPy 2, `lr * float32_array` with a NumPy float64 lr gives a float64 array, so this "
    "learning rate would silently turn a float32 model into float64 after one update.",
    "Return float(...), or use math.cos and math.pi.",
    example=lambda step, total, warmup, peak, final_frac=0.1: np.float64(
        _schedule(step, total, warmup, peak, final_frac)))


def _verify_schedule(fn, ctx: Context) -> None:
    # the last run passes final_frac: a schedule that ignores it (0.1 written in) fails there
    for total, warmup, peak, frac in ((100, 10, 1e-3, None), (1000, 100, 3e-3, None),
                                      (50, 5, 2e-3, 0.25)):
        kw = {} if frac is None else {"final_frac": frac}
        extra = "" if frac is None else f", final_frac {frac:g}"
        steps = np.unique(np.r_[0, 1, warmup - 1, warmup, warmup + 1,
                                np.linspace(0, total - 1, 25).astype(int), total - 1])
        case = Case(f"steps 0..{total - 1} of {total}, warm-up {warmup}, peak {peak:g}{extra}",
                    (steps, total, warmup, peak))
        got = []
        for s in steps.tolist():
            got.append(ctx.call(fn, Case(f"step {s} of {total}, warm-up {warmup}, peak "
                                         f"{peak:g}{extra}", (s, total, warmup, peak), kw)))
        ctx.require(all(isinstance(v, (int, float)) for v in got),
                    "lr_schedule should return a number", [f"got {got[0]!r}"])
        expected = np.array([_schedule(s, total, warmup, peak, 0.1 if frac is None else frac)
                             for s in steps.tolist()], dtype=np.float64)
        ctx.expect(expected, np.array(got, dtype=np.float64),
                   label=f"the learning rates are not right ({case.label})", case=case,
                   rtol=1e-9, atol=1e-15)
        numpy_floats = [v for v in got if type(v) is not float]
        ctx.require(not numpy_floats, "lr_schedule should return a Python float",
                    [f"got {type(numpy_floats[0]).__name__}" if numpy_floats else ""],
                    mistake=NUMPY_SCALAR)


check_lr_schedule = CustomCheck(
    "lr_schedule", _verify_schedule, reference=_schedule,
    hint="step < warmup: peak * (step + 1) / warmup; after it, progress = (step - warmup) / "
         "(total - warmup) and lr = floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * "
         "progress)), floor = final_frac * peak; return a Python float.",
    mistakes=[*SCHEDULE_MISTAKES, FINAL_FRAC_IGNORED, NUMPY_SCALAR])

# -- 6.3 accuracy ------------------------------------------------------------------------


def _sequence_accuracy(logits, targets, mask):
    solved = 0
    for b in range(targets.shape[0]):
        ok = all(int(np.argmax(logits[b, t])) == int(targets[b, t])
                 for t in range(targets.shape[1]) if mask[b, t])
        solved += ok
    return solved / targets.shape[0]


def _acc_cases(rng):
    V = 6
    targets = rng.integers(0, V, (6, 5))
    mask = np.zeros((6, 5), dtype=np.float32)
    mask[:, 2:] = 1
    logits = rng.normal(size=(6, 5, V)).astype(np.float32)
    logits[np.arange(6)[:, None], np.arange(5), targets] += 3.0        # mostly right
    logits[1, 3, (targets[1, 3] + 1) % V] += 10.0                      # one answer digit wrong
    logits[2, 0, (targets[2, 0] + 1) % V] += 10.0                      # a prompt position wrong
    logits[4, 4, (targets[4, 4] + 2) % V] += 10.0
    return [Case("6 problems, answer at positions 2..4", (logits, targets, mask)),
            Case("3 problems with different answer lengths",
                 (logits[:3], targets[:3], np.array([[0, 0, 1, 1, 1], [0, 1, 1, 1, 0],
                                                     [0, 0, 0, 1, 0]], dtype=np.float32)))]


check_sequence_accuracy = FunctionCheck(
    "sequence_accuracy", _sequence_accuracy, _acc_cases, rtol=1e-9, dtype=None,
    hint='right = (logits.argmax(-1) == targets) | (mask == 0); a problem counts when '
         'right.all(axis=1); return the mean as a float.',
    mistakes=[
        Mistake("accuracy per token, not per problem",
                "You returned the fraction of correct answer *characters*. A problem is "
                "solved only if every character of its answer is right: 99% per character "
                "is only about 92% per 8-digit answer.",
                "Mark each position right or wrong, then require all() over each row's "
                "answer positions.",
                variant=lambda lg, t, m: float(((lg.argmax(-1) == t) * m).sum() / m.sum())),
        Mistake("prompt positions counted",
                "A problem counted as wrong because of a mistake at a prompt position. The "
                "prompt is random and not predictable; only the answer positions count.",
                "Ignore positions where the mask is 0.",
                variant=lambda lg, t, m: float((lg.argmax(-1) == t).all(axis=1).mean())),
    ])

# -- 6.4 the trained model -----------------------------------------------------------------

HELD_OUT = 500


@functools.lru_cache(maxsize=4)
def _held_out(task, n_digits=8, seed=2024):
    """The check's own problems and answers (Python's reversed and sorted); made once
    (ctx.call gives the learner's model copies, so the cached arrays stay unchanged)."""
    rng = np.random.default_rng(seed + (task == "sort"))
    texts = []
    for _ in range(HELD_OUT):
        digits = [str(int(d)) for d in rng.integers(0, 10, n_digits)]
        answer = digits[::-1] if task == "reverse" else sorted(digits)
        texts.append(("R" if task == "reverse" else "S") + "".join(digits) + "="
                     + "".join(answer))
    tokens = np.stack([oracles.encode(t) for t in texts])
    mask = np.zeros((HELD_OUT, tokens.shape[1] - 1), dtype=np.float32)
    mask[:, n_digits + 1:] = 1.0              # targets n_digits + 1 .. 2 n_digits: the answer
    arrays = tokens[:, :-1].copy(), tokens[:, 1:].copy(), mask
    for a in arrays:
        a.setflags(write=False)
    return arrays


class _LazyModel:
    """A model built on first use: the shipped trained model, or an untrained one.

    The reference submission and the mistakes' examples are models; building them
    when the module is imported would slow every notebook's set-up cell down.
    """

    def __init__(self, make):
        self._make = make
        self._model = None

    def __getattr__(self, name):
        if self.__dict__.get("_model") is None:
            self.__dict__["_model"] = self._make()
        return getattr(self._model, name)


def _pretrained():
    from ...gpt.pretrained import load
    return load()


def _untrained(dtype):
    from ...gpt.model import GPT, GPTConfig
    return lambda: GPT(GPTConfig(vocab_size=15, context=17, dtype=dtype), seed=0)


FLOAT64_MODEL = Mistake(
    "float64 creep",
    "Some of your model's parameters are float64. The model starts in float32, so a float64 "
    "value got into an update: usually a NumPy float64 learning rate or a constant.",
    "Make lr_schedule return a Python float and check that adamw_update keeps the dtype.",
    example=_LazyModel(_untrained("float64")))
NOT_TRAINED = Mistake(
    "the parameters were never updated",
    "Your model answers at chance level, as if it had not been trained at all. A common "
    "cause: adamw_update returns new arrays, and the loop never writes them back into "
    "model.params (the model reads its weights from that dict).",
    "After each update: model.params[name] = p_new (and keep m and v per parameter).",
    example=_LazyModel(_untrained("float32")))
def _verify_trained(model, ctx: Context) -> None:
    ctx.require(model is not None, "`model` is still None: train it in the cells above first")
    ctx.require(hasattr(model, "logits") and hasattr(model, "params"),
                "`model` should be the GPT you trained (with .logits and .params)",
                [f"got {type(model).__name__}"])
    wrong_dtype = sorted(k for k, v in model.params.items() if v.dtype != np.float32)
    ctx.require(not wrong_dtype, "the model's parameters should all be float32",
                [f"not float32: {', '.join(wrong_dtype[:4])} (e.g. "
                 f"{model.params[wrong_dtype[0]].dtype})" if wrong_dtype else ""],
                mistake=FLOAT64_MODEL)
    for task in ("reverse", "sort"):
        inputs, targets, mask = _held_out(task)
        logits = ctx.call(model.logits, Case(f"{HELD_OUT} new {task} problems", (inputs,)))
        ok = ((np.argmax(logits, axis=-1) == targets) | (mask == 0)).all(axis=1)
        acc = float(ok.mean())
        ctx.require(acc > 0.2, f"the model solves only {acc:.1%} of new {task} problems",
                    mistake=NOT_TRAINED)
        ctx.require(acc >= 0.99,
                    f"the model solves {acc:.1%} of {HELD_OUT} new {task} problems (8 digits); "
                    "the target is at least 99%",
                    hint="Train for more steps, or check the learning rate and the schedule: "
                    "the loss should fall below 0.01.")


check_trained_model = CustomCheck(
    "trained_model", _verify_trained, reference=_LazyModel(_pretrained),
    hint="Train with your train loop until the loss is below about 0.01, writing each updated "
         "array back into model.params and keeping m and v per parameter across steps.",
    mistakes=[FLOAT64_MODEL, NOT_TRAINED])

# -- 6.4 the training loop -------------------------------------------------------------------
# The loop is judged against a reference run from the same seed: the same tiny model, the
# same batches (task_batch with the seeded generator, as the exercise prescribes), the
# check's own loop-based AdamW and schedule. The model's own loss and backward give the
# gradients in both runs; what is compared is the loop around them: which batch each step
# sees, the learning rate, the optimiser state carried from step to step, weight decay on
# matrices only, the writes back into model.params, and the history it returns.

TRAIN_STEPS, TRAIN_KW = 6, {"batch_size": 8, "peak_lr": 1e-2, "warmup": 2,
                            "weight_decay": 0.1, "seed": 5, "eval_every": 4}


def _tiny_model():
    from ...gpt.model import GPT, GPTConfig
    return GPT(GPTConfig(vocab_size=15, context=17, d_model=8, n_heads=2, n_layers=1), seed=3)


def _tiny_held_out():
    from ...gpt.data import digit_problems, make_batch
    return {task: make_batch(digit_problems(task, 6, 8, np.random.default_rng(40 + i)))
            for i, task in enumerate(("reverse", "sort"))}


def _reference_run(n_steps, batch_size, peak_lr, warmup, weight_decay, seed, eval_every,
                   reset_state=False, write_back=True, same_batch=False):
    """(losses, final params, eval_steps, accuracies) of the prescribed loop."""
    from ...gpt.data import task_batch
    model, held_out = _tiny_model(), _tiny_held_out()
    rng = np.random.default_rng(seed)
    state = {n: (np.zeros_like(p), np.zeros_like(p)) for n, p in model.params.items()}
    losses: list[float] = []
    eval_steps: list[int] = []
    accuracy: dict[Any, list[float]] = {t: [] for t in held_out}
    for step in range(n_steps):
        if same_batch:
            rng = np.random.default_rng(seed)
        inputs, targets, mask = task_batch(("reverse", "sort"), batch_size, 8, rng)
        losses.append(float(model.loss(inputs, targets, mask)))
        grads = model.backward()
        lr = _schedule(step, n_steps, warmup, peak_lr)
        for name, p in list(model.params.items()):
            m, v = state[name]
            if reset_state:
                m, v = np.zeros_like(p), np.zeros_like(p)
            decay = weight_decay if p.ndim == 2 else 0.0
            p_new, m, v = _adamw(p, grads[name], m, v, step + 1, lr, beta2=0.99,
                                 weight_decay=decay)
            if write_back:
                model.params[name] = p_new.astype(p.dtype)
            state[name] = (m.astype(p.dtype), v.astype(p.dtype))
        if (step + 1) % eval_every == 0 or step + 1 == n_steps:
            eval_steps.append(step + 1)
            for task, (inp, tgt, msk) in held_out.items():
                accuracy[task].append(_sequence_accuracy(model.logits(inp), tgt, msk))
    return losses, model.params, eval_steps, accuracy


_REFERENCE_RUNS: dict = {}


def _cached_run(**kw):
    key = tuple(sorted(kw.items()))
    if key not in _REFERENCE_RUNS:
        _REFERENCE_RUNS[key] = _reference_run(**kw)
    return _REFERENCE_RUNS[key]


def _train_impl(model, n_steps, held_out, batch_size=64, peak_lr=3e-3, warmup=100,
                weight_decay=0.01, seed=0, eval_every=100, on_step=None, write_back=True,
                reset_state=False, same_batch=False):
    from ...gpt.data import task_batch
    rng = np.random.default_rng(seed)
    state = {n: (np.zeros_like(p), np.zeros_like(p)) for n, p in model.params.items()}
    history: dict[str, Any] = {"loss": [], "seconds": [], "eval_steps": [],
               "accuracy": {t: [] for t in held_out}}
    for step in range(n_steps):
        if same_batch:
            rng = np.random.default_rng(seed)
        inputs, targets, mask = task_batch(("reverse", "sort"), batch_size, 8, rng)
        loss = model.loss(inputs, targets, mask)
        grads = model.backward()
        lr = _schedule(step, n_steps, warmup, peak_lr)
        for name, p in list(model.params.items()):
            m, v = state[name]
            if reset_state:
                m, v = np.zeros_like(p), np.zeros_like(p)
            decay = weight_decay if p.ndim == 2 else 0.0
            p_new, m, v = _adam_variant(p, grads[name], m, v, step + 1, lr, beta2=0.99,
                                        weight_decay=decay)
            if write_back:
                model.params[name] = p_new
            state[name] = (m, v)
        history["seconds"].append(0.0)
        history["loss"].append(loss)
        if on_step is not None:
            on_step(step, loss)
        if (step + 1) % eval_every == 0 or step + 1 == n_steps:
            history["eval_steps"].append(step + 1)
            for task, (inp, tgt, msk) in held_out.items():
                history["accuracy"][task].append(_sequence_accuracy(model.logits(inp), tgt, msk))
    return history


def _train_reference(model, n_steps, held_out, **kw):
    """A correct `train` (for the tests), vectorised, written as the exercise prescribes."""
    return _train_impl(model, n_steps, held_out, **kw)


TRAIN_NOT_WRITTEN = Mistake(
    "the updates never reach the model",
    "Your losses are those of the untrained model on each step's batch: every step ran "
    "with the initial weights. adamw_update returns new arrays; unless they are written "
    "back into model.params, the model never sees them.",
    "model.params[name], m, v = adamw_update(...), inside the loop over parameters.",
    example=lambda model, n, held_out, **kw: _train_impl(model, n, held_out, **kw,
                                                         write_back=False))
TRAIN_STATE_RESET = Mistake(
    "the optimiser state started afresh",
    "Your losses match a run in which every step starts Adam's running averages m and v "
    "from zero again. They must carry over from step to step: m and v are what make Adam "
    "more than a rescaled gradient step.",
    "Create the (m, v) of every parameter once, before the loop, and store the new ones "
    "after each update.",
    example=lambda model, n, held_out, **kw: _train_impl(model, n, held_out, **kw,
                                                         reset_state=True))

TRAIN_SAME_BATCH = Mistake(
    "the same batch every step",
    "Your losses match a run in which every step trains on the same batch: the random "
    "generator is made again from `seed` inside the loop, so it starts over and draws the "
    "same problems each time. The model then learns those few problems by heart instead of "
    "the task.",
    "Make rng = np.random.default_rng(seed) once, before the loop, and pass that same rng to "
    "task_batch on every step.",
    example=lambda model, n, held_out, **kw: _train_impl(model, n, held_out, **kw,
                                                         same_batch=True))

TRAIN_HIDDEN = (5, {"batch_size": 6, "peak_lr": 2e-2, "warmup": 1, "weight_decay": 0.05,
                    "seed": 17, "eval_every": 2})


def _tiny_config() -> dict:
    from dataclasses import asdict
    return asdict(_tiny_model().config)


def _in_process_gpt(config: dict, params: dict):
    """The check's own `gpt_from_data`, for calls without one (tests, the learner's kernel)."""
    from ...gpt.model import GPT, GPTConfig
    return GPT(GPTConfig(**config), params=params)


def _build_model(make_model, ctx: Context):
    """The tiny model, built by `make_model(config, params)` from plain data.

    At cohort grading `make_model` is the notebook's `gpt_from_data`: the model then lives
    in the learner's kernel, where their train() updates it in place, and the judge reads
    its parameters back as data when the call returns (docs/checks.md, "Judge-safe checks").
    """
    params = {name: p.copy() for name, p in _tiny_model().params.items()}
    if make_model is None:
        return _in_process_gpt(_tiny_config(), params)
    ctx.require(callable(make_model), "check_train's second argument should be the function "
                "that builds a GPT from data (gpt_from_data)",
                [f"got {type(make_model).__name__}"])
    return ctx.call(make_model, Case("the tiny test model (d_model 8, 1 layer, 2 heads)",
                                     (_tiny_config(), params)))


def _final_params(model, ctx: Context) -> dict:
    """The trained model's parameters as {name: float64 array} (read once, as data)."""
    try:
        params = model.params
        return {str(k): np.asarray(v, dtype=np.float64) for k, v in params.items()}
    except Exception:  # noqa: BLE001 - whatever the learner's code left behind
        ctx.fail("after train(), the model's parameters could not be read",
                 ["model.params should still be a dict of arrays"],
                 hint="Replace the arrays inside model.params (model.params[name] = p_new); "
                      "do not replace model.params itself with something else.")
        raise AssertionError("unreachable") from None


def _verify_train(submission, ctx: Context) -> None:
    fn, make_model = submission if isinstance(submission, tuple) else (submission, None)
    model, held_out = _build_model(make_model, ctx), _tiny_held_out()
    steps, kw = TRAIN_HIDDEN if ctx.hidden else (TRAIN_STEPS, TRAIN_KW)
    kw = dict(kw)
    if ctx.seed != ctx.check.seed:  # check_train(train, seed=...): a run with other batches
        kw["seed"] = ctx.seed
    label = (f"a tiny model (d_model 8, 1 layer, 2 heads), {steps} steps, "
             + ", ".join(f"{k}={v:g}" for k, v in kw.items()))
    case = Case(label, (model, steps, held_out), kw)
    # ctx.call passes copies: train the copy the learner's function receives
    seen = {}

    calls: list = []

    def on_step(step, loss):   # the check's own callback: at grading it runs in the judge
        calls.append((step, loss))

    def train(model, n_steps, held_out, **k):
        seen["model"] = model
        return fn(model, n_steps, held_out, on_step=on_step, **k)

    start = time.perf_counter()
    history = ctx.call(train, case)
    wall = time.perf_counter() - start
    trained = seen.get("model", model)
    losses, params, eval_steps, accuracy = _cached_run(n_steps=steps, **kw)
    ctx.require(isinstance(history, dict) and {"loss", "seconds", "eval_steps", "accuracy"}
                <= set(history), "train should return the history dict",
                ["with the keys 'loss', 'seconds', 'eval_steps' and 'accuracy'; got "
                 + (f"the keys {sorted(history)}" if isinstance(history, dict)
                    else type(history).__name__)])
    try:
        got = np.asarray([float(x) for x in history["loss"]], dtype=np.float64)
    except (TypeError, ValueError):
        got = np.zeros(0)
    ctx.require(got.shape == (steps,), f"history['loss'] should hold one loss per step "
                f"({steps})", [f"got {got.size}"])
    ctx.require(hasattr(history["seconds"], "__len__") and len(history["seconds"]) == steps,
                f"history['seconds'] should hold one time per step ({steps})",
                [f"got {history['seconds']!r:.60}"])
    try:
        seconds = np.asarray(history["seconds"], dtype=np.float64)
    except (TypeError, ValueError):
        seconds = np.full(steps, np.nan)
    ctx.require(bool(np.all(seconds >= 0)) and float(seconds.sum()) <= wall + 1e-3,
                "history['seconds'] should hold how long each step took",
                [f"got {np.round(seconds, 4).tolist()[:4]}..., but the whole call took "
                 f"{wall:.3f} s"],
                hint="start = time.perf_counter() before the step's work; after it, append "
                     "time.perf_counter() - start.")
    mistake = None
    if not np.allclose(got, losses, rtol=1e-4):   # named only if exactly one run matches
        matches = [m for wrong, m in (({"write_back": False}, TRAIN_NOT_WRITTEN),
                                      ({"reset_state": True}, TRAIN_STATE_RESET),
                                      ({"same_batch": True}, TRAIN_SAME_BATCH))
                   if np.allclose(got, _cached_run(n_steps=steps, **kw, **wrong)[0], rtol=1e-4)]
        mistake = matches[0] if len(matches) == 1 else None
    # float32 steps round differently with other (correct) orders of operations;
    # 1e-4 is far above that drift over six steps and far below any change of the loop.
    ctx.require(np.allclose(got, losses, rtol=1e-4),
                "your loss curve differs from the reference run with the same seed",
                [f"step:      {list(range(1, steps + 1))}",
                 f"yours:     {np.round(got, 6).tolist()}",
                 f"reference: {np.round(losses, 6).tolist()}",
                 "first step that differs: "
                 f"{int(np.argmax(~np.isclose(got, losses, rtol=1e-4))) + 1}"],
                mistake=mistake,
                hint=None if mistake else
                "Check lr_schedule and adamw_update first (their checks above). Then: one "
                "generator np.random.default_rng(seed) made once, task_batch(('reverse', "
                "'sort'), batch_size, 8, rng) each step, lr_schedule(step, n_steps, warmup, "
                "peak_lr), adamw_update(..., step + 1, lr, beta2=0.99, weight_decay=decay), "
                "decay only for arrays with 2 axes.")
    final = _final_params(trained, ctx)
    missing = sorted(set(params) - set(final))
    ctx.require(not missing, "the model lost parameters during training",
                [f"missing from model.params: {', '.join(missing[:4])}"])
    worst = max(float(np.abs(final[n] - p).max() / (np.abs(p).max() + 1e-12))
                if final[n].shape == p.shape else np.inf for n, p in params.items())
    ctx.require(worst <= 1e-3, "the model's parameters after training differ from the "
                "reference run's", [f"largest relative difference {worst:.2g}"],
                hint="Weight decay applies to the matrices only (p.ndim == 2); every "
                     "parameter gets its own (m, v); write each new array back into "
                     "model.params[name].")
    ctx.require(isinstance(history["eval_steps"], list | tuple | np.ndarray)
                and list(history["eval_steps"]) == eval_steps,
                f"history['eval_steps'] should be {eval_steps}",
                [f"got {history['eval_steps']!r}: evaluate every eval_every steps and after "
                 "the last step"])
    acc = history["accuracy"]

    def same(t):
        try:
            return bool(np.allclose(np.asarray(acc[t], dtype=float), accuracy[t]))
        except (TypeError, ValueError):
            return False
    ctx.require(isinstance(acc, dict) and set(acc) == set(accuracy) and all(map(same, accuracy)),
        "history['accuracy'] should hold, per task, the held-out accuracy at each evaluation",
        [f"expected {accuracy}", f"got {acc!r}"])
    _verify_on_step(calls, got, ctx)


def _verify_on_step(calls: list, losses: np.ndarray, ctx: Context) -> None:
    """on_step(step, loss) was called once after each step, with that step's loss."""
    steps = [c[0] for c in calls]
    try:
        seen = np.asarray([float(c[1]) for c in calls], dtype=np.float64)
    except (TypeError, ValueError):
        seen = np.zeros(0)
    ctx.require(steps == list(range(len(losses))) and seen.shape == losses.shape
                and bool(np.allclose(seen, losses)),
                "on_step(step, loss) should be called once after each step, with step = 0, "
                "1, 2, ... and that step's loss",
                [f"expected the steps {list(range(len(losses)))}; got {len(calls)} calls, "
                 f"with the steps {steps[:8]}"],
                hint="At the end of the step's body: if on_step is not None: "
                     "on_step(step, loss).")


class _TrainCheck(CustomCheck):
    """``check_train(train, gpt_from_data)``: the loop, and the notebook's model builder.

    Without the builder the check trains a GPT of its own (tests, a learner's kernel); the
    notebook passes it so that the model lives where train() runs, also at cohort grading.
    """

    def __call__(self, submission: Any, make_model: Any = None, *,
                 cases: Iterable[Case] | None = None, hidden: bool = False,
                 seed: int | None = None) -> None:
        __tracebackhide__ = True
        packed = submission if make_model is None else (submission, make_model)
        super().__call__(packed, cases=cases, hidden=hidden, seed=seed)

    def explain(self, submission: Any, make_model: Any = None, *,
                cases: Iterable[Case] | None = None, hidden: bool = False,
                seed: int | None = None) -> str | None:
        packed = submission if make_model is None else (submission, make_model)
        return super().explain(packed, cases=cases, hidden=hidden, seed=seed)


check_train = _TrainCheck(
    "train", _verify_train, reference=_train_reference,
    hint="One generator made once from seed; each step: a task_batch, loss, backward, the "
         "learning rate from lr_schedule, then adamw_update for every parameter with its own "
         "(m, v), t = step + 1, beta2=0.99, weight decay for 2-axis arrays only; write the "
         "new arrays back into model.params.",
    mistakes=[TRAIN_NOT_WRITTEN, TRAIN_STATE_RESET, TRAIN_SAME_BATCH])
