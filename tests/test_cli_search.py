"""`kb index`, `kb search`, `kb similar` as people run them."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest
from search_helpers import (
    INCIDENTS,
    Doc,
    age,
    exact_clock,
    lock_holder,
    run_kb,
    write_doc,
    write_kb,
)

from kb.config import Settings


@pytest.fixture
def kb_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    settings = write_kb(tmp_path / "kb", INCIDENTS)
    age(settings.root)
    exact_clock(monkeypatch)
    monkeypatch.chdir(settings.root)
    return settings


def test_index_then_no_change(kb_root: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_kb(["index"], capsys)
    assert code == 0 and err == ""
    assert out.startswith("5 documents in the index (5 added; full build: there was no index yet)")
    code, out, _ = run_kb(["index"], capsys)
    assert out.startswith("5 documents in the index (no changes) in ")


def test_index_lists_documents_left_out(
    kb_root: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    path = kb_root.content_dir / INCIDENTS[2].path
    path.write_text(path.read_text().replace("severity: SEV3", "severity: SEV9"))
    code, out, err = run_kb(["index"], capsys)
    assert code == 1  # the gate fails, but every other document is searchable
    assert out.startswith("4 documents in the index")
    first, second = err.splitlines()
    assert first.startswith(f"content/{INCIDENTS[2].path}:6:1: severity: 'SEV9' is not one of")
    assert first.endswith("(left out of the index)")
    assert second == "kb: 1 document(s) with errors are not searchable; `kb validate` explains"


def test_search_text_output(kb_root: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    run_kb(["index"], capsys)
    code, out, err = run_kb(["search", "retry", "loop", "--limit", "1"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "PM-2025-001  Checkout connection pool exhausted"
    assert lines[1].startswith("  2025-02-03 · SEV1 · capacity, datastore · score ")
    assert lines[2] == f"  content/{INCIDENTS[0].path}:30"
    assert (
        lines[3]
        == "  A retry loop held connections open while the pool was exhausted, so every new request waited for a connection until it timed out."
    )
    # One match only, so no "showing 1 of N"; 'retry' names a failure class.
    assert err == "kb: also searched for: dependency (retry) (--exact: the words only)\n"


def test_search_json_output(kb_root: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_kb(
        [
            *("search", "certificate", "--type", "postmortem", "--since", "2025-04"),
            *("--exact", "--format", "json"),
        ],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["query"] == "certificate" and data["total"] == 1
    (hit,) = data["results"]
    assert hit["id"] == "PM-2025-002"
    assert hit["path"] == f"content/{INCIDENTS[1].path}"
    assert hit["line"] == hit["snippet"]["line"] and hit["score"] > 0
    start, end = hit["snippet"]["highlights"][0]
    assert hit["snippet"]["text"][start:end] == "certificate"


def test_search_brings_a_stale_index_up_to_date(
    kb_root: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_kb(["search", "pool"], capsys)
    assert err.splitlines()[0] == "kb: updating the search index: there is no index yet"
    write_doc(kb_root.root, Doc("PM-2025-030", "Zebra outage", "A zebra in the data centre."))
    code, out, err = run_kb(["search", "zebra"], capsys)
    assert code == 0 and out.startswith("PM-2025-030  Zebra outage")
    assert err.splitlines()[0] == "kb: updating the search index: files changed (1 new)"
    assert "6 documents in the index (1 added) in " in err
    code, out, err = run_kb(["search", "zebra"], capsys)
    assert err == ""  # fresh now: nothing to say


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", '"connection pool'], 'kb: unbalanced quote: the " at column 1 is never closed'),
        (["search", "servce:checkout"], "kb: unknown field 'servce' at column 1 (did you mean"),
        (["search", "date:2025-02-30"], "kb: bad date '2025-02-30' in 'date:' at column 1"),
        (["search", "pool", "--since", "last week"], "kb: --since: bad date 'last week': write"),
        (["similar", "PM-2025-09"], "kb: no document has id 'PM-2025-09' (did you mean"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    kb_root: Settings, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    run_kb(["index"], capsys)
    code, out, err = run_kb(args, capsys)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(message)


def test_no_results_suggest_spelling(kb_root: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_kb(["search", "certficate", "--category", "securty"], capsys)
    assert code == 1 and out == ""  # found nothing: exit 1, as grep does
    assert err.splitlines()[-3:] == [
        "kb: no documents match 'certficate'",
        "kb: did you mean: certificate",
        "kb: no document has category 'securty'",
    ]


def test_more_matches_than_shown(kb_root: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    run_kb(["index"], capsys)
    code, out, err = run_kb(["search", "*", "--limit", "2"], capsys)
    assert code == 0
    assert [line for line in out.splitlines() if line and not line.startswith(" ")] == [
        "PM-2025-003  Search latency after index rebuild",
        "PM-2025-002  Expired TLS certificate on the public API",
    ]
    assert err == "kb: showing 2 of 5 matches (--limit for more)\n"


def test_similar(kb_root: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_kb(["similar", "PM-2025-003", "--limit", "2"], capsys)
    assert code == 0
    heads = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert len(heads) == 2 and "PM-2025-003" not in out
    code, out, _ = run_kb(["similar", "PM-2025-003", "--format", "json"], capsys)
    data = json.loads(out)
    assert data["query"] == "PM-2025-003"
    assert data["results"][0]["id"] == heads[0].split()[0]
    assert data["results"][0]["score"] > 0


def test_similar_says_why(kb_root: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_kb(["similar", "PM-2025-001", "--limit", "1"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("PM-2024-007  Queue consumer deadlock during failover")
    assert lines[-1].startswith(
        "  why: same categories: datastore; same trigger: code-deploy; same services: postgres"
    )
    code, out, _ = run_kb(["similar", "PM-2025-001", "--limit", "1", "--format", "json"], capsys)
    why = json.loads(out)["results"][0]["why"]
    assert why["categories"] == ["datastore"] and why["services"] == ["postgres"]


def test_search_and_similar_json_have_one_shape(
    kb_root: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run_kb(["search", "pool", "--format", "json"], capsys)
    searched = json.loads(out)
    _, out, _ = run_kb(["similar", "PM-2025-001", "--format", "json"], capsys)
    similar = json.loads(out)
    assert set(searched) == set(similar) >= {"query", "total", "results", "notes"}
    assert set(searched["results"][0]) <= set(similar["results"][0])


def test_nothing_found_exits_1_with_json_still_printed(
    kb_root: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_kb(["search", "zqxjv", "--format", "json"], capsys)
    assert code == 1
    data = json.loads(out)
    assert data["total"] == 0 and data["results"] == []
    assert data["notes"] == ["no document contains 'zqxjv' (nor a word close to it)"]
    code, out, err = run_kb(["search", "zqxjv"], capsys)
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "kb: no documents match 'zqxjv'",
        "kb: no document contains 'zqxjv' (nor a word close to it)",
    ]


def _kb(args: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _MAIN, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


# Runs kb and then reports which heavy modules the command imported.
_MAIN = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('loaded:', sorted(m for m in ('whoosh', 'pydantic', 'mkdocs')"
    " if m in sys.modules), file=sys.stderr))\n"
    "from kb.cli import main\n"
    "main(sys.argv[1:])\n"
)


def test_import_paths_stay_lean(kb_root: Settings) -> None:
    root = kb_root.root
    assert "loaded: []" in _kb(["--help"], root).stderr
    assert "loaded: ['pydantic']" in _kb(["validate"], root).stderr
    assert _kb(["index"], root).returncode == 0
    # A search on a fresh index validates nothing: no pydantic, no mkdocs.
    done = _kb(["search", "pool"], root)
    assert done.returncode == 0 and "PM-2025-001" in done.stdout
    assert "loaded: ['whoosh']" in done.stderr


def test_search_on_a_fresh_index_loads_only_what_it_needs(kb_root: Settings) -> None:
    # Each of these cost `kb search` tens of milliseconds and none is used on this path.
    assert _kb(["index"], kb_root.root).returncode == 0
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import atexit, sys\n"
            "watched = ('kb.search.indexer', 'kb.loader', 'numpy')\n"
            "atexit.register(lambda: print('loaded:', [m for m in watched if m in sys.modules],"
            " file=sys.stderr))\n"
            "from kb.cli import main\n"
            "main(['search', 'pool'])\n",
        ],
        cwd=kb_root.root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "PM-2025-001" in done.stdout
    assert "loaded: []" in done.stderr


def test_concurrent_writer_fails_clearly(kb_root: Settings) -> None:
    with lock_holder(kb_root.index_dir) as holder:
        done = _kb(["index", "--wait", "0.2"], kb_root.root)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert (
        lines[0]
        == f"kb: waiting for another kb process (pid {holder.pid}) to finish writing the index ..."
    )
    assert lines[1] == (
        f"kb: {kb_root.index_dir}: another kb process (pid {holder.pid}) is writing the index; "
        "gave up after waiting 0.2 s (try again when it has finished)"
    )
    assert _kb(["index"], kb_root.root).returncode == 0  # the lock died with its holder


def _many(root: Path, count: int, paragraphs: int = 6) -> None:
    words = [
        "pool",
        "queue",
        "disk",
        "cache",
        "dns",
        "certificate",
        "deploy",
        "rollback",
        "latency",
        "replica",
    ]
    for i in range(count):
        body = "\n\n".join(
            " ".join(words[(i * 7 + j * 3 + k) % len(words)] for k in range(60))
            for j in range(paragraphs)
        )
        write_doc(
            root, Doc(f"PM-2024-{i + 100:03d}", f"Generated incident {i}", body, date="2024-05-01")
        )


def test_progress_bar_only_on_a_terminal(kb_root: Settings) -> None:
    _many(kb_root.root, 120)
    piped = _kb(["index"], kb_root.root)
    assert piped.returncode == 0 and "Indexing" not in piped.stderr
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-c", _MAIN, "index", "--rebuild"],
            cwd=kb_root.root,
            stdout=subprocess.PIPE,
            stderr=secondary,
            text=True,
            check=True,
        )
        os.close(secondary)
        seen = b""
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(primary)
    assert "125 documents in the index" in done.stdout
    assert b"Indexing" in seen and b"100%" in seen


@pytest.mark.slow
@pytest.mark.parametrize("rebuild", [True, False], ids=["full-build", "incremental"])
def test_killed_writer_leaves_a_usable_index(kb_root: Settings, rebuild: bool) -> None:
    root = kb_root.root
    _many(root, 450, paragraphs=12)
    assert _kb(["index"], root).returncode == 0
    before = (kb_root.index_dir / "CURRENT").read_text()
    if not rebuild:
        for path in sorted((root / "content" / "postmortems" / "2024").glob("*.md"))[:300]:
            path.write_text(path.read_text().replace("replica", "zebra"))
    lock = kb_root.index_dir / "lock"
    lock.write_text("")
    writer = subprocess.Popen(
        [sys.executable, "-c", _MAIN, "index", *(["--rebuild"] if rebuild else [])],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # Wait until the writer holds the lock and is well into its work, then kill it
    # and its worker processes.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and writer.poll() is None:
        if lock.read_text().split()[:1] == [str(writer.pid)]:
            break
        time.sleep(0.01)
    time.sleep(0.6)
    os.killpg(writer.pid, 9)
    assert writer.wait() == -9, "the writer finished before it could be killed"

    assert (kb_root.index_dir / "CURRENT").read_text() == before
    done = _kb(["search", "queue", "--format", "json", "--limit", "1"], root)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] > 400
    # The search noticed the files changed since the index and finished the job.
    if not rebuild:
        assert "updating the search index" in done.stderr
        zebra = _kb(["search", "zebra", "--format", "json"], root)
        assert json.loads(zebra.stdout)["total"] == 300
    after = _kb(["index"], root)
    assert after.returncode == 0 and "455 documents in the index" in after.stdout
    generations = [p for p in kb_root.index_dir.iterdir() if p.name.startswith("g")]
    assert len(generations) == 1


def test_search_names_the_concepts_it_expanded_to(
    kb_root: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # "cert lapsed" is in no document; the concept it names is.
    code, out, err = run_kb(["search", "cert", "lapsed", "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert [(c["slug"], c["words"]) for c in data["concepts"]] == [
        ("time-and-certificates", ["cert", "lapsed"]),
        ("expiry", ["lapsed"]),
    ]
    assert data["results"][0]["id"] == "PM-2025-002"  # "Expired TLS certificate ..."
    code, out, err = run_kb(["search", "cert", "lapsed"], capsys)
    assert code == 0 and out.startswith("PM-2025-002  Expired TLS certificate")
    assert err.splitlines()[0] == (
        "kb: also searched for: time-and-certificates (cert, lapsed), expiry (lapsed) "
        "(--exact: the words only)"
    )
    code, out, err = run_kb(["search", "cert", "lapsed", "--exact", "--format", "json"], capsys)
    assert code == 1 and json.loads(out)["concepts"] == []
