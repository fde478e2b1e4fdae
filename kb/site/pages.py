"""What kb adds to each document's own page: a metadata card on top, follow-up below.

Pure functions: a loaded document plus the site context in, `Parts` out. The
author's Markdown stays as it is. The card, the action-item table and the Related
lists are HTML fragments (see fragments.py) in slots behind kb's own headings, which
`kb.site.outline` puts into the page's element tree: they cost the Markdown pass
nothing and still appear in the page's table of contents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from kb.loader import Document
from kb.loop.repeats import Repeat, started_on
from kb.loop.tripwires import early_warning, risk_state
from kb.models import Postmortem, Premortem, Risk
from kb.site.context import REPEATS_SHOWN, SiteContext
from kb.site.fragments import external, h, table, ul
from kb.site.md import DASH, TIMES, duration, href
from kb.site.outline import CARD, Outline

_H1 = re.compile(r"^#\s", re.MULTILINE)


# Slots kept out of the search index, which the plugin fills only after the search plugin
# has read the page. The card's labels ("Time to detect", "Impact" ...) are on every page
# and its values are front-matter that `kb search` filters on, so in the site's search it
# would make every page match those words; action items and Related hold other documents'
# titles and owners. Parsing their markup was also most of the search plugin's time on a
# document page (the card alone doubled it).
UNSEARCHED = frozenset({CARD, "actions", "related"})


@dataclass
class Parts:
    """kb's headings and slots around the author's text, and the fragments for its slots.

    `later` fragments are made only when asked for (`unsearched()`), after every page's
    Markdown: similar incidents are still being ranked in another process until then.
    """

    outline: Outline
    fragments: dict[str, str] = field(default_factory=dict)
    later: dict[str, Callable[[], str]] = field(default_factory=dict)

    def searched(self) -> dict[str, str]:
        """Fragments for the search index to see."""
        return {k: v for k, v in self.fragments.items() if k not in UNSEARCHED}

    def unsearched(self) -> dict[str, str]:
        """Fragments to fill in once the search index has read the page (makes `later` ones)."""
        out = {k: v for k, v in self.fragments.items() if k in UNSEARCHED}
        out.update((k, make()) for k, make in self.later.items())
        return out


def risk_anchor(risk_id: str) -> str:
    """The HTML id of a risk's row in its pre-mortem's risk register."""
    return f"risk-{risk_id.lower()}"


def _memo(ctx: SiteContext, key: object, make: Callable[[], str]) -> str:
    text = ctx.escaped.get(key)
    if text is None:
        text = ctx.escaped[key] = make()
    return text


def status_badge(doc: Document) -> str:
    """A visible marker on a postmortem that is not published (empty for the others)."""
    status = getattr(doc.meta, "status", "published")
    if not isinstance(doc.meta, Postmortem) or status == "published":
        return ""
    text = "in review" if status == "in-review" else status
    return (
        f' <span class="kb-status kb-status-{status}" title="not counted in the numbers" '
        'style="border:1px solid currentColor;border-radius:.2rem;padding:0 .25rem;'
        f'font-size:.7rem;white-space:nowrap;opacity:.85">{text}</span>'
    )


def title_link(doc: Document, src: str, ctx: SiteContext) -> str:
    """An HTML link to a document, its title as the text, and its status when not published."""
    title = _memo(ctx, ("title", doc.id), lambda: h(doc.meta.title))
    return ctx.urls.a(title, src, doc.src_uri) + status_badge(doc)


def sparkline(values: list[int], periods: list[str]) -> str:
    """A small inline SVG line of counts per period, in the page's text colour."""
    width, height = 96, 20
    top = max(values, default=0) or 1
    step = (width - 4) / max(1, len(values) - 1)
    xy = [(2 + i * step, height - 2 - v / top * (height - 4)) for i, v in enumerate(values)]
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    words = ", ".join(f"{p}: {v}" for p, v in zip(periods, values, strict=True))
    text = h(f"incidents per quarter, {words}")
    last = (
        f'<circle cx="{xy[-1][0]:.1f}" cy="{xy[-1][1]:.1f}" r="2" fill="currentColor"/>'
        if xy
        else ""
    )
    return (
        f'<svg class="kb-spark" width="{width}" height="{height}" viewBox="0 0 {width} '
        f'{height}" role="img" aria-label="{text}" style="vertical-align:middle">'
        f"<title>{text}</title>"
        f'<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{points}"/>'
        f"{last}</svg>"
    )


