"""Per-student HTML feedback, with hidden tests and their outputs removed.

nbgrader's generate_feedback shows hidden tests, and the tracebacks of failing
hidden asserts, to the student (jupyter/nbgrader#917, #1156, #1363). Here the
same exporter and template run with one more preprocessor,
:class:`HideHiddenTests`: nbgrader's ClearHiddenTests removes the hidden
source, and the outputs the hidden segment produced (known from the grading
run) are dropped, except the message of a failing hidden check, which is kept
without its traceback. The visible checks' messages, with their diagnoses
and hints, stay exactly as the student would see them in Jupyter.

A notebook that could not be graded gets a short page saying why.
"""

from __future__ import annotations

import html
import os
import re
import sys
from pathlib import Path

from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests

from .gradebook import GradebookLocked, shared_engines

_EXPORTER = None
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_SOURCE_LINE = re.compile(r"^\s*(?:-*>\s*)?\d+\s?(?P<code>.*)$")  # "----> 2 check(x)"


def _without_hidden_context(traceback: list[str], hidden_lines: set[str]) -> list[str]:
    """The traceback without the source lines it quotes from the hidden region.

    IPython prints a few lines of context around the failing line; in a test cell
    the lines after a failing visible check are the hidden tests themselves.
    """
    kept = []
    for entry in traceback:
        lines = []
        for line in entry.split("\n"):
            match = _SOURCE_LINE.match(_ANSI.sub("", line))
            if match and match["code"].strip() in hidden_lines:
                continue
            lines.append(line)
        kept.append("\n".join(lines))
    return kept


class HideHiddenTests(ClearHiddenTests):
    """ClearHiddenTests, plus: drop what the hidden tests printed or raised, and any
    hidden source that a visible failure's traceback quotes as context."""

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict, cell_index: int):
        ours = cell.get("metadata", {}).pop("autograder", None) or {}
        before = cell.source
        removed = self._remove_hidden_test_region(cell)
        if cell.cell_type != "code" or not removed:
            return cell, resources
        visible = {line.strip() for line in cell.source.splitlines()}
        hidden_lines = {line.strip() for line in before.splitlines()} - visible - {""}
        hidden = ours.get("hidden_outputs")
        kept = []
        for index, output in enumerate(cell.get("outputs", [])):
            is_error = output.get("output_type") == "error"
            if is_error and output.get("traceback"):
                output["traceback"] = _without_hidden_context(output["traceback"],
                                                              hidden_lines)
            if hidden is None or index not in hidden:
                # visible, or graded elsewhere (plain nbgrader) so its origin is unknown:
                # keep it, without any hidden source it quoted
                kept.append(output)
            elif is_error:
                message = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
                output["traceback"] = ["A hidden test failed:", message]
                kept.append(output)
        cell.outputs = kept
        return cell, resources


