"""A document's key terms: the words frequent in it and rare in the collection.

Terms are ranked per field with whoosh's Bo1 expansion model (divergence from
randomness) and weighted relative to the best term of their field, as whoosh's
own "more like this" does. Collection statistics are looked up once per word
and shared by every document of a batch.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from math import log
from typing import Any

from kb.search.schema import SCHEMA

# field -> (key terms taken from it, weight of its terms in the query). Besides the
# text, what went wrong: the categories authors chose and those inferred from the text,
# the trigger, and the services it hit.
SIMILAR_FIELDS: dict[str, tuple[int, float]] = {
    "title": (4, 2.0),
    "summary": (6, 1.5),
    "body": (12, 1.0),
    "categories": (6, 1.5),
    "inferred": (5, 1.0),
    "trigger": (1, 1.0),
    "services": (4, 1.0),
}

KeyTerm = tuple[str, str, float]  # (field, word, weight)
# Hears every (word, weight in the document) of one document's field as it is read.
Sink = Callable[[str, int, list[tuple[str, float]]], None]


class TermStats:
    """Every term's collection frequency and document frequency in the similarity fields.

    Read in one pass over each segment's term dictionary: for a whole-collection
    batch that is a small fraction of looking up thousands of terms one by one,
    each in every segment. The sums are whoosh's own (deleted documents still
    count), added in the same order, so the numbers are the same to the last bit.
    """

    def __init__(self, reader: Any) -> None:
        self.table: dict[str, dict[str, tuple[float, int]]] = {f: {} for f in SIMILAR_FIELDS}
        for leaf, _base in reader.leaf_readers():
            for field, table in self.table.items():
                if field not in leaf.schema:
                    continue
                decode = leaf.schema[field].from_bytes
                for raw, info in leaf.iter_field(field):
                    word = decode(raw)
                    weight, docs = table.get(word, (0, 0))
                    table[word] = (weight + info.weight(), docs + info.doc_frequency())

    def frequency(self, field: str, word: str) -> float:
        """How often `word` occurs in `field` across the collection."""
        return self.table[field].get(word, (0, 0))[0]

    def doc_frequency(self, field: str, word: str) -> int:
        """How many documents hold `word` in `field`."""
        return self.table[field].get(word, (0, 0))[1]


# What whoosh's on-disk posting reader keeps per block; `vector_weights` reads whole blocks
# through them and leaves every other reader to the matcher's public interface.
_BLOCK_PARTS = ("_ids", "_weights", "_i", "_blocklength", "_read_ids", "_read_weights")


def vector_weights(vec: Any) -> list[tuple[Any, float]]:
    """A term vector's (term, weight) pairs, as `reader.vector_as("weight", ...)` yields them.

    whoosh's own iteration costs a few method calls per term (2.5 million terms for the
    similar incidents of 10,000 documents: most of that batch's time); for its on-disk
    matcher this takes each block's decoded ids and weights at once, and lets the matcher
    move to the next block itself.
    """
    items: list[tuple[Any, float]] = []
    if not all(hasattr(vec, part) for part in _BLOCK_PARTS):
        while vec.is_active():
            items.append((vec.id(), vec.weight()))
            vec.next()
        return items
    while vec.is_active():
        if vec._ids is None:
            vec._read_ids()
        if vec._weights is None:
            vec._read_weights()
        end = vec._blocklength
        items.extend(zip(vec._ids[vec._i : end], vec._weights[vec._i : end], strict=True))
        vec._i = end - 1
        vec.next()  # past the block's last posting: the matcher loads the next block
    return items


def posting_ids(matcher: Any) -> list[int]:
    """Every document id of a posting matcher, a block at a time where whoosh allows it
    (as `vector_weights` reads term vectors); any other matcher id by id."""
    ids: list[int] = []
    if not all(hasattr(matcher, part) for part in _BLOCK_PARTS):
        while matcher.is_active():
            ids.append(matcher.id())
            matcher.next()
        return ids
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        end = matcher._blocklength
        ids.extend(matcher._ids[matcher._i : end])
        matcher._i = end - 1
        matcher.next()
    return ids


class KeyTerms:
    """Key terms of the documents of one open index.

    Collection statistics come from the reader, or from `stats` read in one pass.
    """

    def __init__(self, reader: Any, stats: TermStats | None = None) -> None:
        self.reader = reader
        self.stats = stats if stats is not None else reader
        self.count = float(reader.doc_count_all())
        # field -> word -> the two Bo1 factors that depend on the collection only
        # (an empty tuple for a word the collection does not hold)
        self._factors: dict[str, dict[str, tuple[float, ...]]] = {f: {} for f in SIMILAR_FIELDS}

    def _bo1(self, field: str, word: str) -> tuple[float, ...]:
        frequency = self.stats.frequency(field, word)
        found: tuple[float, ...] = ()
        if frequency:
            f = frequency / self.count
            # Bo1: weight * log2((1 + f) / f) + log2(1 + f), as whoosh.classify computes it
            found = (log((1.0 + f) / f, 2), log(1.0 + f, 2))
        self._factors[field][word] = found
        return found

    def _weights(
        self, docnum: int, field: str, stored: dict[str, Any]
    ) -> Iterable[tuple[str, float]]:
        if self.reader.has_vector(docnum, field):
            return vector_weights(self.reader.vector(docnum, field))
        weights: dict[str, float] = {}
        text = stored.get(field)
        if text:
            # Fields without term vectors are short and stored: analyse their text again.
            for token in SCHEMA[field].analyzer(str(text)):
                weights[token.text] = weights.get(token.text, 0.0) + 1.0
        return weights.items()

    def of(self, docnum: int, stored: dict[str, Any], sink: Sink | None = None) -> list[KeyTerm]:
        """The key terms of one document, best first within each field."""
        terms: list[KeyTerm] = []
        for field, (count, boost) in SIMILAR_FIELDS.items():
            known = self._factors[field]
            ranked = []
            items = list(self._weights(docnum, field, stored))
            if sink is not None:
                sink(field, docnum, items)
            for word, weight in items:
                factors = known.get(word)
                if factors is None:
                    factors = self._bo1(field, word)
                if factors:
                    ranked.append((-(weight * factors[0] + factors[1]), word))
            top = heapq.nsmallest(count, ranked)  # best score first, then alphabetical
            if not top or top[0][0] >= 0:
                continue
            best = -top[0][0]
            terms.extend((field, word, boost * -score / best) for score, word in top)
        return terms
