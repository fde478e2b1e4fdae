"""Similar incidents by shared categories, services and tags, in one bounded batch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docfactory import document, postmortem, premortem
from search_helpers import write_example_kb

from kb.config import Settings
from kb.loader import Document
from kb.site.ranking import SimilarMap, fresh_state, ranked_on
from kb.site.similar import Facets, facet_similar, facets_of


def similar_map(docs: list[Document], limit: int = 5, window: int = 60) -> SimilarMap:
    """The facet ranking of a set of documents."""
    return facet_similar(facets_of(docs), limit, window)


def test_rare_shared_values_count_more_and_self_is_excluded() -> None:
    docs = [
        document(postmortem("PM-2025-001", "2025-01-01", categories=["config"], services=["edge"])),
        # Shares the common category only.
        document(postmortem("PM-2025-002", "2025-01-02", categories=["config"], services=["db"])),
        # Shares the rare service and the category.
        document(postmortem("PM-2025-003", "2025-01-03", categories=["config"], services=["edge"])),
        # Shares nothing.
        document(postmortem("PM-2025-004", "2025-01-04", categories=["network"], services=["api"])),
        document(postmortem("PM-2025-005", "2025-01-05", categories=["config"], services=["db"])),
        document(premortem("PRE-2025-001", "2025-01-01")),
    ]
    result = similar_map(docs, limit=3)
    assert set(result) == {f"PM-2025-00{i}" for i in range(1, 6)}  # postmortems only
    first = [doc_id for doc_id, _ in result["PM-2025-001"]]
    assert first[0] == "PM-2025-003"
    assert "PM-2025-001" not in first and "PM-2025-004" not in first
    assert len(first) == 3
    assert result["PM-2025-004"] == []
    scores = [s for _, s in result["PM-2025-001"]]
    assert scores == sorted(scores, reverse=True)


def test_common_values_compare_only_nearby_incidents() -> None:
    start = dt.date(2020, 1, 1)
    docs = [
        document(
            postmortem(
                f"PM-{(start + dt.timedelta(days=i)).year}-{i + 1:03d}",
                (start + dt.timedelta(days=i)).isoformat(),
                categories=["config"],
            )
        )
        for i in range(200)
    ]
    result = similar_map(docs, limit=5, window=10)
    # Every incident shares the category; ties go to the closest in time.
    middle = docs[100].id
    neighbours = {doc_id for doc_id, _ in result[middle]}
    assert neighbours <= {docs[i].id for i in range(95, 106)}
    assert len(result[middle]) == 5


def test_limit_zero_gives_no_similar() -> None:
    docs = [document(postmortem(f"PM-2025-00{i}", f"2025-01-0{i}")) for i in range(1, 4)]
    assert similar_map(docs, limit=0) == {d.id: [] for d in docs}


def test_site_uses_the_search_index_when_it_is_fresh(tmp_path: Path) -> None:
    from kb.knowledge import load_knowledge_base
    from kb.search import update_index

    settings = write_example_kb(tmp_path)
    kb = load_knowledge_base(settings)

    def ranked(settings: Settings, items: list[Facets], limit: int) -> tuple[SimilarMap, str]:
        return ranked_on(fresh_state(settings), settings, items, limit)

    _, method = ranked(settings, facets_of(kb.documents), 3)
    assert method == "facets"
    update_index(settings)
    text, method = ranked(settings, facets_of(kb.documents), 3)
    assert method == "text"
    postmortems = {d.id for d in kb.postmortems}
    assert set(text) == postmortems
    assert all(
        other in postmortems and other != doc for doc, row in text.items() for other, _ in row
    )
    # The second orders-database disk incident finds the first by its words.
    assert "PM-2025-009" in [other for other, _ in text["PM-2026-007"]]
    # A stale index (content changed since) is not used.
    (tmp_path / "content" / "postmortems" / "2025").joinpath("new.md").write_text(
        (tmp_path / "content" / "index.md").read_text() + "\nchanged\n"
    )
    assert ranked(settings, facets_of(kb.documents), 3)[1] == "facets"


def test_the_build_ranks_them_in_the_helper_process_and_falls_back_here(tmp_path: Path) -> None:
    from kb.session import BuildSession
    from kb.site.similar import similar_later

    docs = [
        document(postmortem("PM-2025-001", "2025-01-01", services=["edge"])),
        document(postmortem("PM-2025-002", "2025-01-02", services=["edge"])),
        document(postmortem("PM-2025-003", "2025-01-03", services=["db"])),
    ]
    settings = Settings(
        tmp_path, tmp_path / "content", None, tmp_path / ".kb" / "index", tmp_path / "site", None
    )
    expected = similar_map(docs, limit=2)
    with BuildSession() as session:
        later = similar_later(docs, settings, 2, session)
        assert session.started
        assert later() == (expected, "facets")  # no index here
    # A helper that is gone by the time the pages ask: ranked here instead, the same way.
    session = BuildSession()
    later = similar_later(docs, settings, 2, session)
    session.close()
    assert later() == (expected, "facets")
