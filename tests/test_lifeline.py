"""Child processes die with their parent; gone owners are told from live ones."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from kb import lifeline

# A parent that forks a child, which arranges to die with it and then waits forever. Each
# line is one write (print may write the text and the newline apart, and the two
# processes' lines would then interleave).
_PARENT = """
import os, sys, time
from kb.lifeline import die_with_parent
parent = os.getpid()
child = os.fork()
if child == 0:
    die_with_parent(parent, by_signal=sys.argv[1] == "signal")
    os.write(1, b"armed\\n")
    while True:
        time.sleep(1)
os.write(1, f"{child}\\n".encode())
time.sleep(60)
"""


def _gone(pid: int, within: float = 10.0) -> bool:
    """Whether `pid` ends (or is a zombie) within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not lifeline.alive(pid):
            return True
        time.sleep(0.02)
    return False


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.parametrize("how", ["signal", "watch"])
def test_a_child_dies_when_its_parent_is_killed(how: str) -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, how], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = 0
    try:
        lines = {parent.stdout.readline().strip(), parent.stdout.readline().strip()}
        lines.discard("armed")
        child = int(lines.pop())
        assert lifeline.alive(child)
        parent.kill()
        parent.wait()
        assert _gone(child), "the child outlived its parent"
    finally:
        if child and lifeline.alive(child):
            os.kill(child, signal.SIGKILL)
        parent.kill()
        parent.communicate()


def test_a_child_whose_parent_is_already_gone_ends_at_once() -> None:
    # The parent went before the child could arm itself: getppid() is no longer it.
    done = subprocess.run(
        [sys.executable, "-c", "from kb.lifeline import die_with_parent; die_with_parent(1)"],
        check=False,
    )
    assert done.returncode == 1


def test_alive_and_owner_gone() -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    assert lifeline.alive(os.getpid()) and not lifeline.alive(ended.pid)
    assert not lifeline.alive(0) and not lifeline.alive(-1)
    assert lifeline.owner_gone(f"{ended.pid} {socket.gethostname()}")
    assert lifeline.owner_gone(str(ended.pid))  # written by a kb that recorded no host
    assert not lifeline.owner_gone(lifeline.owner_tag())
    assert not lifeline.owner_gone(f"{ended.pid} some-other-host")  # cannot tell: not gone
    for unknown in ("", "x", "٣", "12x"):
        assert not lifeline.owner_gone(unknown)


def test_a_zombie_counts_as_gone() -> None:
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = time.monotonic() + 10
        while lifeline.alive(zombie.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not lifeline.alive(zombie.pid)  # exited, not yet reaped
    finally:
        zombie.wait()
