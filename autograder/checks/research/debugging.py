"""Checks for 08_research/07_when_a_run_goes_wrong: sanity checks that find silent bugs.

Oracles: the reference losses from `collections.Counter` and `math.log` over the labels
(not array arithmetic); the worst relative error from a loop over entries in Python
floats (the input converted entry by entry, so a float32 input never reaches the
function); the overfitting loop as a `for`/`else` over the scripted losses; leaked rows
from an all-pairs comparison by broadcasting (not hashing); and the diagnoses from the
planted bugs' answer key and the readings of `autograder.research.debugging`, which
measures each run with its own code.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import numpy as np

from ...research import debugging
from ..core import Context, CustomCheck, FunctionCheck
from ..spec import Case, Mistake

# ---------------------------------------------------------------------------
# Exercise 7.1: the loss a model should start at
# ---------------------------------------------------------------------------


def _reference_losses(labels, n_classes):
    counts = Counter(int(v) for v in np.asarray(labels).reshape(-1))
    n = sum(counts.values())
    prior = -sum(c / n * math.log(c / n) for c in counts.values())
    return {"uniform": math.log(n_classes), "prior": prior}


def _in_bits(labels, n_classes):
    nats = _reference_losses(labels, n_classes)
    return {k: v / math.log(2) for k, v in nats.items()}


def _classes_seen(labels, n_classes):
    return _reference_losses(labels, len(np.unique(labels)))


def _balanced(n_classes, per_class, rng):
    return rng.permutation(np.repeat(np.arange(n_classes), per_class))


check_reference_losses = FunctionCheck(
    "reference_losses", _reference_losses,
    lambda rng: [
        Case("10 classes, 5 labels each", (_balanced(10, 5, rng), 10)),
        Case("3 classes, unbalanced (70, 20, 10)",
             (rng.permutation(np.repeat([0, 1, 2], [70, 20, 10])), 3)),
        Case("5 classes, of which only 0 to 3 occur",
             (rng.permutation(np.repeat([0, 1, 2, 3], [4, 4, 6, 2])), 5)),
        Case("2 classes, a single label", (np.array([1]), 2)),
    ],
    mistakes=[
        Mistake("bits instead of nats",
                "Both your numbers are the right ones divided by ln 2: you used log base 2. "
                "Cross-entropy losses in training code are in nats (natural log), so the "
                "reference must be too, or it cannot be compared with the loss you observe.",
                "Use np.log (or math.log), the natural logarithm.", variant=_in_bits),
        Mistake("only the classes that occur",
                "Your uniform loss counts only the classes present in `labels`. A model with "
                "n_classes outputs that knows nothing spreads its probability over all of "
                "them, present in this batch or not.",
                "The uniform loss is ln(n_classes), whatever the labels are.",
                variant=_classes_seen),
    ],
    rtol=1e-9, atol=1e-12,
    hint="uniform = ln(n_classes); prior = -sum_c f_c ln f_c over the classes that occur, with "
         "f_c the fraction of labels equal to c (a class that never occurs adds 0).")

# ---------------------------------------------------------------------------
# Exercise 7.2: a gradient check
# ---------------------------------------------------------------------------


def _sin_quadratic(c: np.ndarray, d: np.ndarray) -> tuple[Callable, Callable]:
    """f(x) = sum(c sin x + d x^2 / 2), computed in x's dtype, and its exact gradient."""
    def f(x):
        x = np.asarray(x)
        return float(np.sum(c.astype(x.dtype) * np.sin(x) + d.astype(x.dtype) * x * x / 2))

    def grad_f(x):
        x = np.asarray(x, dtype=np.float64)
        return c * np.cos(x) + d * x
    return f, grad_f


def _cubic(k: np.ndarray) -> tuple[Callable, Callable]:
    """f(x) = sum(k x^3), whose central difference is exactly 3 k x^2 + k eps^2."""
    def f(x):
        x = np.asarray(x)
        return float(np.sum(k.astype(x.dtype) * x ** 3))

    def grad_f(x):
        return 3 * k * np.asarray(x, dtype=np.float64) ** 2
    return f, grad_f


def _wrong_entry(grad: Callable, i: int, factor: float) -> Callable:
    def wrong(x):
        g = np.array(grad(x), dtype=np.float64)
        g[i] *= factor
        return g
    wrong.__name__ = f"grad_f_with_entry_{i}_times_{factor:g}"
    return wrong


