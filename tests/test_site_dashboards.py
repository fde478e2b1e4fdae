"""The trends page and the home page, on a small hand-checked knowledge base."""

from __future__ import annotations

import datetime as dt
import re

from docfactory import at, knowledge_base, postmortem, premortem, render

from kb.site.context import SiteContext
from kb.site.dashboards import home_page, home_sections, trends_page
from kb.site.md import DASH


def ctx(count_in_review: bool = False) -> SiteContext:
    def pm(doc_id: str, day: str, minutes: int, **fields: object) -> dict[str, object]:
        timeline = {
            "started": at(day, 9),
            "detected": at(day, 9, minutes),
            "resolved": at(day, 9, 4 * minutes),
        }
        return postmortem(doc_id, day, timeline=timeline, **fields)

    item = {
        "title": "Fix",
        "kind": "prevent",
        "owner": "Ana",
        "due": dt.date(2025, 5, 1),
        "status": "open",
    }
    fronts = [
        pm("PM-2025-001", "2025-01-10", 10, categories=["config"], detection="customer-report"),
        pm("PM-2025-002", "2025-02-10", 20, categories=["config"], action_items=[item]),
        pm("PM-2025-003", "2025-04-10", 30, categories=["config", "network"], services=["edge"]),
        pm("PM-2025-004", "2025-05-10", 600, categories=["network"], severity="SEV1"),
        # Not agreed on yet: listed, never counted (unless count_in_review counts the second).
        postmortem("PM-2025-005", "2025-06-01", status="draft", severity=None, categories=[]),
        pm("PM-2025-006", "2025-06-02", 5, status="in-review", categories=["network"]),
        premortem(
            "PRE-2024-001",
            "2024-12-01",
            services=["edge"],
            risks=[
                {
                    "id": "R1",
                    "scenario": "DNS",
                    "categories": ["network"],
                    "likelihood": 3,
                    "impact": 3,
                }
            ],
        ),
    ]
    return SiteContext(knowledge_base(fronts, today="2025-06-15"), count_in_review=count_in_review)


def test_trends_page_has_every_section_with_chart_and_numbers() -> None:
    page, charts = trends_page(ctx())
    html = render(page.content)
    for heading in (
        "Incidents per month, by severity",
        "Incidents per quarter, by category group",
        "Time to detect",
        "Time to resolve",
        "How incidents were detected",
        "Recurring categories",
        "Action-item follow-through",
        "Pre-mortem foresight",
    ):
        assert f">{heading}</h2>" in html, heading
    assert len(charts) == 6
    for chart in charts:
        assert page.content.count(f"<!--kb:{chart.slot}-->") == 1
    # One data table per chart, under it.
    assert html.count('<details class="kb-data">') == 6


def test_trends_numbers() -> None:
    page, charts = trends_page(ctx())
    by_name = {c.uri.split("/")[-1]: c for c in charts}
    per_month = by_name["incidents-per-month.svg"]
    assert per_month.periods == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert per_month.series["SEV2"] == [1, 1, 0, 1, 0, 0]
    assert per_month.series["SEV1"] == [0, 0, 0, 0, 1, 0]
    detect = by_name["time-to-detect.svg"]
    assert detect.periods == ["2025-Q1", "2025-Q2"]
    # Q1: 10 and 20 min -> median 15 min; Q2: 30 and 600 min. Two values per quarter: no
    # p90 (it would be the slowest one), every point drawn, n under each quarter.
    assert detect.series["median"] == [0.25, 315 / 60]
    assert detect.series["p90"] == [None, None]
    assert detect.points == ((10 / 60, 20 / 60), (0.5, 10.0))
    assert detect.n == (2, 2) and detect.tick_labels() == ["2025-Q1", "2025-Q2\npartial"]
    assert detect.axis_label() == "duration (log scale)" and detect.log_scale
    html = render(page.content)
    assert f"<td>2025-Q1</td><td>2</td><td>15 min</td><td>{DASH} (n &lt; 5)</td>" in html
    # Drafts and in-review documents are not counted; the page says so.
    assert "from 4 incidents" in html
    assert "1 draft and 1 in-review are listed but not counted" in html
    assert "The current quarter, 2025-Q2, is not over yet" in html
    assert per_month.title == "Incidents per month by severity, 2025-01 to 2025-06"
    assert "unknown" not in per_month.series  # the draft's empty severity is not a column
    recurring = html.split('id="recurring-categories"')[1].split("</table>")[0]
    assert "Configuration" in recurring and "2 of 4" in recurring
    assert "Network" not in recurring  # only in 2025-Q2
    foresight = html.split('id="pre-mortem-foresight"')[1]
    # No incident names the risk: none is anticipated. PM-2025-003 is a network incident on
    # edge after the pre-mortem: possibly anticipated, shown apart. -004 lists no services.
    assert re.search(r"\(anticipated\)</td>\s*<td[^>]*>0%</td>\s*<td[^>]*>0 of 4</td>", foresight)
    assert re.search(r"not linked[^<]*</td>\s*<td[^>]*>25%</td>\s*<td[^>]*>1 of 4</td>", foresight)
    assert re.search(r"materialised</td>\s*<td[^>]*>0%</td>\s*<td[^>]*>0 of 1</td>", foresight)


