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

from kb.config import Settings
from kb.loader import Document
from kb.models import Postmortem
from kb.session import BuildSession
from kb.site.cache import RankingStore, ranking_key
from kb.site.ranking import Facets, SimilarMap, facet_similar, fresh_state, ranked_on

__all__ = ["Facets", "SimilarMap", "facet_similar", "facets_of", "similar_later"]


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


def similar_later(
    documents: Sequence[Document], settings: Settings, limit: int, session: BuildSession
) -> Callable[[], tuple[SimilarMap, str]]:
    """The similar postmortems of `documents`, ranked now in the session's helper process.

    Call the result to get the ranking and its method ('text' or 'facets').

    Whichever way they are ranked, the work happens beside the build; should the helper
    process fail, the facet ranking runs here instead. A text ranking is kept in the
    session's cache folder for the index it came from, and read back by the next build
    on the same index without any helper.
    """
    items = facets_of(documents)
    index_state = fresh_state(settings)  # once, here: the helper need not scan the files again
    store = RankingStore(session.cache_dir) if session.cache_dir is not None else None
    key = ranking_key(index_state, [d for _, d, _ in items], limit) if index_state else None
    kept = store.get(key) if store is not None and key is not None else None
    if kept is not None:
        return lambda: (kept, "text")
    pending = session.submit(ranked_on, index_state, settings, items, limit)

    def result() -> tuple[SimilarMap, str]:
        try:
            ranking, method = pending.result()
        except Exception:  # the helper process died: rank by facets here
            return facet_similar(items, limit), "facets"
        if method == "text" and store is not None and key is not None:
            store.put(key, ranking)
        return ranking, method

    return result
