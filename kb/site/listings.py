"""The generated index pages: timeline, pre-mortems, categories, services, tags, action items.

Pure functions from the site context to `Generated` pages. Every long listing is
split into pages of `page_size` rows, so no page grows with the knowledge base.
All pages of one listing share a folder, so a row's relative links are the same
on each of them. The rows are an HTML fragment in the page's `listing` slot.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

from kb import trends
from kb.loader import Document
from kb.loop.repeats import RecurringFailure
from kb.loop.tripwires import overall_early_warning
from kb.models import ActionItem, Postmortem, Premortem
from kb.site.charts import Chart, figure
from kb.site.context import Generated, SiteContext
from kb.site.fragments import h, pager, slot, table, ul
from kb.site.md import DASH, duration, esc, front_matter, link, percent
from kb.site.md import table as md_table
from kb.site.pages import label, risk_anchor, status_badge, title_link
from kb.site.routes import (
    ACTIONS,
    CATEGORIES,
    PREMORTEMS,
    SERVICES,
    TAGS,
    TIMELINE,
    Routes,
    page_uris,
    unique_slugs,
)

QUARTERS = 12  # quarters shown in per-quarter charts

Rows = Sequence[Sequence[str]]


def paginated(
    ctx: SiteContext,
    folder: str,
    title: str,
    head: Sequence[str],
    rows: Rows,
    *,
    intro: str = "",
    outro: tuple[str, str] | None = None,
    empty: str = "Nothing here yet.",
) -> list[Generated]:
    """A listing split into pages of `page_size` rows.

    `intro` (Markdown) comes before the rows of the first page and `outro` (a heading
    and an HTML fragment) after them. Listing pages stay out of the search index: their
    rows only repeat the documents' titles.
    """
    size = ctx.page_size
    chunks = [rows[i : i + size] for i in range(0, len(rows), size)] or [[]]
    uris = page_uris(folder, len(chunks))
    pages = []
    for n, (uri, chunk) in enumerate(zip(uris, chunks, strict=True)):
        plain = title if n == 0 else f"{title} (page {n + 1})"
        nav = pager(ctx.urls, uri, uris, n)
        if n and ctx.urls.directory_urls:
            # The rows link relative to the first page's URL, folder/; with folder URLs
            # folder/page-2.md is served one level deeper, at folder/page-2/.
            chunk = [[_one_level_up(cell) for cell in row] for row in chunk]
        listing = table(head, chunk) if chunk else f"<p><em>{h(empty)}</em></p>\n"
        text = front_matter(h(plain), search=False) + f"# {esc(plain)}\n\n"
        if n == 0 and intro:
            text += intro.rstrip() + "\n"
        text += slot("listing")
        fragments = {"listing": nav + listing + nav}
        if n == 0 and outro:
            text += f"## {esc(outro[0])}" + slot("outro")
            fragments["outro"] = outro[1]
        pages.append(Generated(uri, text, fragments))
    return pages


_RELATIVE_HREF = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|/|#)')


def _one_level_up(cell_html: str) -> str:
    """A row's cell (kb's own markup) with its relative links made to work one folder down."""
    return _RELATIVE_HREF.sub('href="../', cell_html)


def kind_of(doc: Document) -> str:
    """'Incident', 'Near miss' or 'Pre-mortem'."""
    if isinstance(doc.meta, Premortem):
        return "Pre-mortem"
    return "Near miss" if doc.meta.near_miss else "Incident"


def severity(doc: Document) -> str:
    """The severity id of a postmortem, a dash otherwise."""
    if isinstance(doc.meta, Postmortem) and doc.meta.severity:
        return h(doc.meta.severity)
    return DASH


def _doc_rows(docs: Sequence[Document], src: str, ctx: SiteContext) -> list[list[str]]:
    # A document is listed on its year's page and on each of its categories', services'
    # and tags' pages: its cells but the link (relative to the page) are made once.
    cells = ctx.row_cells
    rows = []
    for d in docs:
        date, doc_id, kind, sev = cells.get(d.id) or cells.setdefault(
            d.id, (d.meta.date.isoformat(), h(d.id), kind_of(d), severity(d))
        )
        rows.append([date, title_link(d, src, ctx), doc_id, kind, sev])
    return rows


DOC_HEAD = ["Date", "Document", "Id", "Kind", "Severity"]


# ---------------------------------------------------------------- timeline


def timeline_pages(ctx: SiteContext) -> list[Generated]:
    """The timeline index (one row per year) and one paginated listing per year."""
    by_year: dict[int, list[Document]] = defaultdict(list)
    for doc in ctx.documents:
        by_year[doc.meta.date.year].append(doc)
    pages: list[Generated] = []
    rows = []
    for year in sorted(by_year, reverse=True):
        docs = by_year[year]
        folder = Routes.year(year)
        incidents = sum(isinstance(d.meta, Postmortem) for d in docs)
        first = f"{folder}/index.md"
        rows.append([link(str(year), TIMELINE, first), str(incidents), str(len(docs) - incidents)])
        pages += paginated(ctx, folder, f"Timeline {year}", DOC_HEAD, _doc_rows(docs, first, ctx))
    index = [
        front_matter("Timeline", search=False),
        "# Timeline\n\n",
        "Every postmortem and pre-mortem by year, newest first. "
        f"{len(ctx.incidents)} incidents and {len(ctx.premortems)} pre-mortems in all"
        + (
            f", {len(ctx.uncounted)} of the incidents not yet published (marked).\n\n"
            if ctx.uncounted
            else ".\n\n"
        ),
        md_table(["Year", "Incidents", "Pre-mortems"], rows, "lrr")
        if rows
        else "*No documents yet.*\n",
    ]
    fragments = {}
    latest = ctx.documents[:20]
    if latest:
        index.append("\n## Latest" + slot("latest"))
        fragments["latest"] = ul(label(d, ctx, TIMELINE) for d in latest)
    return [Generated(TIMELINE, "".join(index), fragments), *pages]


# ---------------------------------------------------------------- pre-mortems


def premortem_pages(ctx: SiteContext) -> list[Generated]:
    """Every pre-mortem with its risk count, top score and how many risks materialised."""
    rows = []
    for doc in ctx.premortems:
        pre = doc.meta
        assert isinstance(pre, Premortem)
        realised = sum(1 for r in pre.risks if f"{pre.id}#{r.id}" in ctx.risk_links)
        top = max((r.score for r in pre.risks), default=None)
        rows.append(
            [
                pre.date.isoformat(),
                title_link(doc, PREMORTEMS, ctx),
                h(pre.project) if pre.project else DASH,
                str(len(pre.risks)),
                str(top) if top is not None else DASH,
                str(realised),
                h(pre.status),
            ]
        )
    refs = [f"{p.id}#{r.id}" for p in ctx.pre_metas for r in p.risks]
    happened = sum(1 for ref in refs if ref in ctx.risk_links)
    warning = overall_early_warning(ctx.pre_metas, ctx.risk_links)
    intro = (
        "Before a launch, the team imagines it failed and writes down why. "
        f"{len(ctx.premortems)} pre-mortems named {len(refs)} risks; "
        f"{happened} of them materialised in an incident so far. {ctx.counting_note()}\n\n"
        f"**Early warning:** {esc(warning.sentence())} A tripwire fired in time when an "
        "incident that realised the risk says `tripwire_fired: true`; each realised risk "
        "counts once."
    )
    head = ["Date", "Pre-mortem", "Project", "Risks", "Top score", "Materialised", "Status"]
    return paginated(ctx, "premortems", "Pre-mortems", head, rows, intro=intro)


# ---------------------------------------------------------------- categories


def category_quarters(ctx: SiteContext) -> list[str]:
    """The quarters shown in per-quarter charts (never before the first incident)."""
    first = min((pm.date for pm in ctx.counted_metas), default=None)
    return trends.last_quarters(ctx.today, QUARTERS, first)


def quarter_is_partial(ctx: SiteContext) -> bool:
    """Whether today's quarter is not over yet (its bar is marked partial)."""
    day = ctx.today
    return trends.quarter_of(day) == trends.quarter_of(day + dt.timedelta(days=1))


