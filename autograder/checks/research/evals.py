"""Checks for 08_research/03_an_eval: an eval of the learner's GPT on closing brackets.

Oracles: the answer key reduces the brackets by deleting matched pairs until
none is left (not a stack); the items come from a regular-expression scan of the
whole text (not a walk over lines); the probability of a closing character is
an explicit loop over the vocabulary with a log-sum-exp written out; the metric
compares each item's answer with every other choice one by one.
"""

from __future__ import annotations

import math
import re

import numpy as np

from ..core import CustomCheck, FunctionCheck
from ..spec import Case, Mistake
from . import shared

PAIRS = {"(": ")", "[": "]", "{": "}"}

# ---------------------------------------------------------------------------
# Exercise 3.1: predictions recorded before the eval runs
# ---------------------------------------------------------------------------

CLAIMS = ("model_beats_majority", "held_out_below_training", "rename_flips_over_5pct")


_verify_predictions = shared.predictions_verifier(CLAIMS, "the eval")


check_eval_predictions = CustomCheck(
    "predictions", _verify_predictions,
    reference={"model_beats_majority": 0.8, "held_out_below_training": 0.6,
               "rename_flips_over_5pct": 0.3},
    hint="predictions = {'model_beats_majority': 0.8, ...}: one probability per claim.")

# ---------------------------------------------------------------------------
# Exercise 3.2: the answer key (the character that closes the innermost open bracket)
# ---------------------------------------------------------------------------


def _expected_closer(prefix):
    # Keep only the brackets, then delete adjacent matched pairs until none is left: what
    # remains of a properly nested prefix is the closers whose opener was cut off, then the
    # open brackets, outermost first.
    s = "".join(c for c in prefix if c in "()[]{}")
    while True:
        shorter = s.replace("()", "").replace("[]", "").replace("{}", "")
        if shorter == s:
            break
        s = shorter
    return PAIRS[s[-1]] if s and s[-1] in PAIRS else None


def _last_opener(prefix):
    opens = [c for c in prefix if c in PAIRS]
    return PAIRS[opens[-1]] if opens else None


def _pop_empty(prefix):
    stack = []
    for c in prefix:
        if c in PAIRS:
            stack.append(c)
        elif c in ")]}":
            stack.pop()                     # IndexError when the opener was cut off
    return PAIRS[stack[-1]] if stack else None


def _outermost(prefix):
    stack = []
    for c in prefix:
        if c in PAIRS:
            stack.append(c)
        elif c in ")]}" and stack:
            stack.pop()
    return PAIRS[stack[0]] if stack else None


check_expected_closer = FunctionCheck(
    "expected_closer", _expected_closer,
    lambda rng: [
        Case("'print(f(x'", ("print(f(x",)),
        Case("'x[f(y' (two kinds open)", ("x[f(y",)),
        Case("'f(a[1], b' (a bracket opened and closed inside)", ("f(a[1], b",)),
        Case("'d = {k: [v] for k in (1, 2)' (the inner brackets all closed)",
             ("d = {k: [v] for k in (1, 2)",)),
        Case("'x = f(a) + g[b]' (everything closed)", ("x = f(a) + g[b]",)),
        Case("'' (empty)", ("",)),
        Case("a call over three lines", ("result = call(\n    first,\n    [1, 2],\n    sec",)),
        Case("'{[(' (three open)", ("{[(",)),
        Case("'x), f(y' (starts after an opener that was cut off)", ("x), f(y",)),
        Case("'1] + b' (only a closer whose opener was cut off)", ("1] + b",)),
        Case("'a[(b)][c' (closed, then reopened)", ("a[(b)][c",)),
    ],
    mistakes=[
        Mistake("the last opening bracket, closed or not",
                "You returned the closer of the last opening bracket in the prefix, even when "
                "it was already closed (in 'f(a[1], b' the [ is closed; the open one is the "
                "( ). Closing brackets cancel their opener.",
                "Keep a stack: push each opener, pop when its closer comes; the answer "
                "closes the top of the stack.",
                variant=_last_opener),
        Mistake("the outermost open bracket",
                "You returned the closer of the *first* bracket still open (the bottom of the "
                "stack). The next closing character closes the *innermost* one, the most "
                "recently opened (the top of the stack).",
                "Use stack[-1], not stack[0].",
                variant=_outermost),
        Mistake("a closer with nothing open",
                "Your function fails on a prompt that starts after an opener that was cut off "
                "('x), f(y'): the first ')' arrives with nothing open, and popping an empty "
                "list raises IndexError. Prompts are windows of text, so this happens.",
                "Pop only when the stack is not empty (elif c in ')]}' and stack:); a closer "
                "with nothing open closes something outside the prompt.",
                variant=_pop_empty),
    ],
    dtype=None,
    hint="Walk the prefix with a stack of open brackets: push on ( [ {, pop on ) ] }; at the "
         "end return the closer of stack[-1], or None if the stack is empty.")

