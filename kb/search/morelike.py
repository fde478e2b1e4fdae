"""Documents like a given one: key-term "more like this", over several fields.

For each document, its key terms (kb.search.keyterms) form a weighted OR query
that is scored with BM25F, exactly as whoosh scores a `query.Or` of boosted
terms: the sum over the terms of boost * idf * tf (K1 + 1) / (tf + K1 (1 - B +
B fl / avgfl)), over every document. Rather than running one whoosh search per
document, each term's postings are turned once into an array of per-document
BM25F scores; a document's scores against all others are then one weighted sum
of those arrays (numpy). A batch over the whole collection gathers the postings
from the term vectors and fields it reads for the key terms anyway, so it
reads each document once and no posting list at all.

`similar` is `similar_map` for one id (its postings read from the index): the
command line and the site rank with the same function.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import scoring

from kb.config import Settings
from kb.errors import UsageError
from kb.search.keyterms import SIMILAR_FIELDS, KeyTerm, KeyTerms
from kb.search.query import closest
from kb.search.searcher import SearchIndex

Similar = list[tuple[str, float]]  # (document id, score), best first

_Postings = tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]  # (docnums, scores)
_EMPTY: _Postings = (np.zeros(0, np.int64), np.zeros(0, np.float64))


class _Forward:
    """Every posting of the similarity fields, gathered from documents as they are read."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, tuple[array[int], array[float]]]] = {
            field: {} for field in SIMILAR_FIELDS
        }

    def add(self, field: str, docnum: int, items: list[tuple[str, float]]) -> None:
        """Record one document's (word, weight) pairs of one field."""
        table = self.tables[field]
        for word, weight in items:
            found = table.get(word)
            if found is None:
                found = table[word] = (array("q"), array("d"))
            found[0].append(docnum)
            found[1].append(weight)

    def postings(self, field: str, word: str) -> tuple[array[int], array[float]] | None:
        """(docnums, weights) of a word, as the index's posting list holds them."""
        return self.tables[field].get(word)


class _Scorer:
    """BM25F scores of the documents of one index for single terms, each computed once.

    Postings come from `forward` when it holds every live document, else from the index.
    """

    def __init__(self, reader: Any, forward: _Forward | None = None) -> None:
        self.reader = reader
        self.forward = forward
        self.count = int(reader.doc_count_all())
        weighting = scoring.BM25F()  # the model (and defaults) whoosh searches with
        self.b, self.k1 = float(weighting.B), float(weighting.K1)
        self._lengths: dict[str, npt.NDArray[np.float64]] = {}
        self._average: dict[str, float] = {}
        self._postings: dict[tuple[str, str], _Postings] = {}

    def _field(self, field: str) -> tuple[npt.NDArray[np.float64], float]:
        lengths = self._lengths.get(field)
        if lengths is None:
            lengths = np.zeros(self.count, np.float64)
            for leaf, base in self.reader.leaf_readers():
                for docnum in range(leaf.doc_count_all()):
                    # whoosh keeps lengths as one byte; read them as its scorer does
                    lengths[base + docnum] = leaf.doc_field_length(docnum, field, 1) or 0
            self._lengths[field] = lengths
            self._average[field] = self.reader.field_length(field) / (self.count or 1) or 1.0
        return lengths, self._average[field]

    def postings(self, field: str, word: str) -> _Postings:
        """(docnums, BM25F score of `word` in each) for every live document holding it."""
        key = (field, word)
        found = self._postings.get(key)
        if found is not None:
            return found
        docs: Sequence[int]
        weights: Sequence[float]
        if self.forward is not None:
            docs, weights = self.forward.postings(field, word) or ((), ())
        else:
            docs, weights = self._read(field, word)
        if not docs:
            found = _EMPTY
        else:
            lengths, average = self._field(field)
            ids = np.array(docs, np.int64)
            tf = np.array(weights, np.float64)
            idf = math.log(self.count / (self.reader.doc_frequency(field, word) + 1)) + 1
            b, k1 = self.b, self.k1
            norm = k1 * ((1 - b) + b * lengths[ids] / average)
            found = (ids, idf * (tf * (k1 + 1)) / (tf + norm))
        self._postings[key] = found
        return found

    def _read(self, field: str, word: str) -> tuple[list[int], list[float]]:
        docs: list[int] = []
        weights: list[float] = []
        for leaf, base in self.reader.leaf_readers():
            if (field, word) not in leaf:
                continue
            matcher = leaf.postings(field, word)  # deleted documents are filtered out
            while matcher.is_active():
                docs.append(base + matcher.id())
                weights.append(matcher.weight())
                matcher.next()
        return docs, weights

    def scores(self, terms: list[KeyTerm]) -> npt.NDArray[np.float64]:
        """Every document's score for the weighted OR of `terms` (0 where none matches)."""
        parts = [(self.postings(field, word), boost) for field, word, boost in terms]
        docs = np.concatenate([ids for (ids, _), _ in parts])
        weights = np.concatenate([scores * boost for (_, scores), boost in parts])
        # With weights, bincount sums floats (its stubs promise ints); asarray does not copy.
        return np.asarray(np.bincount(docs, weights=weights, minlength=self.count), np.float64)


