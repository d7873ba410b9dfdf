"""Checks for 02_calculus/05_autograd: a scalar autograd engine written by the learner.

The learner's engine is tested through its behaviour only: the checks build
expressions with the learner's `Value` class and functions, call the
backward functions, and compare every input's .grad with central finite
differences of the same expression computed with plain floats. Nodes used
twice are always part of the expressions, because forgetting to *accumulate*
gradients (= instead of +=) is the classic bug of a first engine.

check_backward isolates the traversal: it builds graphs whose nodes carry the
check's own local-derivative closures, so only the learner's `backward` is under
test. Known traversal mistakes (no seed, a node visited twice, forward order,
depth-first propagation before a node's gradient is complete) are recognised by
running the same buggy traversals on a fresh copy of the graph.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from ..core import Context
from ..multi import MultiCheck
from ..spec import Case, Mistake
from .engines import make_backward, make_engine
from .shared import require_callables, run

H = 1e-6  # finite-difference step for the float versions of the expressions


def _fd(fn: Callable[..., float], values: list[float]) -> list[float]:
    """Central differences of a float function of several floats."""
    grads = []
    for i in range(len(values)):
        up, down = list(values), list(values)
        up[i] += H
        down[i] -= H
        grads.append((fn(*up) - fn(*down)) / (2 * H))
    return grads


def _is_value(obj, Value) -> bool:
    return isinstance(Value, type) and isinstance(obj, Value)


def _close(a: float, b: float, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    try:
        return abs(float(a) - float(b)) <= atol + rtol * abs(float(b))
    except (TypeError, ValueError):
        return False


def _grad_of(node) -> float:
    return float(getattr(node, "grad", float("nan")))


def _not_accumulated(example) -> Mistake:
    """The classic bug of a first engine, with an example submission for one check."""
    return Mistake(
        "reused node not accumulated",
        "A node that feeds into two places (or twice into the same operation, as in a + a) "
        "gets a gradient contribution from each use, and its .grad must be their *sum*. Your "
        "code sets the gradient (=) instead of adding to it (+=), so the last contribution "
        "wins and the others are lost.",
        "In every _backward, write a.grad += ... and b.grad += ..., never a.grad = ...",
        example=example)


# ---------------------------------------------------------------------------
# Exercise 5.1: add and mul
# ---------------------------------------------------------------------------


def _engine_triple(bug=None, *names):
    engine = make_engine(bug)
    return tuple(getattr(engine, n) for n in names)


NOT_ACCUMULATED = _not_accumulated(_engine_triple("overwrite", "add", "mul", "Value"))
MUL_SWAPPED = Mistake(
    "mul: each input got its own value",
    "For out = a * b, d out / d a = b and d out / d b = a: each input's gradient is the "
    "*other* input's value times out.grad. Your code gives a the value of a.",
    "a.grad += b.data * out.grad and b.grad += a.data * out.grad.",
    example=_engine_triple("mul_swapped", "add", "mul", "Value"))
NO_UPSTREAM = Mistake(
    "ignored out.grad",
    "Your _backward adds only the local derivative to the inputs' gradients. The chain rule "
    "multiplies the local derivative by the gradient that arrived at the output, out.grad "
    "(it is 1 only at the very end of the graph).",
    "Multiply by out.grad: a.grad += (local derivative) * out.grad.",
    example=_engine_triple("no_upstream", "add", "mul", "Value"))
NO_PARENTS = Mistake(
    "did not record the inputs",
    "The new Value's _prev is empty, so backward() cannot find the nodes it was computed "
    "from, and gradients never reach them.",
    "Create the result as Value(data, (a, b), '+'): the second argument lists the inputs.",
    example=_engine_triple("no_parents", "add", "mul", "Value"))


def _check_binary(ctx: Context, fn, name: str, Value, forward, locals_,
                  x: float = 2.0, y: float = -3.0) -> None:
    """forward(a, b) -> float; locals_(a, b) -> (d/da, d/db); tried at a = x, b = y."""
    a, b = Value(x), Value(y)
    call = f"{name}(Value({x:g}), Value({y:g}))"
    out = run(ctx, name, call, lambda: fn(a, b))
    ctx.require(_is_value(out, Value), f"{name}(a, b) should return a new Value",
                [f"got {type(out).__name__}"], hint="Wrap the result: Value(data, (a, b), op).")
    ctx.require(_close(out.data, forward(x, y)), f"{call}.data should be {forward(x, y):g}",
                [f"got {out.data!r}"])
    prev: Any = getattr(out, "_prev", ())
    ctx.require(len(prev) == 2 and {id(p) for p in prev} == {id(a), id(b)},
                f"{name}(a, b) should record a and b in the new Value's _prev",
                [f"_prev holds {len(prev)} item(s)"], mistake=NO_PARENTS)
    out.grad = 0.5
    run(ctx, name, f"the _backward of {call}", out._backward)
    da, db = locals_(x, y)
    got = (_grad_of(a), _grad_of(b))
    if not (_close(got[0], da * 0.5) and _close(got[1], db * 0.5)):
        mistake = None
        if name == "mul" and _close(got[0], x * 0.5) and _close(got[1], y * 0.5):
            mistake = MUL_SWAPPED
        elif _close(got[0], da) and _close(got[1], db):
            mistake = NO_UPSTREAM
        ctx.fail(f"after out = {call}, setting out.grad = 0.5 and calling out._backward(), "
                 "the inputs' gradients are wrong",
                 [f"a.grad: yours {got[0]:.4g}, expected {da * 0.5:.4g}",
                  f"b.grad: yours {got[1]:.4g}, expected {db * 0.5:.4g}"], mistake=mistake,
                 hint=None if mistake else "Each input gets (local derivative) * out.grad.")
    ctx.passed += 1
    # Accumulation: a gradient that is already there must be kept.
    a, b = Value(x), Value(y)
    a.grad, b.grad = 0.25, -1.0
    out = run(ctx, name, call, lambda: fn(a, b))
    out.grad = 1.5
    run(ctx, name, f"the _backward of {call}", out._backward)
    want = (0.25 + da * 1.5, -1.0 + db * 1.5)
    ctx.require(_close(_grad_of(a), want[0]) and _close(_grad_of(b), want[1]),
                f"{name}'s _backward should add to the gradients already in a.grad and b.grad",
                [f"with a.grad = 0.25 and b.grad = -1 before, and out.grad = 1.5: a.grad is "
                 f"{_grad_of(a):.4g} (expected {want[0]:.4g}), b.grad is {_grad_of(b):.4g} "
                 f"(expected {want[1]:.4g})"], mistake=NOT_ACCUMULATED)
    # The same node twice: a + a, a * a.
    c = Value(x)
    out = run(ctx, name, f"{name}(c, c) (the same node twice)", lambda: fn(c, c))
    out.grad = 1.0
    run(ctx, name, f"the _backward of {name}(c, c)", out._backward)
    want_c = sum(locals_(x, x))
    ctx.require(_close(_grad_of(c), want_c),
                f"{name}(c, c) with c = {x:g}: c.grad should be {want_c:g}, the sum of both uses",
                [f"got c.grad = {_grad_of(c):.4g}"], mistake=NOT_ACCUMULATED)


def _verify_add_mul(submission, ctx: Context) -> None:
    """Hidden cases: Case(label, (x, y)) tries both operations at a = x, b = y."""
    add, mul, Value = submission
    require_callables(ctx, submission, ("add", "mul", "Value"))
    points = [c.args for c in ctx.cases] if ctx.cases is not None else [(2.0, -3.0)]
    for x, y in points:
        _check_binary(ctx, add, "add", Value, lambda a, b: a + b, lambda a, b: (1.0, 1.0), x, y)
        _check_binary(ctx, mul, "mul", Value, lambda a, b: a * b, lambda a, b: (b, a), x, y)


check_add_mul = MultiCheck(
    "add_mul", _verify_add_mul, names=("add", "mul", "Value"),
    reference=_engine_triple(None, "add", "mul", "Value"),
    mistakes=[NOT_ACCUMULATED, MUL_SWAPPED, NO_UPSTREAM, NO_PARENTS],
    hint="out = Value(data, (a, b), op); its _backward adds (local derivative) * out.grad "
         "to each input's .grad with +=: d(a+b)/da = 1, d(a*b)/da = b.data.")

# ---------------------------------------------------------------------------
# Exercise 5.2: tanh, exp, power and relu
# ---------------------------------------------------------------------------

_UNARY = ("tanh", "exp", "power", "relu", "Value")

TANH_OF_INPUT = Mistake(
    "tanh: 1 - x**2 instead of 1 - tanh(x)**2",
    "The derivative of tanh is 1 - tanh(x)**2, written with the *output* t = tanh(x). Your "
    "code uses the input: 1 - x**2.",
    "Use out.data (which is tanh(a.data)): a.grad += (1 - out.data**2) * out.grad.",
    example=_engine_triple("tanh_of_input", *_UNARY))
POWER_NOT_LOWERED = Mistake(
    "power: the power was not lowered",
    "d/dx x**k = k * x**(k - 1). Your gradient uses x**k.",
    "a.grad += k * a.data ** (k - 1) * out.grad.",
    example=_engine_triple("power_not_lowered", *_UNARY))
RELU_ALWAYS = Mistake(
    "relu: the gradient passes through for negative inputs",
    "relu(x) = max(x, 0) is flat (slope 0) for x < 0, so no gradient flows back through an "
    "input that was negative. Your code passes out.grad through regardless.",
    "Multiply by (a.data > 0): 1 where the input was positive, 0 elsewhere.",
    example=_engine_triple("relu_always", *_UNARY))
UNARY_NOT_ACCUMULATED = _not_accumulated(_engine_triple("overwrite", *_UNARY))


def _check_unary(ctx: Context, label: str, fn_name: str, make, x: float, forward: float,
                 slope: float, Value, mistakes: dict) -> None:
    a = Value(x)
    out = run(ctx, fn_name, f"{label} of Value({x:g})", lambda: make(a))
    ctx.require(_is_value(out, Value), f"{fn_name} should return a new Value",
                [f"got {type(out).__name__}"])
    ctx.require(_close(out.data, forward), f"{label} of Value({x:g}) should have data "
                f"{forward:.6g}", [f"got {out.data!r}"])
    prev: Any = getattr(out, "_prev", ())
    ctx.require(len(prev) == 1 and prev[0] is a, f"{fn_name} should record its input in _prev",
                [f"_prev holds {len(prev)} item(s)"], mistake=NO_PARENTS)
    a.grad = 0.1
    out.grad = 0.7
    run(ctx, fn_name, f"the _backward of {label}", out._backward)
    want = 0.1 + slope * 0.7
    if not _close(_grad_of(a), want):
        got = _grad_of(a)
        mistake = None
        for candidate, value in mistakes.items():
            if _close(got, 0.1 + value * 0.7):
                mistake = candidate
        if _close(got, slope * 0.7):
            mistake = UNARY_NOT_ACCUMULATED
        ctx.fail(f"the gradient of {label} at x = {x:g} is wrong",
                 [f"with a.grad = 0.1 before and out.grad = 0.7, a.grad should become "
                  f"0.1 + {slope:.4g} * 0.7 = {want:.4g}; yours is {got:.4g}"], mistake=mistake,
                 hint=None if mistake else f"The local derivative of {label} at {x:g} is "
                 f"{slope:.4g}; add it times out.grad to a.grad.")
    ctx.passed += 1


def _unary_spec(name: str, x: float, k: float = 3.0):
    """(label, forward value, local slope, {mistake: the slope that mistake gives})."""
    if name == "tanh":
        t = math.tanh(x)
        return "tanh", t, 1 - t * t, {TANH_OF_INPUT: 1 - x * x}
    if name == "exp":
        return "exp", math.exp(x), math.exp(x), {}
    if name == "power":
        return f"power(., {k:g})", x ** k, k * x ** (k - 1), {POWER_NOT_LOWERED: k * x ** k}
    return "relu", max(x, 0.0), 1.0 if x > 0 else 0.0, {RELU_ALWAYS: 1.0} if x <= 0 else {}


UNARY_POINTS: list[tuple[Any, ...]] = [
    ("tanh", 0.8), ("exp", 0.5), ("power", 1.5, 3.0), ("power", 2.0, -1.0),
    ("relu", 0.9), ("relu", -0.6)]


def _verify_unary(submission, ctx: Context) -> None:
    """Hidden cases: Case(label, ("tanh", x)) or Case(label, ("power", x, k))."""
    tanh, exp, power, relu, Value = submission
    require_callables(ctx, submission, _UNARY)
    ops = {"tanh": tanh, "exp": exp, "relu": relu}
    points = [c.args for c in ctx.cases] if ctx.cases is not None else UNARY_POINTS
    for point in points:
        name, x = point[0], float(point[1])
        k = float(point[2]) if len(point) > 2 else 3.0
        label, forward, slope, mistakes = _unary_spec(name, x, k)
        make = (lambda a, k=k: power(a, k)) if name == "power" else ops[name]
        _check_unary(ctx, label, name, make, x, forward, slope, Value, mistakes)


check_unary_ops = MultiCheck(
    "unary_ops", _verify_unary, names=_UNARY, reference=_engine_triple(None, *_UNARY),
    mistakes=[TANH_OF_INPUT, POWER_NOT_LOWERED, RELU_ALWAYS, UNARY_NOT_ACCUMULATED],
    hint="Each _backward adds (local derivative) * out.grad to a.grad: tanh' = 1 - t**2 (t "
         "the output), exp' = the output, (a**k)' = k * a**(k-1), relu' = 1 where a > 0.")

# ---------------------------------------------------------------------------
# Exercise 5.3: backward (the traversal)
# ---------------------------------------------------------------------------

# A graph is (leaves, nodes): leaves {name: value}; nodes [(name, op, (input names))],
# evaluated in order; the last node is the root.
_OPS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "add": (lambda a, b: a + b, lambda a, b: (1.0, 1.0)),
    "mul": (lambda a, b: a * b, lambda a, b: (b, a)),
    "tanh": (math.tanh, lambda a: (1.0 - math.tanh(a) ** 2,)),
    "exp": (math.exp, lambda a: (math.exp(a),)),
}


def _evaluate(leaves: dict, nodes: list, values: list[float]) -> float:
    env = dict(zip(leaves, values, strict=True))
    for name, op, args in nodes:
        env[name] = _OPS[op][0](*(env[a] for a in args))
    return env[nodes[-1][0]] if nodes else values[0]


def _build(Value, leaves: dict, nodes: list) -> tuple[dict, object]:
    """The graph as learner Value nodes with the check's own _backward closures."""
    env = {name: Value(v) for name, v in leaves.items()}
    for name, op, args in nodes:
        ins = tuple(env[a] for a in args)
        data = [x.data for x in ins]
        node = Value(_OPS[op][0](*data), ins, op)
        node._backward = _local_backward(node, ins, _OPS[op][1](*data))
        env[name] = node
    root = env[nodes[-1][0]] if nodes else env[next(iter(leaves))]
    return env, root


