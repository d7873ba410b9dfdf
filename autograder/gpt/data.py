"""Small algorithmic tasks, a character-level tokenizer, and batches for next-token training.

Every problem is one line of text, for example (8 digits):

    reverse   R31415926=62951413
    sort      S31415926=11234569
    add mod p 07+85=92          (p = 97: a, b and the answer zero-padded to 2 digits)

The model reads the text one character (token) at a time and is trained to
predict the next one. Only the answer, the characters after "=", is graded:
the prompt is random, so predicting it is impossible and would only add noise
to the loss. `make_batch` pads problems of different lengths with "." and
returns a mask that is 1 exactly where the *target* is an answer character.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The alphabet. Index 0 is the padding character "."; the digits follow, so
#: the id of digit d is d + 1.
VOCAB = ".0123456789RS+="
PAD_ID = 0
TASK_MARKERS = {"reverse": "R", "sort": "S"}
_CHAR_TO_ID = {c: i for i, c in enumerate(VOCAB)}


def encode(text: str) -> np.ndarray:
    """Token ids of `text`: an int64 array of shape (len(text),)."""
    try:
        return np.array([_CHAR_TO_ID[c] for c in text], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not in the vocabulary {VOCAB!r}") from None


def decode(ids) -> str:
    """The text of a sequence of token ids (any integer array or list)."""
    return "".join(VOCAB[int(i)] for i in np.asarray(ids).reshape(-1))


def digit_problems(task: str, n: int, n_digits: int, rng: np.random.Generator
                   ) -> list[tuple[str, str]]:
    """`n` (prompt, answer) pairs of the reverse or sort task.

    prompt: e.g. "R31415926=" (marker, n_digits random digits, "=");
    answer: "62951413" (reverse) or "11234569" (sort).
    """
    if task not in TASK_MARKERS:
        raise ValueError(f"task must be one of {sorted(TASK_MARKERS)}, not {task!r}")
    digits = rng.integers(0, 10, size=(n, n_digits))
    answers = digits[:, ::-1] if task == "reverse" else np.sort(digits, axis=1)
    marker = TASK_MARKERS[task]
    return [(marker + "".join(map(str, d)) + "=", "".join(map(str, a)))
            for d, a in zip(digits.tolist(), answers.tolist(), strict=True)]


def modadd_problems(n: int, p: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    """`n` (prompt, answer) pairs of (a + b) mod p, zero-padded: ("07+85=", "92")."""
    width = len(str(p - 1))
    a = rng.integers(0, p, size=n)
    b = rng.integers(0, p, size=n)
    return [(f"{x:0{width}d}+{y:0{width}d}=", f"{(x + y) % p:0{width}d}")
            for x, y in zip(a.tolist(), b.tolist(), strict=True)]


def make_batch(problems: Sequence[tuple[str, str]]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs, targets and answer mask for a list of (prompt, answer) pairs.

    Each problem's text is prompt + answer, of length L. Problems are padded
    with PAD_ID on the right to the longest length L_max, then
      inputs  = tokens[:, :-1]   (B, L_max - 1)
      targets = tokens[:, 1:]    (B, L_max - 1), the next token at every position
      mask    = 1.0 where the target is a character of the answer, else 0.0 (float32)
    """
    lengths = [len(p) + len(a) for p, a in problems]
    width = max(lengths)
    tokens = np.full((len(problems), width), PAD_ID, dtype=np.int64)
    mask = np.zeros((len(problems), width - 1), dtype=np.float32)
    for i, (prompt, answer) in enumerate(problems):
        tokens[i, :lengths[i]] = encode(prompt + answer)
        # target j is token j + 1; the answer occupies tokens len(prompt) .. L - 1
        mask[i, len(prompt) - 1:lengths[i] - 1] = 1.0
    return tokens[:, :-1], tokens[:, 1:], mask


def task_batch(tasks: Sequence[str], batch_size: int, n_digits: int,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A batch mixing the given digit tasks in equal shares (batch_size problems)."""
    shares = np.array_split(np.arange(batch_size), len(tasks))
    problems: list[tuple[str, str]] = []
    for task, share in zip(tasks, shares, strict=True):
        problems += digit_problems(task, len(share), n_digits, rng)
    return make_batch(problems)