def counted_of(ctx: SiteContext, docs: list[Document]) -> list[Document]:
    """The documents of a listing that its numbers count (kb.site.context's one rule)."""
    return [d for d in docs if isinstance(d.meta, Postmortem) and ctx.is_counted(d)]


def category_pages(ctx: SiteContext) -> tuple[list[Generated], list[Chart]]:
    """The category index by group, and per category its history, chart and risks."""
    tax = ctx.kb.taxonomy
    quarters = category_quarters(ctx)
    counts = trends.per_quarter_by_category(ctx.counted_metas, quarters)
    recent = set(trends.last_quarters(ctx.today, 4))
    pages: list[Generated] = []
    charts: list[Chart] = []
    sections = []
    for group in ("technical", "human", "process", "external"):
        rows = []
        for cat in (c for c in tax.categories if c.group == group):
            docs = counted_of(ctx, ctx.by_category.get(cat.slug, []))
            in_window = sum(1 for d in docs if trends.quarter_of(d.meta.date) in recent)
            risks = ctx.risks_by_category.get(cat.slug, [])
            rows.append(
                [
                    link(esc(cat.title), CATEGORIES, ctx.routes.category(cat.slug)),
                    esc(cat.description) if cat.description else DASH,
                    str(len(docs)),
                    str(in_window),
                    docs[0].meta.date.isoformat() if docs else DASH,
                    str(len(risks)),
                ]
            )
            values = counts.series.get(cat.slug, [0] * len(quarters))
            chart = None
            if any(values):  # an empty chart says nothing the sentence above it does not
                chart = Chart(
                    f"{ctx.routes.category_folder(cat.slug)}/per-quarter.svg",
                    f"{cat.title}: incidents per quarter",
                    "bars",
                    quarters,
                    {"incidents": [float(v) for v in values]},
                    partial=quarter_is_partial(ctx),
                )
                charts.append(chart)
            pages += _category(ctx, cat.slug, chart)
        head = ["Category", "What it means", "Incidents", "Last 4 quarters", "Last incident"]
        head.append("Pre-mortem risks")
        sections.append(f"## {group.capitalize()}\n\n" + md_table(head, rows, "llrrlr"))
    intro = (
        "Contributing factors, grouped as in incident tooling: technical, human, process "
        "and external. An incident usually has more than one. The vocabulary lives in "
        f"`taxonomy.yml`. {ctx.counting_note()}"
    )
    index = front_matter("Categories") + "# Categories\n\n" + intro + "\n\n" + "\n".join(sections)
    return [Generated(CATEGORIES, index), *pages], charts


