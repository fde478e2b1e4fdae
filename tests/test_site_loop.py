"""The learning loop on the site: repeat callouts, recurring failures, tripwires,
the "This week" page and the Atom feeds."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import feedparser
import pytest
from docfactory import knowledge_base, postmortem, premortem, render_document

from kb.loop.repeats import RecurringFailure
from kb.site.context import SiteContext
from kb.site.dashboards import trends_page
from kb.site.listings import category_pages, premortem_pages, recurring_section, service_pages
from kb.site.loop import DIGEST_SHOWN, feed_files, week_page
from kb.site.pages import document_parts

D = dt.date.fromisoformat
ATOM = "{http://www.w3.org/2005/Atom}"


def prevent(due: str, **fields: Any) -> dict[str, Any]:
    out = {"title": "Pool limits", "kind": "prevent", "owner": "ada", "due": D(due)}
    return {**out, "status": "open", **fields}


SAME = dict(services=["checkout", "orders"], categories=["datastore"], trigger="config-change")


def ctx(third: str = "in-review", count_in_review: bool = True) -> SiteContext:
    fronts = [
        postmortem("PM-2025-001", "2025-01-10", action_items=[prevent("2025-02-01")], **SAME),
        postmortem("PM-2025-002", "2025-03-03", **SAME),
        postmortem("PM-2025-003", "2025-05-05", status=third, **SAME),
        postmortem(
            "PM-2025-004",
            "2025-06-01",
            services=["search"],
            categories=["config"],
            premortem_risks=[{"risk": "PRE-2025-001#R1", "tripwire_fired": True}],
        ),
        premortem(
            "PRE-2025-001",
            "2025-01-02",
            risks=[
                {
                    "id": "R1",
                    "scenario": "Slow index",
                    "likelihood": 2,
                    "impact": 3,
                    "tripwire": "p99 > 800 ms for 10 min",
                    "response": "roll back",
                },
                {"id": "R2", "scenario": "Other", "likelihood": 1, "impact": 1},
            ],
        ),
    ]
    return SiteContext(
        knowledge_base(fronts, today="2025-06-10"), page_size=10, count_in_review=count_in_review
    )


def page(c: SiteContext, doc_id: str) -> str:
    doc = c.doc(doc_id)
    assert doc is not None
    parts = document_parts(doc, c)
    return render_document(parts, "Text.\n")


def test_repeat_callout_on_both_incidents() -> None:
    c = ctx()
    later = page(c, "PM-2025-002")
    assert 'class="admonition danger kb-repeat"' in later
    assert "This incident repeats" in later and "PM-2025-001" in later
    assert "Pool limits (owner ada, 30 days overdue (due 2025-02-01), open)" in later
    earlier = page(c, "PM-2025-001")
    assert "repeated this incident" in earlier and "PM-2025-002" in earlier
    assert "kb-repeat" not in page(c, "PM-2025-004")


def test_recurring_failures_on_category_and_service_pages() -> None:
    c = ctx()
    pages, _ = category_pages(c)
    datastore = next(p for p in pages if p.src_uri == "categories/datastore/index.md")
    assert "## Recurring failures" in datastore.content
    assert "**[checkout](../../services/checkout/index.md)**: 3 incidents since 2024-06-11" in (
        datastore.content
    )
    config = next(p for p in pages if p.src_uri == "categories/config/index.md")
    assert "None: no service had 3 or more incidents" in config.content
    # A failure that keeps recurring names its newest incidents and counts the rest.
    many = [
        RecurringFailure(
            "datastore", "checkout", tuple(d.meta for d in c.incidents[:1]) * 9, c.today, c.today
        )
    ]
    named = recurring_section(c, many, "categories/datastore/index.md", "service")
    assert named.count("](../../postmortems/") == 5 and "9 incidents since" in named
    assert named.rstrip().endswith("and 4 more")
    # A category with many recurring services lists the ten with the most incidents and
    # counts the others: each is on its service's page. The page stays bounded.
    wide = SiteContext(
        knowledge_base(
            [
                postmortem(f"PM-2025-{n:03}", "2025-03-01", services=[f"svc{n:02}"])
                for n in range(13)
            ]
        )
    )
    everywhere = [
        RecurringFailure(
            "datastore", f"svc{n:02}", (wide.incidents[0].meta,) * (20 - n), c.today, c.today
        )
        for n in range(13)
    ]
    listed = recurring_section(wide, everywhere, "categories/datastore/index.md", "service")
    assert listed.count("\n- **") == 10 and "svc09" in listed and "svc10" not in listed
    assert listed.rstrip().endswith(
        "and 3 more services, each with its recurring failures on its page"
    )
    services, _charts = service_pages(c)
    orders = next(p for p in services if p.src_uri == "services/orders/index.md")
    assert "**[Datastore](../../categories/datastore/index.md)**: 3 incidents" in orders.content


def test_a_category_page_lists_its_newest_risks_and_counts_the_rest() -> None:
    # 100 risks were 36 KB of a category's page at 10,000 documents.
    risk = {"scenario": "The cache filled", "likelihood": 2, "impact": 2, "categories": ["config"]}
    fronts = [
        premortem(f"PRE-2025-{n:03}", f"2025-02-{n % 28 + 1:02}", risks=[{"id": "R1", **risk}])
        for n in range(1, 46)
    ]
    pages, _ = category_pages(SiteContext(knowledge_base(fronts)))
    config = next(p for p in pages if p.src_uri == "categories/config/index.md")
    shown = "".join(config.fragments.values())
    assert shown.count("The cache filled") == 40
    assert "… and 5 older risks" in shown
    assert "45 pre-mortem risks named it" in config.content


def test_a_draft_does_not_make_a_recurring_failure() -> None:
    # The same three incidents, the third a draft (or in review, not counted): two count.
    for third, counted in (("draft", True), ("in-review", False)):
        pages, _ = category_pages(ctx(third, count_in_review=counted))
        datastore = next(p for p in pages if p.src_uri == "categories/datastore/index.md")
        assert "None: no service had 3 or more incidents" in datastore.content


def test_tripwire_reporting_per_premortem_and_overall() -> None:
    c = ctx()
    pre = page(c, "PRE-2025-001")
    assert (
        "Early warning:</strong> 1 of 1 realised risks had a tripwire; of those 1, 1 fired" in pre
    )
    assert "<strong>Tripwire:</strong> p99 &gt; 800 ms for 10 min; response: roll back" in pre
    assert "(PM-2025-004) (tripwire fired first)" in pre and ">realised<" in pre
    (index, *_) = premortem_pages(c)
    assert "**Early warning:** 1 of 1 realised risks had a tripwire" in index.content
    trends, _ = trends_page(c)
    assert "| Realised risks that had a tripwire | 100% | 1 of 1 |" in trends.content
    assert "| Tripwires that fired before the incident | 100% | 1 of 1 |" in trends.content


def test_this_week_page() -> None:
    c = ctx()
    week = week_page(c)
    assert week.src_uri == "week/index.md"
    text = week.content
    assert "What needs a human, as of 2025-06-10" in text
    assert "## Overdue action items (1)" in text
    assert "2025-02-01 (**129 days overdue**): Pool limits ([PM-2025-001](" in text
    assert "## Drafts and reviews waiting more than 7 days (1)" in text
    assert "## Tripwires that fired (1)" in text and "roll back" in text
    assert "## New repeat failures (0)" in text  # the repeats started months ago


def test_this_week_lists_at_most_forty_of_a_kind_and_counts_the_rest() -> None:
    items = [
        {"title": f"Fix {n}", "kind": "prevent", "owner": "Ada", "due": "2025-05-01"}
        for n in range(45)
    ]
    c = SiteContext(
        knowledge_base([postmortem("PM-2025-001", "2025-03-01", action_items=items)],
                       today="2025-06-10"),
        page_size=100,
    )  # fmt: skip
    text = week_page(c).content
    assert "## Overdue action items (45)" in text
    # One of the lines shown names the owner; the count is of the items not shown.
    assert text.count("days overdue**): Fix") == DIGEST_SHOWN - 1
    assert f"- … and {45 - DIGEST_SHOWN + 1} more: [all open action items](" in text


def test_early_warning_counts_follow_the_counting_rule() -> None:
    # PM-2025-004 says the tripwire fired. As a draft it is listed but counts nowhere: not
    # on the pre-mortem's early warning, the trends page, nor the week's tripwires.
    fronts = [
        postmortem(
            "PM-2025-004",
            "2025-06-01",
            status="draft",
            premortem_risks=[{"risk": "PRE-2025-001#R1", "tripwire_fired": True}],
        ),
        premortem(
            "PRE-2025-001",
            "2025-01-02",
            risks=[{"id": "R1", "scenario": "Slow", "likelihood": 2, "impact": 3, "tripwire": "x"}],
        ),
    ]
    c = SiteContext(knowledge_base(fronts, today="2025-06-10"))
    pre = page(c, "PRE-2025-001")
    assert "Early warning:</strong> No risk has been realised by an incident yet." in pre
    assert "(PM-2025-004)" in pre and "kb-status-draft" in pre  # listed, marked, not counted
    assert "## Tripwires that fired (0)" in week_page(c).content
    assert "1 draft is listed but not counted" in week_page(c).content


def _feeds(c: SiteContext) -> dict[str, str]:
    return {g.src_uri: g.content for g in feed_files(c, "Test KB")}


def test_atom_feed_is_valid_and_lists_published_postmortems_newest_first() -> None:
    feeds = _feeds(ctx())
    parsed = feedparser.parse(feeds["feeds/postmortems.xml"])
    assert not parsed.bozo and parsed.version == "atom10"
    assert parsed.feed.title == "Test KB: postmortems"
    titles = [e.title for e in parsed.entries]
    # Published only (PM-2025-003 is a draft), newest first.
    assert [t.split(":")[0] for t in titles] == ["PM-2025-004", "PM-2025-002", "PM-2025-001"]
    first = parsed.entries[0]
    assert first.summary.startswith("SEV2 ")
    assert {t.term for t in first.tags} == {"SEV2", "config"}
    assert first.link.endswith("postmortems/2025/pm-2025-004.html")
    # Everything RFC 4287 requires of a feed and its entries.
    root = ET.fromstring(feeds["feeds/postmortems.xml"])
    assert root.tag == f"{ATOM}feed"
    for node in (root, *root.findall(f"{ATOM}entry")):
        for required in ("id", "title", "updated"):
            assert node.find(f"{ATOM}{required}") is not None
        assert node.find(f"{ATOM}id").text.startswith("urn:uuid:")  # type: ignore[union-attr]
    assert root.find(f"{ATOM}author/{ATOM}name") is not None


def test_one_feed_per_category() -> None:
    feeds = _feeds(ctx())
    datastore = feedparser.parse(feeds["feeds/categories/datastore.xml"])
    assert not datastore.bozo
    assert [e.title.split(":")[0] for e in datastore.entries] == ["PM-2025-002", "PM-2025-001"]
    empty = feedparser.parse(feeds["feeds/categories/hardware.xml"])
    assert not empty.bozo and empty.entries == []


@pytest.mark.slow
def test_built_site_links_the_feeds_from_every_page_head(example_site: Path) -> None:
    from html.parser import HTMLParser

    class Feeds(HTMLParser):
        """The feeds a reader discovers: <link> with the word alternate and the Atom type."""

        def __init__(self) -> None:
            super().__init__()
            self.found: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = dict(attrs)
            rel = (a.get("rel") or "").lower().split()
            if tag == "link" and "alternate" in rel and a.get("type") == "application/atom+xml":
                self.found.append(a.get("href") or "")

    def feeds(page: Path) -> list[str]:
        parser = Feeds()
        parser.feed(page.read_text(encoding="utf-8"))
        return parser.found

    home = example_site / "index.html"
    assert feeds(home) == ["feeds/postmortems.xml"]
    assert "This week" in home.read_text(encoding="utf-8")
    assert feeds(example_site / "categories" / "datastore" / "index.html") == [
        "../../feeds/postmortems.xml",
        "../../feeds/categories/datastore.xml",
    ]
    for page in example_site.rglob("*.html"):
        if page.name != "404.html":
            assert feeds(page), page
    feed = feedparser.parse((example_site / "feeds" / "postmortems.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) > 10
    assert (example_site / "week" / "index.html").is_file()


def test_recurring_count_and_months_are_the_plugins_options() -> None:
    import dataclasses

    from kb.config import LoopOptions

    c = ctx()
    settings = dataclasses.replace(c.kb.settings, loop=LoopOptions(recurring_count=4))
    stricter = SiteContext(dataclasses.replace(c.kb, settings=settings), page_size=10)
    pages, _ = category_pages(stricter)
    datastore = next(p for p in pages if p.src_uri == "categories/datastore/index.md")
    assert "None: no service had 4 or more incidents" in datastore.content
