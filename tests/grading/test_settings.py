"""`autograder grade` honours nbgrader_config.py, or refuses a setting with a clear message."""

from __future__ import annotations

import pytest
from traitlets.config import Config

from autograder.grading import synthetic
from autograder.grading.settings import (
    UnsupportedSetting,
    check_settings,
    excluded_from_overwriting,
    refused_settings,
)


def _config(**sections) -> Config:
    config = Config()
    for section, values in sections.items():
        for key, value in values.items():
            setattr(getattr(config, section), key, value)
    return config


def test_the_course_config_is_accepted():
    from autograder.grading.course import Course
    from autograder.release import find_course_root

    course = Course.open(find_course_root(None))
    assert refused_settings(course.config) == []
    assert course.cell_timeout() == 120.0   # c.Execute.timeout, read through traitlets


@pytest.mark.parametrize(("section", "key", "value"), [
    ("Execute", "kernel_name", "python2"),
    ("Execute", "interrupt_on_timeout", False),
    ("Execute", "startup_timeout", 5),
    ("Execute", "timeout", -1),
    ("Autograde", "sanitize_preprocessors", ["nbgrader.preprocessors.ClearOutput"]),
    ("Autograde", "create_student", False),
    ("Autograde", "exclude_overwriting", ["helper.py"]),
])
def test_a_setting_the_grader_cannot_honour_is_refused_by_name(section, key, value):
    config = _config(**{section: {key: value}, "Execute": {"timeout": 30}}
                     if section != "Execute" else {section: {key: value}})
    problems = refused_settings(config)
    assert len(problems) == 1 and f"c.{section}.{key}" in problems[0], problems
    with pytest.raises(UnsupportedSetting, match=f"c.{section}.{key}"):
        check_settings(config)


def test_settings_that_say_what_the_grader_does_are_accepted():
    config = _config(Execute={"timeout": 60, "interrupt_on_timeout": True},
                     Autograde={"exclude_overwriting": {"tiny": ["helper.py"]}})
    assert refused_settings(config) == []
    assert excluded_from_overwriting(config, "tiny") == {"helper.py"}
    assert excluded_from_overwriting(config, "other") == set()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = synthetic.make_course(tmp_path_factory.mktemp("settings") / "course")
    (root / "solutions" / "tiny" / "helper.py").write_text("VALUE = 'instructor'\n")
    (root / "solutions" / "tiny" / "data.txt").write_text("instructor\n")
    return root


def _preparer(root, extra: str):
    from autograder.grading.course import Course
    from autograder.grading.prepare import Preparer
    from autograder.grading.sandbox import Limits

    with open(root / "nbgrader_config.py", "a") as fh:
        fh.write(extra)
    course = Course.open(root)
    check_settings(course.config)
    return Preparer(course, "tiny", [synthetic.TINY_NOTEBOOK], Limits(), prestart=False)


def test_exclude_overwriting_keeps_the_students_file_and_clear_output_is_configured(course):
    from autograder.grading.collect import Submission, find_submissions

    synthetic.make_submission(course, "ann", synthetic.CORRECT)
    folder = course / "submitted" / "ann" / "tiny"
    (folder / "helper.py").write_text("VALUE = 'student'\n")
    (folder / "data.txt").write_text("student\n")
    preparer = _preparer(course, '\nc.Autograde.exclude_overwriting = {"tiny": ["helper.py"]}'
                                 '\nc.ClearOutput.remove_metadata_fields = {"collapsed"}\n')
    from autograder.grading.course import Course

    sub: Submission = find_submissions(Course.open(course), "tiny", ["ann"])[0]
    from autograder.grading.prepare import Prepared

    files = preparer._files(sub, Prepared(sub))
    assert files["helper.py"] == b"VALUE = 'student'\n"      # excluded: the student's copy
    assert files["data.txt"] == b"instructor\n"              # not excluded: nbgrader's rule
    clear = preparer.preprocessors[0]
    assert type(clear).__name__ == "ClearOutput"
    assert clear.remove_metadata_fields == {"collapsed"}


def test_the_graders_limits_are_traits_of_the_config_and_the_command_line_wins():
    import argparse
    import os

    from autograder.grading.settings import apply_config, help_all

    config = _config(AutograderGrade={"memory": 4096, "sandbox": "require", "workers": 3})
    args = argparse.Namespace(timeout=None, cell_timeout=None, memory=None, processes=None,
                              disk=None, output=None, workers=None, sandbox="off",
                              db_wait=None)
    apply_config(args, config)
    assert (args.memory, args.sandbox, args.workers, args.timeout) == (4096, "off", 3, 600.0)
    args = argparse.Namespace(**{**vars(args), "workers": None})
    apply_config(args, _config())
    assert args.workers == (os.cpu_count() or 1)          # 0 in the config: one per core
    text = help_all()
    assert "c.AutograderGrade.memory" in text and "exclude_overwriting" in text


def test_grade_help_all_lists_the_config_traits(capsys):
    from autograder.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["grade", "--help-all"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "--cell-timeout" in out and "c.AutograderGrade.cell_timeout" in out
