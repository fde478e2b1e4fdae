"""What kb adds to each document's own page: a metadata card on top, follow-up below.

Pure functions: a loaded document plus the site context in, Markdown out. The
author's Markdown stays in between, untouched.
"""

from __future__ import annotations

import re

from kb.loader import Document
from kb.models import Postmortem, Premortem, Risk
from kb.site.context import SiteContext
from kb.site.md import DASH, TIMES, duration, esc, external, link, opt, table

_H1 = re.compile(r"^#\s", re.MULTILINE)


def risk_anchor(risk_id: str) -> str:
    """The HTML id of a risk's row in its pre-mortem's risk register."""
    return f"risk-{risk_id.lower()}"


def title_link(doc: Document, src: str) -> str:
    """A link to a document, its title as the text."""
    return link(esc(doc.meta.title), src, doc.src_uri)


def label(doc: Document, ctx: SiteContext, src: str) -> str:
    """'[Title](link) · PM-2025-007 · SEV2 · 2025-03-14': a document in a list."""
    parts = [title_link(doc, src), esc(doc.id)]
    if isinstance(doc.meta, Postmortem) and doc.meta.severity:
        parts.append(esc(doc.meta.severity))
    parts.append(doc.meta.date.isoformat())
    return " · ".join(parts)


def _links(values: list[str], src: str, target: str, ctx: SiteContext) -> str:
    routes = ctx.routes
    out = []
    for value in values:
        if target == "category":
            text, dst = esc(ctx.kb.taxonomy.title("categories", value)), routes.category(value)
        elif target == "service":
            text, dst = esc(value), routes.service(value)
        else:
            text, dst = esc(value), routes.tag(value)
        out.append(link(text, src, dst))
    return ", ".join(out) if out else DASH


def _names(values: list[str]) -> str:
    return ", ".join(esc(v) for v in values) if values else DASH


def _admonition(kind: str, title: str, lines: list[str]) -> str:
    safe_title = title.replace('"', "&quot;")
    body = "\n".join(f"    - {line}" for line in lines)
    return f'!!! {kind} "{safe_title}"\n\n{body}\n\n'


def _heading(doc: Document) -> str:
    # Material would print the raw title as the H1 when the page has none; give it an escaped one.
    return "" if _H1.search(doc.body) else f"# {esc(doc.meta.title)}\n\n"


def document_top(doc: Document, ctx: SiteContext) -> str:
    """The H1 (unless the author wrote one) and the metadata card of a document page."""
    if isinstance(doc.meta, Postmortem):
        return _heading(doc) + _postmortem_card(doc, doc.meta, ctx)
    assert isinstance(doc.meta, Premortem)
    return _heading(doc) + _premortem_card(doc, doc.meta, ctx)


def _postmortem_card(doc: Document, pm: Postmortem, ctx: SiteContext) -> str:
    tax, src = ctx.kb.taxonomy, doc.src_uri
    severity = f"{pm.severity} {tax.title('severities', pm.severity)}" if pm.severity else ""
    title = " · ".join(esc(p) for p in (pm.id, severity or "severity not set", pm.status))
    date = pm.date.isoformat() + (" (near miss)" if pm.near_miss else "")
    lines = [
        f"**Incident date:** {date}",
        "**Time to detect / mitigate / resolve:** "
        + " / ".join(
            duration(d) for d in (pm.time_to_detect, pm.time_to_mitigate, pm.time_to_resolve)
        ),
        f"**Services:** {_links(pm.services, src, 'service', ctx)}",
        f"**Trigger:** {opt(pm.trigger and tax.title('triggers', pm.trigger))} · "
        f"**Detected by:** {opt(pm.detection and tax.title('detection', pm.detection))}",
        f"**Categories:** {_links(pm.categories, src, 'category', ctx)}",
        f"**Tags:** {_links(pm.tags, src, 'tag', ctx)}",
    ]
    impact = [esc(pm.impact.summary)] if pm.impact.summary else []
    if pm.impact.users_affected is not None:
        impact.append(f"{pm.impact.users_affected:,} users affected")
    if pm.impact.slo_breached:
        impact.append("SLO breached")
    if pm.impact.categories:
        impact.append(", ".join(esc(tax.title("impacts", c)) for c in pm.impact.categories))
    if impact:
        lines.append("**Impact:** " + " · ".join(impact))
    lines.append(f"**Teams:** {_names(pm.teams)}")
    lines.append(f"**Authors:** {_names(pm.authors)} · **Reviewers:** {_names(pm.reviewers)}")
    if pm.action_items:
        overdue = len(pm.overdue_action_items(ctx.today))
        text = f"{len(pm.open_action_items)} open of {len(pm.action_items)}"
        lines.append(f"**Action items:** {text}" + (f", **{overdue} overdue**" if overdue else ""))
    return _admonition("abstract", title, lines)


def _premortem_card(doc: Document, pre: Premortem, ctx: SiteContext) -> str:
    src = doc.src_uri
    title = " · ".join(esc(p) for p in (pre.id, "pre-mortem", pre.status))
    lines = [
        f"**Session date:** {pre.date.isoformat()}",
        f"**Project:** {opt(pre.project)} · "
        f"**Launch:** {opt(pre.launch_date)} · "
        f"**Review after:** {opt(pre.review_after)}",
        f"**Services:** {_links(pre.services, src, 'service', ctx)}",
        f"**Tags:** {_links(pre.tags, src, 'tag', ctx)}",
        f"**Facilitator:** {opt(pre.facilitator)} · **Participants:** {_names(pre.participants)}",
    ]
    realised = sum(1 for r in pre.risks if ctx.kb.realised_by.get(f"{pre.id}#{r.id}"))
    lines.append(f"**Risks:** {len(pre.risks)}, {realised} materialised so far")
    return _admonition("abstract", title, lines)


