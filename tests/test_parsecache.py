"""Front-matter parsed by an earlier build: found again by its text, never stale."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from search_helpers import write_example_kb

import kb.parsecache as pc
from kb.errors import YamlError
from kb.knowledge import load_knowledge_base
from kb.session import BuildSession
from kb.source import parse_yaml, split

FRONT = """\
id: PM-2025-001
started: 2025-03-14T09:30:00+01:00
naive: 2025-03-14 09:30:00
day: 2025-03-14
impossible: 2025-02-30
flags: [true, false, null]
numbers: [1, -2, 3.5, .inf, 0x10]
nested:
  - {name: "Zoë", owner: "@db-team", due: 2025-04-01}
  - plain text
"""


def test_a_kept_value_equals_a_fresh_parse_of_the_same_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = pc.ParsedCache(tmp_path)
    value = first.parse(FRONT, 2)
    assert value == parse_yaml(FRONT, 2) and first.hits == 0
    first.save()

    def refuse(text: str, first_line: int = 1) -> Any:
        raise AssertionError("parsed again")

    monkeypatch.setattr(pc, "parse_yaml", refuse)
    second = pc.ParsedCache(tmp_path)
    again = second.parse(FRONT, 2)
    assert again == value and second.hits == 1
    # Same types, not only equal values: a date stays a date, an aware time keeps its zone.
    assert type(again["day"]) is dt.date and type(again["naive"]) is dt.datetime
    assert again["started"].utcoffset() == dt.timedelta(hours=1)
    assert again["impossible"] == "2025-02-30" and again["flags"] == [True, False, None]
    assert again is not value and again["nested"] is not value["nested"]


def test_edited_front_matter_is_parsed_again(tmp_path: Path) -> None:
    first = pc.ParsedCache(tmp_path)
    first.parse("id: PM-2025-001\n")
    first.save()
    second = pc.ParsedCache(tmp_path)
    assert second.parse("id: PM-2025-002\n") == {"id": "PM-2025-002"}
    assert second.hits == 0


def test_invalid_yaml_is_reported_every_time_and_never_kept(tmp_path: Path) -> None:
    for _ in range(2):
        cache = pc.ParsedCache(tmp_path)
        with pytest.raises(YamlError) as raised:
            cache.parse("id: [unclosed\n", 4)
        assert raised.value.line >= 4
        cache.save()
    assert not (tmp_path / pc.FILE).exists()  # nothing worth keeping


def test_values_json_cannot_hold_are_parsed_each_time(tmp_path: Path) -> None:
    text = "2025: a year as a key\n"
    for _ in range(2):
        cache = pc.ParsedCache(tmp_path)
        assert cache.parse(text) == {2025: "a year as a key"}
        assert cache.hits == 0
        cache.save()


@pytest.mark.parametrize(
    "damage",
    [
        "{not json",
        '{"version": 0, "entries": {}}',
        '{"version": 1, "entries": []}',
        "[]",
    ],
)
def test_a_damaged_cache_file_is_ignored(tmp_path: Path, damage: str) -> None:
    (tmp_path / pc.FILE).write_text(damage)
    cache = pc.ParsedCache(tmp_path)
    assert cache.parse("id: PM-2025-001\n") == {"id": "PM-2025-001"} and cache.hits == 0
    cache.save()
    assert json.loads((tmp_path / pc.FILE).read_text())["version"] == pc.VERSION


def test_a_damaged_entry_is_parsed_again(tmp_path: Path) -> None:
    cache = pc.ParsedCache(tmp_path)
    cache.parse("day: 2025-03-14\n")
    cache.save()
    data = json.loads((tmp_path / pc.FILE).read_text())
    (key,) = data["entries"]
    data["entries"][key] = {"day": {"\x00date": "not a date"}}
    (tmp_path / pc.FILE).write_text(json.dumps(data))
    again = pc.ParsedCache(tmp_path)
    assert again.parse("day: 2025-03-14\n") == {"day": dt.date(2025, 3, 14)}
    assert again.hits == 0


def test_only_the_entries_used_last_are_written_back(tmp_path: Path) -> None:
    first = pc.ParsedCache(tmp_path)
    first.parse("id: a\n")
    first.parse("id: b\n")
    first.save()
    second = pc.ParsedCache(tmp_path)
    second.parse("id: b\n")
    second.save()
    assert len(json.loads((tmp_path / pc.FILE).read_text())["entries"]) == 1


def test_a_cache_folder_that_cannot_be_written_changes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = pc.ParsedCache(blocker / "cache")
    assert cache.parse("id: a\n") == {"id": "a"}
    cache.save()  # no exception


def test_loading_with_the_cache_finds_the_same_documents_and_problems(tmp_path: Path) -> None:
    settings = write_example_kb(tmp_path)
    for bad in ("category-not-in-taxonomy.md", "invalid-yaml.md", "naive-datetime.md"):
        shutil.copy(Path(__file__).parent / "data" / "invalid" / bad, settings.content_dir / bad)
    day = dt.date(2026, 11, 26)
    plain = load_knowledge_base(settings, today=day)
    cache = tmp_path / ".kb" / "cache"
    filled = BuildSession(cache).load(settings, today=day)
    stamp = (cache / pc.FILE).stat().st_mtime_ns
    kept = BuildSession(cache).load(settings, today=day)
    assert (cache / pc.FILE).stat().st_mtime_ns == stamp  # every entry found: nothing to write
    for kb in (filled, kept):
        assert [str(p) for p in kb.problems] == [str(p) for p in plain.problems]
        assert [(d.path, d.meta, d.body) for d in kb.documents] == [
            (d.path, d.meta, d.body) for d in plain.documents
        ]
    assert plain.errors and plain.warnings  # the comparison covered both kinds


def test_a_session_that_loads_again_reads_the_cache_once_and_sees_every_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The live preview loads the knowledge base again on every save, with one session.
    settings = write_example_kb(tmp_path)
    day = dt.date(2026, 11, 26)
    session = BuildSession(tmp_path / ".kb" / "cache", reloads=True)
    first = session.load(settings, today=day)
    edited = next(d for d in first.documents if d.type == "postmortem")
    text = edited.path.read_text(encoding="utf-8")
    edited.path.write_text(re.sub(r"(?m)^title: .*$", "title: Kestrel", text, count=1))
    reads: list[Path] = []
    original = Path.read_text

    def counted(path: Path, *args: Any, **kwargs: Any) -> str:
        if path.name == pc.FILE:
            reads.append(path)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counted)
    again = session.load(settings, today=day)
    assert reads == []  # the entries of the first load were kept in memory
    # The unchanged files are not even read again: their documents are the first load's.
    assert session._last_load is not None and session._last_load.taken == len(first.documents) - 1
    assert next(d for d in again.documents if d.path == edited.path).meta.title.startswith(
        "Kestrel"
    )
    unchanged = [d for d in again.documents if d.path != edited.path]
    assert unchanged == [d for d in first.documents if d.path != edited.path]
    assert [d.meta for d in unchanged] == [d.meta for d in first.documents if d.path != edited.path]
    # When the session ends, the cache still holds every document, taken again or not.
    monkeypatch.undo()
    session.close()
    assert len(pc.ParsedCache(tmp_path / ".kb" / "cache")) == len(first.documents)


def test_the_positions_problems_point_at_are_kept_and_found_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = write_example_kb(tmp_path)
    shutil.copy(
        Path(__file__).parent / "data" / "invalid" / "category-not-in-taxonomy.md",
        settings.content_dir / "category-not-in-taxonomy.md",
    )
    day = dt.date(2026, 11, 26)
    cache = tmp_path / ".kb" / "cache"
    plain = load_knowledge_base(settings, today=day)
    BuildSession(cache).load(settings, today=day)  # finds the positions and keeps them
    monkeypatch.setattr(
        "kb.source.yaml.compose", lambda *a, **k: pytest.fail("composed the YAML again")
    )
    kept = BuildSession(cache).load(settings, today=day)
    assert [str(p) for p in kept.problems] == [str(p) for p in plain.problems]
    assert any(p.line > 1 for p in plain.problems) and plain.warnings


def test_a_kept_position_follows_the_front_matter_where_it_starts() -> None:
    from kb.source import KeyLocator

    text = "id: PM-2025-001\nservices:\n  - edge\n  - checkout\n"
    known: dict[str, list[int]] = {}
    assert KeyLocator(text, 2, known).locate(("services", 1)) == (5, 5)
    assert known  # found once, kept
    # The same text lower in another file (kb.parsecache keys by the text alone).
    assert KeyLocator(text, 7, known).locate(("services", 1)) == (10, 5)
    assert KeyLocator(text, 7, known).has(("services", 1))
    assert not KeyLocator(text, 7, known).has(("services", 9))
    assert KeyLocator(text, 7, known).locate(("owner",)) == (6, 1)  # not there: the `---`


def test_the_preview_writes_what_its_later_loads_parsed_when_it_stops(tmp_path: Path) -> None:
    # Writing every entry again after each save took 2.7 s of a rebuild at 10,000
    # documents: the preview writes the cache after its first load, then when it stops.
    settings = write_example_kb(tmp_path)
    day, cache = dt.date(2026, 11, 26), tmp_path / ".kb" / "cache"
    session = BuildSession(cache, reloads=True)
    first = session.load(settings, today=day)
    written = (cache / pc.FILE).read_text()
    edited = next(d for d in first.documents if d.type == "postmortem")
    text = edited.path.read_text(encoding="utf-8")
    edited.path.write_text(re.sub(r"(?m)^title: .*$", "title: Kestrel", text, count=1))
    session.load(settings, today=day)
    session.load(settings, today=day)  # a save that changed nothing more
    assert (cache / pc.FILE).read_text() == written  # not yet
    session.close()
    assert "Kestrel" in (cache / pc.FILE).read_text()  # the edit of two loads ago
    stamp = (cache / pc.FILE).stat().st_mtime_ns
    session.close()  # closing again writes nothing more
    assert (cache / pc.FILE).stat().st_mtime_ns == stamp


def test_a_session_that_loads_once_lets_the_parsed_entries_go(tmp_path: Path) -> None:
    # `kb build` loads once, then builds the site: the cache's entries would only take memory.
    settings = write_example_kb(tmp_path)
    session = BuildSession(tmp_path / ".kb" / "cache")
    session.load(settings, today=dt.date(2026, 11, 26))
    assert session._parsed is None
    assert (tmp_path / ".kb" / "cache" / pc.FILE).is_file()  # written back all the same


def test_entries_parsed_ahead_are_used_as_parsed_and_written_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the helper process parses ahead stands for parsing here, and a cache written
    # after it holds those entries as if they had been parsed here.
    folder = tmp_path / "docs"
    folder.mkdir()
    texts = {"a.md": FRONT, "b.md": "id: PM-2025-002\nday: 2025-03-15\n", "c.md": "id: [\n"}
    for name, front in texts.items():
        (folder / name).write_text(f"---\n{front}---\nBody.\n")
    (folder / "d.md").write_bytes(b"---\nid: \xff\n---\n")  # not UTF-8: left to the loader
    known = pc.ParsedCache(tmp_path / "other")
    b_front = split((folder / "b.md").read_text()).front_matter
    assert b_front is not None
    known.parse(b_front)  # already in a cache: not parsed again
    entries = pc.parse_ahead(sorted(folder.iterdir()), frozenset(known._new))
    assert len(entries) == 1  # a.md; b.md was known, c.md does not parse, d.md is not text

    cache = pc.ParsedCache(tmp_path / "cache")
    arrivals = [entries]
    cache.expect(lambda: arrivals.pop() if arrivals else {})

    def refuse(text: str, first_line: int = 1) -> Any:
        raise AssertionError("parsed here although it was parsed ahead")

    a_front = split((folder / "a.md").read_text()).front_matter
    assert a_front is not None
    monkeypatch.setattr(pc, "parse_yaml", refuse)
    assert cache.parse(a_front) == parse_yaml(a_front)
    cache.save()
    again = pc.ParsedCache(tmp_path / "cache")
    assert again.parse(a_front) == parse_yaml(a_front) and again.hits == 1


def test_a_first_load_with_the_helper_parsing_ahead_finds_what_a_plain_load_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kb.session

    settings = write_example_kb(tmp_path)
    for bad in ("category-not-in-taxonomy.md", "invalid-yaml.md", "naive-datetime.md"):
        shutil.copy(Path(__file__).parent / "data" / "invalid" / bad, settings.content_dir / bad)
    day = dt.date(2026, 11, 26)
    plain = load_knowledge_base(settings, today=day)
    monkeypatch.setattr(kb.session, "AHEAD_FROM", 2)
    cache = tmp_path / ".kb" / "cache"
    with BuildSession(cache) as session:
        ahead = session.load(settings, today=day)
        assert session.started  # the helper was asked to parse
    assert [str(p) for p in ahead.problems] == [str(p) for p in plain.problems]
    assert [(d.path, d.meta, d.body) for d in ahead.documents] == [
        (d.path, d.meta, d.body) for d in plain.documents
    ]
    # Every document's entry was written, whichever process parsed it.
    hits = pc.ParsedCache(cache)
    for doc in plain.documents:
        front = doc.locator.text if doc.locator else ""
        assert hits.parse(front) == parse_yaml(front)
    assert hits.hits == len(plain.documents)
