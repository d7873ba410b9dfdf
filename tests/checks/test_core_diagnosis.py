"""A diagnosis is never a guess.

Guarantees: over every check of every stage, a registered mistake's demo is
never given another registered mistake's name; a variant is named only when it
reproduces the learner's results on every case (matching one failing case is
not enough); an exception type alone names nothing; two variants that fit the
same evidence name neither; a constant factor needs several entries.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from autograder.checks import Case, FunctionCheck, Mistake, ValueCheck, all_checks

CHECKS = all_checks()
MISTAKES = [(name, check, m) for name, check in sorted(CHECKS.items())
            for m in check.known_mistakes]
NAMED = re.compile(r"^Diagnosis \((.+?)\):", re.MULTILINE)


@pytest.mark.parametrize(("name", "check", "mistake"), MISTAKES,
                         ids=[f"{n.removeprefix('autograder.checks.')}-{m.name}"
                              for n, _, m in MISTAKES])
def test_a_registered_mistake_never_gets_another_registered_name(name, check, mistake):
    demo = check.mistake_demo(mistake)
    message = check.explain(demo) or ""
    others = {m.name for m in check.known_mistakes} - {mistake.name}
    named = set(NAMED.findall(message))
    assert not named & others, f"{mistake.name!r} was diagnosed as {named & others}:\n{message}"


def _rows(a):
    return a.sum(axis=1)


CASES = [Case("2x3", (np.arange(6.0).reshape(2, 3),)),
         Case("3x2 with negatives", (np.array([[1.0, -2.0], [3.5, 4.0], [-5.0, 0.5]]),))]


def test_a_variant_that_fits_one_failing_case_but_not_another_is_not_named():
    # "double the first row" matches the learner on case 1 only; on case 2 it predicts
    # another value than the learner returned, so it explains nothing.
    def doubled_first(a):
        out = a.sum(axis=1)
        out[0] *= 2
        return out

    check = FunctionCheck("row_sums", _rows, CASES, generic=False,
                          mistakes=[Mistake("first row doubled", "...", variant=doubled_first)])

    def learner(a):
        out = a.sum(axis=1)
        out[0] *= 2
        if a.shape[0] == 3:
            out[1] += 1
        return out

    message = check.explain(learner)
    assert message is not None and "Diagnosis" not in message
    assert "Diagnosis (first row doubled)" in check.explain(doubled_first)  # control


def test_two_variants_that_fit_the_same_evidence_name_neither():
    twice = Mistake("counted twice", "...", variant=lambda a: 2 * a.sum(axis=1))
    added = Mistake("added to itself", "...", variant=lambda a: a.sum(axis=1) + a.sum(axis=1))
    check = FunctionCheck("row_sums", _rows, CASES, generic=False, mistakes=[twice, added])
    message = check.explain(lambda a: 2 * a.sum(axis=1))
    assert message is not None and "Diagnosis" not in message
    alone = FunctionCheck("row_sums", _rows, CASES, generic=False, mistakes=[twice])
    assert "Diagnosis (counted twice)" in alone.explain(lambda a: 2 * a.sum(axis=1))


def test_an_exception_type_alone_names_nothing():
    def mean(xs):
        return sum(xs) / len(xs)

    first = Mistake("divides by len - 1", "...", variant=lambda xs: sum(xs) / (len(xs) - 1))
    second = Mistake("divides by count of positives", "...",
                     variant=lambda xs: sum(xs) / sum(1 for x in xs if x > 0))
    check = FunctionCheck("mean", mean, [Case("one value", ([0.0],))], mistakes=[first, second])
    for bad in (first.variant, second.variant):
        message = check.explain(bad)
        assert "raised ZeroDivisionError" in message and "Diagnosis" not in message


def test_a_constant_factor_needs_several_entries():
    one = FunctionCheck("total", lambda a: np.array([a.sum()]),
                        [Case("4 numbers", (np.arange(1.0, 5.0),))])
    message = one.explain(lambda a: np.array([3 * a.sum()]))
    assert message is not None and "constant factor" not in message
    many = FunctionCheck("cumsum", lambda a: np.cumsum(a), [Case("4 numbers",
                                                                  (np.arange(1.0, 5.0),))])
    message = many.explain(lambda a: 3 * np.cumsum(a))
    assert "Diagnosis (off by a constant factor)" in message and "about 3" in message


def test_a_value_check_names_a_mistake_only_when_it_alone_fits():
    a = Mistake("rounded", "...", variant=lambda: 3.0)
    b = Mistake("truncated", "...", variant=lambda: 3.0)
    assert "Diagnosis" not in ValueCheck("pi", 3.14159, mistakes=[a, b]).explain(3.0)
    assert "Diagnosis (rounded)" in ValueCheck("pi", 3.14159, mistakes=[a]).explain(3.0)


def test_an_exception_names_a_variant_only_with_agreement_on_other_cases():
    def fraction(passed, total):
        return 0.0 if total == 0 else passed / total

    no_zero_case = Mistake("no case for a total of 0", "...", variant=lambda p, t: p / t)
    cases = [Case("0 of 0", (0, 0)), Case("3 of 4", (3, 4)), Case("1 of 2", (1, 2))]
    check = FunctionCheck("fraction", fraction, cases, mistakes=[no_zero_case])
    assert "Diagnosis (no case for a total of 0)" in check.explain(lambda p, t: p / t)
    # with one agreeing case only, the shared exception is not enough
    few = FunctionCheck("fraction", fraction, cases[:2], mistakes=[no_zero_case])
    message = few.explain(lambda p, t: p / t)
    assert "raised ZeroDivisionError" in message and "Diagnosis" not in message
    # a learner who raises and is also wrong elsewhere is not this variant
    wrong_too = check.explain(lambda p, t: p // t)
    assert "no case for a total of 0" not in wrong_too


def test_integer_arithmetic_is_named_only_for_fractions_cut_to_integers():
    # The generic diagnosis says the fractional part was dropped. That is sure when the
    # integers are the expected values rounded down, toward zero or to the nearest; booleans
    # (a comparison returned as is) and integers of other values (indices) are other mistakes.
    halves = FunctionCheck("halves", lambda a: a / 2,
                           [Case("odd numbers", (np.array([1, 3, -5, 7]),))])
    named = "Diagnosis (integer arithmetic)"
    assert named in halves.explain(lambda a: a // 2)                    # floor division
    assert named in halves.explain(lambda a: (a / 2).astype(int))       # cut toward zero
    assert named not in halves.explain(lambda a: a > 0)                 # booleans
    assert named not in halves.explain(lambda a: np.argsort(a))         # unrelated integers
    assert "holds booleans" in halves.explain(lambda a: a > 0)          # still said plainly


def test_float64_creep_is_named_only_when_the_values_are_right():
    # Its message begins "Your values are right": a float64 result with wrong values is
    # another mistake.
    from autograder.checks.orientation import check_add_position_signal as check

    def creep(x):
        return x + np.linspace(0, 1, x.shape[1])          # float64 ramp: right values

    def creep_and_wrong(x):
        return x + np.linspace(0, 2, x.shape[1])          # float64 and a ramp to 2

    assert "Diagnosis (float64 creep)" in check.explain(creep)
    message = check.explain(creep_and_wrong)
    assert message is not None and "float64 creep" not in message
