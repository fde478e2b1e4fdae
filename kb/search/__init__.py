"""Full-text search of the knowledge base: an incremental whoosh index and its queries.

This package is the only place kb imports whoosh. Modules, each with one job:

    schema     the whoosh schema, field boosts, a document's indexed fields
    manifest   what the index was built from (stat, hash, id per file)
    store      index folder layout: generations, CURRENT pointer, write lock
    indexer    update_index / stale_reason: incremental or full builds
    query      query syntax checks, filters, date parsing
    searcher   SearchIndex: search and hits
    snippets   the best matching line of a hit
    suggest    "did you mean" when nothing matches
    keyterms   a document's key terms (Bo1), for "more like this"
    similar    similar / similar_map: BM25F over the key terms, batched in numpy

Typical use::

    from kb.search import SearchIndex, ensure_fresh, similar_map
    ensure_fresh(settings)
    with SearchIndex(settings) as index:
        results = index.search("connection pool exhausted")
        related = similar_map(index, limit=5)
"""

from __future__ import annotations

from collections.abc import Callable

from kb.config import Settings
from kb.search.indexer import IndexReport, Progress, stale_reason, update_index
from kb.search.query import Filters, parse_date
from kb.search.searcher import Hit, Results, SearchIndex
from kb.search.similar import Similar, similar, similar_map
from kb.search.snippets import Snippet


def ensure_fresh(
    settings: Settings,
    *,
    progress: Progress | None = None,
    timeout: float = 60.0,
    on_wait: Callable[[str], None] | None = None,
    on_stale: Callable[[str], None] | None = None,
) -> IndexReport | None:
    """Update the index when it is missing or older than the content; None when it was fresh.

    `on_stale` hears why an update is needed before it starts (it may take a while).
    """
    reason = stale_reason(settings)
    if reason is None:
        return None
    if on_stale is not None:
        on_stale(reason)
    return update_index(settings, progress=progress, timeout=timeout, on_wait=on_wait)


__all__ = [
    "Filters",
    "Hit",
    "IndexReport",
    "Progress",
    "Results",
    "SearchIndex",
    "Similar",
    "Snippet",
    "ensure_fresh",
    "parse_date",
    "similar",
    "similar_map",
    "stale_reason",
    "update_index",
]
