"""The learning loop on the site: the "This week" digest page and the Atom feeds.

Pure functions from the site context to `Generated` files. The feeds are Atom 1.0
(RFC 4287) written by kb with the standard library's XML writer, so they depend on no
feed plugin. Links in them are relative to the feed's own URL (RFC 4287 resolves them
against the feed document), since a site may be served from anywhere or opened from disk.
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from kb.loader import Document
from kb.loop.digest import Digest, DigestOptions, ItemDue, build_digest
from kb.models import Postmortem
from kb.site.context import Generated, SiteContext
from kb.site.md import esc, front_matter, link
from kb.site.routes import ACTIONS, FEED, PREMORTEMS, WEEK, category_feed

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50  # entries per feed: the newest postmortems
# Lines per list of the "This week" page, at most: four lists on one page that a person
# reads each week (100 lines each made it 107 KiB at 10,000 documents); the rest are counted
# and a link away.
DIGEST_SHOWN = 40


# ---------------------------------------------------------------- This week


def _doc_link(ctx: SiteContext, doc_id: str, text: str | None = None) -> str:
    doc = ctx.doc(doc_id)
    shown = esc(text if text is not None else doc_id)
    return link(shown, WEEK, doc.src_uri) if doc is not None else shown


def _capped(ctx: SiteContext, lines: list[str], more: str, *, nested: bool = False) -> list[str]:
    """The first lines of a list, and how many more there are (of the nested lines only,
    when the top ones are headings: the overdue items under their owners)."""
    shown = min(ctx.page_size, DIGEST_SHOWN)
    if len(lines) <= shown:
        return lines
    left = [line for line in lines[shown:] if not nested or line.startswith(" ")]
    return [*lines[:shown], f"- … and {len(left)} more: {more}"]


def _item(ctx: SiteContext, i: ItemDue, overdue: bool) -> str:
    when = f"**{i.days} days overdue**" if overdue else f"due in {i.days} days"
    who = f", {esc(i.owner)}" if i.owner and not overdue else ""
    return f"- {i.due} ({when}): {esc(i.title)} ({_doc_link(ctx, i.doc_id)}{who})"


def week_sections(ctx: SiteContext, digest: Digest) -> str:
    """The digest's sections as Markdown with links (the body of the "This week" page)."""
    o = digest.options
    everything = link("all open action items", WEEK, ACTIONS)
    out = []
    overdue: list[str] = []
    for owner, items in digest.overdue_by_owner():
        overdue.append(f"- **{esc(owner)}**")
        overdue.extend("    " + _item(ctx, i, True) for i in items)
    out.append(f"## Overdue action items ({len(digest.overdue)})\n\nBy owner, oldest first.\n")
    out.append("\n".join(_capped(ctx, overdue, everything, nested=True)) or "None.")
    out.append(f"## Due in the next {o.due_days} days ({len(digest.due_soon)})\n")
    out.append(
        "\n".join(_capped(ctx, [_item(ctx, i, False) for i in digest.due_soon], everything))
        or "None."
    )
    out.append(
        f"## Drafts and reviews waiting more than {o.stale_days} days ({len(digest.stale)})\n\n"
        "Days since the incident date; postmortem practice is to review within about five "
        "working days.\n"
    )
    stale = [
        f"- {_doc_link(ctx, s.doc_id, s.title)} ({esc(s.doc_id)}): {s.status}, "
        f"{s.age_days} days; {esc(', '.join(s.authors) or 'no author')}"
        for s in digest.stale
    ]
    out.append(
        "\n".join(_capped(ctx, stale, link("the timeline", WEEK, "timeline/index.md"))) or "None."
    )
    reviews = [
        f"- {_doc_link(ctx, p.doc_id, p.title)}: {esc(p.reason)}" for p in digest.premortems
    ] + [
        f"- {_doc_link(ctx, r.doc_id)} {esc(r.risk_id)}: {esc(r.scenario)} ({r.status}, "
        f"review was due {r.review_after}; {esc(r.owner or 'no owner')})"
        for r in digest.risk_reviews
    ]
    out.append(f"## Pre-mortems and risks due for review ({len(reviews)})\n")
    out.append(
        "\n".join(_capped(ctx, reviews, link("all pre-mortems", WEEK, PREMORTEMS))) or "None."
    )
    out.append(
        f"## Tripwires that fired ({len(digest.tripwires)})\n\n"
        f"Incidents that started in the last {o.recent_days} days and say a pre-mortem "
        "risk's tripwire fired before them.\n"
    )
    out.append(
        "\n".join(
            f"- {_doc_link(ctx, f.risk.split('#')[0], f.risk)} before "
            f"{_doc_link(ctx, f.incident_id, f.incident_title)}: {esc(f.tripwire)}"
            + (f"; agreed response: {esc(f.response)}" if f.response else "")
            for f in digest.tripwires
        )
        or "None."
    )
    out.append(
        f"## New repeat failures ({len(digest.repeats)})\n\n"
        f"Incidents that started in the last {o.recent_days} days while a similar earlier "
        "incident's *prevent* action items were still undone.\n"
    )
    repeats = []
    for r in digest.repeats:
        repeats.append(
            f"- {_doc_link(ctx, r.later.id, r.later.title)} repeats "
            f"{_doc_link(ctx, r.earlier.id, r.earlier.title)} ({esc(', '.join(r.reasons))})"
        )
        repeats.extend(f"    - {esc(u.describe())}" for u in r.items)
    out.append("\n".join(repeats) or "None.")
    return "\n\n".join(out) + "\n"


