"""Key terms: frequent in the document, rare in the collection, weighted per field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from search_helpers import INCIDENTS, Doc, write_kb
from whoosh import classify
from whoosh.matching import ListMatcher

from kb.search import SearchIndex, update_index
from kb.search.keyterms import SIMILAR_FIELDS, KeyTerm, KeyTerms, vector_weights

POOL = Doc(
    "PM-2025-030",
    "Pool exhausted again",
    "## Summary\n\nThe pool was exhausted. Pool limits were too low; the pool queue grew.\n",
    summary="Connection limits were too low for the queue.",
    categories=["capacity"],
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    settings = write_kb(tmp_path_factory.mktemp("kb"), [*INCIDENTS, POOL])
    update_index(settings)
    with SearchIndex(settings) as opened:
        yield opened


def _terms(index: SearchIndex, doc_id: str) -> list[KeyTerm]:
    searcher = index.searcher
    docnum = searcher.document_number(id=doc_id.lower())
    return KeyTerms(searcher.reader()).of(docnum, searcher.stored_fields(docnum))


def test_the_best_term_of_each_field_weighs_the_field_boost(index: SearchIndex) -> None:
    terms = _terms(index, POOL.id)
    fields = {field for field, _, _ in terms}
    # What the document has: no services nor inferred categories here.
    assert fields == set(SIMILAR_FIELDS) - {"services", "inferred"}
    for field in fields:
        weights = [weight for f, _, weight in terms if f == field]
        count, boost = SIMILAR_FIELDS[field]
        assert weights[0] == boost and weights == sorted(weights, reverse=True)
        assert len(weights) <= count
    body = [word for field, word, _ in terms if field == "body"]
    assert body[0] == "pool"  # three times in a short body, and in few other documents


def test_ranking_follows_whoosh_bo1(index: SearchIndex) -> None:
    reader = index.searcher.reader()
    docnum = index.searcher.document_number(id=POOL.id.lower())
    model = classify.Bo1Model(reader.doc_count_all(), reader.field_length("body"))
    vector = dict(reader.vector_as("weight", docnum, "body"))
    total = sum(vector.values())
    expected = sorted(
        vector,
        key=lambda w: (-model.score(vector[w], reader.frequency("body", w), total), w),
    )[: SIMILAR_FIELDS["body"][0]]
    assert [word for field, word, _ in _terms(index, POOL.id) if field == "body"] == expected


def test_the_sink_hears_every_word_of_every_field(index: SearchIndex) -> None:
    searcher = index.searcher
    docnum = searcher.document_number(id=POOL.id.lower())
    heard: dict[str, dict[str, float]] = {}
    KeyTerms(searcher.reader()).of(
        docnum,
        searcher.stored_fields(docnum),
        lambda field, n, items: heard.setdefault(field, dict(items)),
    )
    assert heard["body"]["pool"] == 3.0
    assert heard["title"] == {"pool": 1.0, "exhaust": 1.0, "again": 1.0}
    # Analysed as the index analyses it: stemmed, lower-cased, stop words ('the', 'for') gone.
    assert set(heard["summary"]) == {"connect", "limit", "were", "too", "low", "queue"}
    assert heard["categories"] == {"capacity": 1.0}


def test_vectors_read_by_block_match_whoosh_term_by_term(tmp_path: Path) -> None:
    # Words like "wabcd" are not English stems' prey, so the body keeps 600 distinct terms,
    # several of whoosh's 128-posting blocks; some repeat so weights differ.
    words = ["w" + "".join(chr(97 + (n // 26**k) % 26) for k in range(3)) for n in range(600)]
    long_body = "## Notes\n\n" + " ".join(words + words[::7] + words[::13]) + "\n"
    docs = [*INCIDENTS, POOL, Doc("PM-2025-040", "Long notes", long_body)]
    settings = write_kb(tmp_path, docs)
    update_index(settings)
    with SearchIndex(settings) as opened:
        reader = opened.searcher.reader()
        seen = 0
        for docnum in reader.all_doc_ids():
            for field in SIMILAR_FIELDS:
                if not reader.has_vector(docnum, field):
                    continue
                expected = list(reader.vector_as("weight", docnum, field))
                assert vector_weights(reader.vector(docnum, field)) == expected
                seen = max(seen, len(expected))
        assert seen >= 600  # the long body spanned several blocks
    # Any other matcher is read through its public interface.
    other = ListMatcher([b"a", b"b"], [2.0, 1.0])
    assert vector_weights(other) == [(b"a", 2.0), (b"b", 1.0)]
