"""Ranking similar incidents: the part of kb.site.similar that runs in the helper process.

The build's helper process (kb.background) imports this module to run
`ranked_on`, so it imports little: no pydantic models, no mkdocs, no page
functions; the search package only when an index is there. Inputs are plain
tuples (`Facets`) and the settings, which pickle cheaply.

By text: the search index's key-term similarity (`kb.search.similar_map`, the
same ranking as `kb similar`), when the index exists and matches the content.
By facets: shared categories, services and tags, a shared value counting more
the rarer it is (inverse document frequency). The facet ranking's cost is
bounded: for a value shared by many incidents only the `window` incidents
nearest in time are compared, so the work grows linearly with the number of
documents instead of quadratically.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence

from kb.config import Settings
from kb.errors import KbError

# id -> up to `limit` (other id, score) pairs, most similar first.
SimilarMap = dict[str, list[tuple[str, float]]]

# What the facet ranking needs of a postmortem, small enough to send to another process:
# (date, id, its categories, services and tags as "c:...", "s:...", "t:..." features).
Facets = tuple[str, str, frozenset[str]]


def facet_similar(items: Sequence[Facets], limit: int = 5, window: int = 60) -> SimilarMap:
    """Similar postmortems by shared facets (`facets_of`, in date order)."""
    postings: dict[str, list[int]] = defaultdict(list)  # feature -> indexes in date order
    for i, (_, _, feats) in enumerate(items):
        for f in feats:
            postings[f].append(i)
    total = len(items)
    weight = {f: math.log(1 + total / len(p)) for f, p in postings.items()}
    out: SimilarMap = {}
    half = window // 2
    for i, (_, doc_id, feats) in enumerate(items):
        scores: dict[int, float] = defaultdict(float)
        for f in sorted(feats):  # a fixed order: the same float sums in every build
            posting = postings[f]
            if len(posting) > window:
                at = bisect_left(posting, i)
                posting = posting[max(0, at - half) : at + half + 1]
            w = weight[f]
            for j in posting:
                if j != i:
                    scores[j] += w
        # Ties go to the incident closest in time, then to the older one.
        best = sorted(scores.items(), key=lambda kv: (-kv[1], abs(kv[0] - i), kv[0]))[:limit]
        out[doc_id] = [(items[j][1], round(s, 3)) for j, s in best]
    return out


def fresh_state(settings: Settings) -> str | None:
    """The search index's state (kb.search.store.state) when it matches the content."""
    if not settings.index_dir.exists():
        return None  # a fresh clone: no need to import the search package at all
    from kb.search import stale_reason
    from kb.search.store import state

    try:
        return state(settings.index_dir) if stale_reason(settings) is None else None
    except KbError:
        return None  # an unreadable index is no reason to fail a site build


def text_similar(settings: Settings, shown: Sequence[str], limit: int = 5) -> SimilarMap | None:
    """Similar postmortems by text, from the search index (`kb.search.similar_map`);
    None when the index cannot be read."""
    from kb.search import similar_map as text_similar_map

    try:
        found = text_similar_map(settings, limit=limit + 10)
    except KbError:
        return None
    wanted = set(shown)
    return {
        doc_id: [(other, score) for other, score in found.get(doc_id, []) if other in wanted][
            :limit
        ]
        for doc_id in shown
    }


def ranked_on(
    index_state: str | None, settings: Settings, items: Sequence[Facets], limit: int
) -> tuple[SimilarMap, str]:
    """By text when the search index was fresh (`index_state`, from `fresh_state`), else
    by facets; and which it was ('text' or 'facets').

    It runs in the build's helper process, so it takes only what pickles cheaply.
    """
    if index_state is not None:
        found = text_similar(settings, [d for _, d, _ in items], limit)
        if found is not None:
            return found, "text"
    return facet_similar(items, limit), "facets"
