"""Whether the index matches the content folder: what every `kb search` checks first.

It reads the CURRENT pointer and the manifest's stat part, stats every
Markdown file, and hashes only files whose stat changed (or changed too
recently to trust). It parses no document (no pydantic, no YAML), so on an
up-to-date index the check costs little more than the stats themselves.
`record_stats` writes down the new stats of files found unchanged, so that a
`touch` or a branch switched back and forth is not hashed by every search.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from kb.config import Settings
from kb.errors import SearchError
from kb.files import read_regular, stat_of
from kb.search import manifest as mf
from kb.search import store
from kb.search.schema import SCHEMA_VERSION


def taxonomy_digest(settings: Settings) -> str:
    """Hash of the taxonomy documents are validated against (a change re-checks them all)."""
    try:
        if settings.taxonomy_path is not None:
            return mf.digest(settings.taxonomy_path.read_bytes())
        from importlib import resources

        return mf.digest(resources.files("kb").joinpath("data", "taxonomy.yml").read_bytes())
    except OSError:
        return ""


def version_reason(schema: int) -> str | None:
    """Why an index written with `schema` must be rebuilt (None when it need not be)."""
    if schema != SCHEMA_VERSION:
        return f"the index was written by schema version {schema} (now {SCHEMA_VERSION})"
    return None


def describe(changes: mf.Changes) -> str:
    """Changed files in words, e.g. 'files changed (2 new, 1 deleted)'."""
    parts = [
        f"{len(files)} {what}"
        for files, what in (
            (changes.added, "new"),
            (changes.modified, "modified"),
            (changes.deleted, "deleted"),
        )
        if files
    ]
    return "files changed (" + ", ".join(parts) + ")"


# Files whose stat changed but whose bytes did not (a branch switched back and forth,
# a `touch`) are hashed by every check until the manifest records their new stat;
# from this many on, a check has the manifest brought up to date (see ensure_fresh).
TOUCHED_MIN = 64


@dataclass(frozen=True)
class Freshness:
    """What a check found: why the index must be updated, if it must."""

    reason: str | None  # None: the index matches the content
    touched: int = 0  # files hashed because of their stat alone, found unchanged


def check(settings: Settings) -> Freshness:
    """Compare the index with the content folder: stats every file, reads no YAML."""
    folder = store.current(settings.index_dir)
    if folder is None:
        return Freshness("there is no index yet")
    snapshot = mf.peek(folder)
    if snapshot is None:
        return Freshness(mf.unreadable_reason(folder))
    reason = version_reason(snapshot.schema)
    if reason:
        return Freshness(reason)
    if snapshot.taxonomy != taxonomy_digest(settings):
        return Freshness("the taxonomy changed")
    files = mf.scan(settings.content_dir)
    if files == snapshot.stats and not snapshot.racy:
        return Freshness(None)  # the common case, decided without a per-file loop in Python
    changes = snapshot.changes(files)
    if changes.added or changes.deleted:
        return Freshness(describe(changes))
    for rel in changes.modified:
        if mf.file_digest(settings.content_dir / rel) != snapshot.sha(rel):
            return Freshness(describe(changes))
    return Freshness(None, touched=len(changes.modified))


def stale_reason(settings: Settings) -> str | None:
    """Why the index does not match the content (None when it does); stats, reads no YAML."""
    return check(settings).reason


def record_stats(settings: Settings) -> int:
    """Record the new stat of every file whose stat changed but whose bytes did not.

    Afterwards checks no longer hash those files. Nothing is recorded unless the
    index matches the content, and it is best effort: it never waits for another
    writer. Returns how many files were recorded.
    """
    try:
        with store.write_lock(settings.index_dir, timeout=0):
            return _record(settings)
    except SearchError:
        return 0


def _record(settings: Settings) -> int:
    folder = store.current(settings.index_dir)
    manifest = mf.load(folder) if folder is not None else None
    if folder is None or manifest is None or version_reason(manifest.schema):
        return 0
    if manifest.taxonomy != taxonomy_digest(settings):
        return 0
    # As the indexer does: the scan time is taken first, so an edit during the
    # scan that keeps its stat is still racily clean next time.
    scanned_ns = mf.now_ns()
    changes = mf.diff(manifest, mf.scan(settings.content_dir))
    if changes.added or changes.deleted:
        return 0
    for rel in changes.modified:
        path = settings.content_dir / rel
        try:
            stat = os.stat(path)
            raw = read_regular(path)
        except OSError:
            return 0
        entry = manifest.entries[rel]
        if mf.digest(raw) != entry.sha:
            return 0  # the index is stale after all: an update, not this, must run
        manifest.entries[rel] = replace(entry, stat=stat_of(stat))
    manifest.scanned_ns = scanned_ns
    mf.save(folder, manifest)
    return len(changes.modified)
