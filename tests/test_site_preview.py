"""The incremental preview (kb.site.preview): after every save, each page is what a full
build of the same files writes, byte for byte, though only the changed ones were rendered.

A `Preview` (what `kb serve` runs) is built once, then the files change (an edited body,
a new title, a new document, a deleted one, a renamed one, another category, an invalid
save and its fix) and it builds again; after each pass its folder is compared with a
fresh preview build of the same files by a plugin of its own.
"""

from __future__ import annotations

import dataclasses
import gc
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docfactory import document, postmortem, premortem
from sitecheck import pagefind_records, write_kb

from kb.config import load_settings
from kb.site import context, sitebuild
from kb.site.build import Preview
from kb.site.preview import Inputs, PreviewState
from kb.site.sitebuild import NAV

pytestmark = pytest.mark.slow

ADDR = "127.0.0.1:8765"
SEARCH = "pagefind"  # made in a thread after each build; compared on its own below
POKE = ".kb-preview"  # where the preview asks its server for the rebuild after a first pass


def _plugin_cache() -> dict[str, Any]:
    # mkdocs keeps one instance of a plugin with on_startup per process, for `serve`.
    from mkdocs.config.defaults import MkDocsConfig

    return dict(MkDocsConfig._schema)["plugins"].plugin_cache  # type: ignore[no-any-return]


def _files(site: Path) -> dict[str, bytes]:
    # Not the search index, nor the folder a new one is written to before it replaces it:
    # the reindexer, running meanwhile, removes that folder, so it is not walked at all.
    kept = [p for p in site.iterdir() if not p.name.startswith((SEARCH, ".pagefind", POKE))]
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for top in kept
        for p in ([top] if top.is_file() else top.rglob("*"))
        if p.is_file()
    }


class Session:
    """A knowledge base on disk and its incremental preview."""

    def __init__(self, root: Path, site: Path) -> None:
        self.root, self.site = root, site
        self.preview = Preview(load_settings(root), site, ADDR)
        self.preview.build(self.preview.config)
        self.plugin = self.preview.config.plugins["kb"]
        # The first search index is made in a thread: let it finish before files are compared.
        assert self.plugin._reindexer.wait(timeout=300)

    @property
    def state(self) -> PreviewState:
        return self.plugin._preview  # type: ignore[no-any-return]

    def path(self, doc_id: str, year: int = 2025) -> Path:
        folder = "premortems" if doc_id.startswith("PRE") else "postmortems"
        return self.root / "content" / folder / str(year) / f"{doc_id.lower()}.md"

    def edit(self, doc_id: str, old: str, new: str) -> None:
        path = self.path(doc_id)
        text = path.read_text(encoding="utf-8")
        assert old in text, (old, text)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def rebuild_and_compare(self, tmp: Path) -> dict[str, bytes]:
        """Rebuild incrementally; assert every file equals a fresh full build's. When the
        save allowed a first pass (the saved pages at once), `shown` holds the files it
        left and the rebuild it asks for runs too."""
        before = _files(self.site)
        self.preview.build()
        self.shown: dict[str, bytes] | None = None
        if self.preview.pending:
            self.shown = _files(self.site)
            assert {n for n in self.shown if self.shown[n] != before.get(n)}  # pages written
            self.preview.build()
            assert not self.preview.pending
        ours = _files(self.site)  # the pages are all there before the search index is
        assert self.plugin._reindexer.wait(timeout=300)
        cache = _plugin_cache()
        saved = dict(cache)
        cache.clear()
        fresh_dir = tmp / "fresh"
        shutil.rmtree(fresh_dir, ignore_errors=True)
        try:
            with Preview(load_settings(self.root), fresh_dir, ADDR) as fresh:
                fresh.build(fresh.config)
                fresh.config.plugins["kb"]._reindexer.wait()
                theirs = _files(fresh_dir)
                found = pagefind_records(fresh_dir)
        finally:
            cache.clear()
            cache.update(saved)
        assert sorted(ours) == sorted(theirs)
        differ = [name for name in theirs if ours[name] != theirs[name]]
        assert differ == []
        # The search index, remade in a thread, holds the same pages in the same words
        # (Pagefind names its files differently on every run).
        assert self.plugin._reindexer.wait(timeout=300)
        assert pagefind_records(self.site) == found
        return ours


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    fronts = [
        postmortem("PM-2025-001", "2025-03-01", services=["edge"], categories=["config"]),
        postmortem(
            "PM-2025-002",
            "2025-03-02",
            services=["edge", "checkout"],
            categories=["config", "capacity"],
            related=["PM-2025-001"],
            tags=["dns"],
            action_items=[
                {
                    "title": "Alert on pool use",
                    "kind": "detect",
                    "owner": "Ada",
                    "due": "2025-04-01",
                }
            ],
        ),
        postmortem("PM-2025-003", "2025-03-03", services=["checkout"], categories=["capacity"]),
        postmortem("PM-2025-004", "2025-04-10", services=["search"], categories=["network"]),
        premortem(
            "PRE-2025-001",
            "2025-02-01",
            services=["checkout"],
            risks=[
                {
                    "id": "R1",
                    "scenario": "The pool runs dry.",
                    "likelihood": 3,
                    "impact": 4,
                    "categories": ["capacity"],
                }
            ],
        ),
    ]
    root = write_kb(tmp_path / "kb", fronts, body="## Summary\n\nThe cache overflowed.\n")
    shutil.copy(Path(__file__).resolve().parents[1] / "taxonomy.yml", root / "taxonomy.yml")
    session = Session(root, tmp_path / "preview")
    try:
        yield session
    finally:
        session.preview.__exit__(None, None, None)


