"""`kb serve` with documents that have problems: the preview answers at once and recovers.

A real `kb serve` on a free port: with one invalid document the pages answer with a
banner of problems (`path:line:col: message`) and the bad document's page shows its
own problems; a save that fixes it gives the ordinary site back, and a save that
breaks a document again brings the banner back. SIGTERM stops it cleanly.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docfactory import postmortem
from sitecheck import write_kb

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]

WAIT = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.2)


def _serve(root: Path, port: int, *more: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kb", "serve", "-a", f"127.0.0.1:{port}", *more],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, subprocess.Popen[str]]]:
    root = write_kb(
        tmp_path / "kb",
        [postmortem("PM-2025-001", "2025-03-01"), postmortem("PM-2025-002", "2025-03-02")],
    )
    bad = root / "content/postmortems/2025/pm-2025-002.md"
    bad.write_text(bad.read_text().replace("severity: SEV2", "severity: SEV9"))
    shutil.copy(REPO / "taxonomy.yml", root / "taxonomy.yml")
    port = _free_port()
    process = _serve(root, port)
    try:
        yield root, f"http://127.0.0.1:{port}/", process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def _up(base: str) -> bool:
    try:
        return _get(base)[0] == 200
    except OSError:
        return False


def test_problems_are_shown_in_the_browser_and_fixed_by_a_save(
    served: tuple[Path, str, subprocess.Popen[str]],
) -> None:
    root, base, process = served
    _until(lambda: _up(base) or process.poll() is not None, "the preview answers")
    assert process.poll() is None, "kb serve stopped on a document with a problem"
    message = "content/postmortems/2025/pm-2025-002.md:6:1: severity: 'SEV9' is not one of"
    status, home = _get(base)
    assert status == 200 and "1 problem in the knowledge base" in home and message in home
    status, good = _get(base + "postmortems/2025/pm-2025-001.html")
    assert status == 200 and message in good and "Incident PM-2025-001" in good
    status, own = _get(base + "postmortems/2025/pm-2025-002.html")
    assert status == 200 and "This file did not load" in own and message in own

    bad = root / "content/postmortems/2025/pm-2025-002.md"
    bad.write_text(bad.read_text().replace("severity: SEV9", "severity: SEV3"))
    _until(lambda: "problem in the knowledge base" not in _get(base)[1], "the banner goes")
    status, fixed = _get(base + "postmortems/2025/pm-2025-002.html")
    assert status == 200 and "This file did not load" not in fixed and "SEV3" in fixed

    good_file = root / "content/postmortems/2025/pm-2025-001.md"
    good_file.write_text(good_file.read_text().replace("date: 2025-03-01", "date: 2025-02-30"))
    _until(lambda: "1 problem in the knowledge base" in _get(base)[1], "the banner comes back")

    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=WAIT)
    # mkdocs' server shuts down as on Ctrl+C; either way, no traceback.
    assert process.returncode in (0, 128 + signal.SIGTERM) and "Traceback" not in out


def test_a_taxonomy_that_does_not_load_is_shown_too(
    served: tuple[Path, str, subprocess.Popen[str]],
) -> None:
    root, base, process = served
    _until(lambda: _up(base) or process.poll() is not None, "the preview answers")
    taxonomy = root / "taxonomy.yml"
    kept = taxonomy.read_bytes()
    taxonomy.write_bytes(b"categories:\n  - id: caf\xe9\n")
    _until(lambda: "not valid UTF-8" in _get(base)[1], "the taxonomy problem is shown")
    taxonomy.write_bytes(kept)
    _until(lambda: "not valid UTF-8" not in _get(base)[1], "the preview recovers")
    assert process.poll() is None


@pytest.mark.parametrize("how", ["events", "--poll"])
def test_a_saved_page_is_shown_first_and_the_rest_of_the_site_follows(
    tmp_path: Path, how: str
) -> None:
    # kb finds saves by file events; `--poll` lists the content folder as mkdocs does.
    root = write_kb(
        tmp_path / "kb",
        [
            postmortem("PM-2025-001", "2025-03-01"),
            postmortem("PM-2025-002", "2025-03-02", related=["PM-2025-001"]),
        ],
    )
    shutil.copy(REPO / "taxonomy.yml", root / "taxonomy.yml")
    port = _free_port()
    base = f"http://127.0.0.1:{port}/"
    process = _serve(root, port, *([how] if how == "--poll" else []))
    try:
        _until(lambda: _up(base) or process.poll() is not None, "the preview answers")
        saved = root / "content/postmortems/2025/pm-2025-001.md"
        saved.write_text(saved.read_text().replace("title: Incident PM-2025-001", "title: Kestrel"))
        own, other = (
            base + "postmortems/2025/pm-2025-001.html",
            base + "postmortems/2025/pm-2025-002.html",
        )
        _until(lambda: "Kestrel" in _get(own)[1], "the saved page shows the new title")
        # The page that links to it follows with no other save: the preview asks for the
        # rebuild itself.
        _until(lambda: "Kestrel" in _get(other)[1], "the page that links to it follows")
        assert "Kestrel" in _get(base + "index.html")[1]
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=WAIT)
    assert "kb: 1 saved page(s) shown; the rest of the site follows" in out
    assert "Traceback" not in out
    # What mkdocs' server lists itself: the content folder only when it polls it.
    watched = next(line for line in out.splitlines() if "Watching paths for changes" in line)
    assert ("content" in watched) == (how == "--poll")
