"""The build's helper process: results in order, errors carried back, nothing left running."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from kb.background import NICENESS, Worker, WorkerError, lowered

pytestmark = pytest.mark.slow  # starts processes


def square(n: int) -> int:
    return n * n


def pid() -> int:
    return os.getpid()


def fail(message: str) -> None:
    raise ValueError(message)


def unpicklable() -> object:
    return lambda: None  # a lambda cannot travel back over the pipe


def big() -> bytes:
    return b"x" * 8_000_000  # far more than a pipe holds


def touch(path: str) -> None:
    Path(path).touch()


def die() -> None:
    os._exit(3)


def wait_for(path: str) -> bool:
    deadline = time.monotonic() + 30
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    return os.path.exists(path)


def size(data: bytes) -> int:
    return len(data)


def niceness() -> int:
    return os.nice(0)


def test_runs_in_another_process_in_order() -> None:
    worker = Worker()
    try:
        first, second, where = (
            worker.submit(square, 3),
            worker.submit(square, 4),
            worker.submit(pid),
        )
        assert worker.started
        # Asking for a later result first collects the earlier ones on the way.
        assert second.result() == 16 and first.done() and first.result() == 9
        assert where.result() != os.getpid()
    finally:
        worker.close()
    assert not worker.started


def test_errors_come_back_as_the_functions_raised_them() -> None:
    worker = Worker()
    try:
        bad, odd, good = worker.submit(fail, "no"), worker.submit(unpicklable), worker.submit(pid)
        with pytest.raises(ValueError, match="no"):
            bad.result()
        with pytest.raises(WorkerError, match="unpicklable"):
            odd.result()
        assert good.result() > 0  # the helper survived both
    finally:
        worker.close()


def test_a_task_that_cannot_travel_fails_where_it_is_submitted() -> None:
    # Before, the queue's own thread printed the pickling error and the build waited
    # forever for the result.
    worker = Worker()
    try:
        assert worker.submit(square, 2).result() == 4
        with pytest.raises(WorkerError, match="square cannot run in the helper process"):
            worker.submit(square, threading.Lock())
        assert worker.submit(square, 3).result() == 9  # the helper goes on
    finally:
        worker.close()


def test_submitting_a_big_task_does_not_wait_for_a_busy_helper(tmp_path: Path) -> None:
    worker = Worker()
    flag = tmp_path / "go"
    try:
        busy = worker.submit(wait_for, str(flag))
        # 8 MB of arguments: far more than a pipe holds while the helper is busy.
        sized = worker.submit(size, b"x" * 8_000_000)
        assert not busy.done()  # submit came back while the helper still waited
        flag.touch()
        assert busy.result() is True and sized.result() == 8_000_000
    finally:
        worker.close()


def test_a_dead_helper_fails_what_was_waiting_for_it() -> None:
    worker = Worker()
    try:
        gone, after = worker.submit(die), worker.submit(square, 2)
        with pytest.raises(WorkerError, match="died"):
            gone.result()
        with pytest.raises(WorkerError):
            after.result()
        # A task submitted once the helper is known dead fails too: before, its result
        # was waited for forever (an OOM-killed helper hung the build).
        later = worker.submit(square, 3)
        deadline = time.monotonic() + 30
        while not later.done() and time.monotonic() < deadline:
            time.sleep(0.02)
        with pytest.raises(WorkerError, match="died"):
            later.result()
    finally:
        worker.close()


def test_closing_stops_unfinished_work() -> None:
    worker = Worker()
    pending = worker.submit(square, 5)
    worker.close()
    with pytest.raises(WorkerError, match="stopped"):
        pending.result()


def test_in_process_runs_at_once() -> None:
    worker = Worker(in_process=True)
    done = worker.submit(pid)
    assert done.done() and done.result() == os.getpid() and not worker.started
    with pytest.raises(ValueError):
        worker.submit(fail, "here").result()
    worker.close()


def test_a_big_result_nobody_asked_for_yet_does_not_hold_up_the_next_task(tmp_path: Path) -> None:
    worker = Worker()
    try:
        first = worker.submit(big)
        worker.submit(touch, str(tmp_path / "second-ran"))
        deadline = time.monotonic() + 30
        while not (tmp_path / "second-ran").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (tmp_path / "second-ran").exists()
        assert len(first.result()) == 8_000_000
    finally:
        worker.close()


# A command that starts a helper (from its main thread, or from another thread that
# ends at once), prints the helper's pid, then waits to be killed.
_PARENT = """
import os, sys, threading, time
from kb.background import Worker
worker = Worker()
if sys.argv[1] == "thread":
    starter = threading.Thread(target=lambda: worker.submit(os.getpid).result())
    starter.start()
    starter.join()
print(worker.submit(os.getpid).result(), flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("started_from", ["main", "thread"])
def test_the_helper_dies_with_a_killed_parent(started_from: str) -> None:
    import subprocess
    import sys

    from kb.lifeline import alive

    parent = subprocess.Popen(
        [sys.executable, "-c", _PARENT, started_from], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    helper = int(parent.stdout.readline())
    try:
        assert helper != parent.pid and alive(helper)
        if started_from == "thread":
            time.sleep(0.5)  # the starting thread is gone: the helper must stay
            assert alive(helper)
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 10
        while alive(helper) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not alive(helper), "the helper outlived the build"
    finally:
        if alive(helper):
            os.kill(helper, 9)
        parent.kill()
        parent.communicate()


@pytest.mark.skipif(not hasattr(os, "nice"), reason="POSIX priorities")
def test_the_helper_works_at_a_lower_priority_than_the_command() -> None:
    # Otherwise the helper takes CPU from the thread the command waits for.
    worker = Worker()
    try:
        assert worker.submit(niceness).result() == min(19, os.nice(0) + NICENESS)
    finally:
        worker.close()


@pytest.mark.skipif(os.name != "posix", reason="POSIX priorities")
def test_a_program_started_beside_the_command_runs_at_a_lower_priority() -> None:
    import subprocess
    import sys

    said = subprocess.run(
        lowered([sys.executable, "-c", "import os; print(os.nice(0))"]),
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert int(said.stdout) == min(19, os.nice(0) + NICENESS)
