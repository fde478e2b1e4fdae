"""The site's search (kb.site.pagefind): what is indexed, with which filters, and the switch."""

from __future__ import annotations

import itertools
import json
import logging
import os
import sys
import threading
import time
from pathlib import Path

import pytest
from docfactory import TAXONOMY, document, postmortem, premortem
from sitecheck import pagefind_records, write_kb

from kb.config import load_settings
from kb.errors import KbError
from kb.site import pagefind
from kb.site.build import build_site
from kb.site.pagefind import PARTS, filters, index_site, searchable, spread, unindexed


def test_filters_of_a_postmortem_and_a_premortem() -> None:
    pm = document(
        postmortem(
            "PM-2025-001", "2025-03-01", categories=["config", "capacity"], services=["edge"]
        )
    )
    assert filters(pm, TAXONOMY) == {
        "type": ["Postmortem"],
        "category": ["Configuration", "Capacity and resource exhaustion"],
        "service": ["edge"],
        "severity": ["SEV2"],
    }
    risk = {
        "id": "R1",
        "scenario": "The queue fills up.",
        "likelihood": 2,
        "impact": 3,
        "categories": ["capacity"],
    }
    pre = document(premortem("PRE-2025-001", "2025-03-01", risks=[risk, {**risk, "id": "R2"}]))
    # A pre-mortem's categories are its risks' (each once); it has no severity.
    assert filters(pre, TAXONOMY) == {
        "type": ["Pre-mortem"],
        "category": ["Capacity and resource exhaustion"],
    }


def test_marks_are_escaped_and_hold_no_text() -> None:
    out = searchable("<p>body</p>", {"service": ['a"b<c>'], "type": ["Postmortem"]})
    assert out.startswith("<div data-pagefind-body>")
    assert '<span data-pagefind-filter="service:a&quot;b&lt;c&gt;"></span>' in out
    assert out.endswith("<p>body</p></div><!-- end of kb search -->")
    assert unindexed("<ul></ul>") == "<div data-pagefind-ignore><ul></ul></div>"
    assert unindexed("") == ""


@pytest.mark.slow
def test_documents_and_guides_are_indexed_with_their_filters(tmp_path: Path) -> None:
    fronts = [
        postmortem("PM-2025-001", "2025-03-01", services=["edge"], severity="SEV1"),
        postmortem("PM-2025-002", "2025-03-02", categories=["capacity"], related=["PM-2025-001"]),
    ]
    root = write_kb(tmp_path / "kb", fronts, body="## Summary\n\nThe wombat cache overflowed.\n")
    (root / "content" / "guide.md").write_text("# Our guide\n\nHow we write about numbats.\n")
    site = build_site(load_settings(root), root / "site").site_dir
    records = pagefind_records(site)
    assert set(records) == {
        "/postmortems/2025/pm-2025-001.html",
        "/postmortems/2025/pm-2025-002.html",
        "/guide.html",
    }
    first = records["/postmortems/2025/pm-2025-001.html"]
    assert first["meta"]["title"] == "Incident PM-2025-001"
    assert first["filters"] == {
        "type": ["Postmortem"],
        "category": ["Configuration"],
        "service": ["edge"],
        "severity": ["SEV1"],
    }
    assert "wombat cache overflowed" in first["content"] and "¶" not in first["content"]
    assert "numbats" in records["/guide.html"]["content"]
    assert records["/guide.html"]["filters"] == {}
    # Every page carries the search box; no page loads Material's search.
    home = (site / "index.html").read_text()
    assert "assets/kb/search.js" in home and "search/main" not in home
    assert not (site / "search").exists()


@pytest.mark.slow
def test_a_rebuild_replaces_the_index_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01")])
    site = build_site(load_settings(root), root / "site").site_dir
    (root / "content/postmortems/2025/pm-2025-001.md").unlink()
    write_kb(root, [postmortem("PM-2025-002", "2025-03-02")])
    build_site(load_settings(root), root / "site")
    assert set(pagefind_records(site)) == {"/postmortems/2025/pm-2025-002.html"}
    assert [p.name for p in site.iterdir() if p.name.startswith(".pagefind")] == []