def _plus_at(grad: Callable, i: int, tiny: float) -> Callable:
    def rounded(x):
        g = np.array(grad(x), dtype=np.float64)
        g[i] += tiny
        return g
    rounded.__name__ = "grad_f"
    return rounded


def _scaled(grad: Callable, factor: float) -> Callable:
    def scaled(x):
        return factor * np.asarray(grad(x), dtype=np.float64)
    scaled.__name__ = f"grad_f_times_{factor:g}"
    return scaled


FLOOR = 1e-8   # the denominator's floor: a gradient below it is measured absolutely


def _relative_errors(f, grad_f, x, eps, *, forward=False, absolute=False,
                     one_sided_scale=False, keep_dtype=False, no_floor=False) -> list[float]:
    """The per-entry errors, by a loop in Python floats (with switches for the mistakes)."""
    base = np.array(x, dtype=None if keep_dtype else np.float64)
    analytic = [float(v) for v in np.asarray(grad_f(base.copy()), dtype=np.float64).ravel()]
    errors = []
    for i in range(base.size):
        up, down = base.copy(), base.copy()
        up.reshape(-1)[i] += eps
        down.reshape(-1)[i] -= 0 if forward else eps
        numeric = (f(up) - f(down)) / (eps if forward else 2 * eps)
        a = analytic[i]
        if absolute:
            errors.append(abs(a - numeric))
        elif one_sided_scale:
            errors.append(abs(a - numeric) / max(abs(a), FLOOR))
        else:
            scale = abs(a) + abs(numeric)
            errors.append(abs(a - numeric) / (scale if no_floor else max(scale, FLOOR))
                          if scale > 0 else 0.0)
    return errors


def _worst_relative_error(f, grad_f, x, eps=1e-6):
    return max(_relative_errors(f, grad_f, x, eps))


def _gradcheck_cases(rng: np.random.Generator) -> list[Case]:
    c, d = rng.uniform(0.5, 2.0, 5), rng.uniform(0.5, 2.0, 5)
    f, grad = _sin_quadratic(c, d)
    x = rng.uniform(-2, 2, 5)
    k = rng.uniform(1.0, 3.0, 4)
    cube, cube_grad = _cubic(k)
    big = np.array([200.0, -150.0, 120.0, 90.0])
    fb, gb = _sin_quadratic(np.ones(4), np.full(4, 3.0))
    zero = x.copy()
    zero[3] = 0.0            # with c[3] = d[3] = 0 below, entry 3's true gradient is 0
    c0, d0 = c.copy(), d.copy()
    c0[3] = d0[3] = 0.0
    f0, grad0 = _sin_quadratic(c0, d0)
    return [
        Case("a gradient with entry 2 off by 10%, x float64", (f, _wrong_entry(grad, 2, 1.1), x)),
        Case("entry 3 is 1e-9 where the true gradient is 0 (below the floor: error 0.1)",
             (f0, _plus_at(grad0, 3, 1e-9), zero)),
        Case("a correct gradient, x float64", (f, grad, x.copy())),
        Case("a correct gradient, x float32 (the function computes in x's dtype)",
             (f, grad, x.astype(np.float32))),
        Case("a correct gradient of sum(k x^3), eps=0.01 (the truncation error shows)",
             (cube, cube_grad, rng.uniform(0.5, 1.5, 4), 0.01)),
        Case("a gradient half the true one, large entries (x around 100)",
             (fb, _scaled(gb, 0.5), big)),
    ]


def _variant(**switches) -> Callable:
    def worst(f, grad_f, x, eps=1e-6):
        return max(_relative_errors(f, grad_f, x, eps, **switches))
    return worst


def _mean_error(f, grad_f, x, eps=1e-6):
    errors = _relative_errors(f, grad_f, x, eps)
    return sum(errors) / len(errors)


