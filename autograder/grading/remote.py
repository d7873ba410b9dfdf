"""The judge's side of objects that are not data: kernel handles and judge callbacks.

Some checks cannot be written as "call the learner's function on arrays and
compare": the autograd checks build graphs of the learner's own ``Value``
objects, read their ``.data`` and ``.grad`` and call their ``_backward``; the
gradient-descent checks pass a gradient *function*. Such objects never cross
the channel. Instead:

- an object of the kernel that is not data comes to the judge as a **handle**
  (an integer) and is seen here as a proxy (:class:`RemoteObject`, or a proxy
  class for a kernel class). Everything the check does with it (read or set an
  attribute, call it, take its length, iterate it, index it, ask
  ``isinstance``, apply + - * / **) is one request to the kernel, whose answer
  is data or another handle. No dunder attribute is ever read remotely (NumPy's
  ``__array_interface__`` could otherwise point the judge at any memory); a
  handle is never unpickled, introspected or executed here;
- a function of the judge given to learner code (a gradient, a check's own
  ``_backward`` closure) crosses as a **callback** number. When the kernel
  calls it, the kernel asks over the stdin channel (``input_request``), the
  judge runs the function here on the data (and handles) it was given and
  answers with the result. The kernel can call a callback, never read it.

So the whole check, its oracle, its cases and its verdict stay in the judge,
and the kernel only ever answers with data: a point is earned by producing the
right data for inputs first seen at grading time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import wire

#: request(op, name, payload) -> reply payload: one exchange with the kernel's driver.
Exchange = Callable[[str, str, str], str]

_BINARY = ("add", "sub", "mul", "truediv", "pow", "matmul", "floordiv", "mod")


class RemoteError(Exception):
    """The kernel's answer to a request on a handle (already explained for the check)."""


def _handle(proxy) -> int:
    return object.__getattribute__(proxy, "_h") if isinstance(proxy, RemoteObject) \
        else type.__getattribute__(proxy, "_h")


def _remote(proxy) -> Remote:
    return object.__getattribute__(proxy, "_remote") if isinstance(proxy, RemoteObject) \
        else type.__getattribute__(proxy, "_remote")


class RemoteObject:
    """An object that lives in the student's kernel, seen from the judge."""

    __slots__ = ("_h", "_remote")

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _remote(self).act(self, "getattr", name)

    def __setattr__(self, name: str, value) -> None:
        if name in RemoteObject.__slots__:
            object.__setattr__(self, name, value)
        else:
            _remote(self).act(self, "setattr", name, value)

    def __delattr__(self, name: str) -> None:
        _remote(self).act(self, "delattr", name)

    def __len__(self) -> int:
        n = _remote(self).act(self, "len")
        if type(n) is not int or n < 0:
            raise TypeError("the kernel's len() was not a non-negative integer")
        return n

    def __iter__(self):
        items = _remote(self).act(self, "iter")
        if type(items) is not list:
            raise TypeError("the kernel's iteration did not give a list")
        return iter(items)

    def __getitem__(self, key):
        return _remote(self).act(self, "getitem", key)

    def __setitem__(self, key, value) -> None:
        _remote(self).act(self, "setitem", key, value)

    def __contains__(self, item) -> bool:
        return _remote(self).act(self, "contains", item) is True

    def __bool__(self) -> bool:
        answer = _remote(self).act(self, "bool")
        if type(answer) is not bool:
            raise TypeError("the kernel's bool() was not True or False")
        return answer

    def __neg__(self):
        return _remote(self).act(self, "neg")

    def __deepcopy__(self, memo):
        return _remote(self).act(self, "deepcopy")

    def __copy__(self):
        return _remote(self).act(self, "copy")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object in the notebook>"


def _binary(op: str, reflected: bool):
    def method(self, other):
        return _remote(self).act(self, "rbinop" if reflected else "binop", op, other)
    method.__name__ = f"__{'r' if reflected else ''}{op}__"
    return method


for _op in _BINARY:
    setattr(RemoteObject, f"__{_op}__", _binary(_op, False))
    setattr(RemoteObject, f"__r{_op}__", _binary(_op, True))


class RemoteCallable(RemoteObject):
    """A kernel object that can be called (a function, a bound method...)."""

    __slots__ = ()

    def __call__(self, *args, **kwargs):
        return _remote(self).act(self, "call", list(args), dict(kwargs))


