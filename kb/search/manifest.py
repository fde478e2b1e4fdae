"""What the index was built from: one entry per Markdown file, so a no-change run only stats.

The manifest sits next to the whoosh files of its index generation and is
replaced atomically after every commit. Each entry records the file's stat
(size, mtime, ctime, inode), a content hash, the document id and what the file
turned out to be (an indexed document, an ordinary page, or a document skipped
for errors).

A file whose stat matches its entry is taken as unchanged without reading it,
except when it was changed so shortly before the scan that a later edit could
keep the same stat (git calls these "racily clean"): those are re-hashed. The
mtime alone can be put back (`touch -d`, os.utime, tools that keep times), so
an edit of the same size would go unseen; the ctime cannot be set by anyone
but the kernel, which moves it on every write, and an editor that saves by
renaming a new file into place gives it a new inode.
Every update is idempotent per file, so a crash between the whoosh commit and
the manifest write only means the next run redoes the same work.

On disk the manifest is a format tag and two marshal'ed parts: first the
header and a {path: stat} dict with the racily clean paths, then the
other columns (hash, kind, id, problems) in the dict's order. `kb search`
checks freshness on every run: `peek` decodes only the first part (about 5 ms
at 10,000 files, where the JSON manifest took 25 ms to load) and the scan is
compared with it as one dict comparison, without building an Entry per file.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from kb.errors import SearchError
from kb.files import Stat, markdown_entries, read_regular, stat_of

Kind = Literal["doc", "page", "error"]
MANIFEST = "manifest.bin"
LEGACY = "manifest.json"  # what kb 0.1 development builds wrote; such an index is rebuilt
# Bump the number when the columns change: a manifest with another tag is unreadable,
# and an unreadable manifest means a full rebuild.
_TAG = b"kb manifest 3\n"
_TAG_STEM = b"kb manifest "
_MARSHAL_VERSION = 4
# Changes this close to the scan may hide a second edit with the same stat
# (coarse filesystem clocks); such entries are verified by hash.
RACY_NS = 2_000_000_000


@dataclass(frozen=True, slots=True)
class Entry:
    """One file as it was when last indexed."""

    stat: Stat
    sha: str
    kind: Kind
    id: str | None = None
    problems: tuple[tuple[int, int, str, str], ...] = ()  # (line, column, field, message)

    @property
    def size(self) -> int:
        """The file's size in bytes."""
        return self.stat[0]

    @property
    def mtime_ns(self) -> int:
        """The file's modification time."""
        return self.stat[1]

    @property
    def changed_ns(self) -> int:
        """When the file last changed, by the later of its mtime and ctime."""
        return max(self.stat[1], self.stat[2])


@dataclass
class Manifest:
    """Every file an index generation was built from, plus what else it depends on."""

    schema: int
    taxonomy: str  # hash of the taxonomy text the documents were validated against
    scanned_ns: int = 0  # wall-clock time of the scan this manifest describes
    entries: dict[str, Entry] = field(default_factory=dict)

    def is_racy(self, entry: Entry) -> bool:
        """Whether an edit after the scan could have left this entry's stat unchanged."""
        return entry.changed_ns >= self.scanned_ns - RACY_NS


@dataclass(frozen=True)
class Snapshot:
    """The part of a manifest a freshness check needs, read without building entries."""

    schema: int
    taxonomy: str
    scanned_ns: int
    stats: dict[str, Stat]  # path -> (size, mtime_ns, ctime_ns, inode)
    racy: tuple[str, ...]  # paths whose stat alone cannot prove them unchanged
    _rest: bytes  # the other columns, still encoded

    @cached_property
    def _sha_of(self) -> dict[str, str]:
        rest = _rest(self._rest, len(self.stats))
        return dict(zip(self.stats, rest[0], strict=True)) if rest else {}

    def sha(self, path: str) -> str | None:
        """The content hash recorded for `path` (None when unknown)."""
        return self._sha_of.get(path)

    def changes(self, files: Mapping[str, Stat]) -> Changes:
        """How `files` differ from this snapshot (like `diff` on the whole manifest)."""
        return _diff(self.stats, set(self.racy), files)


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


def scan(content_dir: Path, refused: list[tuple[Path, str]] | None = None) -> dict[str, Stat]:
    """The stat of every *.md file under the content folder, by POSIX relative path.

    The files are those kb.files.iter_markdown finds (hidden entries skipped,
    symbolic links followed only inside the folder; the others go to `refused`).
    """
    out: dict[str, Stat] = {}
    if not content_dir.is_dir():
        return out
    # Entries' paths are the folder's own string joined with names: the relative path
    # is what follows it (this runs for every file on every `kb search`).
    start = len(os.path.join(str(content_dir), ""))
    for entry in markdown_entries(content_dir, refused):
        try:
            # Windows' entries carry no inode: stat the path there, as the indexer does.
            st = entry.stat() if os.name != "nt" else os.stat(entry.path)
        except OSError:
            continue
        rel = entry.path[start:]
        out[rel if os.sep == "/" else rel.replace(os.sep, "/")] = stat_of(st)
    return out