def document_bottom(doc: Document, ctx: SiteContext) -> str:
    """The action-item table or risk register, then the Related section."""
    if isinstance(doc.meta, Postmortem):
        return _action_items(doc, doc.meta, ctx) + _related_postmortem(doc, doc.meta, ctx)
    assert isinstance(doc.meta, Premortem)
    return _risk_register(doc, doc.meta, ctx) + _related_section([_related_links(doc, ctx)])


def _action_items(doc: Document, pm: Postmortem, ctx: SiteContext) -> str:
    if not pm.action_items:
        return ""
    rows = []
    for item in pm.action_items:
        overdue = item.is_overdue(ctx.today)
        status = "**⚠ overdue**" if overdue else esc(item.status)
        due = item.due.isoformat() if item.due else DASH
        rows.append(
            [
                status,
                esc(item.title),
                esc(item.kind),
                opt(item.owner),
                f"**{due}**" if overdue else due,
                external(item.ticket) if item.ticket else DASH,
            ]
        )
    head = ["Status", "Action item", "Kind", "Owner", "Due", "Ticket"]
    return "\n\n## Tracked action items\n\n" + table(head, rows) + "\n"


def _related_section(parts: list[str]) -> str:
    body = "\n".join(p for p in parts if p)
    return f"\n\n## Related\n\n{body}" if body else ""


def _related_links(doc: Document, ctx: SiteContext) -> str:
    """Explicit `related` links in both directions: named here, or naming this document."""
    src = doc.src_uri
    named = doc.meta.related if isinstance(doc.meta, Postmortem) else []
    lines = []
    for ref in dict.fromkeys(named):
        other = ctx.doc(ref)
        if other is not None:
            lines.append(f"- {label(other, ctx, src)}")
    for other in ctx.kb.linked_from.get(doc.id, []):
        if other.id not in named:
            lines.append(f"- {label(other, ctx, src)} (links here)")
    return "### Related documents\n\n" + "\n".join(lines) + "\n" if lines else ""


def _realised_risks(doc: Document, pm: Postmortem, ctx: SiteContext) -> str:
    lines = []
    for ref in pm.premortem_risks:
        pre_id, risk_id = ref.split("#")
        pre_doc = ctx.doc(pre_id)
        risk = (
            pre_doc.meta.risk(risk_id) if pre_doc and isinstance(pre_doc.meta, Premortem) else None
        )
        if pre_doc is None or risk is None:
            continue
        where = link(
            f"{esc(pre_doc.meta.title)}, {risk_id}",
            doc.src_uri,
            pre_doc.src_uri,
            risk_anchor(risk_id),
        )
        lines.append(f"- {where}: {esc(risk.scenario)} (score {risk.score})")
    return "### Pre-mortem risks it realised\n\n" + "\n".join(lines) + "\n" if lines else ""


def _similar(doc: Document, ctx: SiteContext) -> str:
    lines = [
        f"- {label(other, ctx, doc.src_uri)}"
        for other_id, _score in ctx.similar.get(doc.id, [])
        if (other := ctx.doc(other_id)) is not None
    ]
    return "### Similar incidents\n\n" + "\n".join(lines) + "\n" if lines else ""


def _related_postmortem(doc: Document, pm: Postmortem, ctx: SiteContext) -> str:
    return _related_section(
        [_related_links(doc, ctx), _realised_risks(doc, pm, ctx), _similar(doc, ctx)]
    )


def _risk_register(doc: Document, pre: Premortem, ctx: SiteContext) -> str:
    if not pre.risks:
        return ""
    src = doc.src_uri
    rows = []
    for risk in sorted(pre.risks, key=lambda r: (-r.score, r.id)):
        # Six columns fit Material's content width; details share a cell after a line break.
        owner = [f"owner {esc(risk.owner)}"] if risk.owner else []
        due = [f"due {risk.due.isoformat()}"] if risk.due else []
        who = ", ".join(owner + due)
        rows.append(
            [
                f'<span id="{risk_anchor(risk.id)}"></span>**{esc(risk.id)}**',
                f"{esc(risk.scenario)}<br>{_links(risk.categories, src, 'category', ctx)}",
                f"{risk.likelihood} {TIMES} {risk.impact} = **{risk.score}**",
                opt(risk.mitigation) + (f"<br>*{who}*" if who else ""),
                esc(risk.status),
                _materialised(pre, risk, src, ctx),
            ]
        )
    head = ["Risk", "Scenario and categories", f"Likelihood {TIMES} impact", "Mitigation"]
    head += ["Status", "Materialised in"]
    return "\n\n## Risk register\n\n" + table(head, rows) + "\n"


def _materialised(pre: Premortem, risk: Risk, src: str, ctx: SiteContext) -> str:
    docs = ctx.kb.realised_by.get(f"{pre.id}#{risk.id}", [])
    if not docs:
        return "not (yet) materialised"
    return ", ".join(link(esc(d.id), src, d.src_uri) for d in docs)
