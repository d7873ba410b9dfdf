"""Checks for 04_transformer/01_tokens_and_tasks: tokenizer, task generators, batches, masks."""

from __future__ import annotations

import numpy as np

from ..core import Context, CustomCheck, FunctionCheck
from ..randomness import watch_global_rng
from ..spec import Case, Mistake
from .oracles import VOCAB
from .oracles import encode as _encode_oracle

# -- 1.1 the tokenizer -------------------------------------------------------------------


def _encode_values(text):
    return np.array([int(c) if c.isdigit() else VOCAB.index(c) for c in text], dtype=np.int64)


check_encode = FunctionCheck(
    "encode", _encode_oracle,
    [Case('"R3141="', ("R3141=",)), Case('"S90210=01229"', ("S90210=01229",)),
     Case('"07+85=92"', ("07+85=92",)), Case('"." (padding)', (".",)),
     Case("an empty string", ("",))], dtype="exact",
    mistakes=[
        Mistake("digits encoded as their own value",
                "Your ids for digits are the digits themselves (int('7') = 7), but in this "
                "vocabulary digit d sits at index d + 1, because index 0 is the padding "
                "character '.'. Two characters now share an id: the model could not tell "
                "'0' from '.'.",
                "Look every character up in VOCAB, digits included: VOCAB.index(c), or a dict "
                "built once from VOCAB.",
                variant=_encode_values),
        Mistake("ids counted from 1",
                "Every id is one too large: ids are positions in VOCAB and start at 0.",
                "Use the index of the character in VOCAB without adding 1.",
                variant=lambda t: _encode_oracle(t) + 1),
        Mistake("float ids",
                "Your ids are floats. Ids index rows of the embedding matrix, and NumPy only "
                "indexes with integers.",
                "Make the array with dtype=np.int64 (np.array of Python ints does this).",
                detect=lambda e, g, case: isinstance(g, np.ndarray) and g.dtype.kind == "f",
                example=lambda t: _encode_oracle(t).astype(float)),
    ],
    hint="Each character becomes its index in VOCAB; return an int64 array.")


def _decode_oracle(ids):
    return "".join(VOCAB[int(i)] for i in np.asarray(ids).reshape(-1))


check_decode = FunctionCheck(
    "decode", _decode_oracle,
    [Case("the ids of 'R3141=1413'", (_encode_oracle("R3141=1413"),)),
     Case("the ids of '12+34=46..'", (_encode_oracle("12+34=46.."),)),
     Case("a single id, 0", (np.array([0]),))],
    mistakes=[
        Mistake("a list of characters",
                "You returned a list of characters; decode returns one string.",
                "Join the characters: ''.join(...).",
                variant=lambda ids: [VOCAB[int(i)] for i in ids]),
        Mistake("ids shifted by one",
                "Every character is the one before it in VOCAB: ids start at 0.",
                "Use VOCAB[i] for id i, without subtracting 1.",
                variant=lambda ids: "".join(VOCAB[int(i) - 1] for i in ids)),
        Mistake("characters separated by spaces",
                "Your string has spaces between the characters.",
                "Join with an empty string: ''.join(...).",
                variant=lambda ids: " ".join(VOCAB[int(i)] for i in ids)),
    ],
    hint="Each id i becomes VOCAB[i]; join them into one string.")

# -- 1.2 and 1.3: one problem -----------------------------------------------------------


def _make_problem(task, digits):
    marker = {"reverse": "R", "sort": "S"}[task]
    answer = digits[::-1] if task == "reverse" else "".join(sorted(digits))
    return marker + digits + "=", answer


_PROBLEM_CASES = [Case('reverse "31415926"', ("reverse", "31415926")),
                  Case('sort "31415926"', ("sort", "31415926")),
                  Case('reverse "120"', ("reverse", "120")),
                  Case('sort "9075"', ("sort", "9075"))]

check_make_problem = FunctionCheck(
    "make_problem", _make_problem, _PROBLEM_CASES,
    hint="prompt = marker ('R' or 'S') + digits + '='; the answer is the digits reversed, "
         'or sorted ascending.',
    mistakes=[
        Mistake("sorted in descending order",
                "Your sort answers run from 9 down to 0; the task sorts from smallest to "
                "largest.",
                "sorted(...) on the digit characters gives ascending order.",
                variant=lambda t, d: (_make_problem(t, d)[0],
                                      d[::-1] if t == "reverse" else "".join(sorted(d))[::-1])),
        Mistake("the task marker is missing",
                "Your prompt starts with the digits. Without the marker 'R' or 'S' a model "
                "trained on both tasks cannot know which one you are asking for.",
                "Start the prompt with 'R' for reverse and 'S' for sort.",
                variant=lambda t, d: (_make_problem(t, d)[0][1:], _make_problem(t, d)[1])),
        Mistake("'=' in the wrong place",
                "The '=' belongs at the end of the prompt: it is the signal 'the answer "
                "starts now', and the model predicts the first answer digit from it.",
                "prompt = marker + digits + '='; the answer is only the digits.",
                variant=lambda t, d: (_make_problem(t, d)[0][:-1],
                                      "=" + _make_problem(t, d)[1])),
        Mistake("the tasks swapped",
                "Your reverse problem sorts and your sort problem reverses.",
                "Check which marker and which answer go with which task name.",
                variant=lambda t, d: _make_problem("sort" if t == "reverse" else "reverse", d)),
    ])


