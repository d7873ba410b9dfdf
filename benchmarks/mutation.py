"""Mutation testing of the visible checks: do they catch small bugs in the solutions?

    python3 manage.py run python benchmarks/mutation.py [--stage 01] [--exercise length]
        [--seed 0] [--max-mutants 40] [--verbose] [--json out.json]

For every function exercise of the solution notebooks (autograder.solutions),
benchmarks/mutants.py makes mutants of the solution cell. Each mutant runs
in-process in a fresh namespace (the notebook's set-up and definition cells,
then the mutated cell; every earlier non-test cell when the solution needs
data that such a cell makes: "(all cells)" in the table), followed by the
VISIBLE part of the exercise's test cells only, with a per-mutant time limit
(signal.setitimer). A mutant is

- killed: the visible check failed (AssertionError; a crash or a time-out of
  the check also counts, and is listed);
- killed with a diagnosis: the message names a mistake ("Diagnosis (...)");
- diagnosis confirmed right: the mutant corresponds to a registered Mistake
  variant (its outputs equal the variant's on every visible case) and the
  message names exactly that mistake; "wrong" counts names of another one;
- equivalent: it survived and its outputs (and its arguments after the call)
  equal the solution's on every input the check gave it: the visible cases,
  the hidden cases, the visible check re-run with FRESH_SEEDS other seeds, and
  each of those inputs with its float arrays scaled by 1e-3, 1e3 and -1, and
  with their first entry set to 0 (the
  "battery"; its size per exercise is printed). Survivors that differ are the
  non-equivalent survivors the checks should kill; both lists are printed.

When an exercise has more than --max-mutants mutants, a deterministic sample
(seeded by --seed and the exercise's name) is run, and the table says so.
The last line is always
    mutation: K/N non-equivalent mutants killed by the visible checks (P%)
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import random
import re
import resource
import signal
import statistics
import sys
import time
import types
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import mutants as mutator  # noqa: E402

from autograder import solutions  # noqa: E402
from autograder.checks import FunctionCheck  # noqa: E402

FRESH_SEEDS = 3
SCALES = (1e-3, 1e3, -1.0, 0)   # 0: the first entry of each float array zeroed
MAX_RECORDED = 120          # inputs recorded per function (the first ones, deterministic)
TIME_LIMIT = 4.0            # seconds per mutant (set-up, visible check)
EQ_RTOL, EQ_ATOL = 1e-9, 1e-12
UNORDERED = ("_prev", "_children")   # autograd nodes: the inputs of an operation, any order
DIAGNOSIS = re.compile(r"Diagnosis \((.+?)\):")
CHECK_CALL = re.compile(r"\b(check_\w+)\s*\(\s*(\w+)?")


class MutantTimeout(KeyboardInterrupt):
    """A mutant ran past its time limit.

    A KeyboardInterrupt, so that the check framework lets it through: it explains any
    other exception of the learner's function as a failure and goes on to call the
    function again for a diagnosis, which a mutant that loops forever never leaves
    (the one-shot timer has already fired)."""


MUTANT_MEMORY = 3 * 1024 ** 3   # bytes of address space a mutant may add


def _address_space() -> int | None:
    """This process's virtual size in bytes (Linux), or None where it cannot be read."""
    try:
        for line in open("/proc/self/status", encoding="ascii"):
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@contextlib.contextmanager
def memory_limit(extra: int = MUTANT_MEMORY) -> Iterator[None]:
    """Cap the address space at its current size plus `extra` while a mutant runs.

    A mutated constant can ask NumPy for an array of many gigabytes; the time limit
    cannot stop a single C call, but under this cap the allocation fails with
    MemoryError (the mutant counts as crashed) instead of exhausting the machine.
    """
    size = _address_space()
    if size is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = size + extra if hard == resource.RLIM_INFINITY else min(size + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Stop a mutant after `seconds` (between Python bytecodes) and cap its memory."""
    def on_alarm(signum, frame):
        raise MutantTimeout(f"ran more than {seconds:g} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with memory_limit():
            yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No printed success lines, warnings or floating-point complaints."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


# -- comparing outputs ------------------------------------------------------------------------

def snapshot(x: Any, depth: int = 0, seen: dict | None = None) -> Any:
    """A comparable copy of a value: arrays, numbers, containers, objects' attributes."""
    seen = {} if seen is None else seen
    if depth > 8:
        return "<deep>"
    if isinstance(x, np.float64):
        return float(x)   # a float subclass: to a caller it is a float
    if isinstance(x, (np.ndarray, np.generic)):
        return np.array(x)
    if x is None or isinstance(x, (bool, int, float, complex, str, bytes)):
        return x
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [snapshot(v, depth + 1, seen) for v in x])
    if isinstance(x, dict):
        return ("dict", {k: snapshot(v, depth + 1, seen) for k, v in x.items()})
    if isinstance(x, (set, frozenset)):
        return ("set", sorted(repr(v) for v in x))
    if isinstance(x, (types.GeneratorType, map, filter, zip)):
        return ("iter", [snapshot(v, depth + 1, seen) for v in list(x)[:10_000]])
    if callable(x) or isinstance(x, np.random.Generator):
        return ("callable",)
    if id(x) in seen:
        return ("ref", seen[id(x)])
    seen[id(x)] = len(seen)
    attrs = getattr(x, "__dict__", None)
    if attrs is None:
        return ("object", type(x).__name__)
    return ("object", type(x).__name__,
            {k: _unordered(snapshot(v, depth + 1, seen)) if k in UNORDERED else
             snapshot(v, depth + 1, seen) for k, v in sorted(attrs.items()) if not callable(v)})


