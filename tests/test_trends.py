"""Trend numbers on small, hand-checked document sets."""

from __future__ import annotations

import datetime as dt

import pytest
from docfactory import TAXONOMY, at, document, postmortem, premortem

from kb import trends
from kb.models import Postmortem, Premortem


def pm(doc_id: str, day: str, **fields: object) -> Postmortem:
    meta = document(postmortem(doc_id, day, **fields)).meta
    assert isinstance(meta, Postmortem)
    return meta


def pre(doc_id: str, day: str, **fields: object) -> Premortem:
    meta = document(premortem(doc_id, day, **fields)).meta
    assert isinstance(meta, Premortem)
    return meta


def risk(rid: str, *categories: str) -> dict[str, object]:
    return {
        "id": rid,
        "scenario": "It breaks",
        "categories": list(categories),
        "likelihood": 3,
        "impact": 4,
    }


def test_periods() -> None:
    assert trends.quarter_of(dt.date(2025, 3, 31)) == "2025-Q1"
    assert trends.quarter_of(dt.date(2025, 4, 1)) == "2025-Q2"
    assert trends.last_quarters(dt.date(2025, 2, 1), 3) == ["2024-Q3", "2024-Q4", "2025-Q1"]
    assert trends.last_months(dt.date(2025, 2, 1), 3) == ["2024-12", "2025-01", "2025-02"]
    # Never before the first incident, but always at least the current period.
    assert trends.last_quarters(dt.date(2025, 6, 1), 12, dt.date(2025, 1, 5)) == [
        "2025-Q1",
        "2025-Q2",
    ]
    assert trends.last_months(dt.date(2025, 6, 1), 12, dt.date(2026, 1, 5)) == ["2025-06"]


def test_median_and_nearest_rank_p90() -> None:
    assert trends.median([]) is None
    assert trends.median([5, 1, 3]) == 3
    assert trends.median([4, 1, 3, 2]) == 2.5
    values = list(range(1, 11))  # 1..10
    assert trends.percentile(values, 90) == 9
    assert trends.percentile([7], 90) == 7
    assert trends.percentile(list(range(1, 21)), 90) == 18
    # A heavy tail moves p90, not the median.
    assert trends.median([1, 2, 3, 4, 1000]) == 3
    assert trends.percentile([1, 2, 3, 4, 1000], 90) == 1000


def test_per_month_by_severity_counts_and_fills_gaps() -> None:
    pms = [
        pm("PM-2025-001", "2025-01-03", severity="SEV1"),
        pm("PM-2025-002", "2025-01-20", severity="SEV2"),
        pm("PM-2025-003", "2025-03-02", severity="SEV2"),
        pm("PM-2024-004", "2024-05-02", severity="SEV2"),  # outside the window
    ]
    counts = trends.per_month_by_severity(pms, ["2025-01", "2025-02", "2025-03"], TAXONOMY)
    assert list(counts.series) == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert counts.series["SEV1"] == [1, 0, 0]
    assert counts.series["SEV2"] == [1, 0, 1]
    assert [counts.total(i) for i in range(3)] == [2, 0, 1]


def test_draft_without_severity_goes_to_unknown() -> None:
    draft = pm("PM-2025-001", "2025-01-03", status="draft", severity=None, detection=None)
    counts = trends.per_month_by_severity([draft], ["2025-01"], TAXONOMY)
    assert counts.series[trends.UNKNOWN] == [1]
    detection = trends.per_quarter_by_detection([draft], ["2025-Q1"], TAXONOMY)
    assert detection.series[trends.UNKNOWN] == [1]


def test_per_quarter_by_group_counts_an_incident_once_per_group() -> None:
    pms = [
        pm("PM-2025-001", "2025-01-03", categories=["config", "code-bug", "communication"]),
        pm("PM-2025-002", "2025-04-03", categories=["third-party"]),
    ]
    counts = trends.per_quarter_by_group(pms, ["2025-Q1", "2025-Q2"], TAXONOMY)
    assert counts.series == {
        "technical": [1, 0],
        "human": [1, 0],
        "process": [0, 0],
        "external": [0, 1],
    }


def test_per_quarter_by_detection_and_category() -> None:
    pms = [
        pm("PM-2025-001", "2025-01-03", detection="alert", categories=["config"]),
        pm(
            "PM-2025-002",
            "2025-01-09",
            detection="customer-report",
            categories=["config", "network"],
        ),
        pm("PM-2025-003", "2025-05-09", detection="customer-report", categories=["network"]),
    ]
    q = ["2025-Q1", "2025-Q2"]
    detection = trends.per_quarter_by_detection(pms, q, TAXONOMY)
    assert detection.series["alert"] == [1, 0]
    assert detection.series["customer-report"] == [1, 1]
    categories = trends.per_quarter_by_category(pms, q)
    assert categories.series == {"config": [2, 0], "network": [1, 1]}
    # An incident in two categories is one incident (a service page's chart).
    assert trends.per_quarter(pms, q) == [2, 1]
    assert trends.per_quarter([], q) == [0, 0]


