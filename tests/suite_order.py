"""The order the suite runs in: the known-long tests first, spread over the xdist workers.

pytest-xdist's `worksteal` scheduler (pyproject's addopts) first sends each of its k
workers one contiguous batch of the collected tests: the first N//k to one worker, the
next batch to the next, and so on. A worker that runs out steals the second half of the
longest queue; it can never take the test a worker is running nor the one queued after
it. So two long tests collected side by side run one after the other on one worker
while the other worker finishes early and waits: the tail of the run is their sum.

`layout` orders the collection so that the known-long tests (DURATIONS) are spread over
the batches by longest-processing-time-first (each to the batch with the least long
work so far) and run first in their batch; the other tests fill the batches behind them
in their collection order, except that in each batch the modules with a test marked
`slow` come before the rest. Stealing balances the batches from their tails, so the
tails should be short tests: a slow test left there runs last while the other worker,
with nothing to steal, waits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

#: Measured seconds of one test (a node id), or of one module's tests together (a module
#: path: its tests share a module fixture, a server and a browser, and stay on one worker).
#: Most were run alone, `-n 0 --durations=0`, on the 2-core machine at load 10-25 (December
#: 2026): CPU seconds (user + sys, children included). The hub, the large cohort and the
#: adversarial batch mostly wait on servers and sandboxes: theirs are wall times of the last
#: CI run (the cohort's scaled from 150 students to 100; 124 s of CPU measured). Only the
#: order matters; refresh them from the slowest durations `python3 manage.py test` prints
#: at the end of a run.
_JUDGED = ("tests/grading/test_judge_safe.py::"
           "test_every_check_is_judged_outside_the_kernel[{}.ipynb]")
_SOLVED = "tests/test_notebooks_execute.py::test_solution_runs_and_every_check_passes[{}]"
_FLOORS = "tests/test_mutation_floors.py::test_no_exercise_drops_below_its_floor[{}]"
DURATIONS: dict[str, float] = {
    "tests/browser/test_hub.py": 260,
    "tests/grading/test_cohort.py::test_a_large_cohort": 175,
    "tests/grading/test_adversarial.py": 163,
    "tests/grading/test_exchange.py": 84,
    "tests/test_my_gpt.py::test_notebook_10_trains_the_learners_gpt_with_the_reference_disabled":
        28,
    "tests/grading/test_cohort.py::test_a_real_stage_from_an_lms_zip_in_one_command": 54,
    "tests/grading/test_cohort.py::test_a_dask_cluster_runs_the_same_jobs": 50,
    "tests/browser/test_jupyterlab.py": 68,
    _SOLVED.format("08_research/02_toy_models_of_superposition"): 55,
    _SOLVED.format("04_transformer/06_training"): 55,
    _JUDGED.format("04_transformer/06_training"): 51,
    _JUDGED.format("08_research/02_toy_models_of_superposition"): 28,
    _SOLVED.format("04_transformer/10_your_gpt_on_python"): 26,    # 10 training steps here
    _JUDGED.format("08_research/01_experiments_you_can_trust"): 19,
    _JUDGED.format("07_rl_and_rlhf/01_bandits"): 18,
    _JUDGED.format("04_transformer/02_embeddings_and_loss"): 17,
    _JUDGED.format("07_rl_and_rlhf/03_policy_gradients"): 16,
    _JUDGED.format("07_rl_and_rlhf/08_dpo"): 16,
    _JUDGED.format("06_interpretability/05_probing"): 13,
    _JUDGED.format("04_transformer/10_your_gpt_on_python"): 12,    # up to its last graded cell
    _JUDGED.format("06_interpretability/06_ablation"): 11,
    # wall times of the slowest tests in the run of 2026-12-08 (session 6), which were not
    # in the table: the stage-06 and stage-08 mutation floors ran last, one after the other
    _FLOORS.format("06_interpretability"): 177,
    _FLOORS.format("08_research"): 143,
    _FLOORS.format("01_linear_algebra"): 28,
    _FLOORS.format("03_probability"): 26,
    "tests/grading/test_kill_cleanup.py::test_killing_the_coordinator_kills_the_whole_run_and_"
    "the_next_start_cleans_up": 87,
    "tests/checks/test_reflections_grading.py": 80,
    "tests/grading/test_judge_real_kernel.py::test_handles_and_callbacks_grade_exactly_in_a_"
    "real_kernel": 73,
    "tests/test_autograde_roundtrip.py::test_nbgrader_autograde_round_trip": 62,
    "tests/grading/test_robustness.py::test_kill_and_resume_grades_everyone_exactly_once": 62,
    "tests/grading/test_robustness.py::test_a_lock_that_outlasts_the_wait_stops_cleanly_and_the_"
    "next_run_resumes": 51,
    "tests/grading/test_robustness.py::test_a_locked_gradebook_is_waited_out": 33,
    "tests/grading/test_robustness.py::test_a_changed_submission_is_graded_again": 29,
    "tests/grading/test_untrusted_batch.py": 55,
    "tests/grading/test_one_record.py": 50,
    "tests/test_architecture.py::test_the_package_type_checks": 47,
    "tests/grading/test_plain_nbgrader_feedback.py::test_plain_nbgrader_feedback_hides_hidden_"
    "tests_and_rubrics": 38,
}


def module_of(nodeid: str) -> str:
    """'tests/a.py::test_b[x]' -> 'tests/a.py'."""
    return nodeid.split("::", 1)[0]


def known_seconds(nodeid: str, table: dict[str, float] = DURATIONS) -> tuple[str, float] | None:
    """(the unit the test belongs to, the unit's measured seconds), or None if not known.

    A unit is the test's module when the table names the module, else the test itself."""
    module = module_of(nodeid)
    if module in table:
        return module, table[module]
    if nodeid in table:
        return nodeid, table[nodeid]
    return None


def batch_sizes(n: int, workers: int) -> list[int]:
    """How many tests each of `workers` first receives from worksteal, for `n` tests."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    sizes = []
    for i in range(workers):
        size = n // (workers - i)
        sizes.append(size)
        n -= size
    return sizes


def slow_modules_first(items: list[T], nodeid: Callable[[T], str],
                       slow: Callable[[T], bool]) -> list[T]:
    """`items` with the tests of every module that has a slow test first; a module's tests
    stay together (a module-scoped fixture is set up once) and otherwise keep their order."""
    modules = {module_of(nodeid(item)) for item in items if slow(item)}
    return sorted(items, key=lambda item: module_of(nodeid(item)) not in modules)


def layout(items: Sequence[T], nodeid: Callable[[T], str], workers: int,
           table: dict[str, float] = DURATIONS,
           slow: Callable[[T], bool] | None = None) -> list[T]:
    """`items` reordered for `workers` worksteal workers (1: the known-long ones first).

    Every item appears once; known-long units are kept together, longest first in their
    batch; the rest keep their relative order, except that with `slow` (is this test
    marked slow?) the modules with a slow test come first in each batch's share."""
    units: dict[str, list[T]] = {}
    seconds: dict[str, float] = {}
    rest: list[T] = []
    for item in items:
        known = known_seconds(nodeid(item), table)
        if known is None:
            rest.append(item)
        else:
            units.setdefault(known[0], []).append(item)
            seconds[known[0]] = known[1]
    sizes = batch_sizes(len(items), workers)
    batches: list[list[T]] = [[] for _ in sizes]
    load = [0.0] * len(sizes)
    for key in sorted(units, key=lambda k: -seconds[k]):       # stable: ties keep their order
        fits = [j for j in range(len(sizes)) if len(batches[j]) + len(units[key]) <= sizes[j]]
        j = min(fits or range(len(sizes)), key=lambda j: (load[j], j))
        batches[j].extend(units[key])
        load[j] += seconds[key]
    ordered: list[T] = []
    start = 0
    for j, batch in enumerate(batches):
        take = max(0, sizes[j] - len(batch))
        share = rest[start:start + take]
        ordered += batch + (slow_modules_first(share, nodeid, slow) if slow else share)
        start += take
    return ordered + rest[start:]
