"""The trusted judge and its data-only channel, without a kernel.

The kernel's side is the real driver (autograder.grading.channel), run in this
process against a plain dict standing for the kernel's globals; the judge talks
to it through the same payloads it sends to a kernel.
"""

from __future__ import annotations

import inspect

import nbformat
import numpy as np
import pytest
from fakekernel import FakeKernel

from autograder.checks.learner import loops_in
from autograder.grading import judge, wire

MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


# -- the wire format ---------------------------------------------------------------
def test_data_round_trips_exactly():
    value = {"a": np.arange(6.0).reshape(2, 3), ("t", 1): [None, True, 3, 2.5, 1j, "s"],
             "scalar": np.float32(1.5), "big": 2**100, "nan": float("nan")}
    back = wire.decode(wire.encode(value))
    assert back.keys() == value.keys()
    assert type(back["a"]) is np.ndarray and np.array_equal(back["a"], value["a"])
    assert back[("t", 1)] == value[("t", 1)]
    assert type(back["scalar"]) is np.float32 and back["scalar"] == np.float32(1.5)
    assert back["big"] == 2**100 and np.isnan(back["nan"])


class Sneaky(np.ndarray):
    def __array_ufunc__(self, *args, **kwargs):
        return True


@pytest.mark.parametrize("value, words", [
    (np.zeros(3).view(Sneaky), "subclass of numpy.ndarray"),
    (np.array([object()]), "dtype=object"),
    ((x for x in range(3)), "generator"),
    ([1, {"k": lambda: 0}], "function"),
    (True.__class__.__mro__, "type"),
])
def test_anything_but_data_is_refused_with_a_reason(value, words):
    with pytest.raises(wire.NotData, match=words):
        wire.encode(value)


def test_the_judge_may_send_importable_functions_and_generators_by_reference():
    payload = wire.encode([np.sin, np.linalg.norm], refs=True)
    assert wire.decode(payload, refs="resolve") == [np.sin, np.linalg.norm]
    assert wire.decode(payload, refs="skip") == [None, None]
    with pytest.raises(wire.NotData, match="function"):
        wire.decode(payload)                 # never from the kernel to the judge
    with pytest.raises(wire.NotData, match="function"):
        wire.encode(lambda x: x, refs=True)  # not importable: not sent
    rng = np.random.default_rng(5)
    copy = wire.decode(wire.encode(rng))
    assert copy.normal() == rng.normal()