def _unordered(snap: Any) -> Any:
    """A graph node's parents as a multiset: mul(w, x) and mul(x, w) build the same graph."""
    if isinstance(snap, tuple) and len(snap) == 2 and isinstance(snap[1], list):
        return ("multiset", sorted(snap[1], key=repr))
    return snap


def same(a: Any, b: Any) -> bool:
    """Equal snapshots: arrays of the same shape, kind and values (to round-off)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.shape != b.shape or (a.dtype.kind in "fc") != (b.dtype.kind in "fc") \
                or (a.dtype.kind == "b") != (b.dtype.kind == "b"):
            return False
        if a.dtype.kind in "OUS" or b.dtype.kind in "OUS":
            return bool(np.array_equal(a, b))
        try:
            return bool(np.allclose(a, b, rtol=EQ_RTOL, atol=EQ_ATOL, equal_nan=True))
        except TypeError:
            return bool(np.array_equal(a, b))
    if isinstance(a, float) or isinstance(b, float):
        if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) \
                or isinstance(a, bool) or isinstance(b, bool):
            return False
        if isinstance(a, int) != isinstance(b, int):
            return False
        return bool(np.isclose(a, b, rtol=EQ_RTOL, atol=EQ_ATOL, equal_nan=True))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def outcome(fn: Callable, args: tuple, kwargs: dict) -> Any:
    """Snapshot of (result, arguments after the call), or of the exception type."""
    args, kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    try:
        result = fn(*args, **kwargs)
    except MutantTimeout:
        raise
    except Exception as exc:
        return ("raised", type(exc).__name__)
    return ("returned", snapshot(result), snapshot(list(args)), snapshot(kwargs))


# -- recording the inputs a check gives the learner's functions -------------------------------

@dataclass
class Recorder:
    calls: dict[str, list[tuple[tuple, dict]]] = field(default_factory=dict)

    def wrap(self, name: str, fn: Callable) -> Callable:
        import functools

        @functools.wraps(fn)
        def recorded(*args, **kwargs):
            bucket = self.calls.setdefault(name, [])
            if len(bucket) < MAX_RECORDED:
                try:
                    bucket.append((copy.deepcopy(args), copy.deepcopy(kwargs)))
                except Exception:
                    pass
            return fn(*args, **kwargs)

        return recorded


def scaled(value: Any, factor: float) -> Any:
    """`value` with its float arrays scaled; factor 0 sets their first entry to 0 instead."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and factor == 0:
        out = value.copy()
        if out.size:
            out.flat[0] = 0
        return out
    if isinstance(value, float) and factor == 0:
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return (value * factor).astype(value.dtype)
    if isinstance(value, float):
        return value * factor
    if isinstance(value, (list, tuple)) and any(isinstance(v, np.ndarray) for v in value):
        return type(value)(scaled(v, factor) for v in value)
    return value


def checks_called(exercise: solutions.FunctionExercise, namespace: dict) -> list[tuple[Any, str]]:
    """(check object, name of the function passed first) for each visible check call."""
    found = []
    for test in exercise.tests:
        for name, first in CHECK_CALL.findall(test.visible):
            check = namespace.get(name)
            if check is not None:
                found.append((check, first))
    return found