def _modadd_problem(a, b, p):
    width = len(str(p - 1))
    return f"{a:0{width}d}+{b:0{width}d}=", f"{(a + b) % p:0{width}d}"


check_modadd_problem = FunctionCheck(
    "modadd_problem", _modadd_problem,
    [Case("7 + 85 mod 97", (7, 85, 97)), Case("50 + 60 mod 97", (50, 60, 97)),
     Case("3 + 4 mod 113", (3, 4, 113)), Case("2 + 5 mod 7", (2, 5, 7)),
     Case("3 + 9 mod 10 (p - 1 = 9 has one digit, p has two)", (3, 9, 10)),
     Case("4 + 100 mod 101 (p - 1 = 100 has three digits)", (4, 100, 101))],
    hint="width = len(str(p - 1)); prompt = f'{a:0{width}d}+{b:0{width}d}='; the answer is"
         ' (a + b) % p padded to the same width.',
    mistakes=[
        Mistake("no zero padding",
                "Your numbers are not padded with zeros, so problems have different lengths "
                "and a digit's position no longer says what it means (tens or units).",
                "Pad a, b and the answer to the width of p - 1: f'{a:0{width}d}'.",
                variant=lambda a, b, p: (f"{a}+{b}=", f"{(a + b) % p}")),
        Mistake("the sum without the modulus",
                "Your answer is a + b; the task asks for (a + b) mod p.",
                "Take the remainder: (a + b) % p.",
                variant=lambda a, b, p: (_modadd_problem(a, b, p)[0],
                                         f"{a + b:0{len(str(p - 1))}d}")),
        Mistake("always two digits",
                "You padded to two digits whatever p is. For p = 113 the numbers go up to "
                "112, which needs three.",
                "The width is the number of digits of p - 1: len(str(p - 1)).",
                variant=lambda a, b, p: (f"{a:02d}+{b:02d}=", f"{(a + b) % p:02d}")),
    ])

# -- 1.4 many random problems -----------------------------------------------------------


