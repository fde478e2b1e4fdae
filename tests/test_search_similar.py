"""Similar documents: key-term "more like this", one at a time and for every document."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from search_helpers import INCIDENTS, Doc, write_kb

from kb.errors import UsageError
from kb.search import SearchIndex, similar, similar_map, update_index

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