def test_duration_stats_median_and_p90_per_quarter() -> None:
    minutes = [5, 10, 15, 20, 600]
    pms = [
        pm(
            f"PM-2025-{i:03d}",
            "2025-02-01",
            timeline={"started": at("2025-02-01", 8), "detected": at("2025-02-01", 8, m)},
        )
        for i, m in enumerate(minutes, 1)
    ]
    pms.append(pm("PM-2025-010", "2025-02-02", timeline=None, status="draft"))
    stats = trends.duration_stats(pms, ["2024-Q4", "2025-Q1"], trends.time_to_detect)
    empty, q1 = stats
    assert (empty.count, empty.median, empty.p90) == (0, None, None)
    assert q1.count == 5
    assert q1.median == dt.timedelta(minutes=15)
    assert q1.p90 == dt.timedelta(minutes=600)
    assert q1.values == tuple(m * 60.0 for m in minutes)  # the points themselves, for the plot


def test_no_p90_from_fewer_than_five_values() -> None:
    # With 4 incidents the "90th percentile" would just be the slowest one: not shown.
    four = trends.summarise("2025-Q1", [60.0, 120.0, 180.0, 3600.0])
    assert (four.count, four.p90, four.p90_shown) == (4, None, False)
    assert four.median == dt.timedelta(seconds=150)
    five = trends.summarise("2025-Q1", [60.0, 120.0, 180.0, 240.0, 3600.0])
    assert five.p90_shown and five.p90 == dt.timedelta(hours=1)


def test_recurring_categories_in_recent_quarters() -> None:
    today = dt.date(2025, 12, 1)  # window: 2025-Q1 .. 2025-Q4
    pms = [
        pm("PM-2025-001", "2025-01-10", categories=["config"]),
        pm("PM-2025-002", "2025-05-10", categories=["config", "network"]),
        pm("PM-2025-003", "2025-11-10", categories=["config"]),
        pm("PM-2025-004", "2025-11-12", categories=["network"]),
        pm("PM-2025-005", "2025-11-13", categories=["capacity"]),
        pm("PM-2025-006", "2025-11-14", categories=["capacity"]),  # same quarter: not recurring
        pm("PM-2024-001", "2024-11-10", categories=["capacity"]),  # before the window
    ]
    found = trends.recurring_categories(pms, today)
    assert [(r.category, len(r.quarters), r.incidents) for r in found] == [
        ("config", 3, 3),
        ("network", 2, 2),
    ]
    assert found[0].quarters == ["2025-Q1", "2025-Q2", "2025-Q4"]
    assert trends.recurring_categories(pms, today, min_quarters=3)[0].category == "config"


def item(status: str, due: str, closed: str | None = None) -> dict[str, object]:
    out: dict[str, object] = {"title": "Fix it", "kind": "prevent", "owner": "Bo", "status": status}
    out["due"] = dt.date.fromisoformat(due)
    if closed:
        out["closed"] = dt.date.fromisoformat(closed)
    return out


def test_follow_through() -> None:
    today = dt.date(2025, 6, 15)
    pms = [
        pm(
            "PM-2025-001",
            "2025-01-10",
            action_items=[
                item("done", "2025-02-01", "2025-04-02"),
                item("open", "2025-03-01"),  # overdue
                item("wont-do", "2025-03-01", "2025-03-05"),
            ],
        ),
        pm("PM-2025-002", "2025-05-10", action_items=[item("in-progress", "2025-09-01")]),
    ]
    ft = trends.follow_through(pms, ["2025-Q1", "2025-Q2"], today)
    assert ft.opened == [3, 1]
    assert ft.closed == [1, 1]
    assert (ft.total, ft.done, ft.wont_do, ft.open, ft.overdue) == (4, 1, 1, 2, 1)
    assert ft.completion_rate == pytest.approx(1 / 3)
    assert trends.follow_through([], [], today).completion_rate is None


