"""Freshness checks: touched files, and recording their new stats without a re-index."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from search_helpers import INCIDENTS, age, exact_clock, write_kb

from kb.config import Settings
from kb.search import ensure_fresh, fresh, store, update_index
from kb.search import manifest as mf


@pytest.fixture
def kb_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings = write_kb(tmp_path / "kb", INCIDENTS)
    age(settings.root)
    exact_clock(monkeypatch)
    update_index(settings)
    return settings


def _touch_all(settings: Settings) -> None:
    for path in settings.content_dir.rglob("*.md"):
        os.utime(path, (1_000_000, 1_000_000))  # same bytes, another mtime


def _whoosh_files(settings: Settings) -> list[str]:
    folder = store.current(settings.index_dir)
    assert folder is not None
    return sorted(p.name for p in folder.iterdir() if p.name != mf.MANIFEST)


def test_touched_files_are_hashed_and_found_unchanged(kb_root: Settings) -> None:
    _touch_all(kb_root)
    found = fresh.check(kb_root)
    assert found.reason is None and found.touched == len(INCIDENTS)


def test_recorded_stats_spare_the_next_check(kb_root: Settings) -> None:
    _touch_all(kb_root)
    before = _whoosh_files(kb_root)
    assert fresh.record_stats(kb_root) == len(INCIDENTS)
    assert fresh.check(kb_root).touched == 0
    manifest = mf.load(store.current(kb_root.index_dir))  # type: ignore[arg-type]
    assert manifest is not None
    assert {e.mtime_ns for e in manifest.entries.values()} == {1_000_000 * 10**9}
    assert _whoosh_files(kb_root) == before  # the whoosh index was not touched


def test_search_records_them_past_a_threshold(
    kb_root: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _touch_all(kb_root)
    monkeypatch.setattr(fresh, "TOUCHED_MIN", len(INCIDENTS) + 1)
    assert ensure_fresh(kb_root) is None
    assert fresh.check(kb_root).touched == len(INCIDENTS)  # too few to bother
    monkeypatch.setattr(fresh, "TOUCHED_MIN", len(INCIDENTS))
    assert ensure_fresh(kb_root) is None
    assert fresh.check(kb_root).touched == 0


def test_nothing_is_recorded_when_a_file_really_changed(kb_root: Settings) -> None:
    _touch_all(kb_root)
    path = kb_root.content_dir / INCIDENTS[0].path
    stat = path.stat()
    path.write_text(path.read_text().replace("retry loop", "retry LOOP"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    assert fresh.record_stats(kb_root) == 0
    assert fresh.stale_reason(kb_root) == f"files changed ({len(INCIDENTS)} modified)"


def test_recording_never_waits_for_a_writer(kb_root: Settings) -> None:
    _touch_all(kb_root)
    with store.write_lock(kb_root.index_dir, timeout=1):
        assert fresh.record_stats(kb_root) == 0
    assert fresh.check(kb_root).touched == len(INCIDENTS)