def _local_backward(node, ins: tuple, local: tuple) -> Callable[[], None]:
    """The check's own _backward for `node`: add local * node.grad to each input."""
    def _backward():
        for parent, d in zip(ins, local, strict=True):
            parent.grad += d * node.grad
    return _backward


def graph(label: str, leaves: dict, nodes: list) -> Case:
    """A case for check_backward: leaves {name: value}, nodes [(name, op, (inputs))].

    ops: "add", "mul", "tanh", "exp"; the last node is the root.
    """
    return Case(label, (dict(leaves), list(nodes)))


def chain_graph(n: int, x: float = 0.3) -> Case:
    """A case: a chain of n nodes alternating x -> x * x0 and tanh (depth n)."""
    nodes, prev = [], "x"
    for i in range(n):
        op = ("mul", (prev, "x")) if i % 2 == 0 else ("tanh", (prev,))
        nodes.append((f"h{i}", op[0], op[1]))
        prev = f"h{i}"
    return graph(f"a chain of {n} nodes", {"x": x}, nodes)


BACKWARD_CASES = [
    graph("out = b * (b + a * a) with b = tanh(a): the node b is used twice, and the root "
          "lists b before b's other consumer",
          {"a": 0.7}, [("b", "tanh", ("a",)), ("c", "mul", ("a", "a")), ("d", "add", ("b", "c")),
                       ("out", "mul", ("b", "d"))]),
    graph("out = x * y + x (x is used twice)", {"x": 0.5, "y": -1.5},
          [("u", "mul", ("x", "y")), ("out", "add", ("u", "x"))]),
    graph("a deeper graph: h1 = x * y, h2 = tanh(h1 + z), out = exp(h2 * h1) + h2",
          {"x": 0.4, "y": -0.9, "z": 0.3},
          [("h1", "mul", ("x", "y")), ("s", "add", ("h1", "z")), ("h2", "tanh", ("s",)),
           ("p", "mul", ("h2", "h1")), ("e", "exp", ("p",)), ("out", "add", ("e", "h2"))]),
]

