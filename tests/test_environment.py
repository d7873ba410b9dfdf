"""The environment is pinned once and agrees everywhere; the README's commands are real."""

from __future__ import annotations

import re
import tomllib

from nbfiles import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;#]+)$")


def _name(s: str) -> str:
    return re.sub(r"[-_.]+", "-", s.split("[")[0]).lower()


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _environment_pins() -> dict[str, str]:
    pins = {}
    in_pip = False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("- pip:"):
            in_pip = True
            continue
        if in_pip and stripped.startswith("- "):
            match = PIN.match(stripped[2:].strip())
            assert match, f"environment.yml: unpinned pip requirement {stripped!r}"
            pins[_name(match[1])] = match[2]
    return pins


def _lock(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        if line and not line.startswith("#"):
            match = PIN.match(line.strip())
            assert match, f"{name}: not an exact pin: {line!r}"
            pins[_name(match[1])] = match[2]
    return pins


def test_every_runtime_dependency_is_pinned_exactly():
    for req in _pyproject()["dependencies"]:
        assert PIN.match(req), f"pyproject.toml: {req!r} is not pinned with =="


def test_environment_yml_installs_exactly_the_runtime_lock():
    """conda and Binder get every package at the version manage.py installs, not just the
    top-level pins (which would let everything else float)."""
    assert _environment_pins() == _lock("runtime.lock")
    runtime = {_name(PIN.match(r)[1]): PIN.match(r)[2] for r in _pyproject()["dependencies"]}
    assert runtime.items() <= _environment_pins().items()


def test_lock_files_hold_the_pinned_versions():
    project = _pyproject()
    runtime = {_name(PIN.match(r)[1]): PIN.match(r)[2] for r in project["dependencies"]}
    extras = {_name(PIN.match(r)[1]): PIN.match(r)[2]
              for group in project.get("optional-dependencies", {}).values() for r in group}
    runtime_lock, dev_lock = _lock("runtime.lock"), _lock("dev.lock")
    for name, version in runtime.items():
        assert runtime_lock.get(name) == version, (
            f"runtime.lock has {name} {runtime_lock.get(name)}")
        assert dev_lock.get(name) == version, f"dev.lock has {name} {dev_lock.get(name)}"
    for name, version in extras.items():
        assert dev_lock.get(name) == version, f"dev.lock has {name} {dev_lock.get(name)}"
    for name, version in runtime_lock.items():
        assert dev_lock.get(name) == version, f"the locks disagree on {name}"


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "python3 manage.py lab" in readme and "python3 manage.py test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 manage.py test" in ci


def test_readme_stage_table_agrees_with_the_stages():
    """The README's folders and hours are the ones stage 00 plans with (autograder.stages)."""
    from autograder.stages import STAGES

    rows = re.findall(r"^\| (\d\d) \| `([^`]+)` \| [^|]+ \| ~(\d+) \|$",
                      (ROOT / "README.md").read_text(), re.M)
    assert [(folder, int(hours)) for _, folder, hours in rows] == [
        (s.folder, s.hours) for s in STAGES]