def week_page(ctx: SiteContext) -> Generated:
    """The "This week" page: the review digest as of the build day."""
    options = DigestOptions(ctx.today, stale_days=ctx.kb.settings.loop.stale_days)
    digest = build_digest(ctx.kb.documents, options)
    # Work to do (action items, stale drafts, reviews) comes from every document; the
    # early-warning sections count incidents the way every number on the site does.
    counted = ctx.counted_ids
    digest.tripwires[:] = [f for f in digest.tripwires if f.incident_id in counted]
    digest.repeats[:] = [r for r in digest.repeats if r.later.id in counted]
    intro = (
        f"What needs a human, as of {ctx.today.isoformat()}: the same digest as "
        "`kb digest`, which also takes `--owner`, `--team` and `--format markdown` to paste "
        "into a chat message or an issue. Action items, drafts and reviews come from every "
        "postmortem; tripwires that fired and repeat failures count the incidents the rest "
        f"of the site counts. {ctx.counting_note()}\n\n"
    )
    text = front_matter("This week", search=False) + "# This week\n\n" + intro
    return Generated(WEEK, text + week_sections(ctx, digest))


# ---------------------------------------------------------------- feeds


def _stamp(day: dt.date | dt.datetime) -> str:
    if isinstance(day, dt.datetime):
        return day.isoformat()
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).isoformat()


def _updated(pm: Postmortem) -> dt.date | dt.datetime:
    # Documents carry no edit time: the latest moment of the incident stands in for it.
    if pm.timeline is None:
        return pm.date
    t = pm.timeline
    return t.resolved or t.mitigated or t.detected or t.started


def _urn(site_name: str, key: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"kb:{site_name}:{key}").urn


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def atom_feed(
    ctx: SiteContext, site_name: str, uri: str, title: str, docs: Sequence[Document]
) -> str:
    """An Atom feed at `uri` of these postmortems (the newest FEED_SIZE)."""
    tax = ctx.kb.taxonomy
    docs = list(docs)[:FEED_SIZE]
    metas = [d.meta for d in docs if isinstance(d.meta, Postmortem)]
    feed = ET.Element("feed", {"xmlns": ATOM})
    _sub(feed, "id", _urn(site_name, uri))
    _sub(feed, "title", title)
    newest = max((_stamp(_updated(pm)) for pm in metas), default=_stamp(ctx.today))
    _sub(feed, "updated", newest)
    author = _sub(feed, "author")
    _sub(author, "name", site_name)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=ctx.urls.href(uri, uri))
    _sub(feed, "link", rel="alternate", type="text/html", href=ctx.urls.href(uri, ctx.home))
    _sub(feed, "generator", "kb")
    for doc in docs:
        pm = doc.meta
        assert isinstance(pm, Postmortem)
        entry = _sub(feed, "entry")
        _sub(entry, "id", _urn(site_name, pm.id))
        _sub(entry, "title", f"{pm.id}: {pm.title}")
        _sub(entry, "updated", _stamp(_updated(pm)))
        _sub(entry, "published", _stamp(pm.timeline.started if pm.timeline else pm.date))
        for name in pm.authors or [site_name]:
            _sub(_sub(entry, "author"), "name", name)
        _sub(entry, "link", rel="alternate", type="text/html", href=ctx.urls.href(uri, doc.src_uri))
        severity = f"{pm.severity} {tax.title('severities', pm.severity)}" if pm.severity else ""
        facts = " · ".join(
            p
            for p in (
                severity,
                ", ".join(tax.title("categories", c) for c in pm.categories),
                ", ".join(pm.services),
            )
            if p
        )
        _sub(entry, "summary", f"{facts}. {pm.summary}" if facts else pm.summary)
        if pm.severity:
            _sub(entry, "category", term=pm.severity, scheme="urn:kb:severity", label=severity)
        for slug in pm.categories:
            _sub(
                entry,
                "category",
                term=slug,
                scheme="urn:kb:category",
                label=tax.title("categories", slug),
            )
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def feed_files(ctx: SiteContext, site_name: str) -> list[Generated]:
    """The feed of published postmortems, and one per taxonomy category (even if empty)."""
    published = [
        d for d in ctx.incidents if isinstance(d.meta, Postmortem) and d.meta.status == "published"
    ]
    files = [
        Generated(FEED, atom_feed(ctx, site_name, FEED, f"{site_name}: postmortems", published))
    ]
    for cat in ctx.kb.taxonomy.categories:
        docs = [
            d
            for d in ctx.by_category.get(cat.slug, [])
            if isinstance(d.meta, Postmortem) and d.meta.status == "published"
        ]
        uri = category_feed(cat.slug)
        title = f"{site_name}: postmortems in {cat.title}"
        files.append(Generated(uri, atom_feed(ctx, site_name, uri, title, docs)))
    return files