def record_inputs(exercise: solutions.FunctionExercise,
                  mode: str = "definitions") -> dict[str, list[tuple[tuple, dict]]]:
    """The battery: every input the checks give the solution's functions (visible, hidden,
    FRESH_SEEDS more seeds of the visible check), each also with its float arrays scaled."""
    recorder = Recorder()
    namespace = solutions.fresh_namespace(exercise, mode=mode)
    for name in exercise.functions:
        if isinstance(namespace.get(name), types.FunctionType):
            namespace[name] = recorder.wrap(name, namespace[name])
    with quiet():
        try:
            solutions.run_hidden_tests(exercise, namespace)
        except Exception:
            pass
        for check, _ in checks_called(exercise, namespace):
            original = check.seed
            for offset in range(1, FRESH_SEEDS + 1):
                check.seed = original + 1000 * offset
                try:
                    solutions.run_visible_tests(exercise, namespace)
                except Exception:
                    pass
                finally:
                    check.seed = original
    battery = {}
    for name, calls in recorder.calls.items():
        extra = [(tuple(scaled(a, f) for a in args), {k: scaled(v, f) for k, v in kw.items()})
                 for f in SCALES for args, kw in calls]
        battery[name] = calls + extra
    return battery


# -- running one exercise ---------------------------------------------------------------------

@dataclass
class MutantResult:
    label: str
    status: str            # killed | timeout | crashed | equivalent | survived | broken
    diagnosis: str | None = None
    corresponds: str | None = None
    line: str = ""


@dataclass
class ExerciseResult:
    key: str
    generated: int
    sampled: bool
    check_ms: float
    battery: int
    mutants: list[MutantResult]
    note: str = ""

    def count(self, *statuses: str) -> int:
        return sum(m.status in statuses for m in self.mutants)

    @property
    def killed(self) -> int:
        return self.count("killed", "timeout", "crashed")

    @property
    def non_equivalent(self) -> int:
        return self.killed + self.count("survived")

    @property
    def diagnosed(self) -> int:
        return sum(m.diagnosis is not None for m in self.mutants if m.status == "killed")

    @property
    def corresponding(self) -> int:
        return sum(m.corresponds is not None for m in self.mutants if m.status == "killed")

    @property
    def confirmed(self) -> int:
        return sum(m.corresponds is not None and m.diagnosis == m.corresponds
                   for m in self.mutants if m.status == "killed")

    @property
    def wrong(self) -> int:
        return sum(m.corresponds is not None and m.diagnosis not in (None, m.corresponds)
                   for m in self.mutants if m.status == "killed")

    @property
    def rate(self) -> float:
        return 1.0 if self.non_equivalent == 0 else self.killed / self.non_equivalent


def registered_match(check: Any, fn: Callable) -> str | None:
    """The registered Mistake whose variant gives the mutant's outputs on every visible case."""
    if not isinstance(check, FunctionCheck):
        return None
    try:
        cases = check.make_cases()
    except Exception:
        return None
    outs = [outcome(fn, case.args, case.kwargs) for case in cases]
    right = [outcome(check.oracle, case.args, case.kwargs) for case in cases]
    if all(same(o, r) for o, r in zip(outs, right, strict=True)):
        return None
    for mistake in check.mistakes:
        if mistake.variant is None:
            continue
        variant = [outcome(mistake.variant, case.args, case.kwargs) for case in cases]
        if all(same(o, v) for o, v in zip(outs, variant, strict=True)):
            return mistake.name
    return None


def time_visible(exercise: solutions.FunctionExercise, repeats: int = 5,
                 mode: str = "definitions") -> float:
    namespace = solutions.fresh_namespace(exercise, mode=mode)
    times = []
    with quiet():
        for _ in range(repeats):
            start = time.process_time()   # CPU time: the machine may be shared
            solutions.run_visible_tests(exercise, namespace)
            times.append(time.process_time() - start)
    return statistics.median(times) * 1e3