NO_SEED = Mistake(
    "forgot to seed the root",
    "Every gradient stays 0 because the root's own gradient was never set. d out / d out = 1 "
    "is where backpropagation starts; every other gradient is a multiple of it.",
    "Set root.grad = 1.0 before calling any _backward.",
    example=(make_backward("no_seed"), make_engine().Value))
VISITED_TWICE = Mistake(
    "a node visited twice",
    "Some gradients are too large: a node reached by two paths was put in your order twice, "
    "so its _backward ran twice and sent its gradient down twice.",
    "Keep a set of visited nodes while building the topological order, and skip a node you "
    "have seen.",
    example=(make_backward("no_visited"), make_engine().Value))
FORWARD_ORDER = Mistake(
    "_backward called in forward order",
    "You called _backward from the inputs towards the root. A node can pass its gradient "
    "back only after it has received all of it, so the root must go first: reverse the "
    "topological order.",
    "Build the order (inputs before the nodes that use them), then loop over reversed(order).",
    example=(make_backward("forward_order"), make_engine().Value))
DEPTH_FIRST = Mistake(
    "propagated before a node's gradient was complete",
    "You called _backward while walking the graph depth-first from the root. A node used "
    "twice was reached through its first consumer and passed its gradient on before the "
    "second consumer had added its share. That is what a topological order prevents: every "
    "node runs only after all the nodes that use it.",
    "First build the full topological order, then call _backward on the reversed order.",
    example=(make_backward("depth_first"), make_engine().Value))