def _exporter(course_root: str, config):
    """nbgrader's feedback exporter (template, CSS, grades), built once per process."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert.exporters import HTMLExporter
        from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
        from nbgrader.converters import GenerateFeedback
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.preprocessors import GetGrades

        converter = GenerateFeedback(coursedir=CourseDirectory(config=config), config=config)
        exporter = HTMLExporter(config=converter.config)
        hide = HideHiddenTests(config=config)
        hide.enforce_metadata = False
        for preprocessor in (hide, GetGrades(config=config),
                             CSSHTMLHeaderPreprocessor(config=config)):
            exporter.register_preprocessor(preprocessor, enabled=True)
        _EXPORTER = exporter
    return _EXPORTER


def failure_page(student: str, assignment: str, notebook: str, reason: str,
                 graded: bool = False) -> str:
    e = html.escape
    score = "" if graded else " · score: 0"
    title = ("No feedback page for this notebook." if graded
             else "This notebook could not be graded.")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(notebook)}</title>"
            "<style>body{font-family:sans-serif;max-width:48em;margin:3em auto;line-height:1.5}"
            ".box{border-left:4px solid #c0392b;padding:.5em 1em;background:#fdf2f2}</style>"
            f"</head><body><h1>{e(notebook)}</h1><p>Student: {e(student)} · assignment "
            f"{e(assignment)}{score}</p><div class='box'><p><b>{title}</b></p>"
            f"<p>{e(reason)}</p></div><p>If this looks wrong, send your "
            "instructor the notebook as you submitted it.</p></body></html>")


_ATTACHMENT = re.compile(r"attachment:([^\s)\"'>]+)")


def missing_attachments(nb: NotebookNode) -> list[str]:
    """Names that markdown cells show as ``attachment:NAME`` but do not carry."""
    missing = []
    for cell in nb.cells:
        if cell.get("cell_type") not in ("markdown", "raw"):
            continue
        have = cell.get("attachments") or {}
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        missing += [name for name in _ATTACHMENT.findall(source) if name not in have]
    return missing


def repair_attachments(nb: NotebookNode) -> list[str]:
    """Point each missing attachment at nothing (nbconvert refuses the whole notebook
    otherwise); returns the names repaired."""
    repaired = []
    for cell in nb.cells:
        if cell.get("cell_type") not in ("markdown", "raw"):
            continue
        have = cell.get("attachments") or {}

        def swap(match, have=have):
            if match[1] in have:
                return match[0]
            repaired.append(match[1])
            return "#missing-attachment"

        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        cell["source"] = _ATTACHMENT.sub(swap, source)
    return repaired


def write_student_feedback(course_root: str, db_url: str, assignment: str, student: str,
                           notebooks: dict[str, str | None],
                           wait_seconds: float = 600.0) -> list[str]:
    """Write feedback/<student>/<assignment>/<notebook>.html; `notebooks` maps each
    notebook to None (graded) or the reason it could not be. Returns the files."""
    from .gradebook import retry_while_locked

    return retry_while_locked(
        lambda: _write_student_feedback(course_root, db_url, assignment, student, notebooks),
        f"writing {student}'s feedback", wait_seconds,
        lambda message: print(message, file=sys.stderr))


def _write_student_feedback(course_root: str, db_url: str, assignment: str, student: str,
                            notebooks: dict[str, str | None]) -> list[str]:
    import nbformat

    from .course import Course

    course = Course.open(course_root, db_url)
    exporter = _exporter(course_root, course.config)
    autograded = course.folder("autograded_directory", student, assignment)
    dest = course.folder("feedback_directory", student, assignment)
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for notebook, reason in notebooks.items():
        path = autograded / f"{notebook}.ipynb"
        target = dest / f"{notebook}.html"
        if reason is None and path.is_file():
            try:
                nb = nbformat.read(str(path), as_version=4)
                repair_attachments(nb)
                resources = {"nbgrader": {"notebook": notebook, "assignment": assignment,
                                          "student": student, "db_url": course.db_url},
                             "metadata": {"name": notebook, "path": str(autograded)}}
                body, _ = exporter.from_notebook_node(nb, resources=resources)
            except GradebookLocked:
                raise
            except Exception as exc:  # noqa: BLE001 - one page never stops the others
                first = (str(exc).strip().splitlines() or [""])[0][:200]
                body = failure_page(
                    student, assignment, notebook,
                    f"The notebook was graded (see your score in the grades), but its "
                    f"feedback page could not be built ({type(exc).__name__}: {first}).",
                    graded=True)
        else:
            body = failure_page(student, assignment, notebook, reason or "no graded notebook")
        target.write_text(body, encoding="utf-8")
        os.chmod(target, 0o644)
        written.append(str(target))
    copy_exchange_files(autograded, dest)
    return written


#: What `nbgrader release_feedback` reads next to the HTML pages (the submission's time,
#: and the secret that names the page in the exchange so only its student can fetch it).
EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt")


def copy_exchange_files(autograded: Path, dest: Path) -> list[str]:
    """Copy EXCHANGE_FILES from the autograded submission into its feedback folder, as
    nbgrader's generate_feedback does; returns the names copied (a link is never
    followed: those files came from a student)."""
    import shutil

    copied = []
    for name in EXCHANGE_FILES:
        source = autograded / name
        if source.is_file() and not source.is_symlink():
            shutil.copyfile(source, dest / name)
            copied.append(name)
        elif (dest / name).is_file():
            (dest / name).unlink()   # left from an earlier submission: no longer true
    return copied


def _share_engines_for_good() -> None:
    """Pool initializer: this process reuses one gradebook engine (see shared_engines)."""
    shared_engines().__enter__()


def generate_all(course, assignment: str, entries: list[dict], workers: int,
                 say=print, progress: bool = True, wait_seconds: float = 600.0) -> list[Path]:
    """Feedback for every journal entry given, over local processes."""
    import concurrent.futures
    import multiprocessing

    from tqdm.auto import tqdm

    tasks = []
    for entry in entries:
        notebooks = {name: (None if info.get("status") != "failed" else info.get("reason"))
                     for name, info in entry.get("notebooks", {}).items()}
        tasks.append((str(course.root), course.db_url, assignment, entry["student"], notebooks,
                      wait_seconds))
    if not tasks:
        return []
    written: list[Path] = []
    bar = tqdm(total=len(tasks), unit="student", desc="feedback", disable=not progress)
    def failed(task, exc: BaseException) -> None:
        # one student's feedback never stops the phase: say why, write the others
        say(f"{task[3]}: feedback could not be written ({type(exc).__name__}: {exc})")

    if workers <= 1 or len(tasks) < 4:
        with shared_engines():
            for task in tasks:
                try:
                    written += [Path(p) for p in write_student_feedback(*task)]
                except GradebookLocked:
                    raise
                except Exception as exc:  # noqa: BLE001
                    failed(task, exc)
                bar.update(1)
    else:
        with concurrent.futures.ProcessPoolExecutor(
                min(workers, len(tasks)), mp_context=multiprocessing.get_context("spawn"),
                initializer=_share_engines_for_good) as pool:
            futures = {pool.submit(write_student_feedback, *task): task for task in tasks}
            for future in concurrent.futures.as_completed(futures):
                try:
                    written += [Path(p) for p in future.result()]
                except GradebookLocked:
                    raise
                except Exception as exc:  # noqa: BLE001 - a worker that died, too
                    failed(futures[future], exc)
                bar.update(1)
    bar.close()
    return written
