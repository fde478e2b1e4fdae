"""One helper process for the work that can run beside a command's own.

mkdocs renders pages in one thread. Parts of a build need none of that thread's
results: ranking similar incidents from the search index, and drawing the
charts. `Worker` runs them, one after the other
in submission order, in a single spawned process, so they take a second CPU
instead of adding to the command's wall time. Where no process can be started,
the work runs in place and the result is there at once; callers do not need to
know which happened.

Not concurrent.futures' process pool: its worker exits through a full
interpreter shutdown (a fifth of a second with matplotlib and numpy loaded) that
the build would wait for. This helper leaves with `os._exit` once told to stop,
having nothing left to flush: results travel over a pipe, and the files it
writes are closed before their result is sent. `submit` pickles the task at
once, so one that cannot travel fails there and then; a feeder thread sends it
down a pipe, so `submit` never blocks on a busy helper, and a reader thread
takes every result off the other pipe as soon as it is sent, so the helper never
waits for the build to ask for a big result before starting its next task.

Pipes and not multiprocessing's Queue: a Queue reports a task that does not
pickle from its own thread, and the build then waits forever for its result;
and its named semaphores, registered with multiprocessing's resource tracker,
made a build killed at the wrong moment end with warnings about leaked ones.

The helper runs at a lower priority (`NICENESS`), and so does any program a command
starts to work beside it (`lowered`): the command's own thread is what everything
waits for, and on a machine with fewer free cores than busy processes it should
get the CPU first. At 10,000 documents on two cores, Pagefind's runs beside the
rendering made `kb build` 5-6 s slower at the same priority (BENCHMARKS.md).

The helper dies with the process that started it (kb.lifeline), so a killed
build never leaves it waiting for work. Ctrl+C reaches the whole process group:
the helper ignores it and is stopped by the command's own cleanup instead.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import shutil
import signal
import threading
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from kb.errors import WorkerError
from kb.lifeline import die_with_parent

T = TypeVar("T")

NICENESS = 10  # POSIX niceness of the work beside a command: lower priority


def lowered(command: list[str]) -> list[str]:
    """`command`, run at `NICENESS` where the platform has `nice` (as it is elsewhere)."""
    nice = shutil.which("nice") if os.name == "posix" else None
    return [nice, "-n", str(NICENESS), *command] if nice else command


class Pending(Generic[T]):
    """A result to come from the worker; `result()` waits for it."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None

    def _set(self, ok: bool, value: Any) -> None:
        if self._event.is_set():
            return
        if ok:
            self._value = value
        else:
            self._error = value
        self._event.set()

    def done(self) -> bool:
        """Whether the result is in (without waiting)."""
        return self._event.is_set()

    def result(self) -> T:
        """The function's return value; raises what it raised (or WorkerError)."""
        self._event.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[no-any-return]


def _serve(tasks: Connection, conn: Connection, parent: int, by_signal: bool) -> None:
    """The helper process: run what arrives, send back (ok, result), until told to stop."""
    die_with_parent(parent, by_signal=by_signal)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):  # POSIX
        os.nice(NICENESS)
    while True:
        try:
            task = pickle.loads(tasks.recv_bytes())
        except (EOFError, OSError):
            os._exit(0)  # the build went away, or closed the pipe: no more work
        fn, args = task
        try:
            reply: tuple[bool, Any] = (True, fn(*args))
        except Exception as err:
            reply = (False, err)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            os._exit(0)
        except Exception as err:  # a result or error that does not pickle
            conn.send((False, WorkerError(f"{fn.__name__}: {err}")))


