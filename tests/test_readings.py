"""The stage-05 reading list: complete, well-formed, the only source of links, loaded safely."""

from __future__ import annotations

import re

import pytest
from nbfiles import ROOT

from autograder.notebooks import read_notebook
from autograder.readings import (
    DATA_FILE,
    KEYS,
    READINGS,
    ReadingListError,
    cite,
    closest_keys,
    load_readings,
    reading,
    reading_table,
    readings_for,
    total_minutes,
)

STAGE = ROOT / "solutions" / "05_alignment_reflections"
URL = re.compile(r"https?://[^\s)>\]\"'`]+")

# The readings the issue requires, by a distinctive part of the title and an author.
REQUIRED = [
    ("AGI Safety from First Principles", "Richard Ngo"),
    ("My Overview of the AI Alignment Landscape", "Neel Nanda"),
    ("Why AI alignment could be hard with modern deep learning", "Ajeya Cotra"),
    ("The Most Important Century", "Holden Karnofsky"),
    ("Is Power-Seeking AI an Existential Risk?", "Joseph Carlsmith"),
    ("Risks from Learned Optimization", "Evan Hubinger"),
    ("Eliciting Latent Knowledge", "Paul Christiano"),
    ("Natural Abstraction", "John Wentworth"),
    ("Deep Reinforcement Learning from Human Preferences", "Paul Christiano"),
    ("My personal cruxes for working on AI safety", "Buck Shlegeris"),
    ("How I Formed My Own Views About AI Safety", "Neel Nanda"),
]


@pytest.mark.parametrize(("title", "author"), REQUIRED, ids=[t for t, _ in REQUIRED])
def test_every_required_reading_is_listed(title, author):
    matches = [r for r in READINGS if title.lower() in r.title.lower() and author in r.authors]
    assert matches, f"the reading list has no {title!r} by {author}"


def test_entries_are_complete_and_unique():
    assert len(KEYS) == len(set(KEYS))
    for r in READINGS:
        assert r.url.startswith("https://"), r.key
        assert 1980 <= r.year <= 2025, r.key
        assert r.checked.strip(), f"{r.key}: say how the entry was verified"
        assert r.part.strip() and r.minutes > 0


def test_every_notebook_has_readings_and_shows_them():
    for n in range(1, 8):
        assert readings_for(n), f"notebook {n:02d} uses no reading"
    for path in sorted(STAGE.glob("*.ipynb")):
        number = int(path.name[:2])
        source = "\n".join(c.source for c in read_notebook(path).cells)
        assert "reading_table(" in source, f"{path.name} does not show its reading list"
        if number > 1:
            assert f"reading_table({number})" in source, (
                f"{path.name} shows another notebook's readings")


def test_every_link_in_the_stage_is_a_checked_reading():
    """Notebooks and the README may only link to texts on the verified reading list."""
    known = {r.url for r in READINGS}
    files = [*sorted(STAGE.glob("*.ipynb")), STAGE / "README.md"]
    for path in files:
        if path.suffix == ".ipynb":
            text = "\n".join(c.source for c in read_notebook(path).cells)
        else:
            text = path.read_text(encoding="utf-8")
        for url in URL.findall(text):
            url = url.rstrip(".,;")
            assert url in known, f"{path.name} links to {url}, which is not on the reading list"


def test_total_time_matches_the_readme():
    readme = (STAGE / "README.md").read_text(encoding="utf-8")
    hours = round(total_minutes() / 60)
    assert f"roughly {hours} of reading" in readme


def test_lookup_cite_and_table():
    r = reading("cotra_hard")
    assert r.authors == ("Ajeya Cotra",) and r.year == 2021
    assert cite("cotra_hard") == (f"*{r.title}*, Ajeya Cotra, 2021. {r.url}")
    assert cite("hubinger_learned_optimization").startswith("*Risks from Learned Optimization")
    assert "Evan Hubinger et al." in cite("hubinger_learned_optimization")
    with pytest.raises(KeyError, match="did you mean 'cotra_hard'"):
        reading("cotra_hrad")
    assert closest_keys("nanda_landscap")[0] == "nanda_landscape"
    table = reading_table(4)
    assert table.count("\n| `") == len(readings_for(4))
    assert "hours of active reading" in table


def _write(tmp_path, text: str):
    path = tmp_path / "readings.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """[[reading]]
key = "a_reading"
title = "A Title"
authors = ["A. Author"]
year = 2021
url = "https://example.org/a"
minutes = 30
part = "all"
notebooks = [1]
kind = "post"
checked = "by hand"
"""


def test_loader_accepts_a_good_file(tmp_path):
    (r,) = load_readings(_write(tmp_path, GOOD))
    assert r.key == "a_reading" and r.notebooks == (1,)


@pytest.mark.parametrize(("change", "message"), [
    (("url = \"https://example.org/a\"", "url = \"example.org/a\""), "should start with https"),
    (("year = 2021", "year = \"2021\""), "year should be a int"),
    (("notebooks = [1]", "notebooks = [9]"), "notebooks should be numbers 1 to 7"),
    (("kind = \"post\"", "kind = \"blog\""), "kind should be one of"),
    (("checked = \"by hand\"\n", ""), "missing checked"),
    (("key = \"a_reading\"", "key = \"A Reading\""), "snake_case"),
])
def test_loader_names_what_is_wrong(tmp_path, change, message):
    with pytest.raises(ReadingListError, match=message):
        load_readings(_write(tmp_path, GOOD.replace(*change)))


def test_loader_rejects_duplicates_bad_toml_and_missing_files(tmp_path):
    with pytest.raises(ReadingListError, match="keys used twice: a_reading"):
        load_readings(_write(tmp_path, GOOD + "\n" + GOOD))
    with pytest.raises(ReadingListError, match="not valid TOML"):
        load_readings(_write(tmp_path, "[[reading]\nkey ="))
    with pytest.raises(ReadingListError, match="missing"):
        load_readings(tmp_path / "nothing.toml")
    with pytest.raises(ReadingListError, match="no \\[\\[reading\\]\\] entries"):
        load_readings(_write(tmp_path, "title = 'x'\n"))


def test_the_data_file_sits_next_to_the_module():
    assert DATA_FILE.is_file() and DATA_FILE.parent.name == "data"
