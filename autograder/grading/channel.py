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

    wire = {"__name__": "autograder_wire"}
    exec(compile(wire_source, "<autograder wire>", "exec"), wire)
    encode, decode, NotData = wire["encode"], wire["decode"], wire["NotData"]
    user_ns = get_ipython().user_ns

    def message(exc):
        try:
            return str(exc)[:1000]
        except BaseException:
            return "(the message could not be read)"

    def look(names):
        found = {}
        for name in names:
            if name not in user_ns:
                found[name] = ("missing",)
                continue
            value = user_ns[name]
            if callable(value):
                found[name] = ("callable",)
                continue
            try:
                found[name] = ("value", encode(value))
            except NotData as exc:
                found[name] = ("notdata", str(exc))
        return found

    def driver(op, name, payload):
        try:
            if op == "look":
                import json
                return encode(look(json.loads(payload)))
            args, kwargs = decode(payload, refs="resolve")
            result = user_ns[name](*args, **kwargs)
            try:   # the arguments too: the judge sees what the function did to them
                after = encode((list(args), dict(kwargs)), refs=True)
            except NotData:
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
