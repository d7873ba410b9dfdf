"""The suite's order (tests/suite_order.py): known-long tests first, one batch each."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from suite_order import DURATIONS, batch_sizes, known_seconds, layout, slow_modules_first

TABLE = {"t/hub.py": 600.0, "t/c.py::test_large": 300.0, "t/nb.py::test_run[06]": 90.0}


def ids(n: int) -> list[str]:
    return [f"t/s.py::test_{i}" for i in range(n)]


def test_batch_sizes_are_worksteals_first_batches():
    # xdist 3.8 worksteal: worker i of k gets len(pending) // (k - i) of what is left
    assert batch_sizes(10, 2) == [5, 5]
    assert batch_sizes(11, 2) == [5, 6]
    assert batch_sizes(10, 3) == [3, 3, 4]
    assert batch_sizes(7, 1) == [7]
    with pytest.raises(ValueError, match="at least 1"):
        batch_sizes(7, 0)


def test_a_module_in_the_table_is_one_unit_and_a_node_id_is_itself():
    assert known_seconds("t/hub.py::test_a", TABLE) == ("t/hub.py", 600.0)
    assert known_seconds("t/c.py::test_large", TABLE) == ("t/c.py::test_large", 300.0)
    assert known_seconds("t/c.py::test_small", TABLE) is None


def test_one_worker_runs_the_long_ones_first_longest_first_the_rest_in_order():
    items = ids(3) + ["t/nb.py::test_run[06]", "t/c.py::test_large"] + ids(6)[3:] + \
        ["t/hub.py::test_a"]
    got = layout(items, str, 1, TABLE)
    assert got == ["t/hub.py::test_a", "t/c.py::test_large", "t/nb.py::test_run[06]",
                   *ids(6)]


def test_two_workers_get_the_two_longest_in_different_batches_at_their_head():
    items = ["t/hub.py::test_a", "t/c.py::test_large", "t/nb.py::test_run[06]", *ids(20)]
    got = layout(items, str, 2, TABLE)
    assert Counter(got) == Counter(items)                      # nothing lost or doubled
    first, second = got[:11], got[11:]                         # batch_sizes(23, 2) == [11, 12]
    assert first[0] == "t/hub.py::test_a"
    assert second[:2] == ["t/c.py::test_large", "t/nb.py::test_run[06]"]
    assert [i for i in got if i.startswith("t/s.py")] == ids(20)   # the rest keep their order


def test_a_modules_tests_stay_together_on_one_worker():
    table = {"t/lab.py": 120.0, "t/big.py::test_x": 100.0}
    items = ["t/lab.py::test_1", *ids(4), "t/lab.py::test_2", "t/big.py::test_x"]
    got = layout(items, str, 2, table)
    sizes = batch_sizes(len(items), 2)
    first = got[:sizes[0]]
    assert first[:2] == ["t/lab.py::test_1", "t/lab.py::test_2"]
    assert got[sizes[0]] == "t/big.py::test_x"


def simulate_worksteal(order: list[str], seconds: dict[str, float], workers: int) -> float:
    """The wall time of `order` under xdist 3.8's worksteal rules (first batches, a worker
    keeps its running and its next test, an idle worker steals half of the longest queue)."""
    queues = []
    start = 0
    for size in batch_sizes(len(order), workers):
        queues.append(list(order[start:start + size]))
        start += size
    clock = [0.0] * workers
    while any(queues):
        w = min(range(workers), key=lambda i: (clock[i], i))
        if not queues[w]:
            victim = max(range(workers), key=lambda i: len(queues[i]))
            n = min(len(queues[victim]) // 2, max(0, len(queues[victim]) - 2))
            if n == 0:
                clock[w] = float("inf")        # shut down: nothing left to steal
                continue
            queues[w] = queues[victim][-n:]
            del queues[victim][-n:]
        clock[w] += seconds[queues[w].pop(0)]
    return max(c for c in clock if c != float("inf"))


def test_the_layout_shortens_the_tail_of_a_run_collected_long_tests_first():
    short = ids(200)
    seconds = {**dict.fromkeys(short, 2.0), "t/hub.py::test_a": 600.0,
               "t/c.py::test_large": 300.0, "t/nb.py::test_run[06]": 90.0}
    collected = ["t/hub.py::test_a", "t/c.py::test_large", "t/nb.py::test_run[06]", *short]
    before = simulate_worksteal(collected, seconds, 2)
    after = simulate_worksteal(layout(collected, str, 2, TABLE), seconds, 2)
    total = sum(seconds.values())
    assert before >= 600 + 300                  # the two longest, one after the other
    assert after <= total / 2 + 2               # as even as the 2-second tests allow


def test_a_module_with_a_slow_test_moves_first_whole_the_others_keep_their_order():
    items = ["t/a.py::test_1", "t/m.py::test_fast", "t/b.py::test_1", "t/m.py::test_slow",
             "t/s.py::test_1", "t/a.py::test_2"]
    slow = {"t/m.py::test_slow", "t/s.py::test_1"}
    assert slow_modules_first(items, str, slow.__contains__) == [
        "t/m.py::test_fast", "t/m.py::test_slow", "t/s.py::test_1",
        "t/a.py::test_1", "t/b.py::test_1", "t/a.py::test_2"]


def test_each_batch_runs_its_slow_modules_first_and_ends_with_fast_tests():
    fast = [f"t/a.py::test_{i}" for i in range(100)] + [f"t/z.py::test_{i}" for i in range(100)]
    slow = [f"t/nb.py::test_run[{i}]" for i in range(8)]
    collected = [*fast, *slow]                 # the notebook tests are collected last
    got = layout(collected, str, 2, {}, slow=lambda i: i.startswith("t/nb.py"))
    assert Counter(got) == Counter(collected)
    second = got[batch_sizes(len(collected), 2)[0]:]
    assert second[:8] == slow and all(not i.startswith("t/nb.py") for i in second[8:])
    assert got[-1].startswith("t/z.py")
    # and the run's tail is shorter: a slow test is no longer what the last worker runs
    seconds = {**dict.fromkeys(fast, 1.0), **dict.fromkeys(slow, 40.0)}
    before = simulate_worksteal(layout(collected, str, 2, {}), seconds, 2)
    after = simulate_worksteal(got, seconds, 2)
    assert after < before and after <= sum(seconds.values()) / 2 + 40 / 2


def test_the_checked_in_table_names_tests_that_exist(root):
    """A stale entry would silently order nothing: each names a test module, a test function
    in it and, for the notebook tests, a solution notebook."""
    for key, seconds in DURATIONS.items():
        module, _, test = key.partition("::")
        assert (root / module).is_file(), key
        name, _, param = test.partition("[")
        assert not name or f"def {name}(" in (root / module).read_text(), key
        if param:
            solution = root / "solutions" / param.rstrip("]").removesuffix(".ipynb")
            # a notebook (stage/name), or a stage folder for the per-stage tests
            assert solution.with_suffix(".ipynb").is_file() or solution.is_dir(), key
        assert seconds > 0


@pytest.mark.slow
def test_with_xdist_the_two_longest_tests_start_at_once_on_two_workers(tmp_path):
    """The real hooks (tests/conftest.py) in a pytest run with two worksteal workers: the
    hub test and the large cohort are collected side by side, yet each worker starts
    with one of them."""
    import os
    import shutil
    import subprocess
    import sys

    here = Path(__file__).resolve().parent
    tests = tmp_path / "tests"
    for name in ("conftest.py", "suite_order.py"):
        (tests / "browser").mkdir(parents=True, exist_ok=True)
        shutil.copy(here / name, tests / name)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    log = tmp_path / "ran.txt"
    body = ("def test_{name}(worker_id):\n"
            f"    with open({str(log)!r}, 'a') as f:\n"
            "        f.write(worker_id + ' {name}\\n')\n")
    (tests / "browser" / "test_hub.py").write_text(
        body.format(name="a_course_on_jupyterhub_from_release_to_feedback"))
    (tests / "grading").mkdir()
    (tests / "grading" / "test_cohort.py").write_text(
        body.format(name="a_large_cohort") + "\n\n" +
        "\n\n".join(body.format(name=f"short_{i}") for i in range(20)))
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}    # xdist only: faster
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "xdist.plugin", "-p",
                           "no:cacheprovider", "-q", "-n", "2", "--dist", "worksteal", "tests"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    ran: dict[str, list[str]] = {}
    for line in log.read_text().splitlines():
        worker, name = line.split()
        ran.setdefault(worker, []).append(name)
    firsts = sorted(names[0] for names in ran.values())
    assert firsts == ["a_course_on_jupyterhub_from_release_to_feedback", "a_large_cohort"], ran
