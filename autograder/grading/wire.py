"""The data-only format of the judge's channel, used on both sides of it.

Only data crosses between the trusted judge and the student's kernel: exact
``numpy.ndarray`` (no subclass, no object dtype), NumPy scalars, ``None``,
``bool``, ``int``, ``float``, ``complex``, ``str`` and lists, tuples and dicts
of them. A payload is base64 text of: an 8-byte header length, a JSON tree
(each value tagged with its type) and the arrays it refers to, each written
by ``np.save(..., allow_pickle=False)``. Nothing is ever unpickled.

This file must stay self-contained (it imports only the standard library and
NumPy): the judge sends its source to the kernel, where it encodes results.
"""

import base64
import importlib
import io
import json

import numpy as np

MAX_BYTES = 32 * 1024 * 1024      # one payload, before base64
MAX_ITEMS = 200_000               # values in one payload (containers count)
MAX_DEPTH = 32
MAX_STR = 1_000_000               # characters in one string
REF_MODULES = ("numpy", "math")   # functions sent by reference: the kernel imports them


BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
#: Values of these types (and their subclasses) are data or are refused; never handles.
DATA_TYPES = (np.ndarray, np.generic, bool, int, float, complex, str, bytes, list, tuple,
              dict, np.random.Generator)
OTHER_TAGS = ("h", "k")          # a handle to a kernel object; a judge's callback


class NotData(ValueError):
    """A value that may not cross the channel (the message says why, in plain words)."""


def _reference(v):
    """(module, qualified name) of a function importable by that name, else None.

    Only the judge sends references (a check's own callbacks, e.g. np.sin); the
    kernel resolves them by importing. A reference never comes back as data."""
    if isinstance(v, np.ufunc):
        module: str | None = "numpy"
        name: str = v.__name__
    elif callable(v) and not isinstance(v, type) and isinstance(
            getattr(v, "__qualname__", None), str):
        module, name = getattr(v, "__module__", None), v.__qualname__
    else:
        return None
    if not module or not name or "<" in name or module.split(".")[0] not in REF_MODULES:
        return None
    try:
        found = importlib.import_module(module)
        for part in name.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return None
    return (module, name) if found is v else None


def _kind(value) -> str:
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}" if cls.__module__ != "builtins" \
        else cls.__qualname__


def _array_bytes(array) -> bytes:
    if array.dtype.hasobject:
        raise NotData("an array of Python objects (dtype=object) is not data the grader "
                      "reads; use numbers")
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


# C901 exceptions (encode, decode and their walkers): one branch per wire type; to be split
# into per-type functions once the concurrent grading/ work has landed.
def encode(value, refs: bool = False, other=None) -> str:  # noqa: C901 - see above
    """`value` as payload text; NotData if it is (or holds) anything but data.

    With `refs`, importable NumPy and math functions are sent as references
    (judge to kernel). `other(v)`, if given, is asked about any other value: it
    returns a node (a dict such as {"t": "h", "id": 3}) that stands for it, or None
    (then the value is refused). The two sides use it for handles and callbacks
    (:mod:`.remote`); no subclass of a data type is ever offered to it."""
    blobs = []
    count = [0, 0]   # items, bytes

    def tree(v, depth):  # noqa: C901 - one branch per wire type, see encode
        count[0] += 1
        if count[0] > MAX_ITEMS:
            raise NotData(f"more than {MAX_ITEMS} values in one result")
        if depth > MAX_DEPTH:
            raise NotData(f"containers nested more than {MAX_DEPTH} deep")
        cls = type(v)
        if v is None:
            return {"t": "n"}
        if cls is bool:
            return {"t": "b", "v": v}
        if cls is int:
            if abs(v).bit_length() > 4096:
                raise NotData("an integer with more than 4096 bits")
            return {"t": "i", "v": str(v)}
        if cls is float:
            return {"t": "f", "v": repr(v)}
        if cls is complex:
            return {"t": "c", "v": [repr(v.real), repr(v.imag)]}
        if cls is str:
            if len(v) > MAX_STR:
                raise NotData(f"a string of more than {MAX_STR} characters")
            return {"t": "s", "v": v}
        if cls is np.ndarray or (isinstance(v, np.generic) and cls.__module__ == "numpy"):
            data = _array_bytes(np.asarray(v) if cls is not np.ndarray else v)
            count[1] += len(data)
            if count[1] > MAX_BYTES:
                raise NotData(f"more than {MAX_BYTES // 2**20} MB of arrays in one result")
            blobs.append(data)
            return {"t": "a" if cls is np.ndarray else "g", "i": len(blobs) - 1}
        if cls is list or cls is tuple:
            return {"t": "l" if cls is list else "u", "v": [tree(x, depth + 1) for x in v]}
        if cls is dict:
            return {"t": "d", "k": [tree(k, depth + 1) for k in v],
                    "v": [tree(x, depth + 1) for x in v.values()]}
        if cls is np.random.Generator:
            return {"t": "r", "v": tree(v.bit_generator.state, depth + 1)}
        reference = _reference(v) if refs else None
        if reference is not None:
            return {"t": "x", "m": reference[0], "q": reference[1]}
        if other is not None and not isinstance(v, DATA_TYPES):
            node = other(v)
            if node is not None:
                return node
        if isinstance(v, np.ndarray):
            raise NotData(f"a subclass of numpy.ndarray ({_kind(v)}) is not a plain array; "
                          "return np.asarray(...) of it")
        raise NotData(f"a value of type {_kind(v)} is not data the grader can read (only "
                      "arrays, numbers, strings, None and lists, tuples or dicts of them)")

    header = json.dumps(tree(value, 0)).encode()
    body = b"".join([len(header).to_bytes(8, "little"), header,
                     b"".join(len(b).to_bytes(8, "little") + b for b in blobs)])
    if len(body) > MAX_BYTES:
        raise NotData(f"the result is more than {MAX_BYTES // 2**20} MB")
    return base64.b64encode(body).decode("ascii")


