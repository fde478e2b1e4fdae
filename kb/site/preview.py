"""What `kb serve` keeps between rebuilds, to render again only the pages that changed.

mkdocs' preview rebuilds the whole site on every save: each page's Markdown and
its theme template are rendered again, which is most of a build. `mkdocs serve
--dirty` skips pages whose source file is older than their output, but a kb
site is mostly pages that have no source file of their own (listings, trends)
or whose content depends on other documents (Related, similar incidents,
action items), so mtimes cannot tell what changed.

kb decides by content instead. Every build of the preview computes, for each
page, a fingerprint of everything that goes into it (its Markdown and the HTML
fragments kb fills in, its title, its search filters) and compares it with the
fingerprint of the page the previous build wrote. Pages whose fingerprint is
unchanged are not rendered again; what the whole site shares (the
configuration, the navigation, the problems banner, the day, and the list of
files for pages that link to others) goes into one site-wide key, and when that
changes every page is rendered. Pages the navigation lists and pages kb does not
generate (the authors' own) are always rendered. Output files of pages that no
longer exist are removed. A page that is not rendered is therefore byte for byte
what a full build would write (tests/test_site_preview.py checks it).

A save is shown in two passes (kb.site.build.Preview). The first renders only the
saved documents' own pages, from the last build's context (the other documents,
the rankings, the navigation), and serves them: at 10,000 documents that takes a
fraction of a second where the rebuild takes ten or more. The second is the
rebuild above, which brings every page, the saved ones included, to what a full
build writes. `Snapshot` tells which files a save changed, so that the first pass
runs only when every change is a document that was already in the site.

Generating the listings and computing a document page's fingerprint (which means
making its parts: card, action items, Related, similar incidents) is most of a
rebuild at 10,000 documents. What they read of the documents is their front-matter,
never their text. So when a save changed no document's front-matter (the common
case: the text of one postmortem) and the site's files and settings are the same,
the rebuild keeps the last build's generated pages, and a document page whose own
file and similar incidents are unchanged keeps its fingerprint without making its
parts (`Inputs`).

A save that changes front-matter (a title, a category) with the same files and
settings generates the listings and computes the relations between documents again,
but a document's page is made again only when it could have changed: its own
document, its similar incidents or what the relations say of it changed
(SiteContext.relations_of), or one of the documents it showed did (the ids it looked
up with SiteContext.doc while its parts and its linked text were made, kept per page
in `Inputs.reads`). New, renamed or deleted files, other settings, or another set of
services or tags make every page's parts again.

This module only keeps and compares fingerprints and snapshots; kb.site.sitebuild
computes the fingerprints.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kb.files import Stat, stat_of
from kb.loader import Document
from kb.site.charts import Chart
from kb.site.context import Generated

# Markdown or HTML that mkdocs resolves against the site's files when it renders a page.
LINKS = re.compile(r"\]\(|\]:|href=|src=", re.IGNORECASE)


def fingerprint(*parts: object) -> str:
    """A digest of a page's inputs (strings, or sorted items of dicts)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        text = repr(sorted(part.items())) if isinstance(part, dict) else str(part)
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


@dataclass
class Inputs:
    """What the last build's pages were made from: the site's source files and
    settings (fingerprints), the documents, each one's similar incidents (ids), and
    the pages kb generated from them (listings, trends, feeds) with their charts."""

    sources: str  # the site's own files (paths), before kb adds its pages
    settings: str  # mkdocs.yml, the taxonomy, the plugin's options, the day
    documents: dict[str, Document]
    generated: tuple[list[Generated], list[Chart]]
    similar: dict[str, list[str]] = field(default_factory=dict)
    related: dict[str, object] = field(default_factory=dict)  # SiteContext.adopt
    # Per document page (src_uri): the ids of the other documents it shows, and what the
    # relations between documents said of it (SiteContext.relations_of); and what all
    # document pages share (SiteContext.shared_by_pages).
    reads: dict[str, frozenset[str]] = field(default_factory=dict)
    relations: dict[str, object] = field(default_factory=dict)
    shared: object = None

    def changed_ids(self, documents: dict[str, Document]) -> set[str]:
        """Ids of the documents whose front-matter changed, came or went since."""
        old = self.documents
        out = {doc.id for src, doc in old.items() if src not in documents}
        for src, doc in documents.items():
            before = old.get(src)
            if before is None or before.meta != doc.meta:
                out.add(doc.id)
                if before is not None:
                    out.add(before.id)
        return out

    def unchanged_front(self, sources: str, settings: str, documents: dict[str, Document]) -> bool:
        """The same files and settings, and no document's front-matter changed: every
        page kb generates is what it was."""
        return self.same_files(sources, settings) and not self.changed_ids(documents)

    def same_files(self, sources: str, settings: str) -> bool:
        """The same files and settings (the documents' contents may differ)."""
        return sources == self.sources and settings == self.settings

    def same_page(self, doc: Document, similar: list[str]) -> bool:
        """Whether a document and its similar incidents are as the last build had them."""
        old = self.documents.get(doc.src_uri)
        return old is not None and old.body == doc.body and self.similar.get(doc.id) == similar

    def unaffected(
        self, doc: Document, similar: list[str], relations: object, changed: set[str]
    ) -> bool:
        """Whether a document's page is as the last build made it although some
        documents' front-matter changed (`changed`, their ids): its own document, similar
        incidents and relations are the same, and none of the documents it shows changed."""
        src = doc.src_uri
        reads = self.reads.get(src)
        return (
            reads is not None
            and doc.id not in changed
            and reads.isdisjoint(changed)
            and self.relations.get(src) == relations
            and self.same_page(doc, similar)
        )