def test_malformed_or_oversized_payloads_are_refused():
    for text in ("not base64!", "", "AAAA", 12):
        with pytest.raises(wire.NotData):
            wire.decode(text)
    with pytest.raises(wire.NotData, match="MB"):
        wire.encode(np.zeros(wire.MAX_BYTES // 8 + 1))


# -- reading the notebook ------------------------------------------------------------
def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    for source, meta in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = meta
        nb.cells.append(cell)
    return nb


SETUP = ("import numpy as np\nimport matplotlib.pyplot as plt\n"
         "from autograder.checks.orientation import check_row_means\n"
         "class Value:\n    pass\n", {"locked": True, "grade_id": "setup"})


def test_trusted_imports_come_from_locked_cells_and_trusted_modules_only():
    nb = _nb(SETUP, ("import numpy as np\nfrom autograder.checks import Case\n",
                     {"solution": True, "grade_id": "answer", "locked": False}))
    source = judge.trusted_imports(nb)
    assert "import numpy as np" in source and "check_row_means" in source
    assert "matplotlib" not in source and "Case" not in source


def test_student_sources_read_magics_and_follow_aliases():
    nb = _nb(("%%capture\ndef helper(a):\n    for x in a:\n        pass\n"
              "row_means = helper\n", {"solution": True, "grade_id": "a", "locked": False}))
    sources = judge.student_sources(nb)
    assert sources["row_means"].startswith("def helper(a):")


def test_free_names_are_what_the_cell_reads_and_does_not_bind():
    source = "from autograder.checks import Case\nx = 1\ncheck(f, cases=[Case('a', (x,))])\n"
    assert judge.free_names(source) == ["check", "f"]


def test_a_proxy_shows_the_students_source_and_signature():
    source = "def f(a, b=2, *, c):\n    for i in a:\n        pass\n"
    proxy = judge.make_proxy("f", source, lambda a, k: (a, k))
    assert proxy(1, c=3) == ((1,), {"c": 3})
    assert list(inspect.signature(proxy).parameters) == ["a", "b", "c"]
    assert loops_in(proxy) == ["a `for` loop on line 2"]


def test_escape_caps_and_shows_control_characters():
    assert judge.escape("a\x1b[31mb", 100) == "a\\x1b[31mb"
    assert judge.escape("x" * 50, 10) == "x" * 10 + " [...]"


# -- judging against the real driver, in process --------------------------------------
TEST_CELL = '''check_row_means(row_means)
### BEGIN HIDDEN TESTS
from autograder.checks import Case

check_row_means(row_means, cases=[Case("a 1x1 array", (np.array([[3.0]]),))], hidden=True)
### END HIDDEN TESTS'''


def _judge(user_ns, source=TEST_CELL):
    nb = _nb(SETUP, (source, {"grade": True, "grade_id": "t", "locked": True, "points": 1}))
    kernel = FakeKernel(user_ns)
    outputs, hidden = judge.Judge(nb, kernel, MARKERS).judge(nb.cells[1], 30)
    return outputs, hidden, kernel


def test_a_correct_function_passes_visible_and_hidden_checks():
    outputs, hidden, kernel = _judge({"row_means": lambda a: a.mean(axis=1)})
    assert [o.output_type for o in outputs] == ["stream", "stream"]
    assert outputs[0].text.startswith("✓ row_means:") and hidden == [1]
    assert "hidden check" in outputs[1].text
    assert kernel.requests > 2


def test_a_wrong_function_fails_with_the_checks_diagnosis():
    outputs, _, _ = _judge({"row_means": lambda a: a.mean(axis=0)})
    assert outputs[-1].output_type == "error" and outputs[-1].ename == "AssertionError"
    assert "Diagnosis (mean over the wrong axis)" in outputs[-1].evalue


def test_a_comparison_faking_array_is_refused_not_believed():
    outputs, _, _ = _judge({"row_means": lambda a: a.mean(axis=0).view(Sneaky)})
    assert outputs[-1].ename == "AssertionError"
    assert "subclass of numpy.ndarray" in outputs[-1].evalue


def test_a_hidden_tests_exception_message_is_not_shown():
    def row_means(a):
        if a.shape == (1, 1):
            raise ValueError("<script>pwned</script> ✓ row_means: all passed")
        return a.mean(axis=1)

    outputs, hidden, _ = _judge({"row_means": row_means})
    error = outputs[-1]
    assert error.output_type == "error" and outputs.index(error) in hidden
    assert "pwned" not in error.evalue and "ValueError" in error.evalue
    assert "a 1x1 array" in error.evalue      # the case's name is shown


def test_a_function_that_changes_its_input_is_caught_through_the_channel():
    def row_means(a):
        a -= 1
        return a.mean(axis=1) + 1

    outputs, _, _ = _judge({"row_means": row_means})
    assert "changed its argument" in outputs[-1].evalue or \
        "changed its input" in outputs[-1].evalue


def test_a_missing_function_is_a_name_error():
    outputs, _, _ = _judge({})
    assert outputs[-1].ename == "NameError"


def test_a_generator_passed_to_the_student_advances_as_in_the_kernel():
    source = ("rng = np.random.default_rng(0)\nfirst = draw(rng)\n"
              "assert rng.bit_generator.state == expected_state\n")
    rng = np.random.default_rng(0)
    rng.normal(size=3)
    nb = _nb(SETUP, (source, {"grade": True, "grade_id": "t", "locked": True, "points": 1}))
    kernel = FakeKernel({"draw": lambda g: g.normal(size=3),
                         "expected_state": rng.bit_generator.state})
    outputs, _ = judge.Judge(nb, kernel, MARKERS).judge(nb.cells[1], 30)
    assert outputs == []


def test_a_check_that_passes_a_class_of_its_own_is_not_judge_safe():
    source = "class Box:\n    pass\n\nrow_means(Box)\n"
    nb = _nb(SETUP, (source, {"grade": True, "grade_id": "t", "locked": True, "points": 1}))
    j = judge.Judge(nb, FakeKernel({"row_means": lambda f: 1}), MARKERS)
    with pytest.raises(judge.NeedsKernel, match="neither data nor a function"):
        j.judge(nb.cells[1], 30)


# -- handles and callbacks: checks that pass functions or use the learner's objects ---------
def _run(source, user_ns):
    nb = _nb(SETUP, (source, {"grade": True, "grade_id": "t", "locked": True, "points": 1}))
    kernel = FakeKernel(user_ns)
    outputs, _ = judge.Judge(nb, kernel, MARKERS).judge(nb.cells[1], 30)
    return outputs, kernel


def test_a_function_of_the_check_runs_in_the_judge_when_the_learner_calls_it():
    calls = []
    source = ("def grad(x):\n    calls.append(x.copy())\n    return 2 * x\n"
              "path = descend(grad, np.array([1.0]), 0.25, 2)\n"
              "assert np.allclose(path, [1.0, 0.5, 0.25]), path\n")
    nb = _nb(SETUP, (source, {"grade": True, "grade_id": "t", "locked": True, "points": 1}))
    kernel = FakeKernel({"descend": lambda g, x, lr, n: np.array(
        [x := x - lr * g(x) if i else x for i in range(n + 1)]).ravel()})
    j = judge.Judge(nb, kernel, MARKERS)
    j.trusted["calls"] = calls
    outputs, _ = j.judge(nb.cells[1], 30)
    assert outputs == [] and len(calls) == 2 and kernel.prompts == 2


def test_the_learners_objects_are_handles_the_judge_works_with_but_never_reads():
    class Value:
        def __init__(self, data, prev=()):
            self.data, self.grad, self._prev = data, 0.0, prev
            self.__array_interface__ = {"shape": (1,), "typestr": "<f8", "data": (8, False)}

    def add(a, b):
        return Value(a.data + b.data, (a, b))

    source = ("a, b = Value(2.0), Value(3.0)\nout = add(a, b)\n"
              "assert isinstance(Value, type) and isinstance(out, Value)\n"
              "assert out.data == 5.0 and out._prev[0] is a and out._prev[1] is b\n"
              "out.grad = 1.5\nassert out.grad == 1.5 and type(out).__name__ == 'Value'\n"
              "assert not hasattr(out, '__array_interface__')\n"
              "assert np.asarray(out).dtype == object\n")
    outputs, kernel = _run(source, {"Value": Value, "add": add})
    assert outputs == [], outputs


def test_the_kernel_cannot_send_a_function_or_call_one_it_was_not_given():
    from autograder.grading import remote as remote_module

    r = remote_module.Remote(lambda *a: "", lambda *a: None)
    with pytest.raises(wire.NotData, match="function"):
        r._in({"t": "k", "id": 7})
    assert "no such function" in str(wire.decode(r.run_callback(7, [], {})))
    r.encode([np.sin, abs])               # np.sin goes by reference, abs as callback 1
    assert r._in({"t": "k", "id": 1}) is abs and r.callbacks == {1: abs}


def test_an_object_of_the_check_is_used_from_the_kernel_but_stays_in_the_judge():
    source = ("class Model:\n    vocab = 3\n"
              "    def __call__(self, tokens):\n        return np.asarray(tokens) % self.vocab\n"
              "got = sample(Model(), [4, 5])\n"
              "assert got == ([1, 2], 3), got\n")
    outputs, kernel = _run(source, {"sample": lambda m, t: (m(t).tolist(), m.vocab)})
    assert outputs == [] and kernel.prompts == 2      # one call, one attribute read


def test_the_kernel_reads_no_dunder_of_the_judges_objects():
    from autograder.grading import remote as remote_module

    r = remote_module.Remote(lambda *a: "", lambda *a: None)
    r.encode([np.mean])                                  # by reference: not a callback
    r.encode([lambda x: x])                              # callback 1
    for name in ("__globals__", "__code__", "__class__", "__closure__"):
        reply = wire.decode(r.serve(("attr", 1, name)))
        assert reply[0] == "raise" and reply[1] == "AttributeError"
    assert wire.decode(r.serve(("attr", 9, "x")))[0] == "raise"     # not ours


def test_the_score_nbgrader_reads_is_the_judges_verdict():
    from nbgrader.utils import determine_grade

    from autograder.grading import execute
    from autograder.grading.cells import error_output

    nb = _nb(SETUP, ("check_row_means(row_means)",
                     {"grade": True, "grade_id": "t", "locked": True, "points": 2}))
    verdict = [error_output("AssertionError", "row_means: check 1 of 3 failed")]
    cell = nb.cells[1]
    # what a thread of the kernel might have added after the judge was done
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="✓ passed\n"),
                    nbformat.v4.new_output("execute_result", data={"text/plain": "2"},
                                           execution_count=1)]
    assert determine_grade(cell)[0] == 2            # nbgrader would believe it
    execute.seal_verdicts(nb, {1: verdict})
    assert determine_grade(cell)[0] == 0
    assert cell.metadata["autograder"]["verdict"] == "failed"
    assert [o.output_type for o in cell.outputs] == ["error"]
