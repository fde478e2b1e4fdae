"""The preview's watch on the content folder, by the platform's file events.

mkdocs' live-reload server polls what it watches: twice a second it lists
every file under the folder and stats each one (watchdog's `PollingObserver`),
because events do not cross some virtual file systems (Docker on a Mac,
network mounts). At 10,000 documents one such walk takes 0.12-0.15 s of
Python, so the server spends about a quarter of a core walking, and the
rebuild after a save, which needs the same interpreter, waits for it.

`ContentWatch` watches the content folder with the platform's own file events
instead (inotify, FSEvents, ReadDirectoryChangesW: watchdog's `Observer`, which
falls back to polling where there are none), and passes each change on by
calling `changed`; kb.site.build has it touch a file in a small folder the
server polls, which asks for the rebuild as a save would. Where events do not
arrive (those virtual file systems), `kb serve --poll` keeps mkdocs' polling.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

log = logging.getLogger("mkdocs.plugins.kb")


# Writes only: asked of the platform where it can filter (inotify), so that the files every
# rebuild reads (opened, closed unwritten) do not each wake a Python thread up.
_WRITES: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]


class _Changes(FileSystemEventHandler):
    def __init__(self, changed: Callable[[], None]) -> None:
        self._changed = changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if type(event) in _WRITES:  # the platforms that cannot filter deliver the rest too
            self._changed()


class ContentWatch:
    """Calls `changed` (in a thread of its own) whenever a file under `folder` changes."""

    def __init__(self, folder: Path, changed: Callable[[], None]) -> None:
        self.folder = folder.resolve()  # events name real paths: watch the real folder
        self._changed = changed
        self._observer: BaseObserver | None = None

    def start(self) -> bool:
        """Start watching; False when the platform refuses (too many watches, no
        events at all), and the caller should poll instead."""
        observer = Observer()
        try:
            observer.schedule(
                _Changes(self._changed), str(self.folder), recursive=True, event_filter=_WRITES
            )
            observer.start()
        except OSError as err:
            log.info("kb: file events unavailable for %s (%s); polling instead", self.folder, err)
            return False
        self._observer = observer
        return True

    def stop(self) -> None:
        """Stop watching and wait for the watching thread to end."""
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