def run_mutant(exercise, mutant, battery, baseline, mode: str = "definitions") -> MutantResult:
    result = MutantResult(mutant.label, "killed",
                          line=mutator.describe_diff(exercise.source, mutant.source))
    try:
        with quiet(), time_limit(TIME_LIMIT):
            namespace = solutions.fresh_namespace(exercise, mutant.source, mode=mode)
            solutions.run_visible_tests(exercise, namespace)
    except AssertionError as exc:
        names = DIAGNOSIS.findall(str(exc))
        result.diagnosis = names[0] if names else None
        with quiet():
            for check, first in checks_called(exercise, namespace):
                if first in exercise.functions and callable(namespace.get(first)):
                    try:
                        with time_limit(TIME_LIMIT):
                            result.corresponds = registered_match(check, namespace[first])
                    except MutantTimeout:
                        pass
                    if result.corresponds:
                        break
        return result
    except MutantTimeout:
        result.status = "timeout"
        return result
    except Exception as exc:  # the mutated cell or the check itself raised
        result.status = "crashed"
        result.diagnosis = None
        result.line += f"  [{type(exc).__name__}]"
        return result
    # survived: equivalent only if it behaves like the solution on the whole battery
    if not battery:
        result.status = "survived"
        result.line += "  [no recorded inputs: cannot prove equivalence]"
        return result
    try:
        with quiet(), time_limit(4 * TIME_LIMIT):
            for name, calls in battery.items():
                for args, kwargs in calls:
                    if not same(outcome(namespace[name], args, kwargs),
                                outcome(baseline[name], args, kwargs)):
                        result.status = "survived"
                        return result
    except MutantTimeout:
        result.status = "survived"
        return result
    result.status = "equivalent"
    return result


def setup_mode(exercise: solutions.FunctionExercise) -> str | None:
    """"definitions" if the solution passes its visible check after the definition cells
    alone, else "all" (every earlier non-test cell) if it passes then, else None."""
    for mode in ("definitions", "all"):
        try:
            with quiet(), time_limit(20 * TIME_LIMIT):
                solutions.run_visible_tests(exercise, solutions.fresh_namespace(exercise,
                                                                                mode=mode))
            return mode
        except (Exception, MutantTimeout):
            continue
    return None


def run_exercise(exercise: solutions.FunctionExercise, seed: int,
                 max_mutants: int) -> ExerciseResult:
    every = mutator.mutants(exercise.source)
    chosen = every
    if len(every) > max_mutants:
        rng = random.Random(seed * 1_000_003 + zlib.crc32(exercise.key.encode()))
        chosen = sorted(rng.sample(every, max_mutants), key=every.index)
    mode = setup_mode(exercise)
    if mode is None:   # the solution itself fails: nothing can be measured
        return ExerciseResult(exercise.key, len(every), False, float("nan"), 0, [],
                              note="the solution fails its own visible check")
    with quiet():   # cells that print while the namespaces are built
        check_ms = time_visible(exercise, mode=mode)
        battery = record_inputs(exercise, mode)
        baseline = solutions.fresh_namespace(exercise, mode=mode)
    results = [run_mutant(exercise, m, battery, baseline, mode) for m in chosen]
    return ExerciseResult(exercise.key, len(every), len(chosen) < len(every), check_ms,
                          sum(len(v) for v in battery.values()), results,
                          note="" if mode == "definitions" else "set-up: every earlier cell")


def run(stages: list[str] | None = None, exercise: str | None = None, seed: int = 0,
        max_mutants: int = 40) -> list[ExerciseResult]:
    """Run the benchmark; the results per exercise, in notebook order."""
    chosen = [ex for ex in solutions.all_function_exercises(stages=stages)
              if ex.tests and (exercise is None or exercise in ex.key)]
    np.random.seed(seed)
    return [run_exercise(ex, seed, max_mutants) for ex in chosen]


# -- report -----------------------------------------------------------------------------------

def _pct(k: int, n: int) -> str:
    return f"{100 * k / n:5.1f}%" if n else "    -"


