"""The judge's channel into the kernel: a small driver inside, user expressions across.

At set-up the grader installs a *driver* in the kernel (before any student
code runs): a function, reachable from builtins under a random name, that
looks up the kernel's globals and calls the student's functions on data
decoded with :mod:`.wire`, then encodes what came back. Each request is one
silent execute_request whose single user expression calls the driver; the
reply's text is a payload, decoded by the judge with the same format.

The student may replace the driver: that is fine. All it can do is answer
with data, and a point is earned only by the right data for inputs the
kernel first sees at grading time. Nothing in a reply is ever executed or
unpickled; a reply that is not a well-formed payload is a failed call.
"""

from __future__ import annotations

import ast
from pathlib import Path

WIRE_SOURCE = (Path(__file__).with_name("wire.py")).read_text(encoding="utf-8")
MAX_REPLY_CHARS = 48 * 1024 * 1024

_DRIVER_SOURCE = r'''
def _autograder_install_driver(token, wire_source):
    import builtins
    import copy
    import itertools
    import operator
    import types

    wire = {"__name__": "autograder_wire"}
    exec(compile(wire_source, "<autograder wire>", "exec"), wire)
    encode_, decode_, NotData = wire["encode"], wire["decode"], wire["NotData"]
    max_items = wire["MAX_ITEMS"]
    shell = get_ipython()
    user_ns = shell.user_ns
    objects, numbers, stubs = {}, {}, {}   # handle -> object; id -> handle; id -> callback
    binary = {name: getattr(operator, name) for name in
              ("add", "sub", "mul", "truediv", "pow", "matmul", "floordiv", "mod")}

    def other(v):
        if id(v) in stubs:
            return {"t": "k", "id": stubs[id(v)][0]}
        if id(v) not in numbers:
            numbers[id(v)] = len(objects) + 1
            objects[len(objects) + 1] = v
        try:
            kind = str(type(v).__name__)[:60]
        except BaseException:
            kind = "object"
        return {"t": "h", "id": numbers[id(v)], "kind": kind, "call": callable(v),
                "cls": isinstance(v, type)}

    def resolve(node):
        n = node.get("id")
        if node.get("t") == "h":
            if n not in objects:
                raise NotData("an unknown handle")
            return objects[n]
        return stub(n)

    def encode(v):
        return encode_(v, False, other)

    def decode(text):
        return decode_(text, "resolve", resolve)

    def message(exc):
        try:
            return str(exc)[:1000]
        except BaseException:
            return "(the message could not be read)"

    def ask(message):   # the judge answers over stdin; it may ask things back first
        prompt = encode(message)
        while True:
            answer = decode(shell.kernel.raw_input(prompt))
            if answer[0] == "return":
                return answer[1]
            if answer[0] == "raise":
                found = getattr(builtins, str(answer[1]), None)
                cls = found if isinstance(found, type) and issubclass(found, Exception) \
                    else RuntimeError
                raise cls(str(answer[2]))
            prompt = encode(("answer", driver(answer[1], answer[2], answer[3])))

    class GradersObject:
        """A function or object of the grader's: used here, it stays there."""

        __slots__ = ("_number", "__weakref__")

        def __init__(self, number):
            object.__setattr__(self, "_number", number)

        def __call__(self, *args, **kwargs):
            return ask(("callback", self._number, list(args), dict(kwargs)))

        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return ask(("attr", self._number, name))

        def __len__(self):
            return ask(("op", self._number, "len", []))

        def __iter__(self):
            return iter(ask(("op", self._number, "iter", [])))

        def __getitem__(self, key):
            return ask(("op", self._number, "getitem", [key]))

        def __repr__(self):
            return "<the grader's object>"

    def stub(number):
        for n, fn in stubs.values():
            if n == number:
                return fn
        made = GradersObject(number)
        stubs[id(made)] = (number, made)
        return made

    def look(names):
        found = {}
        for name in names:
            if name not in user_ns:
                found[name] = ("missing",)
                continue
            value = user_ns[name]
            if type(value) is types.FunctionType:
                found[name] = ("callable",)
                continue
            try:
                found[name] = ("value", encode(value))
            except NotData as exc:
                found[name] = ("notdata", str(exc))
        return found

    def act(target, action, args):
        if action == "getattr":
            return getattr(target, str(args[0]))
        if action == "setattr":
            return setattr(target, str(args[0]), args[1])
        if action == "delattr":
            return delattr(target, str(args[0]))
        if action == "call":
            return target(*args[0], **args[1])
        if action == "len":
            return len(target)
        if action == "iter":
            items = list(itertools.islice(iter(target), max_items + 1))
            if len(items) > max_items:
                raise ValueError("too many items to iterate")
            return items
        if action == "getitem":
            return target[args[0]]
        if action == "setitem":
            target[args[0]] = args[1]
            return None
        if action == "contains":
            return args[0] in target
        if action == "bool":
            return bool(target)
        if action == "isinstance":
            return isinstance(args[0], target)
        if action == "neg":
            return -target
        if action == "copy":
            return copy.copy(target)
        if action == "deepcopy":
            return copy.deepcopy(target)
        if action == "binop":
            return binary[str(args[0])](target, args[1])
        if action == "rbinop":
            return binary[str(args[0])](args[1], target)
        raise ValueError("an unknown request")

    def driver(op, name, payload):
        try:
            if op == "look":
                import json
                return encode(look(json.loads(payload)))
            if op == "obj":
                target, action, args = decode(payload)
                result = act(target, str(action), args)
                call = args if action == "call" else [[], {}]
            else:
                call = decode(payload)
                result = user_ns[name](*call[0], **call[1])
            try:   # the arguments too: the judge sees what the function did to them
                after = encode((list(call[0]), dict(call[1])))
            except NotData:
                after = ""
            if len(after) > wire["MAX_STR"]:   # too big to echo (a change goes unseen)
                after = ""
            try:
                return encode(("ok", result, after))
            except NotData as exc:
                return encode(("notdata", str(exc)))
        except BaseException as exc:
            try:
                kind = type(exc).__name__
            except BaseException:
                kind = "Exception"
            return encode(("raised", str(kind)[:100], message(exc)))

    setattr(builtins, "_autograder_driver_" + token, driver)
'''


def driver_code(token: str) -> str:
    """Trusted set-up code that installs the driver (run silently, before the notebook)."""
    return (_DRIVER_SOURCE + f"\n_autograder_install_driver({token!r}, {WIRE_SOURCE!r})\n"
            "del _autograder_install_driver\n")


def request_expression(token: str, op: str, name: str, payload: str) -> str:
    """The user expression that asks the driver for one thing."""
    return f"_autograder_driver_{token}({op!r}, {name!r}, {payload!r})"


def reply_payload(reply: dict | None) -> str:
    """The payload text in an execute_reply to a request (ValueError if there is none)."""
    if reply is None:
        raise ValueError("no reply")
    result = reply.get("content", {}).get("user_expressions", {}).get("r", {})
    if result.get("status") != "ok":
        raise ValueError(f"the request failed in the kernel ({result.get('ename', 'no reply')})")
    text = result.get("data", {}).get("text/plain", "")
    if not isinstance(text, str) or len(text) > MAX_REPLY_CHARS:
        raise ValueError("the reply is too big")
    value = ast.literal_eval(text)
    if not isinstance(value, str):
        raise ValueError("the reply is not a payload")
    return value