def diff(manifest: Manifest | None, files: Mapping[str, Stat]) -> Changes:
    """Files added, possibly modified and deleted since the manifest was written."""
    if manifest is None:
        return _diff({}, set(), files)
    old = {path: e.stat for path, e in manifest.entries.items()}
    racy = {path for path, e in manifest.entries.items() if manifest.is_racy(e)}
    return _diff(old, racy, files)


def _diff(old: Mapping[str, Stat], racy: set[str], files: Mapping[str, Stat]) -> Changes:
    changes = Changes()
    for path, stat in files.items():
        known = old.get(path)
        if known is None:
            changes.added.append(path)
        elif known != stat or path in racy:
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
        return digest(read_regular(path))
    except OSError:
        return None


def now_ns() -> int:
    """Wall-clock time in ns, comparable with file mtimes."""
    return time.time_ns()


def _parts(folder: Path) -> tuple[tuple[Any, ...], bytes] | None:
    """The decoded stat part and the still-encoded rest of a manifest file."""
    try:
        data = (folder / MANIFEST).read_bytes()
        if not data.startswith(_TAG):
            return None
        start = len(_TAG) + 8
        end = start + int.from_bytes(data[len(_TAG) : start], "little")
        head = marshal.loads(data[start:end])
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not (isinstance(head, tuple) and len(head) == 5):
        return None
    schema, taxonomy, scanned_ns, stats, racy = head
    if not (
        isinstance(schema, int)
        and isinstance(taxonomy, str)
        and isinstance(scanned_ns, int)
        and isinstance(stats, dict)
        and isinstance(racy, tuple)
    ):
        return None
    return head, data[end:]


def _rest(encoded: bytes, count: int) -> tuple[tuple[Any, ...], ...] | None:
    """The per-file columns after the stats (hash, kind, id, problems), in the stats' order."""
    try:
        columns = marshal.loads(encoded)
    except (ValueError, EOFError, TypeError):
        return None
    if not (isinstance(columns, tuple) and len(columns) == 4):
        return None
    if not all(isinstance(c, tuple) and len(c) == count for c in columns):
        return None
    return columns


def load(folder: Path) -> Manifest | None:
    """The manifest in an index generation folder, or None when missing or unreadable."""
    parts = _parts(folder)
    if parts is None:
        return None
    (schema, taxonomy, scanned_ns, stats, _), encoded = parts
    rest = _rest(encoded, len(stats))
    if rest is None:
        return None
    try:
        entries = {
            path: Entry(stat, *row) for (path, stat), *row in zip(stats.items(), *rest, strict=True)
        }
    except (TypeError, ValueError):
        return None
    return Manifest(schema, taxonomy, scanned_ns, entries)


def peek(folder: Path) -> Snapshot | None:
    """What a freshness check needs from the manifest, or None when missing or unreadable.

    Only the stat part is decoded; hashes are decoded when a file needs checking.
    """
    parts = _parts(folder)
    if parts is None:
        return None
    (schema, taxonomy, scanned_ns, stats, racy), encoded = parts
    return Snapshot(schema, taxonomy, scanned_ns, stats, racy, encoded)


def unreadable_reason(folder: Path) -> str:
    """Why a generation has no readable manifest, in words for people."""
    if not (folder / MANIFEST).exists() and (folder / LEGACY).exists():
        return "the index was written by an older kb"
    try:
        with open(folder / MANIFEST, "rb") as data:
            tag = data.read(len(_TAG))
    except OSError:
        tag = b""
    if tag.startswith(_TAG_STEM) and tag != _TAG:
        return "the index was written by another version of kb"
    return "the index manifest is missing or unreadable"


def save(folder: Path, manifest: Manifest) -> None:
    """Write the manifest atomically (temp file, fsync, rename)."""
    paths = sorted(manifest.entries)
    entries = [manifest.entries[path] for path in paths]
    head = (
        manifest.schema,
        manifest.taxonomy,
        manifest.scanned_ns,
        {path: e.stat for path, e in zip(paths, entries, strict=True)},
        tuple(path for path, e in zip(paths, entries, strict=True) if manifest.is_racy(e)),
    )
    rest = (
        tuple(e.sha for e in entries),
        tuple(e.kind for e in entries),
        tuple(e.id for e in entries),
        tuple(e.problems for e in entries),
    )
    encoded = marshal.dumps(head, _MARSHAL_VERSION)
    data = b"".join(
        [
            _TAG,
            len(encoded).to_bytes(8, "little"),
            encoded,
            marshal.dumps(rest, _MARSHAL_VERSION),
        ]
    )
    target = folder / MANIFEST
    tmp = folder / f".{MANIFEST}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise SearchError(f"{target}: cannot write the index manifest: {err.strerror}") from None