# ---------------------------------------------------------------------------
# Exercise 3.3: items from source text
# ---------------------------------------------------------------------------


def _bracket_items(text, window):
    items = []
    for match in re.finditer(r"[)\]}]", text):
        p = match.start()
        line_start = text.rfind("\n", 0, p) + 1
        line_end = text.find("\n", p)
        line = text[line_start:len(text) if line_end < 0 else line_end]
        if any(bad in line for bad in "'\"#"):
            continue
        items.append((text[max(0, p - window):p], text[p]))
    return items


def _items_with_closer(text, window):
    return [(prompt + answer, answer) for prompt, answer in _bracket_items(text, window)]


def _items_negative_start(text, window):
    out = []
    for match in re.finditer(r"[)\]}]", text):
        p = match.start()
        line_start = text.rfind("\n", 0, p) + 1
        line_end = text.find("\n", p)
        line = text[line_start:len(text) if line_end < 0 else line_end]
        if not any(bad in line for bad in "'\"#"):
            out.append((text[p - window:p], text[p]))
    return out


def _items_unfiltered(text, window):
    return [(text[max(0, m.start() - window):m.start()], m.group(0))
            for m in re.finditer(r"[)\]}]", text)]


_SOURCE = (
    "def area(w, h):\n"
    "    return (w * h)\n"
    "names = [n.strip() for n in rows]  # tidy\n"
    "print('done (really)')\n"
    "table = {k: f(v) for k, v in pairs}\n"
    "total = sum(\n"
    "    x[i]\n"
    "    for i in range(n)\n"
    ")"
)

check_bracket_items = FunctionCheck(
    "bracket_items", _bracket_items,
    lambda rng: [
        Case("nine lines of Python, window=12", (_SOURCE, 12)),
        Case("the same text, window=40", (_SOURCE, 40)),
        Case("'f(x)\\ng[0]' with window=3 (closers near the start)", ("f(x)\ng[0]", 3)),
        Case("a line with a string and one without", ("s = len('(')\nt = (s)", 5)),
        Case("no closing bracket at all", ("x = 1\ny = 2\n", 10)),
    ],
    mistakes=[
        Mistake("the closer inside the prompt",
                "Each of your prompts ends with its own answer: the prompt must stop just "
                "*before* the closing character, or the model is shown what it should predict.",
                "prompt = text[max(0, p - window):p] (p is not included).",
                variant=_items_with_closer),
        Mistake("a negative slice start",
                "Items whose closing bracket is within `window` characters of the start of the "
                "text have a wrong prompt: text[p - window:p] with p < window starts at a "
                "negative index, which Python counts from the *end* of the text.",
                "Clamp the start: text[max(0, p - window):p].",
                variant=_items_negative_start),
        Mistake("lines with strings or comments kept",
                "You kept closing brackets on lines that contain a quote or a #. Inside a "
                "string or a comment a bracket need not match anything, so the answer key "
                "would be wrong for some of them.",
                "Skip every line that contains ', \" or #.",
                variant=_items_unfiltered),
    ],
    hint="For each line without ', \" or #, for each closing bracket at position p of the "
         "whole text: (text[max(0, p - window):p], text[p]), in the order they appear.")

# ---------------------------------------------------------------------------
# Exercise 3.4: the probability that the next character is each closer
# ---------------------------------------------------------------------------


def _closer_probs(logits, first_byte, closers):
    n, v = logits.shape
    out = np.zeros((n, len(closers)))
    for i in range(n):
        row = [float(x) for x in logits[i]]
        top = max(row)
        log_z = top + math.log(sum(math.exp(x - top) for x in row))
        for j, c in enumerate(closers):
            out[i, j] = sum(math.exp(row[t] - log_z) for t in range(v)
                            if int(first_byte[t]) == ord(c))
    return out


