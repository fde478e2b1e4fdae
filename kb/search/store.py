"""The index folder on disk: generations, the CURRENT pointer, and the writers' lock.

    <index_dir>/
        CURRENT        name of the generation searches read (replaced atomically)
        lock           held (flock) by the one process writing; holds its pid
        g<ns>-<pid>/   one whoosh index plus the manifest.json it was built from

Incremental updates commit inside the current generation (whoosh commits are
atomic: segment files first, then a new TOC by rename). A full build goes into
a fresh generation that becomes CURRENT only once complete, so a crash or
Ctrl-C at any moment leaves the previous index whole and searchable.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from kb.errors import SearchError

POINTER = "CURRENT"
LOCK = "lock"
PREFIX = "g"


def current(index_dir: Path) -> Path | None:
    """The generation folder searches should read, or None when there is no index yet."""
    try:
        name = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not name.startswith(PREFIX) or "/" in name or "\\" in name:
        return None
    folder = index_dir / name
    return folder if folder.is_dir() else None


def state(index_dir: Path) -> str | None:
    """A name for the index as it is now: it changes with every commit, full or incremental.

    Whoosh never rewrites a file in place (a commit adds segment files and a new TOC),
    so the current generation's file names, sizes and modification times say which
    index this is. The manifest and lock files are left out: recording new file stats
    changes the manifest, not the index. None when there is no index.
    """
    folder = current(index_dir)
    if folder is None:
        return None
    try:
        entries = []
        for entry in os.scandir(folder):
            name = entry.name
            if entry.is_file() and not name.startswith("manifest.") and not name.endswith("LOCK"):
                stat = entry.stat()
                entries.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    except OSError:
        return None
    entries.sort()
    return folder.name + "/" + hashlib.sha256("\n".join(entries).encode()).hexdigest()[:32]


def new_generation(index_dir: Path) -> Path:
    """A fresh, empty generation folder (not yet current)."""
    folder = index_dir / f"{PREFIX}{time.time_ns()}-{os.getpid()}"
    try:
        folder.mkdir(parents=True)
    except OSError as err:
        raise SearchError(f"{folder}: cannot create the index folder: {err.strerror}") from None
    return folder


def publish(index_dir: Path, folder: Path) -> None:
    """Make `folder` the current generation, atomically."""
    tmp = index_dir / f".{POINTER}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(folder.name + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, index_dir / POINTER)
    with contextlib.suppress(OSError):
        # Make the rename itself durable where the platform allows it.
        dir_fd = os.open(index_dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def sweep(index_dir: Path, keep: Path | None) -> None:
    """Delete every generation but `keep`: leftovers of replaced or interrupted builds."""
    for child in index_dir.iterdir():
        if child.name.startswith(PREFIX) and child.is_dir() and child != keep:
            shutil.rmtree(child, ignore_errors=True)
        elif child.name.startswith(f".{POINTER}.") and child.name.endswith(".tmp"):
            child.unlink(missing_ok=True)


def discard(folder: Path) -> None:
    """Remove an unfinished generation."""
    shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def write_lock(
    index_dir: Path, *, timeout: float, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the index's write lock, waiting up to `timeout` seconds for another writer.

    An flock dies with its process, so a crashed writer never leaves a stale lock.
    """
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise SearchError(f"{index_dir}: cannot create the index folder: {err.strerror}") from None
    try:
        _acquire(fd, index_dir, timeout, on_wait)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        # Closing the descriptor releases the lock.
        os.close(fd)


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode().strip()
        if text:
            return f" (pid {int(text)})"
    return ""


def _acquire(
    fd: int, index_dir: Path, timeout: float, on_wait: Callable[[str], None] | None
) -> None:
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.EACCES):
                raise SearchError(f"{index_dir}: cannot lock the index: {err.strerror}") from None
        who = _holder(fd)
        if time.monotonic() >= deadline:
            raise SearchError(
                f"{index_dir}: another kb process{who} is writing the index; "
                f"gave up after waiting {timeout:g} s (try again when it has finished)"
            )
        if not told and on_wait is not None:
            on_wait(f"waiting for another kb process{who} to finish writing the index ...")
            told = True
        time.sleep(0.05)