_TRAVERSALS = {FORWARD_ORDER: "forward_order", VISITED_TWICE: "no_visited",
               DEPTH_FIRST: "depth_first", NO_SEED: "no_seed"}


def _evaluator(leaves: dict, nodes: list) -> Callable[..., float]:
    return lambda *values: _evaluate(leaves, nodes, list(values))


def _verify_backward(submission, ctx: Context) -> None:
    backward, Value = submission
    require_callables(ctx, submission, ("backward", "Value"))
    cases = ctx.cases if ctx.cases is not None else BACKWARD_CASES
    word = "hidden check" if ctx.hidden else "check"
    # The root of a graph with no operations: backward(x) gives x.grad = 1.
    x = Value(2.0)
    run(ctx, "backward", "backward(x) for a single input x", lambda: backward(x))
    ctx.require(_close(_grad_of(x), 1.0), "backward(x) on a single Value should set x.grad "
                "to 1 (d x / d x)", [f"got x.grad = {_grad_of(x):.4g}"], mistake=NO_SEED)
    for i, case in enumerate(cases, 1):
        leaves, nodes = case.args
        names = list(leaves)
        env, root = _build(Value, leaves, nodes)
        run(ctx, "backward", case.label, partial(backward, root))
        got = np.array([_grad_of(env[n]) for n in names])
        expected = np.array(_fd(_evaluator(leaves, nodes), list(leaves.values())))
        if bool(np.all(np.abs(got - expected) <= 1e-8 + 1e-6 * np.abs(expected))):
            ctx.passed += 1
            continue
        mistake = None
        for candidate, bug in _TRAVERSALS.items():
            if candidate is NO_SEED and _close(_grad_of(root), 1.0):
                continue
            fresh, fresh_root = _build(Value, leaves, nodes)
            try:
                make_backward(bug)(fresh_root)
            except Exception:
                continue
            variant = np.array([_grad_of(fresh[n]) for n in names])
            if np.allclose(variant, got, rtol=1e-6, atol=1e-9) and \
                    not np.allclose(variant, expected, rtol=1e-6, atol=1e-9):
                mistake = candidate
                break
        details = [f"d out / d {n}: yours {g:.6g}, expected {e:.6g}"
                   for n, g, e in zip(names, got, expected, strict=True)]
        ctx.fail(f"{word} {i} of {len(cases)} failed: {case.label}",
                 details if not ctx.hidden else details[:0] + ["the gradients are wrong"],
                 mistake=mistake,
                 hint=None if mistake else "Build the topological order with a visited set, "
                 "set root.grad = 1, then call _backward on each node in reversed order.")