def decode(text: str, refs: str = "refuse", other=None):  # noqa: C901 - see encode
    """The value in payload `text`; NotData if it is malformed or too big.

    refs: what a function reference becomes: "refuse" (NotData), "resolve" (import
    it: the kernel's side only) or "skip" (None). `other(node)` turns the nodes
    that `encode`'s `other` made back into objects (NotData if it does not know one)."""
    if not isinstance(text, str) or len(text) > (MAX_BYTES * 4) // 3 + 16:
        raise NotData("the reply is not a payload or is too big")
    try:
        body = base64.b64decode(text.encode("ascii"), validate=True)
        size = int.from_bytes(body[:8], "little")
        header = json.loads(body[8:8 + size])
        blobs, at = [], 8 + size
        while at < len(body):
            n = int.from_bytes(body[at:at + 8], "little")
            blobs.append(body[at + 8:at + 8 + n])
            at += 8 + n
    except (ValueError, UnicodeError) as exc:
        raise NotData(f"the reply is malformed ({type(exc).__name__})") from None
    count = [0]

    def value(node, depth):  # noqa: C901 - one branch per wire type, see encode
        count[0] += 1
        if count[0] > MAX_ITEMS or depth > MAX_DEPTH or not isinstance(node, dict):
            raise NotData("the reply is malformed or too big")
        t = node.get("t")
        if t == "n":
            return None
        if t == "b":
            return bool(node["v"])
        if t == "i":
            return int(str(node["v"]))
        if t == "f":
            return float(str(node["v"]))
        if t == "c":
            return complex(float(str(node["v"][0])), float(str(node["v"][1])))
        if t == "s":
            return str(node["v"])
        if t in ("a", "g"):
            array = np.load(io.BytesIO(blobs[int(node["i"])]), allow_pickle=False)
            if type(array) is not np.ndarray or array.dtype.hasobject:
                raise NotData("the reply holds an array that is not plain data")
            return array[()] if t == "g" else array
        if t == "r":
            state = value(node["v"], depth + 1)
            if not isinstance(state, dict) or state.get("bit_generator") not in BIT_GENERATORS:
                raise NotData("the reply holds a random generator of an unknown kind")
            generator = np.random.Generator(getattr(np.random, state["bit_generator"])())
            generator.bit_generator.state = state
            return generator
        if t == "x":
            if refs == "skip":
                return None
            if refs != "resolve":
                raise NotData("a reply may not hold a function")
            found = importlib.import_module(str(node["m"]))
            for part in str(node["q"]).split("."):
                found = getattr(found, part)
            return found
        if t == "l":
            return [value(x, depth + 1) for x in node["v"]]
        if t == "u":
            return tuple(value(x, depth + 1) for x in node["v"])
        if t == "d":
            keys = [value(k, depth + 1) for k in node["k"]]
            return dict(zip(keys, [value(x, depth + 1) for x in node["v"]], strict=True))
        if t in OTHER_TAGS and other is not None:
            return other(node)
        raise NotData("the reply is malformed")

    try:
        return value(header, 0)
    except NotData:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise NotData(f"the reply is malformed ({type(exc).__name__})") from None
