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
from typing import Any, Literal, NoReturn

import numpy as np

from . import integrity
from .compare import Mismatch, compare, fit_precision
from .describe import describe
from .events import Outcome, add_listener, remove_listener  # noqa: F401 - re-exported
from .events import notify as notify_listeners
from .generic import (
    GENERIC_MISTAKES,
    SINGLE_BATCH_ONLY,
    STATEFUL,
    cross_case_pattern,
    relation_detail,
    split_batch,
)
from .integrity import errstate
from .learner import NOT_IMPLEMENTED_HINT, call, describe_inputs, inputs_changed, loops_in
from .spec import Case, CheckFailure, Mistake

WIDTH = 96
JUDGE_FAILED = "this check could not judge your answer"  # the last-resort message

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
                 hidden: bool = False, seed: int | None = None) -> None:
        """Run the check: print one success line, or raise AssertionError explaining.

        seed: run on the cases of another seed instead of the check's own (hidden
        tests: ``check_x(x, seed=1234, hidden=True)``, fresh inputs of the same
        properties). The check's own seed is left unchanged.
        """
        __tracebackhide__ = True  # IPython hides this frame from the learner
        message, outcome = self._evaluate(submission, cases, hidden, seed=seed)
        if message is not None:
            raise AssertionError(message)
        print(outcome.summary)

    def explain(self, submission: Any, *, cases: Iterable[Case] | None = None,
                hidden: bool = False, seed: int | None = None) -> str | None:
        """The failure message a learner would see, or None if the submission passes."""
        return self._evaluate(submission, cases, hidden, notify=False, seed=seed)[0]

    def show(self, submission: Any, *, cases: Iterable[Case] | None = None) -> None:
        """Print the feedback for `submission` without raising (for demonstrations)."""
        message, outcome = self._evaluate(submission, cases, False, notify=False)
        print(message if message is not None else outcome.summary)

    # -- machinery ------------------------------------------------------------
    def _run(self, submission: Any, ctx: Context) -> int:
        raise NotImplementedError

    def _evaluate(self, submission, cases, hidden, notify: bool = True,
                  seed: int | None = None):
        start = time.perf_counter()
        ctx = Context(self, hidden, None if cases is None else list(cases),
                      seed=_valid_seed(self.seed if seed is None else seed))
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
            except (KeyboardInterrupt, GeneratorExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - the checker itself must never crash
                failure = CheckFailure(
                    f"{JUDGE_FAILED}: {type(exc).__name__}",
                    ["Your answer is not what this check expects. Return the kind of value "
                     "the docstring describes (type and shape), then run the check again."])
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
            notify_listeners(outcome)
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
        """The one known mistake that explains `got`, or None (never a guess).

        A registered mistake is named when it is the only one that matches; if
        two match, none is named. Only when no registered mistake matches are
        the generic relations (transposed, scaled...) tried, again only one.
        """
        registered = [m for m in self.mistakes
                      if (m.variant is not None and self._variant_matches(m, expected, got, case))
                      or (m.variant is None and _detects(m, expected, got, case) is True)]
        if registered:
            return registered[0] if len(registered) == 1 else None
        if not self.generic:
            return None
        return _only(m for m in GENERIC_MISTAKES if _detects(m, expected, got, case) is True)

    def _variant_output(self, mistake: Mistake, case: Case | None):
        variant = mistake.variant
        assert variant is not None, f"mistake {mistake.name!r} has no variant"
        if case is None:
            return variant()
        return variant(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))

    def _variant_matches(self, mistake, expected, got, case) -> bool:
        try:
            out = self._variant_output(mistake, case)
        except Exception:
            return False
        return self._same(out, got) and not self._same(expected, out)

    def _same(self, a: Any, b: Any) -> bool:
        """a and b agree within the check's tolerance (dtypes ignored); never raises."""
        try:
            rtol, atol = fit_precision(max(self.rtol, 1e-9), max(self.atol, 1e-12), a, (b,))
            return compare(a, b, rtol=rtol, atol=atol, dtype=None) is None
        except Exception:
            return False

    @property
    def known_mistakes(self) -> tuple[Mistake, ...]:
        """Every mistake this check can name (the unit tests prove each is reachable)."""
        return self.mistakes

    def mistake_demo(self, mistake: Mistake) -> Any:
        """A submission that makes `mistake` (for the unit tests)."""
        return mistake.demo


