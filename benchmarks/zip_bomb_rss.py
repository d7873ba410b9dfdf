"""Peak memory of the coordinator while it collects a zip bomb.

    python3 manage.py run python benchmarks/zip_bomb_rss.py [--mb 512] [--repo PATH]

Writes a .zip holding one honest notebook and one "notebook" of --mb MB of
zeros (about 1000 to 1 compressed, so the archive stays small), then collects
it with `autograder.grading.collect.gather` in a fresh process and prints that
process's peak resident memory (ru_maxrss) before and after collecting, and
what was collected. --repo points at another checkout of this repository (for
example the main branch) to measure its collection code the same way (with
its own .venv when it has one).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MB = 1024 * 1024

CHILD = r"""
import json, resource, sys
from pathlib import Path
import autograder.grading.collect as collect_module
from autograder.grading.collect import find_submissions, gather
from autograder.grading.course import Course
course = Course.open(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
error = None
try:
    gather(course, "tiny", Path(sys.argv[2]), ["01_tiny"], say=lambda *_: None)
except BaseException as exc:   # a refusal is an answer too
    error = f"{type(exc).__name__}: {exc}"[:300]
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
found = sorted(s.student for s in find_submissions(course, "tiny") if s.files)
print(json.dumps({"module": collect_module.__file__, "before_mb": before / 1024,
                  "peak_mb": after / 1024, "error": error, "collected": found}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=512)
    parser.add_argument("--repo", default=str(Path(__file__).resolve().parents[1]))
    args = parser.parse_args()
    from autograder.grading import synthetic

    with tempfile.TemporaryDirectory() as tmp:
        root = synthetic.make_course(Path(tmp) / "course")
        honest = synthetic.make_submission(root, "x", synthetic.CORRECT,
                                           folder=Path(tmp) / "honest")
        bomb = Path(tmp) / "download.zip"
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(honest, "alice_01_tiny.ipynb")
            with zf.open("bomb_01_tiny.ipynb", "w", force_zip64=True) as out:
                zeros = b"\0" * MB
                for _ in range(args.mb):
                    out.write(zeros)
        print(f"archive: {bomb.stat().st_size / MB:.1f} MB on disk, {args.mb} MB of zeros "
              "inside")
        env = {"PYTHONPATH": args.repo,
               "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
        python = Path(args.repo) / ".venv" / "bin" / "python"   # its own environment
        python = str(python) if python.exists() else sys.executable
        run = subprocess.run([python, "-c", CHILD, str(root), str(bomb)], cwd=tmp,
                             capture_output=True, text=True, env=env, timeout=1800)
        if run.returncode != 0:
            print(run.stderr[-2000:])
            sys.exit(1)
        result = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"code: {result['module']}")
        print(f"coordinator peak RSS: {result['peak_mb']:.0f} MB (before collecting: "
              f"{result['before_mb']:.0f} MB); collected: {result['collected']}; "
              f"refused: {result['error'] or 'per member (see issues.csv)'}")


if __name__ == "__main__":
    main()
