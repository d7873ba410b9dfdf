"""Check analytic gradients against central finite differences, tensor by tensor.

    report = gradient_check(loss, params, grads)
    print(report)            # one line per tensor: relative error, worst entry
    report.ok                # every tensor within tolerance

`loss()` takes no arguments and returns a float computed from the arrays in
`params` (a dict name -> ndarray). The checker nudges each entry of each array
in place by +-eps, calls `loss()` and restores the entry, so `loss` must read
the arrays themselves, not copies made beforehand. Use float64 parameters: in
float32 the rounding error of a finite difference swamps a 1e-5 tolerance.

The relative error of a tensor is  max|g - n| / max(max|g|, max|n|, tiny),
where g is the analytic and n the numerical gradient: 0 for a perfect match,
about 1 for an unrelated array, and robust to gradients that are mostly zero.

`expect_gradients(ctx, ...)` is the same comparison inside a check: it fails
with the parameter, the wrong entries and a diagnosis (a transposed gradient,
a wrong sign, a missing 1/N, a bias gradient not summed over the batch, a
gradient that is zero everywhere). A check can add its own known mistakes as
`variants`: buggy gradients that, when the learner's match them, name the mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .describe import fmt_index, fmt_number
from .spec import Mistake

DEFAULT_EPS = 1e-6
DEFAULT_TOL = 1e-5
_TINY = 1e-12
_SHOWN_ENTRIES = 4  # wrong entries listed by name in a report line


def numerical_gradient(loss: Callable[[], float], param: np.ndarray,
                       eps: float = DEFAULT_EPS) -> np.ndarray:
    """d loss / d param by central differences: (loss(p + eps) - loss(p - eps)) / (2 eps).

    param: an array that `loss` reads; it is changed entry by entry and restored.
    Returns an array shaped like `param` (float64).
    """
    grad = np.zeros(param.shape, dtype=np.float64)
    flat = param.reshape(-1)  # a view: writing to it writes to param
    if not np.shares_memory(flat, param) and param.size > 1:
        raise ValueError("param must be a contiguous array so it can be nudged in place")
    for i in range(flat.size):
        original = flat[i].copy()
        flat[i] = original + eps
        plus = float(loss())
        flat[i] = original - eps
        minus = float(loss())
        flat[i] = original
        grad.reshape(-1)[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """max|a - n| / max(max|a|, max|n|, tiny); 0 for equal arrays."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.size == 0:
        return 0.0
    scale = max(float(np.abs(a).max()), float(np.abs(n).max()), _TINY)
    return float(np.abs(a - n).max()) / scale


@dataclass
class TensorReport:
    """How one parameter's analytic gradient compares with the numerical one."""

    name: str
    shape: tuple
    rel_error: float
    worst_index: tuple = ()
    analytic_at_worst: float = 0.0
    numeric_at_worst: float = 0.0
    n_wrong: int = 0
    problem: str = ""          # a shape or type problem that prevented comparison
    tol: float = DEFAULT_TOL
    wrong_indices: tuple = ()  # every wrong entry's index, in row-major order

    @property
    def ok(self) -> bool:
        return not self.problem and self.rel_error <= self.tol

    def line(self) -> str:
        mark = "ok " if self.ok else "BAD"
        if self.problem:
            return f"{mark} {self.name:12s} {self.problem}"
        text = (f"{mark} {self.name:12s} shape {str(self.shape):14s} "
                f"relative error {self.rel_error:.2e}")
        if not self.ok:
            text += (f"; worst at {self.name}{fmt_index(self.worst_index)}: yours "
                     f"{fmt_number(self.analytic_at_worst)}, numerical "
                     f"{fmt_number(self.numeric_at_worst)} ({self.n_wrong} entries wrong)")
            where = self.wrong_entries()
            if where:
                text += f"; wrong: {where}"
        return text

    def wrong_entries(self) -> str:
        """Which entries are wrong, in words: 'every entry', 'row 2', or a list of indices."""
        wrong = self.wrong_indices
        size = int(np.prod(self.shape)) if self.shape else 1
        if not wrong or not self.shape:
            return ""
        if len(wrong) == size:
            return "every entry"
        if len(self.shape) == 2:
            rows, cols = self.shape
            for axis, word, count, other in ((0, "row", rows, cols), (1, "column", cols, rows)):
                lines = sorted({ix[axis] for ix in wrong})
                if len(lines) * other == len(wrong) and len(lines) < count:
                    shown = ", ".join(str(i) for i in lines[:_SHOWN_ENTRIES])
                    more = ", ..." if len(lines) > _SHOWN_ENTRIES else ""
                    return f"all of {word}{'s' if len(lines) > 1 else ''} {shown}{more}"
        shown = ", ".join(f"{self.name}{fmt_index(ix)}" for ix in wrong[:_SHOWN_ENTRIES])
        return shown + (f" and {len(wrong) - _SHOWN_ENTRIES} more"
                        if len(wrong) > _SHOWN_ENTRIES else "")


