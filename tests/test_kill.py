"""Killing kb: `kb index --rebuild`, `kb build` and `kb import` stopped by SIGKILL or SIGTERM.

Each case starts the real command in a session of its own, waits for a point in
its work (a folder or a worker process appearing), sends the signal to the kb
process alone (as `kill` or a CI runner's timeout does), and then checks that
nothing of it lives on (no process of its session), that nothing it held stays
held (the next `kb index` does not wait), that what was there before is intact,
that no debris is left, and that the next run succeeds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

import gen_corpus  # noqa: E402

from kb.files import NEW_PREFIX  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

KILL, TERM = signal.SIGKILL, signal.SIGTERM
WAIT = 60.0  # the longest a command may take to reach a point, or to finish


def kb(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the kb command line to the end."""
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env=_env(root),
        timeout=WAIT * 2,
    )


def _env(root: Path) -> dict[str, str]:
    # The command's temporary files go where the test can look for debris.
    tmp = root.parent / "tmp"
    tmp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp), "NO_MKDOCS_2_WARNING": "1"}


def session(sid: int) -> list[int]:
    """The live processes of a session (zombies, already dead, are left out)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # After the name: state, ppid, process group, session.
        if int(fields[3]) == sid and fields[0] != b"Z":
            found.append(int(name))
    return found


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    return [p for p in session(pid) if _parent(p) == pid]


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return int(stat.read().rsplit(b")", 1)[1].split()[1])
    except OSError:
        return 0


class Killed:
    """A kb command started in its own session, to be killed at some point."""

    def __init__(self, root: Path, *args: str) -> None:
        self.root = root
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kb", *args],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(root),
            start_new_session=True,
        )
        self.stderr = ""

    def kill_when(self, ready: Callable[[], bool], sig: int, delay: float = 0.0) -> int:
        """Send `sig` once `ready()` holds (and `delay` more seconds); the exit code."""
        deadline = time.monotonic() + WAIT
        while not ready():
            assert self.process.poll() is None, "kb finished before the point was reached"
            assert time.monotonic() < deadline, "kb never reached the point"
            time.sleep(0.005)
        time.sleep(delay)
        assert self.process.poll() is None, "kb finished before it could be killed"
        self.process.send_signal(sig)
        _, self.stderr = self.process.communicate(timeout=WAIT)
        return self.process.returncode

    def left_running(self) -> list[int]:
        """Processes of the killed command's session still alive after a moment's grace."""
        deadline = time.monotonic() + 10
        while (alive := session(self.process.pid)) and time.monotonic() < deadline:
            time.sleep(0.02)
        return alive

    def clean_up(self) -> None:
        """Whatever happens in the test, end what it started."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()
        for pid in session(self.process.pid):
            os.kill(pid, KILL)


@pytest.fixture
def started() -> Iterator[list[Killed]]:
    runs: list[Killed] = []
    yield runs
    for run in runs:
        run.clean_up()