def _label_tail(doc: Document) -> str:
    parts = [h(doc.id)]
    if isinstance(doc.meta, Postmortem) and doc.meta.severity:
        parts.append(h(doc.meta.severity))
    parts.append(doc.meta.date.isoformat())
    return " · ".join(parts)


def label(doc: Document, ctx: SiteContext, src: str) -> str:
    """'Title · PM-2025-007 · SEV2 · 2025-03-14' in HTML, the title linking to the document."""
    tail = _memo(ctx, ("label", doc.id), lambda: _label_tail(doc))
    return f"{title_link(doc, src, ctx)} · {tail}"


def opt(value: object) -> str:
    """Escaped HTML of a value, or a dash when it is missing or empty."""
    return h(value) if value not in (None, "") else DASH


def facet_links(values: list[str], src: str, target: str, ctx: SiteContext) -> str:
    """Comma-separated HTML links to the category, service or tag pages of `values`."""
    out = []
    for value in values:
        text, dst = _facet(ctx, target, value)
        out.append(ctx.urls.a(text, src, dst))
    return ", ".join(out) if out else DASH


def _facet(ctx: SiteContext, target: str, value: str) -> tuple[str, str]:
    # (escaped text, page) of a category, service or tag: the same few on every page.
    key = (target, value)
    found = ctx.facets.get(key)
    if found is None:
        routes = ctx.routes
        if target == "category":
            text, dst = ctx.kb.taxonomy.title("categories", value), routes.category(value)
        elif target == "service":
            text, dst = value, routes.service(value)
        else:
            text, dst = value, routes.tag(value)
        found = ctx.facets[key] = (h(text), dst)
    return found


def _names(values: list[str]) -> str:
    return ", ".join(h(v) for v in values) if values else DASH


def _card(kind: str, title: str, lines: list[str]) -> str:
    # The markup of Material's admonitions, so the card looks like one.
    return (
        f'<div class="admonition {kind} kb-card">\n<p class="admonition-title">{title}</p>\n'
        + ul(lines)
        + "</div>\n"
    )


def document_parts(doc: Document, ctx: SiteContext) -> Parts:
    """The H1 (unless the author wrote one), the card, and the follow-up sections of a page."""
    # Material prints the raw title as the H1 when a page has none; give it one as text.
    heading = None if _H1.search(doc.body) else doc.meta.title
    fragments: dict[str, str] = {}
    later: dict[str, Callable[[], str]] = {}
    sections: list[tuple[str, str]] = []
    if isinstance(doc.meta, Postmortem):
        pm = doc.meta
        fragments[CARD] = _postmortem_card(doc, pm, ctx) + repeat_callout(doc, ctx)
        actions = _action_items(doc, pm, ctx)
        if actions:
            sections.append(("Tracked action items", "actions"))
            fragments["actions"] = actions
        known = _related_section(
            [_related_links(doc, ctx), _realised_risks(doc, pm, ctx), _possible_risks(doc, ctx)]
        )
        # Similar incidents are ranked meanwhile; whether there can be any is known now.
        peers = len(ctx.incidents) > 1 and ctx.ranks_similar
        if known or peers:
            sections.append(("Related", "related"))
            later["related"] = lambda: known + (_similar(doc, ctx) if peers else "")
    else:
        assert isinstance(doc.meta, Premortem)
        fragments[CARD] = _premortem_card(doc, doc.meta, ctx)
        for title, name, fragment in (
            ("Likelihood and impact", "matrix", risk_matrix(doc, doc.meta, ctx)),
            ("Risk register", "risks", _risk_register(doc, doc.meta, ctx)),
            ("Possibly materialised: link it?", "possible", _possible_incidents(doc, ctx)),
            ("Related", "related", _related_links(doc, ctx)),
        ):
            if fragment:
                sections.append((title, name))
                fragments[name] = fragment
    return Parts(Outline(heading, tuple(sections)), fragments, later)


