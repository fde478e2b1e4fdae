"""Finding Markdown files, reading only regular files, and writing so a reader never sees half."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from kb.lifeline import signals_held

# What an entry that is not a regular file is, for messages.
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class NotRegularFile(OSError):
    """The path exists but is not a regular file, so kb will not read it."""


Stat = tuple[int, int, int, int]  # (size, mtime_ns, ctime_ns, inode)


def stat_of(st: os.stat_result) -> Stat:
    """The part of a file's stat that says whether it changed."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def read_regular(path: Path) -> bytes:
    """The bytes of `path`, which must be a regular file (symbolic links are followed).

    Opened without blocking and checked on the open descriptor, so a named pipe or a
    device never makes a command wait forever, and a file swapped for one between a
    check and the read is still caught. Raises OSError (NotRegularFile for the others).
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
            raise NotRegularFile(0, f"it is {kind}, and kb reads only regular files")
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def iter_markdown(folder: Path, refused: list[tuple[Path, str]] | None = None) -> Iterator[Path]:
    """Every *.md file under `folder`, skipping hidden entries, in a stable order.

    Symbolic links are followed as mkdocs follows them, but only to places inside
    `folder`: a link that leads outside it, or nowhere, is not read and is added to
    `refused` with the reason (a folder reached twice through links is read once).
    Entries that are not regular files (a named pipe, say) are yielded; reading them
    gives a clear problem instead of blocking (kb.files.read_regular).
    """
    for entry in markdown_entries(folder, refused):
        yield Path(entry.path)


def markdown_entries(
    folder: Path, refused: list[tuple[Path, str]] | None = None
) -> Iterator[os.DirEntry[str]]:
    """The directory entries of the files `iter_markdown` yields, in the same order.

    For callers that stat 10,000 files on every command (the search index's freshness
    check): an entry's `stat()` follows a link as `os.stat` does, without a Path per file.
    """
    root = os.path.realpath(folder)
    yield from _walk(str(folder), root, {root}, refused if refused is not None else [])


def _walk(
    folder: str, root: str, seen: set[str], refused: list[tuple[Path, str]]
) -> Iterator[os.DirEntry[str]]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    folders: list[str] = []
    for entry in entries:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            if not (target == root or target.startswith(root + os.sep)):
                if os.path.isdir(target) or name.endswith(".md"):
                    refused.append((Path(entry.path), _outside(target)))
                continue
            if os.path.isdir(target):
                if target not in seen:
                    seen.add(target)
                    folders.append(entry.path)
                continue
        elif entry.is_dir(follow_symlinks=False):
            seen.add(os.path.realpath(entry.path))
            folders.append(entry.path)
            continue
        if name.endswith(".md"):
            yield entry
    for sub in folders:
        yield from _walk(sub, root, seen, refused)


def _outside(target: str) -> str:
    if not os.path.exists(target):
        return "is a symbolic link that leads nowhere (its target does not exist)"
    return (
        f"is a symbolic link to {target}, outside the content folder; kb reads only what is "
        "inside it (copy the file in, or move the link's target inside)"
    )


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it into place.

    An interrupted write leaves the previous file (or none), never a cut one; two
    writers at once leave one whole file. Raises OSError when the folder cannot be
    written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# Temporary files of `write_new`: hidden, so neither kb nor mkdocs reads one.
NEW_PREFIX, NEW_SUFFIX = ".kb-new-", ".tmp"
# Errors of os.link that mean "no hard links here", not "cannot write here".
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS}


def write_new(path: Path, text: str) -> None:
    """Create `path` holding `text`; never replace a file that is there.

    The text is written to a hidden temporary file beside `path`, which is then
    hard-linked to `path`: the link is made only if `path` does not exist
    (FileExistsError otherwise), so an existing file is never touched, and a
    writer killed half-way leaves nothing at `path`. Where the file system has no
    hard links, `path` is created exclusively and written instead. Raises OSError
    when the folder cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # A signal handled in Python (Ctrl+C, SIGTERM) waits until the file is whole and the
    # temporary one gone: raised half-way, it could leave the temporary file behind.
    with signals_held():
        fd, tmp = tempfile.mkstemp(
            prefix=f"{NEW_PREFIX}{path.name}.", suffix=NEW_SUFFIX, dir=path.parent
        )
        try:
            # mkstemp makes the file private (0600); a new document is as readable as any
            # file the user creates (0666 less the umask), like the rest of the repository.
            os.fchmod(fd, 0o666 & ~_umask())
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            try:
                os.link(tmp, path)
            except OSError as err:
                if isinstance(err, FileExistsError) or err.errno not in _NO_LINKS:
                    raise
                with path.open("x", encoding="utf-8") as out:
                    out.write(text)
        finally:
            Path(tmp).unlink(missing_ok=True)


def _umask() -> int:
    """The process's file-creation mask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_stale_new(folder: Path) -> None:
    """Remove temporary files that killed `write_new` calls left in `folder`.

    Only safe while holding a lock that every writer into `folder` holds while it
    writes (kb's id lock): then no temporary file found can still be in use.
    """
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(NEW_PREFIX) and entry.name.endswith(NEW_SUFFIX):
            try:
                if entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
            except OSError:
                pass
