"""What kb adds to document pages: card, action items, risk register, Related."""

from __future__ import annotations

import datetime as dt
import re

from docfactory import at, knowledge_base, postmortem, premortem, render, render_document

from kb.site.context import SiteContext
from kb.site.md import TIMES
from kb.site.pages import document_parts

RISKS = [
    {
        "id": "R1",
        "scenario": "Pool runs dry",
        "categories": ["capacity"],
        "likelihood": 2,
        "impact": 5,
    },
    {
        "id": "R2",
        "scenario": "Webhooks twice",
        "categories": ["third-party"],
        "likelihood": 4,
        "impact": 4,
        "owner": "Priya",
    },
]


def page(ctx: SiteContext, doc_id: str, body: str = "## Summary\n\nAuthor text.\n") -> str:
    """The document's whole page as HTML: kb's parts around the author's Markdown."""
    doc = ctx.doc(doc_id)
    assert doc is not None
    parts = document_parts(doc, ctx)
    return render_document(parts, body)


def site(today: str = "2025-06-30", **pm_fields: object) -> SiteContext:
    main = postmortem(
        "PM-2025-002",
        "2025-03-14",
        title="Checkout <b>errors</b>",
        services=["checkout", "payments api"],
        tags=["pool"],
        categories=["capacity", "config"],
        timeline={
            "started": at("2025-03-14", 9),
            "detected": at("2025-03-14", 9, 12),
            "mitigated": at("2025-03-14", 10, 5),
            "resolved": at("2025-03-15", 13),
        },
        related=["PM-2025-001"],
        premortem_risks=["PRE-2025-001#R1"],
        action_items=[
            {
                "title": "Alert on pool use",
                "kind": "detect",
                "owner": "Ada",
                "due": dt.date(2025, 4, 1),
                "status": "open",
                "ticket": "https://t.example/OPS-1",
            },
            {
                "title": "Raise pool size",
                "kind": "prevent",
                "owner": "Bo",
                "due": dt.date(2025, 9, 1),
                "status": "in-progress",
            },
            {
                "title": "Write runbook",
                "kind": "process",
                "owner": "Cy",
                "due": dt.date(2025, 3, 20),
                "status": "done",
                "closed": dt.date(2025, 3, 19),
            },
        ],
        **pm_fields,
    )
    kb = knowledge_base(
        [
            postmortem("PM-2025-001", "2025-01-10", title="Earlier pool trouble"),
            main,
            postmortem("PM-2025-003", "2025-05-01", title="Later one", related=["PM-2025-002"]),
            premortem("PRE-2025-001", "2025-01-02", title="Payments launch", risks=RISKS),
        ],
        today=today,
    )
    return SiteContext(kb, similar={"PM-2025-002": [("PM-2025-003", 2.0), ("PM-9999-999", 1.0)]})


def test_card_shows_facts_in_human_units_with_links() -> None:
    out = page(site(), "PM-2025-002")
    assert "<h1" in out and "Checkout &lt;b&gt;errors&lt;/b&gt;" in out
    assert out.index("PM-2025-002 · SEV2") < out.index("Author text")
    assert "PM-2025-002 · SEV2 Major · published" in out
    assert "12 min / 1 h 05 min / 1 d 4 h" in out  # detect / mitigate / resolve
    assert 'href="../../services/checkout/index.html"' in out
    assert 'href="../../services/payments-api/index.html">payments api</a>' in out
    assert 'href="../../categories/capacity/index.html">Capacity and resource exhaustion</a>' in out
    assert 'href="../../tags/pool/index.html"' in out
    assert "Code deploy" in out and "Automated alert" in out
    assert "2 open of 3, <strong>1 overdue</strong>" in out


def test_no_second_h1_when_the_author_wrote_one() -> None:
    ctx = site()
    doc = ctx.doc("PM-2025-002")
    assert doc is not None
    doc.body = "# My own title\n\nText\n"
    out = page(ctx, "PM-2025-002", doc.body)
    assert out.count("<h1") == 1 and "My own title" in out


def test_action_items_table_marks_overdue() -> None:
    out = page(site(), "PM-2025-002")
    assert '<h2 id="tracked-action-items">' in out
    rows = out.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 3
    assert "overdue" in rows[0] and "<strong>2025-04-01</strong>" in rows[0]
    assert '<a href="https://t.example/OPS-1">' in rows[0]
    assert "in-progress" in rows[1] and "overdue" not in rows[1]
    assert "done" in rows[2]


def test_related_links_both_ways_risks_and_similar() -> None:
    out = page(site(), "PM-2025-002")
    assert '<h2 id="related">Related' in out
    related = out.split("Related documents</h3>")[1].split("</ul>")[0]
    assert "Earlier pool trouble" in related  # named here
    assert "Later one" in related and "(links here)" in related  # names this one
    assert 'href="../../premortems/2025/pre-2025-001.html#risk-r1"' in out
    assert "Pool runs dry (score 10)" in out
    similar = out.split("Similar incidents</h3>")[1]
    assert "Later one" in similar and "PM-9999-999" not in similar  # unknown ids are skipped