check_worst_relative_error = FunctionCheck(
    "worst_relative_error", _worst_relative_error, _gradcheck_cases,
    mistakes=[
        Mistake("float32 kept",
                "Your answer is right for float64 inputs but large for the float32 one: the "
                "differences were taken in float32. With eps = 1e-6, x + eps rounds to a "
                "neighbouring float32 (about 1e-7 apart near 1), and f's own rounding error "
                "(about 1e-7 of f) divided by 2e-6 swamps the difference you want.",
                "Convert x to float64 before perturbing it: x = np.asarray(x, dtype=np.float64).",
                variant=_variant(keep_dtype=True)),
        Mistake("forward differences",
                "Your numerical gradient is (f(x + eps) - f(x)) / eps, the forward difference, "
                "whose error shrinks only like eps; the central difference "
                "(f(x + eps) - f(x - eps)) / (2 eps) has an error like eps^2, which is what "
                "lets a gradient check tell a correct gradient from a slightly wrong one.",
                "Perturb both ways: f(x + eps e_i) - f(x - eps e_i), divided by 2 eps.",
                variant=_variant(forward=True)),
        Mistake("absolute error",
                "Your result is the largest absolute difference |a - n|, not a relative one. "
                "An absolute error of 1e-3 is fine for a gradient of 1e3 and alarming for one "
                "of 1e-3, so the threshold you compare it with would mean nothing.",
                "Divide each |a_i - n_i| by max(|a_i| + |n_i|, 1e-8).",
                variant=_variant(absolute=True)),
        Mistake("scaled by the analytic gradient only",
                "You divided by |a_i| alone. The relative error is symmetric in the two "
                "gradients: divide by |a_i| + |n_i| (when the analytic gradient is half the "
                "true one, yours says 1.0 where 1/3 is expected).",
                "Divide each |a_i - n_i| by max(|a_i| + |n_i|, 1e-8).",
                variant=_variant(one_sided_scale=True)),
        Mistake("no floor under the denominator",
                "Where the true gradient is 0, the analytic entry is 1e-9 and the numerical one "
                "0, and you divided 1e-9 by 1e-9: an error of 1.0. Gradients that small are "
                "rounding noise in a real model (run D's b2 is 1e-17 against 0): below a floor "
                "they must be compared absolutely, or a correct gradient reads as wrong.",
                "Divide by max(|a_i| + |n_i|, 1e-8): below 1e-8 an entry is measured "
                "absolutely.", variant=_variant(no_floor=True)),
        Mistake("the mean error, not the worst",
                "Your result is the mean of the per-entry errors. One wrong entry among many "
                "right ones disappears in a mean; a gradient check reports the worst entry.",
                "Return the maximum over entries.", variant=_mean_error),
    ],
    rtol=2e-7, atol=1e-7,
    hint="For each entry i: n_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) with x in float64, "
         "error_i = |a_i - n_i| / max(|a_i| + |n_i|, 1e-8); return the largest as a float.")

# ---------------------------------------------------------------------------
# Exercise 7.3: overfit one batch
# ---------------------------------------------------------------------------


class ScriptedSteps:
    """A stand-in training step: each call returns the next loss of a fixed script.

    Calling it more often than the script is long raises RuntimeError (the exercise
    promises never to call it more than max_steps times).
    """

    def __init__(self, losses: list[float]):
        self.losses = [float(v) for v in losses]
        self.calls = 0

    def __call__(self) -> float:
        if self.calls >= len(self.losses):
            raise RuntimeError(f"step() was called a {self.calls + 1}th time, but max_steps "
                               f"is {len(self.losses)}")
        self.calls += 1
        return self.losses[self.calls - 1]

    def __repr__(self) -> str:
        return f"a training step ({len(self.losses)} scripted losses)"


def _steps_to_overfit(step, max_steps, target):
    seen = []
    for _ in range(max_steps):
        loss = float(step())
        seen.append(loss)
        if loss <= target:
            return {"steps": len(seen), "losses": np.array(seen)}
        if not math.isfinite(loss):
            break
    return {"steps": None, "losses": np.array(seen)}


def _reach_counted_from_zero(step, max_steps, target):
    out = _steps_to_overfit(step, max_steps, target)
    if out["steps"] is not None:
        out["steps"] -= 1
    return out


def _runs_on_after_nan(step, max_steps, target):
    seen = []
    for _ in range(max_steps):
        seen.append(float(step()))
        if seen[-1] <= target:
            return {"steps": len(seen), "losses": np.array(seen)}
    return {"steps": None, "losses": np.array(seen)}


def _decaying(n: int, start: float, rate: float) -> list[float]:
    return [start * rate ** t for t in range(n)]


_OVERFIT_CASES = [
    Case("a loss that falls below 0.05 at the 38th step, max_steps 60",
         (ScriptedSteps(_decaying(60, 2.3, 0.9)), 60, 0.05)),
    Case("a loss stuck near 2.3 (max_steps 40)",
         (ScriptedSteps([2.3 + 0.01 * math.sin(t) for t in range(40)]), 40, 0.05)),
    Case("a loss that diverges, inf at the 6th step, NaN after (max_steps 30)",
         (ScriptedSteps([2.3, 3.1, 9.0, 80.0, 1e30, math.inf, math.nan] + [math.nan] * 23),
          30, 0.05)),
    Case("a loss already below target at the first step",
         (ScriptedSteps([0.01, 0.005, 0.001]), 3, 0.05)),
    Case("a loss exactly at the target (0.25) at the 3rd step",
         (ScriptedSteps([1.0, 0.5, 0.25, 0.125, 0.0625]), 5, 0.25)),
]

