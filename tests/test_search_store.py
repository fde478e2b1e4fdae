"""The index folder: the CURRENT pointer, generations and the writers' lock."""

from __future__ import annotations

import os
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
        assert (tmp_path / store.LOCK).read_text().strip() == str(os.getpid())


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
