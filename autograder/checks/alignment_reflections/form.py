"""Form checks for written work: is it there, long enough, in the right shape, not a copy?

The stage-05 notebooks ask for reflections. A person grades their substance
against a rubric; these helpers give the learner immediate feedback on *form*
only: a field is filled in, long enough (or short enough), a probability is a
number in [0, 1] and not a percentage, a text is not a placeholder or a copy of
the prompt. Each helper either returns the cleaned value (counting one passed
check) or fails the check with a message a beginner can act on.

The known mistakes (percentages, "70%" as text, placeholders, copies) are
passed in by each check, so that every check owns its mistakes and the unit
tests can prove each diagnosis is reachable.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..core import Context, CustomCheck
from ..describe import describe, preview
from ..spec import Mistake

WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
PLACEHOLDERS = ("your answer here", "todo", "tbd", "lorem ipsum", "xxx", "fill this in",
                "fill in", "placeholder", "...", "answer", "n/a", "none", "asdf", "test")
COPY_RUN = 8        # this many words in a row shared with a given text counts as a copy
FILL_IN_HINT = "Replace the None with your answer (see the example above), run the cell, " \
               "then run this check again."


# -- text measures -------------------------------------------------------------


def words(text: str) -> list[str]:
    """Lower-case words of `text`: letters and digits, apostrophes kept inside words."""
    return WORD.findall(str(text).lower())


def word_count(text: str) -> int:
    return len(words(text))


def is_placeholder(text: str) -> bool:
    """True for empty text, stub words ('TODO', 'YOUR ANSWER HERE') or filler."""
    stripped = " ".join(str(text).lower().split()).strip(" .!?:;-_*#")
    if not any(ch.isalpha() for ch in stripped):
        return True
    if stripped in PLACEHOLDERS or stripped.startswith(("todo", "your answer", "tbd ")):
        return True
    tokens = words(text)
    # Filler: many words but few distinct ones ("blah blah blah ...").
    return len(tokens) >= 8 and len(set(tokens)) / len(tokens) < 0.35


def shared_run(a: str, b: str) -> int:
    """Length of the longest run of consecutive words that `a` and `b` share."""
    x, y = words(a), words(b)
    best = 0
    previous = [0] * (len(y) + 1)
    for i in range(1, len(x) + 1):
        current = [0] * (len(y) + 1)
        xi = x[i - 1]
        for j in range(1, len(y) + 1):
            if xi == y[j - 1]:
                current[j] = previous[j - 1] + 1
                if current[j] > best:
                    best = current[j]
        previous = current
    return best


def similarity(a: str, b: str) -> float:
    """Overlap of the two texts' word sets (Jaccard index, 0 to 1)."""
    x, y = set(words(a)), set(words(b))
    if not x and not y:
        return 1.0
    return len(x & y) / len(x | y)


def variant(base: Any, changes: Mapping[tuple, Any]) -> Any:
    """A deep copy of `base` with each path (a tuple of keys/indices) set to a new value.

    Used to build a mistake's example from a correct submission, e.g.
    ``variant(REFERENCE, {("deception", "confidence"): 70})``.
    """
    out = copy.deepcopy(base)
    for path, value in changes.items():
        target = out
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return out


# -- the checks of one field ---------------------------------------------------


def require_set(ctx: Context, value: Any, name: str) -> None:
    """Fail with 'you have not filled it in yet' when `value` is None."""
    ctx.require(value is not None, f"`{name}` is still None: you have not filled it in yet",
                hint=FILL_IN_HINT)


def require_dict(ctx: Context, value: Any, where: str) -> dict:
    ctx.require(isinstance(value, dict), f"{where} should be a dict {{...}}",
                [f"got {describe(value)}"],
                hint="Write it like the example: {\"key\": value, ...}.")
    return value


def require_list(ctx: Context, value: Any, where: str, *, min_items: int,
                 max_items: int | None = None, single: Mistake | None = None) -> list:
    """A list with at least `min_items` entries; `single` names 'one dict instead of a list'."""
    if isinstance(value, dict) and single is not None:
        ctx.fail(f"{where} should be a list [...] of entries, not a single entry",
                 [f"got {describe(value)}"], mistake=single)
    ctx.require(isinstance(value, (list, tuple)), f"{where} should be a list [...]",
                [f"got {describe(value)}"], hint="Put the entries in square brackets: [a, b, c].")
    ctx.require(len(value) >= min_items,
                f"{where} has {len(value)} entr{'y' if len(value) == 1 else 'ies'}; "
                f"this exercise asks for at least {min_items}",
                hint="Add more entries; each one is a separate item in the list.")
    if max_items is not None:
        ctx.require(len(value) <= max_items,
                    f"{where} has {len(value)} entries; keep it to at most {max_items}",
                    hint="Choose the most important ones: a short list you maintain beats a "
                         "long one you don't.")
    return list(value)


def require_keys(ctx: Context, value: dict, where: str, keys: Iterable[str]) -> None:
    missing = [k for k in keys if k not in value]
    ctx.require(not missing, f"{where} is missing {', '.join(map(repr, missing))}",
                [f"it has {sorted(map(str, value))}"],
                hint="Copy the keys of the example exactly (they are case-sensitive).")