class Context:
    """The toolkit a check's verification uses; it counts the checks that pass."""

    def __init__(self, check: Check, hidden: bool, cases: list[Case] | None,
                 seed: int | None = None):
        self.check = check
        self.hidden = hidden
        self.cases = cases
        self.seed = check.seed if seed is None else seed  # this run's seed (see Check.__call__)
        self.passed = 0

    def rng(self, offset: int = 0) -> np.random.Generator:
        """A generator seeded from this run's seed: the same cases every run."""
        return np.random.default_rng(self.seed + offset)

    def call(self, fn: Callable, case: Case) -> Any:
        """Call the learner's `fn` on `case`, explaining any exception it raises."""
        if not callable(fn):
            raise CheckFailure(
                f"this check needs your function, but it was given {describe(fn)}",
                hint="Pass the function itself, without calling it: check_f(f), not check_f(f()).")
        return call(fn, case, check_name=self.check.name)[0]

    def expect(self, expected: Any, got: Any, *, label: str, case: Case | None = None,
               fn: Callable | None = None, rtol: float | None = None,
               atol: float | None = None, dtype: str | None | Literal[False] = False) -> None:
        """Fail with a full explanation unless `got` matches `expected`."""
        check = self.check
        rtol, atol = fit_precision(check.rtol if rtol is None else rtol,
                                   check.atol if atol is None else atol, expected,
                                   case.args if case is not None else ())
        mismatch = compare(expected, got, rtol=rtol, atol=atol,
                           dtype=check.dtype if dtype is False else dtype)
        if mismatch is None:
            self.passed += 1
            return
        self.fail_mismatch(mismatch, label=label, case=case, fn=fn)

    def fail_mismatch(self, mismatch: Mismatch, *, label: str, case: Case | None = None,
                      fn: Callable | None = None, mistake: Mistake | None = None,
                      diagnose: bool = True) -> None:
        """Fail with the mismatch explained; `diagnose=False`: `mistake` is the verdict."""
        expected, got = mismatch.expected, mismatch.got
        if mistake is None and diagnose:
            mistake = self.check.diagnose(expected, got, case)
        details = []
        if case is not None and fn is not None and not self.hidden:
            details.append(f"inputs: {describe_inputs(fn, case)}")
        details.append(mismatch.summary)
        if not self.hidden:
            details += mismatch.details
        if mistake is not None:
            detail = relation_detail(mistake, expected, got, case)
            if detail:
                details.append(detail)
        raise CheckFailure(label, details, mistake)

    def require(self, condition: bool, summary: str, details: Iterable[str] = (), *,
                mistake: Mistake | None = None, hint: str | None = None) -> None:
        """Count a passed check if `condition` holds, else fail with `summary`."""
        if not condition:
            raise CheckFailure(summary, list(details), mistake, hint)
        self.passed += 1

    def fail(self, summary: str, details: Iterable[str] = (), *,
             mistake: Mistake | None = None, hint: str | None = None) -> NoReturn:
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

    Diagnosis weighs every case before naming anything: a variant is named
    only if it reproduces the learner's results on every case (see
    :meth:`_diagnose_all`); an exception type alone names nothing, and when
    two mistakes fit, none is named.
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

    def make_cases(self, seed: int | None = None) -> list[Case]:
        """The cases of `seed` (default: the check's own seed)."""
        if callable(self._cases):
            return list(self._cases(np.random.default_rng(self.seed if seed is None else seed)))
        return list(self._cases)

    def _run(self, fn: Any, ctx: Context) -> int:
        cases = ctx.cases if ctx.cases is not None else self.make_cases(ctx.seed)
        word = "hidden check" if ctx.hidden else "check"
        seen: dict[int, _Observed] = {}
        for i, case in enumerate(cases):
            label = f"{word} {i + 1} of {len(cases)} failed: {case.label}"
            got, args, kwargs = self._call_labelled(ctx, fn, cases, i, label, seen)
            seen[i] = _Observed(got)
            expected = self.oracle(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
            changed = None if self.allow_input_mutation else inputs_changed(fn, case, args, kwargs)
            rtol, atol = fit_precision(self.rtol, self.atol, expected, case.args)
            mismatch = compare(expected, got, rtol=rtol, atol=atol, dtype=self.dtype)
            if mismatch is None and changed is None:
                ctx.passed += 1
                continue
            if mismatch is None:
                ctx.fail(label, [f"inputs: {describe_inputs(fn, case)}",
                                 f"your result is right, but your function changed {changed}"],
                         mistake=self.mutation)
            mistake = self._diagnose_all(fn, cases, seen)
            if mistake is None and changed is not None:
                mistake = self.mutation
            ctx.fail_mismatch(mismatch, label=label, case=case, fn=fn, mistake=mistake,
                              diagnose=False)
        if self.no_loops and callable(fn):
            loops = loops_in(fn)
            ctx.require(not loops, "your results are right, but the function is not vectorised",
                        [f"found {', '.join(loops)}"], mistake=USES_LOOP)
        return ctx.passed

    def _call_labelled(self, ctx: Context, fn, cases: list[Case], i: int, label: str,
                       seen: dict[int, _Observed]) -> tuple[Any, tuple, dict]:
        """Call the learner's function: (result, args, kwargs) as it left them.

        On an exception the failure is prefixed with `label` (which case it
        was). It is named by a mistake only when the learner's results on the
        other cases single it out too: the exception type alone names nothing.
        """
        case = cases[i]
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
                seen[i] = _Observed(None, exc.exception_type)
                try:
                    exc.mistake = self._diagnose_all(fn, cases, seen, generic=False)
                except Exception:
                    exc.mistake = None
                if exc.mistake is not None:
                    exc.hint = None
            raise

    def _observe(self, fn, cases: list[Case], seen: dict[int, _Observed]) -> list[_Observed]:
        """The learner's result (or exception type) on every case, calling only where unknown."""
        observed = []
        for i, case in enumerate(cases):
            if i not in seen:
                try:
                    seen[i] = _Observed(call(fn, case, check_name=self.name)[0])
                except CheckFailure as exc:
                    seen[i] = _Observed(None, exc.exception_type or CheckFailure)
            observed.append(seen[i])
        return observed

    def _outcome(self, f: Callable, case: Case) -> _Observed:
        try:
            return _Observed(f(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs)))
        except Exception as exc:
            return _Observed(None, type(exc))

    def _diagnose_all(self, fn, cases: list[Case], seen: dict[int, _Observed], *,
                      generic: bool = True) -> Mistake | None:
        """The one known mistake the learner's results on every case point to, or None.

        Evidence is gathered on all cases first. A variant is named only if it
        reproduces the learner's result on every failing case (raising the same
        exception where the learner's code raised), agrees with the learner where
        they passed, and differs from the right answer on at least one case where
        the learner returned a value; or, failing that, raises what the learner
        raised where a value was due and reproduces their right answers on at least
        MIN_AGREEING other cases. An exception type alone is no evidence. If two
        mistakes fit the evidence, none is named.
        """
        observed = self._observe(fn, cases, seen)
        expected = [self._outcome(self.oracle, case) for case in cases]
        failing = [not (e.raised is None and o.raised is None
                        and self._passes(e.value, o.value, case))
                   for e, o, case in zip(expected, observed, cases, strict=True)]
        fits = []
        for mistake in self.mistakes:
            if mistake.variant is not None and self._variant_fits(
                    mistake, cases, expected, observed, failing):
                fits.append(mistake)
        if fits:
            return _only(fits)
        value_cases = [(e.value, o.value, case) for e, o, case, bad
                       in zip(expected, observed, cases, failing, strict=True)
                       if bad and o.raised is None and e.raised is None]
        if value_cases:
            fits = [m for m in self.mistakes if m.variant is None and m.detect is not None
                    and _fits_all(m, value_cases)]
            if fits:
                return _only(fits)
        if not self.generic:
            return None
        if value_cases and self._changes_between_calls(fn, value_cases[0]):
            return STATEFUL
        if value_cases and generic:
            fits = [m for m in GENERIC_MISTAKES if _fits_all(m, value_cases)]
            if fits:
                return _only(fits)
        pattern = cross_case_pattern(cases, failing)
        if pattern is SINGLE_BATCH_ONLY and not self._right_item_by_item(fn, cases, failing):
            return None
        return pattern

    def _right_item_by_item(self, fn, cases: list[Case], failing: list[bool]) -> bool:
        """True if every failing case, cut into one case per batch item, passes item by item.

        That is what makes "right only for a single batch item" sure: the learner's
        function is right on each item alone and wrong on them together.
        """
        for case, bad in zip(cases, failing, strict=True):
            if not bad:
                continue
            items = split_batch(case)
            if not items:
                return False
            for item in items:
                expected = self._outcome(self.oracle, item)
                if expected.raised is not None:
                    return False
                try:
                    got = call(fn, item, check_name=self.name)[0]
                except CheckFailure:
                    return False
                if not self._passes(expected.value, got, item):
                    return False
        return True

    def _changes_between_calls(self, fn, value_case: tuple) -> bool:
        """True if calling `fn` again on a failing case gives a different result."""
        _, first, case = value_case
        try:
            again = call(fn, case, check_name=self.name)[0]
        except CheckFailure:
            return False
        return not self._same(first, again)

    def _passes(self, expected: Any, got: Any, case: Case) -> bool:
        try:
            rtol, atol = fit_precision(self.rtol, self.atol, expected, case.args)
            return compare(expected, got, rtol=rtol, atol=atol, dtype=self.dtype) is None
        except Exception:
            return False

    def _variant_fits(self, mistake: Mistake, cases: list[Case], expected: list[_Observed],
                      observed: list[_Observed], failing: list[bool]) -> bool:
        """The variant reproduces the learner on every case, and some case shows the mistake.

        A case shows it when the variant (like the learner) returns a wrong value. An
        exception shows it only together with agreement elsewhere: the variant raises
        what the learner raised where a value was due, and gives the learner's (right)
        answers on at least MIN_AGREEING passing cases, so the variant is the learner's
        function on everything the check tried.
        """
        support = raised_support = agreeing = 0
        for case, e, o, bad in zip(cases, expected, observed, failing, strict=True):
            v = self._outcome(mistake.variant, case)  # type: ignore[arg-type]
            if o.raised is not None:
                if v.raised is None or not issubclass(v.raised, o.raised):
                    return False
                raised_support += e.raised is None
                continue
            if v.raised is not None or not self._same(v.value, o.value):
                return False
            if bad and (e.raised is not None or not self._same(e.value, v.value)):
                support += 1
            elif not bad:
                agreeing += 1
        return support > 0 or (raised_support > 0 and agreeing >= MIN_AGREEING)


