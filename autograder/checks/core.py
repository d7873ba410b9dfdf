"""The checks a learner runs after each exercise, and the feedback they print.

Three kinds, one behaviour:

- :class:`FunctionCheck` runs the learner's function on seeded cases and
  compares each result with an independent oracle.
- :class:`ValueCheck` compares a value the learner computed with the expected one.
- :class:`CustomCheck` runs any verification written against a :class:`Context`
  (statistical properties, a training run reaching an accuracy, answers that
  are right up to sign).

Calling a check either prints one line ("✓ row_means: 5 checks passed") or
raises AssertionError whose message says which case failed, expected vs got, a
diagnosis when the answer matches a known mistake, and a hint. See
docs/checks.md for the guide and :mod:`autograder.checks.orientation` for
examples.
"""

from __future__ import annotations

import copy
import textwrap
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import integrity, tracebacks
from .compare import Mismatch, compare
from .describe import describe
from .generic import GENERIC_MISTAKES, describe_factor
from .integrity import errstate
from .learner import NOT_IMPLEMENTED_HINT, call, describe_inputs, inputs_changed, loops_in
from .spec import Case, CheckFailure, Mistake

WIDTH = 96

MUTATED_INPUT = Mistake(
    "changed its input in place",
    "Your function modified the array it was given. Operations like `x -= m`, `x[...] = v` "
    "or `x.sort()` write into the caller's array, so the caller's data silently changes.",
    "Work on a copy: write `x = x - m` (a new array) or start with `x = x.copy()`.",
    example="any function that writes into its argument")
USES_LOOP = Mistake(
    "a Python loop",
    "This exercise asks for a vectorised solution, and your function contains a loop. "
    "NumPy operations on whole arrays run in compiled code and are often 100x faster.",
    "Express the loop as one array operation: broadcasting, a reduction with axis=, "
    "or fancy indexing.",
    example="any function with a for loop")


@dataclass(frozen=True)
class Outcome:
    """What one run of a check found; sent to listeners (the progress store)."""

    check: str
    passed: bool
    checks_passed: int
    diagnosis: str | None
    summary: str
    seconds: float
    hidden: bool


_LISTENERS: list[Callable[[Outcome], None]] = []

tracebacks.install()  # in a notebook: show a failed check without this package's frames