def _postmortem_card(doc: Document, pm: Postmortem, ctx: SiteContext) -> str:
    tax, src = ctx.kb.taxonomy, doc.src_uri
    severity = f"{pm.severity} {tax.title('severities', pm.severity)}" if pm.severity else ""
    title = " · ".join(h(p) for p in (pm.id, severity or "severity not set", pm.status))
    date = pm.date.isoformat() + (" (near miss)" if pm.near_miss else "")
    times = (pm.time_to_detect, pm.time_to_mitigate, pm.time_to_resolve)
    lines = [
        f"<strong>Incident date:</strong> {date}",
        "<strong>Time to detect / mitigate / resolve:</strong> "
        + " / ".join(duration(d) for d in times),
        f"<strong>Services:</strong> {facet_links(pm.services, src, 'service', ctx)}",
        f"<strong>Trigger:</strong> {opt(pm.trigger and tax.title('triggers', pm.trigger))} · "
        "<strong>Detected by:</strong> "
        f"{opt(pm.detection and tax.title('detection', pm.detection))}",
        f"<strong>Categories:</strong> {facet_links(pm.categories, src, 'category', ctx)}",
        f"<strong>Tags:</strong> {facet_links(pm.tags, src, 'tag', ctx)}",
    ]
    impact = [h(pm.impact.summary)] if pm.impact.summary else []
    if pm.impact.users_affected is not None:
        impact.append(f"{pm.impact.users_affected:,} users affected")
    if pm.impact.slo_breached:
        impact.append("SLO breached")
    if pm.impact.categories:
        impact.append(", ".join(h(tax.title("impacts", c)) for c in pm.impact.categories))
    if impact:
        lines.append("<strong>Impact:</strong> " + " · ".join(impact))
    lines.append(f"<strong>Teams:</strong> {_names(pm.teams)}")
    lines.append(
        f"<strong>Authors:</strong> {_names(pm.authors)} · "
        f"<strong>Reviewers:</strong> {_names(pm.reviewers)}"
    )
    if pm.action_items:
        overdue = len(pm.overdue_action_items(ctx.today))
        text = f"{len(pm.open_action_items)} open of {len(pm.action_items)}"
        if overdue:
            text += f", <strong>{overdue} overdue</strong>"
        lines.append(f"<strong>Action items:</strong> {text}")
    return _card("abstract", title, lines)


def _unkept(repeat: Repeat) -> str:
    return ul(h(u.describe()) for u in repeat.items)


def repeat_callout(doc: Document, ctx: SiteContext) -> str:
    """A warning on an incident that repeated an earlier one, or was repeated by a later one."""
    found = ctx.repeats.get(doc.id, [])
    if not found:
        return ""
    src, parts = doc.src_uri, []
    for r in found[:REPEATS_SHOWN]:
        if r.later.id == doc.id:
            other = ctx.doc(r.earlier.id)
            if other is None:
                continue
            parts.append(
                f"<p>This incident repeats {label(other, ctx, src)} "
                f"({h(', '.join(r.reasons))}). Its <em>prevent</em> action items were still "
                f"undone when this one started on {started_on(r.later).isoformat()}:</p>\n"
                + _unkept(r)
            )
        else:
            other = ctx.doc(r.later.id)
            if other is None:
                continue
            parts.append(
                f"<p>{label(other, ctx, src)} repeated this incident "
                f"({h(', '.join(r.reasons))}), starting on {started_on(r.later).isoformat()} "
                "while these <em>prevent</em> action items were still undone:</p>\n" + _unkept(r)
            )
    if not parts:
        return ""
    more = max(0, len(found) - REPEATS_SHOWN) + ctx.repeats_more.get(doc.id, 0)
    if more > 0:
        parts.append(
            f"<p>… and {more} older repeats: <code>kb repeats</code> lists them all.</p>\n"
        )
    return (
        '<div class="admonition danger kb-repeat">\n'
        '<p class="admonition-title">Repeat failure: prevent items were still open</p>\n'
        + "".join(parts)
        + "</div>\n"
    )