def test_foresight_rates() -> None:
    pres = [
        pre(
            "PRE-2025-001",
            "2025-01-01",
            services=["checkout"],
            risks=[risk("R1", "capacity"), risk("R2", "security")],
        ),
        pre("PRE-2025-002", "2025-06-01", risks=[risk("R1", "network")]),
    ]
    pms = [
        # Same service, category of R1, after the pre-mortem: only possibly anticipated.
        pm("PM-2025-001", "2025-02-01", services=["checkout"], categories=["capacity"]),
        # Category matches but another service: not foreseen.
        pm("PM-2025-002", "2025-02-02", services=["search"], categories=["capacity"]),
        # Before PRE-2025-002 was held: not foreseen by it.
        pm("PM-2025-003", "2025-03-01", categories=["network"]),
        # Names the risk: anticipated whatever the categories (the only way to count).
        pm(
            "PM-2025-004",
            "2025-07-01",
            categories=["config"],
            premortem_risks=["PRE-2025-001#R2"],
        ),
        # A pre-mortem without services covers every service: possibly anticipated.
        pm("PM-2025-005", "2025-07-02", services=["search"], categories=["network"]),
    ]
    result = trends.foresight(pms, pres)
    assert result.anticipated == ["PM-2025-004"]
    assert result.incident_rate == pytest.approx(1 / 5)
    # The overlap is shown apart, never counted as anticipated.
    assert result.possible == ["PM-2025-001", "PM-2025-005"]
    links = trends.possible_links(pms, pres)
    assert [h.ref for h in links.by_incident["PM-2025-001"]] == ["PRE-2025-001#R1"]
    assert links.by_risk == {"PRE-2025-001#R1": ["PM-2025-001"], "PRE-2025-002#R1": ["PM-2025-005"]}
    assert result.risks == 3
    assert result.materialised == ["PRE-2025-001#R2"]
    assert result.risk_rate == pytest.approx(1 / 3)
    # The site hands over the links it made for every incident, drafts included: the
    # counted incidents' figures are the same.
    counted = [p for p in pms if p.id != "PM-2025-005"]
    assert trends.foresight(counted, pres, links) == trends.foresight(counted, pres)
    assert trends.foresight(counted, pres, links).possible == ["PM-2025-001"]
    empty = trends.foresight([], [])
    assert empty.incident_rate is None and empty.risk_rate is None


def _overlaps(p: Postmortem, pres: list[Premortem]) -> list[str]:
    # The definition of a candidate, one incident against every pre-mortem.
    named = {str(r) for r in p.premortem_risks}
    return [
        f"{q.id}#{r.id}"
        for q in pres
        for r in q.risks
        if q.date <= p.date
        and (not q.services or set(q.services) & set(p.services))
        and set(r.categories) & set(p.categories)
        and f"{q.id}#{r.id}" not in named
    ]


def test_possible_links_agree_with_the_definition_on_random_sets() -> None:
    # The indexed lookup must find exactly the risks the one-by-one definition finds, and
    # an incident counts as anticipated only through a link to an existing risk.
    import random

    rng = random.Random(7)
    cats, services = ["capacity", "network", "config", "security"], ["a", "b", "c", "d"]
    for _ in range(30):
        pres = [
            pre(
                f"PRE-2025-{i:03d}",
                f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                services=rng.sample(services, rng.randint(0, 2)),
                risks=[
                    risk(f"R{r}", *rng.sample(cats, rng.randint(1, 2)))
                    for r in range(1, rng.randint(1, 3) + 1)
                ],
            )
            for i in range(1, rng.randint(0, 4) + 1)
        ]
        refs = [f"{p.id}#{r.id}" for p in pres for r in p.risks] + ["PRE-2020-001#R1"]
        pms = [
            pm(
                f"PM-2025-{i:03d}",
                f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                services=rng.sample(services, rng.randint(0, 2)),
                categories=rng.sample(cats, rng.randint(1, 2)),
                premortem_risks=rng.sample(refs, 1) if rng.random() < 0.15 else [],
            )
            for i in range(1, 13)
        ]
        candidates = trends.possible_links(pms, pres)
        links = candidates.by_incident
        for p in pms:
            found = [held.ref for held in links.get(p.id, [])]
            assert sorted(found) == sorted(_overlaps(p, pres))
            # Newest pre-mortem first (its id, then the risk's, break a tie).
            held = [(h.premortem.date, h.premortem.id, h.risk_id) for h in links.get(p.id, [])]
            assert held == sorted(held, reverse=True)
        # A risk's incidents come newest first (the id breaks a tie): pages show the first.
        dates = {p.id: p.date for p in pms}
        for ref, ids in candidates.by_risk.items():
            assert sorted(ids) == sorted(p.id for p in pms if ref in _overlaps(p, pres))
            assert [(dates[i], i) for i in ids] == sorted(
                ((dates[i], i) for i in ids), reverse=True
            )
        result = trends.foresight(pms, pres)
        assert result.anticipated == [p.id for p in pms if trends.linked_risks(p, pres)]
        assert set(result.possible) == {
            p.id for p in pms if _overlaps(p, pres) and p.id not in result.anticipated
        }


def test_headline() -> None:
    today = dt.date(2025, 5, 20)
    pms = [
        pm("PM-2025-001", "2025-01-10", action_items=[item("open", "2025-02-01")]),
        pm("PM-2025-002", "2025-04-10", action_items=[item("open", "2025-09-01")]),
        pm("PM-2025-003", "2025-05-10"),
        pm("PM-2023-003", "2023-05-10"),  # older than a year: not in the median
    ]
    h = trends.headline(pms, today)
    assert (h.quarter, h.this_quarter, h.previous_quarter, h.last_quarter) == (
        "2025-Q2",
        2,
        "2025-Q1",
        1,
    )
    assert h.median_resolve == dt.timedelta(hours=2)
    assert (h.open_actions, h.overdue_actions) == (2, 1)