def _check_stopped(run: Killed, sig: int, code: int) -> None:
    assert run.left_running() == [], "processes of the killed kb are still running"
    if sig == TERM:
        # Cleaned up as after Ctrl+C: a short message and 128 + 15, no traceback.
        assert code == 128 + TERM, run.stderr
        assert run.stderr.strip().endswith("Terminated."), run.stderr
        assert "Traceback" not in run.stderr
    else:
        assert code == -KILL


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _copy(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(template, root, symlinks=True)
    return root


# ---------------------------------------------------------------- kb index --rebuild

# Enough documents for the parallel writer (kb.search.indexer.PARALLEL_MIN).
INDEX_DOCS = 420


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("indexed") / "kb"
    gen_corpus.generate(root, INDEX_DOCS, seed=5)
    assert kb(root, "index").returncode == 0
    return root


def _search(root: Path) -> list[str]:
    done = kb(root, "search", "database failover", "--format", "json", "--limit", "10")
    assert done.returncode == 0, done.stderr
    return [hit["id"] for hit in json.loads(done.stdout)["results"]]


def _generations(root: Path) -> list[str]:
    return sorted(p.name for p in (root / ".kb" / "index").iterdir() if p.name.startswith("g"))


@pytest.mark.parametrize(
    ("point", "sig"),
    [
        ("new generation", KILL),
        ("new generation", TERM),
        ("workers started", KILL),
        ("workers started", TERM),
        ("workers busy", KILL),
        ("workers busy", TERM),
    ],
)
def test_killed_rebuild(
    indexed: Path, tmp_path: Path, started: list[Killed], point: str, sig: int
) -> None:
    root = _copy(indexed, tmp_path)
    index_dir = root / ".kb" / "index"
    before = _search(root)
    assert len(before) == 10
    current = (index_dir / "CURRENT").read_text()
    run = Killed(root, "index", "--rebuild")
    started.append(run)

    def new_generation() -> bool:
        return len(_generations(root)) > 1

    def workers() -> bool:
        return len(children(run.process.pid)) >= 2

    ready = new_generation if point == "new generation" else workers
    code = run.kill_when(ready, sig, delay=0.3 if point == "workers busy" else 0.0)
    _check_stopped(run, sig, code)

    assert (index_dir / "CURRENT").read_text() == current
    if sig == TERM:
        assert _generations(root) == [current.strip()]  # its unfinished one removed
    # No stale lock: this would fail at once if the lock were still held.
    after = kb(root, "index", "--wait", "0")
    assert after.returncode == 0, after.stderr
    assert f"{INDEX_DOCS} documents in the index (no changes)" in after.stdout
    assert _search(root) == before
    assert _generations(root) == [current.strip()]
    assert sorted(p.name for p in index_dir.iterdir()) == sorted(
        ["CURRENT", "lock", "lock.guard", current.strip()]
    )
    assert list((root.parent / "tmp").iterdir()) == []


# ---------------------------------------------------------------- kb build

BUILD_DOCS = 120


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built") / "kb"
    gen_corpus.generate(root, BUILD_DOCS, seed=6)
    done = kb(root, "build")
    assert done.returncode == 0, done.stderr
    return root


def _staging(root: Path) -> list[Path]:
    return sorted(root.glob(".site-building-*"))


@pytest.mark.parametrize(
    ("point", "sig"),
    [
        ("staging folder", TERM),
        ("helper started", KILL),
        ("helper started", TERM),
        ("pages written", KILL),
    ],
)
def test_killed_build(
    built: Path, tmp_path: Path, started: list[Killed], point: str, sig: int
) -> None:
    root = _copy(built, tmp_path)
    site = _tree(root / "site")
    # Add a page, so that the next build has something new to show.
    (root / "content" / "guide" / "after.md").write_text("# After the kill\n\nA new page.\n")
    run = Killed(root, "build")
    started.append(run)

    def staging() -> bool:
        return bool(_staging(root))

    def helper() -> bool:
        return bool(_staging(root)) and bool(children(run.process.pid))

    def pages() -> bool:
        return any((folder / "postmortems").is_dir() for folder in _staging(root))

    ready = {"staging folder": staging, "helper started": helper, "pages written": pages}[point]
    code = run.kill_when(ready, sig, delay=0.2 if point == "helper started" else 0.0)
    _check_stopped(run, sig, code)

    assert _tree(root / "site") == site  # the previous site, file for file
    if sig == TERM:
        assert _staging(root) == []
        assert list((root.parent / "tmp").iterdir()) == []
    again = kb(root, "build")
    assert again.returncode == 0, again.stderr
    assert (root / "site" / "guide" / "after.html").is_file() or (
        root / "site" / "guide" / "after" / "index.html"
    ).is_file()
    assert [p.name for p in root.iterdir() if p.name.startswith(".site")] == []


# ---------------------------------------------------------------- kb import

IMPORT_SOURCES = 600

_REPORT = """\
# Outage {n} of the login service

## Summary

Sessions expired early after configuration change {n}.

## Timeline

- 2025-01-{day:02} 08:00 configuration change {n} applied
- 08:30 customers reported being logged out
- 09:00 change reverted, logins back to normal

## Action items

- [ ] Alert on session churn ({n})
"""


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sources") / "old"
    folder.mkdir()
    for n in range(IMPORT_SOURCES):
        text = _REPORT.format(n=n, day=1 + n % 28)
        (folder / f"report-{n:03}.md").write_text(text, encoding="utf-8")
    return folder


def _drafts(root: Path) -> list[Path]:
    return sorted((root / "content").rglob("*.md"))


@pytest.mark.parametrize(
    ("written", "sig"), [(1, KILL), (1, TERM), (IMPORT_SOURCES // 2, KILL), (200, TERM)]
)
def test_killed_import(
    sources: Path, tmp_path: Path, started: list[Killed], written: int, sig: int
) -> None:
    root = tmp_path / "kb"
    root.mkdir()
    (root / "mkdocs.yml").write_text("site_name: killed import\n", encoding="utf-8")
    run = Killed(root, "import", str(sources), "--today", "2026-02-03")
    started.append(run)
    code = run.kill_when(lambda: len(_drafts(root)) >= written, sig)
    _check_stopped(run, sig, code)

    # Every file written is a whole draft; nothing else is left beside them.
    drafts = _drafts(root)
    assert drafts, "nothing was imported before the kill"
    checked = kb(root, "validate")
    assert checked.returncode == 0, checked.stdout[-2000:]
    assert f"{len(drafts)} documents checked: 0 error(s)" in checked.stderr
    # A writer killed between linking a draft and removing its hidden temporary file
    # leaves that file (never a half draft); the next import sweeps it.
    everything = [p for p in (root / "content").rglob("*") if p.is_file()]
    assert sorted(p for p in everything if not p.name.startswith(NEW_PREFIX)) == drafts
    # The next import brings in the rest, and nothing twice.
    again = kb(root, "import", str(sources), "--today", "2026-02-03")
    assert again.returncode == 0, again.stderr
    assert f"{IMPORT_SOURCES - len(drafts)} imported, {len(drafts)} skipped" in again.stderr
    assert len(_drafts(root)) == IMPORT_SOURCES
    assert not [p for p in (root / "content").rglob(f"{NEW_PREFIX}*")]