check_steps_to_overfit = FunctionCheck(
    "steps_to_overfit", _steps_to_overfit, _OVERFIT_CASES,
    mistakes=[
        Mistake("counted from zero",
                "Your step count is one less than the number of calls: you returned the loop "
                "index (counting from 0) rather than how many steps were taken.",
                "Return len(losses) (or the index + 1) when the target is reached.",
                variant=_reach_counted_from_zero),
        Mistake("kept going after a non-finite loss",
                "After the loss became inf or NaN your loop kept calling step(). A run whose "
                "loss is not finite has diverged and cannot recover: stop there, having "
                "recorded that loss.",
                "After recording a loss, stop if not math.isfinite(loss).",
                variant=_runs_on_after_nan),
    ],
    rtol=0, atol=0, dtype=None, allow_input_mutation=True,   # step() counts its calls
    hint="Loop at most max_steps times: call step(), record the loss, return "
         "{'steps': the number of calls so far, 'losses': ...} as soon as loss <= target; "
         "stop early on inf or NaN; return steps None if the target was never reached.")

# ---------------------------------------------------------------------------
# Exercise 7.4: leaked rows
# ---------------------------------------------------------------------------


def _leaked_rows(train, test, decimals=6):
    a = np.round(np.asarray(train, dtype=np.float64), decimals)        # (n, d)
    b = np.round(np.asarray(test, dtype=np.float64), decimals)         # (m, d)
    same = (b[:, None, :] == a[None, :, :]).all(axis=2)                  # (m, n)
    return np.flatnonzero(same.any(axis=1))


def _exact_only(train, test, decimals=6):
    return _leaked_rows(train, test, decimals=15)


def _bytes_hash(train, test, decimals=6):
    seen = {row.tobytes() for row in np.round(np.asarray(train, dtype=np.float64), decimals)}
    rounded = np.round(np.asarray(test, dtype=np.float64), decimals)
    return np.array([i for i, row in enumerate(rounded) if row.tobytes() in seen], dtype=int)


def _train_indices(train, test, decimals=6):
    return _leaked_rows(test, train, decimals)


def _leak_cases(rng: np.random.Generator) -> list[Case]:
    train = np.round(rng.normal(size=(30, 4)), 3)                          # (30, 4)
    test = np.round(rng.normal(size=(12, 4)), 3) + 0.25
    test[[2, 7]] = train[[5, 19]]                                           # exact copies
    near = test.copy()
    near[4] = train[11] + 3e-9                                              # near duplicates
    near[9] = train[0] - 2e-8
    near[10] = train[3] + 1e-3                                              # not a duplicate
    signed = np.round(rng.normal(size=(8, 3)), 2)
    signed[3, 1] = 0.0
    query = np.round(rng.normal(size=(6, 3)), 2) + 5.0
    query[1] = signed[3]
    query[1, 1] = -1e-9                                                     # rounds to -0.0
    return [
        Case("30 training and 12 test rows, 2 exact copies and 2 near copies", (train, near)),
        Case("a row whose 0.0 is -1e-9 in the test set (it rounds to -0.0)", (signed, query)),
        Case("nothing leaked, decimals=2", (train, test[[0, 1, 3]], 2)),
        Case("exact copies only, 30 training and 12 test rows", (train, test)),
    ]


check_leaked_rows = FunctionCheck(
    "leaked_rows", _leaked_rows, _leak_cases,
    mistakes=[
        Mistake("exact duplicates only",
                "You found the exact copies but not the rows that differ by 1e-8: the rows "
                "were not rounded before comparing. Data copied through a CSV, a float32 "
                "cast or a normalisation comes back slightly changed, and it still leaks.",
                "Round every row to `decimals` places first, then compare.",
                variant=_exact_only),
        Mistake("-0.0 hashed differently from 0.0",
                "Rounding -1e-9 gives -0.0, which equals 0.0 but has other bytes, so a row "
                "that matches was missed: you compared the rows' bytes (tobytes, or a hash "
                "of them) instead of their values.",
                "Add 0.0 after rounding (-0.0 + 0.0 is 0.0), or hash tuples of floats.",
                variant=_bytes_hash),
        Mistake("indices of the training rows",
                "You returned the positions of the duplicated rows in the training set; the "
                "exercise asks for their positions in the test set (the rows to drop from "
                "the evaluation).",
                "Build the lookup from `train`, then walk over `test`.",
                variant=_train_indices),
    ],
    rtol=0, atol=0,
    hint="Put each rounded training row (as a tuple, with -0.0 turned into 0.0) in a set, then "
         "return the sorted indices of the test rows whose rounded tuple is in it, as an int "
         "array.")