def test_every_pass_equals_a_full_build(session: Session, tmp_path: Path) -> None:
    assert session.plugin._reindexer.wait(timeout=300)
    first = _files(session.site)
    total = session.state.rendered
    assert total > 20 and session.state.kept == 0

    # A typo fixed in one body: that page, and the pages the navigation lists.
    session.edit("PM-2025-003", "The cache overflowed.", "The cache overflowed, twice.")
    pages = session.rebuild_and_compare(tmp_path)
    assert session.state.rendered < total / 2 and session.state.kept > 0
    assert b"overflowed, twice" in pages["postmortems/2025/pm-2025-003.html"]
    changed = {n for n in pages if pages[n] != first.get(n)}
    assert "postmortems/2025/pm-2025-001.html" not in changed
    # The first pass wrote that page alone, already as the full build writes it.
    shown = session.shown
    assert shown is not None
    assert {n for n in shown if shown[n] != first.get(n)} == {"postmortems/2025/pm-2025-003.html"}
    assert shown["postmortems/2025/pm-2025-003.html"] == pages["postmortems/2025/pm-2025-003.html"]

    # A new title: every page that lists or links the document follows.
    session.edit("PM-2025-001", "title: Incident PM-2025-001", "title: Edge config pushed twice")
    pages = session.rebuild_and_compare(tmp_path)
    assert b"Edge config pushed twice" in pages["postmortems/2025/pm-2025-002.html"]
    # At once on its own page; on the pages that list it after the rebuild.
    assert session.shown is not None
    assert b"Edge config pushed twice" in session.shown["postmortems/2025/pm-2025-001.html"]
    assert b"Edge config pushed twice" not in session.shown["postmortems/2025/pm-2025-002.html"]

    # A new document, then one deleted.
    new = session.path("PM-2025-005")
    shutil.copy(session.path("PM-2025-004"), new)
    session.edit("PM-2025-005", "id: PM-2025-004", "id: PM-2025-005")
    pages = session.rebuild_and_compare(tmp_path)
    assert "postmortems/2025/pm-2025-005.html" in pages
    assert session.shown is None  # a new file: the rebuild only
    session.path("PM-2025-004").unlink()
    pages = session.rebuild_and_compare(tmp_path)
    assert "postmortems/2025/pm-2025-004.html" not in pages
    assert "services/search/index.html" in pages  # PM-2025-005 is there still

    # A rename: the old page goes, the new one comes, its links follow.
    renamed = session.root / "content/postmortems/2025/edge-config.md"
    session.path("PM-2025-001").rename(renamed)
    pages = session.rebuild_and_compare(tmp_path)
    assert "postmortems/2025/pm-2025-001.html" not in pages
    assert "postmortems/2025/edge-config.html" in pages
    assert b"edge-config.html" in pages["postmortems/2025/pm-2025-002.html"]

    # Another category: the old category's page loses it, the new one gains it.
    session.edit("PM-2025-003", "- capacity", "- network")
    pages = session.rebuild_and_compare(tmp_path)
    assert b"pm-2025-003.html" in pages["categories/network/index.html"]
    assert b"pm-2025-003.html" not in pages["categories/capacity/index.html"]

    # A new link: the page it points at lists the document that links to it, though it
    # showed nothing of that document before.
    session.edit("PM-2025-005", "id: PM-2025-005\n", "id: PM-2025-005\nrelated: [PM-2025-001]\n")
    pages = session.rebuild_and_compare(tmp_path)
    assert b"(links here)" in pages["postmortems/2025/edge-config.html"]

    # The pre-mortem's title and a risk's words: the incidents that may have realised the
    # risk show both (their possible links).
    session.edit("PRE-2025-001", "The pool runs dry.", "The pool runs dry at peak.")
    pages = session.rebuild_and_compare(tmp_path)
    assert b"The pool runs dry at peak." in pages["postmortems/2025/pm-2025-002.html"]
    # An action item closed: the incident's card counts one open item fewer.
    session.edit(
        "PM-2025-002",
        "- title: Alert on pool use\n",
        "- title: Alert on pool use\n  status: done\n  closed: 2025-03-20\n",
    )
    pages = session.rebuild_and_compare(tmp_path)
    assert b"0 open of 1" in pages["postmortems/2025/pm-2025-002.html"]

    # A save that breaks a document: the problems on every page; then fixed.
    session.edit("PM-2025-002", "severity: SEV2", "severity: SEV9")
    pages = session.rebuild_and_compare(tmp_path)
    assert session.shown is None  # a document with an error: the rebuild shows why
    assert b"1 problem in the knowledge base" in pages["index.html"]
    assert b"This file did not load" in pages["postmortems/2025/pm-2025-002.html"]
    session.edit("PM-2025-002", "severity: SEV9", "severity: SEV1")
    pages = session.rebuild_and_compare(tmp_path)
    assert b"problem in the knowledge base" not in pages["index.html"]
    assert not any(b"problem in the knowledge base" in page for page in pages.values())