def add_listener(listener: Callable[[Outcome], None]) -> None:
    """Call `listener(outcome)` after every check. A failing listener is ignored."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def remove_listener(listener: Callable[[Outcome], None]) -> None:
    if listener in _LISTENERS:
        _LISTENERS.remove(listener)


def _notify(outcome: Outcome) -> None:
    for listener in list(_LISTENERS):
        try:
            listener(outcome)
        except Exception:  # recording must never break or change a check
            pass


class Check:
    """Base class: subclasses implement ``_run(submission, ctx) -> int``.

    name: what the messages call the exercise ("row_means").
    reference: a correct submission (the oracle function or the expected
        value); the unit tests prove that it passes.
    mistakes: known mistakes, tried in order when the submission is wrong.
    hint: the general hint shown when no known mistake matched.
    rtol, atol: tolerances, |got - expected| <= atol + rtol * |expected|.
    dtype: None, "kind" (floats vs integers) or "exact" (float32 vs float64).
    generic: also try the diagnoses that apply to any array result.
    """

    def __init__(self, name: str, *, reference: Any, mistakes: Iterable[Mistake] = (),
                 hint: str = "", rtol: float = 1e-6, atol: float = 1e-8,
                 dtype: str | None = "kind", generic: bool = True, seed: int = 0):
        self.name = name
        self.reference = reference
        self.mistakes = tuple(mistakes)
        self.hint = hint
        self.rtol = rtol
        self.atol = atol
        self.dtype = dtype
        self.generic = generic
        self.seed = seed

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    # -- what a learner calls -------------------------------------------------
    def __call__(self, submission: Any, *, cases: Iterable[Case] | None = None,
                 hidden: bool = False) -> None:
        """Run the check: print one success line, or raise AssertionError explaining."""
        __tracebackhide__ = True  # IPython hides this frame from the learner
        message, outcome = self._evaluate(submission, cases, hidden)
        if message is not None:
            raise AssertionError(message)
        print(outcome.summary)

    def explain(self, submission: Any, *, cases: Iterable[Case] | None = None,
                hidden: bool = False) -> str | None:
        """The failure message a learner would see, or None if the submission passes."""
        return self._evaluate(submission, cases, hidden, notify=False)[0]

    def show(self, submission: Any, *, cases: Iterable[Case] | None = None) -> None:
        """Print the feedback for `submission` without raising (for demonstrations)."""
        message, outcome = self._evaluate(submission, cases, False, notify=False)
        print(message if message is not None else outcome.summary)

    # -- machinery ------------------------------------------------------------
    def _run(self, submission: Any, ctx: Context) -> int:
        raise NotImplementedError

    def _evaluate(self, submission, cases, hidden, notify: bool = True):
        start = time.perf_counter()
        ctx = Context(self, hidden, None if cases is None else list(cases))
        failure = None
        n = 0
        with warnings.catch_warnings(), errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                integrity.verify()
                n = self._run(submission, ctx) or ctx.passed
            except integrity.IntegrityError as exc:
                failure = CheckFailure("this check cannot run", [str(exc)])
            except CheckFailure as exc:
                failure = exc
        seconds = time.perf_counter() - start
        if failure is None:
            word = "hidden check" if hidden else "check"
            summary = f"✓ {self.name}: {n} {word}{'s' if n != 1 else ''} passed"
            message = None
        else:
            message = self._format(failure, hidden)
            summary = message.splitlines()[0]
        outcome = Outcome(self.name, failure is None, n,
                          failure.mistake.name if failure and failure.mistake else None,
                          summary, seconds, hidden)
        if notify:
            _notify(outcome)
        return message, outcome

    def _format(self, failure: CheckFailure, hidden: bool) -> str:
        lines = [f"{self.name}: {failure.summary}"]
        for detail in failure.details:
            lines.append(textwrap.fill(detail, WIDTH, initial_indent="    ",
                                       subsequent_indent="      "))
        hint = failure.hint or (failure.mistake.hint if failure.mistake else "") or self.hint
        if failure.mistake is not None:
            lines.append(textwrap.fill(
                f"Diagnosis ({failure.mistake.name}): {failure.mistake.diagnosis}",
                WIDTH, subsequent_indent="  "))
        if hint:
            lines.append(textwrap.fill(f"Hint: {hint}", WIDTH, subsequent_indent="  "))
        return "\n".join(lines)

    def diagnose(self, expected: Any, got: Any, case: Case | None = None) -> Mistake | None:
        """The first known mistake that explains `got`, or None."""
        for mistake in self.mistakes:
            if mistake.variant is not None and self._variant_matches(mistake, expected, got, case):
                return mistake
            if mistake.detect is not None:
                try:
                    if mistake.detect(expected, got, case):
                        return mistake
                except Exception:
                    pass
        if self.generic:
            for mistake in GENERIC_MISTAKES:
                try:
                    if mistake.detect(expected, got, case):
                        return mistake
                except Exception:
                    pass
        return None

    def _variant_output(self, mistake: Mistake, case: Case | None):
        if case is None:
            return mistake.variant()
        return mistake.variant(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))

    def _variant_matches(self, mistake, expected, got, case) -> bool:
        try:
            out = self._variant_output(mistake, case)
        except Exception:
            return False
        tol = {"rtol": max(self.rtol, 1e-9), "atol": max(self.atol, 1e-12), "dtype": None}
        return compare(out, got, **tol) is None and compare(expected, out, **tol) is not None

    @property
    def known_mistakes(self) -> tuple[Mistake, ...]:
        """Every mistake this check can name (the unit tests prove each is reachable)."""
        return self.mistakes

    def mistake_demo(self, mistake: Mistake) -> Any:
        """A submission that makes `mistake` (for the unit tests)."""
        return mistake.demo


class Context:
    """The toolkit a check's verification uses; it counts the checks that pass."""

    def __init__(self, check: Check, hidden: bool, cases: list[Case] | None):
        self.check = check
        self.hidden = hidden
        self.cases = cases
        self.passed = 0

    def rng(self, offset: int = 0) -> np.random.Generator:
        """A generator seeded from the check's seed: the same cases every run."""
        return np.random.default_rng(self.check.seed + offset)

    def call(self, fn: Callable, case: Case) -> Any:
        """Call the learner's `fn` on `case`, explaining any exception it raises."""
        if not callable(fn):
            raise CheckFailure(
                f"this check needs your function, but it was given {describe(fn)}",
                hint="Pass the function itself, without calling it: check_f(f), not check_f(f()).")
        return call(fn, case, check_name=self.check.name)[0]

    def expect(self, expected: Any, got: Any, *, label: str, case: Case | None = None,
               fn: Callable | None = None, rtol: float | None = None,
               atol: float | None = None, dtype: str | None | bool = False) -> None:
        """Fail with a full explanation unless `got` matches `expected`."""
        check = self.check
        mismatch = compare(expected, got,
                           rtol=check.rtol if rtol is None else rtol,
                           atol=check.atol if atol is None else atol,
                           dtype=check.dtype if dtype is False else dtype)
        if mismatch is None:
            self.passed += 1
            return
        self.fail_mismatch(mismatch, label=label, case=case, fn=fn)

    def fail_mismatch(self, mismatch: Mismatch, *, label: str, case: Case | None = None,
                      fn: Callable | None = None, mistake: Mistake | None = None) -> None:
        expected, got = mismatch.expected, mismatch.got
        if mistake is None:
            mistake = self.check.diagnose(expected, got, case)
        details = []
        if case is not None and fn is not None and not self.hidden:
            details.append(f"inputs: {describe_inputs(fn, case)}")
        details.append(mismatch.summary)
        if not self.hidden:
            details += mismatch.details
        if mistake is not None and mistake.name == "off by a constant factor":
            details.append(f"your result / expected = {describe_factor(expected, got)}")
        raise CheckFailure(label, details, mistake)

    def require(self, condition: bool, summary: str, details: Iterable[str] = (), *,
                mistake: Mistake | None = None, hint: str | None = None) -> None:
        """Count a passed check if `condition` holds, else fail with `summary`."""
        if not condition:
            raise CheckFailure(summary, list(details), mistake, hint)
        self.passed += 1

    def fail(self, summary: str, details: Iterable[str] = (), *,
             mistake: Mistake | None = None, hint: str | None = None) -> None:
        raise CheckFailure(summary, list(details), mistake, hint)


