"""Searching: ranking, fields, filters, date ranges, snippets pointing at real lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from search_helpers import INCIDENTS, write_example_kb, write_kb

from kb.config import Settings
from kb.errors import SearchError
from kb.search import Filters, SearchIndex, update_index


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    settings = write_kb(tmp_path_factory.mktemp("kb"), INCIDENTS)
    update_index(settings)
    with SearchIndex(settings) as opened:
        yield opened


def ids(index: SearchIndex, text: str, filters: Filters | None = None) -> list[str]:
    return [h.id for h in index.search(text, filters, limit=50, exact=True).hits]


def test_best_match_first_with_its_facts(index: SearchIndex) -> None:
    results = index.search("connection pool exhausted", exact=True)
    # Words are OR-ed: 'refused to connect' and the pre-mortem's risk match too, lower.
    assert [h.id for h in results.hits] == ["PM-2025-001", "PM-2025-002", "PRE-2025-001"]
    top = results.hits[0]
    assert top.id == "PM-2025-001"
    assert top.title == "Checkout connection pool exhausted"
    assert (top.date, top.severity, top.status) == (dt.date(2025, 2, 3), "SEV1", "published")
    assert top.categories == ["capacity", "datastore"]
    assert top.services == ["checkout", "postgres"]
    assert top.path == index.settings.content_dir / INCIDENTS[0].path
    assert top.score > 0


def test_snippet_points_at_the_matching_line(index: SearchIndex) -> None:
    hit = index.search("retry loop", exact=True).hits[0]
    assert hit.snippet is not None and hit.snippet.line is not None
    lines = hit.path.read_text().splitlines()
    # The passage is the whole (hard-wrapped) paragraph; its line is that of the first match.
    assert lines[hit.snippet.line - 1] == "A retry loop held connections open while the pool"
    assert hit.snippet.text == " ".join(lines[hit.snippet.line - 1 : hit.snippet.line + 1])
    marked = [hit.snippet.text[s:e] for s, e in hit.snippet.spans]
    assert marked == ["retry", "loop"]


def test_stemming_matches_other_word_forms(index: SearchIndex) -> None:
    assert ids(index, "deadlocks") == ["PM-2024-007"]
    hit = index.search("exhaustion", exact=True).hits[0]
    assert hit.id == "PM-2025-001"
    assert hit.snippet is not None
    assert "exhausted" in [hit.snippet.text[s:e] for s, e in hit.snippet.spans]


def test_phrase_prefix_boolean_and_fields(index: SearchIndex) -> None:
    assert ids(index, '"database failover"') == ["PM-2024-007"]
    assert ids(index, '"failover database"') == []
    assert set(ids(index, "certific*")) == {"PM-2025-002", "PRE-2025-001"}
    assert set(ids(index, "deadlock OR midnight")) == {"PM-2024-007", "PM-2025-002"}
    assert ids(index, "certificate NOT type:premortem") == ["PM-2025-002"]
    assert ids(index, "service:postgres severity:SEV2") == ["PM-2024-007"]
    # Fielded terms are constraints, free words are OR-ed within them.
    assert ids(index, "deadlock certificate service:postgres") == ["PM-2024-007"]
    assert ids(index, "database NOT failover") == ["PM-2025-001", "PRE-2025-001"]
    assert ids(index, "title:rebuild") == ["PM-2025-003"]
    assert ids(index, "id:pm-2025-002") == ["PM-2025-002"]
    assert ids(index, "risk:ledger") == ["PRE-2025-001"]
    assert ids(index, "action:cap") == ["PM-2025-001"]
    assert ids(index, "author:okafor date:2024") == ["PM-2024-007"]


def test_title_outranks_body(index: SearchIndex) -> None:
    # 'rebuild' is in PM-2025-003's title; nowhere else.
    assert ids(index, "index")[0] == "PM-2025-003"


def test_filters(index: SearchIndex) -> None:
    everything = Filters()
    assert len(ids(index, "*", everything)) == 5
    assert ids(index, "*", Filters(types=("premortem",))) == ["PRE-2025-001"]
    assert set(ids(index, "*", Filters(categories=("datastore",)))) == {
        "PM-2025-001",
        "PM-2024-007",
    }
    assert set(ids(index, "*", Filters(categories=("datastore", "time-and-certificates")))) == {
        "PM-2025-001",
        "PM-2024-007",
        "PM-2025-002",
        "PM-2025-003",
        "PRE-2025-001",
    }
    assert ids(index, "*", Filters(categories=("capacity",), severities=("sev1",))) == [
        "PM-2025-001"
    ]
    assert ids(index, "*", Filters(services=("Payments",))) == ["PM-2024-007"]
    assert ids(index, "*", Filters(statuses=("open",))) == ["PRE-2025-001"]
    # The total counts filtered matches only (whoosh's own count ignores the filter).
    assert (
        index.search("pool OR certificate", Filters(types=("postmortem",)), 1, exact=True).total
        == 2
    )


def test_date_ranges_are_inclusive(index: SearchIndex) -> None:
    day = dt.date(2025, 4, 20)
    assert ids(index, "*", Filters(since=day, until=day)) == ["PM-2025-002"]
    assert ids(index, "*", Filters(until=dt.date(2024, 12, 31))) == ["PM-2024-007"]
    newest_first = ["PM-2025-003", "PM-2025-002", "PRE-2025-001"]
    assert ids(index, "*", Filters(since=dt.date(2025, 4, 1))) == newest_first
    assert set(ids(index, "date:[2025-04 to 2025-06]")) == set(newest_first)
    assert ids(index, "date:2025-02") == ["PM-2025-001"]
    assert ids(index, "date:<2025") == ["PM-2024-007"]
    assert ids(index, "date:<=2024-11-30") == ["PM-2024-007"]
    assert ids(index, "date:<2024-11-30") == []
    assert set(ids(index, "date:>2025-04-01")) == {"PM-2025-002", "PM-2025-003"}
    assert set(ids(index, "date:>=2025-04")) == set(newest_first)


def test_json_shape(index: SearchIndex) -> None:
    hit = index.search("deadlock", exact=True).hits[0]
    data = hit.as_dict("shown/path.md")
    assert data["id"] == "PM-2024-007"
    assert data["path"] == "shown/path.md"
    assert data["date"] == "2024-11-30"
    assert data["line"] == data["snippet"]["line"]
    assert isinstance(data["score"], float)
    start, end = data["snippet"]["highlights"][0]
    assert data["snippet"]["text"][start:end].lower().startswith("deadlock")


def test_get_by_id(index: SearchIndex) -> None:
    found = index.get("pm-2025-003")
    assert found is not None and found.title == "Search latency after index rebuild"
    assert index.get("PM-1999-001") is None
    assert len(index) == 5 and sorted(index.ids())[0] == "PM-2024-007"


def test_no_index_yet(tmp_path: Path) -> None:
    settings: Settings = write_kb(tmp_path, INCIDENTS[:1])
    with pytest.raises(SearchError, match=r"there is no index yet; run `kb index`"):
        SearchIndex(settings)


def test_a_word_found_in_one_field_only_is_ranked_by_its_score(tmp_path: Path) -> None:
    from search_helpers import Doc

    docs = [
        Doc("PM-2025-001", "Queue backlog", "The heartbeat stalled once."),
        Doc(
            "PM-2025-002",
            "Cache outage",
            "The heartbeat stalled, the heartbeat stopped, heartbeat lost.",
        ),
        Doc("PM-2025-003", "Disk alarm", "Nothing about that here."),
    ]
    settings = write_kb(tmp_path, docs)
    update_index(settings)
    with SearchIndex(settings) as opened:
        hits = opened.search("heartbeat", exact=True).hits
    # The word is only ever in the body: every hit still gets a real score, the
    # document that says it three times first.
    assert [h.id for h in hits] == ["PM-2025-002", "PM-2025-001"]
    assert all(h.score > 0 for h in hits)
    assert hits[0].score > hits[1].score


def test_total_does_not_depend_on_the_limit(tmp_path: Path) -> None:
    # An OR of words where most matches share only one word with the query: whoosh's
    # collector used to drop those words once the top `limit` were full, undercounting.
    settings = write_example_kb(tmp_path / "kb")
    update_index(settings)
    with SearchIndex(settings) as opened:
        totals = {
            n: opened.search("config change", limit=n, exact=True).total for n in (1, 3, 10, 50)
        }
        expanded = {n: opened.search("config change", limit=n).total for n in (1, 50)}
        everything = opened.search("config OR change", limit=100, exact=True)
        filtered = {
            n: opened.search("config change", Filters(categories=("datastore",)), n).total
            for n in (1, 50)
        }
    assert len(set(totals.values())) == 1, totals
    assert expanded[1] == expanded[50] >= totals[1]
    assert totals[1] == everything.total == len(everything.hits) > 10
    assert filtered[1] == filtered[50] > 1