def _random_problems(task, n, n_digits, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        digits = "".join(str(int(d)) for d in rng.integers(0, 10, size=n_digits))
        out.append(_make_problem(task, digits))
    return out


def _nine_missing(task, n, n_digits, seed):
    rng = np.random.default_rng(seed)
    return [_make_problem(task, "".join(str(int(d)) for d in rng.integers(0, 9, n_digits)))
            for _ in range(n)]


def _no_leading_zero(task, n, n_digits, seed):
    rng = np.random.default_rng(seed)
    return [_make_problem(task, str(int(x)))
            for x in rng.integers(10 ** (n_digits - 1), 10 ** n_digits, size=n)]


def _global_random(task, n, n_digits, seed):
    np.random.seed(seed)
    return [_make_problem(task, "".join(str(d) for d in np.random.randint(0, 10, n_digits)))
            for _ in range(n)]


UNSEEDED = Mistake(
    "unseeded randomness",
    "Two calls with the same seed gave different problems, so every run trains and tests on "
    "different data and no result can be reproduced.",
    "Make one generator from the seed, rng = np.random.default_rng(seed), and draw every "
    "digit from it.",
    example=lambda task, n, n_digits, seed: _random_problems(task, n, n_digits, None))
SEED_IGNORED = Mistake(
    "the seed argument is ignored",
    "Different seeds gave the same problems: your function uses a fixed seed of its own.",
    "Pass the `seed` argument to np.random.default_rng.",
    example=lambda task, n, n_digits, seed: _random_problems(task, n, n_digits, 0))
GLOBAL_STATE = Mistake(
    "the global random state",
    "Your function changed NumPy's global random state (np.random.seed or np.random.randint), "
    "so other code's random numbers now depend on it.",
    "Use a generator of your own: rng = np.random.default_rng(seed).",
    example=_global_random)
NINE_MISSING = Mistake(
    "the digit 9 never appears",
    "No problem contains a 9. rng.integers(low, high) never returns `high`: "
    "rng.integers(0, 9) gives 0..8.",
    "Draw digits with rng.integers(0, 10).",
    example=_nine_missing)
NO_LEADING_ZERO = Mistake(
    "no leading zeros",
    "No problem starts with a 0. You probably drew a whole number between 10^(n-1) and 10^n. "
    "Then the first digit is never 0, a model never sees one there, and it may fail on "
    "inputs that have one.",
    "Draw each digit on its own, uniformly from 0..9.",
    example=_no_leading_zero)


def _verify_random_problems(fn, ctx: Context) -> None:
    n, n_digits = 1000, 8
    with watch_global_rng() as watch:
        first = ctx.call(fn, Case(f"task='sort', n={n}, n_digits={n_digits}, seed=0",
                                  ("sort", n, n_digits, 0)))
    ctx.require(not watch.changed,
                "your function changed NumPy's global random state", mistake=GLOBAL_STATE)
    ctx.require(isinstance(first, list) and len(first) == n,
                f"random_problems should return a list of {n} (prompt, answer) pairs",
                [f"got {type(first).__name__}"
                 + (f" of length {len(first)}" if hasattr(first, "__len__") else "")])
    bad = [item for item in first if not (
        isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
        and len(item[0]) == n_digits + 2 and item[0][1:-1].isdigit())]
    ctx.require(not bad, "each problem should be a (prompt, answer) pair like ('S31415926=', "
                "'11234569')", [f"got {bad[0]!r}" if bad else ""])
    wrong = [item for item in first if item != _make_problem("sort", item[0][1:-1])]
    ctx.require(not wrong, "a problem does not match make_problem for its digits",
                [f"got {wrong[0]!r}, expected {_make_problem('sort', wrong[0][0][1:-1])!r}"
                 if wrong else ""])
    again = ctx.call(fn, Case("the same arguments again", ("sort", n, n_digits, 0)))
    ctx.require(again == first, "the same seed gave different problems", mistake=UNSEEDED)
    other = ctx.call(fn, Case("seed=1", ("sort", n, n_digits, 1)))
    ctx.require(other != first, "seed=0 and seed=1 gave the same problems",
                mistake=SEED_IGNORED)
    rev = ctx.call(fn, Case("task='reverse'", ("reverse", 20, 5, 3)))
    ctx.require(all(p == _make_problem("reverse", p[0][1:-1]) for p in rev),
                "task='reverse' should give reverse problems", [f"got {rev[:2]!r}"])
    digits = np.array([[int(c) for c in p[0][1:-1]] for p in first])     # (n, n_digits)
    counts = np.bincount(digits.reshape(-1), minlength=10) / digits.size
    ctx.require(counts[9] > 0, "the digit 9 never appears", [f"digit frequencies: "
                f"{np.round(counts, 3).tolist()}"], mistake=NINE_MISSING)
    ctx.require(bool((digits[:, 0] == 0).any()), "no problem starts with the digit 0",
                mistake=NO_LEADING_ZERO)
    # 8000 digits: each frequency is 0.1 +- 0.0034 (one standard error); 0.085..0.115
    # is more than 4 standard errors wide, so a uniform generator passes for any seed.
    ctx.require(bool(((counts > 0.085) & (counts < 0.115)).all()),
                "the digits should be uniform: each of 0..9 about 10% of the time",
                [f"frequencies of 0..9: {np.round(counts, 3).tolist()}"])


check_random_problems = CustomCheck(
    "random_problems", _verify_random_problems, reference=_random_problems,
    hint='Draw every digit (0 to 9) with the rng you were given, build each problem with '
         'make_problem, and keep leading zeros: digits are characters, not a number.',
    mistakes=[GLOBAL_STATE, UNSEEDED, SEED_IGNORED, NINE_MISSING, NO_LEADING_ZERO])

# -- 1.5 and 1.6: batches and the loss mask ------------------------------------------


def _padded_tokens(problems):
    texts = [p + a for p, a in problems]
    width = max(len(t) for t in texts)
    tokens = np.zeros((len(texts), width), dtype=np.int64)
    for i, t in enumerate(texts):
        for j, c in enumerate(t):
            tokens[i, j] = VOCAB.index(c)
    return tokens


def _make_batch(problems):
    tokens = _padded_tokens(problems)
    return tokens[:, :-1], tokens[:, 1:]


def _padded_left(problems):
    texts = [p + a for p, a in problems]
    width = max(len(t) for t in texts)
    tokens = np.stack([_encode_oracle("." * (width - len(t)) + t) for t in texts])
    return tokens[:, :-1], tokens[:, 1:]


def _batch_cases(rng):
    return [Case("two reverse problems", ([("R123=", "321"), ("R905=", "509")],)),
            Case("problems of different lengths", ([("R12=", "21"), ("07+85=", "92"),
                                                    ("S3141=", "1134")],)),
            Case("one problem", ([("S90=", "09")],))]


check_make_batch = FunctionCheck(
    "make_batch", _make_batch, _batch_cases, dtype="exact",
    hint='Encode each full problem (prompt + answer); inputs are all tokens but the last, '
         'targets all but the first: targets[t] = inputs[t + 1].',
    mistakes=[
        Mistake("targets not shifted",
                "Your targets are the inputs themselves, so the model is asked to predict "
                "the token it is reading: it can copy it and learn nothing. The target at "
                "position t must be the *next* token, t + 1.",
                "Take all tokens but the last as inputs and all but the first as targets.",
                variant=lambda ps: (_make_batch(ps)[0], _make_batch(ps)[0])),
        Mistake("shifted the wrong way",
                "Your inputs and targets are swapped: you ask the model to predict the "
                "previous token from the next one.",
                "inputs = tokens[:, :-1] and targets = tokens[:, 1:].",
                variant=lambda ps: (_make_batch(ps)[1], _make_batch(ps)[0])),
        Mistake("padded on the left",
                "You put the padding before the text. Then the same problem starts at "
                "different positions depending on its neighbours in the batch.",
                "Pad on the right: fill the array with PAD_ID first, then write each problem "
                "from position 0.",
                variant=_padded_left),
        Mistake("the whole sequence as both",
                "You returned the full token array as inputs and as targets, without "
                "shifting, so both have one position too many.",
                "inputs = tokens[:, :-1] and targets = tokens[:, 1:].",
                variant=lambda ps: (_padded_tokens(ps), _padded_tokens(ps))),
    ])


def _answer_mask(problems):
    texts = [p + a for p, a in problems]
    width = max(len(t) for t in texts)
    mask = np.zeros((len(problems), width - 1), dtype=np.float32)
    for i, (p, a) in enumerate(problems):
        for t in range(width - 1):
            target_char = t + 1               # target at t is character t + 1
            mask[i, t] = 1.0 if len(p) <= target_char < len(p) + len(a) else 0.0
    return mask


def _mask_shifted(problems, start_offset=0, to_end=False, all_after=False):
    texts = [p + a for p, a in problems]
    width = max(len(t) for t in texts)
    mask = np.zeros((len(problems), width - 1), dtype=np.float32)
    for i, (p, a) in enumerate(problems):
        start = len(p) - 1 + start_offset
        end = width - 1 if to_end else len(p) - 1 + len(a) + start_offset
        mask[i, max(start, 0):max(end, 0)] = 1.0
    return mask


check_answer_mask = FunctionCheck(
    "answer_mask", _answer_mask, _batch_cases, dtype="exact",
    hint="The mask has the targets' shape; 1.0 where the target is an answer character "
         "(the positions after the '='), 0.0 elsewhere.",
    mistakes=[
        Mistake("mask on the input positions",
                "Your mask is one position late: it marks the positions where the *input* is "
                "an answer character. The loss is computed on targets, and the target at "
                "position t is character t + 1, so the first answer character is the target "
                "of the '=' position.",
                "The mask marks target positions len(prompt) - 1 up to len(prompt) + "
                "len(answer) - 2.",
                variant=lambda ps: _mask_shifted(ps, start_offset=1)),
        Mistake("the '=' counted as an answer",
                "Your mask starts one position early, at the target '=', which is part of the "
                "prompt.",
                "Start at len(prompt) - 1: the position whose target is the first answer "
                "character.",
                variant=lambda ps: _mask_shifted(ps, start_offset=-1)),
        Mistake("padding counted",
                "Your mask runs to the end of the row, padding included. A loss averaged over "
                "padding rewards the model for predicting '.' after the answer, which is "
                "easy and meaningless, and it weights short problems less than long ones.",
                "End the mask where the answer ends.",
                variant=lambda ps: _mask_shifted(ps, to_end=True)),
        Mistake("every position counted",
                "Your mask is all ones: prompt, answer and padding. The prompt digits are "
                "random, so the model cannot predict them, and the loss on them only adds "
                "noise.",
                "Mark only the targets that are characters of the answer.",
                variant=lambda ps: np.ones_like(_answer_mask(ps))),
        Mistake("a boolean mask",
                "Your mask holds True/False. The loss multiplies by the mask and divides by "
                "its sum, so it should hold the numbers 1.0 and 0.0 in float32, the model's "
                "dtype.",
                "Create it with np.zeros(..., dtype=np.float32) and set the answer positions "
                "to 1.0.",
                detect=lambda e, g, case: isinstance(g, np.ndarray) and g.dtype == bool,
                example=lambda ps: _answer_mask(ps).astype(bool)),
    ])
