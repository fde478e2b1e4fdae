"""Generated index pages: pagination, timeline, categories, services and tags, action items."""

from __future__ import annotations

import datetime as dt
import re

from docfactory import knowledge_base, postmortem, premortem, render

from kb.site.context import Generated, SiteContext
from kb.site.listings import (
    action_pages,
    category_pages,
    paginated,
    premortem_pages,
    service_pages,
    tag_pages,
    timeline_pages,
)


def by_uri(pages: list[Generated]) -> dict[str, str]:
    """src_uri -> the page as HTML."""
    return {p.src_uri: render(p.content, p.fragments) for p in pages}


def rows(html: str) -> list[str]:
    if "<tbody>" not in html:
        return []
    return html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]


def cells(row: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)


def many(n: int, **fields: object) -> list[dict[str, object]]:
    start = dt.date(2024, 1, 1)
    return [
        postmortem(
            f"PM-{(start + dt.timedelta(days=20 * i)).year}-{i + 1:03d}",
            (start + dt.timedelta(days=20 * i)).isoformat(),
            **fields,
        )
        for i in range(n)
    ]


def test_paginated_splits_rows_and_links_the_pages() -> None:
    data = [[str(i)] for i in range(25)]
    ctx = SiteContext(knowledge_base([]), page_size=10)
    pages = paginated(
        ctx, "things", "Things", ["N"], data, intro="Intro text", outro=("More", "<p>X</p>")
    )
    assert [p.src_uri for p in pages] == ["things/index.md", "things/page-2.md", "things/page-3.md"]
    first, second, third = (render(p.content, p.fragments) for p in pages)
    assert len(rows(first)) == 10 and len(rows(second)) == 10 and len(rows(third)) == 5
    assert "Intro text" in first and "Intro text" not in second
    assert first.index("Intro text") < first.index("<table>") < first.index(">More</h2>")
    assert "<p>X</p>" in first and "<p>X</p>" not in second
    assert "Things (page 2)" in second
    # Rows and pager are HTML with the final URLs.
    assert 'href="page-3.html"' in second and 'href="index.html"' in second
    assert pages[1].content.startswith('---\ntitle: "Things (page 2)"\nsearch:\n  exclude: true')


def test_empty_listing_says_so() -> None:
    ctx = SiteContext(knowledge_base([]), page_size=10)
    pages = paginated(ctx, "things", "Things", ["N"], [], empty="Nothing open.")
    assert len(pages) == 1 and "Nothing open." in render(pages[0].content, pages[0].fragments)


def test_timeline_by_year_newest_first_and_paginated() -> None:
    kb = knowledge_base([*many(30), premortem("PRE-2024-001", "2024-02-01")], today="2025-01-01")
    pages = by_uri(timeline_pages(SiteContext(kb, page_size=10)))
    index = pages["timeline/index.md"]
    years = rows(index)
    # 30 incidents 20 days apart from 2024-01-01: 19 in 2024, 11 in 2025.
    assert [cells(r) for r in years] == [
        ['<a href="2025/index.md">2025</a>', "11", "0"],
        ['<a href="2024/index.md">2024</a>', "19", "1"],
    ]
    assert "timeline/2024/page-2.md" in pages and "timeline/2024/page-3.md" not in pages
    year = pages["timeline/2024/index.md"]
    listed = rows(year)
    assert len(listed) == 10
    dates = [cells(r)[0] for r in listed]
    assert dates == sorted(dates, reverse=True)
    second = pages["timeline/2024/page-2.md"]
    assert len(rows(second)) == 10 and "Pre-mortem" in second


def test_category_pages_count_link_and_chart() -> None:
    fronts = [
        postmortem("PM-2025-001", "2025-01-05", categories=["config", "capacity"]),
        postmortem("PM-2025-002", "2025-04-05", categories=["config"], title="Second <i>one</i>"),
        premortem(
            "PRE-2024-001",
            "2024-12-01",
            title="Launch",
            risks=[
                {
                    "id": "R1",
                    "scenario": "Bad flag",
                    "categories": ["config"],
                    "likelihood": 2,
                    "impact": 2,
                }
            ],
        ),
    ]
    ctx = SiteContext(knowledge_base(fronts, today="2025-06-30"))
    pages, charts = category_pages(ctx)
    html = by_uri(pages)
    index = html["categories/index.md"]
    config_row = next(r for r in rows(index) if "Configuration" in r)
    found = cells(config_row)
    assert found[0] == '<a href="config/index.md">Configuration</a>'
    assert found[2:] == ["2", "2", "2025-04-05", "1"]
    page = html["categories/config/index.md"]
    listed = rows(page.split('id="incidents"')[-1])
    assert "Second &lt;i&gt;one&lt;/i&gt;" in listed[0] and "PM-2025-001" in listed[1]
    chart = next(c for c in charts if c.uri == "categories/config/per-quarter.svg")
    assert (
        next(p for p in pages if p.src_uri == "categories/config/index.md").content.count(
            f"<!--kb:{chart.slot}-->"
        )
        == 1
    )
    assert "Bad flag" in page and "not (yet) materialised" in page
    chart = next(c for c in charts if c.uri == "categories/config/per-quarter.svg")
    assert chart.periods == ["2025-Q1", "2025-Q2"]
    assert chart.series == {"incidents": [1.0, 1.0]}
    # Only categories with incidents get a chart; the others say so.
    assert sorted(c.uri for c in charts) == [
        "categories/capacity/per-quarter.svg",
        "categories/config/per-quarter.svg",
    ]
    assert "No incidents from 2025-Q1 to 2025-Q2." in html["categories/network/index.md"]


