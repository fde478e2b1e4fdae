"""Full-text search of the knowledge base: an incremental whoosh index and its queries.

This package is the only place kb imports whoosh. Modules, each with one job:

    schema     the whoosh schema, field boosts, a document's indexed fields
    manifest   what the index was built from (stat, hash, id per file)
    store      index folder layout: generations, CURRENT pointer, write lock
    fresh      stale_reason: does the index match the content? (stats only)
    indexer    update_index: incremental or full builds
    query      query syntax checks, filters, date parsing
    vocab      the taxonomy's concepts and the trained classifier, saved with the index
    expand     concept search: a query naming a failure class finds it in other words
    searcher   SearchIndex: search and hits
    snippets   the best matching line of a hit
    suggest    "did you mean" when nothing matches
    keyterms   a document's key terms (Bo1), for "more like this"
    bm25       whoosh's BM25F scores of single terms, summed in Python or numpy
    morelike   similar / similar_map / why: documents sharing a document's key terms

Names are imported from their module on first use, so `kb search` on an
up-to-date index never loads the indexer (nor pydantic), and only big
similar_map batches load numpy.

Typical use::

    from kb.search import SearchIndex, ensure_fresh, similar_map
    ensure_fresh(settings)
    with SearchIndex(settings) as index:
        results = index.search("connection pool exhausted")
        related = similar_map(index, limit=5)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.config import Settings
    from kb.search.fresh import stale_reason
    from kb.search.indexer import IndexReport, Progress, update_index
    from kb.search.morelike import Similar, similar, similar_map
    from kb.search.query import Filters, parse_date
    from kb.search.searcher import Hit, Results, SearchIndex
    from kb.search.snippets import Snippet

_HOMES = {
    "stale_reason": "fresh",
    "IndexReport": "indexer",
    "Progress": "indexer",
    "update_index": "indexer",
    "Filters": "query",
    "parse_date": "query",
    "Hit": "searcher",
    "Results": "searcher",
    "SearchIndex": "searcher",
    "Similar": "morelike",
    "similar": "morelike",
    "similar_map": "morelike",
    "Snippet": "snippets",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'kb.search' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"kb.search.{home}"), name)
    globals()[name] = value
    return value


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
    from kb.search.fresh import TOUCHED_MIN, check, record_stats

    found = check(settings)
    if found.reason is None:
        if found.touched >= TOUCHED_MIN:
            record_stats(settings)  # so the next check need not hash them again
        return None
    if on_stale is not None:
        on_stale(found.reason)
    from kb.search.indexer import update_index

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
