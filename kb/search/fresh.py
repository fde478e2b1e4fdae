"""Whether the index matches the content folder: what every `kb search` checks first.

It reads the CURRENT pointer and the manifest's stat columns, stats every
Markdown file, and hashes only files whose stat changed (or changed too
recently to trust). It parses no document (no pydantic, no YAML), so on an
up-to-date index the check costs little more than the stats themselves.
"""

from __future__ import annotations

from kb.config import Settings
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


def stale_reason(settings: Settings) -> str | None:
    """Why the index does not match the content (None when it does); stats, reads no YAML."""
    folder = store.current(settings.index_dir)
    if folder is None:
        return "there is no index yet"
    snapshot = mf.peek(folder)
    if snapshot is None:
        return mf.unreadable_reason(folder)
    reason = version_reason(snapshot.schema)
    if reason:
        return reason
    if snapshot.taxonomy != taxonomy_digest(settings):
        return "the taxonomy changed"
    files = mf.scan(settings.content_dir)
    if files == snapshot.stats and not snapshot.racy:
        return None  # the common case, decided without a per-file loop in Python
    changes = snapshot.changes(files)
    if changes.added or changes.deleted:
        return describe(changes)
    for rel in changes.modified:
        if mf.file_digest(settings.content_dir / rel) != snapshot.sha(rel):
            return describe(changes)
    return None
