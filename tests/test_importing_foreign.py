"""Front-matter other tools wrote: YAML, TOML (+++) and JSON."""

from __future__ import annotations

import datetime as dt

import pytest

from kb.errors import SourceError
from kb.importing.foreign import split_foreign


def test_no_front_matter_leaves_the_text_alone() -> None:
    foreign = split_foreign("# Title\n\nBody\n", "r.md")
    assert (foreign.format, foreign.data, foreign.body) == (None, {}, "# Title\n\nBody\n")


def test_yaml_keys_of_other_tools_map_to_kb_fields() -> None:
    text = (
        "---\nTitle: Outage\nincident_date: 2022-02-03\ndate: 2022-02-10\nauthor: ann\n---\nBody\n"
    )
    foreign = split_foreign(text, "r.md")
    assert foreign.format == "yaml"
    assert foreign.get("title") == "Outage"  # keys are compared without case
    assert foreign.date() == dt.date(2022, 2, 3)  # the incident date beats a publish date
    assert foreign.names("authors") == ["ann"]
    assert foreign.body == "Body\n"
    assert foreign.body_first_line == 7
    assert foreign.raw.startswith("---\nTitle: Outage")


def test_toml_front_matter_is_read_with_the_standard_library() -> None:
    text = '+++\ntitle = "Outage"\ndate = 2021-08-09T10:00:00Z\ntags = ["db"]\n+++\nBody\n'
    foreign = split_foreign(text, "r.md")
    assert foreign.format == "toml"
    assert foreign.date() == dt.date(2021, 8, 9)
    assert foreign.names("tags") == ["db"]


def test_json_front_matter() -> None:
    foreign = split_foreign('{\n"title": "Outage",\n"date": "2020-05-06"\n}\nBody\n', "r.md")
    assert foreign.format == "json"
    assert foreign.date() == dt.date(2020, 5, 6)


def test_a_thematic_break_at_the_top_is_not_front_matter() -> None:
    foreign = split_foreign("---\nJust text\n---\nMore\n", "r.md")
    assert foreign.format is None


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("---\ntitle: a\nsummary: a: b\n---\nx\n", 3, "invalid YAML"),
        ('+++\ntitle = "a"\nbroken =\n+++\nx\n', 3, "invalid TOML"),
        ('{\n"title": "a",\n}\nx\n', 3, "invalid JSON"),
        ("---\n- a\n- b\n---\nx\n", 2, "not a mapping"),
        ("---\nsummary: !!int abc\n---\nx\n", 2, "'abc' is not a valid whole number"),
        ("---\ntags: &t [a, *t]\n---\nx\n", 2, "front-matter:"),
        ("---\ndate: !!timestamp x\n---\nx\n", 2, "front-matter:"),
        ("---\nn: 1" + "2" * 5000 + "\n---\nx\n", 2, "digits is too long"),
        ("+++\nn = 1" + "2" * 5000 + "\n+++\nx\n", 1, "invalid TOML: Exceeds the limit"),
        ('{\n"n": 1' + "2" * 5000 + "\n}\nx\n", 1, "invalid JSON: Exceeds the limit"),
        ("+++\nn = " + "[" * 5000 + "]" * 5000 + "\n+++\nx\n", 1, "TOML nested too deeply"),
        ('{\n"n": ' + "[" * 5000 + "]" * 5000 + "\n}\nx\n", 1, "JSON nested too deeply"),
    ],
)
def test_broken_front_matter_is_a_source_error_with_its_line(
    text: str, line: int, fragment: str
) -> None:
    with pytest.raises(SourceError) as caught:
        split_foreign(text, "r.md")
    assert caught.value.line == line
    assert fragment in caught.value.reason
