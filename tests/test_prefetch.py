"""Front-matter parsed ahead in the helper process: same documents, same problems."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import postmortem

import kb.prefetch
from kb.background import Worker
from kb.config import load_settings
from kb.knowledge import load_knowledge_base
from kb.prefetch import Prefetched, parse_files, should_prefetch
from kb.source import parse_yaml, split

Write = Callable[[str, str], Path]


def _front_matter(path: Path) -> str:
    text = split(path.read_text(encoding="utf-8")).front_matter
    assert text is not None
    return text


def test_parse_files_keys_values_by_front_matter_and_skips_what_it_cannot_read(
    write: Write, kb_root: Path
) -> None:
    good = write("postmortems/a.md", postmortem("PM-2025-001"))
    broken = write("postmortems/b.md", "---\nid: [unclosed\n---\n")
    plain = write("guide.md", "# No front-matter\n")
    binary = kb_root / "content" / "c.md"
    binary.write_bytes(b"---\nid: \xff\n---\n")
    found = parse_files([str(p) for p in (good, broken, plain, binary, kb_root / "gone.md")])
    assert found == {_front_matter(good): parse_yaml(_front_matter(good))}


def test_prefetched_takes_the_helpers_values_once_and_parses_the_rest(write: Write) -> None:
    paths = [write(f"postmortems/{n}.md", postmortem(f"PM-2025-{n:03d}")) for n in range(1, 7)]
    prefetched = Prefetched(Worker(in_process=True), paths, share=0.5)
    texts = [_front_matter(p) for p in paths]
    values = [prefetched.parse(t) for t in texts]
    assert values == [parse_yaml(t) for t in texts]
    assert prefetched.used == 3  # the last half came from the helper
    # Asked again (a second file with the same front-matter), the text is parsed here:
    # a value is never shared between two documents.
    again = prefetched.parse(texts[-1])
    assert again == values[-1] and again is not values[-1]
    assert prefetched.used == 3
    # Text the helper never saw (a file edited after it read it) is parsed here too.
    assert prefetched.parse("id: PM-2025-099\n") == {"id": "PM-2025-099"}


def test_a_failing_helper_leaves_the_parsing_here(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [write(f"postmortems/{n}.md", postmortem(f"PM-2025-{n:03d}")) for n in range(1, 5)]

    def fail(names: list[str]) -> dict[str, object]:
        raise OSError("disk gone")

    monkeypatch.setattr(kb.prefetch, "parse_files", fail)
    prefetched = Prefetched(Worker(in_process=True), paths, share=1.0)
    texts = [_front_matter(p) for p in paths]
    assert [prefetched.parse(t) for t in texts] == [parse_yaml(t) for t in texts]
    assert prefetched.used == 0


def test_only_loads_with_many_files_to_parse_start_the_helper() -> None:
    assert should_prefetch(kb.prefetch.PREFETCH_MIN, 0)
    assert not should_prefetch(kb.prefetch.PREFETCH_MIN - 1, 0)
    # A warm parse cache leaves too little to parse.
    assert not should_prefetch(10 * kb.prefetch.PREFETCH_MIN, 10 * kb.prefetch.PREFETCH_MIN)


def test_a_load_parsed_ahead_by_a_real_helper_finds_the_same_problems(
    write: Write, kb_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(1, 13):
        write(f"postmortems/2025/{n:02d}.md", postmortem(f"PM-2025-{n:03d}", date="2025-03-14"))
    # Broken files in the helper's half (the end of the list): a YAML error with its line,
    # and a schema error, both reported as without the helper.
    write("postmortems/2025/90-yaml.md", postmortem("PM-2025-090").replace("---\n", "---\n[x\n", 1))
    write(
        "postmortems/2025/91-schema.md",
        postmortem("PM-2025-091").replace("severity: SEV2", "severity: SEV9"),
    )
    settings = load_settings(kb_root)
    alone = load_knowledge_base(settings)
    monkeypatch.setattr(kb.prefetch, "PREFETCH_MIN", 1)
    monkeypatch.setattr(kb.prefetch, "CHUNK", 2)
    made: list[Prefetched] = []
    original = Prefetched.__init__

    def waited(self: Prefetched, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        for pending in self._pending:  # the helper's results are in before parsing starts
            pending.result()
        made.append(self)

    monkeypatch.setattr(Prefetched, "__init__", waited)
    worker = Worker()
    try:
        helped = load_knowledge_base(settings, worker=worker)
        assert worker.started  # a spawned process, results pickled back
    finally:
        worker.close()
    assert [str(p) for p in helped.problems] == [str(p) for p in alone.problems]
    assert any(":2:" in str(p) and "90-yaml" in str(p) for p in helped.problems)
    assert any("SEV9" in str(p) for p in helped.problems)
    assert [d.meta for d in helped.documents] == [d.meta for d in alone.documents]
    # The last half of the 14 files came from the helper, but for the one it could not parse.
    assert made[0].used == 6
