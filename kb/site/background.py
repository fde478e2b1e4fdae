"""One helper process for the build work that can run while mkdocs renders pages.

mkdocs renders pages in one thread. Two parts of kb's build need none of its
results: ranking similar incidents from the search index, and drawing the
charts. `Worker` runs them, one after the other in submission order, in a
single spawned process, so they take a second CPU instead of adding to the
build's wall time. Where no process can be started, the work runs in place and
the result is there at once; callers do not need to know which happened.

Not concurrent.futures' process pool: its worker exits through a full
interpreter shutdown (a fifth of a second with matplotlib and numpy loaded) that
the build would wait for. This helper leaves with `os._exit` once told to stop,
having nothing left to flush: results travel over the pipe, and the files it
writes are closed before their result is sent.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class WorkerError(Exception):
    """The helper process died or its result could not be sent back."""


class Pending(Generic[T]):
    """A result to come from the worker; `result()` waits for it."""

    def __init__(self, worker: Worker | None = None) -> None:
        self._worker = worker
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None

    def _set(self, ok: bool, value: Any) -> None:
        self._done = True
        if ok:
            self._value = value
        else:
            self._error = value

    def done(self) -> bool:
        """Whether the result is in (without waiting)."""
        return self._done

    def result(self) -> T:
        """The function's return value; raises what it raised (or WorkerError)."""
        if not self._done and self._worker is not None:
            self._worker._receive_until(self)
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[no-any-return]


def _serve(conn: Connection) -> None:
    """The helper process: run what arrives, send back (ok, result), until told to stop."""
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            os._exit(0)  # the build went away
        if task is None:
            conn.close()
            os._exit(0)
        fn, args = task
        try:
            reply: tuple[bool, Any] = (True, fn(*args))
        except Exception as err:
            reply = (False, err)
        try:
            conn.send(reply)
        except Exception as err:  # a result or error that does not pickle
            conn.send((False, WorkerError(f"{fn.__name__}: {err}")))


class Worker:
    """A helper process, started on first use; `in_process=True` never starts one."""

    def __init__(self, *, in_process: bool = False) -> None:
        self.in_process = in_process
        self._conn: Connection | None = None
        self._process: Any = None
        self._waiting: deque[Pending[Any]] = deque()

    @property
    def started(self) -> bool:
        """Whether a helper process is running for this worker."""
        return self._process is not None

    def submit(self, fn: Callable[..., T], *args: Any) -> Pending[T]:
        """Run `fn(*args)` in the helper process (functions and arguments must pickle)."""
        if self._process is None and not self.in_process:
            self._start()
        if self._conn is not None:
            pending: Pending[T] = Pending(self)
            try:
                self._conn.send((fn, args))
            except (OSError, ValueError) as err:
                pending._set(False, WorkerError(f"the helper process is gone: {err}"))
                return pending
            self._waiting.append(pending)
            return pending
        done: Pending[T] = Pending()
        try:
            done._set(True, fn(*args))
        except Exception as err:  # kept for result(), as the helper process would
            done._set(False, err)
        return done

    def _start(self) -> None:
        try:
            # spawn, not fork: mkdocs serve runs threads, and a forked child could
            # inherit a lock some other thread holds.
            context = multiprocessing.get_context("spawn")
            ours, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs,), daemon=True)
            process.start()
            theirs.close()
        except (OSError, NotImplementedError):
            self.in_process = True
            return
        self._conn, self._process = ours, process

    def _receive_until(self, wanted: Pending[Any]) -> None:
        # Results come back in submission order.
        while not wanted.done():
            if not self._waiting or self._conn is None:
                wanted._set(False, WorkerError("the helper process was stopped"))
                return
            pending = self._waiting.popleft()
            try:
                ok, value = self._conn.recv()
            except (EOFError, OSError):
                pending._set(False, WorkerError("the helper process died"))
                self._fail_all()
                continue
            pending._set(ok, value)

    def _fail_all(self) -> None:
        while self._waiting:
            self._waiting.popleft()._set(False, WorkerError("the helper process died"))

    def close(self) -> None:
        """Stop the helper process; results not asked for by now are dropped."""
        if self._process is None:
            return
        conn, process = self._conn, self._process
        self._conn = self._process = None
        assert conn is not None
        try:
            if self._waiting:
                process.terminate()  # still busy with work nobody will collect
            else:
                conn.send(None)
        except OSError:
            pass
        conn.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
        while self._waiting:
            self._waiting.popleft()._set(False, WorkerError("the helper process was stopped"))
