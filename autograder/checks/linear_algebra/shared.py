"""What the linear-algebra checks share and the framework does not (yet) provide.

- :func:`builtins_used` / :class:`HandWrittenCheck` / :func:`require_hand_written`:
  exercises that ask the learner to write an algorithm themselves (products with
  loops, Gaussian elimination, power iteration) fail, with a diagnosis, a
  function whose own source calls the NumPy routine that does the work.
- :func:`attempt` and :func:`expect_raises`: a call that may legitimately raise
  (a singular matrix must give ValueError), with every other exception
  explained the way the framework explains it.
- Seeded test matrices with known structure: :func:`random_orthogonal`,
  :func:`symmetric_with_eigenvalues`, :func:`with_eigenvalues`.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import inspect
import io
import textwrap
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..core import Context, FunctionCheck
from ..learner import NOT_IMPLEMENTED_HINT, explain_exception, fn_name
from ..spec import Case, CheckFailure, Mistake

# -- hand-written algorithms ------------------------------------------------------------

PRODUCT_BUILTINS = ("@", "dot", "matmul", "einsum", "inner", "tensordot", "vdot")
SOLVERS = ("linalg.solve", "linalg.inv", "linalg.lstsq", "linalg.pinv", "linalg.tensorsolve")
EIGEN_SOLVERS = ("linalg.eig", "linalg.eigh", "linalg.eigvals", "linalg.eigvalsh",
                 "linalg.svd")


def _dotted(node: ast.AST) -> str:
    """'np.linalg.solve' for the expression np.linalg.solve; 'dot' for x[0].dot."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def builtins_used(fn: Callable, forbidden: Iterable[str]) -> list[str]:
    """Which of `forbidden` the source of `fn` uses, described for a message.

    forbidden holds "@" for the matrix-product operator, dotted tails such as
    "linalg.solve" (matching np.linalg.solve, numpy.linalg.solve, linalg.solve,
    also when not called), and plain names such as "dot" (matching a call of
    np.dot, a.dot or dot). Returns [] when the source is unavailable.
    """
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return []
    code = getattr(fn, "__code__", None)
    offset = code.co_firstlineno - 1 if code is not None else 0
    forbidden = set(forbidden)
    dotted = tuple(f for f in forbidden if "." in f)
    plain = {f for f in forbidden if "." not in f and f != "@"}
    found: list[str] = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0) + offset
        if isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.MatMult):
            if "@" in forbidden:
                found.append(f"the @ operator (line {line})")
        elif isinstance(node, ast.Attribute) and dotted:
            name = _dotted(node)
            if any(f".{name}".endswith(f".{tail}") for tail in dotted):
                found.append(f"{name} (line {line})")
        if isinstance(node, ast.Call) and plain:
            name = _dotted(node.func)
            if name and name.rsplit(".", 1)[-1] in plain:
                found.append(f"{name} (line {line})")
    return list(dict.fromkeys(found))


def require_hand_written(ctx: Context, fn: Callable, forbidden: Iterable[str],
                         mistake: Mistake) -> None:
    """Fail with `mistake` if the source of `fn` uses one of `forbidden`."""
    used = builtins_used(fn, forbidden)
    ctx.require(not used, "your results are right, but the exercise asks you to write the "
                "algorithm yourself", [f"your function uses {', '.join(used)}"],
                mistake=mistake)


class HandWrittenCheck(FunctionCheck):
    """A FunctionCheck that also fails a function whose source uses `forbidden` builtins.

    forbidden: see :func:`builtins_used`. builtin_mistake: the Mistake reported
    (give it an `example` that uses a forbidden builtin).
    """

    def __init__(self, name: str, oracle: Callable, cases, *, forbidden: Iterable[str],
                 builtin_mistake: Mistake, **options):
        super().__init__(name, oracle, cases, **options)
        self.forbidden = tuple(forbidden)
        self.builtin_mistake = builtin_mistake

    @property
    def known_mistakes(self) -> tuple[Mistake, ...]:
        return (*super().known_mistakes, self.builtin_mistake)

    def _run(self, fn: Any, ctx: Context) -> int:
        super()._run(fn, ctx)
        if callable(fn):
            require_hand_written(ctx, fn, self.forbidden, self.builtin_mistake)
        return ctx.passed


# -- calls that may raise ------------------------------------------------------------------

def require_callable(fn: Any) -> None:
    if not callable(fn):
        raise CheckFailure(
            "this check needs your function, but it was given "
            f"{type(fn).__name__ if fn is not None else 'None'}",
            hint="Pass the function itself, without calling it: check_f(f), not check_f(f()).")


