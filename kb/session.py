"""The one owner of a build's machinery: helper process, cache folder, parsing, GC.

Everything kb does to go faster than a plain loop over the files lives behind
`BuildSession`, so the domain (kb.knowledge, the page functions, the rankings)
only ever sees data:

- **the helper process** (kb.background.Worker): started on the first `submit`,
  stopped by `close`; work sent to it (similar-incident ranking, charts) runs
  beside mkdocs' rendering. Without a usable second process the work runs in
  this one, with the same results.
- **the cache folder** (`.kb/cache`, or none with `kb build --no-cache`):
  parsed front-matter (kb.parsecache), drawn charts and rankings (kb.site.cache).
- **the parse strategy**: `load` parses front-matter through the cache when
  there is one, read from disk by the first `load` and, in a session made with
  `reloads=True` (the live preview's, kept for all its rebuilds), kept for the next.
- **the GC policy**: loading allocates millions of small acyclic objects, and
  every cyclic collection during the load rescans the documents already loaded
  (~40% of `kb validate` at 10,000 documents), so collections wait until it ends.

Use it as a context manager: `with BuildSession(cache_dir) as session: ...`.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from kb.background import Pending, Worker
from kb.config import Settings
from kb.files import iter_markdown
from kb.knowledge import KnowledgeBase, load_knowledge_base
from kb.loader import Reloads
from kb.parsecache import ParsedCache, parse_ahead

T = TypeVar("T")

# Files from which a first load without the parse cache has the helper process parse
# half of them: below it, starting the helper costs about what it saves.
AHEAD_FROM = 2000
AHEAD_PARTS = 8


class BuildSession:
    """Owns the helper process, the cache folder and the parse and GC policies of a run."""

    def __init__(
        self, cache_dir: Path | None = None, *, background: bool = True, reloads: bool = False
    ) -> None:
        self.cache_dir = cache_dir
        self._background = background
        self._reloads = reloads  # loads again (the preview): keep the parse cache in memory
        self._worker: Worker | None = None
        self._parsed: ParsedCache | None = None
        self._last_load: Reloads | None = None  # the last load's documents (reloads only)

    def __enter__(self) -> BuildSession:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def load(
        self, settings: Settings, *, only: Iterable[Path] | None = None, today: date | None = None
    ) -> KnowledgeBase:
        """Load and check the knowledge base (kb.knowledge), parsing through the cache."""
        first = self._parsed is None
        if first and self.cache_dir is not None:
            self._parsed = ParsedCache(self.cache_dir)  # read once; a session may load again
        elif self._parsed is not None:
            self._parsed.next_run()
        cache = self._parsed
        if first and cache is not None and only is None:
            self._parse_ahead(settings, cache)
        if self._reloads and self._last_load is None:
            self._last_load = Reloads(kept=None if cache is None else cache.keep)
        with _collections_wait():
            kb = load_knowledge_base(
                settings,
                only=only,
                today=today,
                parse=None if cache is None else cache.parse,
                positions=None if cache is None else cache.positions,
                reloads=self._last_load,
            )
        if cache is not None and first:
            cache.save()
        if not self._reloads:
            self._parsed = None  # its entries are not needed while the site is built
        # The preview's later loads are written when it stops: writing every document's
        # entry again for one edited title took 2.7 s of a rebuild at 10,000 documents.
        return kb

    def _parse_ahead(self, settings: Settings, cache: ParsedCache) -> None:
        """When the cache holds less than half of the documents (a fresh clone, CI), have
        the helper process parse the front-matter of the second half of the files while
        this one loads the first: parsing YAML is a third of loading 10,000 documents
        without the cache (BENCHMARKS.md)."""
        if not self._background or not settings.content_dir.is_dir():
            return
        files = list(iter_markdown(settings.content_dir))
        if len(files) < AHEAD_FROM or len(cache) >= len(files) // 2:
            return
        # In parts, each taken as soon as it is parsed: the helper starts later.
        half, known = files[len(files) // 2 :], cache.known()
        size = -(-len(half) // AHEAD_PARTS)
        coming = [
            self.submit(parse_ahead, half[i : i + size], known) for i in range(0, len(half), size)
        ]

        def arrived() -> dict[str, Any]:
            entries: dict[str, Any] = {}
            while coming and coming[0].done():  # the helper runs them in order
                with contextlib.suppress(Exception):  # a failed part: parsed here instead
                    entries.update(coming[0].result())
                coming.pop(0)
            return entries

        cache.expect(arrived)

    def submit(self, fn: Callable[..., T], *args: Any) -> Pending[T]:
        """Run `fn(*args)` in the helper process (started now if need be); its result later."""
        if self._worker is None:
            self._worker = Worker(in_process=not self._background)
        return self._worker.submit(fn, *args)

    @property
    def started(self) -> bool:
        """Whether a helper process is running for this session."""
        return self._worker is not None and self._worker.started

    def close(self) -> None:
        """Stop the helper process and write what the parse cache learnt since it was
        last written; safe to call more than once."""
        if self._parsed is not None:
            self._parsed.save()
        if self._worker is not None:
            self._worker.close()
            self._worker = None


@contextmanager
def _collections_wait() -> Iterator[None]:
    """Pause the cyclic garbage collector; the next automatic collection runs as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