@dataclass
class GradReport:
    """Per-tensor results of a gradient check."""

    tensors: list[TensorReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tensors)

    @property
    def worst(self) -> TensorReport | None:
        bad = [t for t in self.tensors if not t.ok]
        return max(bad, key=lambda t: (bool(t.problem), t.rel_error)) if bad else None

    def __str__(self) -> str:
        return "\n".join(t.line() for t in self.tensors)


def compare_gradient(name: str, analytic, numeric: np.ndarray,
                     tol: float = DEFAULT_TOL) -> TensorReport:
    """Compare one analytic gradient with its numerical counterpart."""
    if analytic is None:
        return TensorReport(name, numeric.shape, np.inf, problem="no gradient (None)", tol=tol)
    a = np.asarray(analytic)
    if a.shape != numeric.shape:
        return TensorReport(name, numeric.shape, np.inf, tol=tol,
                            problem=f"gradient has shape {a.shape}, the parameter has "
                                    f"shape {numeric.shape}")
    a = a.astype(np.float64)
    err = relative_error(a, numeric)
    diff = np.abs(a - numeric)
    idx = np.unravel_index(int(diff.argmax()), diff.shape) if diff.size else ()
    scale = max(float(np.abs(a).max()) if a.size else 0.0,
                float(np.abs(numeric).max()) if numeric.size else 0.0, _TINY)
    wrong = ~(diff <= tol * scale)  # NaN counts as wrong
    wrong_indices = tuple(tuple(int(i) for i in ix) for ix in np.argwhere(wrong))
    return TensorReport(name, numeric.shape, err, tuple(int(i) for i in idx),
                        float(a[idx]) if a.size else 0.0,
                        float(numeric[idx]) if numeric.size else 0.0,
                        int(wrong.sum()), tol=tol, wrong_indices=wrong_indices)


def gradient_check(loss: Callable[[], float], params: Mapping[str, np.ndarray],
                   grads: Mapping[str, np.ndarray], *, eps: float = DEFAULT_EPS,
                   tol: float = DEFAULT_TOL) -> GradReport:
    """Compare `grads[name]` with the numerical gradient of `loss` for every name in params."""
    report = GradReport()
    for name, param in params.items():
        numeric = numerical_gradient(loss, param, eps)
        report.tensors.append(compare_gradient(name, grads.get(name), numeric, tol))
    return report


# -- diagnoses for a wrong gradient ---------------------------------------------------

def _ratio(analytic: np.ndarray, numeric: np.ndarray) -> float | None:
    """k if analytic == k * numeric everywhere (within 1e-6), else None."""
    big = np.abs(numeric) > 1e-9 * (np.abs(numeric).max() + _TINY)
    if not big.any():
        return None
    r = analytic[big] / numeric[big]
    k = float(r.mean())
    if abs(k) < _TINY or float(np.abs(r - k).max()) > 1e-6 * abs(k):
        return None
    if float(np.abs(analytic[~big]).max(initial=0.0)) > 1e-6 * abs(k) * np.abs(numeric).max():
        return None
    return k


GRAD_WRONG_SIGN = Mistake(
    "a gradient with the wrong sign",
    "Your gradient points exactly the opposite way: every entry has the right size and the "
    "wrong sign. Gradient descent with it would climb the loss instead of descending.",
    "Look for a subtraction written the wrong way round, e.g. (y - target) vs (target - y).",
    example="a gradient multiplied by -1")