def _category(ctx: SiteContext, slug: str, chart: Chart | None) -> list[Generated]:
    cat = ctx.kb.taxonomy.category(slug)
    assert cat is not None
    folder = ctx.routes.category_folder(slug)
    src = f"{folder}/index.md"
    docs = ctx.by_category.get(slug, [])
    counted = counted_of(ctx, docs)
    risks = ctx.risks_by_category.get(slug, [])
    last = f", the latest on {counted[0].meta.date.isoformat()}" if counted else ""
    quarters = category_quarters(ctx)
    intro = "\n\n".join(
        [
            f"*{cat.group.capitalize()} category.* {esc(cat.description)}",
            f"{len(counted)} incidents{last}. {len(risks)} pre-mortem risks named it. "
            + ctx.counting_note(),
            recurring_section(
                ctx, [r for r in ctx.recurring if r.category == slug], src, "service"
            ),
            "## Incidents per quarter\n\n"
            + (
                figure(chart, src, number_format="{:.0f}")
                if chart
                else f"*No incidents from {quarters[0]} to {quarters[-1]}.*\n"
            ),
            "## Incidents",
        ]
    )
    items = []
    for pre_doc, risk_id in risks[:RISKS_SHOWN]:
        assert isinstance(pre_doc.meta, Premortem)
        risk = pre_doc.meta.risk(risk_id)
        assert risk is not None
        happened = ctx.kb.realised_by.get(f"{pre_doc.id}#{risk_id}", [])
        text = f"{h(pre_doc.meta.title)}, {h(risk_id)}"
        where = ctx.urls.a(text, src, pre_doc.src_uri, risk_anchor(risk_id))
        outcome = (
            "<strong>materialised</strong> in "
            + ", ".join(ctx.urls.a(h(d.id), src, d.src_uri) + status_badge(d) for d in happened)
            if happened
            else "not (yet) materialised"
        )
        items.append(f"{where} ({pre_doc.meta.date.isoformat()}): {h(risk.scenario)} ({outcome})")
    more = len(risks) - RISKS_SHOWN
    if more > 0:
        items.append(f"… and {more} older risks: see {ctx.urls.a('Pre-mortems', src, PREMORTEMS)}")
    fragment = ul(items) if items else "<p><em>No pre-mortem named this category yet.</em></p>\n"
    rows = [
        [d.meta.date.isoformat(), title_link(d, src, ctx), h(d.id), severity(d), _services(d)]
        for d in docs
    ]
    head = ["Date", "Incident", "Id", "Severity", "Services"]
    outro = ("Pre-mortem risks in this category", fragment)
    return paginated(ctx, folder, cat.title, head, rows, intro=intro, outro=outro)


