"""Which settings of nbgrader_config.py `autograder grade` honours, and which it refuses.

The course's config is read with traitlets' loader (course.Course.open), as
nbgrader reads it. nbgrader's preprocessors the grader runs are built with it,
so their settings take effect as in `nbgrader autograde`: ClearOutput,
DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata before
execution; IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
SaveAutoGrades, AssignLatePenalties (and its late-submission plugin) after it.

Execution is the grader's own (a sandboxed kernel per notebook, judged outside
the kernel), so of ``c.Execute`` it honours ``timeout`` (the per-cell limit, at
most ``--cell-timeout``) and accepts settings that say what it does anyway;
anything else is refused before grading starts, with the reason, rather than
silently ignored. Of ``c.Autograde`` it honours ``exclude_overwriting`` (files
a student may submit in place of the instructor's) and refuses a custom
preprocessor list.
"""

from __future__ import annotations

#: Execute settings that match what the grader always does: value -> accepted.
EXECUTE_CONSISTENT = {"interrupt_on_timeout": True, "allow_errors": True, "enabled": True}
EXECUTE_HONOURED = {"timeout"}
AUTOGRADE_HONOURED = {"exclude_overwriting"}
AUTOGRADE_CONSISTENT = {"create_student": True}

WHY_EXECUTE = ("autograder grade runs every notebook in its own sandboxed kernel, with its "
               "own limits (see `autograder grade --help`: --timeout, --cell-timeout, "
               "--memory, --output)")
WHY_PIPELINE = ("autograder grade runs a fixed pipeline around its sandbox (nbgrader's "
                "ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, "
                "CheckCellMetadata, then execution, then IgnorePattern, ClearMetadata, "
                "LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata)")


class UnsupportedSetting(RuntimeError):
    """nbgrader_config.py asks for something the grader cannot do (the message says what)."""


def refused_settings(config) -> list[str]:
    """One sentence per setting of `config` (a traitlets Config) that `autograder grade`
    would not honour; empty when every setting it reads is honoured."""
    problems = []
    execute = config.get("Execute", {})
    for key in sorted(execute):
        value = execute[key]
        if key in EXECUTE_HONOURED:
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                problems.append(f"c.Execute.timeout = {value!r}: the grader needs a number of "
                                "seconds above 0 (it never runs a cell without a limit)")
            continue
        if key in EXECUTE_CONSISTENT and value == EXECUTE_CONSISTENT[key]:
            continue
        problems.append(f"c.Execute.{key} = {value!r} is not supported: {WHY_EXECUTE}")
    autograde = config.get("Autograde", {})
    for key in sorted(autograde):
        value = autograde[key]
        if key in AUTOGRADE_HONOURED:
            if not isinstance(value, dict) or not all(
                    isinstance(v, (list, tuple)) for v in value.values()):
                problems.append(f"c.Autograde.{key} must map assignment names to lists of "
                                f"file names, not {value!r}")
            continue
        if key in AUTOGRADE_CONSISTENT and value == AUTOGRADE_CONSISTENT[key]:
            continue
        problems.append(f"c.Autograde.{key} = {value!r} is not supported: {WHY_PIPELINE}")
    return problems


def check_settings(config) -> None:
    """Raise UnsupportedSetting listing every refused setting (see refused_settings)."""
    problems = refused_settings(config)
    if problems:
        raise UnsupportedSetting(
            "nbgrader_config.py has settings `autograder grade` cannot honour:\n  - "
            + "\n  - ".join(problems)
            + "\nRemove them from nbgrader_config.py (or grade with `nbgrader autograde`).")


def excluded_from_overwriting(config, assignment: str) -> set[str]:
    """Files (relative to the assignment's source folder) that a student's submitted
    copy replaces: nbgrader's ``c.Autograde.exclude_overwriting[assignment]``."""
    table = config.get("Autograde", {}).get("exclude_overwriting", {}) or {}
    return {str(name) for name in table.get(assignment, [])}