def test_an_unchanged_rebuild_renders_only_the_navigation(session: Session) -> None:
    assert session.plugin._reindexer.wait(timeout=300)
    before = _files(session.site)
    session.preview.build()
    assert session.plugin._reindexer.wait(timeout=300)
    assert _files(session.site) == before
    # Home and the index pages the navigation names: their titles are on every page.
    assert session.state.rendered <= len(NAV) + 1 and session.state.kept > 20


def test_the_search_index_follows_the_saves(session: Session) -> None:
    session.plugin._reindexer.wait()
    assert "/postmortems/2025/pm-2025-003.html" in pagefind_records(session.site)
    session.edit("PM-2025-003", "The cache overflowed.", "The wombat overflowed.")
    session.path("PM-2025-004").unlink()
    session.preview.build()
    assert session.plugin._reindexer.wait(timeout=120)
    records = pagefind_records(session.site)
    assert "wombat" in records["/postmortems/2025/pm-2025-003.html"]["content"]
    assert "/postmortems/2025/pm-2025-004.html" not in records


def test_a_first_pass_that_fails_falls_back_to_the_rebuild(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.site.sitebuild import SiteBuild

    def broken(self: SiteBuild, page: Any) -> None:
        raise RuntimeError("a plugin failed on this page")

    monkeypatch.setattr(SiteBuild, "render", broken)
    session.edit("PM-2025-003", "The cache overflowed.", "The cache overflowed again.")
    pages = session.rebuild_and_compare(tmp_path)
    assert session.shown is None  # no first pass: the rebuild did it all
    assert b"overflowed again" in pages["postmortems/2025/pm-2025-003.html"]


def test_a_text_edit_makes_the_parts_of_only_the_pages_it_changes(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[str] = []
    real = sitebuild.document_parts

    def counted(doc: Any, ctx: Any) -> Any:
        made.append(doc.id)
        return real(doc, ctx)

    monkeypatch.setattr(sitebuild, "document_parts", counted)
    generated: list[int] = []
    real_generate = sitebuild.generate

    def generate(*args: Any, **kwargs: Any) -> Any:
        generated.append(1)
        return real_generate(*args, **kwargs)

    monkeypatch.setattr(sitebuild, "generate", generate)
    overlaps: list[int] = []  # pre-mortem overlaps, computed from every document's front-matter
    real_links = context.possible_links
    monkeypatch.setattr(context, "possible_links", lambda *a: overlaps.append(1) or real_links(*a))
    for doc_id, text in (
        ("PM-2025-003", "The cache overflowed, twice."),
        ("PM-2025-004", "The route table of the edge fleet was pushed with a typo."),
    ):
        before = session.state.inputs
        assert before is not None
        made.clear()
        generated.clear()
        overlaps.clear()
        session.edit(doc_id, "The cache overflowed.", text)
        session.preview.build()
        if session.preview.pending:
            session.preview.build()
        after = session.state.inputs
        assert after is not None
        # Its own page's parts, and those of pages whose similar incidents changed; no other.
        moved = {d for d in after.similar if after.similar[d] != before.similar.get(d)}
        assert set(made) == {doc_id} | moved
        assert generated == []  # the listings, trends and feeds of the last build
        assert overlaps == []  # and the relations between documents it computed
        # And every page is what a full build of the same files writes.
        session.rebuild_and_compare(tmp_path)
    # A new title: every listing is generated and the relations computed again, but only
    # the pages that show the document make their parts again (its own, and those that
    # name it among their similar incidents).
    made.clear()
    generated.clear()
    overlaps.clear()
    session.edit("PM-2025-004", "title: Incident PM-2025-004", "title: Route table typo")
    session.preview.build()
    assert session.preview.pending  # the saved page first, then the rebuild
    session.preview.build()
    after = session.state.inputs
    assert after is not None
    showing = {d for d, ids in after.similar.items() if "PM-2025-004" in ids}
    assert set(made) == {"PM-2025-004"} | showing
    assert len(made) < 5
    assert generated == [1] and overlaps == [1]
    session.rebuild_and_compare(tmp_path)
    # Another category changes what the pre-mortem's risk may have foreseen.
    made.clear()
    session.edit("PM-2025-003", "- capacity", "- network")
    session.preview.build()
    session.preview.build()
    assert {"PM-2025-003", "PRE-2025-001"} <= set(made)
    session.rebuild_and_compare(tmp_path)


def test_inputs_tell_a_text_edit_from_one_that_others_see() -> None:
    one = document(postmortem("PM-2025-001", "2025-03-01"))
    two = document(postmortem("PM-2025-002", "2025-03-02", related=["PM-2025-001"]))
    docs = {d.src_uri: d for d in (one, two)}
    last = Inputs("files", "settings", docs, ([], []), {"PM-2025-001": ["PM-2025-002"]})
    edited = dataclasses.replace(one, body=one.body + "More words.\n")
    now = {one.src_uri: edited, two.src_uri: two}
    assert last.unchanged_front("files", "settings", now)
    assert not last.same_page(edited, ["PM-2025-002"])  # its own text changed
    assert last.same_page(one, ["PM-2025-002"])
    assert not last.same_page(one, [])  # its similar incidents changed
    assert not last.unchanged_front("other files", "settings", now)
    assert not last.unchanged_front("files", "another day", now)
    retitled = document(postmortem("PM-2025-001", "2025-03-01", title="Another title"))
    assert not last.unchanged_front("files", "settings", {**now, one.src_uri: retitled})
    assert not last.unchanged_front("files", "settings", {one.src_uri: one})  # one is gone


def test_a_page_naming_a_document_links_it_once_it_exists(session: Session, tmp_path: Path) -> None:
    # Ids in the prose are linked to their documents' pages (kb.site.pages.link_ids): a
    # page that names an id in plain words changes when that document comes, moves or goes.
    session.edit("PM-2025-003", "The cache overflowed.", "The cache overflowed, as in PM-2025-009.")
    pages = session.rebuild_and_compare(tmp_path)
    assert b"pm-2025-009.html" not in pages["postmortems/2025/pm-2025-003.html"]
    new = session.path("PM-2025-009")
    shutil.copy(session.path("PM-2025-004"), new)
    session.edit("PM-2025-009", "id: PM-2025-004", "id: PM-2025-009")
    pages = session.rebuild_and_compare(tmp_path)
    assert b"pm-2025-009.html" in pages["postmortems/2025/pm-2025-003.html"]
    new.rename(new.with_name("route-typo.md"))
    pages = session.rebuild_and_compare(tmp_path)
    assert b"route-typo.html" in pages["postmortems/2025/pm-2025-003.html"]


def test_a_failed_rebuild_leaves_the_collector_on(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The preview pauses the cyclic collector while kb loads and plans a rebuild; a build
    # that fails on the way must not leave it paused for the rest of the process.
    assert gc.isenabled()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a listing failed")

    monkeypatch.setattr(sitebuild, "generate", broken)
    session.edit("PM-2025-003", "- capacity", "- network")  # front-matter: generated again
    with pytest.raises(Exception, match="a listing failed"):
        session.preview.build()
        session.preview.build()  # after the first pass, if the save allowed one
    assert gc.isenabled()
    monkeypatch.undo()
    session.rebuild_and_compare(session.root.parent)  # and the next build is whole again
    assert gc.isenabled()
