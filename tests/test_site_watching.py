"""The preview's watch on the content folder by file events (kb.site.watching)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kb.site import watching
from kb.site.watching import ContentWatch


class _Calls:
    def __init__(self) -> None:
        self.came = threading.Event()

    def __call__(self) -> None:
        self.came.set()

    def seen(self, act: Callable[[], object]) -> bool:
        """Whether doing `act` made a call within two seconds."""
        time.sleep(0.3)  # the events of what came before
        self.came.clear()
        act()
        return self.came.wait(2)


def test_saves_new_files_and_renames_are_seen_and_reads_are_not(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    (folder / "2025").mkdir(parents=True)
    doc = folder / "2025" / "pm-2025-001.md"
    doc.write_text("---\nid: PM-2025-001\n---\n", encoding="utf-8")
    calls = _Calls()
    watch = ContentWatch(folder, calls)
    assert watch.start()
    try:
        # Every rebuild reads every document: that must not ask for another rebuild.
        assert not calls.seen(lambda: [doc.read_text(encoding="utf-8") for _ in range(20)])
        assert calls.seen(lambda: doc.write_text("---\nid: PM-2025-001\ntitle: x\n---\n"))
        assert calls.seen(lambda: (folder / "2025" / "pm-2025-002.md").write_text("new"))
        assert calls.seen(lambda: (folder / "2026").mkdir())
        # A folder made after the watch started is watched too.
        assert calls.seen(lambda: (folder / "2026" / "pm-2026-001.md").write_text("later"))
        assert calls.seen(lambda: doc.rename(folder / "2025" / "renamed.md"))
        assert calls.seen(lambda: (folder / "2025" / "renamed.md").unlink())
    finally:
        watch.stop()
    assert not any(t.name.startswith("InotifyFD") for t in threading.enumerate())


def test_a_platform_that_refuses_the_watch_leaves_it_to_polling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Refusing:
        def schedule(self, *args: object, **kwargs: object) -> None:
            raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watching, "Observer", Refusing)
    watch = ContentWatch(tmp_path, lambda: None)
    assert watch.start() is False
    watch.stop()  # nothing to stop: no error