def _softmax(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _probs_starting(logits, first_byte, closers, exact=None):
    p = _softmax(logits)
    keep = np.ones(len(first_byte), dtype=bool) if exact is None else exact
    return np.stack([p[:, (first_byte == ord(c)) & keep].sum(1) for c in closers], axis=1)


def _probs_exact_token(logits, first_byte, closers):
    # the one-byte tokens are the first 256 ids of a BPE vocabulary; here, of _FIRST_BYTE
    return _probs_starting(logits, first_byte, closers, exact=_SINGLE[:len(first_byte)])


def _probs_renormalised(logits, first_byte, closers):
    p = _probs_starting(logits, first_byte, closers)
    return p / p.sum(axis=1, keepdims=True)


def _probs_no_softmax(logits, first_byte, closers):
    return np.stack([logits[:, first_byte == ord(c)].sum(1) for c in closers], axis=1)


# A 12-token vocabulary: ")", "]", "}", "):", ")\n", "x)", "a", " ", "],", "(", "[]", "def"
_TOKENS = [")", "]", "}", "):", ")\n", "x)", "a", " ", "],", "(", "[]", "def"]
_FIRST_BYTE = np.array([ord(t[0]) for t in _TOKENS])
_SINGLE = np.array([len(t) == 1 for t in _TOKENS])


def _logits(rng, n, scale=1.0):
    return rng.normal(0.0, 2.0, (n, len(_TOKENS))) * scale


check_closer_probs = FunctionCheck(
    "closer_probs", _closer_probs,
    lambda rng: [
        Case("4 rows over 12 tokens ')', ']', '}', '):', ')\\n', 'x)', 'a', ' ', '],', '(', "
             "'[]', 'def'; closers ')]}'", (_logits(rng, 4), _FIRST_BYTE, ")]}")),
        Case("2 rows, closers ')]' only", (_logits(rng, 2), _FIRST_BYTE, ")]")),
        Case("logits in the thousands (overflow without the max trick)",
             (_logits(rng, 3, 600.0), _FIRST_BYTE, ")]}")),
        Case("one row where the tokens without a closer are far more likely",
             (np.array([[0, 0, 0, 0, 0, 0, 9, 9, 0, 9, 0, 9]], dtype=float), _FIRST_BYTE,
              ")]}")),
    ],
    mistakes=[
        Mistake("only the one-character token",
                "You counted only the token that is exactly the closing character. BPE merged "
                "the closer with what often follows it (')' + ':' became one token '):'), and "
                "each of those tokens also starts with the closer: the model can say ')' "
                "through any of them.",
                "Sum the probabilities of every token whose first byte is the character: "
                "first_byte == ord(c).",
                variant=_probs_exact_token),
        Mistake("renormalised over the closers",
                "Your probabilities for each row sum to 1 across the closers: you divided by "
                "their total. The eval needs the model's own probability, which leaves room "
                "for every other character.",
                "Take the softmax over the whole vocabulary, then sum; do not divide again.",
                variant=_probs_renormalised),
        Mistake("logits summed, no softmax",
                "You added up logits. Logits are unnormalised log-probabilities: turn each row "
                "into probabilities with a softmax first, then add the probabilities.",
                "p = softmax(logits) over the last axis, then sum p over the matching tokens.",
                variant=_probs_no_softmax),
    ],
    rtol=1e-6, atol=1e-12,
    hint="Softmax each row over the whole vocabulary (subtract the row's max first), then for "
         "each closer c add up the columns t with first_byte[t] == ord(c).")

# ---------------------------------------------------------------------------
# Exercise 3.5: the metric (a strict win over every other choice; ties are wrong)
# ---------------------------------------------------------------------------


def _choice_correct(scores, answers):
    n, k = scores.shape
    out = np.zeros(n)
    for i in range(n):
        a = int(answers[i])
        out[i] = float(all(scores[i, a] > scores[i, j] for j in range(k) if j != a))
    return out


def _correct_argmax(scores, answers):
    return (scores.argmax(axis=1) == answers).astype(float)


def _correct_ties_count(scores, answers):
    return (scores[np.arange(len(answers)), answers] >= scores.max(axis=1)).astype(float)


check_choice_correct = FunctionCheck(
    "choice_correct", _choice_correct,
    lambda rng: [
        Case("6 items, 3 choices, no ties", (rng.random((6, 3)), np.array([0, 1, 2, 2, 1, 0]))),
        Case("ties: all equal, and the answer tied for first",
             (np.array([[0.2, 0.2, 0.2], [0.5, 0.5, 0.1], [0.1, 0.5, 0.5], [0.3, 0.1, 0.1]]),
              np.array([0, 1, 1, 0]))),
        Case("all scores zero (a model that gives the closers no probability)",
             (np.zeros((3, 3)), np.array([0, 1, 2]))),
        Case("2 choices, answers at index 1", (np.array([[0.1, 0.9], [0.8, 0.2]]),
                                               np.array([1, 1]))),
    ],
    mistakes=[
        Mistake("argmax (ties go to the first choice)",
                "You compared argmax with the answer. On a tie argmax picks the first of the "
                "tied choices, so a model that gives every closer the same score (even zero) "
                "is marked right whenever the answer is ')'. A tie is not a prediction.",
                "Count an item as correct only when the answer's score is strictly greater "
                "than every other choice's.",
                variant=_correct_argmax),
        Mistake("ties counted as correct",
                "You counted an item as correct when the answer's score equals the best "
                "score. A tie is not a prediction: it must count as wrong.",
                "Use a strict comparison: the answer beats every other choice.",
                variant=_correct_ties_count),
    ],
    dtype="kind",
    hint="For item i, correct when scores[i, answers[i]] > scores[i, j] for every j != "
         "answers[i]; return 1.0 or 0.0 per item.")