class RemoteClass(type):
    """Metaclass of the proxies for classes of the kernel: calling one makes a kernel
    instance; ``isinstance(x, Value)`` asks the kernel."""

    def __call__(cls, *args, **kwargs):
        return _remote(cls).act(cls, "call", list(args), dict(kwargs))

    def __instancecheck__(cls, obj) -> bool:
        if not isinstance(obj, RemoteObject) or _remote(obj) is not _remote(cls):
            return False
        return _remote(cls).act(cls, "isinstance", obj) is True

    def __subclasscheck__(cls, other) -> bool:
        return other is cls

    def __getattr__(cls, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _remote(cls).act(cls, "getattr", name)

    def __repr__(cls) -> str:
        return f"<class {cls.__name__} in the notebook>"


class Remote:
    """The handles and callbacks of one kernel, and how to encode and decode with them."""

    def __init__(self, exchange: Exchange, on_reply: Callable[..., object]):
        self.exchange = exchange
        self.on_reply = on_reply   # (reply payload, args, kwargs, label) -> result, or raises
        self.proxies: dict[int, object] = {}
        self.callbacks: dict[int, Callable] = {}
        self._callback_ids: dict[int, int] = {}
        self._kinds: dict[tuple[str, bool], type] = {}

    # -- judge -> kernel ---------------------------------------------------------------
    def encode(self, value) -> str:
        return wire.encode(value, refs=True, other=self._out)

    def _out(self, value):
        if isinstance(value, (RemoteObject, RemoteClass)) and _remote(value) is self:
            return {"t": "h", "id": _handle(value)}
        if not isinstance(value, type | type(wire)):   # no class, no module
            key = id(value)
            if key not in self._callback_ids:
                self._callback_ids[key] = len(self.callbacks) + 1
                self.callbacks[len(self.callbacks) + 1] = value
            return {"t": "k", "id": self._callback_ids[key]}
        return None

    # -- kernel -> judge ---------------------------------------------------------------
    def decode(self, text: str):
        return wire.decode(text, other=self._in)

    def _in(self, node: dict):
        if node.get("t") == "k":   # one of our callbacks, given back
            number = node.get("id")
            fn = self.callbacks.get(number) if type(number) is int else None
            if fn is None:
                raise wire.NotData("the notebook may not send a function, only data")
            return fn
        n = int(node["id"])
        if n in self.proxies:
            return self.proxies[n]
        kind = str(node.get("kind", "object"))
        kind = kind if kind.isidentifier() and len(kind) <= 60 else "object"
        if node.get("cls"):
            proxy = RemoteClass(kind, (), {"_h": n, "_remote": self,
                                           "__module__": "notebook"})
        else:
            base = RemoteCallable if node.get("call") else RemoteObject
            cls = self._kinds.get((kind, base is RemoteCallable))
            if cls is None:
                cls = type(kind, (base,), {"__slots__": (), "__module__": "notebook"})
                self._kinds[(kind, base is RemoteCallable)] = cls
            proxy = object.__new__(cls)
            object.__setattr__(proxy, "_h", n)
            object.__setattr__(proxy, "_remote", self)
        self.proxies[n] = proxy
        return proxy

    def act(self, proxy, action: str, *args):
        """Do `action` on the kernel object behind `proxy`; the result (data or proxy)."""
        try:
            payload = self.encode((proxy, action, list(args)))
        except wire.NotData as exc:
            raise NotJudgeSafe(f"the check gives the notebook's `{type(proxy).__name__}` "
                               f"something that is neither data nor a function ({exc})") \
                from None
        label = f"{type(proxy).__name__}" + (f".{args[0]}" if action == "getattr" else "")
        if action == "call":
            return self.on_reply(self.exchange("obj", "", payload), args[0], args[1], label)
        return self.on_reply(self.exchange("obj", "", payload), [], {}, label)

    # -- callbacks -----------------------------------------------------------------------
    def run_callback(self, number: object, args: object, kwargs: object):
        """Run the judge's callback `number` as the kernel asked; the reply to send."""
        fn = self.callbacks.get(number) if type(number) is int else None
        if fn is None or type(args) is not list or type(kwargs) is not dict:
            return self.encode(("raise", "RuntimeError", "the grader has no such function"))
        return self._answer(lambda: fn(*args, **kwargs))

    def serve(self, message: tuple):
        """The reply to the kernel's request `message` about one of our objects:
        ("callback", n, args, kwargs), ("attr", n, name) or ("op", n, action, args)."""
        kind = message[0] if message else None
        if kind == "callback" and len(message) == 4:
            return self.run_callback(*message[1:])
        target: Any = self.callbacks.get(message[1]) if len(message) > 1 and \
            type(message[1]) is int else None
        if target is None:
            return self.encode(("raise", "RuntimeError", "the grader has no such object"))
        if kind == "attr" and len(message) == 3 and type(message[2]) is str:
            name = message[2]
            if name.startswith("__"):
                return wire.encode(("raise", "AttributeError", name))
            return self._answer(lambda: getattr(target, name))
        if kind == "op" and len(message) == 4 and type(message[3]) is list:
            action, args = message[2], message[3]
            if action == "len":
                return self._answer(lambda: len(target))
            if action == "iter":
                return self._answer(lambda: list(target))
            if action == "getitem" and len(args) == 1:
                return self._answer(lambda: target[args[0]])
        return self.encode(("raise", "RuntimeError", "the grader cannot do that"))

    def _answer(self, compute: Callable[[], object]) -> str:
        try:
            result = compute()
        except Exception as exc:  # noqa: BLE001 - the learner's code sees it raised
            return wire.encode(("raise", type(exc).__name__[:60], str(exc)[:300]))
        try:
            return self.encode(("return", result))
        except wire.NotData as exc:
            return wire.encode(("raise", "TypeError",
                                f"the grader's function returned something that is not data "
                                f"({exc})"))


class NotJudgeSafe(KeyboardInterrupt):
    """A check gave the learner's code something that cannot cross to the kernel.

    A KeyboardInterrupt, so that no check's ``except Exception`` swallows it."""
