"""The trusted judge: graded test cells run in the grading worker, never in the kernel.

The student's notebook runs in its sandboxed kernel to define its functions;
its test cells are not sent there. For each test cell (the instructor's
source, hidden tests included, as restored from the gradebook) the judge
evaluates the source here, in a namespace made of

- the notebook's trusted imports (numpy, math and the ``autograder.checks``
  objects that its locked cells import), and
- for every other name the cell uses, the student's kernel global of that
  name: a *proxy function* that sends its arguments to the kernel and gets
  the result back, or the value itself, fetched as data.

Only data crosses (:mod:`.wire`); a result that is not data fails the check
with the reason, an exception comes back as (type name, capped message). The
check's oracles, its hidden cases and its verdict never enter the kernel, so
nothing the student's code does there (replacing the check, its oracle, NumPy,
the display hook, ``session.send``) changes a verdict. The outputs of the
test cell are composed here: the check's success line, or its message; for a
hidden segment the message is capped and escaped.

Objects that are not data cross as numbers (:mod:`.remote`): the kernel's
objects (a class defined by a locked cell, such as the autograd ``Value``, and
what it makes) as handles the judge works on one request at a time, and the
check's own functions and objects (a gradient, a ``_backward`` closure, a small
model) as callbacks the kernel asks the judge to run. No test cell is ever run
in the kernel: a check that gives the learner's code a class or a module is not
judge-safe (:data:`NeedsKernel`), and the executor fails that cell, with an event.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import inspect
import io
import json
import linecache
import re
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
from nbformat import NotebookNode

from . import remote, wire
from .cells import error_output, split_hidden

PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)
#: Modules whose imports in locked cells the judge runs itself: the package's own code
#: (importing it installs nothing), never the submission's.
TRUSTED_MODULES = ("numpy", "math", "autograder")
HIDDEN_MESSAGE = "(its message is not shown for a hidden test)"
MESSAGE_CHARS = 300        # an exception message from the kernel, at most
HIDDEN_LINE_CHARS = 240    # one line of a hidden check's message, at most
HIDDEN_CHARS = 1200        # a hidden check's whole message, at most

#: A student exception of one of these names comes back as the real class, so the
#: checks' explanations (NotImplementedError: "not implemented yet", shape hints...)
#: work as in the kernel. Any other name becomes a plain Exception subclass.
_NUMPY_EXCEPTIONS = {"AxisError": np.exceptions.AxisError,
                     "LinAlgError": np.linalg.LinAlgError}


#: A check gave the learner's code something that can cross neither as data nor as a
#: callback: the check is not judge-safe (docs/checks.md says how to make it so).
NeedsKernel = remote.NotJudgeSafe


class KernelLost(KeyboardInterrupt):
    """The kernel died or stopped answering during a call."""


class CellOutOfTime(KeyboardInterrupt):
    """The cell used up its time limit."""


class CallTimeout(Exception):
    """Raised by a channel request that got no reply in time."""


class _Answer(Exception):  # noqa: N818 - a control-flow signal, not an error
    """The kernel answered a request made from inside a callback."""

    def __init__(self, payload: str):
        super().__init__("answer")
        self.payload = payload


# -- reading the notebook (statically) ----------------------------------------------
def _meta(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _python(source: str) -> str:
    """A cell's source as Python: line magics and shell lines become `pass`, and a
    cell magic (`%%capture`, `%%time`...) gives its body."""
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        lines = lines[1:]
    return "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line
                     for line in lines)


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(_python(source))
    except (SyntaxError, ValueError):
        return None


def is_trusted_module(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in TRUSTED_MODULES)


def trusted_imports(nb: NotebookNode) -> str:
    """The import statements of the locked (instructor) cells that load trusted modules."""
    found = []
    for cell in nb.cells:
        meta = _meta(cell)
        if cell.cell_type != "code" or not meta.get("locked") or meta.get("grade") \
                or meta.get("solution"):
            continue
        tree = _parse(cell.source)
        for node in tree.body if tree else []:
            if isinstance(node, ast.Import) and all(is_trusted_module(a.name)
                                                    for a in node.names):
                found.append(ast.unparse(node))
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                    and is_trusted_module(node.module):
                found.append(ast.unparse(node))
    return "\n".join(found)


def student_sources(nb: NotebookNode) -> dict[str, str]:
    """name -> the source of the last top-level statement that binds it, in the cells
    the student wrote (for the checks that read a function's source: loops).
    `f = g` follows g."""
    bound: dict[str, ast.stmt] = {}
    sources: dict[int, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or _meta(cell).get("grade") and \
                not _meta(cell).get("solution"):
            continue
        tree = _parse(cell.source)
        for node in tree.body if tree else []:
            sources[id(node)] = ast.get_source_segment(_python(cell.source), node) or ""
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound[node.name] = node
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        bound[target.id] = node
    result = {}
    for name in bound:
        node, seen = bound[name], {name}
        while isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) \
                and node.value.id in bound and node.value.id not in seen:
            seen.add(node.value.id)
            node = bound[node.value.id]
        result[name] = sources.get(id(node), "")
    return result


def _imported_names(statement: str) -> set[str]:
    node = ast.parse(statement).body[0]
    assert isinstance(node, (ast.Import, ast.ImportFrom)), statement
    return {(a.asname or a.name).split(".")[0] for a in node.names}


def free_names(source: str) -> list[str]:
    """Names the cell reads that it does not bind itself (in order of first use)."""
    tree = ast.parse(source)
    loaded, stored = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loaded.append(node.id)
            else:
                stored.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stored.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stored.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            stored.add(node.arg)
    return list(dict.fromkeys(n for n in loaded if n not in stored))


# -- what came back --------------------------------------------------------------------
_UNPRINTABLE = re.compile(r"[^\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd\n]")


def escape(text: str, limit: int) -> str:
    """`text` with control and odd characters escaped, cut to `limit` characters."""
    text = _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                            else f"\\u{ord(m.group()):04x}", str(text))
    return text if len(text) <= limit else text[:limit] + " [...]"


def exception_class(name: str) -> type[BaseException]:
    """The class to raise for a student exception named `name` (never SystemExit's
    real behaviour: it is raised as a plain exception the checks explain)."""
    found = getattr(builtins, name, None)
    if isinstance(found, type) and issubclass(found, Exception):
        return found
    if name in _NUMPY_EXCEPTIONS:
        return _NUMPY_EXCEPTIONS[name]
    if name == "SystemExit":
        return SystemExit
    safe = name if name.isidentifier() and len(name) <= 60 else "Exception"
    return type(safe, (Exception,), {"__module__": "submitted"})


# -- proxies -------------------------------------------------------------------------
def _signature(source: str, name: str) -> inspect.Signature | None:
    tree = _parse(source)
    node = tree.body[0] if tree and tree.body else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name != name:
        return None
    P = inspect.Parameter
    a = node.args
    positional = [(x, P.POSITIONAL_ONLY) for x in a.posonlyargs] + \
                 [(x, P.POSITIONAL_OR_KEYWORD) for x in a.args]
    first_default = len(positional) - len(a.defaults)
    params = [P(x.arg, kind, default=... if i >= first_default else P.empty)
              for i, (x, kind) in enumerate(positional)]
    if a.vararg:
        params.append(P(a.vararg.arg, P.VAR_POSITIONAL))
    params += [P(x.arg, P.KEYWORD_ONLY, default=P.empty if d is None else ...)
               for x, d in zip(a.kwonlyargs, a.kw_defaults, strict=True)]
    if a.kwarg:
        params.append(P(a.kwarg.arg, P.VAR_KEYWORD))
    try:
        return inspect.Signature(params)
    except ValueError:
        return None


def make_proxy(name: str, source: str, call: Callable[[tuple, dict], object]):
    """A function named `name` that runs the student's `name` in the kernel.

    Its source, for the checks that read it (inspect.getsource), is the
    student's own definition; its frames belong to this package, so the checks
    do not quote them as the student's code."""
    filename = f"{PACKAGE_DIR}/grading/<submitted {name}>"
    lines = (source + "\n").splitlines(keepends=True) if source else ["\n"]
    linecache.cache[filename] = (sum(map(len, lines)), None, lines, filename)
    namespace: dict[str, Any] = {"__judge_call__": call}
    exec(compile(f"def {name}(*args, **kwargs):\n    return __judge_call__(args, kwargs)\n",
                 filename, "exec"), namespace)
    proxy = namespace[name]
    signature = _signature(source, name)
    if signature is not None:
        proxy.__signature__ = signature
    return proxy


class Unreadable:
    """Stands for a kernel global that is not data (the check reports `reason`)."""

    def __init__(self, name: str, reason: str):
        self.name, self.reason = name, reason

    def __repr__(self) -> str:
        return f"<`{self.name}`: {self.reason}>"


# C901 exception: one branch per kind of container; to be split once the concurrent
# grading/ work has landed.
def _mirror(before, after) -> None:  # noqa: C901
    """Copy what the student's function did to its arguments onto ours (in place), so
    the checks see an input changed in place as they would in the kernel."""
    if type(before) is np.ndarray and type(after) is np.ndarray:
        if before.shape == after.shape and before.flags.writeable:
            try:
                np.copyto(before, after, casting="unsafe")
            except (TypeError, ValueError):
                pass
    elif type(before) is list and type(after) is list:
        if len(before) != len(after):
            before[:] = after
            return
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            if _mutable(b) and type(a) is type(b):
                _mirror(b, a)
            elif not isinstance(a, remote.RemoteObject | remote.RemoteClass):
                before[i] = a
    elif type(before) is dict and type(after) is dict:
        for key in list(before):
            if key not in after:
                del before[key]
        for key, value in after.items():
            if key in before and _mutable(before[key]):
                _mirror(before[key], value)
            elif not isinstance(value, remote.RemoteObject | remote.RemoteClass):
                before[key] = value
    elif type(before) is np.random.Generator and type(after) is np.random.Generator:
        before.bit_generator.state = after.bit_generator.state
    elif type(before) is tuple and type(after) is tuple:
        for b, a in zip(before, after, strict=False):
            _mirror(b, a)


def _mutable(value) -> bool:
    return type(value) in (np.ndarray, list, dict, np.random.Generator)


# -- judging a cell --------------------------------------------------------------------
Request = Callable[[str, str, str, float], str]   # (op, name, payload, timeout) -> payload
Event = tuple[str, str]   # ("reply", payload) from the shell, or ("prompt", text) from stdin


class Transport:
    """How the judge reaches the kernel's driver.

    start(op, name, payload, timeout) sends a request; answer(text, timeout)
    answers the kernel's pending input request. Both return the next event:
    ("reply", payload), the request's answer, or ("prompt", text), the kernel
    asking for input (a callback of the judge, or the student's own input())."""

    def start(self, op: str, name: str, payload: str, timeout: float) -> Event:
        raise NotImplementedError

    def answer(self, text: str, timeout: float) -> Event:
        raise NotImplementedError


class _PlainRequests(Transport):
    """A transport from a request function (no input requests: no callbacks)."""

    def __init__(self, request: Request):
        self.request = request

    def start(self, op, name, payload, timeout):
        return "reply", self.request(op, name, payload, timeout)

    def answer(self, text, timeout):
        raise RuntimeError("this channel cannot answer input requests")


class Judge:
    """Judges the test cells of one notebook; `transport` reaches the kernel's driver."""

    def __init__(self, nb: NotebookNode, transport: Transport | Request,
                 hidden_markers: tuple[str, str]):
        self.transport = transport if isinstance(transport, Transport) \
            else _PlainRequests(transport)
        self.markers = hidden_markers
        self.trusted: dict = {"__name__": "__judge__", "__builtins__": builtins}
        for statement in trusted_imports(nb).splitlines():
            try:
                exec(compile(statement, "<trusted imports>", "exec"), self.trusted)
            except Exception:  # noqa: BLE001 - not importable here: the names come from the kernel
                pass
        self.base = set(self.trusted)
        self.sources = student_sources(nb)
        self.deadline = float("inf")
        self.hidden = False
        self.student_text: list[str] = []   # exception messages seen in hidden calls
        self.remote = remote.Remote(self._exchange, self._reply)
        self.depth = 0               # callbacks of the judge running inside a kernel call
        self.abort: BaseException | None = None

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise CellOutOfTime()
        return left

    # -- the exchange, with callbacks ------------------------------------------------------
    def _exchange(self, op: str, name: str, payload: str) -> str:
        """One request to the driver: the payload of its answer."""
        try:
            return self._round(op, name, payload)
        except _Answer as answer:
            return answer.payload

    def _round(self, op: str, name: str, payload: str) -> str:
        """One request to the driver; the kernel's calls to our callbacks are served
        on the way (each may make requests of its own: one level deeper)."""
        try:
            if self.depth == 0:
                event = self.transport.start(op, name, payload, self.remaining())
            else:
                event = self.transport.answer(wire.encode(("request", op, name, payload)),
                                              self.remaining())
            while True:
                kind, text = event
                if kind == "reply":
                    if self.depth:
                        raise RuntimeError("the notebook answered out of turn")
                    if self.abort is not None:
                        raise self.abort
                    return text
                event = self.transport.answer(self._prompt(text), self.remaining())
        except CallTimeout:
            raise CellOutOfTime() from None

    def _prompt(self, text: str) -> str:
        """What to answer to the kernel's input request `text` (the answer to a request
        made from inside a callback is raised as _Answer)."""
        try:
            message = self.remote.decode(text)
        except wire.NotData:
            return ""                      # the student's own input(): an empty line
        if type(message) is tuple and len(message) == 2 and message[0] == "answer" \
                and self.depth and type(message[1]) is str:
            raise _Answer(message[1])
        if type(message) is not tuple or not message or \
                message[0] not in ("callback", "attr", "op"):
            return ""
        if self.abort is not None:
            return wire.encode(("raise", "RuntimeError", "the grader stopped this call"))
        self.depth += 1
        try:
            return self.remote.serve(message)
        except (KernelLost, CellOutOfTime, remote.NotJudgeSafe) as exc:
            self.abort = exc               # unwind the kernel first, then stop
            return wire.encode(("raise", "RuntimeError", "the grader stopped this call"))
        finally:
            self.depth -= 1

    def _ask(self, op: str, name: str, payload: str):
        return self.remote.decode(self._exchange(op, name, payload))

    def _call(self, name: str, args: tuple, kwargs: dict):
        try:
            payload = self.remote.encode((list(args), dict(kwargs)))
        except wire.NotData as exc:
            raise NeedsKernel(f"the check gives `{name}` something that is neither data nor "
                              f"a function ({exc})") from None
        return self._reply(self._exchange("call", name, payload), args, kwargs, name)

    def _reply(self, text: str, args, kwargs, name: str):
        """The result of a call from the driver's reply `text` (raises what it raised)."""
        try:
            reply = self.remote.decode(text)
        except wire.NotData as exc:
            raise RuntimeError(f"the notebook's answer could not be read: {exc}") from None
        kind = reply[0] if isinstance(reply, tuple) and reply else None
        if kind == "ok" and len(reply) == 3:
            _, result, after = reply
            try:
                new_args, new_kwargs = self.remote.decode(after) if after else (None, None)
            except (wire.NotData, TypeError, ValueError):
                new_args = new_kwargs = None
            if isinstance(new_args, list) and len(new_args) == len(args):
                for before, after in zip(args, new_args, strict=True):
                    _mirror(before, after)
            if isinstance(new_kwargs, dict):
                for key, before in kwargs.items():
                    if key in new_kwargs:
                        _mirror(before, new_kwargs[key])
            return result
        if kind == "notdata":
            why = "something that is not data" if self.hidden else \
                escape(str(reply[1]), MESSAGE_CHARS)
            raise TypeError(f"the grader could not read what `{name}` returned: {why}")
        if kind == "raised" and len(reply) == 3:
            cls = exception_class(str(reply[1]))
            message = escape(str(reply[2]), MESSAGE_CHARS)
            if self.hidden:   # the check may read it; the hidden feedback will not show it
                self.student_text.append(" ".join(message.split()))
            raise cls(message)
        raise RuntimeError(f"the notebook did not answer the grader's call to `{name}`")

    def _resolve(self, names: list[str]) -> dict:
        """The kernel's globals `names`, as proxies or data (missing ones left out)."""
        if not names:
            return {}
        try:
            found = self._ask("look", "", json.dumps(names))
        except wire.NotData as exc:
            raise RuntimeError(f"the notebook's answer could not be read: {exc}") from None
        if not isinstance(found, dict):
            raise RuntimeError("the notebook did not answer the grader's look-up")
        values = {}
        for name in names:
            entry = found.get(name)
            if not isinstance(entry, tuple) or not entry or entry[0] == "missing":
                continue
            if entry[0] == "callable":
                values[name] = make_proxy(name, self.sources.get(name, ""),
                                          partial(self._call, name))
            elif entry[0] == "value" and len(entry) == 2:
                try:
                    values[name] = self.remote.decode(entry[1])
                except wire.NotData as exc:
                    values[name] = Unreadable(name, str(exc))
            elif entry[0] == "notdata" and len(entry) == 2:
                values[name] = Unreadable(name, escape(str(entry[1]), MESSAGE_CHARS))
        return values

    def judge(self, cell: NotebookNode, seconds: float) -> tuple[list, list[int]]:
        """(outputs, indices of the hidden segment's outputs) for a test cell."""

        self.deadline = time.monotonic() + seconds
        outputs: list[dict] = []
        hidden_outputs: list[int] = []
        for hidden, source in split_hidden(cell.source, self.markers):
            before = len(outputs)
            failed = self._segment(source, hidden, outputs, error_output)
            if hidden:
                hidden_outputs += range(before, len(outputs))
            if failed:
                break
        return outputs, hidden_outputs

    def _segment(self, source: str, hidden: bool, outputs: list, error_output) -> bool:
        """Run one segment; append its outputs; True if it failed."""
        stdout = io.StringIO()
        error = None
        self.hidden = hidden
        try:
            code = compile(source, "<test cell>", "exec")
            wanted = [n for n in free_names(source) if n not in self.trusted
                      and (n in self.sources or not hasattr(builtins, n))]
            fetched = self._resolve(wanted)
            namespace = {**self.trusted, **fetched}
            try:
                with contextlib.redirect_stdout(stdout), \
                        contextlib.redirect_stderr(io.StringIO()):
                    exec(code, namespace)
            finally:   # what the trusted code bound stays for the next cells
                self.trusted.update({k: v for k, v in namespace.items()
                                     if k not in fetched or v is not fetched[k]})
        except (NeedsKernel, KernelLost, CellOutOfTime):
            raise
        except BaseException as exc:  # noqa: BLE001 - the cell's result, as in a kernel
            error = exc
        text = stdout.getvalue()
        if text:
            if hidden:
                text = escape(text, HIDDEN_CHARS)
            outputs.append(nbformat.v4.new_output("stream", name="stdout", text=text))
        if error is None:
            return False
        ename = type(error).__name__
        message = str(error)
        if hidden:
            lines = message.splitlines()
            first, rest = (lines[0] if lines else ""), " ".join(" ".join(lines[1:]).split())
            for text in sorted(set(self.student_text), key=len, reverse=True):
                if text.strip():
                    first = first.replace(text, HIDDEN_MESSAGE)
                    rest = rest.replace(text, HIDDEN_MESSAGE)
            message = escape(first, HIDDEN_LINE_CHARS) + ("\n    " + rest if rest else "")
            message = escape(message, HIDDEN_CHARS)
            self.student_text = []
        outputs.append(error_output(ename, message))
        return True
