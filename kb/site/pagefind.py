"""The site's search: a Pagefind index over the built pages, and what marks them for it.

Pagefind (pagefind.app, the `pagefind[bin]` wheel) reads the built HTML and writes
a static index split into chunks that the browser fetches per query, so a query
costs the same few hundred kilobytes at 1,000 documents or 10,000 (Material's
search downloads every page's text, 55 MB at 10,000 documents, first).

What is indexed is decided here, in the HTML kb writes:

- documents and the authors' own pages are wrapped in `data-pagefind-body`, so
  Pagefind indexes those and skips every page without it (home, the listings,
  trends: generated pages would match every word of the documents they list);
- the card, action items and Related lists of a document are
  `data-pagefind-ignore` (their words are other documents' titles and the
  card's labels, on every page);
- a document carries its facets as `data-pagefind-filter` marks (type,
  category, service, severity), which the search box offers as filters.

A build's index is made by `SearchIndexer` while mkdocs renders the pages
(Pagefind's binary, run as a child process, works on the other core); the
incremental preview, which renders only some pages, has `Reindexer` index its
whole folder after each build instead. Either way Pagefind reads only the pages'
articles, in parts of at most `PART_BYTES` that it indexes one after another: it
holds about forty times the HTML it indexes in memory (2.7 GiB for the 71 MB of
articles of 10,000 documents in one run, 0.6 GiB for a fifth of them), and the
parts' indexes, merged in the browser, answer a query as one. The search box
(kb/site/assets/search.js) loads Pagefind's UI only when it is first opened.
"""

from __future__ import annotations

import contextlib
import html
import importlib.util
import json
import logging
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from kb.background import lowered
from kb.errors import SiteError
from kb.loader import Document
from kb.models import Postmortem
from kb.taxonomy import Taxonomy

T = TypeVar("T")

log = logging.getLogger("mkdocs.plugins.kb")

BUNDLE = "pagefind"  # the index's folder inside the site
ASSETS = Path(__file__).parent / "assets"
SCRIPT, STYLE = "assets/kb/search.js", "assets/kb/search.css"  # where the site has them
TYPE_NAMES = {"postmortem": "Postmortem", "premortem": "Pre-mortem"}
ENTRY = "pagefind-entry.json"  # in an index's folder: what the browser loads first
PARTS = "kb-parts.json"  # in the index's folder: the parts the search box merges into it
PART_BYTES = 16_000_000  # of article HTML per Pagefind run: about 0.6 GiB of its memory
BODY = "<div data-pagefind-body>"
END = "<!-- end of kb search -->"  # where a page's searchable article ends (not a slot)
LANG = re.compile(r'<html[^>]*?\slang="([^"]*)"')
# Word positions per file of Pagefind's word index (its default 20,000), one of which a
# one-word query fetches from every part: a fifth, so that the five parts of 10,000
# documents cost a query about what one index did (and a small site's query less).
# Pagefind reads it from its environment; it calls the setting unstable, and without it
# only the bytes per query grow.
CHUNK_SETTING, CHUNK = "PAGEFIND_UNSTABLE_INDEX_CHUNK_SIZE", "4000"


@dataclass(frozen=True)
class Indexed:
    """What Pagefind indexed: pages, the index's size on disk, and how long it took."""

    pages: int
    bytes: int
    seconds: float


def filters(doc: Document, taxonomy: Taxonomy) -> dict[str, list[str]]:
    """A document's search filters: type, categories, services and (postmortems) severity.

    A pre-mortem's categories are those of its risks."""
    meta = doc.meta
    slugs = (
        meta.categories
        if isinstance(meta, Postmortem)
        else [c for risk in meta.risks for c in risk.categories]
    )
    out = {
        "type": [TYPE_NAMES.get(doc.type, doc.type)],
        "category": [taxonomy.title("categories", c) for c in dict.fromkeys(slugs)],
        "service": list(meta.services),
    }
    if isinstance(meta, Postmortem) and meta.severity:
        out["severity"] = [meta.severity]
    return {name: values for name, values in out.items() if values}


def searchable(content: str, marks: dict[str, list[str]] | None = None) -> str:
    """A page's HTML as Pagefind should index it, with these filters (a document's)."""
    spans = "".join(
        f'<span data-pagefind-filter="{html.escape(name)}:{html.escape(value)}"></span>'
        for name, values in (marks or {}).items()
        for value in dict.fromkeys(values)
    )
    # The filter marks hold no text: nothing shows, nothing extra is indexed.
    return f"{BODY}{spans}{content}</div>{END}"