def _premortem_card(doc: Document, pre: Premortem, ctx: SiteContext) -> str:
    src = doc.src_uri
    title = " · ".join(h(p) for p in (pre.id, "pre-mortem", pre.status))
    realised = sum(1 for r in pre.risks if f"{pre.id}#{r.id}" in ctx.risk_links)
    warning = early_warning(pre, ctx.risk_links)
    lines = [
        f"<strong>Session date:</strong> {pre.date.isoformat()}",
        f"<strong>Project:</strong> {opt(pre.project)} · "
        f"<strong>Launch:</strong> {opt(pre.launch_date)} · "
        f"<strong>Review after:</strong> {opt(pre.review_after)}",
        f"<strong>Services:</strong> {facet_links(pre.services, src, 'service', ctx)}",
        f"<strong>Tags:</strong> {facet_links(pre.tags, src, 'tag', ctx)}",
        f"<strong>Facilitator:</strong> {opt(pre.facilitator)} · "
        f"<strong>Participants:</strong> {_names(pre.participants)}",
        f"<strong>Risks:</strong> {len(pre.risks)}, {realised} materialised so far, "
        f"{sum(1 for r in pre.risks if r.tripwire)} with a tripwire",
        f"<strong>Early warning:</strong> {h(warning.sentence())}",
    ]
    return _card("abstract", title, lines)


def _action_items(doc: Document, pm: Postmortem, ctx: SiteContext) -> str:
    if not pm.action_items:
        return ""
    rows = []
    for item in pm.action_items:
        overdue = item.is_overdue(ctx.today)
        due = item.due.isoformat() if item.due else DASH
        rows.append(
            [
                "<strong>⚠ overdue</strong>" if overdue else h(item.status),
                h(item.title),
                h(item.kind),
                opt(item.owner),
                f"<strong>{due}</strong>" if overdue else due,
                external(item.ticket) if item.ticket else DASH,
            ]
        )
    head = ["Status", "Action item", "Kind", "Owner", "Due", "Ticket"]
    return table(head, rows)


def _related_section(parts: list[str]) -> str:
    return "".join(p for p in parts if p)


def _related_links(doc: Document, ctx: SiteContext) -> str:
    """Explicit `related` links in both directions: named here, or naming this document."""
    src = doc.src_uri
    named = doc.meta.related if isinstance(doc.meta, Postmortem) else []
    items = []
    for ref in dict.fromkeys(named):
        other = ctx.doc(ref)
        if other is not None:
            items.append(label(other, ctx, src))
    for other in ctx.kb.linked_from.get(doc.id, []):
        if other.id not in named:
            items.append(label(other, ctx, src) + " (links here)")
    return "<h3>Related documents</h3>\n" + ul(items) if items else ""


def _realised_risks(doc: Document, pm: Postmortem, ctx: SiteContext) -> str:
    items = []
    for ref in pm.premortem_risks:
        pre_id, risk_id = ref.split("#")
        pre_doc = ctx.doc(pre_id)
        pre = pre_doc.meta if pre_doc is not None else None
        risk = pre.risk(risk_id) if isinstance(pre, Premortem) else None
        if pre_doc is None or risk is None:
            continue
        text = f"{h(pre_doc.meta.title)}, {h(risk_id)}"
        where = ctx.urls.a(text, doc.src_uri, pre_doc.src_uri, risk_anchor(risk_id))
        items.append(f"{where}: {h(risk.scenario)} (score {risk.score})")
    return "<h3>Pre-mortem risks it realised</h3>\n" + ul(items) if items else ""


CANDIDATES_SHOWN = 5  # possible links named on one page (per risk on a pre-mortem)


def _possible_risks(doc: Document, ctx: SiteContext) -> str:
    """Earlier pre-mortem risks that overlap this incident but that it does not name."""
    found = ctx.candidates.by_incident.get(doc.id, [])
    if not found:
        return ""
    items = []
    for held in found[:CANDIDATES_SHOWN]:  # newest first
        pre, risk_id = held.premortem, held.risk_id
        pre_doc, risk = ctx.doc(pre.id), pre.risk(risk_id)
        if pre_doc is None or risk is None:
            continue
        where = ctx.urls.a(
            f"{h(pre.title)}, {h(risk_id)}", doc.src_uri, pre_doc.src_uri, risk_anchor(risk_id)
        )
        items.append(f"{where}: {h(risk.scenario)} (<code>{h(pre.id)}#{h(risk_id)}</code>)")
    if len(found) > CANDIDATES_SHOWN:
        items.append(f"… and {len(found) - CANDIDATES_SHOWN} more")
    return (
        "<h3>Possibly anticipated: link it?</h3>\n"
        "<p>A pre-mortem held before this incident, covering one of its services, listed a "
        "risk in one of its categories. If this incident is that risk happening, add the "
        "reference to <code>premortem_risks</code>: only a linked incident counts as "
        "anticipated.</p>\n" + ul(items)
    )