check_backward = MultiCheck(
    "backward", _verify_backward, names=("backward", "Value"),
    reference=(make_backward(), make_engine().Value),
    mistakes=[NO_SEED, VISITED_TWICE, FORWARD_ORDER, DEPTH_FIRST],
    hint="Sort the graph topologically (every node after the nodes it was computed from, "
         "each node once), set root.grad = 1, then call _backward in reverse order.")

# ---------------------------------------------------------------------------
# Exercise 5.4: a neuron, end to end
# ---------------------------------------------------------------------------


def _neuron_float(xs, ws, b):
    return math.tanh(sum(w * x for w, x in zip(ws, xs, strict=True)) + b)


def _reference_neuron(xs, ws, b):
    total = b
    for w, x in zip(ws, xs, strict=True):
        total = w * x + total
    return total.tanh()


def _neuron_no_tanh(xs, ws, b):
    total = b
    for w, x in zip(ws, xs, strict=True):
        total = total + w * x
    return total


def _neuron_no_bias(xs, ws, b):
    total = ws[0] * xs[0]
    for w, x in zip(ws[1:], xs[1:], strict=True):
        total = total + w * x
    return total.tanh()


def _neuron_from_floats(xs, ws, b):
    value = _neuron_float([x.data for x in xs], [w.data for w in ws], b.data)
    return type(b)(value)


