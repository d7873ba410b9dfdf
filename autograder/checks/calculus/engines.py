"""Small scalar autograd engines used as *submissions* in the tests of the autograd checks.

`make_engine()` returns a correct engine shaped like the notebook's: a Value class
whose operators call module-level functions add, mul, power, tanh, exp, relu and
backward. `make_engine(bug)` returns the same engine with one classic mistake in
it; the unit tests prove that each check names that mistake. The checks
themselves never use these engines as an oracle: they compare gradients with
finite differences.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

BUGS = ("overwrite", "mul_swapped", "no_upstream", "no_parents", "tanh_of_input",
        "power_not_lowered", "relu_always", "no_seed", "no_visited", "forward_order",
        "depth_first")


class EngineValue:
    """The Value class of an engine: each engine subclasses it with `_ns`, the namespace
    whose add, mul, power, tanh, exp, relu and backward the operators call."""

    _ns: SimpleNamespace

    def __init__(self, data, _prev=(), op=""):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_prev)
        self._backward = lambda: None
        self.op = op

    def _lift(self, x):
        return x if isinstance(x, type(self)) else type(self)(x)

    def __repr__(self):
        return f"Value({self.data:.4g}, grad={self.grad:.4g})"

    def __add__(self, other):
        return self._ns.add(self, self._lift(other))

    def __radd__(self, other):
        return self._ns.add(self._lift(other), self)

    def __mul__(self, other):
        return self._ns.mul(self, self._lift(other))

    def __rmul__(self, other):
        return self._ns.mul(self._lift(other), self)

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) + (-self)

    def __pow__(self, k):
        return self._ns.power(self, k)

    def __truediv__(self, other):
        return self * self._lift(other) ** -1

    def __rtruediv__(self, other):
        return self._lift(other) * self ** -1

    def tanh(self):
        return self._ns.tanh(self)

    def exp(self):
        return self._ns.exp(self)

    def relu(self):
        return self._ns.relu(self)

    def backward(self):
        self._ns.backward(self)


def make_engine(bug: str | None = None) -> SimpleNamespace:
    """An engine (namespace with Value, add, mul, power, tanh, exp, relu, backward)."""
    if bug is not None and bug not in BUGS:
        raise ValueError(f"unknown bug {bug!r}; known: {', '.join(BUGS)}")
    ns = SimpleNamespace()

    class Value(EngineValue):
        _ns = ns

    def send(out, parent, local):
        """Add local * out.grad to parent.grad (or overwrite it, for the 'overwrite' bug)."""
        upstream = 1.0 if bug == "no_upstream" else out.grad
        if bug == "overwrite":
            parent.grad = local * upstream
        else:
            parent.grad = parent.grad + local * upstream

    def node(data, parents, locals_, op):
        out = Value(data, () if bug == "no_parents" else parents, op)

        def _backward():
            for parent, local in zip(parents, locals_(), strict=True):
                send(out, parent, local)
        out._backward = _backward
        return out

    def add(a, b):
        return node(a.data + b.data, (a, b), lambda: (1.0, 1.0), "+")

    def mul(a, b):
        if bug == "mul_swapped":
            return node(a.data * b.data, (a, b), lambda: (a.data, b.data), "*")
        return node(a.data * b.data, (a, b), lambda: (b.data, a.data), "*")

    def power(a, k):
        low = k if bug == "power_not_lowered" else k - 1
        return node(a.data ** k, (a,), lambda: (k * a.data ** low,), f"**{k}")

    def tanh(a):
        t = math.tanh(a.data)
        slope = 1 - a.data ** 2 if bug == "tanh_of_input" else 1 - t * t
        return node(t, (a,), lambda: (slope,), "tanh")

    def exp(a):
        e = math.exp(a.data)
        return node(e, (a,), lambda: (e,), "exp")

    def relu(a):
        slope = 1.0 if (a.data > 0 or bug == "relu_always") else 0.0
        return node(max(a.data, 0.0), (a,), lambda: (slope,), "relu")

    def backward(root):
        ns.backward_impl(root)

    ns.Value, ns.add, ns.mul, ns.power = Value, add, mul, power
    ns.tanh, ns.exp, ns.relu, ns.backward = tanh, exp, relu, backward
    ns.backward_impl = make_backward(bug)
    return ns


def make_backward(bug: str | None = None):
    """A backward(root) function: correct, or with one of the traversal bugs."""

    def order_of(root, visited_check=True):
        order, seen, stack = [], set(), [(root, False)]
        while stack:  # iterative post-order depth-first search
            v, done = stack.pop()
            if done:
                order.append(v)
                continue
            if visited_check and id(v) in seen:
                continue
            seen.add(id(v))
            stack.append((v, True))
            for p in reversed(v._prev):
                stack.append((p, False))
        return order  # every node after all of its inputs

    def backward(root):
        if bug != "no_seed":
            root.grad = 1.0
        if bug == "depth_first":
            seen = set()

            def visit(v):
                if id(v) in seen:
                    return
                seen.add(id(v))
                v._backward()
                for p in v._prev:
                    visit(p)
            visit(root)
            return
        order = order_of(root, visited_check=bug != "no_visited")
        if bug != "forward_order":
            order = order[::-1]
        for v in order:
            v._backward()

    return backward