class FunctionCheck(Check):
    """Compare a learner's function with an oracle on seeded cases.

    oracle: an independent, obviously correct implementation (a NumPy built-in,
        a slow loop, a formula). Never the notebook's solution pasted in.
    cases: a list of Case, or ``make_cases(rng) -> list[Case]`` called with a
        generator seeded by `seed`, so every run sees the same inputs.
    no_loops: fail (with a diagnosis) if the function's source has a Python loop.
    allow_input_mutation: set for exercises that are meant to work in place.
    mutation: the mistake reported when the function changes its input (a
        more specific one than the generic MUTATED_INPUT; give it an example).
    reference: a correct submission when the oracle cannot be one (a loop
        oracle for a `no_loops` exercise); written differently from the solution.

    Diagnosis weighs every case: a variant that matches the failing case and
    agrees with the learner on all the others wins over one that matches the
    failing case only. If the learner's code raises, a variant that raises the
    same exception on the same case names the mistake.
    """

    def __init__(self, name: str, oracle: Callable,
                 cases: list[Case] | Callable[[np.random.Generator], list[Case]], *,
                 no_loops: bool = False, allow_input_mutation: bool = False,
                 mutation: Mistake = MUTATED_INPUT, reference: Callable | None = None,
                 **options):
        super().__init__(name, reference=reference or oracle, **options)
        self.oracle = oracle
        self._cases = cases
        self.no_loops = no_loops
        self.allow_input_mutation = allow_input_mutation
        self.mutation = mutation

    @property
    def known_mistakes(self) -> tuple[Mistake, ...]:
        extra = [self.mutation] if self.mutation is not MUTATED_INPUT else []
        return (*self.mistakes, *extra)

    def make_cases(self) -> list[Case]:
        if callable(self._cases):
            return list(self._cases(np.random.default_rng(self.seed)))
        return list(self._cases)

    def _run(self, fn: Any, ctx: Context) -> int:
        cases = ctx.cases if ctx.cases is not None else self.make_cases()
        word = "hidden check" if ctx.hidden else "check"
        for i, case in enumerate(cases, 1):
            label = f"{word} {i} of {len(cases)} failed: {case.label}"
            got, args, kwargs = self._call_labelled(ctx, fn, case, label)
            expected = self.oracle(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
            changed = None if self.allow_input_mutation else inputs_changed(fn, case, args, kwargs)
            mismatch = compare(expected, got, rtol=self.rtol, atol=self.atol, dtype=self.dtype)
            if mismatch is None and changed is None:
                ctx.passed += 1
                continue
            if mismatch is None:
                ctx.fail(label, [f"inputs: {describe_inputs(fn, case)}",
                                 f"your result is right, but your function changed {changed}"],
                         mistake=self.mutation)
            mistake = self._diagnose_all(fn, cases, case, expected, got)
            if mistake is None and changed is not None:
                mistake = self.mutation
            ctx.fail_mismatch(mismatch, label=label, case=case, fn=fn, mistake=mistake)
        if self.no_loops and callable(fn):
            loops = loops_in(fn)
            ctx.require(not loops, "your results are right, but the function is not vectorised",
                        [f"found {', '.join(loops)}"], mistake=USES_LOOP)
        return ctx.passed




    def _call_labelled(self, ctx: Context, fn, case: Case,
                       label: str) -> tuple[Any, tuple, dict]:
        """Call the learner's function: (result, args, kwargs) as it left them.

        On an exception the failure is prefixed with `label` (which case it
        was) and named by a mistake whose variant raises the same way.
        """
        if not callable(fn):
            ctx.call(fn, case)  # raises the "needs your function" failure
        try:
            return call(fn, case, check_name=self.name)
        except CheckFailure as exc:
            if exc.hint == NOT_IMPLEMENTED_HINT:
                raise  # "you have not implemented it yet" is the whole story
            drop = ("on:", "inputs:") if ctx.hidden else ("on:",)
            exc.details = [d for d in exc.details if not d.startswith(drop)]
            exc.details.insert(0, exc.summary)
            exc.summary = label
            if not ctx.hidden:
                try:
                    expected = self.oracle(*copy.deepcopy(case.args),
                                           **copy.deepcopy(case.kwargs))
                    exc.details.append(f"the result should be: {describe(expected)}")
                except Exception:
                    pass
            if exc.exception_type is not None and exc.mistake is None:
                exc.mistake = self._raising_variant(case, exc.exception_type)
                if exc.mistake is not None:
                    exc.hint = None
            raise

    def _raising_variant(self, case: Case, exception_type: type) -> Mistake | None:
        for mistake in self.mistakes:
            if mistake.variant is None:
                continue
            try:
                self._variant_output(mistake, case)
            except exception_type:
                return mistake
            except Exception:
                continue
        return None

    def _diagnose_all(self, fn, cases: list[Case], failing: Case, expected, got):
        """The known mistake that best explains the learner's results on every case."""
        others = []
        for case in cases:
            if case is failing:
                continue
            try:
                others.append((case, call(fn, case, check_name=self.name)[0]))
            except CheckFailure:
                continue
        tol = {"rtol": max(self.rtol, 1e-9), "atol": max(self.atol, 1e-12), "dtype": None}
        partial = None
        for mistake in self.mistakes:
            if mistake.variant is None or not self._variant_matches(mistake, expected, got,
                                                                    failing):
                continue
            contradictions = 0
            for case, out in others:
                try:
                    agrees = compare(self._variant_output(mistake, case), out, **tol) is None
                except Exception:
                    agrees = False
                contradictions += not agrees
            if contradictions == 0:
                return mistake
            if partial is None or contradictions < partial[0]:
                partial = (contradictions, mistake)
        for mistake in self.mistakes:
            if mistake.detect is not None and mistake.variant is None:
                try:
                    if mistake.detect(expected, got, failing):
                        return mistake
                except Exception:
                    pass
        if partial is not None:
            return partial[1]
        return self.diagnose(expected, got, failing) if self.generic else None


class ValueCheck(Check):
    """Compare a value the learner computed with the expected value.

    expected: the value, or a function of no arguments returning it.
    what: how messages name the value, e.g. "`grid`".
    Mistake variants here are functions of no arguments returning the buggy value.
    """

    def __init__(self, name: str, expected: Any, *, what: str | None = None, **options):
        self._expected = expected
        self.what = what or f"`{name}`"
        super().__init__(name, reference=None, **options)

    @property
    def expected(self) -> Any:
        return self._expected() if callable(self._expected) else self._expected

    @property
    def reference(self) -> Any:
        return self.expected

    @reference.setter
    def reference(self, value) -> None:  # set by Check.__init__; the value is computed
        pass

    def mistake_demo(self, mistake: Mistake) -> Any:
        if mistake.example is not None:
            return mistake.example
        return mistake.variant()

    def _run(self, value: Any, ctx: Context) -> int:
        expected = self.expected
        if value is None and expected is not None:
            ctx.fail(f"{self.what} is still None: you have not set it yet",
                     hint=NOT_IMPLEMENTED_HINT)
        ctx.expect(expected, value, label=f"{self.what} is not right yet")
        return ctx.passed


class CustomCheck(Check):
    """A check whose verification is a function ``verify(submission, ctx) -> None``.

    Use the Context: ``ctx.call(fn, case)`` to run learner code safely,
    ``ctx.expect(expected, got, label=...)`` to compare with diagnosis,
    ``ctx.require(condition, summary, ...)`` for properties, ``ctx.rng()`` for
    seeded randomness. Each passed expect/require counts as one check.
    """

    def __init__(self, name: str, verify: Callable[[Any, Context], Any], *, reference: Any,
                 **options):
        super().__init__(name, reference=reference, **options)
        self.verify = verify

    def _run(self, submission: Any, ctx: Context) -> int:
        self.verify(submission, ctx)
        return ctx.passed
