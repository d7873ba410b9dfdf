"""Checks for 04_transformer/07_sampling: temperature sampling, generation, answering prompts."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, CheckFailure, Mistake
from . import oracles

# -- 7.1 sampling one token -------------------------------------------------------------


def _probs(logits, temperature):
    return oracles.softmax(np.asarray(logits, dtype=np.float64) / temperature)


def _sample_reference(logits, temperature, rng):
    if temperature == 0:
        return logits.argmax(axis=-1)
    z = logits / temperature
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    u = rng.random(logits.shape[0])[:, None]
    return (np.cumsum(p, axis=-1) < u).sum(axis=-1).clip(0, logits.shape[-1] - 1)


def _sample_times_t(logits, temperature, rng):
    if temperature == 0:
        return logits.argmax(axis=-1)
    return _sample_reference(logits * temperature * temperature, temperature, rng)


TEMPERATURE_MULTIPLIED = Mistake(
    "logits multiplied by the temperature",
    "Your samples follow softmax(logits * T) instead of softmax(logits / T): a low "
    "temperature makes your distribution flatter instead of sharper.",
    "Divide the logits by the temperature.",
    example=_sample_times_t)
TEMPERATURE_IGNORED = Mistake(
    "the temperature ignored",
    "Your samples follow softmax(logits) whatever the temperature.",
    "Divide the logits by the temperature before the softmax.",
    example=lambda logits, T, rng: _sample_reference(logits, 1.0 if T else 0, rng))
ZERO_TEMPERATURE = Mistake(
    "temperature 0 not handled",
    "With temperature 0 your function divides by zero. Temperature 0 is the limit of ever "
    "sharper distributions: all the probability on the largest logit, so it means argmax.",
    "Treat temperature == 0 separately: return logits.argmax(axis=-1).",
    example=lambda logits, T, rng: _sample_reference(logits, T, rng) if T else
    (logits / T).argmax(-1) * np.nan)
RNG_IGNORED = Mistake(
    "the generator ignored",
    "Two calls with generators made from the same seed gave different samples, so your "
    "function does not draw from the `rng` it is given.",
    "Draw with rng.random or rng.choice, not np.random.",
    example=lambda logits, T, rng: _sample_reference(logits, T, np.random.default_rng()))


def _verify_sample(fn, ctx: Context) -> None:
    rng = ctx.rng()  # hidden tests draw other logits with seed=
    logits = rng.normal(size=(4, 6)) * 2
    try:
        greedy = ctx.call(fn, Case("temperature 0", (logits.copy(), 0.0,
                                                     np.random.default_rng(0))))
    except CheckFailure as failure:
        failure.mistake, failure.hint = ZERO_TEMPERATURE, None
        raise
    greedy = np.asarray(greedy)
    ctx.require(greedy.shape == (4,), "sample_next should return one token id per row, "
                "shape (B,)", [f"got shape {greedy.shape}"])
    ctx.require(np.array_equal(greedy, logits.argmax(-1)),
                "at temperature 0 the sample should be the argmax of each row",
                [f"got {greedy.tolist()}, expected {logits.argmax(-1).tolist()}"],
                mistake=ZERO_TEMPERATURE)
    row = np.array([1.0, 0.0, -1.0, 2.0, 0.5])
    n = 4000
    batch = np.tile(row, (n, 1))
    for T in (1.0, 0.5, 2.0):
        one = np.asarray(ctx.call(fn, Case(f"{n} copies of one row, temperature {T}",
                                           (batch.copy(), T, np.random.default_rng(1)))))
        two = np.asarray(ctx.call(fn, Case("the same again", (batch.copy(), T,
                                                              np.random.default_rng(1)))))
        ctx.require(one.shape == (n,) and one.dtype.kind in "iu",
                    "sample_next should return integer token ids of shape (B,)",
                    [f"got {one.dtype} of shape {one.shape}"])
        ctx.require(np.array_equal(one, two), "the same seed gave different samples",
                    mistake=RNG_IGNORED)
        freq = np.bincount(one, minlength=5)[:5] / n
        want = _probs(row[None], T)[0]
        # each frequency has a standard error below 0.008 at n = 4000; 0.035 is > 4 of them
        close = float(np.abs(freq - want).max()) < 0.035
        if not close:
            mistake = None
            for wrong, m in ((_probs(row[None] * T, 1.0)[0], TEMPERATURE_MULTIPLIED),
                             (_probs(row[None], 1.0)[0], TEMPERATURE_IGNORED)):
                if float(np.abs(freq - wrong).max()) < 0.035:
                    mistake = m
            ctx.fail(f"at temperature {T} the samples do not follow softmax(logits / T)",
                     [f"logits {row.tolist()}",
                      f"expected frequencies {np.round(want, 3).tolist()}",
                      f"your frequencies     {np.round(freq, 3).tolist()}"], mistake=mistake)
        ctx.passed += 1


check_sample_next = CustomCheck(
    "sample_next", _verify_sample, reference=_sample_reference,
    hint='At temperature 0 return logits.argmax(-1). Otherwise p = softmax(logits / '
         'temperature) row by row, u = rng.random(B), sample = number of entries of '
         'np.cumsum(p, -1) below u.',
    mistakes=[TEMPERATURE_MULTIPLIED, TEMPERATURE_IGNORED, ZERO_TEMPERATURE, RNG_IGNORED])

# -- 7.2 generation ------------------------------------------------------------------------


class SumModel:
    """A stand-in model whose next token is (sum of every token so far) mod V.

    Its prediction at position t depends on the whole prefix, so a generator that
    feeds it less than the full sequence, or reads the wrong position's logits,
    gets different tokens.
    """

    def __init__(self, vocab_size=11, context=64):
        self.V = vocab_size
        self.config = SimpleNamespace(vocab_size=vocab_size, context=context)

    def logits(self, tokens):
        tokens = np.asarray(tokens)
        if tokens.ndim != 2 or tokens.shape[1] > self.config.context:
            raise ValueError(f"this model reads (B, T) tokens with T <= its context "
                             f"({self.config.context}); it was given shape {tokens.shape}")
        target = np.cumsum(tokens, axis=1) % self.V                 # (B, T)
        out = np.zeros((*tokens.shape, self.V), dtype=np.float32)
        np.put_along_axis(out, target[..., None], 30.0, axis=-1)
        return out

    def __deepcopy__(self, memo):
        return self


def _generate(model, tokens, n_new, temperature=0.0, rng=None):
    seq = [list(map(int, row)) for row in np.asarray(tokens)]
    window = model.config.context
    for row in seq:
        for _ in range(n_new):
            row.append(sum(row[-window:]) % model.V)   # the SumModel's greedy choice, by hand
    return np.array(seq, dtype=np.int64)


def _gen_variant(model, tokens, n_new, temperature=0.0, rng=None, *, position=-1, window=None,
                 keep_prompt=True):
    out = np.asarray(tokens)
    for _ in range(n_new):
        ctx = out[:, -model.config.context:] if window is None else out[:, -window:]
        nxt = model.logits(ctx)[:, position].argmax(-1)
        out = np.concatenate([out, nxt[:, None]], axis=1)
    return out if keep_prompt else out[:, tokens.shape[1]:]


def _gen_cases(rng):
    model = SumModel()
    return [Case("a batch of 3 prompts of 4 tokens, 5 new tokens (greedy)",
                 (model, rng.integers(0, 11, (3, 4)), 5)),
            Case("one prompt of 2 tokens, 3 new tokens (greedy)",
                 (model, np.array([[4, 9]]), 3)),
            Case("2 prompts of 3 tokens, 5 new tokens, a model with a context of 4 "
                 "(the sequence outgrows the context: feed the model its last 4 tokens)",
                 (SumModel(context=4), rng.integers(0, 11, (2, 3)), 5))]


check_generate = FunctionCheck(
    "generate", _generate, _gen_cases, dtype="kind",
    hint='Loop n_new times: logits = model.logits(seq[:, -context:]); next token = '
         'sample_next(logits[:, -1], temperature, rng); append it. Return the prompt and '
         'the new tokens.',
    mistakes=[
        Mistake("logits of the wrong position",
                "Your next token comes from the logits of the first position. The prediction "
                "for the token after the sequence is at the *last* position: logits[:, -1].",
                "Use logits[:, -1, :].",
                variant=lambda *a, **k: _gen_variant(*a, **k, position=0)),
        Mistake("only the last token fed to the model",
                "You gave the model only the last token. It needs the whole sequence so "
                "far: attention can only use what is in its input.",
                "Call model.logits on the full sequence (cropped to the context length if it "
                "is longer).",
                variant=lambda *a, **k: _gen_variant(*a, **k, window=1)),
        Mistake("the prompt dropped from the output",
                "You returned only the new tokens. generate returns the prompt followed by "
                "the new tokens, shape (B, T0 + n_new).",
                "Return the whole sequence.",
                variant=lambda *a, **k: _gen_variant(*a, **k, keep_prompt=False)),
    ])

# -- 7.3 answering prompts ------------------------------------------------------------------


def _greedy_answers(model, prompts):
    """The check's own greedy decoding, one problem and one character at a time."""
    answers = []
    for prompt in prompts:
        seq = list(oracles.encode(prompt))
        n_digits = len(prompt) - 2
        for _ in range(n_digits):
            seq.append(int(np.argmax(model.logits(np.array([seq]))[0, -1])))
        answers.append("".join(oracles.VOCAB[i] for i in seq[len(prompt):]))
    return answers


