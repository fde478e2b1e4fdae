"""The manifest: stat scans, change detection (incl. racily clean files), atomic saves."""

from __future__ import annotations

import os
from pathlib import Path

from kb.files import stat_of
from kb.search import manifest as mf


def _write(path: Path, text: str, mtime_ns: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))


def test_scan_finds_markdown_and_skips_hidden(tmp_path: Path) -> None:
    _write(tmp_path / "a.md", "one")
    _write(tmp_path / "sub" / "b.md", "three")
    _write(tmp_path / "sub" / "notes.txt", "x")
    _write(tmp_path / ".hidden" / "c.md", "x")
    _write(tmp_path / "sub" / ".d.md", "x")
    found = mf.scan(tmp_path)
    assert sorted(found) == ["a.md", "sub/b.md"]
    assert found["sub/b.md"][0] == 5
    assert mf.scan(tmp_path / "missing") == {}


def _st(size: int, mtime_ns: int) -> mf.Stat:
    """A stat whose ctime is its mtime (a file written once, never touched since)."""
    return (size, mtime_ns, mtime_ns, 7)


def _manifest(scanned_ns: int, **entries: mf.Entry) -> mf.Manifest:
    return mf.Manifest(schema=1, taxonomy="t", scanned_ns=scanned_ns, entries=dict(entries))


def test_diff_by_stat(tmp_path: Path) -> None:
    old = 1_000_000_000_000_000_000
    scanned = old + 60 * 10**9
    manifest = _manifest(
        scanned,
        **{
            "same.md": mf.Entry(_st(3, old), "h", "doc"),
            "grown.md": mf.Entry(_st(3, old), "h", "doc"),
            "gone.md": mf.Entry(_st(3, old), "h", "doc"),
        },
    )
    files = {"same.md": _st(3, old), "grown.md": _st(4, old), "new.md": _st(1, old)}
    changes = mf.diff(manifest, files)
    assert changes.added == ["new.md"]
    assert changes.modified == ["grown.md"]
    assert changes.deleted == ["gone.md"]
    assert changes.suspects == ["new.md", "grown.md"]


def test_racily_clean_entries_are_suspects() -> None:
    # Modified one second before the scan: a later edit could keep size and mtime.
    scanned = 2_000_000_000_000_000_000
    recent = scanned - 10**9
    manifest = _manifest(scanned, **{"a.md": mf.Entry(_st(3, recent), "h", "doc")})
    assert mf.diff(manifest, {"a.md": _st(3, recent)}).modified == ["a.md"]
    settled = scanned - 60 * 10**9
    manifest = _manifest(scanned, **{"a.md": mf.Entry(_st(3, settled), "h", "doc")})
    assert not mf.diff(manifest, {"a.md": _st(3, settled)})


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    entry = mf.Entry(_st(10, 123), "abc", "error", None, ((4, 1, "severity", "bad"),))
    manifest = _manifest(
        99, **{"x/y.md": entry, "z.md": mf.Entry(_st(1, 2), "d", "doc", "PM-2025-001")}
    )
    mf.save(tmp_path, manifest)
    loaded = mf.load(tmp_path)
    assert loaded is not None
    assert loaded.entries == manifest.entries
    assert (loaded.schema, loaded.taxonomy, loaded.scanned_ns) == (1, "t", 99)
    assert [p.name for p in tmp_path.iterdir()] == [mf.MANIFEST]  # no temp file left


def test_unreadable_manifest_loads_as_none(tmp_path: Path) -> None:
    assert mf.load(tmp_path) is None
    (tmp_path / mf.MANIFEST).write_text("{not json", encoding="utf-8")
    assert mf.load(tmp_path) is None
    (tmp_path / mf.MANIFEST).write_text('{"schema": 1}', encoding="utf-8")
    assert mf.load(tmp_path) is None
    (tmp_path / mf.MANIFEST).write_bytes(b"kb manifest 1\n" + b"\x00" * 20)  # another format
    assert mf.load(tmp_path) is None and mf.peek(tmp_path) is None


def test_a_cut_short_manifest_is_unreadable(tmp_path: Path) -> None:
    mf.save(tmp_path, _manifest(99, **{"a.md": mf.Entry(_st(1, 2), "d", "doc", "PM-2025-001")}))
    data = (tmp_path / mf.MANIFEST).read_bytes()
    (tmp_path / mf.MANIFEST).write_bytes(data[:-3])  # the per-file columns are cut
    assert mf.load(tmp_path) is None
    (tmp_path / mf.MANIFEST).write_bytes(data[:30])  # so is the stat part
    assert mf.load(tmp_path) is None and mf.peek(tmp_path) is None
    assert mf.unreadable_reason(tmp_path) == "the index manifest is missing or unreadable"


