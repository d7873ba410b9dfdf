"""A FunctionCheck that also holds infinities and NaN to account.

Probability code returns infinities on purpose: log(0) = -inf for an impossible
observation, an infinite loss for a true label given probability 0, an infinite
KL divergence when q rules out what p allows. The shared `compare` (version of
the foundation commit) accepts *any* finite answer where +-inf is expected,
because its tolerance atol + rtol * |expected| is itself infinite, and it
reports two scalar NaNs as different. Both would make these checks wrong:
a learner who clips probabilities to 1e-12 would pass, and a NaN mistake on a
scalar result could not be diagnosed.

This subclass fixes both locally, without touching the framework:

- after the usual comparison, every case whose expected value holds an
  infinity is checked for the same infinities in the same places;
- a mistake's variant matches the learner only if their infinities agree, and
  two scalar NaNs count as equal (as two NaN array entries already do).

The proposed framework fix is in the stage-03 closing note; once `compare`
treats non-finite expectations strictly, this module can go.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from .. import core
from ..learner import describe_inputs
from ..spec import Case, Mistake


def _is_scalar(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _is_nan(x) -> bool:
    return _is_scalar(x) and x != x


def infinity_problem(expected, got, path: str = "your result") -> str | None:
    """Why `got` does not have the infinities of `expected`, or None if it does.

    Only the entries where `expected` is +-inf are examined (and values must be
    comparable there: same type of container, same shape); everything else is
    left to the ordinary comparison.
    """
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return None
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            problem = infinity_problem(e, g, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if _is_scalar(expected):
        if math.isinf(expected) and (not _is_scalar(got) or got != expected):
            shown = got if _is_scalar(got) else type(got).__name__
            return f"{path} should be {expected} (exactly), but it is {shown}"
        return None
    if isinstance(expected, np.ndarray) and expected.dtype.kind == "f":
        if not isinstance(got, np.ndarray) or got.shape != expected.shape:
            return None
        inf = np.isinf(expected)
        if not inf.any():
            return None
        with np.errstate(invalid="ignore"):
            wrong = inf & ~(got.astype(float) == expected)
        if wrong.any():
            idx = tuple(int(i[0]) for i in np.nonzero(wrong))
            where = "[" + ", ".join(map(str, idx)) + "]" if idx else ""
            return (f"{path}{where} should be {expected[idx]} (exactly), but it is {got[idx]}; "
                    f"{int(wrong.sum())} of {int(inf.sum())} infinite entries differ")
    return None


def _has_infinity(value) -> bool:
    if isinstance(value, (tuple, list)):
        return any(_has_infinity(v) for v in value)
    if _is_scalar(value):
        return math.isinf(value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return bool(np.isinf(value).any())
    return False


IMPOSSIBLE_IS_INFINITE = (
    "An infinity here is the right answer, not an accident: the log of probability 0 is "
    "-inf. Clipping probabilities to a tiny number turns a certain 'impossible' into a "
    "merely large number, which hides exactly the cases that matter.")


class FunctionCheck(core.FunctionCheck):
    """core.FunctionCheck, with infinities that must match and NaN diagnoses on scalars."""

    def _variant_matches(self, mistake: Mistake, expected, got, case: Case | None) -> bool:
        try:
            out = self._variant_output(mistake, case)
        except Exception:
            return False
        if infinity_problem(out, got) is not None:
            return False
        if _is_nan(out) and _is_nan(got):
            return not _is_nan(expected)
        return super()._variant_matches(mistake, expected, got, case)

    def _run(self, fn, ctx: core.Context) -> int:
        # The ordinary comparison first: its messages are the most informative, and it
        # is right everywhere except where an infinity is expected and it wrongly accepts
        # any number. Those cases are then checked for the exact infinity.
        passed = super()._run(fn, ctx)
        cases = ctx.cases if ctx.cases is not None else self.make_cases()
        word = "hidden check" if ctx.hidden else "check"
        for i, case in enumerate(cases, 1):
            expected = self.oracle(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
            if not _has_infinity(expected):
                continue
            label = f"{word} {i} of {len(cases)} failed: {case.label}"
            got = self._call_labelled(ctx, fn, case, label)[0]
            problem = infinity_problem(expected, got)
            if problem is None:
                continue
            mistake = next((m for m in self.mistakes if m.variant is not None
                            and self._variant_matches(m, expected, got, case)), None)
            details = [] if ctx.hidden else [f"inputs: {describe_inputs(fn, case)}"]
            details.append(problem)
            if not _has_infinity(got):
                details.append(IMPOSSIBLE_IS_INFINITE)
            ctx.fail(label, details, mistake=mistake)
        return passed