def test_backlink_appears_on_the_linked_document() -> None:
    out = page(site(), "PM-2025-001")
    assert "Checkout &lt;b&gt;errors&lt;/b&gt;" in out and "(links here)" in out


def test_risk_register_with_materialised_links() -> None:
    out = page(site(), "PRE-2025-001")
    assert "PRE-2025-001 · pre-mortem · open" in out
    assert "2, 1 materialised so far" in out
    assert '<h2 id="risk-register">' in out
    register = out.split('<h2 id="risk-register">')[1]
    rows = register.split("<tbody>")[1].split("<tr>")[1:]
    # Highest score first: R2 (16) then R1 (10). Cells read as text, not run-together values.
    assert 'id="risk-r2"' in rows[0]
    assert f"Likelihood 4 {TIMES} impact 4 = <strong>16</strong>." in rows[0]
    assert "Scenario: " in rows[0]
    assert "not (yet) materialised" in rows[0]
    assert 'id="risk-r1"' in rows[1]
    # "Materialised in" names the incident by its title, with its id.
    assert re.search(
        r'<a href="../../postmortems/2025/pm-2025-002.html">[^<]+</a> \(PM-2025-002\)', rows[1]
    )


def test_premortem_matrix_counts_and_links_each_cell() -> None:
    out = page(site(), "PRE-2025-001")
    matrix = out.split('<h2 id="likelihood-and-impact">')[1].split("</table>")[0]
    assert out.index("likelihood-and-impact") < out.index('id="risk-register"')
    body = matrix.split("<tbody>")[1]
    rows = body.split("<tr>")[1:]
    assert len(rows) == 5 and all(r.count("<td") == 5 for r in rows)
    # Likelihood 5 on top; R2 is likelihood 4 x impact 4: second row, fourth column.
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[1])
    assert "<strong>1</strong>" in cells[3] and 'href="#risk-r2"' in cells[3]
    assert sum(r.count("<strong>") for r in rows) == 2  # two risks, two filled cells


def test_no_related_section_when_nothing_relates() -> None:
    kb = knowledge_base([postmortem("PM-2025-001", "2025-01-10")])
    out = page(SiteContext(kb), "PM-2025-001")
    assert "Related" not in out and "Tracked action items" not in out
    assert "<!--" not in out  # no empty slot left behind


def test_similar_incidents_are_asked_for_only_when_the_related_slot_is_filled() -> None:
    asked: list[bool] = []

    def ranked() -> dict[str, list[tuple[str, float]]]:
        asked.append(True)
        return {}

    ctx = SiteContext(site().kb, similar_from=ranked)
    doc = ctx.doc("PM-2025-003")
    assert doc is not None
    parts = document_parts(doc, ctx)
    assert (
        "Related",
        "related",
    ) in parts.outline.sections and not asked  # the section is there already
    fragment = parts.unsearched()["related"]
    assert asked == [True]
    assert "Similar incidents</h3>\n<p><em>None found.</em></p>" in fragment
    document_parts(doc, ctx).unsearched()
    assert asked == [True]  # computed once per build


def test_no_similar_incidents_section_when_the_site_ranks_none() -> None:
    # similar_limit 0: the plugin gives no similar source, and pages show no such list.
    kb = knowledge_base(
        [postmortem("PM-2025-001", "2025-01-10"), postmortem("PM-2025-002", "2025-01-11")]
    )
    assert "Similar incidents" not in page(SiteContext(kb), "PM-2025-001")
    ranked = SiteContext(kb, similar_from=lambda: {"PM-2025-001": [("PM-2025-002", 1.0)]})
    out = page(ranked, "PM-2025-001")
    assert "Similar incidents" in out and "PM-2025-002" in out.split("Similar incidents")[1]


def test_possibly_anticipated_candidates_on_both_pages_never_counted_as_linked() -> None:
    # PM-2025-004: a capacity incident on a service the pre-mortem does not list (it lists
    # none: it covers every service), after it, not naming R1. A candidate, both ways.
    kb = knowledge_base(
        [
            premortem("PRE-2025-001", "2025-01-02", title="Payments launch", risks=RISKS),
            postmortem("PM-2025-004", "2025-02-01", title="Pool gone", categories=["capacity"]),
            postmortem(
                "PM-2025-005",
                "2025-02-02",
                categories=["capacity"],
                premortem_risks=["PRE-2025-001#R1"],
            ),
        ]
    )
    ctx = SiteContext(kb)
    incident = page(ctx, "PM-2025-004")
    candidates = incident.split("Possibly anticipated: link it?</h3>")[1].split("</ul>")[0]
    assert "Pool runs dry" in candidates and "<code>PRE-2025-001#R1</code>" in candidates
    assert "Possibly anticipated" not in page(ctx, "PM-2025-005")  # it names the risk
    pre = page(ctx, "PRE-2025-001")
    possible = pre.split('id="possibly-materialised-link-it"')[1]
    assert "Pool gone</a> (PM-2025-004)" in possible and "PM-2025-005" not in possible
    # The register counts only the linked incident as where R1 materialised.
    assert "2, 1 materialised so far" in pre