NEURON_NO_TANH = Mistake(
    "no tanh",
    "Your neuron returns the weighted sum w . x + b without the activation.",
    "Return the tanh of the sum: total.tanh().",
    example=(_neuron_no_tanh, make_engine().Value))
NEURON_NO_BIAS = Mistake(
    "no bias",
    "Your neuron leaves out the bias b.",
    "Start the sum at b (or add it at the end).",
    example=(_neuron_no_bias, make_engine().Value))
GRAPH_CUT = Mistake(
    "the graph was cut",
    "The output has the right value but no gradient reaches the inputs: you computed with "
    "plain floats (.data, math.tanh) and wrapped the result in a new Value, so the result "
    "does not remember what it was computed from.",
    "Compute with the Values themselves (w * x, total + ..., total.tanh()), so that every "
    "step records its inputs.",
    example=(_neuron_from_floats, make_engine().Value))
ENGINE_NOT_ACCUMULATED = _not_accumulated((_reference_neuron, make_engine("overwrite").Value))

_PROBES = [
    ("a * b + a", lambda a, b: a * b + a, lambda a, b: a * b + a),
    ("a / b - b**2", lambda a, b: a / b - b ** 2, lambda a, b: a / b - b ** 2),
    ("(a - b).relu() * 2 + (a * b).exp()", lambda a, b: (a - b).relu() * 2 + (a * b).exp(),
     lambda a, b: max(a - b, 0.0) * 2 + math.exp(a * b)),
]