def test_an_older_kb_manifest_is_named(tmp_path: Path) -> None:
    (tmp_path / mf.LEGACY).write_text('{"schema": 2, "files": {}}', encoding="utf-8")
    assert mf.load(tmp_path) is None
    assert mf.unreadable_reason(tmp_path) == "the index was written by an older kb"


def test_peek_reads_what_a_freshness_check_needs(tmp_path: Path) -> None:
    scanned = 2_000_000_000_000_000_000
    settled, recent = scanned - 60 * 10**9, scanned - 10**9
    manifest = _manifest(
        scanned,
        **{
            "old.md": mf.Entry(_st(3, settled), "h1", "doc", "PM-2025-001"),
            "new.md": mf.Entry(_st(4, recent), "h2", "page"),
            "gone.md": mf.Entry(_st(5, settled), "h3", "error", None, ((1, 1, "", "bad"),)),
        },
    )
    mf.save(tmp_path, manifest)
    snapshot = mf.peek(tmp_path)
    assert snapshot is not None
    assert (snapshot.schema, snapshot.taxonomy, snapshot.scanned_ns) == (1, "t", scanned)
    assert snapshot.stats == {
        "gone.md": _st(5, settled),
        "new.md": _st(4, recent),
        "old.md": _st(3, settled),
    }
    assert snapshot.racy == ("new.md",)
    assert snapshot.sha("gone.md") == "h3"
    files = {"old.md": _st(3, settled + 1), "new.md": _st(4, recent), "added.md": _st(1, 1)}
    assert snapshot.changes(files) == mf.diff(manifest, files)
    assert snapshot.changes(files).modified == ["new.md", "old.md"]  # racy, and touched


def test_scan_records_ctime_and_inode(tmp_path: Path) -> None:
    _write(tmp_path / "a.md", "one")
    st = (tmp_path / "a.md").stat()
    assert mf.scan(tmp_path)["a.md"] == (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    assert stat_of(st) == mf.scan(tmp_path)["a.md"]


def test_an_edit_that_puts_the_mtime_back_is_a_change(tmp_path: Path) -> None:
    # Same size, mtime restored with os.utime: only the ctime (set by the kernel) tells.
    path = tmp_path / "a.md"
    _write(path, "retry loop", mtime_ns=1_000_000 * 10**9)
    before = mf.scan(tmp_path)["a.md"]
    entry = mf.Entry(before, mf.digest(path.read_bytes()), "doc")
    # Scanned long after every change, so nothing is racily clean.
    manifest = _manifest(before[2] + 60 * 10**9, **{"a.md": entry})
    assert not mf.diff(manifest, mf.scan(tmp_path))
    path.write_text("retry LOOP", encoding="utf-8")
    os.utime(path, ns=(before[1], before[1]))
    after = mf.scan(tmp_path)["a.md"]
    assert after[:2] == before[:2]  # what the stat used to be compared on
    assert mf.diff(manifest, mf.scan(tmp_path)).modified == ["a.md"]


def test_a_file_replaced_by_rename_is_a_change(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    _write(path, "one")
    before = mf.scan(tmp_path)["a.md"]
    manifest = _manifest(before[2] + 60 * 10**9, **{"a.md": mf.Entry(before, "h", "doc")})
    _write(tmp_path / "new.tmp", "two")
    os.replace(tmp_path / "new.tmp", path)
    assert mf.scan(tmp_path)["a.md"][3] != before[3]
    assert mf.diff(manifest, mf.scan(tmp_path)).modified == ["a.md"]


def test_a_recent_ctime_makes_an_entry_racy_whatever_its_mtime() -> None:
    # Backdated mtime, changed a second before the scan: a second edit in the same
    # clock tick could keep even the ctime, so the entry is verified by hash.
    scanned = 2_000_000_000_000_000_000
    stat = (3, scanned - 3600 * 10**9, scanned - 10**9, 7)
    manifest = _manifest(scanned, **{"a.md": mf.Entry(stat, "h", "doc")})
    assert mf.diff(manifest, {"a.md": stat}).modified == ["a.md"]


def test_a_manifest_of_another_kb_version_is_named(tmp_path: Path) -> None:
    (tmp_path / mf.MANIFEST).write_bytes(b"kb manifest 2\n" + b"\x00" * 20)
    assert mf.load(tmp_path) is None
    assert mf.unreadable_reason(tmp_path) == "the index was written by another version of kb"