def test_a_risk_with_many_possible_incidents_names_the_newest_and_counts_the_rest() -> None:
    # Eight capacity incidents after the pre-mortem, none naming R1: the five newest
    # (the later id first on the same day), then how many more.
    days = ["2025-02-01", "2025-03-05", "2025-02-20", "2025-03-05", "2025-01-15",
            "2025-04-01", "2025-02-10", "2025-03-30"]  # fmt: skip
    kb = knowledge_base(
        [premortem("PRE-2025-001", "2025-01-02", risks=RISKS)]
        + [
            postmortem(f"PM-2025-{n:03d}", day, categories=["capacity"])
            for n, day in enumerate(days, 1)
        ]
    )
    pre = page(SiteContext(kb), "PRE-2025-001")
    possible = pre.split('id="possibly-materialised-link-it"')[1].split("</ul>")[0]
    r1 = next(item for item in possible.split("<li>") if ">R1</a>" in item)
    named = re.findall(r"\((PM-2025-\d+)\)", r1)
    assert named == ["PM-2025-006", "PM-2025-008", "PM-2025-004", "PM-2025-002", "PM-2025-003"]
    assert r1.rstrip().removesuffix("</li>").endswith("and 3 more")


def test_listings_and_home_mark_unpublished_documents() -> None:
    from kb.site.listings import timeline_pages

    kb = knowledge_base(
        [
            postmortem("PM-2025-001", "2025-01-10"),
            postmortem("PM-2025-002", "2025-01-11", status="draft", severity=None),
        ]
    )
    (_index, year) = timeline_pages(SiteContext(kb))
    listed = render(year.content, year.fragments)
    rows = listed.split("<tbody>")[1].split("<tr>")[1:]
    assert "kb-status-draft" in rows[0] and ">draft</span>" in rows[0]  # newest first
    assert "kb-status" not in rows[1]


def test_ids_in_prose_are_linked_but_not_in_code_or_links() -> None:
    from kb.site.pages import link_ids

    ctx = site()
    doc = ctx.doc("PM-2025-003")
    assert doc is not None
    text = (
        "Like PM-2025-002, and risk PRE-2025-001#R2 again (not PRE-2025-001#R9).\n\n"
        "`PM-2025-001` and [see PM-2025-001](https://x.example/PM-2025-001) stay; "
        "PM-2099-001 is unknown and PM-2025-003 is this page.\n\n"
        "```\nPM-2025-002\n```\n"
    )
    out = link_ids(text, doc, ctx)
    assert "[PM-2025-002](pm-2025-002.md)" in out
    assert "[PRE-2025-001#R2](../../premortems/2025/pre-2025-001.md#risk-r2)" in out
    assert "not PRE-2025-001#R9)" in out  # no such risk
    assert "`PM-2025-001`" in out and "[see PM-2025-001](https://x.example/PM-2025-001)" in out
    assert "PM-2099-001 is unknown and PM-2025-003 is this page" in out
    assert "```\nPM-2025-002\n```" in out


def test_a_page_records_the_documents_it_shows_and_its_relations() -> None:
    # What the preview compares between builds to tell whether a page changed
    # (kb.site.preview.Inputs.unaffected).
    ctx = site()
    main = ctx.doc("PM-2025-002")
    assert main is not None
    with ctx.reading() as read:
        page(ctx, "PM-2025-002")
    # Related (named here, and the later incident that links here), similar incidents,
    # and the pre-mortem whose risk it realised.
    assert {"PM-2025-001", "PM-2025-003", "PRE-2025-001"} <= read
    relations, named = ctx.relations_of(main)
    assert "PM-2025-003" in named  # the backlink, shown without a lookup by id
    pre = ctx.doc("PRE-2025-001")
    assert pre is not None
    # The pre-mortem's risk links: the incident that realised R1 is named.
    assert "PM-2025-002" in ctx.relations_of(pre)[1]
    # A page's relations change when another document's links to it do.
    earlier = ctx.doc("PM-2025-001")
    assert earlier is not None
    before, _ = ctx.relations_of(earlier)
    relinked = site(today="2025-06-30")
    later = relinked.doc("PM-2025-003")
    assert later is not None
    relinked.kb.linked_from["PM-2025-001"] = [later]  # PM-2025-003 links it too
    again = relinked.doc("PM-2025-001")
    assert again is not None and relinked.relations_of(again)[0] != before
    assert relations == ctx.relations_of(main)[0]  # the same inputs, the same relations


def test_reading_blocks_nest() -> None:
    ctx = site()
    with ctx.reading() as outer:
        ctx.doc("PM-2025-001")
        with ctx.reading() as inner:
            ctx.doc("PM-2025-003")
        ctx.doc("PRE-2025-001")
    assert inner == {"PM-2025-003"}
    assert outer == {"PM-2025-001", "PM-2025-003", "PRE-2025-001"}
    ctx.doc("PM-2025-002")  # outside any block: recorded nowhere
    assert "PM-2025-002" not in outer