class Worker:
    """A helper process, started on first use; `in_process=True` never starts one."""

    def __init__(self, *, in_process: bool = False) -> None:
        self.in_process = in_process
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()  # to the feeder
        self._process: Any = None
        self._reader: threading.Thread | None = None
        self._feeder: threading.Thread | None = None
        self._waiting: deque[Pending[Any]] = deque()  # submitted, result not yet read
        # Why the helper is gone (None while it runs): what a task submitted after its
        # death fails with at once, instead of waiting for a result nobody will send.
        self._gone: str | None = None
        self._lock = threading.Lock()  # between `submit` and the reader's last word

    @property
    def started(self) -> bool:
        """Whether a helper process is running for this worker."""
        return self._process is not None

    def submit(self, fn: Callable[..., T], *args: Any) -> Pending[T]:
        """Run `fn(*args)` in the helper process (functions and arguments must pickle)."""
        if self._process is None and not self.in_process:
            self._start()
        pending: Pending[T] = Pending()
        if self._process is not None:
            try:
                task = pickle.dumps((fn, args), pickle.HIGHEST_PROTOCOL)
            except Exception as err:  # said where it was asked for, not lost in a thread
                raise WorkerError(f"{fn.__name__} cannot run in the helper process: {err}") from err
            with self._lock:
                if self._gone is not None:
                    pending._set(False, WorkerError(self._gone))
                    return pending
                self._waiting.append(pending)  # before the task leaves: its result may be quick
            self._outbox.put(task)
            return pending
        try:
            pending._set(True, fn(*args))
        except Exception as err:  # kept for result(), as the helper process would
            pending._set(False, err)
        return pending

    def _start(self) -> None:
        try:
            # spawn, not fork: mkdocs serve runs threads, and a forked child could
            # inherit a lock some other thread holds.
            context = multiprocessing.get_context("spawn")
            their_tasks, our_tasks = context.Pipe(duplex=False)
            ours, theirs = context.Pipe(duplex=False)
            # The kernel's death signal follows the thread that started the child; a
            # thread other than the main one may end before the helper does.
            main = threading.current_thread() is threading.main_thread()
            args = (their_tasks, theirs, os.getpid(), main)
            process = context.Process(target=_serve, args=args, daemon=True)
            process.start()
            their_tasks.close()
            theirs.close()
        except (OSError, NotImplementedError):
            self.in_process = True
            return
        self._process, self._outbox, self._gone = process, queue.SimpleQueue(), None
        feed = (self._outbox, our_tasks)
        self._feeder = threading.Thread(target=self._feed, args=feed, daemon=True)
        self._feeder.start()
        self._reader = threading.Thread(target=self._read, args=(ours, process), daemon=True)
        self._reader.start()

    @staticmethod
    def _feed(outbox: queue.SimpleQueue[bytes | None], conn: Connection) -> None:
        # Tasks leave in submission order; None (from close) closes the pipe, which the
        # helper takes as the end of its work.
        while (task := outbox.get()) is not None:
            try:
                conn.send_bytes(task)
            except OSError:  # the helper is gone; the reader fails what was waiting
                break
        conn.close()

    def _read(self, conn: Connection, process: Any) -> None:
        # Results come back in submission order.
        while True:
            try:
                ok, value = conn.recv()
            except (EOFError, OSError):
                break
            except Exception as err:  # a result that does not unpickle here
                ok, value = False, WorkerError(f"a result could not be read: {err}")
            if self._waiting:
                self._waiting.popleft()._set(ok, value)
        conn.close()
        if process is self._process:  # not a helper already stopped and replaced
            self._fail_waiting("the helper process died", gone=True)

    def _fail_waiting(self, why: str, *, gone: bool = False) -> None:
        with self._lock:
            if gone:
                self._gone = why
            while self._waiting:
                self._waiting.popleft()._set(False, WorkerError(why))

    def close(self) -> None:
        """Stop the helper process; results not in by now are dropped."""
        if self._process is None:
            return
        process, reader, feeder = self._process, self._reader, self._feeder
        self._process = self._reader = self._feeder = None
        if self._waiting:
            self._fail_waiting("the helper process was stopped")
            process.terminate()  # still busy with work nobody will collect
        self._outbox.put(None)  # the feeder closes the tasks' pipe: the helper ends
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
        for thread in (feeder, reader):
            if thread is not None:
                thread.join(5)
