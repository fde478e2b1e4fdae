"""Child processes that never outlive the kb command that started them, and owners that are gone.

A helper process (kb.background) or an index-writing worker (kb.search.indexer)
that outlived a killed kb would wait forever for work, holding whatever it
inherited (the index's write lock among them). Each calls `die_with_parent`
first thing. On Linux the kernel then kills it when the parent goes, however
the parent goes (`kill -9` included): prctl(PR_SET_PDEATHSIG). Elsewhere, or
when prctl fails, a thread in the child watches its parent id change (the
orphan is handed to init or a subreaper) and ends the process.

PR_SET_PDEATHSIG fires when the *thread* that started the child ends, not the
process; callers whose starting thread may end first pass `by_signal=False`.

`signals_held` delays Ctrl+C, SIGTERM and SIGHUP over a step that must not be cut
in two (a fork, a file written whole). `alive` says whether a process id still names a running process; kb uses it to
take over what a killed kb left (a lock, a temporary folder). This module
imports nothing else from kb.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator

# How often the portable fallback looks at its parent.
_POLL_SECONDS = 0.25
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent_pid: int, *, by_signal: bool = True) -> None:
    """End this process when `parent_pid`, the process that started it, ends."""
    armed = by_signal and _death_signal()
    # The parent may have gone before the signal was armed: then it never comes.
    if os.getppid() != parent_pid:
        os._exit(1)
    if not armed:
        threading.Thread(target=_watch, args=(parent_pid,), daemon=True, name="kb-lifeline").start()


def _death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(_POLL_SECONDS)
    os._exit(1)


def alive(pid: int) -> bool:
    """Whether `pid` is a running process of this machine (a zombie counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    # /proc/<pid>/stat: "pid (name) state ..."; the name may hold spaces or parentheses.
    with contextlib.suppress(OSError, IndexError), open(f"/proc/{pid}/stat", "rb") as stat:
        return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    return True


def host() -> str:
    """This machine's name, recorded beside a pid: a pid means nothing on another host."""
    return socket.gethostname()


def owner_tag() -> str:
    """'<pid> <host>': who owns a lock or a temporary folder, for `owner_gone`."""
    return f"{os.getpid()} {host()}"


def owner_gone(tag: str) -> bool:
    """Whether the owner named by an `owner_tag` is certainly gone (unknown means no)."""
    parts = tag.split()
    if not parts or not (parts[0].isascii() and parts[0].isdigit()):
        return False
    if len(parts) > 1 and parts[1] != host():
        return False  # another machine's process: cannot tell
    return not alive(int(parts[0]))


HELD_SIGNALS = frozenset(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Delay Ctrl+C, SIGTERM and SIGHUP until the block is done (where the OS allows):
    a handler raising half-way could leave a temporary file, or run inside at-fork hooks
    where its exception cannot propagate. A child forked inside the block inherits the
    mask and unblocks HELD_SIGNALS itself once its handlers are set."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    saved = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, saved)
