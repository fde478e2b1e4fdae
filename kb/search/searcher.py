"""Reading the index: full-text search with filters, and the hits as people see them.

Opening an index reads no document and imports no pydantic: a search on an
up-to-date index costs the whoosh query plus one file read per hit shown (for
its snippet).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from whoosh import collectors, query
from whoosh.filedb.filestore import FileStorage

from kb.concepts import Thesaurus
from kb.config import Settings
from kb.errors import SearchError
from kb.search import store, vocab
from kb.search.bm25 import SearchWeighting
from kb.search.expand import Expansion, concept_terms, expand
from kb.search.query import Filters, filter_query, parse
from kb.search.schema import SCHEMA
from kb.search.snippets import Snippet, best_line, highlight

TEXT_FIELDS = ("title", "summary", "body", "actions", "risks")


@dataclass
class Hit:
    """One matching document, with what a result list shows about it."""

    id: str
    type: str
    title: str
    date: dt.date
    severity: str | None
    status: str
    categories: list[str]
    services: list[str]
    summary: str
    path: Path  # absolute
    score: float
    snippet: Snippet | None = None
    inferred: list[str] = field(default_factory=list)  # inferred from the text, not listed
    trigger: str | None = None

    def as_dict(self, shown_path: str) -> dict[str, Any]:
        """Plain data for JSON output; `shown_path` is the path as people see it."""
        return {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "date": self.date.isoformat(),
            "severity": self.severity,
            "status": self.status,
            "categories": self.categories,
            "inferred_categories": self.inferred,
            "services": self.services,
            "path": shown_path,
            "line": self.snippet.line if self.snippet else None,
            "score": round(self.score, 4),
            "snippet": self.snippet.as_dict() if self.snippet else None,
        }


@dataclass
class Results:
    """The hits of one search, and hints when there are none."""

    query: str
    hits: list[Hit]
    total: int  # matching documents, of which `hits` are the best
    suggestions: list[str] = field(default_factory=list)  # corrected query strings
    notes: list[str] = field(default_factory=list)  # why nothing matched, when known
    concepts: list[Expansion] = field(default_factory=list)  # what the query expanded to


def _split(value: object) -> list[str]:
    return [v for v in str(value or "").split(",") if v]


class SearchIndex:
    """An open index of one knowledge base; use as a context manager."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._searcher, self._folder = _open(settings.index_dir)
        self._thesaurus: Thesaurus | None = None

    @property
    def thesaurus(self) -> Thesaurus:
        """The taxonomy's concepts as the index was built with them."""
        if self._thesaurus is None:
            concepts, _ = vocab.load(self._folder)
            self._thesaurus = Thesaurus(concepts)
        return self._thesaurus

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the index files."""
        self._searcher.close()

    @property
    def searcher(self) -> Any:
        """The whoosh searcher (for kb.search modules only)."""
        return self._searcher

    def __len__(self) -> int:
        return int(self._searcher.doc_count())

    def ids(self) -> list[str]:
        """Every indexed document id, in index order."""
        return [str(fields["id"]) for fields in self._searcher.all_stored_fields()]

    def get(self, doc_id: str) -> Hit | None:
        """The indexed document with this id, if any."""
        found = self._searcher.document(id=doc_id.strip().lower())
        return self.hit(found, 0.0) if found else None

    def search(
        self, text: str, filters: Filters | None = None, limit: int = 10, *, exact: bool = False
    ) -> Results:
        """The best `limit` documents for a query string; '*' lists every document, newest first.

        Unless `exact`, a query that names a taxonomy concept also finds, at a lower weight,
        documents about it in other words (kb.search.expand).
        """
        parsed = parse(text)
        allowed = filter_query(filters or Filters())
        newest_first = isinstance(parsed, query.Every)
        searched, concepts = parsed, list[Expansion]()
        if not exact:
            searched, concepts = expand(parsed, text, self.thesaurus, self._searcher.reader())
        found, total = _collect(
            self._searcher, searched, allowed, max(1, limit), "date" if newest_first else None
        )
        stems, prefixes = self._highlight_terms(parsed)
        # A hit found only through a concept shows where the concept's words are.
        wider: set[str] = set()
        if concepts:
            named = [self.thesaurus.concept(c.kind, c.slug) for c in concepts]
            wider = concept_terms([c for c in named if c is not None]) - stems
        hits = [self.hit(h.fields(), h.score or 0.0, stems, prefixes, wider) for h in found]
        results = Results(text, hits, total, concepts=concepts)
        from kb.search.suggest import explain_nothing, respelled

        if not hits:
            results.suggestions, results.notes = explain_nothing(
                self, text, parsed, filters or Filters()
            )
        else:
            # Some words may still be unknown (OR-ed words let the others match).
            better = respelled(self, text, parsed)
            results.suggestions = [better] if better else []
        return results

    def _highlight_terms(self, parsed: Any) -> tuple[set[str], list[str]]:
        # Not Query.existing_terms(): in whoosh 2.7 its loop variable shadows its
        # `fieldname` argument, so it drops every field but the first one it meets.
        stems: set[str] = set()
        prefixes: list[str] = []
        reader = self._searcher.reader()
        for leaf in parsed.leaves():
            if isinstance(leaf, query.Prefix) and leaf.fieldname in TEXT_FIELDS:
                prefixes.append(str(leaf.text))
                continue
            for fieldname, text in leaf.terms(phrases=True):
                if fieldname in TEXT_FIELDS and (fieldname, text) in reader:
                    stems.add(str(text))
        return stems, prefixes

    def hit(
        self,
        stored: dict[str, Any],
        score: float,
        stems: set[str] | None = None,
        prefixes: list[str] | None = None,
        wider: set[str] | None = None,
    ) -> Hit:
        """A Hit from a document's stored fields, with its snippet when terms are given.

        The snippet shows the query's own words; `wider` terms (a concept's) only when
        the document holds none of those.
        """
        when = stored.get("date")
        hit = Hit(
            id=str(stored["id"]),
            type=str(stored["type"]),
            title=str(stored.get("title", "")),
            date=when.date() if isinstance(when, dt.datetime) else dt.date.min,
            severity=stored.get("severity"),
            status=str(stored.get("status", "")),
            categories=_split(stored.get("categories")),
            services=_split(stored.get("services")),
            trigger=stored.get("trigger") or None,
            summary=str(stored.get("summary", "")),
            path=self.settings.content_dir / str(stored["path"]),
            score=float(score),
        )
        hit.inferred = [c for c in _split(stored.get("inferred")) if c not in hit.categories]
        if stems is not None:
            hit.snippet = _snippet(hit, stems, prefixes or [], wider or set())
        return hit


def _collect(
    searcher: Any, parsed: Any, allowed: Any, limit: int, sortedby: str | None
) -> tuple[Any, int]:
    """whoosh's top `limit` results of `parsed`, and the number of matching documents.

    Every match is scored: no block skipping, and no dropping the words of an OR query
    that seem unable to lift a document into the top `limit`. That pruning lost
    documents whose words add up to a top score (on a 10,000-document corpus, 38 of
    412 queries had a wrong top 10), left the total counting only what it had not
    pruned (the total grew with --limit), and its bookkeeping cost more than it saved
    (in-process p95 159 -> 94 ms). One plain pass gives the top documents and counts
    every match.
    """
    if sortedby is None:
        top = collectors.TopCollector(limit, usequality=False, replace=0)
        collector = top if allowed is None else collectors.FilterCollector(top, allowed)
    else:
        collector = searcher.collector(limit=limit, sortedby=sortedby, reverse=True, filter=allowed)
    searcher.search_with_collector(parsed, collector)
    found = collector.results()
    return found, len(found)


def _snippet(hit: Hit, stems: set[str], prefixes: list[str], wider: set[str]) -> Snippet | None:
    from kb.source import split

    try:
        parts = split(hit.path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        parts = None
    text = hit.summary or hit.title
    for terms in (stems, wider):
        if not terms and not prefixes:
            continue
        if parts is not None:
            found = best_line(parts.body, parts.body_first_line, terms, prefixes)
            if found is not None:
                return found
        if text and (shown := highlight(text, terms, prefixes)).spans:
            return shown
    return highlight(text, stems, prefixes) if text else None


def _open(index_dir: Path) -> tuple[Any, Path]:
    """A whoosh searcher on the current generation and its folder (retried once if a writer
    swapped it)."""
    for attempt in (1, 2):
        folder = store.current(index_dir)
        if folder is None:
            raise SearchError(f"{index_dir}: there is no index yet; run `kb index`")
        try:
            # Without mmap: whoosh copies every memory-mapped part of a segment into a
            # BytesIO when it opens it (45 ms at 10,000 documents); plain reads copy
            # only the blocks a search touches.
            storage = FileStorage(str(folder), supports_mmap=False, readonly=True)
            return storage.open_index(schema=SCHEMA).searcher(weighting=SearchWeighting()), folder
        except Exception as err:  # whoosh raises many kinds on a broken index
            if attempt == 2:
                raise SearchError(
                    f"{folder}: the index cannot be read ({type(err).__name__}: {err}); "
                    "run `kb index --rebuild`"
                ) from None
    raise AssertionError("unreachable")