def unindexed(fragment: str) -> str:
    """An HTML fragment that Pagefind leaves out of the index."""
    return f"<div data-pagefind-ignore>{fragment}</div>" if fragment else fragment


def index_site(site_dir: Path) -> Indexed:
    """Index the built pages under `site_dir` into `site_dir/pagefind` (replacing it):
    their articles, read back from the pages, go through a `SearchIndexer` as a build's
    do, in `spread` order."""
    if not site_dir.is_dir():  # nothing was built (only hooks were run)
        return Indexed(0, 0, 0.0)
    paths = []
    for path in sorted(site_dir.rglob("*.html")):
        top = path.relative_to(site_dir).parts[0]
        if top != BUNDLE and not top.startswith("."):  # not the index, nor work folders
            paths.append((path.relative_to(site_dir).as_posix(), path))
    indexer: SearchIndexer | None = None
    try:
        for rel, path in spread(paths):
            text = path.read_text(encoding="utf-8", errors="replace")
            begin = text.find(BODY)
            stop = text.find(END, begin)
            if begin < 0 or stop < 0:
                continue  # a page kept out of the search (a listing)
            if indexer is None:  # in the site's language, as its first searched page says
                found = LANG.search(text)
                language = found.group(1) if found else "en"
                indexer = SearchIndexer(site_dir, language, planned=len(paths))
            indexer.add(rel, text[begin:stop])
        if indexer is None:
            indexer = SearchIndexer(site_dir)
        return indexer.finish()
    finally:
        if indexer is not None:
            indexer.close()


def chunked() -> None:
    """Have the Pagefind processes kb starts write smaller word-index files (CHUNK),
    unless the environment sets it already. Called on the main thread, before any
    indexing thread starts (they inherit the environment)."""
    os.environ.setdefault(CHUNK_SETTING, CHUNK)


def _write(path: Path, article: str, language: str) -> None:
    """Write an article as the page Pagefind reads (into a folder that exists)."""
    with open(path, "w", encoding="utf-8") as page:
        page.write(
            f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
            f"</head><body>{article}</body></html>"
        )


def spread(items: list[T]) -> list[T]:
    """`items` in an order where every run of consecutive items is spread evenly over
    the whole list (its positions bit-reversed: 0, n/2, n/4, 3n/4, ...).

    mkdocs renders the pages in its file list's order; the build renders the
    documents in this order, so that each part of the search index, made of the
    pages rendered one after another, is a sample of the whole site."""
    bits = max(1, (len(items) - 1).bit_length())
    order = sorted(range(len(items)), key=lambda i: int(f"{i:0{bits}b}"[::-1], 2))
    return [items[i] for i in order]


_INSTALL = (
    "the site's search needs Pagefind: pip install 'pagefind[bin]' "
    "(or set `pagefind: false` under the kb plugin in mkdocs.yml)"
)
# How long one run of Pagefind over a part may take before kb stops it: a full part takes
# about 6 s on an idle 2-core machine and under 30 s on a loaded one.
RUN_SECONDS = 600


def _pagefind() -> list[str]:
    """The command that runs Pagefind's binary (`python -m pagefind`, as its package
    documents); SiteError saying what to install when the package is missing."""
    if importlib.util.find_spec("pagefind") is None:
        raise SiteError(_INSTALL)
    return [sys.executable, "-m", "pagefind"]


# Runs of Pagefind over one part before kb gives up on an index Pagefind left incomplete.
ATTEMPTS = 3


def _index_part(source: Path, bundle: Path) -> int:
    """Index the article files under `source` into the folder `bundle`; the page count.

    One Pagefind process per part: its memory is given back before the next. Pagefind
    writes no file empty, and the browser's search waits forever for a part with one, so
    kb checks and indexes the part again: its Python API, which kb used before, ended
    the process before its last writes landed in one run of fifteen on a busy machine."""
    if not any(source.rglob("*.html")):
        # A site with nothing to search (Pagefind makes no index of no pages): the parts'
        # list says so, and the search box says there is nothing to search yet.
        bundle.mkdir(parents=True, exist_ok=True)
        return 0
    for _attempt in range(ATTEMPTS):
        shutil.rmtree(bundle, ignore_errors=True)
        pages = _run_pagefind(source, bundle)
        lost = incomplete(bundle)
        if not lost:
            return pages
        log.info("kb: Pagefind left %s empty; indexing the part again", ", ".join(lost))
    raise SiteError(
        f"indexing the site for search failed: Pagefind left {', '.join(lost)} empty "
        f"in {ATTEMPTS} runs"
    )


