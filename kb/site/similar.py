"""Similar incidents for every postmortem in one batch.

`similar_incidents` is the one function the plugin calls. When the knowledge
base's search index exists and matches the content (after `kb index` or any
`kb search`), it uses the index's key-term similarity over the text
(`kb.search.similar_map`, the same ranking as `kb similar`). Otherwise it falls
back to `similar_map` here, by shared categories, services and tags, so a build
never has to index the whole knowledge base first.

A shared value counts more the rarer it is (inverse document frequency). The
cost is bounded: for a value shared by many incidents only the `window`
incidents nearest in time are compared, so the work grows linearly with the
number of documents instead of quadratically.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence

from kb.config import Settings
from kb.errors import KbError
from kb.loader import Document
from kb.models import Postmortem

Similar = dict[str, list[tuple[str, float]]]


def _features(pm: Postmortem) -> set[str]:
    return (
        {f"c:{c}" for c in pm.categories}
        | {f"s:{s}" for s in pm.services}
        | {f"t:{t}" for t in pm.tags}
    )


def similar_map(documents: Sequence[Document], limit: int = 5, window: int = 60) -> Similar:
    """id -> up to `limit` (other id, score) pairs, most similar first, postmortems only."""
    pms = [d.meta for d in documents if isinstance(d.meta, Postmortem)]
    pms.sort(key=lambda pm: (pm.date, pm.id))
    features = [_features(pm) for pm in pms]
    postings: dict[str, list[int]] = defaultdict(list)  # feature -> indexes in date order
    for i, feats in enumerate(features):
        for f in feats:
            postings[f].append(i)
    total = len(pms)
    weight = {f: math.log(1 + total / len(p)) for f, p in postings.items()}
    out: Similar = {}
    half = window // 2
    for i, pm in enumerate(pms):
        scores: dict[int, float] = defaultdict(float)
        for f in features[i]:
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
        out[pm.id] = [(pms[j].id, round(s, 3)) for j, s in best]
    return out


def similar_incidents(
    documents: Sequence[Document], settings: Settings, limit: int = 5
) -> tuple[Similar, str]:
    """Similar postmortems for each postmortem, and which method computed them ('text' or 'facets')."""
    if settings.index_dir.exists():
        try:
            from kb.search import similar_map as text_similar_map
            from kb.search import stale_reason

            if stale_reason(settings) is None:
                shown = {d.id for d in documents if isinstance(d.meta, Postmortem)}
                found = text_similar_map(settings, limit=limit + 10)
                return {
                    doc_id: [
                        (other, score) for other, score in found.get(doc_id, []) if other in shown
                    ][:limit]
                    for doc_id in shown
                }, "text"
        except KbError:
            pass  # an unreadable index is no reason to fail a site build
    return similar_map(documents, limit), "facets"