def test_home_headline_and_links() -> None:
    site = ctx()
    home = home_page(site, "Larkspur <KB>")
    html = render(home.content, home.fragments)
    assert "<h1" in html and "Larkspur &lt;KB&gt;" in html
    headline = re.findall(r"<td[^>]*>(.*?)</td>", html.split("At a glance")[1].split("</table>")[0])
    # Q2 vs Q1 (published only); median of 40, 80, 120, 2400 min, and what it rests on.
    assert headline[:3] == ["2", "2", "1 h 40 min (n=4)"]
    assert "Incidents 2025-Q2 (so far)" in html
    assert "<strong>1 is waiting for review</strong> and 1 is a draft" in html
    assert ">1</a>" in headline[3] and "<strong>1</strong>" in headline[4]
    for target in (
        "timeline/index.md",
        "categories/index.md",
        "trends/index.md",
        "actions/index.md",
    ):
        assert f'href="{target}"' in html
    latest = html.split('id="latest-incidents"')[1]
    # Listed with a visible status badge.
    assert 'kb-status-draft"' in latest and 'kb-status-in-review"' in latest
    assert 'href="postmortems/2025/pm-2025-004.html"' in latest
    assert latest.index("PM-2025-004") < latest.index("PM-2025-001")


def test_home_sections_link_from_another_page() -> None:
    text, fragments = home_sections(ctx(), "guide/index.md")
    assert "(../trends/index.md)" in text
    assert 'href="../postmortems/2025/pm-2025-004.html"' in fragments["latest"]


def test_author_home_gets_kb_sections_before_its_first_section() -> None:
    from kb.site.dashboards import with_home_sections

    page = "# Our KB\n\nIntro.\n\n## What's here\n\nText.\n"
    out = with_home_sections(page, "## At a glance\n\nNumbers.\n")
    assert out.index("Intro.") < out.index("At a glance") < out.index("What's here")
    assert with_home_sections("# Only a title\n", "## At a glance\n").endswith("## At a glance\n")


def test_count_in_review_option_counts_in_review_but_never_drafts() -> None:
    page, _charts = trends_page(ctx(count_in_review=True))
    html = render(page.content)
    assert "from 5 incidents" in html
    assert "Numbers count published and in-review postmortems only; 1 draft is listed" in html
    home = render(*_home(ctx(count_in_review=True)))
    assert "These numbers count published and in-review postmortems only." in home


def _home(site: SiteContext) -> tuple[str, dict[str, str]]:
    page = home_page(site, "KB")
    return page.content, page.fragments


def test_home_learning_panel_names_recurring_categories_with_sparklines() -> None:
    html = render(*_home(ctx()))
    panel = html.split('id="what-we-keep-learning"')[1].split("<h2")[0]
    # Configuration had published incidents in 2025-Q1 and 2025-Q2; network only in Q2.
    assert "Configuration</a></strong>" in panel and "Network" not in panel
    assert panel.count('<svg class="kb-spark"') == 1
    assert "2025-Q1: 2, 2025-Q2: 1" in panel  # the sparkline's words, for screen readers
    # The open prevent item behind it, with its incident and owner.
    assert "1 open <em>prevent</em> action items" in panel and "PM-2025-002" in panel


def test_a_busy_quarter_is_a_box_and_a_line_so_the_chart_stays_small() -> None:
    from kb.site.dashboards import POINTS_SHOWN, spread_of

    assert spread_of((1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0)) == (1.0, 2.0, 6.0, 8.0)
    fronts = [
        postmortem(
            f"PM-2025-{i:03d}",
            "2025-02-01",
            timeline={"started": at("2025-02-01", 8), "detected": at("2025-02-01", 8, i)},
        )
        for i in range(1, POINTS_SHOWN + 2)
    ] + [
        postmortem(
            "PM-2025-100",
            "2025-04-01",
            timeline={"started": at("2025-04-01", 8), "detected": at("2025-04-01", 9)},
        )
    ]
    _page, charts = trends_page(SiteContext(knowledge_base(fronts, today="2025-06-15")))
    detect = next(c for c in charts if c.uri.endswith("time-to-detect.svg"))
    assert detect.n == (POINTS_SHOWN + 1, 1)
    assert detect.points[0] == () and detect.boxes[0] is not None  # 16 incidents: a box
    assert detect.points[1] == (1.0,) and detect.boxes[1] is None  # one incident: its dot