def incomplete(bundle: Path) -> list[str]:
    """The files of an index that Pagefind left unwritten: empty ones, or its entry file
    when missing (relative paths; none when the index is whole)."""
    lost = [] if (bundle / ENTRY).is_file() else [ENTRY]
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and path.stat().st_size == 0:
            lost.append(path.relative_to(bundle).as_posix())
    return lost


def _run_pagefind(source: Path, bundle: Path) -> int:
    """One run of Pagefind over `source`, its index written to `bundle`; its page count.

    Pagefind's command line, in a child process kb waits for with a time limit. Not its
    Python API: that one answers before the index's last writes land, and its calls
    wait forever for a service that stopped answering (a preview's search index was
    never made). At a lower priority than the build's own thread (kb.background)."""
    # --keep-index-url: result links end in index.html, as every link kb writes does, so
    # they work on any static server, not only one that maps folders to index.html.
    # The headings' permalink signs (¶) are not words of the page.
    command = lowered([
        *_pagefind(),
        "--site", str(source),
        "--output-path", str(bundle),
        "--keep-index-url",
        "--exclude-selectors", ".headerlink",
        "--silent",
    ])  # fmt: skip
    try:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, errors="replace",
        )  # fmt: skip
    except OSError as err:
        raise SiteError(f"indexing the site for search failed: {err}") from err
    with _RUNNING_LOCK:
        _RUNNING.add(process)
    try:
        out, complaints = process.communicate(timeout=RUN_SECONDS)
    except subprocess.TimeoutExpired:
        raise SiteError(
            f"indexing the site for search failed: Pagefind was still running after "
            f"{RUN_SECONDS} s and was stopped"
        ) from None
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        with _RUNNING_LOCK:
            _RUNNING.discard(process)
    said = (complaints.strip() or out.strip()).splitlines()
    if process.returncode != 0:
        if any("Could not find pagefind binary" in line for line in said):
            raise SiteError(_INSTALL)
        if process.returncode < 0:  # stop_pagefind, or a signal from elsewhere
            said = [f"Pagefind was stopped (signal {-process.returncode})"]
        why = said[-1] if said else f"Pagefind exited with code {process.returncode}"
        raise SiteError(f"indexing the site for search failed: {why}")
    return _page_count(bundle)


# The Pagefind processes running now (in any thread), for `stop_pagefind`.
_RUNNING: set[subprocess.Popen[str]] = set()
_RUNNING_LOCK = threading.Lock()


