"""The index folder on disk: generations, the CURRENT pointer, and the writers' lock.

    <index_dir>/
        CURRENT        name of the generation searches read (replaced atomically)
        lock           held (flock) by the one process writing; holds "<pid> <host>"
        lock.guard     held for an instant while a process takes `lock` (see below)
        g<ns>-<pid>/   one whoosh index plus the manifest.json it was built from

Incremental updates commit inside the current generation (whoosh commits are
atomic: segment files first, then a new TOC by rename). A full build goes into
a fresh generation that becomes CURRENT only once complete, so a crash or
Ctrl-C at any moment leaves the previous index whole and searchable.

The lock is an flock, which the kernel releases when the last descriptor of it
closes; forked children would keep it (kb closes it in every fork, and its
children die with it, but an older kb's orphans or an unlucky fork elsewhere
might not). So a lock still held while the pid written in it is gone is taken
over: the file is unlinked and a fresh one locked. Every step of taking the lock,
writing the pid and deciding a takeover happens under `lock.guard`, so a live
writer has always written its pid before anyone can judge it gone, and two
processes never both think they hold the lock.
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
from kb.lifeline import owner_gone, owner_tag

POINTER = "CURRENT"
LOCK = "lock"
GUARD = "lock.guard"
PREFIX = "g"
# Longest wait for the guard, which is held only while a lock is taken or judged.
GUARD_SECONDS = 5.0

# Lock descriptors this process holds; a forked child closes its copies at once.
_held: set[int] = set()


def _close_inherited() -> None:
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)  # the parent's lock stays: it still has its own descriptor
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_inherited)


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
    so the current generation's file names and stats (size, mtime, ctime, inode: a
    file put back with its old mtime still differs) say which index this is. The
    manifest and lock files are left out: recording new file stats changes the
    manifest, not the index. None when there is no index.
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
                entries.append(
                    f"{name}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}"
                )
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

    An flock dies with its process, and a lock whose owner is gone is taken over,
    so a crashed writer never leaves a stale lock.
    """
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SearchError(f"{index_dir}: cannot create the index folder: {err.strerror}") from None
    fd = _acquire(index_dir, timeout, on_wait)
    try:
        yield
    finally:
        _held.discard(fd)
        # Closing the descriptor releases the lock.
        os.close(fd)


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        return os.pread(fd, 200, 0).decode().strip()
    return ""


def _shown(holder: str) -> str:
    pid = holder.split()[0] if holder else ""
    return f" (pid {pid})" if pid.isascii() and pid.isdigit() else ""


def _acquire(index_dir: Path, timeout: float, on_wait: Callable[[str], None] | None) -> int:
    """Lock `index_dir`'s lock file; returns the descriptor that holds the lock."""
    deadline = time.monotonic() + timeout
    told = False
    while True:
        with _guard(index_dir):
            fd = _open(index_dir / LOCK)
            if _try_lock(fd, index_dir):
                _held.add(fd)
                return fd
            holder = _holder(fd)
            os.close(fd)
            if owner_gone(holder):
                # Only leftovers of a writer that is gone hold it (its forked children):
                # leave that file to them, and lock a new one on the next round.
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(index_dir / LOCK)
                continue
        who = _shown(holder)
        if time.monotonic() >= deadline:
            raise SearchError(
                f"{index_dir}: another kb process{who} is writing the index; "
                f"gave up after waiting {timeout:g} s (try again when it has finished)"
            )
        if not told and on_wait is not None:
            on_wait(f"waiting for another kb process{who} to finish writing the index ...")
            told = True
        time.sleep(0.05)


def _open(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise SearchError(f"{path}: cannot open the index lock: {err.strerror}") from None


def _try_lock(fd: int, index_dir: Path) -> bool:
    """Take the lock on `fd` without waiting and write who holds it; False when held."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno in (errno.EAGAIN, errno.EACCES):
            return False
        os.close(fd)
        raise SearchError(f"{index_dir}: cannot lock the index: {err.strerror}") from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{owner_tag()}\n".encode())
    except OSError as err:
        os.close(fd)
        raise SearchError(f"{index_dir}: cannot write the index lock: {err.strerror}") from None
    return True


@contextlib.contextmanager
def _guard(index_dir: Path) -> Iterator[None]:
    """Hold `lock.guard` while the lock is taken or judged (an instant, never longer)."""
    path = index_dir / GUARD
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise SearchError(f"{path}: cannot open the index lock: {err.strerror}") from None
    try:
        deadline = time.monotonic() + GUARD_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES):
                    raise SearchError(f"{path}: cannot lock: {err.strerror}") from None
            if time.monotonic() >= deadline:
                raise SearchError(
                    f"{path}: held for more than {GUARD_SECONDS:g} s by a stuck process"
                )
            time.sleep(0.001)
        yield
    finally:
        os.close(fd)
