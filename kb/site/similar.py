"""Similar incidents for every postmortem in one batch.

`ranked` computes them; `similar_later` starts it in the build's helper
process, for the plugin to collect once the pages need it. When the knowledge
base's search index exists and matches the content (after `kb index` or any
`kb search`), it uses the index's key-term similarity over the text
(`kb.search.similar_map`, the same ranking as `kb similar`). Otherwise it falls
back to `facet_similar` here, by shared categories, services and tags, so a
build never has to index the whole knowledge base first. A text ranking is
kept in the build cache (kb.site.cache) and read back, without a helper
process, by the next build on the same index.

A shared value counts more the rarer it is (inverse document frequency). The
cost is bounded: for a value shared by many incidents only the `window`
incidents nearest in time are compared, so the work grows linearly with the
number of documents instead of quadratically.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from kb.config import Settings
from kb.errors import KbError
from kb.loader import Document
from kb.models import Postmortem
from kb.site.background import Worker
from kb.site.cache import RankingStore, ranking_key

Similar = dict[str, list[tuple[str, float]]]


# What the facet ranking needs of a postmortem, small enough to send to another process:
# (date, id, its categories, services and tags as "c:...", "s:...", "t:..." features).
Facets = tuple[str, str, frozenset[str]]


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


def facet_similar(items: Sequence[Facets], limit: int = 5, window: int = 60) -> Similar:
    """`similar_map` over facet features (`facets_of`), in date order."""
    postings: dict[str, list[int]] = defaultdict(list)  # feature -> indexes in date order
    for i, (_, _, feats) in enumerate(items):
        for f in feats:
            postings[f].append(i)
    total = len(items)
    weight = {f: math.log(1 + total / len(p)) for f, p in postings.items()}
    out: Similar = {}
    half = window // 2
    for i, (_, doc_id, feats) in enumerate(items):
        scores: dict[int, float] = defaultdict(float)
        for f in feats:
            posting = postings[f]
            if len(posting) > window:
                at = bisect_left(posting, i)
                posting = posting[max(0, at - half) : at + half + 1]
            w = weight[f]
            for j in posting:
                if j != i:
                    scores[j] += w
        # Ties go to the incident closest in time.
        best = sorted(scores.items(), key=lambda kv: (-kv[1], abs(kv[0] - i)))[:limit]
        out[doc_id] = [(items[j][1], round(s, 3)) for j, s in best]
    return out


def _fresh_state(settings: Settings) -> str | None:
    """The search index's state (kb.search.store.state) when it matches the content."""
    if not settings.index_dir.exists():
        return None  # a fresh clone: no need to import the search package at all
    from kb.search import stale_reason
    from kb.search.store import state

    if stale_reason(settings) is not None:
        return None
    return state(settings.index_dir)


def kept_ranking(
    settings: Settings, shown: Sequence[str], limit: int, cache_dir: Path | None
) -> Similar | None:
    """The text ranking an earlier build kept for this very index, postmortems and limit."""
    if cache_dir is None:
        return None
    try:
        index_state = _fresh_state(settings)
    except KbError:
        return None
    if index_state is None:
        return None
    return RankingStore(cache_dir).get(ranking_key(index_state, list(shown), limit))


def text_similar(
    settings: Settings, shown: Sequence[str], limit: int = 5, cache_dir: Path | None = None
) -> Similar | None:
    """Similar postmortems by text, from the search index; None when it is missing or stale.

    It runs in the build's helper process, so it takes only what pickles cheaply:
    the settings and the ids of the postmortems the site shows. With a `cache_dir`,
    the ranking is kept there for the next build (kb.site.cache), and one kept for
    the same index, postmortems and limit is read back instead of computed.
    """
    try:
        index_state = _fresh_state(settings)
        if index_state is None:
            return None
        key = ranking_key(index_state, list(shown), limit)
        store = RankingStore(cache_dir) if cache_dir is not None else None
        kept = store.get(key) if store is not None else None
        if kept is not None:
            return kept
        from kb.search import similar_map as text_similar_map

        found = text_similar_map(settings, limit=limit + 10)
    except KbError:
        return None  # an unreadable index is no reason to fail a site build
    wanted = set(shown)
    ranking = {
        doc_id: [(other, score) for other, score in found.get(doc_id, []) if other in wanted][
            :limit
        ]
        for doc_id in shown
    }
    if store is not None:
        store.put(key, ranking)
    return ranking


def ranked(
    settings: Settings, items: Sequence[Facets], limit: int, cache_dir: Path | None = None
) -> tuple[Similar, str]:
    """By text when the search index is there and fresh, else by facets; and which it was."""
    found = text_similar(settings, [doc_id for _, doc_id, _ in items], limit, cache_dir)
    if found is not None:
        return found, "text"
    return facet_similar(items, limit), "facets"


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
    kept = kept_ranking(settings, [doc_id for _, doc_id, _ in items], limit, cache_dir)
    if kept is not None:
        return lambda: (kept, "text")
    pending = worker.submit(ranked, settings, items, limit, cache_dir)

    def result() -> tuple[Similar, str]:
        try:
            return pending.result()
        except Exception:  # the helper process died: rank by facets here
            return facet_similar(items, limit), "facets"

    return result