class PreviewState:
    """Fingerprints of the pages the last preview build wrote, and its output files."""

    def __init__(self) -> None:
        self.inputs: Inputs | None = None  # of the last build's document pages
        self.site_key: str | None = None
        self._pages: dict[str, str] = {}  # src_uri -> fingerprint of what was written
        self._outputs: set[str] = set()  # dest_uri of every file the last build wrote
        self._seen: set[str] = set()  # pages of this build
        self.rendered = 0  # pages the last build rendered
        self.kept = 0  # pages it left as they were

    def begin(self, site_key: str) -> None:
        """Start a build; a different site-wide key means every page is rendered again."""
        if site_key != self.site_key:
            self._pages.clear()
        self.site_key = site_key
        self.rendered = self.kept = 0
        self._seen = set()

    def needs(self, src_uri: str, page_key: str | None) -> bool:
        """Whether the page must be rendered (`page_key` None: always); recorded as written."""
        if page_key is not None and self._pages.get(src_uri) == page_key:
            self.kept += 1
            self._seen.add(src_uri)
            return False
        self.rendered += 1
        self._seen.add(src_uri)
        if page_key is None:
            self._pages.pop(src_uri, None)
        else:
            self._pages[src_uri] = page_key
        return True

    def written(self, src_uri: str) -> str | None:
        """The fingerprint of the page the last build wrote (None: render it)."""
        return self._pages.get(src_uri)

    def drop(self, src_uri: str) -> None:
        """The page was written outside a build (the first pass): render it in the next."""
        self._pages.pop(src_uri, None)

    def forget(self) -> None:
        """A build failed half-way: what is on disk is unknown, so render everything next."""
        self.site_key, self.inputs = None, None
        self._pages.clear()

    def finish(self, site_dir: Path, outputs: Iterable[str]) -> list[str]:
        """Remove the output files of pages and files that are gone; returns them."""
        current = set(outputs)
        gone = sorted(self._outputs - current)
        root = site_dir.resolve()
        for uri in gone:
            path = (root / uri).resolve()
            if root in path.parents and path.is_file():
                path.unlink()
                _prune(path.parent, root)
        # A page that is gone and comes back is rendered again: its file was removed.
        self._pages = {uri: key for uri, key in self._pages.items() if uri in self._seen}
        self._outputs = current
        return gone


def _prune(folder: Path, root: Path) -> None:
    # Folders emptied by removing a page go too, as a full build would not make them.
    while folder != root and root in folder.parents and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


@dataclass(frozen=True)
class Snapshot:
    """What the files a preview reads looked like: a stamp per file, by absolute path."""

    stamps: dict[str, Stat]

    @classmethod
    def take(cls, folders: Iterable[Path], files: Iterable[Path] = ()) -> Snapshot:
        """Stamp every file under `folders` (hidden ones aside, as mkdocs leaves them
        out) and each of `files` that exists."""
        stamps: dict[str, Stat] = {}
        for folder in folders:
            _stamp_tree(str(folder), stamps)
        for path in files:
            with contextlib.suppress(OSError):
                stamps[str(path)] = stat_of(os.stat(path))
        return cls(stamps)

    def changed(self, newer: Snapshot) -> tuple[set[str], set[str]]:
        """Files changed in place between this snapshot and `newer`, and files that
        appeared or went away."""
        old, new = self.stamps, newer.stamps
        edited = {path for path, stamp in new.items() if path in old and old[path] != stamp}
        return edited, set(old).symmetric_difference(new)


def _stamp_tree(folder: str, into: dict[str, Stat]) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                _stamp_tree(entry.path, into)
            elif entry.is_file():
                into[entry.path] = stat_of(entry.stat())
        except OSError:
            continue
