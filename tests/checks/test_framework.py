"""The check framework itself: comparison, messages, exceptions, integrity, listeners."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

from autograder.checks import (
    Case,
    CustomCheck,
    FunctionCheck,
    Mistake,
    ValueCheck,
    add_listener,
    compare,
    integrity,
    remove_listener,
)

# -- compare -----------------------------------------------------------------


def test_compare_accepts_values_within_tolerance():
    a = np.array([1.0, 2.0, 3.0])
    assert compare(a, a + 1e-9) is None
    assert compare(a, a + 1e-3) is not None
    assert compare(a, a + 1e-3, rtol=1e-2) is None


def test_compare_reports_shape_dtype_and_first_difference():
    e = np.arange(6.0).reshape(2, 3)
    assert compare(e, e.T).kind == "shape"
    assert compare(e, e.astype(int)).kind == "dtype"
    assert compare(e.astype(np.float32), e, dtype="exact").kind == "dtype"
    assert compare(e.astype(np.float32), e, dtype="kind") is None
    got = e.copy()
    got[1, 2] = 99.0
    m = compare(e, got)
    assert m.kind == "value" and "1 of 6 values differ" in m.summary
    assert any("[1, 2]" in d and "99" in d for d in m.details)


def test_compare_names_nan_and_infinity():
    e = np.ones(4)
    got = e.copy()
    got[2] = np.nan
    m = compare(e, got)
    assert m.kind == "nonfinite" and "NaN" in m.summary and "[2]" in m.summary
    got[2] = np.inf
    assert "infinity" in compare(e, got).summary
    assert compare(np.array([np.nan, 1.0]), np.array([np.nan, 1.0])) is None


def test_nan_and_infinity_expected_need_the_same_value():
    import math

    assert compare(math.inf, 5.0) is not None
    assert compare(-math.inf, math.inf) is not None
    assert compare(math.inf, math.inf) is None
    assert compare(math.nan, math.nan) is None
    assert compare(np.array([np.inf, 1.0]), np.array([5.0, 1.0])) is not None
    assert compare(np.array([np.inf, 1.0]), np.array([np.inf, 1.0])) is None
    assert compare(np.array([-np.inf]), np.array([np.inf])) is not None


def test_compare_structures_and_scalars():
    assert compare((np.ones(2), 3), (np.ones(2), 3)) is None
    m = compare((np.ones(2), 3), (np.ones(2), 4))
    assert m.path == "your result[1]"
    assert compare({"a": 1.0}, {"b": 1.0}).kind == "keys"
    assert compare(2.5, np.float64(2.5)) is None
    assert compare(2, 2.0).kind == "dtype"
    assert compare(2, 2.0, dtype=None) is None
    assert compare(np.ones(3), [1.0, 1.0, 1.0]).kind == "type"
    assert "return" in " ".join(compare(1.0, None).details)
    assert compare(1.0, np.array([1.0])).kind == "type"
    assert compare(True, np.True_) is None


# -- checks and their messages -----------------------------------------------------

def _square(x):
    return x ** 2


SQUARE = FunctionCheck(
    "square", _square,
    lambda rng: [Case("a vector", (rng.normal(size=5),)),
                 Case("a matrix", (rng.normal(size=(2, 3)),))],
    mistakes=[Mistake("doubled", "You doubled instead of squaring.", "Use ** 2.",
                      variant=lambda x: 2 * x)],
    hint="Square each entry.")


def test_success_prints_one_line(capsys):
    SQUARE(_square)
    assert capsys.readouterr().out == "✓ square: 2 checks passed\n"


def test_failure_message_has_case_expected_got_diagnosis_and_hint():
    with pytest.raises(AssertionError) as info:
        SQUARE(lambda x: 2 * x)
    msg = str(info.value)
    assert msg.startswith("square: check 1 of 2 failed: a vector")
    assert "expected:" in msg and "got:" in msg
    assert "Diagnosis (doubled): You doubled instead of squaring." in msg
    assert "Hint: Use ** 2." in msg


def test_not_implemented_is_explained():
    def stub(x):
        raise NotImplementedError()
    msg = SQUARE.explain(stub)
    assert msg.startswith("square: you have not implemented `stub` yet")
    assert "raise NotImplementedError()" in msg


def test_learner_exceptions_are_explained_with_their_line():
    def broken(x):
        y = x.reshape(7, 7)
        return y
    msg = SQUARE.explain(broken)
    assert "raised ValueError" in msg and "shape problem" in msg
    assert "y = x.reshape(7, 7)" in msg
    assert "inputs: x: float64 array of shape (5,)" in msg
    assert "the result should be: float64 array of shape (5,)" in msg


def test_returning_none_and_passing_a_call_are_explained():
    assert "None" in SQUARE.explain(lambda x: None)
    assert "without calling it" in SQUARE.explain(3.0)


def test_an_exception_alone_names_no_mistake_but_values_on_other_cases_do():
    mistakes = [Mistake("no keepdims", "The row means broadcast along the columns.",
                        variant=lambda a: a - a.mean(axis=1))]
    raising_only = FunctionCheck(
        "center", lambda a: a - a.mean(axis=1, keepdims=True),
        [Case("a 2x3 array", (np.arange(6.0).reshape(2, 3),))], mistakes=mistakes)
    msg = raising_only.explain(lambda a: a - a.mean(axis=1))
    assert "raised ValueError" in msg and "Diagnosis" not in msg
    # a square case where the variant returns a (wrong) value is evidence
    with_values = FunctionCheck(
        "center", lambda a: a - a.mean(axis=1, keepdims=True),
        [Case("a 2x3 array", (np.arange(6.0).reshape(2, 3),)),
         Case("a 3x3 array", (np.arange(9.0).reshape(3, 3) ** 2,))], mistakes=mistakes)
    msg = with_values.explain(lambda a: a - a.mean(axis=1))
    assert "raised ValueError" in msg and "Diagnosis (no keepdims)" in msg


def test_diagnosis_weighs_every_case():
    # On case 1 both variants give 4; only case 2 tells rounding from flooring.
    check = FunctionCheck(
        "ceil_div", lambda a, b: -(-a // b),
        [Case("45/10", (45, 10)), Case("48/10", (48, 10))],
        mistakes=[Mistake("floor", "rounded down", variant=lambda a, b: a // b),
                  Mistake("round", "rounded to nearest", variant=lambda a, b: round(a / b))])
    assert "Diagnosis (round)" in check.explain(lambda a, b: round(a / b))
    assert "Diagnosis (floor)" in check.explain(lambda a, b: a // b)


def test_generic_diagnoses():
    check = FunctionCheck("outer", lambda a, b: a[:, None] * b[None, :],
                          [Case("(3,) and (2,)", (np.arange(1.0, 4.0), np.arange(1.0, 3.0)))])
    assert "Diagnosis (transposed result)" in check.explain(lambda a, b: (a[:, None] * b).T)
    assert "Diagnosis (off by a constant factor)" in check.explain(
        lambda a, b: 3 * a[:, None] * b[None, :])
    assert "about 3" in check.explain(lambda a, b: 3 * a[:, None] * b[None, :])
    assert "Diagnosis (wrong sign)" in check.explain(lambda a, b: -a[:, None] * b[None, :])
    assert "Diagnosis (an all-zero result)" in check.explain(lambda a, b: np.zeros((3, 2)))


def test_a_clipped_log_gets_the_infinity_diagnosis():
    check = FunctionCheck("log", lambda p: np.log(p),
                          [Case("with a zero", (np.array([0.0, 0.5]),))])
    msg = check.explain(lambda p: np.log(np.clip(p, 1e-12, 1)))
    assert "Diagnosis (a finite number where infinity is right)" in msg


def test_input_mutation_is_caught():
    def sneaky(x):
        x **= 2
        return x
    msg = SQUARE.explain(sneaky)
    assert "changed its argument `x`" in msg
    assert "Diagnosis (changed its input in place)" in msg


def test_containers_of_arrays_are_compared_entry_by_entry():
    check = FunctionCheck("first", lambda xs: xs[0] * 1.0,
                          [Case("a list holding an array", ([np.ones(2)],))])
    assert check.explain(lambda xs: xs[0] * 1.0) is None

    def sneaky(xs):
        xs[0][0] = 5.0
        return np.ones(2)
    assert "changed its argument" in check.explain(sneaky)


def test_no_loops_rule():
    check = FunctionCheck("double", lambda x: 2 * x, [Case("v", (np.ones(3),))], no_loops=True)

    def looped(x):
        return np.array([2 * v for v in x])

    def vectorised(x):
        return x + x

    assert "Diagnosis (a Python loop)" in check.explain(looped)
    assert check.explain(vectorised) is None


def test_hidden_cases_do_not_show_inputs_or_values():
    msg = SQUARE.explain(lambda x: 2 * x, cases=[Case("an edge case", (np.array([3.0]),))],
                         hidden=True)
    assert msg.startswith("square: hidden check 1 of 1 failed: an edge case")
    assert "expected:" not in msg and "inputs:" not in msg and "3" not in msg.split("\n")[1]


def test_value_check_and_unset_values():
    check = ValueCheck("answer", lambda: np.arange(3.0))
    assert check.explain(np.arange(3.0)) is None
    assert "still None" in check.explain(None)
    assert "not right yet" in check.explain(np.ones(3))


def test_custom_check_counts_its_requirements(capsys):
    def verify(value, ctx):
        ctx.require(value > 0, "must be positive")
        ctx.expect(2.0, value, label="must be two")
    check = CustomCheck("two", verify, reference=2.0)
    check(2.0)
    assert "2 checks passed" in capsys.readouterr().out
    assert check.explain(-1.0).startswith("two: must be positive")


def test_warnings_and_stderr_from_learner_code_never_reach_the_cell(capsys):
    def noisy(x):
        warnings.warn("careful", RuntimeWarning, stacklevel=1)
        print("to stderr", file=sys.stderr)
        np.log(np.zeros(1))  # a NumPy divide-by-zero warning
        return x ** 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning that escaped would raise here
        SQUARE(noisy)
    captured = capsys.readouterr()
    assert captured.err == "" and "✓" in captured.out


def test_listeners_hear_outcomes_and_cannot_break_checks():
    heard = []

    def listener(outcome):
        heard.append(outcome)
        raise RuntimeError("a broken progress store")

    add_listener(listener)
    try:
        SQUARE(_square)
        with pytest.raises(AssertionError):
            SQUARE(lambda x: 2 * x)
    finally:
        remove_listener(listener)
    assert [o.passed for o in heard] == [True, False]
    assert heard[1].diagnosis == "doubled" and heard[0].checks_passed == 2


# -- integrity: a notebook that monkeypatches NumPy cannot turn a wrong answer into a pass --

PATCHABLE = ("allclose", "isclose", "array_equal", "abs", "max", "all", "any", "asarray",
             "subtract", "isnan", "isfinite", "array2string")


@pytest.fixture
def patched_numpy():
    saved = {name: getattr(np, name) for name in PATCHABLE}
    try:
        np.allclose = lambda *a, **k: True
        np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
        np.array_equal = lambda *a, **k: True
        np.abs = lambda x: 0 * x
        np.max = lambda *a, **k: 0.0
        np.all = lambda *a, **k: True
        np.any = lambda *a, **k: False
        np.subtract = lambda a, b, **k: 0 * a
        np.isnan = lambda x: x != x
        yield
    finally:
        for name, fn in saved.items():
            setattr(np, name, fn)


def test_patched_numpy_fails_the_check_with_a_clear_message(patched_numpy):
    msg = SQUARE.explain(lambda x: 2 * x)
    assert msg is not None
    assert "NumPy has been modified" in msg and "np.allclose" in msg
    assert SQUARE.explain(_square) is not None  # nothing passes while NumPy is patched


def test_comparison_is_immune_to_patched_numpy(patched_numpy):
    # Even without the integrity gate, compare() gives the true verdict.
    assert compare(np.ones(3), np.zeros(3)) is not None
    assert compare(np.ones(3), np.ones(3)) is None
    assert compare(np.ones(3), np.array([1.0, np.nan, 1.0])).kind == "nonfinite"


def test_integrity_is_clean_after_restoring():
    assert integrity.replaced_functions() == []


def test_numpy_random_is_watched_and_its_methods_are_trusted():
    import subprocess

    code = ("import numpy as np\n"
            "np.random.seed(1); np.random.rand(3)\n"   # numpy.random loaded before autograder
            "from autograder.checks import integrity\n"
            "print(integrity.replaced_functions())\n"
            "np.random.rand = lambda *a: 0.5\n"
            "print(integrity.replaced_functions())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0] == "[]"
    assert "np.random.rand" in out[1]


def test_a_replacement_made_before_import_is_caught(tmp_path):
    import subprocess

    code = ("import numpy as np\n"
            "np.allclose = lambda *a, **k: True\n"
            "from autograder.checks import integrity\n"
            "print(integrity.replaced_functions())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "np.allclose" in out


def test_global_rng_state_sees_a_single_draw():
    from autograder.checks.randomness import global_rng_state

    np.random.seed(0)
    np.random.rand()          # mid-block: the next draw changes only the position
    before = global_rng_state()
    assert global_rng_state() == before
    np.random.rand()
    assert global_rng_state() != before
