"""The stage-05 reading list: what to read, how long it takes, which notebook uses it.

The list is data, in ``autograder/data/readings.toml`` (found next to this
module), so that it can be reviewed and corrected without touching code. Every
entry has a title, authors, year and link that were checked against the
published text; ``checked`` says how.

    from autograder.readings import READINGS, reading, readings_for, cite
    cite("cotra_hard")   # 'Why AI alignment could be hard ..., Ajeya Cotra, 2021. https://...'
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "readings.toml"
NOTEBOOKS = range(1, 8)  # the stage-05 notebooks 01..07
KINDS = ("post", "report", "paper", "series", "talk", "survey")
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


class ReadingListError(ValueError):
    """The reading-list file is missing or an entry is malformed (the message says which)."""


@dataclass(frozen=True)
class Reading:
    key: str
    title: str
    authors: tuple[str, ...]
    year: int
    url: str
    minutes: int            # estimated minutes for a first active read of `part`
    part: str               # what to read when the text is long
    notebooks: tuple[int, ...]
    kind: str
    checked: str            # how the entry was verified

    @property
    def author_text(self) -> str:
        """'Ajeya Cotra', 'Paul Christiano, Ajeya Cotra and Mark Xu', or 'X et al.' (5+)."""
        names = list(self.authors)
        if len(names) >= 5:
            return f"{names[0]} et al."
        if len(names) == 1:
            return names[0]
        return ", ".join(names[:-1]) + " and " + names[-1]


_FIELDS = {"key": str, "title": str, "authors": list, "year": int, "url": str, "minutes": int,
           "part": str, "notebooks": list, "kind": str, "checked": str}


def _entry(raw: dict, index: int) -> Reading:
    where = f"reading #{index + 1} ({raw.get('key', 'no key')!r})"
    missing = [f for f in _FIELDS if f not in raw]
    if missing:
        raise ReadingListError(f"{where}: missing {', '.join(missing)}")
    for field, kind in _FIELDS.items():
        if not isinstance(raw[field], kind) or isinstance(raw[field], bool):
            raise ReadingListError(f"{where}: {field} should be a {kind.__name__}, "
                                   f"got {raw[field]!r}")
    if not _KEY.match(raw["key"]):
        raise ReadingListError(f"{where}: key should be snake_case, got {raw['key']!r}")
    if not raw["url"].startswith(("https://", "http://")):
        raise ReadingListError(f"{where}: url should start with https://, got {raw['url']!r}")
    if not raw["authors"] or not all(isinstance(a, str) and a.strip() for a in raw["authors"]):
        raise ReadingListError(f"{where}: authors should be a non-empty list of names")
    if not 1900 <= raw["year"] <= 2100:
        raise ReadingListError(f"{where}: year {raw['year']} is not plausible")
    if not 1 <= raw["minutes"] <= 600:
        raise ReadingListError(f"{where}: minutes should be between 1 and 600")
    bad = [n for n in raw["notebooks"] if n not in NOTEBOOKS]
    if bad or not raw["notebooks"]:
        raise ReadingListError(f"{where}: notebooks should be numbers 1 to 7, got "
                               f"{raw['notebooks']!r}")
    if raw["kind"] not in KINDS:
        raise ReadingListError(f"{where}: kind should be one of {', '.join(KINDS)}")
    return Reading(raw["key"], raw["title"].strip(), tuple(raw["authors"]), raw["year"],
                   raw["url"], raw["minutes"], raw["part"], tuple(raw["notebooks"]),
                   raw["kind"], raw["checked"])


def load_readings(path: str | Path = DATA_FILE) -> tuple[Reading, ...]:
    """Read and validate the reading list; ReadingListError says what is wrong."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReadingListError(f"{path}: the reading list is missing (if the package was "
                               "installed without its data files, reinstall it from the "
                               "repository)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReadingListError(f"{path}: not valid TOML ({exc})") from None
    entries = data.get("reading")
    if not isinstance(entries, list) or not entries:
        raise ReadingListError(f"{path}: no [[reading]] entries")
    readings = tuple(_entry(raw, i) for i, raw in enumerate(entries))
    keys = [r.key for r in readings]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ReadingListError(f"{path}: keys used twice: {', '.join(repeated)}")
    return readings


READINGS: tuple[Reading, ...] = load_readings()
KEYS: tuple[str, ...] = tuple(r.key for r in READINGS)


def reading(key: str) -> Reading:
    """The reading with this key; KeyError naming the closest keys if there is none."""
    for r in READINGS:
        if r.key == key:
            return r
    close = difflib.get_close_matches(str(key), KEYS, n=2, cutoff=0.5)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    raise KeyError(f"no reading with key {key!r}{hint}")


def closest_keys(key: str, n: int = 2) -> list[str]:
    """Up to `n` reading keys that look like `key` (for 'did you mean' messages)."""
    return difflib.get_close_matches(str(key), KEYS, n=n, cutoff=0.5)


def readings_for(notebook: int) -> list[Reading]:
    """The readings a stage-05 notebook uses, in list order."""
    return [r for r in READINGS if notebook in r.notebooks]


def cite(item: str | Reading) -> str:
    """'*Title*, Authors, Year. URL' for a key or a Reading."""
    r = item if isinstance(item, Reading) else reading(item)
    return f"*{r.title}*, {r.author_text}, {r.year}. {r.url}"


def total_minutes(readings: list[Reading] | tuple[Reading, ...] = READINGS) -> int:
    """Estimated minutes to read all of `readings`."""
    return sum(r.minutes for r in readings)


def reading_table(notebook: int | None = None) -> str:
    """A Markdown table of the list (or of one notebook's readings), with total time."""
    rows = READINGS if notebook is None else readings_for(notebook)
    lines = ["| key | reading | year | time | notebooks |", "|---|---|---|---|---|"]
    for r in rows:
        nbs = ", ".join(f"{n:02d}" for n in r.notebooks)
        lines.append(f"| `{r.key}` | [{r.title}]({r.url}), {r.author_text} | {r.year} | "
                     f"{r.minutes} min | {nbs} |")
    hours = total_minutes(rows) / 60
    lines.append(f"\n{len(rows)} readings, about {hours:.0f} hours of active reading.")
    return "\n".join(lines)