def report(results: list[ExerciseResult], verbose: bool = False) -> str:
    lines = []
    header = (f"{'exercise':52s} {'mut':>4s} {'eq':>3s} {'kill/non-eq':>11s} {'rate':>6s} "
              f"{'diag':>4s} {'var':>4s} {'ok':>3s} {'bad':>3s} {'battery':>7s} {'ms':>6s}")
    by_stage: dict[str, list[ExerciseResult]] = {}
    for r in results:
        by_stage.setdefault(r.key.split("/")[0], []).append(r)
    for stage, rows in by_stage.items():
        lines += ["", f"== {stage}", header]
        for r in rows:
            name = r.key.split("/", 1)[1] + (" (sampled)" if r.sampled else "")
            if r.note and not r.mutants:
                lines.append(f"{name:52s} skipped: {r.note}")
                continue
            if r.note:
                name += " (all cells)"
            lines.append(f"{name:52s} {len(r.mutants):4d} {r.count('equivalent'):3d} "
                         f"{r.killed:5d}/{r.non_equivalent:<5d} {_pct(r.killed, r.non_equivalent)} "
                         f"{r.diagnosed:4d} {r.corresponding:4d} {r.confirmed:3d} {r.wrong:3d} "
                         f"{r.battery:7d} {r.check_ms:6.1f}")
        k = sum(r.killed for r in rows)
        n = sum(r.non_equivalent for r in rows)
        killed = sum(r.killed for r in rows)
        lines.append(f"{'stage total':52s} {sum(len(r.mutants) for r in rows):4d} "
                     f"{sum(r.count('equivalent') for r in rows):3d} {k:5d}/{n:<5d} "
                     f"{_pct(k, n)} {sum(r.diagnosed for r in rows):4d} "
                     f"{sum(r.corresponding for r in rows):4d} "
                     f"{sum(r.confirmed for r in rows):3d} {sum(r.wrong for r in rows):3d}"
                     f"   (diagnosed: {_pct(sum(r.diagnosed for r in rows), killed)})")
    ms = [r.check_ms for r in results if r.mutants]
    if ms:
        lines.append(f"\nvisible check time: median {statistics.median(ms):.1f} ms, "
                     f"max {max(ms):.1f} ms "
                     f"({max((r for r in results if r.mutants), key=lambda r: r.check_ms).key})")
    lines.append("\ncolumns: mut = mutants run, eq = equivalent (identified), kill/non-eq, "
                 "diag = killed with a diagnosis, var = killed mutants that correspond to a "
                 "registered variant, ok = of those, named right, bad = named another mistake, "
                 f"battery = inputs compared for equivalence ({FRESH_SEEDS} fresh seeds, "
                 "scaled by 1e-3, 1e3 and -1, first entry zeroed), "
                 "ms = median CPU time of the visible check")
    equivalent = [(r.key, m) for r in results for m in r.mutants if m.status == "equivalent"]
    lines.append(f"\nequivalent mutants ({len(equivalent)}):")
    lines += [f"  {key}  {m.label}  | {m.line}" for key, m in equivalent]
    survivors = [(r.key, m) for r in results for m in r.mutants if m.status == "survived"]
    lines.append(f"\nnon-equivalent survivors ({len(survivors)}):")
    lines += [f"  {key}  {m.label}  | {m.line}" for key, m in survivors]
    odd = [(r.key, m) for r in results for m in r.mutants if m.status in ("timeout", "crashed")]
    if verbose or odd:
        lines.append(f"\nkilled by a time-out or a crash of the check ({len(odd)}):")
        lines += [f"  {key}  {m.label}  [{m.status}] | {m.line}" for key, m in odd]
    wrong = [(r.key, m) for r in results for m in r.mutants
             if m.status == "killed" and m.corresponds and m.diagnosis not in (None, m.corresponds)]
    if wrong:
        lines.append(f"\nwrong diagnoses ({len(wrong)}):")
        lines += [f"  {key}  {m.label}: named {m.diagnosis!r}, made {m.corresponds!r}"
                  for key, m in wrong]
    k = sum(r.killed for r in results)
    n = sum(r.non_equivalent for r in results)
    lines.append(f"mutation: {k}/{n} non-equivalent mutants killed by the visible checks "
                 f"({100 * k / n if n else 100:.1f}%)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", action="append", help="stage folder or prefix (repeatable)")
    parser.add_argument("--exercise", help="only exercises whose key contains this")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-mutants", type=int, default=40)
    parser.add_argument("--json", help="also write the per-exercise results here")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    start, cpu = time.perf_counter(), time.process_time()
    results = run(args.stage, args.exercise, args.seed, args.max_mutants)
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) | {"rate": r.rate} for r in results],
                                              indent=1))
    print(f"(took {time.perf_counter() - start:.0f} s, {time.process_time() - cpu:.0f} s of CPU)")
    print(report(results, args.verbose))


if __name__ == "__main__":
    main()
