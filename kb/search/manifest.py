"""What the index was built from: one entry per Markdown file, so a no-change run only stats.

The manifest sits next to the whoosh files of its index generation and is
replaced atomically after every commit. Each entry records the file's size,
mtime, a content hash, the document id and what the file turned out to be
(an indexed document, an ordinary page, or a document skipped for errors).

A file whose stat matches its entry is taken as unchanged without reading it,
except when it was modified so shortly before the scan that a later edit could
keep the same mtime (git calls these "racily clean"): those are re-hashed.
Every update is idempotent per file, so a crash between the whoosh commit and
the manifest write only means the next run redoes the same work.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kb.errors import SearchError

Kind = Literal["doc", "page", "error"]
MANIFEST = "manifest.json"
# Modification times this close to the scan may hide a second edit with the same
# mtime (coarse filesystem clocks); such entries are verified by hash.
RACY_NS = 2_000_000_000

Stat = tuple[int, int]  # (size, mtime_ns)


@dataclass(frozen=True, slots=True)
class Entry:
    """One file as it was when last indexed."""

    size: int
    mtime_ns: int
    sha: str
    kind: Kind
    id: str | None = None
    problems: tuple[tuple[int, int, str, str], ...] = ()  # (line, column, field, message)

    def to_json(self) -> list[Any]:
        """Compact JSON form (a list, to keep big manifests small and fast to load)."""
        return [self.size, self.mtime_ns, self.sha, self.kind, self.id, [*self.problems]]

    @classmethod
    def from_json(cls, raw: list[Any]) -> Entry:
        """Inverse of to_json."""
        size, mtime_ns, sha, kind, doc_id, problems = raw
        return cls(size, mtime_ns, sha, kind, doc_id, tuple(tuple(p) for p in problems))


@dataclass
class Manifest:
    """Every file an index generation was built from, plus what else it depends on."""

    schema: int
    taxonomy: str  # hash of the taxonomy text the documents were validated against
    scanned_ns: int = 0  # wall-clock time of the scan this manifest describes
    entries: dict[str, Entry] = field(default_factory=dict)

    def is_racy(self, entry: Entry) -> bool:
        """Whether an edit after the scan could have left this entry's stat unchanged."""
        return entry.mtime_ns >= self.scanned_ns - RACY_NS


@dataclass
class Changes:
    """How the files on disk differ from a manifest, by stat alone."""

    added: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)  # stat differs, or racy
    deleted: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.modified or self.deleted)

    @property
    def suspects(self) -> list[str]:
        """Files that must be read to know whether they changed."""
        return self.added + self.modified


def scan(content_dir: Path) -> dict[str, Stat]:
    """(size, mtime_ns) of every *.md file under the content folder, by POSIX relative path.

    Hidden files and folders are skipped, as kb.loader.iter_markdown does.
    """
    out: dict[str, Stat] = {}
    if not content_dir.is_dir():
        return out
    stack = [(str(content_dir), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if entry.is_dir():
                stack.append((entry.path, f"{prefix}{name}/"))
            elif name.endswith(".md"):
                try:
                    st = entry.stat()
                except OSError:
                    continue
                out[prefix + name] = (st.st_size, st.st_mtime_ns)
    return out


def diff(manifest: Manifest | None, files: dict[str, Stat]) -> Changes:
    """Files added, possibly modified and deleted since the manifest was written."""
    changes = Changes()
    old = manifest.entries if manifest else {}
    for path, (size, mtime_ns) in files.items():
        entry = old.get(path)
        if entry is None:
            changes.added.append(path)
        elif (
            entry.size != size
            or entry.mtime_ns != mtime_ns
            or (manifest is not None and manifest.is_racy(entry))
        ):
            changes.modified.append(path)
    changes.deleted = [path for path in old if path not in files]
    changes.added.sort()
    changes.modified.sort()
    changes.deleted.sort()
    return changes


def digest(data: bytes) -> str:
    """The content hash kept per file."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_digest(path: Path) -> str | None:
    """Hash of a file's bytes, or None when it cannot be read."""
    try:
        return digest(path.read_bytes())
    except OSError:
        return None


def now_ns() -> int:
    """Wall-clock time in ns, comparable with file mtimes."""
    return time.time_ns()


def load(folder: Path) -> Manifest | None:
    """The manifest in an index generation folder, or None when missing or unreadable."""
    try:
        raw = json.loads((folder / MANIFEST).read_bytes())
        return Manifest(
            schema=int(raw["schema"]),
            taxonomy=str(raw["taxonomy"]),
            scanned_ns=int(raw["scanned_ns"]),
            entries={path: Entry.from_json(e) for path, e in raw["files"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save(folder: Path, manifest: Manifest) -> None:
    """Write the manifest atomically (temp file, fsync, rename)."""
    data = {
        "schema": manifest.schema,
        "taxonomy": manifest.taxonomy,
        "scanned_ns": manifest.scanned_ns,
        "files": {path: e.to_json() for path, e in sorted(manifest.entries.items())},
    }
    target = folder / MANIFEST
    tmp = folder / f".{MANIFEST}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            json.dump(data, out, separators=(",", ":"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise SearchError(f"{target}: cannot write the index manifest: {err.strerror}") from None