def _best(scores: npt.NDArray[np.float64], skip: int, limit: int) -> list[tuple[int, float]]:
    """The `limit` highest positive scores but `skip`'s: by score, then index order."""
    scores[skip] = 0.0
    matching = int(np.count_nonzero(scores > 0))
    if not matching:
        return []
    take = min(limit, matching)
    # The take-th highest score; documents tied with it compete on index order.
    cut = -np.partition(-scores, take - 1)[take - 1]
    candidates = np.flatnonzero(scores >= cut)
    ranked = sorted(candidates.tolist(), key=lambda docnum: (-scores[docnum], docnum))
    return [(docnum, float(scores[docnum])) for docnum in ranked[:take]]


def similar_map(
    index: SearchIndex | Settings, ids: Iterable[str] | None = None, limit: int = 5
) -> dict[str, Similar]:
    """For each id (every document by default), the `limit` most similar other documents.

    Give an open SearchIndex, or Settings to open (and close) the index for this call.
    Leaving out `ids` is the fast way to cover the whole collection.
    """
    if isinstance(index, Settings):
        with SearchIndex(index) as opened:
            return similar_map(opened, ids, limit)
    searcher = index.searcher
    reader = searcher.reader()
    forward = None
    if ids is None:
        docs = [(str(f["id"]), n, f) for n, f in reader.iter_docs()]
        forward = _Forward()
    else:
        docs = [(doc_id, *_find(index, doc_id)) for doc_id in ids]
    keys = KeyTerms(reader)
    sink = forward.add if forward is not None else None
    wanted = [(doc_id, docnum, keys.of(docnum, fields, sink)) for doc_id, docnum, fields in docs]
    scorer = _Scorer(reader, forward)
    names = {docnum: doc_id for doc_id, docnum, _ in docs} if ids is None else {}
    out: dict[str, Similar] = {}
    for doc_id, docnum, terms in wanted:
        if not terms or limit < 1:
            out[doc_id] = []
            continue
        best = _best(scorer.scores(terms), docnum, limit)
        out[doc_id] = [(_name(searcher, names, other), round(score, 4)) for other, score in best]
    return out


def similar(index: SearchIndex | Settings, doc_id: str, limit: int = 5) -> Similar:
    """The `limit` documents most similar to `doc_id`, best first, with their scores."""
    return similar_map(index, [doc_id], limit)[doc_id]


def _name(searcher: Any, names: dict[int, str], docnum: int) -> str:
    name = names.get(docnum)
    if name is None:
        name = names[docnum] = str(searcher.stored_fields(docnum)["id"])
    return name


def _find(index: SearchIndex, doc_id: str) -> tuple[int, dict[str, Any]]:
    searcher = index.searcher
    docnum = searcher.document_number(id=doc_id.strip().lower())
    if docnum is None:
        hint = closest(doc_id, index.ids())
        raise UsageError(
            f"no document has id '{doc_id}'" + (f" (did you mean '{hint}'?)" if hint else "")
        )
    return docnum, searcher.stored_fields(docnum)


__all__ = ["SIMILAR_FIELDS", "Similar", "similar", "similar_map"]
