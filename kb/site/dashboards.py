"""The trends page and the home page: is the organisation learning?

Pure functions from the site context to Markdown and chart specs. Every number
counts the context's counted postmortems (`SiteContext.counted`: published only,
unless the plugin's `count_in_review` option is on) and says how many values it
rests on. Per-month charts cover the last two years and per-quarter charts the
last three, never starting before the first incident, so the page size stays
bounded whatever the history; each page says the range and where the rest is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from kb import trends
from kb.loop.tripwires import overall_early_warning
from kb.models import Postmortem
from kb.site.charts import PALETTE, SEVERITY_COLOURS, Chart, Kind, figure
from kb.site.context import Generated, SiteContext
from kb.site.fragments import h as hx
from kb.site.fragments import slot, ul
from kb.site.listings import QUARTERS
from kb.site.md import DASH, duration, esc, front_matter, hours, href, link, percent, table
from kb.site.pages import label, sparkline
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
SPARK_QUARTERS = 8  # quarters in a home-page sparkline


def _first(ctx: SiteContext) -> dt.date | None:
    return min((pm.date for pm in ctx.counted_metas), default=None)


def period_is_partial(today: dt.date, of: Callable[[dt.date], str]) -> bool:
    """Whether the period (month_of or quarter_of) holding `today` is not over yet."""
    return of(today) == of(today + dt.timedelta(days=1))


def _counts_chart(
    uri: str,
    title: str,
    counts: trends.Counts,
    kind: Kind,
    colours: tuple[str, ...] = PALETTE,
    labels: dict[str, str] | None = None,
    partial: bool = False,
) -> Chart:
    series: dict[str, list[float | None]] = {
        k: [float(v) for v in values] for k, values in counts.series.items()
    }
    return Chart(
        uri,
        title,
        kind,
        counts.periods,
        series,
        colours=colours,
        labels=labels or {},
        partial=partial,
    )


POINTS_SHOWN = 15  # a quarter with more incidents is drawn as a box and a line


def spread_of(values: tuple[float, ...]) -> tuple[float, float, float, float]:
    """(lowest, first quartile, third quartile, highest) of sorted, non-empty values."""
    q1, q3 = trends.percentile(values, 25), trends.percentile(values, 75)
    assert q1 is not None and q3 is not None
    return (values[0], q1, q3, values[-1])


def _point_hours(seconds: float) -> float:
    # A zero-length duration (detected the minute it started) still shows on a log axis.
    return max(seconds / 3600, 1 / 60)


def _duration_section(
    ctx: SiteContext,
    name: str,
    what: str,
    measure: Callable[[Postmortem], dt.timedelta | None],
    quarters: list[str],
) -> tuple[str, Chart]:
    stats = trends.duration_stats(ctx.counted_metas, quarters, measure)
    med = [hours(s.median) for s in stats]
    p90 = [hours(s.p90) for s in stats]
    hours_of = [tuple(_point_hours(v) for v in s.values) for s in stats]
    few = [len(v) <= POINTS_SHOWN for v in hours_of]
    points = tuple(v if ok else () for v, ok in zip(hours_of, few, strict=True))
    boxes = tuple(None if ok else spread_of(v) for v, ok in zip(hours_of, few, strict=True))
    known = [v for values in points for v in values]
    # A log axis keeps a week-long outlier from flattening every other quarter.
    spread = max(known) / min(known) if known else 1
    chart = Chart(
        f"trends/{name}.svg",
        f"Time to {what} per quarter: every incident, median and 90th percentile",
        "strip",
        quarters,
        {"median": med, "p90": p90},
        unit="hours",
        dashed=frozenset({"p90"}),
        labels={"median": "median", "p90": f"90th percentile (n ≥ {trends.MIN_P90})"},
        log_scale=spread > 30,
        partial=period_is_partial(ctx.today, trends.quarter_of),
        points=points,
        boxes=boxes,
        n=tuple(s.count for s in stats),
    )
    rows = [
        [
            s.period,
            str(s.count),
            duration(s.median),
            duration(s.p90) if s.p90_shown else f"{DASH} (n < {trends.MIN_P90})",
        ]
        for s in stats
    ]
    head = ["Quarter", "Incidents (n)", "Median", "90th percentile"]
    total = sum(s.count for s in stats)
    text = (
        f"Each dot is one incident ({total} with a time to {what} in these quarters; n under "
        f"each quarter; a quarter with more than {POINTS_SHOWN} shows a box instead, the middle "
        "half of its values, and a line from the fastest to the slowest). The solid bar is the median; the dashed bar, the 90th percentile, is "
        f"drawn only for quarters with at least {trends.MIN_P90} incidents, since from fewer "
        "it would just be the slowest one."
        + (" The axis is logarithmic." if chart.log_scale else "")
        + "\n\n"
    )
    return text + figure(chart, TRENDS, data=(head, rows)), chart


def trends_page(ctx: SiteContext) -> tuple[Generated, list[Chart]]:
    """The trends page and the charts it shows."""
    tax, pms, today = ctx.kb.taxonomy, ctx.counted_metas, ctx.today
    months = trends.last_months(today, MONTHS, _first(ctx))
    quarters = trends.last_quarters(today, QUARTERS, _first(ctx))
    month_partial = period_is_partial(today, trends.month_of)
    quarter_partial = period_is_partial(today, trends.quarter_of)
    charts: list[Chart] = []
    out = [
        front_matter("Trends"),
        "# Trends\n\n",
        f"Built on {today.isoformat()} from {len(pms)} incidents and "
        f"{len(ctx.premortems)} pre-mortems. {ctx.counting_note()} Durations are summarised "
        "by median and 90th percentile, not by mean: most incidents are short and a few are "
        "very long."
        + (
            f" The current quarter, {quarters[-1]}, is not over yet: its numbers are partial."
            if quarter_partial
            else ""
        )
        + "\n\n",
    ]

    per_month = trends.per_month_by_severity(pms, months, tax)
    chart = _counts_chart(
        "trends/incidents-per-month.svg",
        f"Incidents per month by severity, {months[0]} to {months[-1]}",
        per_month,
        kind="stacked",
        colours=SEVERITY_COLOURS,
        labels={s.id: f"{s.id} {s.title}" for s in tax.severities},
        partial=month_partial,
    )
    charts.append(chart)
    older = sum(1 for pm in pms if trends.month_of(pm.date) < months[0])
    rest = (
        f" {older} older incidents are not in this chart: "
        f"{link('the timeline', TRENDS, TIMELINE)} lists every year."
        if older
        else ""
    )
    out.append(
        "## Incidents per month, by severity\n\n"
        f"The last {len(months)} months, {months[0]} to {months[-1]}.{rest}\n\n"
        + figure(chart, TRENDS)
    )

    groups = trends.per_quarter_by_group(pms, quarters, tax)
    chart = _counts_chart(
        "trends/incidents-per-group.svg",
        "Incidents per quarter by category group",
        groups,
        kind="bars",
        partial=quarter_partial,
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
        partial=quarter_partial,
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
        partial=quarter_partial,
        empty_text="No action items",
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
    found = trends.recurring_categories(ctx.counted_metas, ctx.today)
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
    f = trends.foresight(ctx.counted_metas, ctx.pre_metas, ctx.candidates)
    w = overall_early_warning(ctx.pre_metas, ctx.risk_links)
    return (
        "## Pre-mortem foresight\n\n"
        + table(
            ["Measure", "Share", "Count"],
            [
                [
                    "Incidents linked to a pre-mortem risk (anticipated)",
                    percent(f.incident_rate),
                    f"{len(f.anticipated)} of {f.incidents}",
                ],
                [
                    "Incidents possibly anticipated, not linked (not counted above)",
                    percent(len(f.possible) / f.incidents if f.incidents else None),
                    f"{len(f.possible)} of {f.incidents}",
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
        + "\nAn incident counts as anticipated only when it names a pre-mortem risk in "
        "`premortem_risks`: the link an author confirmed. An incident is *possibly "
        "anticipated* when a pre-mortem held before it, covering one of its services (or "
        "naming no services), listed a risk in one of its categories, but the incident does "
        'not name that risk; its page and the pre-mortem\'s list these as "link it?" '
        "candidates, one edit away from counting. A risk counts as materialised when an "
        f"incident names it. {ctx.counting_note()} Tripwires count realised risks, each "
        "once: a risk had a tripwire when its pre-mortem wrote one down, and it fired before "
        "the incident when an incident that realised it says `tripwire_fired: true` "
        f"({w.not_fired} said it did not fire, {w.unknown} do not say). "
        f"See [all pre-mortems]({href(TRENDS, PREMORTEMS)}).\n"
    )


# ---------------------------------------------------------------- home


def home_sections(ctx: SiteContext, src: str) -> tuple[str, dict[str, str]]:
    """What we keep learning, headline numbers, links into every part of the site, and
    the latest incidents.

    Returns the Markdown and the fragments for its `learning` and `latest` slots.
    """
    hl = trends.headline(ctx.counted_metas, ctx.today)
    numbers = table(
        [
            f"Incidents {hl.quarter}" + (" (so far)" if _quarter_partial(ctx) else ""),
            f"Incidents {hl.previous_quarter}",
            "Median time to resolve (last 4 quarters)",
            "Open action items",
            "Overdue action items",
        ],
        [
            [
                str(hl.this_quarter),
                str(hl.last_quarter),
                (f"{duration(hl.median_resolve)} (n={hl.resolved})" if hl.median_resolve else DASH),
                link(str(hl.open_actions), src, ACTIONS),
                link(f"**{hl.overdue_actions}**" if hl.overdue_actions else "0", src, ACTIONS),
            ]
        ],
        "rrrrr",
    )
    waiting = _waiting(ctx, src)
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
    fragments = {"learning": _learning(ctx, src)}
    out = (
        "## What we keep learning" + slot("learning") + f"## At a glance\n\n{numbers}\n"
        f"{waiting}## Explore\n\n{links}\n"
    )
    if ctx.incidents:
        out += "\n## Latest incidents" + slot("latest")
        fragments["latest"] = ul(label(d, ctx, src) for d in ctx.incidents[:10])
    return out, fragments


def _quarter_partial(ctx: SiteContext) -> bool:
    return period_is_partial(ctx.today, trends.quarter_of)


def _waiting(ctx: SiteContext, src: str) -> str:
    """How many postmortems the numbers leave out, waiting for review or still drafts."""
    review = sum(1 for d in ctx.incidents if getattr(d.meta, "status", "") == "in-review")
    drafts = sum(1 for d in ctx.incidents if getattr(d.meta, "status", "") == "draft")
    what = "published and in-review" if ctx.count_in_review else "published"
    text = f"These numbers count {what} postmortems only. "
    if not review and not drafts:
        return text + "None is waiting for review.\n\n"
    parts = []
    if review:
        parts.append(f"**{review} {'is' if review == 1 else 'are'} waiting for review**")
    if drafts:
        parts.append(f"{drafts} {'is a draft' if drafts == 1 else 'are drafts'}")
    return text + " and ".join(parts) + f" (see {link('This week', src, WEEK)}).\n\n"


def _learning(ctx: SiteContext, src: str) -> str:
    """The categories recurring most in the last four quarters, each with a sparkline of
    its incidents per quarter and the open prevent action items behind it."""
    found = trends.recurring_categories(ctx.counted_metas, ctx.today)[:3]
    window = trends.last_quarters(ctx.today, 4)
    if not found:
        return (
            f"<p>No category had incidents in two or more of the last four quarters "
            f"({window[0]} to {window[-1]}).</p>\n"
        )
    quarters = trends.last_quarters(ctx.today, SPARK_QUARTERS)
    counts = trends.per_quarter_by_category(ctx.counted_metas, quarters)
    items = []
    for r in found:
        title = ctx.kb.taxonomy.title("categories", r.category)
        values = counts.series.get(r.category, [0] * len(quarters))
        prevent = [
            (doc, item)
            for doc in ctx.by_category.get(r.category, [])
            if ctx.is_counted(doc) and isinstance(doc.meta, Postmortem)
            for item in doc.meta.open_action_items
            if item.kind == "prevent"
        ]
        shown = "".join(
            f"<li>{hx(item.title)} ({ctx.urls.a(hx(doc.id), src, doc.src_uri)}"
            + (f", {hx(item.owner)}" if item.owner else "")
            + (", <strong>overdue</strong>" if item.is_overdue(ctx.today) else "")
            + ")</li>"
            for doc, item in prevent[:3]
        )
        more = f"<li>… and {len(prevent) - 3} more</li>" if len(prevent) > 3 else ""
        behind = (
            f"{len(prevent)} open <em>prevent</em> action items:<ul>{shown}{more}</ul>"
            if prevent
            else "no open <em>prevent</em> action item."
        )
        items.append(
            f"<li><strong>{ctx.urls.a(hx(title), src, ctx.routes.category(r.category))}</strong>"
            f" {sparkline(values, quarters)} {r.incidents} incidents in "
            f"{len(r.quarters)} of the last 4 quarters; {behind}</li>"
        )
    return (
        f"<p>The categories with incidents in the most of the last four quarters "
        f"({window[0]} to {window[-1]}); each line is incidents per quarter since "
        f"{quarters[0]}.</p>\n<ul>\n" + "\n".join(items) + "\n</ul>\n"
    )


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
