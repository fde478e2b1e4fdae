"""BM25F scores of every document for single terms, as whoosh computes them, and their sums.

A term's score in a document is idf * tf (K1 + 1) / (tf + K1 (1 - B + B fl / avgfl))
with idf = log(N / (df + 1)) + 1, whoosh's BM25F defaults for B and K1, and fl
the one-byte field length whoosh keeps; a weighted OR of terms scores the sum
of boost * score, which is what whoosh gives a `query.Or` of boosted terms.

Sums come two ways: `Sums` adds them in plain Python, for a few documents
(`kb similar ID` then never imports numpy, a tenth of a second); `ArraySums`
adds them with numpy, for batches. Both add the same floating-point products
in the same order, so they give the same scores to the last bit.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from whoosh import scoring

from kb.search.keyterms import SIMILAR_FIELDS, KeyTerm, TermStats

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

Postings = tuple[Sequence[int], Sequence[float]]  # (docnums, values), ascending docnums
Ranked = list[tuple[int, float]]  # (docnum, score), best first


class Forward:
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


class Collection:
    """What BM25F needs to know about one open index, and each term's postings (read once).

    Postings come from `forward` when it holds every live document, else from the index;
    document frequencies from `stats` when given, else from the index.
    """

    def __init__(
        self, reader: Any, forward: Forward | None = None, stats: TermStats | None = None
    ) -> None:
        self.reader = reader
        self.forward = forward
        self.stats = stats if stats is not None else reader
        self.count = int(reader.doc_count_all())
        weighting = scoring.BM25F()  # the model (and defaults) whoosh searches with
        self.b, self.k1 = float(weighting.B), float(weighting.K1)
        self._lengths: dict[str, list[int]] = {}

    def idf(self, field: str, word: str) -> float:
        """whoosh's inverse document frequency (deleted documents still count, as there)."""
        return math.log(self.count / (self.stats.doc_frequency(field, word) + 1)) + 1

    def average(self, field: str) -> float:
        """The mean length of `field` over the collection (1 when empty)."""
        return self.reader.field_length(field) / (self.count or 1) or 1.0

    def lengths(self, field: str) -> list[int]:
        """Each document's length of `field`, by docnum, as whoosh's scorer reads it."""
        found = self._lengths.get(field)
        if found is None:
            found = [0] * self.count
            for leaf, base in self.reader.leaf_readers():
                for docnum in range(leaf.doc_count_all()):
                    found[base + docnum] = leaf.doc_field_length(docnum, field, 1) or 0
            self._lengths[field] = found
        return found

    def postings(self, field: str, word: str) -> Postings:
        """(docnums, weights) of every live document holding `word` in `field`."""
        if self.forward is not None:
            return self.forward.tables[field].get(word) or ((), ())
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


class Sums:
    """Weighted sums of term scores in plain Python, for a few documents."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection
        self._scores: dict[tuple[str, str], Postings] = {}

    def term(self, field: str, word: str) -> Postings:
        """(docnums, BM25F score of `word` in each), computed once per term."""
        key = (field, word)
        found = self._scores.get(key)
        if found is None:
            c = self.collection
            docs, weights = c.postings(field, word)
            idf, average, lengths = c.idf(field, word), c.average(field), c.lengths(field)
            b, k1 = c.b, c.k1
            scores = [
                idf * (tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths[d] / average))
                for d, tf in zip(docs, weights, strict=True)
            ]
            found = self._scores[key] = (docs, scores)
        return found

    def best(self, terms: list[KeyTerm], skip: int, limit: int) -> Ranked:
        """The `limit` best documents but `skip` for the weighted OR of `terms`."""
        total: dict[int, float] = {}
        for field, word, boost in terms:
            docs, scores = self.term(field, word)
            for docnum, score in zip(docs, scores, strict=True):
                total[docnum] = total.get(docnum, 0.0) + score * boost
        total.pop(skip, None)
        ranked = heapq.nsmallest(limit, ((-s, d) for d, s in total.items() if s > 0))
        return [(docnum, -score) for score, docnum in ranked]


class ArraySums:
    """The same sums with numpy: one weighted bincount per document, for batches."""

    def __init__(self, collection: Collection) -> None:
        import numpy as np

        self.np = np
        self.collection = collection
        self._scores: dict[tuple[str, str], tuple[npt.NDArray[Any], npt.NDArray[Any]]] = {}
        self._lengths: dict[str, npt.NDArray[np.float64]] = {}

    def term(self, field: str, word: str) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        """(docnums, BM25F score of `word` in each) as arrays, computed once per term."""
        key = (field, word)
        found = self._scores.get(key)
        if found is None:
            np, c = self.np, self.collection
            docs, weights = c.postings(field, word)
            ids = np.asarray(docs, np.int64)
            tf = np.asarray(weights, np.float64)
            lengths = self._lengths.get(field)
            if lengths is None:
                lengths = self._lengths[field] = np.asarray(c.lengths(field), np.float64)
            idf, average, b, k1 = c.idf(field, word), c.average(field), c.b, c.k1
            norm = k1 * ((1 - b) + b * lengths[ids] / average)
            found = self._scores[key] = (ids, idf * (tf * (k1 + 1)) / (tf + norm))
        return found

    def best(self, terms: list[KeyTerm], skip: int, limit: int) -> Ranked:
        """The `limit` best documents but `skip` for the weighted OR of `terms`."""
        np = self.np
        parts = [(self.term(field, word), boost) for field, word, boost in terms]
        docs = np.concatenate([ids for (ids, _), _ in parts])
        weights = np.concatenate([scores * boost for (_, scores), boost in parts])
        total = np.bincount(docs, weights=weights, minlength=self.collection.count)
        total[skip] = 0.0
        matching = int(np.count_nonzero(total > 0))
        if not matching or limit < 1:
            return []
        take = min(limit, matching)
        # The take-th highest score; documents tied with it compete on docnum.
        cut = -np.partition(-total, take - 1)[take - 1]
        candidates = np.flatnonzero(total >= cut).tolist()
        ranked = sorted(candidates, key=lambda docnum: (-total[docnum], docnum))[:take]
        return [(docnum, float(total[docnum])) for docnum in ranked]


class SearchWeighting(scoring.BM25F):  # type: ignore[misc]
    """whoosh's BM25F, its scores unchanged, with each document's field lengths kept.

    whoosh's scorer reads a document's field length from the index file at every score
    (a seek and a read, as the index is opened without memory maps): a search that
    scores thousands of documents reads thousands of them, and the next search reads
    them again. This one asks whoosh once per document and field for the life of the
    searcher it is given to.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lengths: dict[tuple[int, str], dict[int, int]] = {}
        self._readers: list[Any] = []  # kept alive, so no reader's id is reused

    def scorer(self, searcher: Any, fieldname: str, text: str, qf: float = 1) -> Any:
        """whoosh's scorer for the term, reading lengths through the kept ones."""
        found = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(found, scoring.WeightLengthScorer) and hasattr(found, "dfl"):
            reader = searcher.reader()
            key = (id(reader), fieldname)
            kept = self._lengths.get(key)
            if kept is None:
                kept = self._lengths[key] = {}
                self._readers.append(reader)
            read = found.dfl

            def length(docnum: int) -> int:
                value = kept.get(docnum)
                if value is None:
                    value = kept[docnum] = read(docnum)
                return value

            found.dfl = length
        return found
