"""The hidden "gold" reward of notebooks 05-08: what a Python reader would call a better completion.

    gold_reward("for key in ", "self.items():\\n")   # 2.0: two distinct real words, brackets fine

A completion is judged in its prompt's context by three things a reader
notices at a glance:

- **distinct real words** (+1 each): identifiers that the corpus (the Python
  standard library the GPT was trained on) actually uses, counted once however
  often they repeat;
- **made-up words** (-1 each): identifiers the corpus never uses, such as
  ``sort_stof_groups`` (the GPT's misspellings);
- **bracket errors** (-1 each): a closing bracket that closes nothing, or the
  wrong kind of bracket, scanning prompt + completion together.

Only words the completion wrote count (a word it finished counts; a word cut
off by the end of the completion does not). Unclosed brackets at the end are
not errors: the code may go on. Repeating one real word earns it once, so a
completion that says ``self`` ten times is worth no more than one that says
it once: the reward model trained from a few hundred comparisons does not know
that, and notebook 07 measures what a policy does with the gap.

This is a stand-in for human judgement, defined by code so that the notebooks
can measure exactly how far a learned reward model, and a policy trained
against it, drift from it. Learners never need its details to do the
exercises; notebook 07 asks them to find what the policy exploits.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
OPEN, CLOSE = "([{", ")]}"


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """Every identifier in the training text of the corpus (a frozenset of str)."""
    from ..gpt import corpus

    train_text, _ = corpus.split(corpus.load())
    return frozenset(WORD.findall(train_text))


def completion_words(prompt: str, completion: str) -> list[str]:
    """The identifiers the completion wrote (ending inside it), except one cut off at its end."""
    text, start = prompt + completion, len(prompt)
    words = []
    for m in WORD.finditer(text):
        if m.end() <= start:
            continue
        if m.end() == len(text):
            continue                                   # may be unfinished
        words.append(m.group())
    return words


def bracket_errors(prompt: str, completion: str) -> int:
    """Closing brackets in the completion that close nothing or the wrong kind (int >= 0).

    Brackets inside string literals are not told apart from code (a window of
    64 tokens cannot know where a string began); the GPT rarely writes them.
    """
    stack: list[str] = []
    errors = 0
    for i, ch in enumerate(prompt + completion):
        if ch in OPEN:
            stack.append(ch)
        elif ch in CLOSE:
            want = OPEN[CLOSE.index(ch)]
            if stack and stack[-1] == want:
                stack.pop()
            else:
                if stack:
                    stack.pop()
                errors += i >= len(prompt)
    return errors


def gold_parts(prompt: str, completion: str) -> dict[str, int]:
    """The three counts: distinct real words, made-up words, bracket errors."""
    vocab = vocabulary()
    words = completion_words(prompt, completion)
    real = {w for w in words if w in vocab}
    fake = sum(w not in vocab for w in words)
    return {"real": len(real), "fake": fake, "brackets": bracket_errors(prompt, completion)}


def gold_reward(prompt: str, completion: str) -> float:
    """distinct real words - made-up words - bracket errors, for one completion (a float)."""
    p = gold_parts(prompt, completion)
    return float(p["real"] - p["fake"] - p["brackets"])


def gold_rewards(prompts: list[str], completions: list[str]) -> np.ndarray:
    """gold_reward for each (prompt, completion) pair: float array of shape (n,)."""
    if len(prompts) != len(completions):
        raise ValueError(f"{len(prompts)} prompts but {len(completions)} completions")
    return np.array([gold_reward(p, c) for p, c in zip(prompts, completions, strict=True)])
