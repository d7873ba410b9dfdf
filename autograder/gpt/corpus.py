"""Real text for stage 04: a fixed slice of the Python standard library's own source.

    text = load()                     # str, about 708 kB of Python (22 modules)
    train_text, valid_text = split(text)
    python -m autograder.gpt.corpus   # rebuild the snapshot from this Python's stdlib

The learner's GPT is trained on Python code because the target learner writes
it every day and can judge a sample at a glance. The text ships with the
package as ``autograder/data/python_stdlib.txt.xz`` (148 kB), so nothing
is downloaded at run time and every machine trains on the same bytes
(``SHA256`` below; tests/test_corpus.py checks it).

Licence: the files are from CPython 3.11.7 (``Lib/``), copyright the Python
Software Foundation, distributed under the PSF License Agreement; its text is
shipped beside the snapshot as ``autograder/data/python_stdlib.LICENSE``.
"""

from __future__ import annotations

import hashlib
import lzma
import sys
import sysconfig
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
PATH = DATA / "python_stdlib.txt.xz"
LICENSE = DATA / "python_stdlib.LICENSE"
CPYTHON = "3.11.7"

#: the modules, in this order; each is preceded by a line "# file: Lib/<name>"
FILES = (
    "textwrap.py", "string.py", "heapq.py", "bisect.py", "fractions.py", "functools.py",
    "dataclasses.py", "pathlib.py", "json/__init__.py", "json/decoder.py", "json/encoder.py",
    "json/scanner.py", "json/tool.py", "collections/__init__.py", "argparse.py",
    "contextlib.py", "enum.py", "copy.py", "shlex.py", "csv.py", "statistics.py", "difflib.py",
)
#: sha256 of the UTF-8 text (``load().encode()``)
SHA256 = "372fb007ec06be4caf7a45c7f6118271d0c4dd78db3aeabd948e4a08c0c9b593"
#: the last VALID_FRACTION of the text (cut at a line start) is held out for evaluation
VALID_FRACTION = 0.1


def build(stdlib: str | Path | None = None) -> str:
    """The corpus text from a standard library folder (default: this Python's)."""
    root = Path(stdlib or sysconfig.get_paths()["stdlib"])
    parts = []
    for name in FILES:
        source = (root / name).read_text(encoding="utf-8")
        parts.append(f"# file: Lib/{name}\n{source}")
    return "\n".join(parts)


@lru_cache(maxsize=1)
def load() -> str:
    """The shipped corpus text (a clear error if the file is missing or damaged)."""
    if not PATH.is_file():
        raise FileNotFoundError(f"{PATH} is missing: run `python -m autograder.gpt.corpus` "
                                f"with CPython {CPYTHON} to rebuild it")
    try:
        return lzma.decompress(PATH.read_bytes()).decode("utf-8")
    except (lzma.LZMAError, UnicodeDecodeError) as err:
        raise ValueError(f"{PATH} is damaged ({err}); restore it from git") from err


def digest(text: str) -> str:
    """sha256 of the text's UTF-8 bytes (hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def split(text: str, valid_fraction: float = VALID_FRACTION) -> tuple[str, str]:
    """(train, valid): valid is the last valid_fraction of text, starting at a line."""
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"valid_fraction must be between 0 and 1, not {valid_fraction}")
    cut = text.find("\n", int(len(text) * (1.0 - valid_fraction))) + 1
    if cut <= 0:
        raise ValueError("the text is too short to split at a line")
    return text[:cut], text[cut:]


def main(argv: list[str] | None = None) -> int:
    version = ".".join(map(str, sys.version_info[:3]))
    if version != CPYTHON:
        print(f"this is Python {version}; the snapshot is from CPython {CPYTHON}: the text "
              "would differ. Not written.")
        return 1
    text = build()
    DATA.mkdir(parents=True, exist_ok=True)
    PATH.write_bytes(lzma.compress(text.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))
    root = Path(sysconfig.get_paths()["stdlib"])
    LICENSE.write_text((root / "LICENSE.txt").read_text(encoding="utf-8"), encoding="utf-8")
    print(f"wrote {PATH} ({PATH.stat().st_size} bytes; {len(text)} characters; "
          f"sha256 {digest(text)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
