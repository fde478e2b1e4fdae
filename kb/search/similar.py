"""Documents like a given one: whoosh's key-term "more like this", over several fields.

For each document, the terms that are frequent in it and rare in the collection
(whoosh's Bo1 expansion model) are picked from its title, summary, body and
categories, and searched for as one weighted OR query, BM25F-ranked.
`similar_map` does this for many documents with one searcher and one cache of
collection frequencies, which is what the site's "similar incidents" uses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from whoosh import classify, query

from kb.config import Settings
from kb.errors import UsageError
from kb.search.query import closest
from kb.search.schema import SCHEMA
from kb.search.searcher import SearchIndex

# field -> (key terms taken from it, weight of its terms in the query)
SIMILAR_FIELDS: dict[str, tuple[int, float]] = {
    "title": (4, 2.0),
    "summary": (6, 1.5),
    "body": (12, 1.0),
    "categories": (4, 1.0),
}

Similar = list[tuple[str, float]]  # (document id, score), best first


class _KeyTerms:
    """Key terms of documents of one index, sharing collection statistics between them."""

    def __init__(self, searcher: Any) -> None:
        self.reader = searcher.reader()
        count = self.reader.doc_count_all()
        self.models = {
            field: classify.Bo1Model(count, self.reader.field_length(field))
            for field in SIMILAR_FIELDS
        }
        self._frequency: dict[tuple[str, str], float] = {}

    def frequency(self, field: str, word: str) -> float:
        """How often `word` occurs in `field` across the collection (cached)."""
        key = (field, word)
        found = self._frequency.get(key)
        if found is None:
            found = self._frequency[key] = float(self.reader.frequency(field, word))
        return found

    def _weights(self, docnum: int, field: str, stored: dict[str, Any]) -> dict[str, float]:
        weights: dict[str, float] = defaultdict(float)
        if self.reader.has_vector(docnum, field):
            for word, weight in self.reader.vector_as("weight", docnum, field):
                weights[word] += weight
        elif stored.get(field):
            for token in SCHEMA[field].analyzer(str(stored[field])):
                weights[token.text] += 1.0
        return weights

    def query(self, docnum: int, stored: dict[str, Any]) -> Any:
        """The weighted OR query of this document's key terms (None when it has none)."""
        terms: list[Any] = []
        for field, (count, boost) in SIMILAR_FIELDS.items():
            weights = self._weights(docnum, field, stored)
            total = sum(weights.values())
            model = self.models[field]
            scored = []
            for word, weight in weights.items():
                frequency = self.frequency(field, word)
                if frequency:
                    scored.append((model.score(weight, frequency, total), word))
            scored.sort(key=lambda item: (-item[0], item[1]))
            top = scored[:count]
            if not top or top[0][0] <= 0:
                continue
            best = top[0][0]
            terms.extend(query.Term(field, word, boost=boost * s / best) for s, word in top)
        return query.Or(terms) if terms else None


def similar_map(
    index: SearchIndex | Settings, ids: Iterable[str] | None = None, limit: int = 5
) -> dict[str, Similar]:
    """For each id (every document by default), the `limit` most similar other documents.

    Give an open SearchIndex, or Settings to open (and close) the index for this call.
    """
    if isinstance(index, Settings):
        with SearchIndex(index) as opened:
            return similar_map(opened, ids, limit)
    searcher = index.searcher
    if ids is None:
        docs = [(str(f["id"]), n, f) for n, f in searcher.reader().iter_docs()]
    else:
        docs = [(doc_id, *_find(index, doc_id)) for doc_id in ids]
    keys = _KeyTerms(searcher)
    out: dict[str, Similar] = {}
    for doc_id, docnum, fields in docs:
        like = keys.query(docnum, fields)
        if like is None or limit < 1:
            out[doc_id] = []
            continue
        found = searcher.search(like, limit=limit, mask={docnum})
        out[doc_id] = [(str(hit["id"]), round(float(hit.score or 0.0), 4)) for hit in found]
    return out


def similar(index: SearchIndex | Settings, doc_id: str, limit: int = 5) -> Similar:
    """The `limit` documents most similar to `doc_id`, best first, with their scores."""
    return similar_map(index, [doc_id], limit)[doc_id]


def _find(index: SearchIndex, doc_id: str) -> tuple[int, dict[str, Any]]:
    searcher = index.searcher
    docnum = searcher.document_number(id=doc_id.strip().lower())
    if docnum is None:
        hint = closest(doc_id, index.ids())
        raise UsageError(
            f"no document has id '{doc_id}'" + (f" (did you mean '{hint}'?)" if hint else "")
        )
    return docnum, searcher.stored_fields(docnum)