# ---------------------------------------------------------------------------
# Exercise 7.5: which check catches which bug
# ---------------------------------------------------------------------------

NONE = debugging.HEALTHY


# The checks whose flag each run raises. Measuring them trains and checks all seven runs
# (about 1.5 s of CPU, over a visible check's budget), so they are written down here, and
# tests/checks/test_research_debugging.py holds them to debugging.flags(debugging.readings(run)).
RUN_FLAGS: dict[str, frozenset[str]] = {
    "A": frozenset({"initial loss"}),
    "B": frozenset(),
    "C": frozenset({"chance accuracy"}),
    "D": frozenset({"initial loss", "overfit one batch"}),
    "E": frozenset({"leakage"}),
    "F": frozenset({"gradient check"}),
    "G": frozenset({"chance accuracy", "overfit one batch"}),
}


def measured_flags() -> dict[str, frozenset[str]]:
    """RUN_FLAGS measured: each run's readings and the flags they raise (about 1.5 s)."""
    return {run.letter: frozenset(debugging.flags(debugging.readings(run)))
            for run in debugging.runs()}


def _verify_diagnosis(value, ctx: Context) -> None:
    letters = debugging.LETTERS
    ctx.require(value is not None, "you have not set `diagnosis` yet",
                hint="diagnosis = {'A': ('initial loss', '<bug>'), ...}: one pair per run.")
    ctx.require(isinstance(value, dict), "`diagnosis` should be a dict",
                [f"got {type(value).__name__}"])
    ctx.require(sorted(map(str, value)) == list(letters),
                f"`diagnosis` should have one entry per run, {', '.join(letters)}",
                [f"got keys {sorted(map(str, value))}"])
    checks, bugs = (*debugging.CHECKS, NONE), (*debugging.BUGS, NONE)
    for letter in letters:
        pair = value[letter]
        ctx.require(isinstance(pair, (tuple, list)) and len(pair) == 2,
                    f"run {letter}: the entry should be a pair (check, bug)", [f"got {pair!r}"])
        check, bug = (str(x) for x in pair)
        ctx.require(check in checks, f"run {letter}: {check!r} is not one of the checks",
                    [f"the checks: {', '.join(map(repr, checks))}"])
        ctx.require(bug in bugs, f"run {letter}: {bug!r} is not one of the bugs",
                    [f"the bugs: {', '.join(map(repr, bugs))}"])
    key, flags = debugging.answer_key(), RUN_FLAGS
    for letter in letters:
        check, bug = (str(x) for x in value[letter])
        ctx.require(bug == key[letter],
                    f"run {letter}: {bug!r} is not what went wrong in this run",
                    ["Look again at its readings in the table above, and at its loss curve: "
                     "which bug would produce all of them at once?"])
        raised = flags[letter]
        if not raised:
            ctx.require(check == NONE, f"run {letter}: the check {check!r} raises no flag "
                        "on this run", ["none of the five checks flags it"])
        else:
            ctx.require(check in raised,
                        f"run {letter}: the check {check!r} does not flag this run",
                        [f"the checks that flag it: {', '.join(sorted(raised))}"])


# The reference answer: each run's bug and a check that flags it (tests/checks/
# test_research_debugging.py holds it to the answer key and to the runs' readings).
_DIAGNOSIS = {
    "A": ("initial loss", "loss summed over the batch, not averaged"),
    "B": (NONE, NONE),
    "C": ("chance accuracy", "labels shuffled against inputs"),
    "D": ("initial loss", "softmax over the batch axis"),
    "E": ("leakage", "evaluation on the training set"),
    "F": ("gradient check", "ReLU's gradient not masked in the backward pass"),
    "G": ("overfit one batch", "learning rate 100x too high"),
}

check_diagnosis = CustomCheck(
    "diagnosis", _verify_diagnosis, reference=_DIAGNOSIS,
    hint="One (check, bug) pair per run: the check whose flag shows the bug, and the bug.")