RECURRING_NAMED = 5  # incidents a recurring failure names (newest first); it counts the rest
# Recurring failures a category or service page lists (most incidents first); the others are
# counted and each is on the other facet's page. Without a bound the list grew with the
# services: 60 lines, 45 KB of a category's page at 10,000 documents.
RECURRING_SHOWN = 10
# Pre-mortem risks a category's page lists, newest first (100 were 36 KB of the page).
RISKS_SHOWN = 40


def recurring_section(ctx: SiteContext, found: list[RecurringFailure], src: str, other: str) -> str:
    """'Recurring failures' on a category page (other='service') or a service page ('category')."""
    loop = ctx.kb.settings.loop
    window = (
        f"{loop.recurring_count} or more incidents in the same category and service within "
        f"the {loop.recurring_months} months to {ctx.today.isoformat()}"
    )
    if not found:
        return f"## Recurring failures\n\nNone: no {other} had {window}."
    lines = []
    for r in found[:RECURRING_SHOWN]:
        if other == "service":
            name = link(esc(r.service), src, ctx.routes.service(r.service))
        else:
            title = ctx.kb.taxonomy.title("categories", r.category)
            name = link(esc(title), src, ctx.routes.category(r.category))
        shown = [d for pm in r.incidents if (d := ctx.doc(pm.id)) is not None][:RECURRING_NAMED]
        ids = ", ".join(link(esc(d.id), src, d.src_uri) for d in shown)
        rest = len(r.incidents) - len(shown)
        newest = "the newest " if rest > 0 else ""
        more = f" and {rest} more" if rest > 0 else ""
        lines.append(
            f"- **{name}**: {len(r.incidents)} incidents since {r.first_day}, {newest}{ids}{more}"
        )
    rest = len(found) - RECURRING_SHOWN
    if rest > 0:
        plural = "services" if other == "service" else "categories"
        lines.append(f"- … and {rest} more {plural}, each with its recurring failures on its page")
    return (
        "## Recurring failures\n\n"
        f"A recurring failure is {window}: a lesson not yet learned.\n\n" + "\n".join(lines)
    )


def _services(doc: Document) -> str:
    return ", ".join(h(s) for s in doc.meta.services) or DASH


# ---------------------------------------------------------------- services and tags