GRAD_TRANSPOSED = Mistake(
    "a transposed weight gradient",
    "Your gradient holds the right numbers laid out transposed. For y = x @ W the gradient "
    "of W is x.T @ dy, with shape (d_in, d_out) like W itself.",
    "Check the order of the matrix product and its transposes against the shape of W.",
    example="a transposed gradient")
GRAD_SCALED = Mistake(
    "a gradient off by a constant factor",
    "Every entry of your gradient is the right one times the same constant. The most common "
    "cause is the 1/N of a mean loss (forgotten, or applied twice); a factor of 2 often "
    "comes from the derivative of a square.",
    "Compare the factor reported above with your batch size and with the constants in "
    "the loss.",
    example="a gradient times N")
GRAD_BIAS_NOT_SUMMED = Mistake(
    "bias gradient not summed over the batch",
    "Your bias gradient has one row per example. The bias is shared by every example in the "
    "batch, so its gradient is the sum of their contributions.",
    "Sum over the batch axis: db = dy.sum(axis=0).",
    example="a per-example bias gradient")

GRAD_ALL_ZERO = Mistake(
    "a gradient that is zero everywhere",
    "Every entry of your gradient is 0, but the loss does change when this parameter "
    "changes. The backward pass never reached it: the gradient was created with zeros and "
    "never filled in, or it was overwritten, or the upstream gradient was never set.",
    "Follow the gradient backwards from the loss, step by step, and print where it first "
    "becomes 0.",
    example="a gradient of zeros")

GRADIENT_MISTAKES = (GRAD_WRONG_SIGN, GRAD_TRANSPOSED, GRAD_SCALED, GRAD_BIAS_NOT_SUMMED)
# Named by diagnose_gradient too; kept out of GRADIENT_MISTAKES so that code which
# registers that tuple keeps the same list of mistakes.
MORE_GRADIENT_MISTAKES = (GRAD_ALL_ZERO,)


def diagnose_gradient(analytic, numeric: np.ndarray, batch_size: int | None = None
                      ) -> tuple[Mistake | None, str]:
    """(the mistake a wrong gradient looks like, an extra detail line) or (None, '')."""
    if analytic is None:
        return None, ""
    try:
        a = np.asarray(analytic, dtype=np.float64)
    except (TypeError, ValueError):
        return None, ""
    if a.shape == numeric.shape and a.size and not np.any(a) \
            and np.abs(numeric).max() > 1e-7:
        return GRAD_ALL_ZERO, ""
    if a.ndim == numeric.ndim + 1 and a.shape[1:] == numeric.shape:
        if relative_error(a.sum(axis=0), numeric) < 1e-4:
            return (GRAD_BIAS_NOT_SUMMED,
                    f"your gradient has shape {a.shape}; summing axis 0 fixes it")
        return None, ""
    if a.ndim == 2 and a.shape == numeric.shape[::-1] and a.shape != numeric.shape:
        if relative_error(a.T, numeric) < 1e-4:
            return GRAD_TRANSPOSED, ""
        return None, ""
    if a.shape != numeric.shape:
        return None, ""
    if a.ndim == 2 and a.shape[0] == a.shape[1] and relative_error(a.T, numeric) < 1e-4 \
            and relative_error(a, numeric) > 1e-3:
        return GRAD_TRANSPOSED, ""
    k = _ratio(a, numeric)
    if k is not None and abs(k + 1) < 1e-4:
        return GRAD_WRONG_SIGN, ""
    if k is not None and abs(k - 1) > 1e-4:
        detail = f"your gradient / numerical gradient = {fmt_number(k)}"
        if batch_size and (abs(k - batch_size) < 1e-3 * batch_size
                           or abs(k * batch_size - 1) < 1e-3):
            detail += f" (the batch size is {batch_size}: look at the 1/N of the mean)"
        return GRAD_SCALED, detail
    return None, ""


Variants = Iterable[tuple[Mistake, Any]]
# A composite gradient's tensors in the order the backward pass computes them, each with
# what a wrong gradient there (while every earlier one is right) points to.
BackwardOrder = Sequence[tuple[str, str]]