def _verify_neuron(submission, ctx: Context) -> None:
    neuron, Value = submission
    require_callables(ctx, submission, ("neuron", "Value"))
    if ctx.cases is not None:  # hidden: Case(label, (xs, ws, b)) with lists of floats
        for case in ctx.cases:
            _check_neuron_at(ctx, neuron, Value, *case.args, label=case.label)
        return
    _check_neuron_at(ctx, neuron, Value, [0.5, -1.2, 2.0], [0.3, 0.8, -0.4], 0.1,
                     label="neuron(xs, ws, b) with 3 inputs")
    # The operators of the engine, on expressions with a node used twice.
    for text, build, floats in _PROBES:
        a, bb = Value(0.8), Value(-1.3)
        result = run(ctx, "Value", f"the expression {text}",
                      partial(build, a, bb))
        run(ctx, "backward", f"backward() of {text}", result.backward)
        got = [_grad_of(a), _grad_of(bb)]
        expected = _fd(floats, [0.8, -1.3])
        ok = all(_close(g, e, 1e-6, 1e-8) for g, e in zip(got, expected, strict=True))
        ctx.require(ok, f"the gradients of {text} at a = 0.8, b = -1.3 are wrong",
                    [f"d/da: yours {got[0]:.6g}, expected {expected[0]:.6g}",
                     f"d/db: yours {got[1]:.6g}, expected {expected[1]:.6g}"],
                    mistake=ENGINE_NOT_ACCUMULATED if _probe_fails(Value) else None)


def _check_neuron_at(ctx: Context, neuron, Value, xs0: list, ws0: list, b0: float, *,
                     label: str) -> None:
    n = len(xs0)
    xs, ws, b = [Value(v) for v in xs0], [Value(v) for v in ws0], Value(b0)
    out = run(ctx, "neuron", label, lambda: neuron(xs, ws, b))
    ctx.require(_is_value(out, Value), "neuron should return a Value",
                [f"got {type(out).__name__}"])
    want = _neuron_float(xs0, ws0, b0)
    if not _close(out.data, want):
        mistake = None
        if _close(out.data, sum(w * x for w, x in zip(ws0, xs0, strict=True)) + b0):
            mistake = NEURON_NO_TANH
        elif _close(out.data, math.tanh(sum(w * x for w, x in zip(ws0, xs0, strict=True)))):
            mistake = NEURON_NO_BIAS
        ctx.fail(f"{label}: the output is wrong",
                 [f"out.data is {out.data:.6g}, expected tanh(w . x + b) = {want:.6g}"],
                 mistake=mistake)
    ctx.passed += 1
    # The loss reuses the output node: L = out * out + out.
    loss = run(ctx, "neuron", "L = out * out + out", lambda: out * out + out)
    run(ctx, "backward", "L.backward()", loss.backward)
    values = list(xs0) + list(ws0) + [b0]
    names = [f"xs[{i}]" for i in range(n)] + [f"ws[{i}]" for i in range(n)] + ["b"]
    got = np.array([_grad_of(v) for v in xs + ws + [b]])

    def loss_float(*v):
        t = _neuron_float(list(v[:n]), list(v[n:2 * n]), v[2 * n])
        return t * t + t
    expected = np.array(_fd(loss_float, values))
    if not bool(np.all(np.abs(got - expected) <= 1e-8 + 1e-6 * np.abs(expected))):
        mistake = None
        if not np.any(got):
            mistake = GRAPH_CUT
        elif _probe_fails(Value):
            mistake = ENGINE_NOT_ACCUMULATED
        ctx.fail("after L = out * out + out and L.backward(), the gradients are wrong",
                 [f"d L / d {name}: yours {g:.6g}, expected {e:.6g}"
                  for name, g, e in zip(names, got, expected, strict=True)], mistake=mistake,
                 hint=None if mistake else "Make sure the checks of exercises 5.1 to 5.3 pass "
                 "first; the neuron only combines them.")
    ctx.passed += 1


def _probe_fails(Value) -> bool:
    """True if a + a does not give a.grad == 2 (gradients are overwritten, not summed)."""
    try:
        a = Value(1.0)
        out = a + a
        out.backward()
        return not _close(a.grad, 2.0)
    except Exception:
        return False


check_neuron = MultiCheck(
    "neuron", _verify_neuron, names=("neuron", "Value"),
    reference=(_reference_neuron, make_engine().Value),
    mistakes=[NEURON_NO_TANH, NEURON_NO_BIAS, GRAPH_CUT, ENGINE_NOT_ACCUMULATED],
    hint="Build tanh(w_1 x_1 + ... + w_n x_n + b) from Value operations only, so every "
         "step stays in the graph and backward reaches the weights and the bias.")