def _facet_pages(
    ctx: SiteContext,
    *,
    noun: str,
    index: str,
    groups: dict[str, list[Document]],
    page_of: Callable[[str], str],
    folder_of: Callable[[str], str],
    extra: Callable[[str, str], str] | None = None,
) -> list[Generated]:
    names = sorted(groups, key=lambda n: (-len(groups[n]), n.lower()))
    rows = []
    for name in names:
        docs = groups[name]
        incidents = len(counted_of(ctx, docs))
        pres = sum(isinstance(d.meta, Premortem) for d in docs)
        rows.append(
            [
                ctx.urls.a(h(name), index, page_of(name)),
                str(incidents),
                str(pres),
                docs[0].meta.date.isoformat(),
            ]
        )
    title = noun.capitalize() + "s"
    head = [noun.capitalize(), "Incidents", "Pre-mortems", "Latest"]
    intro = f"{len(names)} {noun}s, the busiest first. {ctx.counting_note()}"
    pages = paginated(ctx, index.rsplit("/", 1)[0], title, head, rows, intro=intro)
    for name in names:
        docs = groups[name]
        folder = folder_of(name)
        src = f"{folder}/index.md"
        counted = counted_of(ctx, docs)
        cats: Counter[str] = Counter()
        for d in counted:
            assert isinstance(d.meta, Postmortem)
            cats.update(set(d.meta.categories))
        top = ", ".join(
            f"{link(esc(ctx.kb.taxonomy.title('categories', c)), src, ctx.routes.category(c))} ({n})"
            # Ties by name: the page must not change between builds of the same files.
            for c, n in sorted(cats.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        )
        pres = sum(isinstance(d.meta, Premortem) for d in docs)
        text = f"{len(counted)} incidents and {pres} pre-mortems mention this {noun}."
        if len(counted) + pres < len(docs):
            text += f" {ctx.counting_note()}"
        if top:
            text += f" Most frequent categories: {top}."
        if extra is not None:
            text += "\n\n" + extra(name, src) + "\n\n## Documents"
        rows = _doc_rows(docs, src, ctx)
        pages += paginated(ctx, folder, f"{noun.capitalize()}: {name}", DOC_HEAD, rows, intro=text)
    return pages


def service_pages(ctx: SiteContext) -> tuple[list[Generated], list[Chart]]:
    """The services index, and a page per service: its incidents per quarter, time to
    resolve, recurring failures, open action items, the pre-mortems that cover it, and
    its documents. Returns the pages and the charts they show."""
    routes = ctx.routes
    quarters = category_quarters(ctx)
    charts: dict[str, Chart | None] = {}
    for name, docs in ctx.by_service.items():
        metas = [d.meta for d in counted_of(ctx, docs) if isinstance(d.meta, Postmortem)]
        values = trends.per_quarter(metas, quarters)
        charts[name] = (
            Chart(
                f"{routes.service_folder(name)}/per-quarter.svg",
                f"{name}: incidents per quarter",
                "bars",
                quarters,
                {"incidents": [float(v) for v in values]},
                partial=quarter_is_partial(ctx),
            )
            if any(values)
            else None
        )
    pages = _facet_pages(
        ctx,
        noun="service",
        index=SERVICES,
        groups=ctx.by_service,
        page_of=routes.service,
        folder_of=routes.service_folder,
        extra=lambda name, src: _service_sections(ctx, name, src, charts[name], quarters),
    )
    return pages, [c for c in charts.values() if c is not None]


ITEMS_SHOWN = 10  # open action items named on a service page


def _service_sections(
    ctx: SiteContext, name: str, src: str, chart: Chart | None, quarters: list[str]
) -> str:
    docs = ctx.by_service.get(name, [])
    metas = [d.meta for d in counted_of(ctx, docs) if isinstance(d.meta, Postmortem)]
    stats = trends.summarise(
        "all", [v.total_seconds() for pm in metas if (v := pm.time_to_resolve) is not None]
    )
    if stats.count == 0:
        resolve = "No incident of this service records when it was resolved."
    else:
        p90 = (
            f"90th percentile **{duration(stats.p90)}**"
            if stats.p90_shown
            else f"no 90th percentile from fewer than {trends.MIN_P90} incidents"
        )
        resolve = (
            f"Time to resolve, over the {stats.count} incidents that record it (n={stats.count}):"
            f" median **{duration(stats.median)}**, {p90}."
        )
    out = [
        "## Incidents per quarter\n\n"
        + (
            figure(chart, src, number_format="{:.0f}")
            if chart
            else f"*No incidents from {quarters[0]} to {quarters[-1]}.*\n"
        ),
        "## Time to resolve\n\n" + resolve,
        recurring_section(ctx, [r for r in ctx.recurring if r.service == name], src, "category"),
        _service_actions(ctx, docs, src),
        _covering_premortems(ctx, name, src),
    ]
    return "\n\n".join(out)


def _service_actions(ctx: SiteContext, docs: list[Document], src: str) -> str:
    today = ctx.today
    items = [
        (d, item)
        for d in docs
        if isinstance(d.meta, Postmortem)
        for item in d.meta.open_action_items
    ]
    items.sort(key=_action_order(today))
    overdue = sum(1 for _, item in items if item.is_overdue(today))
    head = f"## Open action items\n\n**{len(items)} open**, **{overdue} overdue**"
    if not items:
        return head + "."
    lines = [
        f"- {item.due.isoformat() if item.due else DASH} "
        + ("**overdue** · " if item.is_overdue(today) else "")
        + f"{esc(item.status)}: {esc(item.title)} ({esc(item.kind)}"
        + (f", {esc(item.owner)}" if item.owner else "")
        + f", {link(esc(d.id), src, d.src_uri)})"
        for d, item in items[:ITEMS_SHOWN]
    ]
    more = (
        f"\n\n… and {len(items) - ITEMS_SHOWN} more on {link('the action items page', src, ACTIONS)}."
        if len(items) > ITEMS_SHOWN
        else ""
    )
    return head + ", overdue first:\n\n" + "\n".join(lines) + more


def _covering_premortems(ctx: SiteContext, name: str, src: str) -> str:
    pres = [d for d in ctx.by_service.get(name, []) if isinstance(d.meta, Premortem)]
    head = "## Pre-mortems that cover it"
    if not pres:
        return head + "\n\nNo pre-mortem lists this service yet."
    lines = []
    for d in pres[:ITEMS_SHOWN]:
        pre = d.meta
        assert isinstance(pre, Premortem)
        realised = sum(1 for r in pre.risks if f"{pre.id}#{r.id}" in ctx.risk_links)
        lines.append(
            f"- {link(esc(pre.title), src, d.src_uri)} ({esc(pre.id)}, {pre.date.isoformat()}):"
            f" {len(pre.risks)} risks, {realised} materialised"
        )
    more = f"\n- … and {len(pres) - ITEMS_SHOWN} more below" if len(pres) > ITEMS_SHOWN else ""
    return head + "\n\n" + "\n".join(lines) + more


def tag_pages(ctx: SiteContext) -> list[Generated]:
    """The tags index and a page per tag with its documents."""
    routes = ctx.routes
    return _facet_pages(
        ctx,
        noun="tag",
        index=TAGS,
        groups=ctx.by_tag,
        page_of=routes.tag,
        folder_of=routes.tag_folder,
    )


# ---------------------------------------------------------------- action items


def _action_order(today: dt.date) -> Callable[[tuple[Document, ActionItem]], tuple[object, ...]]:
    def key(di: tuple[Document, ActionItem]) -> tuple[object, ...]:
        doc, item = di
        return (not item.is_overdue(today), item.due is None, item.due or today, doc.meta.date)

    return key


_NOWRAP = 'style="white-space:nowrap"'


def _ticket(value: str | None) -> str:
    """A ticket: linked when it is a URL, shown by its last part so the column stays narrow."""
    if not value:
        return DASH
    if not _URL.match(value):
        return f'<span style="word-break:break-all">{h(value)}</span>'
    short = value.rstrip("/").rsplit("/", 1)[-1] or value
    return f'<a href="{h(value)}" title="{h(value)}">{h(short[:24])}</a>'


_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$")


def _action_rows(
    ctx: SiteContext, items: list[tuple[Document, ActionItem]], src: str
) -> list[list[str]]:
    today = ctx.today
    rows = []
    for doc, item in items:
        overdue = item.is_overdue(today)
        due = item.due.isoformat() if item.due else DASH
        state = h(item.status) + (" · <strong>⚠ overdue</strong>" if overdue else "")
        who = " · ".join(
            [h(item.kind)]
            + ([f"owner {h(item.owner)}"] if item.owner else ["no owner"])
            + ([f"team {h(', '.join(teams))}"] if (teams := _teams(doc)) else [])
        )
        rows.append(
            [
                f"<span {_NOWRAP}>{f'<strong>{due}</strong>' if overdue else due}</span><br>"
                + state,
                f"{h(item.title)}<br><small>{who}</small>",
                # Id and ticket share a column: four columns would scroll sideways on a phone.
                f"<span {_NOWRAP}>{ctx.urls.a(h(doc.id), src, doc.src_uri)}</span>"
                + status_badge(doc)
                + f"<br><small>ticket {_ticket(item.ticket)}</small>",
            ]
        )
    return rows


def _teams(doc: Document) -> list[str]:
    return doc.meta.teams if isinstance(doc.meta, Postmortem) else []


ACTION_HEAD = ["Due and status", "Action item", "Incident and ticket"]


def action_pages(ctx: SiteContext) -> list[Generated]:
    """Every open action item, overdue first, with its status, ticket and incident; and one
    page per owner and per team, so the filters work without JavaScript."""
    today = ctx.today
    items: list[tuple[Document, ActionItem]] = []
    for doc in ctx.incidents:
        assert isinstance(doc.meta, Postmortem)
        for item in doc.meta.open_action_items:
            items.append((doc, item))
    items.sort(key=_action_order(today))
    owners: dict[str, list[tuple[Document, ActionItem]]] = defaultdict(list)
    teams: dict[str, list[tuple[Document, ActionItem]]] = defaultdict(list)
    for doc, item in items:
        owners[item.owner or "no owner"].append((doc, item))
        for team in _teams(doc):
            teams[team].append((doc, item))
    groups = {"owner": owners, "team": teams}
    rows_of: dict[str, list[list[str]]] = {}
    where: dict[tuple[str, str], str] = {}  # (noun, name) -> the page its rows start on
    for noun, found in groups.items():
        folder = f"actions/{noun}s"
        slugs = unique_slugs(found)
        rows: list[list[str]] = []
        starts: dict[str, int] = {}
        for name in sorted(found, key=lambda n: (n.lower(), n)):
            mine = found[name]
            late = sum(1 for _, i in mine if i.is_overdue(today))
            starts[name] = len(rows)
            for k, row in enumerate(_action_rows(ctx, mine, f"{folder}/index.md")):
                anchor = f' id="{noun}-{slugs[name]}"' if k == 0 else ""
                head = f"<strong{anchor}>{h(name)}</strong>"
                if k == 0:
                    head += f" ({len(mine)} open, {late} overdue)"
                rows.append([head + "<br>" + row[0], *row[1:]])
        uris = page_uris(folder, max(1, -(-len(rows) // ctx.page_size)))
        for name, at in starts.items():
            where[(noun, name)] = uris[at // ctx.page_size] + f"#{noun}-{slugs[name]}"
        rows_of[noun] = rows

    def filters(src: str) -> str:
        out = []
        for noun, found in groups.items():
            if found:
                links = " · ".join(
                    ctx.urls.a(h(n), src, *where[(noun, n)].split("#")) + f" ({len(v)})"
                    for n, v in sorted(found.items(), key=lambda kv: (kv[0].lower(), kv[0]))
                )
                out.append(f"**By {noun}:** {links}")
        return "\n\n".join(out)

    ft = trends.follow_through(ctx.pm_metas, [], today)
    intro = (
        f"**{ft.open} open**, of which **{ft.overdue} overdue**. "
        f"Completion rate: **{percent(ft.completion_rate)}** "
        f"({ft.done} done of the {ft.total - ft.wont_do} items meant to be done; "
        f"{ft.wont_do} were dropped as won't do). Overdue items come first, then by due date. "
        "Action items of every postmortem are listed, drafts included: they are work to do."
    )
    more = filters(ACTIONS)
    pages = paginated(
        ctx,
        "actions",
        "Action items",
        ACTION_HEAD,
        _action_rows(ctx, items, ACTIONS),
        intro=intro + ("\n\n" + more if more else ""),
        empty="No open action items.",
    )
    for noun, rows in rows_of.items():
        text = (
            f"Every open action item by {noun}, overdue first within each; "
            f"{link('all open action items', f'actions/{noun}s/index.md', ACTIONS)} are "
            "overdue first across the board."
        )
        pages += paginated(
            ctx,
            f"actions/{noun}s",
            f"Action items by {noun}",
            ACTION_HEAD,
            rows,
            intro=text,
            empty=f"No open action item has a {noun}.",
        )
    return pages
