"""Features of Python source, one label per byte, for the probes of 06/05.

    f = byte_features(source)        # {"in_string": bool (N,), "bracket_depth": int (N,),
                                     #  "indent": int (N,)}, N = len(source.encode())
    text, f = held_out_text()        # the corpus's validation text and its byte labels

Each label describes the state of the text *after reading that byte*, so the label
of a byte depends only on the bytes up to and including it:

- ``in_string``: the byte lies inside a string literal, its quotes and prefix
  included (all four bytes of ``b"x"`` are string bytes). Strings are found with Python's
  own ``tokenize`` module, so triple quotes, escaped quotes and quotes inside
  comments are handled the way Python handles them. f-strings count as strings.
- ``bracket_depth``: how many ``(``, ``[`` and ``{`` are open after this byte (an
  opening bracket counts itself; a closing one does not). Brackets inside strings
  and comments are not brackets.
- ``indent``: the indentation depth of the physical line holding the byte, its
  leading spaces // 4 (a tab counts as 4 spaces); the newline that ends a line
  belongs to that line.

The stage-04 BPE works on UTF-8 bytes, so labels are per byte, not per character:
a non-ASCII character's bytes all get its label.
"""

from __future__ import annotations

import io
import re
import tokenize

import numpy as np

from ..gpt import corpus

FEATURES = ("in_string", "bracket_depth", "indent")
_OPEN, _CLOSE = {"(", "[", "{"}, {")", "]", "}"}


def _byte_offsets(source: str) -> tuple[list[int], np.ndarray]:
    """Character offset of each line start, and the byte offset of every character (N + 1,)."""
    line_starts = [0]
    for m in re.finditer("\n", source):
        line_starts.append(m.end())
    widths = np.fromiter((len(c.encode("utf-8")) for c in source), dtype=np.int64,
                         count=len(source))
    return line_starts, np.concatenate([[0], np.cumsum(widths)])


def byte_features(source: str) -> dict[str, np.ndarray]:
    """Per-byte labels of Python source (see the module docstring), each of shape (N,).

    source: complete Python source (SyntaxError from tokenize otherwise).
    Returns {"in_string": bool (N,), "bracket_depth": int64 (N,), "indent": int64 (N,)}
    with N = len(source.encode("utf-8")).
    """
    if not isinstance(source, str):
        raise TypeError(f"source should be a str, not {type(source).__name__}")
    line_starts, byte_at = _byte_offsets(source)
    n = int(byte_at[-1])

    def offset(pos: tuple[int, int]) -> int:       # tokenize's (row, col) -> byte offset
        row, col = pos
        return int(byte_at[min(line_starts[row - 1] + col, len(source))])

    in_string = np.zeros(n, dtype=bool)
    change = np.zeros(n + 1, dtype=np.int64)       # +1 at an opening bracket, -1 after a closing
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.STRING:
                in_string[offset(tok.start):offset(tok.end)] = True
            elif tok.type == tokenize.OP and tok.string in _OPEN:
                change[offset(tok.start)] += 1
            elif tok.type == tokenize.OP and tok.string in _CLOSE:
                change[offset(tok.start)] -= 1
    except (tokenize.TokenError, IndentationError) as err:
        raise SyntaxError(f"byte_features needs complete Python source: {err}") from err
    depth = np.cumsum(change[:n])
    # a closing bracket's own byte is already outside it (the state after reading it)

    indent = np.zeros(n, dtype=np.int64)
    for row, start in enumerate(line_starts):
        end = line_starts[row + 1] if row + 1 < len(line_starts) else len(source)
        line = source[start:end]
        stripped = line.lstrip(" \t")
        spaces = line[:len(line) - len(stripped)].replace("\t", "    ")
        indent[byte_at[start]:byte_at[end]] = len(spaces) // 4
    return {"in_string": in_string, "bracket_depth": depth, "indent": indent}


def held_out_text() -> tuple[str, dict[str, np.ndarray]]:
    """The stage-04 validation text and its per-byte labels.

    The validation text starts in the middle of a file (inside a docstring), so the
    labels are computed on the whole file that holds its start and then cut: the
    first bytes are labelled "in a string" because they are.
    Returns (text, {name: (N,) array}) with N = len(text.encode()).
    """
    full = corpus.load()
    train, valid = corpus.split(full)
    marker = full.rfind("# file: ", 0, len(train))
    feats = byte_features(full[marker:])
    skip = len(full[marker:len(train)].encode("utf-8"))
    return valid, {k: v[skip:] for k, v in feats.items()}
