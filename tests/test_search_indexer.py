"""Incremental indexing: what is re-read, what is rebuilt, and what survives a crash."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from search_helpers import INCIDENTS, Doc, age, exact_clock, write_doc, write_kb

import kb.loader
from kb.config import Settings
from kb.search import SearchIndex, indexer, stale_reason, store, update_index
from kb.search import manifest as mf


@pytest.fixture
def kb_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings = write_kb(tmp_path / "kb", INCIDENTS)
    age(settings.root)
    exact_clock(monkeypatch)
    return settings


def _ids(settings: Settings, text: str) -> list[str]:
    with SearchIndex(settings) as index:
        return [h.id for h in index.search(text, limit=50, exact=True).hits]


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = kb.loader.load_text

    def counting(text: str, path: Path, **kwargs: object) -> object:
        parsed.append(path.name)
        return real(text, path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(kb.loader, "load_text", counting)
    return parsed


def test_first_run_builds_everything(kb_root: Settings) -> None:
    assert stale_reason(kb_root) == "there is no index yet"
    report = update_index(kb_root)
    assert report.rebuilt == "there was no index yet"
    assert (report.added, report.documents) == (5, 5)
    assert stale_reason(kb_root) is None
    assert _ids(kb_root, "deadlock") == ["PM-2024-007"]
    assert kb_root.index_dir == kb_root.root / ".kb" / "index"


def test_no_change_run_reads_no_file(kb_root: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    update_index(kb_root)
    parsed = _count_parses(monkeypatch)
    reads: list[Path] = []
    real_read = Path.read_bytes

    def counting_read(self: Path) -> bytes:
        if self.suffix == ".md":
            reads.append(self)
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", counting_read)
    report = update_index(kb_root)
    assert not report.changed
    assert report.documents == 5
    assert parsed == [] and reads == []


def test_change_delete_add_one_file_each(kb_root: Settings) -> None:
    update_index(kb_root)
    root = kb_root.root
    changed = dataclasses.replace(
        INCIDENTS[1], body="The certificate rotated fine; a zebra ate it."
    )
    write_doc(root, changed)
    (root / "content" / INCIDENTS[3].path).unlink()
    write_doc(root, Doc("PM-2025-010", "Disk full on the build farm", "Logs filled the disk."))
    assert stale_reason(kb_root) == "files changed (1 new, 1 modified, 1 deleted)"

    report = update_index(kb_root)
    assert (report.added, report.updated, report.removed) == (1, 1, 1)
    assert report.rebuilt is None
    assert report.documents == 5
    assert _ids(kb_root, "zebra") == ["PM-2025-002"]
    assert _ids(kb_root, "midnight") == []  # the old text of the changed file is gone
    assert _ids(kb_root, "deadlock") == []
    assert _ids(kb_root, "disk") == ["PM-2025-010"]
    assert stale_reason(kb_root) is None


def test_touched_file_is_hashed_not_parsed(
    kb_root: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    update_index(kb_root)
    path = kb_root.root / "content" / INCIDENTS[0].path
    os.utime(path, (1_000_000, 1_000_000))  # `touch` or a git checkout: same bytes
    assert stale_reason(kb_root) is None
    parsed = _count_parses(monkeypatch)
    report = update_index(kb_root)
    assert not report.changed and parsed == []
    manifest = mf.load(store.current(kb_root.index_dir))  # type: ignore[arg-type]
    assert manifest is not None
    assert manifest.entries[INCIDENTS[0].path].mtime_ns == 1_000_000 * 10**9


def test_same_size_same_mtime_edit_is_still_seen(kb_root: Settings) -> None:
    # A coarse filesystem clock can give an edit right after indexing the same mtime.
    path = write_doc(kb_root.root, INCIDENTS[0])
    update_index(kb_root)
    before = path.stat()
    path.write_text(path.read_text().replace("retry loop", "retry LOOP"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert stale_reason(kb_root) is not None
    assert update_index(kb_root).updated == 1


def test_bad_document_is_skipped_and_reported(kb_root: Settings) -> None:
    bad = dataclasses.replace(INCIDENTS[2], severity="SEV9")
    write_doc(kb_root.root, bad)
    (kb_root.content_dir / "index.md").write_text("# Welcome\n\nNot a kb document.\n")
    report = update_index(kb_root)
    assert report.documents == 4
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert problem.path.endswith(INCIDENTS[2].path)
    assert problem.line == 6 and problem.field == "severity"  # the severity: line
    assert "SEV9" in problem.message
    assert [str(p) for p in report.skipped] == [str(problem)]
    assert _ids(kb_root, "rebuild") == []

    # Still skipped on the next run, without reading it again.
    again = update_index(kb_root)
    assert again.problems == [] and len(again.skipped) == 1

    write_doc(kb_root.root, INCIDENTS[2])  # fixed
    fixed = update_index(kb_root)
    assert (fixed.added, fixed.documents, fixed.skipped) == (1, 5, [])
    assert _ids(kb_root, "rebuild") == ["PM-2025-003"]


def test_document_that_turns_invalid_leaves_the_index(kb_root: Settings) -> None:
    update_index(kb_root)
    path = kb_root.root / "content" / INCIDENTS[3].path
    path.write_text(path.read_text().replace("status: published", "status: finished"))
    report = update_index(kb_root)
    assert report.removed == 1 and len(report.problems) == 1
    assert _ids(kb_root, "deadlock") == []


def test_older_schema_version_is_rebuilt(kb_root: Settings) -> None:
    update_index(kb_root)
    folder = store.current(kb_root.index_dir)
    assert folder is not None
    manifest = mf.load(folder)
    assert manifest is not None
    manifest.schema = 0
    mf.save(folder, manifest)
    assert "schema version 0" in (stale_reason(kb_root) or "")
    report = update_index(kb_root)
    assert report.rebuilt is not None and "schema version 0" in report.rebuilt
    assert store.current(kb_root.index_dir) != folder
    assert not folder.exists()
    assert _ids(kb_root, "deadlock") == ["PM-2024-007"]


def test_index_of_an_older_kb_is_rebuilt(kb_root: Settings) -> None:
    update_index(kb_root)
    folder = store.current(kb_root.index_dir)
    assert folder is not None
    (folder / mf.MANIFEST).rename(folder / mf.LEGACY)  # as kb wrote it before the tagged format
    assert stale_reason(kb_root) == "the index was written by an older kb"
    report = update_index(kb_root)
    assert report.rebuilt == "the index was written by an older kb"
    assert stale_reason(kb_root) is None
    assert _ids(kb_root, "deadlock") == ["PM-2024-007"]


def test_unreadable_index_is_rebuilt(kb_root: Settings) -> None:
    update_index(kb_root)
    folder = store.current(kb_root.index_dir)
    assert folder is not None
    for toc in folder.glob("*.toc"):
        toc.unlink()
    report = update_index(kb_root)
    assert report.rebuilt is not None and "could not be read" in report.rebuilt
    assert _ids(kb_root, "deadlock") == ["PM-2024-007"]


def test_taxonomy_change_rechecks_every_document(kb_root: Settings) -> None:
    update_index(kb_root)
    text = (Path(kb.__file__).parent / "data" / "taxonomy.yml").read_text(encoding="utf-8")
    start = text.index("  - slug: datastore")
    end = text.index("  - slug:", start + 1)
    (kb_root.root / "taxonomy.yml").write_text(text[:start] + text[end:], encoding="utf-8")
    settings = dataclasses.replace(kb_root, taxonomy_path=kb_root.root / "taxonomy.yml")
    assert stale_reason(settings) == "the taxonomy changed"
    report = update_index(settings)
    # Two postmortems use the category that is gone.
    assert report.removed == 2 and report.rebuilt is None
    assert {p.path.rsplit("/", 1)[-1] for p in report.skipped} == {
        Path(INCIDENTS[0].path).name,
        Path(INCIDENTS[3].path).name,
    }
    assert stale_reason(settings) is None


def test_rebuild_flag_starts_over(kb_root: Settings) -> None:
    update_index(kb_root)
    first = store.current(kb_root.index_dir)
    report = update_index(kb_root, rebuild=True)
    assert report.rebuilt == "asked to rebuild" and report.added == 5
    assert store.current(kb_root.index_dir) != first
    assert [p.name for p in kb_root.index_dir.iterdir() if p.name.startswith("g")] == [
        store.current(kb_root.index_dir).name  # type: ignore[union-attr]
    ]


def test_crash_during_rebuild_keeps_the_previous_index(
    kb_root: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    update_index(kb_root)
    before = store.current(kb_root.index_dir)
    write_doc(kb_root.root, Doc("PM-2025-011", "Zebra crossing outage", "A zebra."))
    real = indexer._Work.read
    calls = 0

    def crash_on_third(self: indexer._Work, *args: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt  # Ctrl-C half-way through writing
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(indexer._Work, "read", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        update_index(kb_root, rebuild=True)
    assert store.current(kb_root.index_dir) == before
    assert [p for p in kb_root.index_dir.iterdir() if p.name.startswith("g")] == [before]
    assert _ids(kb_root, "deadlock") == ["PM-2024-007"]
    assert _ids(kb_root, "zebra") == []

    monkeypatch.setattr(indexer._Work, "read", real)
    assert update_index(kb_root).added == 1  # the lock was released; the update completes
    assert _ids(kb_root, "zebra") == ["PM-2025-011"]


def test_crash_during_incremental_update_keeps_the_previous_index(
    kb_root: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    update_index(kb_root)
    write_doc(kb_root.root, dataclasses.replace(INCIDENTS[0], body="Zebra one."))
    write_doc(kb_root.root, dataclasses.replace(INCIDENTS[1], body="Zebra two."))
    (kb_root.root / "content" / INCIDENTS[3].path).unlink()
    real_update = indexer.index.FileIndex.writer
    writers: list[object] = []

    def failing_writer(self: object, **kwargs: object) -> object:
        writer = real_update(self, **kwargs)  # type: ignore[arg-type]
        real_commit = writer.commit

        def boom(*a: object, **k: object) -> None:
            raise OSError(28, "No space left on device")

        writer.commit = boom
        writers.append(real_commit)
        return writer

    monkeypatch.setattr(indexer.index.FileIndex, "writer", failing_writer)
    with pytest.raises(OSError, match="No space left"):
        update_index(kb_root)
    monkeypatch.undo()
    assert writers
    assert _ids(kb_root, "zebra") == []
    assert _ids(kb_root, "deadlock") == ["PM-2024-007"]
    report = update_index(kb_root)
    assert (report.updated, report.removed) == (2, 1)
    assert sorted(_ids(kb_root, "zebra")) == ["PM-2025-001", "PM-2025-002"]


def test_parallel_build_finds_the_same(kb_root: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    update_index(kb_root)
    queries = ["connection pool", "certificate", "deadlock OR rebuild", "loyalty", "database"]
    single = {q: _ids(kb_root, q) for q in queries}
    monkeypatch.setattr(indexer, "PARALLEL_MIN", 2)
    monkeypatch.setattr(indexer, "BATCH", 2)
    report = update_index(kb_root, rebuild=True)
    assert report.documents == 5
    folder = store.current(kb_root.index_dir)
    assert folder is not None and len(list(folder.glob("*.seg"))) >= 2  # one per process
    assert {q: sorted(_ids(kb_root, q)) for q in queries} == {
        q: sorted(ids) for q, ids in single.items()
    }


def test_many_changes_switch_to_a_full_build(
    kb_root: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    update_index(kb_root)
    monkeypatch.setattr(indexer, "REBUILD_MIN", 1)
    for doc in INCIDENTS[:4]:
        write_doc(kb_root.root, dataclasses.replace(doc, body=doc.body + "\nMore.\n"))
    report = update_index(kb_root)
    assert report.rebuilt == "4 of 5 files changed"
    assert report.documents == 5
