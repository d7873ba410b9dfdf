"""One naming rule for the check packages (docs/contributing.md, "Names").

- Stage folder ``NN_name`` keeps its checks in ``autograder.checks.<name>``
  (:func:`autograder.stages.checks_package`), and nothing else sits beside the framework.
- In a stage's package, what its modules share is ``shared.py`` (reference implementations:
  ``oracles.py``); no ``common``, ``support``, ``stats``, ``utils`` or ``helpers``.
- Each notebook imports its checks from the one module listed for it in
  :data:`autograder.stages.CHECK_MODULES`.
- Old paths kept for saved notebooks and gradebooks are re-export shims listed in
  :data:`autograder.checks.registry.MOVED_MODULES`, and they re-export everything.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import pkgutil
from pathlib import Path

import pytest

from autograder.checks.registry import FRAMEWORK_MODULES, MOVED_MODULES, stage_modules
from autograder.stages import CHECK_MODULES, STAGE_FOLDERS, checks_package

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ROOT / "autograder" / "checks"
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*/[0-9][0-9]_*.ipynb"))
VAGUE_NAMES = {"common", "support", "stats", "utils", "util", "helpers", "misc"}
KNOWN_EXCEPTIONS: set[str] = set()  # none: every stage's helpers are in shared.py


def _moved_path(relative: Path) -> bool:
    dotted = "autograder.checks." + ".".join(relative.with_suffix("").parts)
    return any(dotted == old or dotted.startswith(old + ".") for old in MOVED_MODULES)


def test_the_rule_maps_a_stage_folder_to_its_package():
    assert checks_package("05_alignment_reflections") == "autograder.checks.alignment_reflections"
    assert checks_package("00_orientation") == "autograder.checks.orientation"
    with pytest.raises(ValueError, match="not a stage folder"):
        checks_package("reflections")


@pytest.mark.parametrize("folder", STAGE_FOLDERS)
def test_every_stage_has_the_checks_package_the_rule_names(folder):
    name = checks_package(folder)
    assert importlib.util.find_spec(name) is not None, (
        f"stage {folder} keeps its checks in {name} (folder NN_name -> autograder.checks.<name>)")


def test_nothing_beside_the_framework_but_the_stages():
    rule = {checks_package(f).rsplit(".", 1)[1] for f in STAGE_FOLDERS}
    for entry in sorted(CHECKS.iterdir()):
        name = entry.stem
        if name.startswith(("_", ".")) or (entry.is_file() and entry.suffix != ".py"):
            continue
        if name in FRAMEWORK_MODULES or _moved_path(entry.relative_to(CHECKS)):
            continue
        assert name in rule, (
            f"autograder/checks/{entry.name} is neither framework (registry.FRAMEWORK_MODULES) "
            f"nor a stage's checks ({sorted(rule)}) nor a listed shim (registry.MOVED_MODULES)")


def test_no_vague_module_names_inside_a_stage_package():
    offenders = []
    for path in sorted(CHECKS.glob("*/*.py")):
        relative = path.relative_to(CHECKS)
        if path.stem in VAGUE_NAMES and not _moved_path(relative):
            offenders.append(relative.as_posix())
    assert sorted(set(offenders) - KNOWN_EXCEPTIONS) == [], (
        "name a stage's helper module shared.py (reference implementations: oracles.py)")
    # The exception list shrinks as the integrator renames; a stale entry is an error too.
    assert KNOWN_EXCEPTIONS <= set(offenders), "a known exception was renamed: drop it here"


def _check_imports(notebook: Path) -> dict[str, set[str]]:
    """{module: names} of every ``from autograder.checks... import check_...`` in the notebook."""
    found: dict[str, set[str]] = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        source = "\n".join(x for x in lines if not x.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            names = {a.name for a in node.names if a.name.startswith("check_")}
            if node.module.startswith("autograder.checks") and names:
                found.setdefault(node.module, set()).update(names)
    return found


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_notebook_imports_its_checks_from_its_listed_module(notebook):
    stage, name = notebook.parent.name, notebook.stem
    listed = CHECK_MODULES.get(stage, {}).get(name)
    assert listed is not None, (
        f"add the line  \"{name}\": \"<module>\",  under \"{stage}\" in autograder/stages.py "
        "CHECK_MODULES (the module of autograder.checks it imports its checks from)")
    module = f"autograder.checks.{listed}"
    package = checks_package(stage)
    assert module == package or module.startswith(package + "."), (
        f"{stage}/{name} is listed with {module}, outside its stage's package {package}")
    imports = _check_imports(notebook)
    assert set(imports) <= {module}, (
        f"{stage}/{name} imports checks from {sorted(set(imports) - {module})}; "
        f"its listed module is {module}")
    defined = vars(importlib.import_module(module))
    missing = sorted(n for names in imports.values() for n in names if n not in defined)
    assert not missing, f"{module} does not define {missing}"


def test_every_listed_notebook_exists():
    present = {(p.parent.name, p.stem) for p in SOLUTIONS}
    stale = [(stage, nb) for stage, notebooks in CHECK_MODULES.items() for nb in notebooks
             if (stage, nb) not in present]
    assert stale == [], f"CHECK_MODULES lists notebooks that do not exist: {stale}"


def _modules_of(name: str) -> list[str]:
    module = importlib.import_module(name)
    if not hasattr(module, "__path__"):
        return [name]
    return [info.name for info in pkgutil.walk_packages(module.__path__, prefix=name + ".")]


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_a_moved_module_still_imports_and_reexports_everything(old):
    new = MOVED_MODULES[old]
    for new_name in _modules_of(new):
        old_name = old + new_name[len(new):]
        if old_name == old and hasattr(importlib.import_module(new), "__path__"):
            continue   # a package's __init__ re-exports nothing; its modules do
        new_module = importlib.import_module(new_name)
        old_module = importlib.import_module(old_name)
        public = {k for k in vars(new_module) if not k.startswith("_")}
        missing = sorted(k for k in public
                         if getattr(old_module, k, None) is not getattr(new_module, k))
        assert not missing, f"the shim {old_name} does not re-export {missing} from {new_name}"


def test_the_registry_skips_the_shims():
    listed = stage_modules()
    assert not [m for m in listed if any(m == o or m.startswith(o + ".") for o in MOVED_MODULES)]
    assert set(MOVED_MODULES.values()) <= set(listed)


def test_a_check_is_named_from_its_notebooks_own_stage():
    """Stages 00 and 05 both define `check_learning_plan`; with alignment_reflections sorted
    (and so imported) first, the progress store must still file 00/03's call under my_plan."""
    import subprocess
    import sys

    code = ("import autograder.checks.alignment_reflections.plan, autograder.checks.orientation\n"
            "from autograder.progress.locate import check_exercises\n"
            f"print(check_exercises(__import__('pathlib').Path({str(ROOT)!r}) / 'curriculum' / "
            "'00_orientation' / '03_first_learning_plan.ipynb').get('my_plan'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert out.stdout.strip() == "3.1", out.stdout + out.stderr