def require_text(ctx: Context, text: Any, where: str, *, min_words: int,
                 max_words: int | None = None, one_line: bool = False,
                 placeholder: Mistake | None = None, copied: Mistake | None = None,
                 sources: Mapping[str, str] | None = None) -> str:
    """A real piece of writing: text, not a placeholder, within the length limits, not copied.

    sources: {name: text} the answer must not copy `COPY_RUN` or more words in a
        row from (the prompt's own summary, the example answer).
    """
    ctx.require(isinstance(text, str), f"{where} should be text in quotes",
                [f"got {describe(text)}"], hint='Write it as a string: "your words here".')
    if is_placeholder(text):
        ctx.fail(f"{where} is a placeholder, not an answer", [f"got {preview(text)}"],
                 mistake=placeholder,
                 hint=None if placeholder else "Replace it with your own words.")
    n = word_count(text)
    ctx.require(n >= min_words, f"{where} is {n} word{'s' if n != 1 else ''} long; "
                f"write at least {min_words}", [f"got {preview(text)}"],
                hint="Say it fully, in your own words: what, why, and an example.")
    if max_words is not None:
        ctx.require(n <= max_words, f"{where} is {n} words long; keep it to {max_words} or "
                    "fewer", hint="Cut it down to the single most important point.")
    if one_line:
        ctx.require("\n" not in text.strip(), f"{where} should be one line",
                    hint="Remove the line breaks; one sentence is the goal.")
    for name, source in (sources or {}).items():
        run = shared_run(text, source)
        if run >= COPY_RUN:
            ctx.fail(f"{where} repeats {run} words in a row from {name}",
                     [f"got {preview(text)}"], mistake=copied,
                     hint=None if copied else "Rewrite it in your own words.")
    return text


def require_probability(ctx: Context, value: Any, where: str, *, percent: Mistake,
                        as_text: Mistake, certain: Mistake | None = None) -> float:
    """A probability: a number in [0, 1] (in (0, 1) when `certain` is given)."""
    if isinstance(value, str):
        ctx.fail(f"{where} is text ({value!r}); it should be a number", mistake=as_text)
    ctx.require(isinstance(value, numbers.Real) and not isinstance(value, bool),
                f"{where} should be a number between 0 and 1", [f"got {describe(value)}"])
    p = float(value)
    ctx.require(not math.isnan(p), f"{where} is NaN; it should be a number between 0 and 1")
    if 1 < p <= 100:
        ctx.fail(f"{where} is {p:g}, which is bigger than 1", mistake=percent)
    ctx.require(0.0 <= p <= 1.0, f"{where} is {p:g}; a probability is between 0 and 1")
    if certain is not None and p in (0.0, 1.0):
        ctx.fail(f"{where} is exactly {p:g}", mistake=certain)
    return p


def require_date(ctx: Context, value: Any, where: str, *, mistake: Mistake) -> dt.date:
    """A date written 'YYYY-MM-DD' (or a datetime.date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    ctx.fail(f"{where} is {preview(value)}, not a date in the form YYYY-MM-DD",
             mistake=mistake)
    raise AssertionError("unreachable")  # ctx.fail always raises


def require_choice(ctx: Context, value: Any, where: str, choices: Iterable[str],
                   mistake: Mistake | None = None) -> str:
    choices = tuple(choices)
    ctx.require(value in choices, f"{where} should be one of: " + ", ".join(map(repr, choices)),
                [f"got {preview(value)}"], mistake=mistake,
                hint=None if mistake else "Copy one of the options exactly.")
    return value


def require_distinct(ctx: Context, texts: Mapping[str, str], what: str, *,
                     mistake: Mistake, threshold: float = 0.9) -> None:
    """Fail when two of the texts are (nearly) the same: a sign of copy-paste."""
    items = list(texts.items())
    for i, (name_a, a) in enumerate(items):
        for name_b, b in items[i + 1:]:
            if similarity(a, b) >= threshold:
                ctx.fail(f"the {what} of {name_a} and {name_b} are the same text",
                         [f"{name_a}: {preview(a)}", f"{name_b}: {preview(b)}"],
                         mistake=mistake)
    ctx.passed += 1


def probability_mistakes(subject: str, *, percent_example: Any,
                         text_example: Any) -> tuple[Mistake, Mistake]:
    """The two mistakes every probability field can make, with examples for the tests."""
    percent = Mistake(
        "a percentage instead of a probability",
        f"This {subject} should be a number between 0 and 1, and you wrote a percentage "
        "(70 for 70%).",
        "Divide by 100: 70% is 0.7.", example=percent_example)
    as_text = Mistake(
        "a probability written as text",
        f"This {subject} is in quotes, like \"70%\" or \"0.7\". Quoted, it is text, and "
        "text cannot be scored, compared or plotted.",
        "Write the number itself, without quotes or a % sign: 0.7.", example=text_example)
    return percent, as_text


def placeholder_mistake(example: Any) -> Mistake:
    return Mistake(
        "placeholder text",
        "One of your answers is still a placeholder (such as 'TODO' or 'YOUR ANSWER HERE') or "
        "filler that repeats a few words. The check can only see that something is written; "
        "the person grading needs your actual thinking.",
        "Write your own sentences. Rough and honest is better than polished and empty.",
        example=example)


def copied_mistake(what: str, example: Any) -> Mistake:
    return Mistake(
        "copied instead of paraphrased",
        f"Your answer repeats a long run of words from {what}. Copying shows you found the "
        "text, not that you understood it, and the exercise is to say it in your own words.",
        "Close the text, explain the idea to an imaginary colleague, and write down what you "
        "said. Then check it against the text.",
        example=example)


class MultiValueCheck(CustomCheck):
    """A CustomCheck the notebook calls with several values: ``check(a, b)``.

    The verification receives them as one tuple ``(a, b)``, and so do
    ``explain``/``show`` and the reference and mistake examples (the tests call
    ``check.explain(check.reference)`` with the tuple).
    """

    def __call__(self, *values: Any, cases=None, hidden: bool = False,
                 seed: int | None = None) -> None:
        __tracebackhide__ = True
        super().__call__(tuple(values), cases=cases, hidden=hidden, seed=seed)
