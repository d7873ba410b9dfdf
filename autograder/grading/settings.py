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


def grader_traits():
    """The `AutograderGrade` Configurable: the grader's own limits and options as traits,
    settable in nbgrader_config.py (``c.AutograderGrade.memory = 4096``); a
    command-line option wins over the config."""
    from traitlets import Enum, Float, Int
    from traitlets.config import Configurable

    from .sandbox import Limits

    default = Limits()

    class AutograderGrade(Configurable):
        """Limits and options of `autograder grade` (a command-line option wins)."""

        timeout = Float(default.notebook_seconds,
                        help="Seconds for a whole notebook (--timeout).").tag(config=True)
        cell_timeout = Float(default.cell_seconds,
                             help="Seconds for one cell, at most; c.Execute.timeout lowers "
                                  "it (--cell-timeout).").tag(config=True)
        memory = Int(default.memory_mb,
                     help="MB of memory per process (--memory).").tag(config=True)
        processes = Int(default.processes,
                        help="Processes and threads per notebook (--processes).").tag(
                            config=True)
        disk = Int(default.disk_mb, help="MB of private disk, and the largest file "
                                         "(--disk).").tag(config=True)
        output = Float(default.output_mb,
                       help="MB of output kept per cell (--output).").tag(config=True)
        workers = Int(0, help="Worker processes; 0: one per core (--workers).").tag(
            config=True)
        sandbox = Enum(["auto", "require", "off"], "auto",
                       help="auto: bubblewrap if it works, else a warned fallback; require: "
                            "refuse to grade without it; off: no isolation (--sandbox)."
                       ).tag(config=True)
        db_wait = Float(600.0, help="Seconds to wait for a locked gradebook (--db-wait)."
                        ).tag(config=True)

    return AutograderGrade


#: command-line option (argparse dest) -> trait of AutograderGrade
OPTION_TRAITS = {"timeout": "timeout", "cell_timeout": "cell_timeout", "memory": "memory",
                 "processes": "processes", "disk": "disk", "output": "output",
                 "workers": "workers", "sandbox": "sandbox", "db_wait": "db_wait"}


def apply_config(args, config) -> None:
    """Fill every option left unset on the command line (None) from the config's
    ``c.AutograderGrade.*``, else the built-in default."""
    import os

    traits = grader_traits()(config=config)
    for option, trait in OPTION_TRAITS.items():
        if getattr(args, option, None) is None:
            setattr(args, option, getattr(traits, trait))
    if not args.workers:
        args.workers = os.cpu_count() or 1


def help_all() -> str:
    """What `autograder grade --help-all` prints after the options."""
    cls = grader_traits()
    traits = cls.class_get_help().replace(f"--{cls.__name__}.", f"c.{cls.__name__}.")
    return traits + "\n\n" + __doc__.split("\n\n", 1)[1]
