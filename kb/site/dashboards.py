"""The trends page and the home page: is the organisation learning?

Pure functions from the site context to Markdown and chart specs. Per-month
charts cover the last two years and per-quarter charts the last three, never
starting before the first incident, so the page size stays bounded whatever the
history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from kb import trends
from kb.loop.tripwires import overall_early_warning
from kb.models import Postmortem
from kb.site.charts import PALETTE, SEVERITY_COLOURS, Chart, Kind, figure
from kb.site.context import Generated, SiteContext
from kb.site.fragments import slot, ul
from kb.site.listings import QUARTERS
from kb.site.md import DASH, duration, esc, front_matter, hours, href, link, percent, table
from kb.site.pages import label
from kb.site.routes import (
    ACTIONS,
    CATEGORIES,
    PREMORTEMS,
    SERVICES,
    TAGS,
    TIMELINE,
    TRENDS,
    WEEK,
)

MONTHS = 24  # months shown in the per-month chart


def _first(ctx: SiteContext) -> dt.date | None:
    return min((pm.date for pm in ctx.pm_metas), default=None)


def _counts_chart(
    uri: str,
    title: str,
    counts: trends.Counts,
    kind: Kind,
    colours: tuple[str, ...] = PALETTE,
    labels: dict[str, str] | None = None,
) -> Chart:
    series: dict[str, list[float | None]] = {
        k: [float(v) for v in values] for k, values in counts.series.items()
    }
    return Chart(uri, title, kind, counts.periods, series, colours=colours, labels=labels or {})


def _duration_section(
    ctx: SiteContext,
    name: str,
    what: str,
    measure: Callable[[Postmortem], dt.timedelta | None],
    quarters: list[str],
) -> tuple[str, Chart]:
    stats = trends.duration_stats(ctx.pm_metas, quarters, measure)
    med = [hours(s.median) for s in stats]
    p90 = [hours(s.p90) for s in stats]
    known = [v for v in med + p90 if v]
    # A log axis keeps a week-long outlier from flattening every other quarter.
    spread = max(known) / min(known) if known else 1
    chart = Chart(
        f"trends/{name}.svg",
        f"Time to {what} per quarter: median and 90th percentile",
        "lines",
        quarters,
        {"median": med, "p90": p90},
        unit="hours",
        dashed=frozenset({"p90"}),
        labels={"median": "median", "p90": "90th percentile"},
        log_scale=spread > 30,
    )
    rows = [[s.period, str(s.count), duration(s.median), duration(s.p90)] for s in stats]
    head = ["Quarter", "Incidents", "Median", "90th percentile"]
    return figure(chart, TRENDS, data=(head, rows)), chart


def trends_page(ctx: SiteContext) -> tuple[Generated, list[Chart]]:
    """The trends page and the charts it shows."""
    tax, pms, today = ctx.kb.taxonomy, ctx.pm_metas, ctx.today
    months = trends.last_months(today, MONTHS, _first(ctx))
    quarters = trends.last_quarters(today, QUARTERS, _first(ctx))
    charts: list[Chart] = []
    out = [
        front_matter("Trends"),
        "# Trends\n\n",
        f"Built on {today.isoformat()} from {len(pms)} incidents and "
        f"{len(ctx.premortems)} pre-mortems. Durations are summarised by median and "
        "90th percentile, not by mean: most incidents are short and a few are very long.\n\n",
    ]

    per_month = trends.per_month_by_severity(pms, months, tax)
    chart = _counts_chart(
        "trends/incidents-per-month.svg",
        "Incidents per month by severity",
        per_month,
        kind="stacked",
        colours=SEVERITY_COLOURS,
        labels={s.id: f"{s.id} {s.title}" for s in tax.severities},
    )
    charts.append(chart)
    out.append("## Incidents per month, by severity\n\n" + figure(chart, TRENDS))

    groups = trends.per_quarter_by_group(pms, quarters, tax)
    chart = _counts_chart(
        "trends/incidents-per-group.svg",
        "Incidents per quarter by category group",
        groups,
        kind="bars",
    )
    charts.append(chart)
    out.append(
        "## Incidents per quarter, by category group\n\n"
        "An incident counts once in each group its categories touch.\n\n" + figure(chart, TRENDS)
    )

    for name, what, measure in (
        ("time-to-detect", "detect", trends.time_to_detect),
        ("time-to-resolve", "resolve", trends.time_to_resolve),
    ):
        text, chart = _duration_section(ctx, name, what, measure, quarters)
        charts.append(chart)
        out.append(f"## Time to {what}\n\n" + text)

    detection = trends.per_quarter_by_detection(pms, quarters, tax)
    chart = _counts_chart(
        "trends/detection.svg",
        "How incidents were detected, per quarter",
        detection,
        kind="stacked",
        labels={t.slug: t.title for t in tax.detection},
    )
    charts.append(chart)
    out.append(
        "## How incidents were detected\n\n"
        "Incidents our own alerts catch are cheaper than the ones customers report.\n\n"
        + figure(chart, TRENDS)
    )

    out.append(_recurring(ctx))

    ft = trends.follow_through(pms, quarters, today)
    chart = Chart(
        "trends/action-items.svg",
        "Action items opened and closed per quarter",
        "bars",
        quarters,
        {"opened": [float(v) for v in ft.opened], "closed": [float(v) for v in ft.closed]},
        unit="action items",
    )
    charts.append(chart)
    out.append(
        "## Action-item follow-through\n\n"
        f"Now: **{ft.open} open**, **{ft.overdue} overdue**; completion rate "
        f"**{percent(ft.completion_rate)}** (done, of the items not dropped as won't do). "
        "Items count as opened in the quarter of their incident and as closed in the quarter "
        f"of their closed date. See [all open action items]({href(TRENDS, ACTIONS)}).\n\n"
        + figure(chart, TRENDS)
    )
    out.append(_foresight(ctx))
    return Generated(TRENDS, "".join(out)), charts


def _recurring(ctx: SiteContext) -> str:
    found = trends.recurring_categories(ctx.pm_metas, ctx.today)
    window = trends.last_quarters(ctx.today, 4)
    text = (
        "## Recurring categories\n\n"
        f"Categories with incidents in at least two of the last four quarters "
        f"({window[0]} to {window[-1]}). A category that keeps coming back is a lesson "
        "not yet learned.\n\n"
    )
    if not found:
        return text + "*No category recurred in the last four quarters.*\n\n"
    rows = [
        [
            link(
                esc(ctx.kb.taxonomy.title("categories", r.category)),
                TRENDS,
                ctx.routes.category(r.category),
            ),
            f"{len(r.quarters)} of 4",
            esc(", ".join(r.quarters)),
            str(r.incidents),
        ]
        for r in found
    ]
    return text + table(["Category", "Quarters", "Which", "Incidents"], rows, "lrlr") + "\n"


def _foresight(ctx: SiteContext) -> str:
    f = trends.foresight(ctx.pm_metas, ctx.pre_metas)
    w = overall_early_warning(ctx.pre_metas, ctx.risk_links)
    return (
        "## Pre-mortem foresight\n\n"
        + table(
            ["Measure", "Share", "Count"],
            [
                [
                    "Incidents a pre-mortem anticipated",
                    percent(f.incident_rate),
                    f"{len(f.anticipated)} of {f.incidents}",
                ],
                [
                    "Pre-mortem risks that materialised",
                    percent(f.risk_rate),
                    f"{len(f.materialised)} of {f.risks}",
                ],
                [
                    "Realised risks that had a tripwire",
                    percent(w.with_tripwire / w.realised if w.realised else None),
                    f"{w.with_tripwire} of {w.realised}",
                ],
                [
                    "Tripwires that fired before the incident",
                    percent(w.fired / w.with_tripwire if w.with_tripwire else None),
                    f"{w.fired} of {w.with_tripwire}",
                ],
            ],
            "lrr",
        )
        + "\nAn incident counts as anticipated when it names a pre-mortem risk, or when a "
        "pre-mortem held before it, covering one of its services (or naming no services), "
        "listed a risk in one of its categories. A risk counts as materialised when an "
        "incident names it (every incident counts, drafts included, as everywhere on this "
        "page). Tripwires count realised risks, each once: a risk had a tripwire "
        "when its pre-mortem wrote one down, and it fired before the incident when an incident "
        f"that realised it says `tripwire_fired: true` ({w.not_fired} said it did not fire, "
        f"{w.unknown} do not say). See [all pre-mortems]({href(TRENDS, PREMORTEMS)}).\n"
    )


# ---------------------------------------------------------------- home


def home_sections(ctx: SiteContext, src: str) -> tuple[str, dict[str, str]]:
    """Headline numbers, links into every part of the site, and the latest incidents.

    Returns the Markdown and the fragment for its `latest` slot.
    """
    h = trends.headline(ctx.pm_metas, ctx.today)
    numbers = table(
        [
            f"Incidents {h.quarter}",
            f"Incidents {h.previous_quarter}",
            "Median time to resolve (last 4 quarters)",
            "Open action items",
            "Overdue action items",
        ],
        [
            [
                str(h.this_quarter),
                str(h.last_quarter),
                duration(h.median_resolve) if h.median_resolve else DASH,
                link(str(h.open_actions), src, ACTIONS),
                link(f"**{h.overdue_actions}**" if h.overdue_actions else "0", src, ACTIONS),
            ]
        ],
        "rrrrr",
    )
    explore = [
        (TIMELINE, "Timeline", "every postmortem and pre-mortem, by year"),
        (CATEGORIES, "Categories", "contributing factors, with each one's history"),
        (SERVICES, "Services", "what broke where"),
        (TAGS, "Tags", "free-form labels"),
        (PREMORTEMS, "Pre-mortems", "the risks we saw coming, and which ones happened"),
        (
            WEEK,
            "This week",
            "what needs a human now: overdue items, stale drafts, reviews, repeats",
        ),
        (ACTIONS, "Action items", "everything still open, overdue first"),
        (TRENDS, "Trends", "are we learning? Incidents, durations, recurrence, follow-through"),
    ]
    links = "\n".join(f"- {link(name, src, dst)}: {text}" for dst, name, text in explore)
    out = f"## At a glance\n\n{numbers}\n## Explore\n\n{links}\n"
    fragments = {}
    if ctx.incidents:
        out += "\n## Latest incidents" + slot("latest")
        fragments["latest"] = ul(label(d, ctx, src) for d in ctx.incidents[:10])
    return out, fragments


def home_page(ctx: SiteContext, site_name: str) -> Generated:
    """A home page for knowledge bases whose authors did not write one."""
    intro = (
        "What went wrong, why, and what we changed, from every postmortem and pre-mortem "
        "in this knowledge base.\n\n"
    )
    sections, fragments = home_sections(ctx, ctx.home)
    text = f"# {esc(site_name)}\n\n{intro}" + sections
    return Generated(ctx.home, front_matter("Home") + text, fragments)


def with_home_sections(
    markdown: str, sections: str, authored: Callable[[str], str] = lambda text: text
) -> str:
    """The author's home page with kb's sections before its first `##` section (or at the end).

    `authored` wraps each of the author's own parts (kb.site.markup marks them).
    """
    at = markdown.find("\n## ")
    if at < 0:
        return authored(markdown.rstrip()) + "\n\n" + sections
    return authored(markdown[: at + 1]) + sections + "\n" + authored(markdown[at + 1 :])