def attempt(fn: Callable, case: Case) -> tuple[Any, tuple, dict, BaseException | None]:
    """Call fn on deep copies of the case: (result, args, kwargs, exception or None).

    NotImplementedError becomes the framework's "not implemented yet" failure.
    Anything written to stderr is discarded (nbgrader scores such a cell 0).
    """
    require_callable(fn)
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            return fn(*args, **kwargs), args, kwargs, None
    except NotImplementedError as exc:
        raise CheckFailure(f"you have not implemented `{fn_name(fn)}` yet"
                           + (f" ({exc})" if str(exc) else ""),
                           hint=NOT_IMPLEMENTED_HINT) from None
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - explained to the learner below
        return None, args, kwargs, exc


def explain(exc: BaseException, fn: Callable, case: Case, check_name: str, label: str,
            hidden: bool) -> CheckFailure:
    """The framework's explanation of an unexpected exception, under `label`."""
    failure = explain_exception(exc, fn, case, check_name)
    failure.exception_type = type(exc)
    drop = ("on:", "inputs:") if hidden else ("on:",)
    failure.details = [failure.summary] + [d for d in failure.details if not d.startswith(drop)]
    failure.summary = label
    return failure


def expect_raises(ctx: Context, fn: Callable, case: Case, label: str, *,
                  error: type[BaseException] = ValueError, words: Iterable[str] = (),
                  returned: Mistake | Callable[[Any], Mistake],
                  wrong_error: Mistake) -> None:
    """Require that fn(case) raises `error` whose message contains one of `words`.

    returned: the mistake when it returns instead of raising (or a function of
        the returned value that picks the mistake).
    wrong_error: the mistake when it raises another exception type.
    """
    result, _, _, exc = attempt(fn, case)
    if exc is None:
        shown = [] if ctx.hidden else [f"it returned {_short(result)}"]
        mistake = returned if isinstance(returned, Mistake) else returned(result)
        ctx.fail(label, [f"expected a {error.__name__}, but your function returned normally",
                         *shown], mistake=mistake)
    if not isinstance(exc, error):
        ctx.fail(label, [f"expected a {error.__name__}, but your function raised "
                         f"{type(exc).__name__}: {str(exc)[:120] or '(no message)'}"],
                 mistake=wrong_error)
    words = tuple(words)
    message = str(exc).lower()
    ctx.require(not words or any(w in message for w in words), label,
                [f"your function raised {error.__name__} (good), but its message "
                 f"{str(exc)!r} does not say why",
                 f"say that in the message, e.g. with the word {words[0]!r}" if words else ""],
                hint="A clear error names the problem: raise ValueError(\"matrix is singular\").")


def _short(value: Any) -> str:
    from ..describe import describe, preview
    return f"{describe(value)}: {preview(value, 80)}"


def unchanged(case: Case, args: tuple) -> bool:
    """True if the learner left every array argument as it was."""
    for before, after in zip(case.args, args, strict=True):
        if isinstance(before, np.ndarray):
            if not isinstance(after, np.ndarray) or before.shape != after.shape \
                    or not bool((before == after).all()):
                return False
    return True


# -- seeded matrices with known structure ---------------------------------------------------

def random_orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random n x n orthogonal matrix (QR of a Gaussian matrix, signs fixed)."""
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    return q * np.sign(np.diag(r))


def symmetric_with_eigenvalues(rng: np.random.Generator, eigenvalues) -> np.ndarray:
    """A symmetric matrix Q diag(eigenvalues) Q^T with a random orthogonal Q."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    q = random_orthogonal(rng, len(eigenvalues))
    s = (q * eigenvalues) @ q.T
    return (s + s.T) / 2


def with_eigenvalues(rng: np.random.Generator, eigenvalues) -> np.ndarray:
    """A non-symmetric matrix P diag(eigenvalues) P^-1 with a well-conditioned random P."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    n = len(eigenvalues)
    p = np.eye(n) + 0.5 * rng.normal(size=(n, n)) / np.sqrt(n)
    return np.linalg.solve(p.T, (p * eigenvalues).T).T


def relative_residual(a: np.ndarray, b: np.ndarray, scale: float) -> float:
    """max |a - b| / scale (scale 0 means 1)."""
    return float(np.abs(a - b).max(initial=0.0)) / (scale or 1.0)


def case_label(ctx: Context, i: int, n: int, case: Case) -> str:
    word = "hidden check" if ctx.hidden else "check"
    return f"{word} {i} of {n} failed: {case.label}"