def _possible_incidents(doc: Document, ctx: SiteContext) -> str:
    """Later incidents that overlap this pre-mortem's risks but do not name them."""
    pre = doc.meta
    assert isinstance(pre, Premortem)
    items = []
    for risk in pre.risks:
        ids = ctx.candidates.by_risk.get(f"{pre.id}#{risk.id}", [])  # newest first
        docs = [d for i in ids[:CANDIDATES_SHOWN] if (d := ctx.doc(i)) is not None]
        if not docs:
            continue
        shown = ", ".join(
            ctx.urls.a(h(d.meta.title), doc.src_uri, d.src_uri) + f" ({h(d.id)})" + status_badge(d)
            for d in docs
        )
        more = f" and {len(ids) - CANDIDATES_SHOWN} more" if len(ids) > CANDIDATES_SHOWN else ""
        where = f'<a href="#{risk_anchor(risk.id)}">{h(risk.id)}</a>'
        items.append(f"{where} ({h(risk.scenario)}): {shown}{more}")
    if not items:
        return ""
    return (
        "<p>Incidents after this pre-mortem, in a service it covers and a category of the "
        "risk, that do not name the risk. If one is the risk happening, add "
        "<code>PRE-id#R-id</code> to its <code>premortem_risks</code>: only then does it "
        "count as materialised.</p>\n" + ul(items)
    )


def _heat(score: int) -> str:
    # Vermillion over the page's own background: the more likely and severe, the stronger.
    return f"background:rgba(213,94,0,{0.08 + 0.72 * score / 25:.2f})"


def risk_matrix(doc: Document, pre: Premortem, ctx: SiteContext) -> str:
    """A 5 by 5 heat map: likelihood (rows, 5 on top) by impact, each cell its count and
    links to its risks in the register."""
    if not pre.risks:
        return ""
    cells: dict[tuple[int, int], list[Risk]] = {}
    for risk in pre.risks:
        cells.setdefault((risk.likelihood, risk.impact), []).append(risk)
    head = [f"Likelihood {DASH} impact {TIMES}"] + [f"impact {i}" for i in range(1, 6)]
    rows = []
    for likelihood in range(5, 0, -1):
        row = [f'<th scope="row">likelihood {likelihood}</th>']
        for impact in range(1, 6):
            found = cells.get((likelihood, impact), [])
            links = " ".join(f'<a href="#{risk_anchor(r.id)}">{h(r.id)}</a>' for r in found)
            label = (
                f"{len(found)} risk{'s' if len(found) != 1 else ''}, likelihood {likelihood} "
                f"{TIMES} impact {impact}"
            )
            count = f"<strong>{len(found)}</strong><br>{links}" if found else ""
            row.append(
                f'<td align="center" style="{_heat(likelihood * impact)}" '
                f'title="{label}">{count}</td>'
            )
        rows.append("<tr>" + "".join(row) + "</tr>")
    th = "".join(f"<th>{c}</th>" for c in head)
    return (
        '<table class="kb-matrix">\n<thead>\n<tr>'
        + th
        + "</tr>\n</thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n"
        f"<p>{len(pre.risks)} risks by likelihood (rows, most likely on top) and impact "
        "(columns, most severe on the right); the darker the cell, the higher the score "
        f"(likelihood {TIMES} impact).</p>\n"
    )


def _similar(doc: Document, ctx: SiteContext) -> str:
    items = [
        label(other, ctx, doc.src_uri)
        for other_id, _score in ctx.similar_to(doc.id)
        if (other := ctx.doc(other_id)) is not None
    ]
    found = ul(items) if items else "<p><em>None found.</em></p>\n"
    return "<h3>Similar incidents</h3>\n" + found


