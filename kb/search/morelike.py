"""Documents like a given one: key-term "more like this", over several fields.

For each document, its key terms (kb.search.keyterms) make a weighted OR query
that is scored with BM25F over every document, exactly as whoosh would score
it (kb.search.bm25). Rather than one whoosh search per document, each term's
scores are computed once for the whole batch and summed per document: with
numpy for big batches, in plain Python for a few documents. A batch over the
whole collection gathers the postings from the term vectors and fields it
reads for the key terms anyway, so it reads each document once and no posting
list at all.

`similar` is `similar_map` for one id: the command line and the site rank with
the same function.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kb.config import Settings
from kb.errors import UsageError
from kb.search.bm25 import ArraySums, Collection, Forward, Sums
from kb.search.keyterms import KeyTerms, TermStats
from kb.search.searcher import SearchIndex
from kb.text import closest

Similar = list[tuple[str, float]]  # (document id, score), best first

# From this many documents on, sums go through numpy: its import (about 0.1 s)
# pays for itself, and at 10,000 documents a batch adds up some 240 million scores.
ARRAY_MIN = 100


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
    forward = stats = None
    if ids is None:
        docs = [(str(f["id"]), n, f) for n, f in reader.iter_docs()]
        forward = Forward()
        stats = TermStats(reader) if len(docs) >= ARRAY_MIN else None
    else:
        docs = [(doc_id, *_find(index, doc_id)) for doc_id in ids]
    keys = KeyTerms(reader, stats)
    sink = forward.add if forward is not None else None
    wanted = [(doc_id, docnum, keys.of(docnum, fields, sink)) for doc_id, docnum, fields in docs]
    collection = Collection(reader, forward, stats)
    sums = ArraySums(collection) if len(docs) >= ARRAY_MIN else Sums(collection)
    names = {docnum: doc_id for doc_id, docnum, _ in docs} if ids is None else {}
    out: dict[str, Similar] = {}
    for doc_id, docnum, terms in wanted:
        best = sums.best(terms, docnum, limit) if terms and limit >= 1 else []
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


__all__ = ["ARRAY_MIN", "Similar", "similar", "similar_map"]