def _valid_seed(seed: Any) -> int:
    """`seed` if it is a non-negative int; a clear error for the test's author otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(f"seed must be a non-negative int, not {seed!r}")
    return int(seed)


# Passing cases a variant must reproduce before an exception it shares with the learner
# counts as evidence for it (see Check._variant_fits).
MIN_AGREEING = 2


@dataclass(frozen=True)
class _Observed:
    """What a function did on one case: its value, or the type of exception it raised."""

    value: Any
    raised: type | None = None


def _detects(mistake: Mistake, expected: Any, got: Any, case: Case | None) -> bool | None:
    """True/False; None when the detector says this case cannot tell (too few entries)."""
    if mistake.detect is None:
        return False
    try:
        found = mistake.detect(expected, got, case)
    except Exception:
        return False
    return None if found is None else bool(found)


def _fits_all(mistake: Mistake, value_cases: list) -> bool:
    """The relation holds on at least one failing case and is contradicted by none."""
    seen = [_detects(mistake, e, g, c) for e, g, c in value_cases]
    return True in seen and False not in seen


def _only(mistakes: Iterable[Mistake]) -> Mistake | None:
    """The mistake if exactly one fits (by name); None if none or several (never a guess)."""
    found: dict[str, Mistake] = {}
    for m in mistakes:
        found.setdefault(m.name, m)
    return next(iter(found.values())) if len(found) == 1 else None


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
        assert mistake.variant is not None, f"mistake {mistake.name!r} has no example or variant"
        return mistake.variant()

    def _run(self, value: Any, ctx: Context) -> int:
        expected = self.expected
        if value is None and expected is not None:
            ctx.fail(f"{self.what} is still None: you have not set it yet",
                     hint=NOT_IMPLEMENTED_HINT)
        label = f"{self.what} is not right yet"
        if not self._same(expected, value):
            # diagnose the whole value: the mismatch compare() reports may be one entry of it
            # (a tuple's first item), which no registered variant of the whole would match
            mistake = self.diagnose(expected, value)
            mismatch = compare(expected, value, rtol=max(self.rtol, 1e-9),
                               atol=max(self.atol, 1e-12), dtype=None)
            if mistake is not None and mismatch is not None:
                ctx.fail_mismatch(mismatch, label=label, mistake=mistake, diagnose=False)
        ctx.expect(expected, value, label=label)
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