def _risk_register(doc: Document, pre: Premortem, ctx: SiteContext) -> str:
    if not pre.risks:
        return ""
    src = doc.src_uri
    rows = []
    for risk in sorted(pre.risks, key=lambda r: (-r.score, r.id)):
        # Six columns fit Material's content width; details share a cell after a line break.
        who = ", ".join(
            ([f"owner {h(risk.owner)}"] if risk.owner else [])
            + ([f"due {risk.due.isoformat()}"] if risk.due else [])
            + ([f"review {risk.review_after.isoformat()}"] if risk.review_after else [])
        )
        rows.append(
            [
                f'<strong id="{risk_anchor(risk.id)}">{h(risk.id)}</strong>',
                # Each cell says what it is, so the register reads as text too (search
                # snippets, screen readers, copy and paste), not as run-together values.
                f"Scenario: {h(risk.scenario)}.<br>Categories: "
                f"{facet_links(risk.categories, src, 'category', ctx)}.",
                f"Likelihood {risk.likelihood} {TIMES} impact {risk.impact} = "
                f"<strong>{risk.score}</strong>.",
                "Mitigation: "
                + opt(risk.mitigation)
                + _tripwire(risk)
                + (f"<br><em>{who}</em>" if who else ""),
                h(risk_state(risk, f"{pre.id}#{risk.id}" in ctx.risk_links)),
                _materialised(pre, risk, src, ctx),
            ]
        )
    head = ["Risk", "Scenario and categories", f"Likelihood {TIMES} impact", "Mitigation"]
    return table([*head, "Status", "Materialised in"], rows)


def _tripwire(risk: Risk) -> str:
    if not risk.tripwire:
        return ""
    response = f"; response: {h(risk.response)}" if risk.response else ""
    return f"<br><strong>Tripwire:</strong> {h(risk.tripwire.rstrip('.'))}{response}"


_FIRED = {True: " (tripwire fired first)", False: " (tripwire did not fire)", None: ""}


def _materialised(pre: Premortem, risk: Risk, src: str, ctx: SiteContext) -> str:
    ref = f"{pre.id}#{risk.id}"
    docs = ctx.kb.realised_by.get(ref, [])
    if not docs:
        return "not (yet) materialised"
    said = {pm.id: link.tripwire_fired for pm, link in ctx.risk_links.get(ref, [])}
    return ", ".join(
        ctx.urls.a(h(d.meta.title), src, d.src_uri)
        + f" ({h(d.id)})"
        + status_badge(d)
        + (_FIRED[said.get(d.id)] if risk.tripwire else "")
        for d in docs
    )


# A document or risk id in an author's prose: not part of a word, a path or an attribute.
_ID_IN_TEXT = re.compile(r"(?<![\w/#\[\-\"'=.])((?:PM|PRE)-\d{4}-\d{3,})(?:#(R\d+))?(?![\w-])")
# What must stay as written: fenced code, inline code, links, HTML tags and autolinks.
_KEEP = re.compile(
    r"(^(?:```|~~~).*?^(?:```|~~~)[ \t]*$|`[^`\n]*`|!?\[[^\]\n]*\]\([^)\n]*\)"
    r"|\[[^\]\n]*\]\[[^\]\n]*\]|<[^>\n]+>)",
    re.MULTILINE | re.DOTALL,
)


def link_ids(markdown: str, doc: Document, ctx: SiteContext) -> str:
    """The author's Markdown with every known document id (`PM-2025-003`) and risk
    (`PRE-2025-001#R2`) in its prose linked to its page; code, links and tags untouched."""
    if "PM-" not in markdown and "PRE-" not in markdown:
        return markdown

    def linked(m: re.Match[str]) -> str:
        other = ctx.doc(m.group(1))
        if other is None or (other.id == doc.id and not m.group(2)):
            return m.group(0)
        anchor = ""
        if m.group(2):
            pre = other.meta
            if not isinstance(pre, Premortem) or pre.risk(m.group(2)) is None:
                return m.group(0)
            anchor = risk_anchor(m.group(2))
        return f"[{m.group(0)}]({href(doc.src_uri, other.src_uri, anchor)})"

    out = []
    at = 0
    for kept in _KEEP.finditer(markdown):
        out.append(_ID_IN_TEXT.sub(linked, markdown[at : kept.start()]))
        out.append(kept.group(0))
        at = kept.end()
    out.append(_ID_IN_TEXT.sub(linked, markdown[at:]))
    return "".join(out)
