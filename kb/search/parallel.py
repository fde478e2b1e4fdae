"""whoosh's parallel writer, with workers that never outlive the kb that started them.

whoosh.multiproc.MpWriter forks worker processes that wait on a queue for
batches of documents. When the parent was killed they waited forever, and held
what the fork handed them, the index's write lock among them. Here each worker
first arranges to die with its parent (kb.lifeline), leaves Ctrl+C to the
parent, and ends at once on SIGTERM, which is how the parent stops workers it
no longer needs. kb.search.store closes its lock descriptor in every forked
child, so a worker holds no lock even while it lives.
"""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask

from kb.lifeline import HELD_SIGNALS, die_with_parent, signals_held


class _Task(SubWriterTask):  # type: ignore[misc]  # whoosh is untyped
    """One worker process of a ParallelWriter."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._parent = os.getpid()
        self._by_signal = threading.current_thread() is threading.main_thread()

    def run(self) -> None:
        """Arrange to die with the parent, then work as whoosh's worker does."""
        die_with_parent(self._parent, by_signal=self._by_signal)
        # Forked: the parent's Python handlers were copied, and are not wanted here.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, HELD_SIGNALS)  # blocked by the parent's fork
        super().run()


class ParallelWriter(MpWriter):  # type: ignore[misc]
    """MpWriter whose worker processes die with the process that started them."""

    def _new_task(self) -> _Task:
        task = _Task(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        # No termination signal while forking: its handler would run in the middle of
        # the at-fork hooks (in both processes), where its exception cannot propagate.
        # The child unblocks once its own handlers are set; the parent right after.
        with signals_held():
            task.start()
        return task
