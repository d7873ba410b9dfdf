"""`check_x(x, seed=1234)`: hidden tests run a check on fresh inputs of the same properties.

- the override reaches both kinds of seeded cases: a FunctionCheck's ``make_cases(rng)``
  and a CustomCheck's ``ctx.rng()``; the check's own seed is unchanged afterwards;
- a bad seed is a clear error for the test's author;
- every hidden test of stages 00-04 gives its own cases or a seed (none repeats the
  visible cases), and where it gives a seed, the learner's function really receives
  other inputs than in the visible check.
"""

from __future__ import annotations

import ast
import contextlib
import io

import numpy as np
import pytest

from autograder import solutions
from autograder.checks import Case, CustomCheck, FunctionCheck

STAGES = ["00", "01", "02", "03", "04"]


def _recording_check():
    seen = []
    check = FunctionCheck("double", lambda x: 2 * x,
                          lambda rng: [Case("a vector", (rng.normal(size=3),))], seed=5)

    def double(x):
        seen.append(np.array(x))
        return 2 * x
    return check, double, seen


def test_a_seed_override_draws_other_cases_and_leaves_the_check_unchanged():
    check, double, seen = _recording_check()
    with contextlib.redirect_stdout(io.StringIO()):
        check(double)
        check(double, seed=1234, hidden=True)
        check(double)
    assert not np.allclose(seen[0], seen[1]), "seed=1234 gave the same inputs as the default"
    assert np.array_equal(seen[0], seen[2]) and check.seed == 5
    assert np.array_equal(check.make_cases(1234)[0].args[0], seen[1])


def test_a_seed_override_reaches_a_custom_checks_generator():
    drawn = []

    def verify(value, ctx):
        drawn.append(ctx.rng().normal())
        ctx.require(True, "never")

    check = CustomCheck("draws", verify, reference=None, seed=3)
    assert check.explain(None) is None and check.explain(None, seed=99) is None
    assert drawn[0] == np.random.default_rng(3).normal()
    assert drawn[1] == np.random.default_rng(99).normal()


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True, None])
def test_a_bad_seed_is_a_clear_error(seed):
    check, double, _ = _recording_check()
    if seed is None:  # None means "the check's own seed"
        assert check.explain(double, seed=seed) is None
        return
    with pytest.raises(TypeError, match="seed must be a non-negative int"):
        check.explain(double, seed=seed)


def _hidden_calls():
    """(exercise, check name, learner function name, keyword names) of every hidden call."""
    found = []
    for exercise in solutions.all_function_exercises(stages=STAGES):
        for test in exercise.tests:
            for node in ast.walk(ast.parse(test.hidden or "pass")):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                        and node.func.id.startswith("check_") and node.args \
                        and isinstance(node.args[0], ast.Name):
                    kwargs = {k.arg: k.value for k in node.keywords}
                    found.append((exercise, node.func.id, node.args[0].id, kwargs))
    return found


HIDDEN_CALLS = _hidden_calls()
SEEDED = [c for c in HIDDEN_CALLS if "seed" in c[3]]


def test_no_hidden_test_repeats_the_visible_cases():
    assert len(HIDDEN_CALLS) > 100
    repeats = [f"{ex.key}: {name}" for ex, name, _, kwargs in HIDDEN_CALLS
               if "cases" not in kwargs and "seed" not in kwargs]
    assert not repeats, f"hidden tests that only repeat the visible check: {repeats}"


def _leaves(value, out):
    if isinstance(value, np.ndarray):
        out.append(value.tobytes())
    elif isinstance(value, (tuple, list)):
        for v in value:
            _leaves(v, out)
    elif isinstance(value, dict):
        for k in sorted(value, key=str):
            _leaves(value[k], out)
    elif isinstance(value, (int, float, str, np.generic)):
        out.append(repr(value))
    return out


@pytest.mark.parametrize("call", SEEDED, ids=[f"{c[0].key}" for c in SEEDED])
def test_a_seeded_hidden_test_gives_the_learner_other_inputs(call):
    exercise, check_name, fn_name, kwargs = call
    namespace = solutions.fresh_namespace(exercise)
    for test in exercise.tests:  # the visible part imports the check
        with contextlib.redirect_stdout(io.StringIO()):
            solutions.run_cell(test.visible, namespace, "<visible>")
    check, fn = namespace[check_name], namespace[fn_name]
    seed = ast.literal_eval(kwargs["seed"])
    runs: dict[str, list] = {}

    def recorder(key):
        def wrapped(*args, **kw):
            runs.setdefault(key, []).append(_leaves((args, kw), []))
            return fn(*args, **kw)
        wrapped.__name__ = fn.__name__
        return wrapped

    with solutions.notebook_context(exercise), contextlib.redirect_stdout(io.StringIO()):
        check(recorder("visible"))
        check(recorder("hidden"), hidden=True)
        check(recorder("seeded"), hidden=True, seed=seed)
    assert runs["seeded"] != runs["visible"], "the seeded hidden test repeats the visible inputs"
    assert runs["seeded"] != runs["hidden"], "the seed changes nothing the learner receives"
