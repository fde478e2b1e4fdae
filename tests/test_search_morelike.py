"""Similar documents: key-term "more like this", one at a time and for every document."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from search_helpers import INCIDENTS, Doc, write_doc, write_example_kb, write_kb
from whoosh import query

from kb.errors import UsageError
from kb.knowledge import load_knowledge_base
from kb.models import Postmortem
from kb.search import SearchIndex, bm25, morelike, similar, similar_map, update_index
from kb.search.keyterms import KeyTerms

TWIN = Doc(
    "PM-2025-020",
    "Payments connection pool exhausted by a retry loop",
    "## Summary\n\nThe payments service ran out of database connections: a retry loop\n"
    "kept connections open while the pool was exhausted.\n",
    categories=["capacity", "datastore"],
    services=["payments"],
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    settings = write_kb(tmp_path_factory.mktemp("kb"), [*INCIDENTS, TWIN])
    update_index(settings)
    with SearchIndex(settings) as opened:
        yield opened


def test_the_closest_document_comes_first_and_never_itself(index: SearchIndex) -> None:
    found = similar(index, "PM-2025-001", limit=3)
    assert found[0][0] == "PM-2025-020"
    assert "PM-2025-001" not in [doc_id for doc_id, _ in found]
    scores = [score for _, score in found]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert len(found) == 3


def test_batch_gives_the_same_answers(index: SearchIndex) -> None:
    every = similar_map(index, limit=3)
    assert set(every) == {d.id for d in [*INCIDENTS, TWIN]}
    for doc_id, found in every.items():
        assert found == similar(index, doc_id, limit=3)
    assert similar_map(index.settings, ["PM-2025-001"], limit=2) == {
        "PM-2025-001": every["PM-2025-001"][:2]
    }
    assert similar_map(index, ["pm-2025-020"], limit=1) == {
        "pm-2025-020": [("PM-2025-001", every["PM-2025-020"][0][1])]
    }


def test_unknown_id(index: SearchIndex) -> None:
    with pytest.raises(UsageError, match=r"no document has id 'PM-2025-02' \(did you mean"):
        similar(index, "PM-2025-02")


def test_scores_are_whoosh_bm25f_over_the_key_terms(index: SearchIndex) -> None:
    # The batch scores in numpy; whoosh scoring the same OR query over every
    # document must agree on the order and the scores.
    searcher = index.searcher
    keys = KeyTerms(searcher.reader())
    every = similar_map(index, limit=4)
    for doc_id, found in every.items():
        docnum = searcher.document_number(id=doc_id.lower())
        terms = keys.of(docnum, searcher.stored_fields(docnum))
        like = query.Or([query.Term(field, word, boost=boost) for field, word, boost in terms])
        hits = searcher.search(like, limit=None, mask={docnum})
        assert found == [(hit["id"], round(hit.score, 4)) for hit in hits][:4]


@pytest.mark.parametrize("array_min", [morelike.ARRAY_MIN, 1])
def test_removed_and_changed_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, array_min: int
) -> None:
    # With array_min 1 the batch also reads the collection statistics in one pass
    # (TermStats), which must count deleted documents as whoosh's lookups do.
    monkeypatch.setattr(morelike, "ARRAY_MIN", array_min)
    settings = write_kb(tmp_path, [*INCIDENTS, TWIN])
    update_index(settings)
    (settings.content_dir / TWIN.path).unlink()
    changed = INCIDENTS[1]
    write_doc(tmp_path, replace(changed, body=changed.body + "\nThe pool was exhausted.\n"))
    assert update_index(settings).updated == 1
    with SearchIndex(settings) as opened:
        assert opened.searcher.reader().has_deletions()  # old versions are only marked
        every = similar_map(opened, limit=5)
        assert set(every) == {d.id for d in INCIDENTS}
        for doc_id, found in every.items():
            assert TWIN.id not in [other for other, _ in found]
            assert found == similar(opened, doc_id, limit=5)


# ------------------------------------------------ the example content

# Documents of the example content and the one that must come first: each pair is
# linked in the content itself, by `related` or by a realised pre-mortem risk.
LINKED_FIRST = {
    "PM-2025-004": "PM-2026-006",  # OOMKilled after a shared chart / DNS after an add-on chart
    "PM-2025-005": "PRE-2025-002",  # Lyon slots oversold / the Lyon same-day pre-mortem
    "PM-2025-008": "PRE-2025-003",  # accented queries found nothing / the OpenSearch pre-mortem
    "PM-2026-007": "PM-2025-003",  # orders database failover / its Postgres 16 upgrade
    "PRE-2025-001": "PM-2025-003",  # the Postgres 16 pre-mortem / the upgrade's incident
    "PM-2026-008": "PRE-2026-001",  # loyalty points credited twice / the loyalty pre-mortem
}


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    settings = write_example_kb(tmp_path_factory.mktemp("larkspur"))
    update_index(settings)
    with SearchIndex(settings) as opened:
        yield opened


def _links(example: SearchIndex) -> dict[str, set[str]]:
    """id -> the documents it is linked with, in either direction."""
    links: dict[str, set[str]] = {}
    for doc in load_knowledge_base(example.settings).documents:
        if isinstance(doc.meta, Postmortem):
            refs = {*doc.meta.related, *(r.split("#")[0] for r in doc.meta.premortem_risks)}
            for ref in refs:
                links.setdefault(doc.id, set()).add(ref)
                links.setdefault(ref, set()).add(doc.id)
    return links


@pytest.mark.parametrize(("doc_id", "expected"), LINKED_FIRST.items())
def test_example_content_most_similar_is_the_linked_one(
    example: SearchIndex, doc_id: str, expected: str
) -> None:
    assert similar(example, doc_id, limit=1)[0][0] == expected


def test_example_content_every_linked_document_finds_a_link(example: SearchIndex) -> None:
    links = _links(example)
    every = similar_map(example, limit=5)
    assert len(links) >= 20
    firsts = 0
    for doc_id, linked in links.items():
        found = [other for other, _ in every[doc_id]]
        assert linked & set(found), f"{doc_id}: none of {sorted(linked)} in {found}"
        firsts += found[0] in linked
    assert firsts >= 0.8 * len(links)


def test_example_content_batch_agrees_with_one_at_a_time(example: SearchIndex) -> None:
    # The whole-collection batch gathers postings from what it reads; asking for
    # ids reads them from the index. Both must give the same answers.
    every = similar_map(example, limit=5)
    assert similar_map(example, list(every), limit=5) == every


def test_python_and_numpy_sums_agree_to_the_last_bit(example: SearchIndex) -> None:
    searcher = example.searcher
    reader = searcher.reader()
    keys = KeyTerms(reader)
    forward = bm25.Forward()
    docs = [(n, keys.of(n, fields, forward.add)) for n, fields in reader.iter_docs()]
    plain = bm25.Sums(bm25.Collection(reader))
    arrays = bm25.ArraySums(bm25.Collection(reader, forward))
    for docnum, terms in docs:
        ranked = plain.best(terms, docnum, len(docs))
        assert len(ranked) > 5
        assert arrays.best(terms, docnum, len(docs)) == ranked


def test_the_batch_size_picks_the_adder_not_the_answer(
    example: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = similar_map(example, limit=5)
    monkeypatch.setattr(morelike, "ARRAY_MIN", 1)
    assert similar_map(example, limit=5) == plain
    assert similar(example, "PM-2025-003", limit=5) == plain["PM-2025-003"]


def test_why_names_what_went_wrong_and_the_shared_words(index: SearchIndex) -> None:
    reasons = morelike.why(index, "PM-2025-001", "PM-2025-020")
    assert reasons.categories == ("capacity", "datastore")
    assert reasons.trigger == "code-deploy" and reasons.services == ()
    assert {"pool", "exhausted"} <= set(reasons.words)  # as the document writes them
    assert reasons.reasons()[:2] == [
        "same categories: capacity, datastore",
        "same trigger: code-deploy",
    ]
    assert morelike.why(index, "PM-2025-001", "PM-2024-007").categories == ("datastore",)