def first_wrong_in_order(report: GradReport, order: BackwardOrder
                         ) -> tuple[TensorReport, str, list[str]] | None:
    """(the first wrong tensor in `order`, what it points to, the right ones before it).

    Tensors of the report that `order` does not list are ignored; None if every
    listed tensor is right.
    """
    by_name = {t.name: t for t in report.tensors}
    right: list[str] = []
    for name, points_to in order:
        tensor = by_name.get(name)
        if tensor is None:
            continue
        if not tensor.ok:
            return tensor, points_to, right
        right.append(name)
    return None


def backward_order_detail(report: GradReport, order: BackwardOrder) -> str:
    """One sentence: which gradient goes wrong first going back from the loss, and why."""
    found = first_wrong_in_order(report, order)
    if found is None:
        return ""
    tensor, points_to, right = found
    if right:
        before = (f"the {len(right)} computed before it ({_names(right)}) are right, so the "
                  "mistake is in the step that produces it")
    else:
        before = "it is the first one the backward pass computes"
    return (f"Going backwards from the loss, the first gradient that is wrong is "
            f"`{tensor.name}` ({before}). That points to {points_to}.")


def _names(names: list[str]) -> str:
    shown = ", ".join(f"`{n}`" for n in names[-3:])
    return ("..., " if len(names) > 3 else "") + shown


def expect_gradients(ctx, loss: Callable[[], float], params: Mapping[str, np.ndarray],
                     grads: Mapping[str, np.ndarray], *, label: str,
                     eps: float = DEFAULT_EPS, tol: float = DEFAULT_TOL,
                     batch_size: int | None = None, variants: Variants = (),
                     backward_order: BackwardOrder = ()) -> GradReport:
    """Inside a check: fail unless every gradient matches finite differences.

    ctx: the check's Context. The failure names the worst parameter and its wrong
    entries, lists every parameter's relative error, and diagnoses the classic
    gradient mistakes.
    grads: the learner's gradients, name -> array shaped like params[name].
    variants: a check's own known mistakes, as pairs (mistake, buggy gradients):
        the buggy gradients are a dict name -> array, or a function
        numerical_gradients -> dict. When the learner's gradients match every
        array of one of them (and the right gradients do not), that mistake is named.
    backward_order: for a composite gradient (a block, a whole model), the tensors
        in the order the backward pass computes them, each with what it points to
        when it is the first one wrong; the failure then says which one that is.
    """
    if not isinstance(grads, Mapping):
        ctx.fail(label, [f"the gradients should be a dict with the keys "
                         f"{', '.join(map(repr, params))}, not a {type(grads).__name__}"],
                 hint="Return a dict that maps each parameter's name to its gradient.")
    report = GradReport()
    numerics = {}
    for name, param in params.items():
        numerics[name] = numerical_gradient(loss, param, eps)
        report.tensors.append(compare_gradient(name, grads.get(name), numerics[name], tol))
    worst = report.worst
    if worst is None:
        ctx.passed += 1
        return report
    mistake = _matching_variant(grads, numerics, variants, tol)
    detail = ""
    if mistake is None:
        mistake, detail = diagnose_gradient(grads.get(worst.name), numerics[worst.name],
                                            batch_size)
    order_detail = backward_order_detail(report, backward_order)
    details = [f"the gradient of `{worst.name}` does not match finite differences "
               f"(relative error tolerance {tol:g}):", *report.__str__().splitlines()]
    if order_detail:
        details.insert(0, order_detail)
    if detail:
        details.append(detail)
    ctx.fail(label, details, mistake=mistake,
             hint=None if mistake else "Check each step of the backward pass on its own: "
             "derive the local gradient on paper for a 1x1 case, then the shapes.")
    return report


def _matching_variant(grads: Mapping, numerics: dict[str, np.ndarray], variants: Variants,
                      tol: float) -> Mistake | None:
    """The first variant whose buggy gradients the learner's gradients match."""
    for mistake, buggy in variants:
        try:
            buggy = buggy(numerics) if callable(buggy) else buggy
            if all(_close(grads.get(name), g, tol) for name, g in buggy.items()) and \
                    not all(_close(numerics[name], g, tol) for name, g in buggy.items()):
                return mistake
        except Exception:  # a variant that cannot be computed never matches
            continue
    return None


def _close(got, expected, tol: float) -> bool:
    if got is None:
        return False
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return got.shape == expected.shape and relative_error(got, expected) <= tol
