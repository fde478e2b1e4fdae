"""The index folder: the CURRENT pointer, generations and the writers' lock."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from search_helpers import lock_holder

from kb.errors import SearchError
from kb.search import store


def test_publish_switches_current_and_sweep_removes_the_rest(tmp_path: Path) -> None:
    assert store.current(tmp_path) is None
    first = store.new_generation(tmp_path)
    store.publish(tmp_path, first)
    assert store.current(tmp_path) == first
    second = store.new_generation(tmp_path)
    assert store.current(tmp_path) == first  # a new generation is not current until published
    store.publish(tmp_path, second)
    store.sweep(tmp_path, keep=second)
    assert store.current(tmp_path) == second
    assert not first.exists()


def test_pointer_to_a_missing_or_odd_folder_means_no_index(tmp_path: Path) -> None:
    (tmp_path / store.POINTER).write_text("g123-1\n", encoding="utf-8")
    assert store.current(tmp_path) is None
    (tmp_path / store.POINTER).write_text("../elsewhere\n", encoding="utf-8")
    assert store.current(tmp_path) is None


def test_second_writer_gives_up_with_the_holders_pid(tmp_path: Path) -> None:
    with lock_holder(tmp_path) as holder:
        waits: list[str] = []
        started = time.monotonic()
        with (
            pytest.raises(SearchError, match=rf"another kb process \(pid {holder.pid}\)"),
            store.write_lock(tmp_path, timeout=0.3, on_wait=waits.append),
        ):
            pass
        assert time.monotonic() - started >= 0.3
        assert waits and "waiting" in waits[0]
    # The holder died without unlocking: its flock went with it.
    with store.write_lock(tmp_path, timeout=1):
        assert (tmp_path / store.LOCK).read_text().split()[0] == str(os.getpid())


def test_state_names_the_index_as_it_is_now(tmp_path: Path) -> None:
    from search_helpers import Doc, write_doc, write_kb

    from kb.search import update_index

    settings = write_kb(tmp_path, [Doc("PM-2025-001", "DNS outage", "the resolver failed")])
    assert store.state(settings.index_dir) is None
    update_index(settings)
    first = store.state(settings.index_dir)
    assert first is not None and first == store.state(settings.index_dir)
    write_doc(tmp_path, Doc("PM-2025-002", "TLS expiry", "the certificate expired"))
    update_index(settings)  # an incremental commit in the same generation
    second = store.state(settings.index_dir)
    assert second is not None and second != first
    update_index(settings, rebuild=True)
    assert store.state(settings.index_dir) not in (first, second, None)


# Holds the lock file's flock, as the forked children of a killed writer did, with a
# pid in it that is gone; prints "held" and waits.
_LEFTOVER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.ftruncate(fd, 0)
os.write(fd, (sys.argv[2] + "\\n").encode())
print("held", flush=True)
time.sleep(60)
"""


def _gone_pid() -> int:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    return ended.pid


def _hold(lock: Path, content: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _LEFTOVER, str(lock), content], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


@pytest.mark.parametrize("written", ["{pid} {host}", "{pid}"], ids=["now", "older-kb"])
def test_a_lock_held_for_a_writer_that_is_gone_is_taken_over(tmp_path: Path, written: str) -> None:
    holder = _hold(
        tmp_path / store.LOCK, written.format(pid=_gone_pid(), host=socket.gethostname())
    )
    try:
        waits: list[str] = []
        with store.write_lock(tmp_path, timeout=0, on_wait=waits.append):
            assert (tmp_path / store.LOCK).read_text().split() == [
                str(os.getpid()),
                socket.gethostname(),
            ]
        assert waits == []
    finally:
        holder.kill()
        holder.communicate()


@pytest.mark.parametrize("written", ["{me} {host}", "{gone} another-host", "", "junk"])
def test_a_lock_whose_owner_may_be_alive_is_never_taken_over(tmp_path: Path, written: str) -> None:
    content = written.format(me=os.getpid(), gone=_gone_pid(), host=socket.gethostname())
    holder = _hold(tmp_path / store.LOCK, content)
    try:
        with (
            pytest.raises(SearchError, match="another kb process"),
            store.write_lock(tmp_path, timeout=0.2),
        ):
            pass
    finally:
        holder.kill()
        holder.communicate()


# Takes the lock again and again; inside, it checks that nobody else is inside.
_CONTENDER = """
import os, sys, time
from pathlib import Path
from kb.search import store
index_dir, inside = Path(sys.argv[1]), Path(sys.argv[2])
for _ in range(15):
    with store.write_lock(index_dir, timeout=60):
        fd = os.open(inside, os.O_CREAT | os.O_EXCL | os.O_WRONLY)  # fails if another is in
        time.sleep(0.005)
        os.close(fd)
        os.unlink(inside)
print("done", flush=True)
"""


def test_contenders_and_a_takeover_never_let_two_writers_in(tmp_path: Path) -> None:
    gone = _gone_pid()
    holder = _hold(tmp_path / store.LOCK, f"{gone} {socket.gethostname()}")
    inside = tmp_path / "inside"
    try:
        contenders = [
            subprocess.Popen(
                [sys.executable, "-c", _CONTENDER, str(tmp_path), str(inside)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        for contender in contenders:
            out, err = contender.communicate(timeout=120)
            assert contender.returncode == 0, err
            assert out.strip() == "done"
    finally:
        holder.kill()
        holder.communicate()


def test_a_forked_child_does_not_keep_the_lock(tmp_path: Path) -> None:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with store.write_lock(tmp_path, timeout=1):
        child = context.Process(target=time.sleep, args=(30,))
        child.start()
    try:
        # The child still runs, yet the lock went with the parent's descriptor (the
        # child closes its copy first thing, an instant after the fork: hence the wait).
        with store.write_lock(tmp_path, timeout=10):
            assert child.is_alive()
    finally:
        child.kill()
        child.join()
