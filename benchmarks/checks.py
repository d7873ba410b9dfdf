"""Time every check on its reference submission and on one known mistake.

    python3 manage.py run python benchmarks/checks.py [--stage orientation]

Prints one row per check (median and max over repeats, in milliseconds) and the
median and max over all checks, next to the cost of an empty function call
measured in the same run as a baseline. The goal: well under 100 ms for every
check of the maths stages.
"""

from __future__ import annotations

import argparse
import statistics
import time

from autograder.checks import all_checks


def _time(fn, repeats: int, clock=time.perf_counter) -> list[float]:
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="", help="only checks whose module contains this")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    baseline = statistics.median(_time(lambda: None, 1000)) * 1e3
    rows = []
    for name, check in sorted(all_checks().items()):
        if args.stage not in name:
            continue
        check.explain(check.reference)  # warm up: first calls build caches and references
        passing = _time(lambda c=check: c.explain(c.reference), args.repeats)
        mistakes = check.known_mistakes
        failing = (_time(lambda c=check, m=mistakes[0]: c.explain(c.mistake_demo(m)),
                         args.repeats) if mistakes and not isinstance(
                             check.mistake_demo(mistakes[0]), str) else [])
        # CPU time as well: on a shared machine wall time measures the neighbours too
        cpu = _time(lambda c=check: c.explain(c.reference), 1, time.process_time)
        if failing:
            cpu += _time(lambda c=check, m=mistakes[0]: c.explain(c.mistake_demo(m)), 1,
                         time.process_time)
        rows.append((name.removeprefix("autograder.checks."), passing, failing, max(cpu)))
    print(f"{'check':58s} {'pass med':>9s} {'pass max':>9s} {'fail med':>9s} {'cpu max':>9s}"
          "  (ms)")
    for name, passing, failing, cpu in rows:
        fail = f"{statistics.median(failing) * 1e3:9.2f}" if failing else f"{'-':>9s}"
        print(f"{name:58s} {statistics.median(passing) * 1e3:9.2f} "
              f"{max(passing) * 1e3:9.2f} {fail} {cpu * 1e3:9.2f}")
    medians = [statistics.median(p) * 1e3 for _, p, _, _ in rows]
    worst = [max(p + f) * 1e3 for _, p, f, _ in rows]
    slow = [name for name, _, _, cpu in rows if cpu > 1.0]
    print(f"\n{len(rows)} checks: median {statistics.median(medians):.2f} ms, "
          f"max {max(worst):.2f} ms wall, {max(r[3] for r in rows) * 1e3:.0f} ms CPU "
          f"(baseline empty call {baseline * 1e3:.3f} us; "
          f"median check = {statistics.median(medians) / baseline:,.0f}x baseline)")
    print(f"checks over 1 s of CPU time: {', '.join(slow) if slow else 'none'}")


if __name__ == "__main__":
    main()