def _solve_variant(model, prompts, extra=0, whole=False):
    tokens = np.stack([oracles.encode(p) for p in prompts])
    n = len(prompts[0]) - 2 + extra
    for _ in range(n):
        nxt = model.logits(tokens)[:, -1].argmax(-1)
        tokens = np.concatenate([tokens, nxt[:, None]], axis=1)
    start = 0 if whole else len(prompts[0])
    return ["".join(oracles.VOCAB[i] for i in row[start:]) for row in tokens]


class _LazyPretrained:
    def __init__(self):
        self._model = None

    def _get(self):
        if self._model is None:
            from ...gpt.pretrained import load
            self._model = load()
        return self._model

    def logits(self, tokens):
        return self._get().logits(tokens)

    @property
    def config(self):
        return self._get().config

    def __deepcopy__(self, memo):
        return self


_PRETRAINED = _LazyPretrained()


def _solve_cases(rng):
    def prompts(task, n):
        marker = "R" if task == "reverse" else "S"
        return [marker + "".join(str(d) for d in rng.integers(0, 10, 8)) + "=" for _ in range(n)]
    return [Case("3 reverse prompts and the trained model", (_PRETRAINED, prompts("reverse", 3))),
            Case("2 sort prompts and the trained model", (_PRETRAINED, prompts("sort", 2))),
            # one prompt (a list of length 1), and 5 digits where the model was trained on 8:
            # the answer length comes from this prompt, whatever the model makes of it
            Case("one reverse prompt with 5 digits, 'R31415='", (_PRETRAINED, ["R31415="]))]


check_solve = FunctionCheck(
    "solve", _greedy_answers, _solve_cases, dtype=None,
    hint='Encode the prompts into one (B, T0) array, generate len(prompt) - 2 tokens '
         'greedily (temperature 0), and decode only the new tokens of each row.',
    mistakes=[
        Mistake("the prompt included in the answer",
                "Your answers start with the prompt. solve returns only what the model "
                "wrote after the '='.",
                "Decode only the new tokens: the last n_digits of each row.",
                variant=lambda m, p: _solve_variant(m, p, whole=True)),
        Mistake("one character too many",
                "Your answers are one character longer than the number of digits in the "
                "prompt.",
                "The answer has as many characters as the prompt has digits: len(prompt) - 2.",
                variant=lambda m, p: _solve_variant(m, p, extra=1)),
        Mistake("one character short",
                "Your answers are one character shorter than the number of digits in the "
                "prompt: the prompt's marker and '=' are 2 characters, not 1.",
                "Generate len(prompt) - 2 new tokens.",
                variant=lambda m, p: _solve_variant(m, p, extra=-1)),
    ])
