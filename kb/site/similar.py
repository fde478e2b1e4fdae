"""Similar incidents for every postmortem in one batch.

`similar_later` starts the ranking (kb.site.ranking) in the build's helper
process, for the plugin to collect once the pages need it. When the knowledge
base's search index exists and matches the content (after `kb index` or any
`kb search`), it ranks by the index's key-term similarity over the text (the
same ranking as `kb similar`); otherwise by shared categories, services and
tags (`facet_similar`), so a build never has to index the whole knowledge base
first. A text ranking is kept in the build cache (kb.site.cache) and read
back, without a helper process, by the next build on the same index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from kb.background import Worker
from kb.config import Settings
from kb.loader import Document
from kb.models import Postmortem
from kb.site.ranking import (
    Facets,
    Similar,
    facet_similar,
    fresh_state,
    kept_ranking,
    ranked,
    ranked_on,
)

__all__ = [
    "Facets",
    "Similar",
    "facet_similar",
    "facets_of",
    "ranked",
    "similar_later",
    "similar_map",
]


def facets_of(documents: Sequence[Document]) -> list[Facets]:
    """The postmortems among `documents`, oldest first, as facet features."""
    out = [
        (
            d.meta.date.isoformat(),
            d.id,
            frozenset(
                [f"c:{c}" for c in d.meta.categories]
                + [f"s:{s}" for s in d.meta.services]
                + [f"t:{t}" for t in d.meta.tags]
            ),
        )
        for d in documents
        if isinstance(d.meta, Postmortem)
    ]
    out.sort()
    return out


def similar_map(documents: Sequence[Document], limit: int = 5, window: int = 60) -> Similar:
    """id -> up to `limit` (other id, score) pairs, most similar first, postmortems only."""
    return facet_similar(facets_of(documents), limit, window)


def similar_later(
    documents: Sequence[Document],
    settings: Settings,
    limit: int,
    worker: Worker,
    cache_dir: Path | None = None,
) -> Callable[[], tuple[Similar, str]]:
    """`ranked` for the postmortems of `documents`, started now in the worker's process.

    Call the result to get the ranking and its method ('text' or 'facets').

    Whichever way they are ranked, the work happens beside the build; should the helper
    process fail, the facet ranking runs here instead. A text ranking an earlier build
    kept for the same index is read here, and then no helper is needed for it.
    """
    items = facets_of(documents)
    index_state = fresh_state(settings)  # once, here: the helper need not scan the files again
    kept = kept_ranking(index_state, [doc_id for _, doc_id, _ in items], limit, cache_dir)
    if kept is not None:
        return lambda: (kept, "text")
    pending = worker.submit(ranked_on, index_state, settings, items, limit, cache_dir)

    def result() -> tuple[Similar, str]:
        try:
            return pending.result()
        except Exception:  # the helper process died: rank by facets here
            return facet_similar(items, limit), "facets"

    return result