def stop_pagefind() -> None:
    """Stop every Pagefind run still going: the build or preview that wanted it is ending
    (stopped, or failed), and a run left alone would write its index after kb has
    removed the folder it was writing to."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for process in running:
        with contextlib.suppress(OSError):
            process.kill()


def _page_count(bundle: Path) -> int:
    """The pages an index holds, as its entry file says (0 when it is unreadable)."""
    try:
        entry = json.loads((bundle / ENTRY).read_text(encoding="utf-8"))
        return sum(int(language["page_count"]) for language in entry["languages"].values())
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return 0


def _part_name(number: int) -> str:
    """Where part `number` (from 1) goes in the index's folder: the first is the index
    the search box opens, the others are merged into it."""
    return "" if number == 1 else f"part-{number}/"


def _publish(new: Path, parts: int, pages: int, out: Path) -> int:
    """List the parts (and count the pages) of the index made in `new` and put it at
    `out` (replacing any index there at once: a preview being searched never sees half
    an index); its size."""
    merge = [_part_name(k) for k in range(2, parts + 1)]
    listed = json.dumps({"merge": merge, "pages": pages})
    (new / PARTS).write_text(listed + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in new.rglob("*") if p.is_file())
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=".pagefind-old-", dir=out.parent))
        os.replace(out, old / out.name)
    os.replace(new, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return size


class SearchIndexer:
    """A build's search index, made while mkdocs renders the pages.

    Each searchable page's article (all Pagefind reads of it) is written to a scratch
    folder inside the site as its Markdown is rendered (`add`), into the part being
    filled. A part is full when it holds its share of the articles expected (the
    pages planned, at the average size so far, in parts of at most PART_BYTES); a
    thread then has Pagefind index it, its binary working on the other core while
    mkdocs renders the rest. The build renders the documents in `spread` order, so
    every part is a sample of the whole site and ranks its words as the others do
    (the browser orders the merged results by their scores). `start` closes the last
    part when every page's Markdown is rendered; `finish` waits for the parts and puts
    the index in the site. Pagefind reads a tenth of the bytes this way (the articles,
    not the whole pages with their navigation).
    """

    def __init__(self, site_dir: Path, language: str = "en", planned: int = 0) -> None:
        chunked()
        self.site_dir = site_dir
        self._language = html.escape(language or "en")
        self._planned = planned  # searchable pages expected
        site_dir.mkdir(parents=True, exist_ok=True)
        # Inside the site folder: a killed build's staging folder takes it along. Hidden,
        # and named as the index's other work folders are (the preview serves the site).
        self._scratch = Path(tempfile.mkdtemp(prefix=".pagefind-work-", dir=site_dir))
        self._new = self._scratch / BUNDLE
        self._pages = self._bytes = 0  # added so far
        self._folders: set[Path] = set()  # made for the articles
        self._part, self._part_bytes = 1, 0  # the part being filled
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._indexed = 0
        self._failed: SiteError | None = None
        self._started = time.perf_counter()
        self._closed = False
        self._stopping = threading.Event()  # `close` was called: no part starts after it

    def add(self, dest_uri: str, article: str) -> None:
        """Have the page at `dest_uri` (in the site) indexed with this article HTML."""
        path = self._scratch / f"part-{self._part}" / dest_uri
        # Ten thousand pages in a few dozen folders: each folder is made once.
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        _write(path, article, self._language)
        self._pages += 1
        self._bytes += len(article)
        self._part_bytes += len(article)
        # The articles expected in all, at the average size so far, shared evenly by
        # as few parts as PART_BYTES allows.
        expected = max(self._bytes, self._bytes * self._planned // self._pages)
        share = expected / -(-expected // PART_BYTES)
        full = self._part_bytes >= share and self._pages < self._planned
        if full or self._part_bytes >= PART_BYTES:
            self._close_part()

    def _close_part(self) -> None:
        """Have the part being filled indexed (an empty first part: an empty index)."""
        (self._scratch / f"part-{self._part}").mkdir(exist_ok=True)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kb-pagefind", daemon=True)
            self._thread.start()
        self._queue.put(self._part)
        self._part, self._part_bytes = self._part + 1, 0

    def _run(self) -> None:
        while (number := self._queue.get()) is not None:
            source = self._scratch / f"part-{number}"
            if self._failed is None and not self._stopping.is_set():
                try:
                    self._indexed += _index_part(source, self._new / _part_name(number))
                except SiteError as err:
                    self._failed = err
            shutil.rmtree(source, ignore_errors=True)

    def start(self) -> None:
        """Every page's Markdown is rendered: have the last part indexed."""
        if not self._closed:
            self._closed = True
            if self._part_bytes or self._part == 1:
                self._close_part()
            self._queue.put(None)

    def finish(self) -> Indexed:
        """Wait for the index and move it into the site (as `pagefind/`)."""
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self._failed is not None:
            raise self._failed
        self._new.chmod(0o755)  # served to everyone, like the pages
        try:
            size = _publish(self._new, self._part - 1, self._indexed, self.site_dir / BUNDLE)
        except OSError as err:
            raise SiteError(f"putting the search index in the site failed: {err}") from err
        self.close()
        return Indexed(self._indexed, size, time.perf_counter() - self._started)

    def close(self) -> None:
        """Stop the indexing and remove the scratch folder: no part starts after this, a
        Pagefind run still going is stopped, and the folder goes once the indexing thread
        has ended. A run the thread was about to start when the build stopped would
        otherwise make its folders again inside the one being removed."""
        self._stopping.set()
        self._queue.put(None)  # a thread waiting for its next part ends
        stop_pagefind()
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.1)
            stop_pagefind()  # one it started meanwhile
        shutil.rmtree(self._scratch, ignore_errors=True)


class Reindexer:
    """The preview's search index, made again in a thread after each build.

    One run at a time; a build that ends while one runs gets one more run after it
    (the latest folder wins). The preview's pages are served meanwhile; its search
    answers from the previous index until the new one replaces it.
    """

    def __init__(self) -> None:
        chunked()
        self._lock = threading.Lock()
        self._wanted: Path | None = None
        self._thread: threading.Thread | None = None

    def request(self, site_dir: Path) -> None:
        """Index `site_dir` as soon as the run in progress (if any) ends."""
        with self._lock:
            self._wanted = site_dir
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kb-pagefind", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                site_dir, self._wanted = self._wanted, None
                if site_dir is None:
                    self._thread = None
                    return
            try:
                done = index_site(site_dir)
            except SiteError as err:
                log.warning("kb: %s", err)
            else:
                log.info("kb: search index of %d page(s) made in %.1f s", done.pages, done.seconds)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no run is in progress or wanted; False if `timeout` ran out first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                thread = self._thread
            if thread is None:
                return True
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            thread.join(left)