@pytest.mark.slow
def test_material_search_instead_is_one_option(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01")])
    mkdocs = root / "mkdocs.yml"
    both = mkdocs.read_text().replace("plugins:\n", "plugins:\n  - search\n")
    mkdocs.write_text(both)
    # A mkdocs.yml that lists Material's search keeps it: kb says so and adds no second one.
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.kb"):
        site = build_site(load_settings(root), root / "site").site_dir
    assert "Material's `search` plugin is configured" in caplog.text
    assert (site / "search" / "search_index.json").is_file()
    assert not (site / "pagefind").exists()
    mkdocs.write_text(both.replace("  - kb:\n", "  - kb:\n      pagefind: false\n"))
    site = build_site(load_settings(root), root / "site").site_dir
    assert (site / "search" / "search_index.json").is_file()
    assert not (site / "pagefind").exists()
    assert "kb-search" not in (site / "index.html").read_text()


@pytest.mark.slow
def test_an_index_in_parts_holds_what_one_index_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fronts = [
        postmortem(f"PM-2025-{n:03}", f"2025-03-{n:02}", services=[f"svc{n % 3}"])
        for n in range(1, 8)
    ]
    root = write_kb(tmp_path / "kb", fronts, body="## Summary\n\nThe wombat cache overflowed.\n")
    site = build_site(load_settings(root), root / "site").site_dir
    whole = pagefind_records(site)
    listed = json.loads((site / "pagefind" / PARTS).read_text())
    assert listed == {"merge": [], "pages": len(whole)}
    monkeypatch.setattr(pagefind, "PART_BYTES", 1)  # one part per page
    site = build_site(load_settings(root), root / "site").site_dir
    merge = json.loads((site / "pagefind" / PARTS).read_text())["merge"]
    assert merge == [f"part-{k}/" for k in range(2, 8)]
    for part in merge:  # each a Pagefind index of its own, for the browser to merge
        assert (site / "pagefind" / part / "pagefind-entry.json").is_file()
    assert pagefind_records(site) == whole
    assert [p.name for p in site.iterdir() if p.name.startswith((".pagefind", ".kb-search"))] == []
    # The preview indexes the built folder's pages: the same records, in parts too.
    done = index_site(site)
    assert done.pages == 7
    assert pagefind_records(site) == whole
    assert len(json.loads((site / "pagefind" / PARTS).read_text())["merge"]) == 6
    assert [p.name for p in site.iterdir() if p.name.startswith(".pagefind")] == []


def test_pagefind_processes_write_smaller_word_index_files(monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.site import pagefind

    monkeypatch.delenv(pagefind.CHUNK_SETTING, raising=False)
    pagefind.Reindexer()  # made on the main thread; indexing threads inherit the setting
    assert os.environ[pagefind.CHUNK_SETTING] == pagefind.CHUNK
    monkeypatch.setenv(pagefind.CHUNK_SETTING, "9000")  # a value of the user's own stays
    pagefind.Reindexer()
    assert os.environ[pagefind.CHUNK_SETTING] == "9000"


def test_spread_orders_every_run_across_the_whole_list() -> None:
    assert spread(list(range(8))) == [0, 4, 2, 6, 1, 5, 3, 7]
    assert spread([]) == [] and spread(["a"]) == ["a"]
    for n in (2, 5, 100, 1000):
        items = list(range(n))
        order = spread(items)
        assert sorted(order) == items  # each item once
    # Any quarter of the order, taken in a row, covers the whole range evenly: no gap
    # between neighbours wider than twice the quarter's spacing.
    order = spread(list(range(1000)))
    for start in (0, 250, 500, 750):
        run = sorted(order[start : start + 250])
        assert run[0] < 8 and run[-1] > 992
        assert max(b - a for a, b in itertools.pairwise(run)) <= 8


def test_parts_are_indexed_while_pages_are_still_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    indexed: list[tuple[int, list[str]]] = []
    added = 0

    def fake_part(source: Path, bundle: Path) -> int:
        pages = sorted(p.relative_to(source).as_posix() for p in source.rglob("*.html"))
        indexed.append((added, pages))
        bundle.mkdir(parents=True, exist_ok=True)
        (bundle / "pagefind-entry.json").write_text("{}")
        return len(pages)

    monkeypatch.setattr(pagefind, "_index_part", fake_part)
    monkeypatch.setattr(pagefind, "PART_BYTES", 1000)
    site = tmp_path / "site"
    indexer = pagefind.SearchIndexer(site, "en", planned=40)
    for n in range(40):
        added += 1
        indexer.add(f"p/{n:02}.html", "x" * 95)  # 40 pages of 95 bytes: 4 parts of 10
        if n == 25:
            assert indexer._thread is not None
            indexer._thread.join(0.5)
            assert len(indexed) >= 2  # the first parts are indexed as the pages come
    indexer.start()
    done = indexer.finish()
    assert done.pages == 40
    assert [len(pages) for _, pages in indexed] == [10, 10, 10, 10]
    assert sorted(p for _, pages in indexed for p in pages) == [f"p/{n:02}.html" for n in range(40)]
    merge = json.loads((site / "pagefind" / PARTS).read_text())["merge"]
    assert merge == ["part-2/", "part-3/", "part-4/"]
    assert (site / "pagefind" / "part-4" / "pagefind-entry.json").is_file()
    assert [p.name for p in site.iterdir()] == ["pagefind"]  # no scratch left


def test_an_empty_site_gets_an_empty_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []

    def fake_part(source: Path, bundle: Path) -> int:
        calls.append(source)
        bundle.mkdir(parents=True, exist_ok=True)
        return 0

    monkeypatch.setattr(pagefind, "_index_part", fake_part)
    done = pagefind.SearchIndexer(tmp_path / "site", "en", planned=0).finish()
    assert done.pages == 0 and len(calls) == 1
    assert json.loads((tmp_path / "site" / "pagefind" / PARTS).read_text()) == {
        "merge": [],
        "pages": 0,
    }


def test_nothing_to_index_makes_no_pagefind_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pagefind's command line refuses to index no pages; the search box reads the count.
    _pretend_pagefind(monkeypatch, "import sys; sys.exit(1)")
    done = pagefind.SearchIndexer(tmp_path / "site", "en", planned=0).finish()
    assert done.pages == 0
    listed = json.loads((tmp_path / "site" / "pagefind" / PARTS).read_text())
    assert listed == {"merge": [], "pages": 0}


@pytest.mark.slow
def test_without_pagefind_the_build_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01")])
    monkeypatch.setitem(sys.modules, "pagefind", None)  # as if it were not installed
    with pytest.raises(KbError, match="not built"):
        build_site(load_settings(root), root / "site")
    # mkdocs prints the plugin's error: what to install, or how to do without.
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("pip install 'pagefind[bin]'" in m and "pagefind: false" in m for m in said)
    assert not (root / "site").exists()  # nothing half-built left in its place
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] in ([], [".kb"])


def _articles(folder: Path, count: int) -> Path:
    (folder / "p").mkdir(parents=True, exist_ok=True)
    for n in range(count):
        body = f"<h1>Outage {n}</h1><p>The cache tier {n} ran out of memory.</p>"
        pagefind._write(folder / f"p/{n:02}.html", pagefind.searchable(body), "en")
    return folder


def test_a_part_that_pagefind_left_unwritten_is_indexed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Pagefind's Python API, which kb used before, could end the process before its last
    # writes landed: a file of the index stayed empty (on a busy machine, 1 run in 15).
    # The first run here loses its entry file, as those runs did.
    source = _articles(tmp_path / "articles", 3)
    real = pagefind._run_pagefind
    runs: list[Path] = []

    def losing_first(src: Path, bundle: Path) -> int:
        pages = real(src, bundle)
        runs.append(bundle)
        if len(runs) == 1:
            (bundle / "pagefind-entry.json").write_bytes(b"")
        return pages

    monkeypatch.setattr(pagefind, "_run_pagefind", losing_first)
    bundle = tmp_path / "bundle"
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.kb"):
        assert pagefind._index_part(source, bundle) == 3
    assert len(runs) == 2
    assert "left pagefind-entry.json empty" in caplog.text
    assert pagefind.incomplete(bundle) == []
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == 3


def test_an_index_pagefind_never_finishes_fails_the_build_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def always_losing(src: Path, bundle: Path) -> int:
        bundle.mkdir(parents=True)
        (bundle / "pagefind-entry.json").write_text("{}")
        (bundle / "wasm.unknown.pagefind").write_bytes(b"")
        return 1

    monkeypatch.setattr(pagefind, "_run_pagefind", always_losing)
    with pytest.raises(KbError, match=r"left wasm\.unknown\.pagefind empty in 3 runs"):
        pagefind._index_part(_articles(tmp_path / "articles", 1), tmp_path / "bundle")


def _pretend_pagefind(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    """Have kb run this Python code where it runs Pagefind (its arguments follow)."""
    monkeypatch.setattr(pagefind, "_pagefind", lambda: [sys.executable, "-c", code])


def _pretend_pagefind_hangs(monkeypatch: pytest.MonkeyPatch, marker: Path) -> Path:
    """Have kb's Pagefind runs write their pid to `marker`, then never end."""
    _pretend_pagefind(
        monkeypatch,
        f"import os, time; open({str(marker)!r}, 'w').write(str(os.getpid())); time.sleep(120)",
    )
    return marker


def test_a_pagefind_that_never_ends_is_stopped_with_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pagefind's Python API waited forever for a service that stopped answering; the
    # preview's search index was then never made, and nothing said why.
    marker = _pretend_pagefind_hangs(monkeypatch, tmp_path / "pid")
    monkeypatch.setattr(pagefind, "RUN_SECONDS", 2)
    with pytest.raises(KbError, match="still running after 2 s and was stopped"):
        pagefind._index_part(_articles(tmp_path / "articles", 1), tmp_path / "bundle")
    pid = int(marker.read_text())
    with pytest.raises(ProcessLookupError):  # stopped, and not left running
        os.kill(pid, 0)


def test_closing_the_indexer_stops_a_pagefind_run_still_going(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A build stopped while Pagefind indexes a part: Pagefind must not go on and write
    # its index into the folder kb is removing.
    marker = _pretend_pagefind_hangs(monkeypatch, tmp_path / "pid")
    indexer = pagefind.SearchIndexer(tmp_path / "site", "en", planned=1)
    indexer.add("p/one.html", pagefind.searchable("<p>One page.</p>"))
    indexer.start()
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(marker.read_text())
    indexer.close()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    assert list((tmp_path / "site").iterdir()) == []  # no scratch folder left


def test_a_part_about_to_be_indexed_when_the_build_stops_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The indexing thread has taken a part and is about to run Pagefind when the build
    # stops: the run must not make its folders again after kb removed the scratch folder.
    taken = threading.Event()
    scratch: list[Path] = []

    def late_part(source: Path, bundle: Path) -> int:
        taken.set()
        deadline = time.monotonic() + 2
        while scratch[0].exists() and time.monotonic() < deadline:
            time.sleep(0.02)  # until the scratch folder is gone (or 2 s)
        bundle.mkdir(parents=True, exist_ok=True)  # what Pagefind does with its output path
        (bundle / "pagefind-entry.json").write_text("{}")
        return 1

    monkeypatch.setattr(pagefind, "_index_part", late_part)
    site = tmp_path / "site"
    indexer = pagefind.SearchIndexer(site, "en", planned=1)
    scratch.append(indexer._scratch)
    indexer.add("p/one.html", pagefind.searchable("<p>One page.</p>"))
    indexer.start()
    assert taken.wait(10)
    indexer.close()
    assert indexer._thread is not None
    indexer._thread.join(5)
    assert list(site.iterdir()) == []  # nothing made again after close


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_pagefind_failing_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _pretend_pagefind(
        monkeypatch,
        "import sys; print('Running Pagefind'); "
        "sys.stderr.write('Error: the site folder holds no HTML\\n'); sys.exit(1)",
    )
    with pytest.raises(KbError, match=r"search failed: Error: the site folder holds no HTML$"):
        pagefind._index_part(_articles(tmp_path / "articles", 1), tmp_path / "bundle")


def test_a_missing_entry_file_counts_as_unwritten(tmp_path: Path) -> None:
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "en_1.pf_index").write_bytes(b"\x1f\x8b")
    assert pagefind.incomplete(tmp_path) == ["pagefind-entry.json"]
    (tmp_path / "pagefind-entry.json").write_text('{"languages": {}}')
    assert pagefind.incomplete(tmp_path) == []
