"""Hand-outs and privacy: an image built from an instructor's checkout holds no solutions,
hidden tests, rubrics, students' work or grades."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Folders and files that exist only in an instructor's checkout (nbgrader's and ours).
INSTRUCTOR_ONLY = ["solutions/00_orientation/01_welcome.ipynb",
                   "released_solutions/00_orientation/01_welcome.ipynb",
                   "submitted/ann/00_orientation/01_welcome.ipynb",
                   "autograded/ann/00_orientation/01_welcome.ipynb",
                   "feedback/ann/00_orientation/01_welcome.html",
                   "downloaded/00_orientation/archive/submissions.zip",
                   "reports/00_orientation/grades.csv",
                   "exchange/alignment-curriculum/inbound/x.ipynb",
                   "gradebook.db", "gradebook.db-journal"]
LEARNER = ["curriculum/00_orientation/01_welcome.ipynb", "environment.yml",
           "autograder/checks/__init__.py", "nbgrader_config.py"]


class _Client:
    """Stands in for the Docker engine: keeps the build context repo2docker sends."""

    context: bytes = b""

    def build(self, **kwargs):
        self.context = kwargs["fileobj"].read()
        return iter([])


def _context_names(repo: Path) -> set[str]:
    """The paths repo2docker's own build step puts into the Docker build context."""
    from repo2docker.buildpacks import CondaBuildPack

    client = _Client()
    before = os.getcwd()
    os.chdir(repo)           # repo2docker builds the context from the current folder
    try:
        pack = CondaBuildPack("docker.io/library/buildpack-deps:jammy")
        pack.platform = "linux/amd64"
        list(pack.build(client, "handout-test", 0, {}, [], {}, platform="linux/amd64"))
    finally:
        os.chdir(before)
    names = tarfile.open(fileobj=io.BytesIO(client.context)).getnames()
    return {n.removeprefix("src/") for n in names if n.startswith("src/")}


def test_repo2docker_leaves_every_instructor_folder_out_of_the_image(tmp_path):
    repo = tmp_path / "checkout"
    shutil.copytree(ROOT / "binder", repo / "binder")
    for name in INSTRUCTOR_ONLY + LEARNER:
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    names = _context_names(repo)
    assert set(LEARNER) <= names, "the learner's files must still be in the image"
    private = {p.split("/")[0] for p in INSTRUCTOR_ONLY}
    leaked = sorted(n for n in names if n.split("/")[0] in private)
    assert not leaked, f"instructor-only files in the build context: {leaked}"


def test_a_plain_docker_build_ignores_the_same_files():
    assert (ROOT / ".dockerignore").read_text() == (ROOT / "binder" / ".dockerignore").read_text()


def _regions(text: str, begin: str, end: str) -> list[str]:
    """The stripped lines strictly between `begin` and `end` marker lines."""
    found, inside = [], False
    for line in text.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            found.append(line.strip())
    return found


def _sources(folder: Path):
    import json

    for path in sorted(folder.rglob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = cell["source"]
            yield "".join(source) if isinstance(source, list) else source


def _text_files(folder: Path):
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


def test_the_handout_has_the_curriculum_and_checks_but_no_solutions_or_hidden_tests(tmp_path):
    from autograder.cli import main

    dest = tmp_path / "handout"
    assert main(["--root", str(ROOT), "handout", str(dest)]) == 0
    assert (dest / "curriculum" / "00_orientation").is_dir()
    assert (dest / "autograder" / "checks" / "__init__.py").is_file()
    assert (dest / "environment.yml").is_file() and (dest / "manage.py").is_file()
    tops = {p.name for p in dest.iterdir()}
    assert not tops & {"solutions", "released_solutions", "tests", "benchmarks", "submitted",
                       "autograded", "feedback", "downloaded", "reports", "gradebook.db"}
    for path, text in _text_files(dest):
        if path.suffix == ".ipynb":
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, path

    public = {line.strip() for src in _sources(ROOT / "curriculum") for line in src.splitlines()}
    solution, hidden = set(), set()
    for src in _sources(ROOT / "solutions"):
        solution |= set(_regions(src, "BEGIN SOLUTION", "END SOLUTION"))
        hidden |= set(_regions(src, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
    solution = {line for line in solution - public if len(line) >= 30}
    cases = {line for line in hidden - public if "Case(" in line and len(line) >= 30}
    assert len(solution) > 500 and len(cases) > 50, "the solutions were not read"
    for path, text in _text_files(dest):
        lines = {line.strip() for line in text.splitlines()}
        rel = path.relative_to(dest).as_posix()
        if not rel.startswith("autograder/"):
            # the check package's oracles compute what the solutions compute (documented
            # in docs/grading.md); nothing else may quote a solution
            assert not lines & solution, (rel, sorted(lines & solution)[:3])
        if rel != "autograder/grading/synthetic.py":     # its own generated tiny stage
            assert not lines & cases, (rel, sorted(lines & cases)[:3])