def test_services_and_tags_pages_with_distinct_slugs() -> None:
    fronts = [
        postmortem(
            "PM-2025-001", "2025-01-05", services=["Payments API", "payments-api"], tags=["db"]
        ),
        postmortem("PM-2025-002", "2025-02-05", services=["Payments API"], tags=["db"]),
    ]
    ctx = SiteContext(knowledge_base(fronts))
    pages = by_uri(service_pages(ctx)[0])
    assert {"services/payments-api/index.md", "services/payments-api--2/index.md"} <= set(pages)
    index = pages["services/index.md"]
    first = rows(index)[0]
    assert ">Payments API</a>" in first and "<td>2</td>" in first  # busiest first
    tags = by_uri(tag_pages(ctx))
    assert "2 incidents and 0 pre-mortems" in tags["tags/db/index.md"]
    assert "Configuration</a> (2)" in tags["tags/db/index.md"]


def test_most_frequent_categories_break_ties_by_name() -> None:
    # Equal counts must come out in the same order in every build, whatever came first.
    fronts = [
        postmortem("PM-2025-001", "2025-01-05", services=["edge"], categories=["config"]),
        postmortem("PM-2025-002", "2025-02-05", services=["edge"], categories=["network"]),
    ]
    text = by_uri(service_pages(SiteContext(knowledge_base(fronts)))[0])["services/edge/index.md"]
    assert text.index("Configuration</a> (1)") < text.index("Network</a> (1)")


def test_action_items_overdue_first_with_completion_rate() -> None:
    def item(title: str, status: str, due: str, closed: str | None = None) -> dict[str, object]:
        out: dict[str, object] = {
            "title": title,
            "kind": "prevent",
            "owner": "Ana",
            "status": status,
        }
        out["due"] = dt.date.fromisoformat(due)
        if closed:
            out["closed"] = dt.date.fromisoformat(closed)
        return out

    fronts = [
        postmortem(
            "PM-2025-001",
            "2025-01-05",
            action_items=[
                item("Later", "open", "2025-09-01"),
                item("Late", "open", "2025-05-01"),
                item("Done", "done", "2025-02-01", "2025-02-01"),
            ],
        ),
        postmortem(
            "PM-2025-002",
            "2025-02-05",
            action_items=[
                item("Very late", "in-progress", "2025-03-01"),
                item("Dropped", "wont-do", "2025-03-01", "2025-03-02"),
            ],
        ),
    ]
    fronts[1]["action_items"][0]["ticket"] = "https://tracker.example/browse/OPS-7"  # type: ignore[index]
    fronts[1]["teams"] = ["payments"]
    ctx = SiteContext(knowledge_base(fronts, today="2025-06-30"))
    pages = by_uri(action_pages(ctx))
    html = pages["actions/index.md"]
    titles = [cells(r)[1].split("<br>")[0] for r in rows(html)]
    assert titles == ["Very late", "Late", "Later"]
    first = cells(rows(html)[0])
    # The real status stays beside "overdue"; the ticket is a link, shown by its last part.
    assert "in-progress · <strong>⚠ overdue</strong>" in first[0]
    assert (
        '<a href="https://tracker.example/browse/OPS-7" '
        'title="https://tracker.example/browse/OPS-7">OPS-7</a>'
    ) in first[2]
    assert "white-space:nowrap" in first[2] and "PM-2025-002" in first[2]
    assert "overdue" not in rows(html)[2]
    # Owner and team filters are pages of their own (no JavaScript needed), each group
    # linked from the main page at its first row.
    assert 'href="owners/index.html#owner-ana">Ana</a> (3)' in html
    assert 'href="teams/index.html#team-payments">payments</a> (1)' in html
    team = pages["actions/teams/index.md"]
    assert [cells(r)[1].split("<br>")[0] for r in rows(team)] == ["Very late"]
    assert '<strong id="team-payments">payments</strong> (1 open, 1 overdue)' in team
    owners = rows(pages["actions/owners/index.md"])
    assert [cells(r)[1].split("<br>")[0] for r in owners] == ["Very late", "Late", "Later"]
    assert 'id="owner-ana"' in owners[0] and 'id="owner-ana"' not in owners[1]
    assert "<strong>3 open</strong>, of which <strong>2 overdue</strong>" in html
    assert "<strong>25%</strong>" in html  # 1 done of 4 meant to be done


def test_premortem_listing() -> None:
    risks = [{"id": "R1", "scenario": "x", "categories": ["config"], "likelihood": 5, "impact": 4}]
    fronts = [
        premortem("PRE-2025-001", "2025-01-01", risks=risks, project="Checkout v2"),
        postmortem("PM-2025-001", "2025-02-01", premortem_risks=["PRE-2025-001#R1"]),
    ]
    (page,) = premortem_pages(SiteContext(knowledge_base(fronts)))
    html = render(page.content, page.fragments)
    assert "named 1 risks; 1 of them materialised" in html
    assert cells(rows(html)[0])[2:] == ["Checkout v2", "1", "20", "1", "open"]
