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

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kb.config import Settings
from kb.errors import UsageError
from kb.search.bm25 import ArraySums, Collection, Forward, Sums
from kb.search.keyterms import KeyTerms, TermStats
from kb.search.schema import SCHEMA
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


@dataclass(frozen=True)
class Why:
    """What two documents have in common: what went wrong, and the words."""

    categories: tuple[str, ...]  # chosen by the authors of both
    inferred: tuple[str, ...]  # shared, but inferred from the text of at least one
    trigger: str | None
    services: tuple[str, ...]
    words: tuple[str, ...]  # key words of the first document the second one uses too

    def reasons(self) -> list[str]:
        """One short phrase per kind of evidence, strongest first."""
        out = []
        if self.categories:
            out.append("same categories: " + ", ".join(self.categories))
        if self.inferred:
            out.append("both about: " + ", ".join(self.inferred) + " (inferred)")
        if self.trigger:
            out.append(f"same trigger: {self.trigger}")
        if self.services:
            out.append("same services: " + ", ".join(self.services))
        if self.words:
            out.append("shared words: " + ", ".join(self.words))
        return out

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {
            "categories": list(self.categories),
            "inferred": list(self.inferred),
            "trigger": self.trigger,
            "services": list(self.services),
            "words": list(self.words),
        }


WHY_WORDS = 5


def why(index: SearchIndex, doc_id: str, other_id: str) -> Why:
    """Why `other_id` is like `doc_id`: shared categories, trigger, services and key words."""
    searcher = index.searcher
    reader = searcher.reader()
    first, mine = _find(index, doc_id)
    second, theirs = _find(index, other_id)

    def values(stored: dict[str, Any], field: str) -> list[str]:
        return [v for v in str(stored.get(field) or "").split(",") if v]

    labelled = [c for c in values(mine, "categories") if c in values(theirs, "categories")]
    about_mine = values(mine, "categories") + values(mine, "inferred")
    about_theirs = values(theirs, "categories") + values(theirs, "inferred")
    inferred = [c for c in dict.fromkeys(about_mine) if c in about_theirs and c not in labelled]
    trigger = mine.get("trigger") if mine.get("trigger") == theirs.get("trigger") else None
    services = [s for s in values(mine, "services") if s in values(theirs, "services")]
    words: list[str] = []
    other = _words(reader, second, theirs)
    for field, word, _ in KeyTerms(reader).of(first, mine):
        if field not in ("title", "summary", "body") or word in words or word not in other:
            continue
        if len(word) > 2 and not word.isdigit():  # "08", "52": times and counts say little
            words.append(word)
    return Why(
        tuple(labelled),
        tuple(inferred),
        str(trigger) if trigger and trigger != "unknown" else None,
        tuple(services),
        tuple(_surface(index, mine, words[:WHY_WORDS])),
    )


def _words(reader: Any, docnum: int, stored: dict[str, Any]) -> set[str]:
    """Every word (stem) of a document's title, summary and body."""
    found: set[str] = set()
    for name in ("title", "summary", "body"):
        if reader.has_vector(docnum, name):
            found.update(str(w) for w, _ in reader.vector_as("weight", docnum, name))
        else:
            found.update(t.text for t in SCHEMA[name].analyzer(str(stored.get(name) or "")))
    return found


def _surface(index: SearchIndex, stored: dict[str, Any], stems: list[str]) -> list[str]:
    """Each stem as the document first writes it ('exhaust' -> 'exhausted')."""
    texts = [str(stored.get("title") or ""), str(stored.get("summary") or "")]
    with contextlib.suppress(OSError, UnicodeDecodeError):
        texts.append((index.settings.content_dir / str(stored["path"])).read_text("utf-8"))
    wanted, found = set(stems), {}
    analyzer = SCHEMA["body"].analyzer
    for text in texts:
        for token in analyzer(text, chars=True, mode="query"):
            if token.text in wanted and token.text not in found:
                found[token.text] = text[token.startchar : token.endchar].lower()
    return [found.get(stem, stem) for stem in stems]


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


__all__ = ["ARRAY_MIN", "Similar", "Why", "similar", "similar_map", "why"]
