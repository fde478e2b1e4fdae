"""The repeats report and the digest as plain text or Markdown (for a chat message or an issue).

Pure string functions; the command line prints what they return. Markdown escapes the
characters that would turn a title into markup or a table cell into two.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kb.loop.digest import Digest, ItemDue
from kb.loop.repeats import Repeat, started_on

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~])")


def md(text: str) -> str:
    """Text made literal in Markdown (one line)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


# ---------------------------------------------------------------- repeats


def repeats_text(repeats: Sequence[Repeat]) -> str:
    """One block per repeat: the pair, why they are similar, the unkept items."""
    if not repeats:
        return (
            "No repeat failures: no incident repeated an earlier one with unkept prevent items.\n"
        )
    blocks = []
    for r in repeats:
        lines = [
            f"{r.later.id} ({started_on(r.later)}) {r.later.title}",
            f"  repeats {r.earlier.id} ({r.earlier.date}) {r.earlier.title}",
            f"  similar: {', '.join(r.reasons)}",
            "  prevent items still undone when it started:",
            *(f"    - {u.describe()}" for u in r.items),
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + f"\n\n{_plural(len(repeats), 'repeat')}\n"


def repeats_markdown(repeats: Sequence[Repeat]) -> str:
    """The repeats as a Markdown list, newest first."""
    out = ["## Repeat failures\n"]
    if not repeats:
        out.append("No incident repeated an earlier one with unkept prevent items.\n")
        return "\n".join(out)
    for r in repeats:
        out.append(
            f"- **{md(r.later.id)}** {md(r.later.title)} ({started_on(r.later)}) repeats "
            f"**{md(r.earlier.id)}** {md(r.earlier.title)} ({r.earlier.date}); "
            f"similar: {md(', '.join(r.reasons))}. Prevent items still undone:"
        )
        out.extend(f"  - {md(u.describe())}" for u in r.items)
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- digest


def _item_text(i: ItemDue, overdue: bool) -> str:
    when = f"{i.days} days overdue" if overdue else f"due in {i.days} days"
    teams = f", {', '.join(i.teams)}" if i.teams else ""
    return f"{i.due}  {when}: {i.title} ({i.doc_id}{teams})"


def digest_text(d: Digest) -> str:
    """The digest for a terminal."""
    o = d.options
    who = "".join(
        [f" for owner {o.owner}" if o.owner else "", f" for team {o.team}" if o.team else ""]
    )
    out = [f"Review digest as of {o.as_of}{who}", ""]
    out.append(f"Overdue action items: {len(d.overdue)}")
    for owner, items in d.overdue_by_owner():
        out.append(f"  {owner}")
        out.extend(f"    {_item_text(i, True)}" for i in items)
    out.append("")
    out.append(f"Due in the next {o.due_days} days: {len(d.due_soon)}")
    out.extend(f"  {_item_text(i, False)} [{i.owner or 'no owner'}]" for i in d.due_soon)
    out.append("")
    out.append(f"Drafts and in-review postmortems older than {o.stale_days} days: {len(d.stale)}")
    out.extend(
        f"  {s.doc_id} {s.status}, {s.age_days} days since the incident ({s.date}): {s.title}"
        f" [{', '.join(s.authors) or 'no author'}]"
        for s in d.stale
    )
    out.append("")
    out.append(f"Pre-mortems waiting for their review: {len(d.premortems)}")
    out.extend(f"  {p.doc_id} {p.title}: {p.reason}" for p in d.premortems)
    out.append(f"Risks past their review date: {len(d.risk_reviews)}")
    out.extend(
        f"  {r.doc_id}#{r.risk_id} ({r.status}, review was due {r.review_after}): {r.scenario}"
        f" [{r.owner or 'no owner'}]"
        for r in d.risk_reviews
    )
    out.append("")
    out.append(
        f"Tripwires that fired (incidents of the last {o.recent_days} days): {len(d.tripwires)}"
    )
    out.extend(
        f"  {f.risk} fired before {f.incident_id} ({f.date}): {f.tripwire.rstrip('.')}"
        + (f"; agreed response: {f.response}" if f.response else "")
        for f in d.tripwires
    )
    out.append(f"New repeat failures (last {o.recent_days} days): {len(d.repeats)}")
    for r in d.repeats:
        out.append(f"  {r.later.id} repeats {r.earlier.id} ({', '.join(r.reasons)})")
        out.extend(f"    - {u.describe()}" for u in r.items)
    return "\n".join(out) + "\n"


def _md_item(i: ItemDue, overdue: bool) -> str:
    when = f"**{i.days} days overdue**" if overdue else f"due in {i.days} days"
    teams = f", {md(', '.join(i.teams))}" if i.teams else ""
    ticket = f", {md(i.ticket)}" if i.ticket else ""
    return f"{i.due} ({when}): {md(i.title)} ({md(i.doc_id)}{teams}{ticket})"


def digest_markdown(d: Digest) -> str:
    """The digest as Markdown to paste into a chat message or an issue."""
    o = d.options
    who = "".join(
        [f" · owner {md(o.owner)}" if o.owner else "", f" · team {md(o.team)}" if o.team else ""]
    )
    out = [f"## Review digest, {o.as_of}{who}", ""]
    counts = d.counts()
    out.append(" · ".join(f"{name}: **{n}**" for name, n in counts.items()))
    out.append("")
    out.append(f"### Overdue action items ({len(d.overdue)})")
    for owner, items in d.overdue_by_owner():
        out.append(f"- **{md(owner)}**")
        out.extend(f"  - {_md_item(i, True)}" for i in items)
    out.append("")
    out.append(f"### Due in the next {o.due_days} days ({len(d.due_soon)})")
    out.extend(f"- {_md_item(i, False)}, {md(i.owner or 'no owner')}" for i in d.due_soon)
    out.append("")
    out.append(
        f"### Drafts and in-review postmortems older than {o.stale_days} days ({len(d.stale)})"
    )
    out.extend(
        f"- {md(s.doc_id)} {md(s.title)}: {s.status}, {s.age_days} days since the incident"
        f" ({md(', '.join(s.authors) or 'no author')})"
        for s in d.stale
    )
    out.append("")
    out.append(
        f"### Pre-mortems and risks due for review ({len(d.premortems) + len(d.risk_reviews)})"
    )
    out.extend(f"- {md(p.doc_id)} {md(p.title)}: {md(p.reason)}" for p in d.premortems)
    out.extend(
        f"- {md(r.doc_id)}#{md(r.risk_id)} {md(r.scenario)}: {r.status}, review was due "
        f"{r.review_after} ({md(r.owner or 'no owner')})"
        for r in d.risk_reviews
    )
    out.append("")
    out.append(f"### Tripwires that fired ({len(d.tripwires)})")
    out.extend(
        f"- {md(f.risk)} fired before {md(f.incident_id)} {md(f.incident_title)}: "
        f"{md(f.tripwire.rstrip('.'))}"
        + (f"; agreed response: {md(f.response)}" if f.response else "")
        for f in d.tripwires
    )
    out.append("")
    out.append(f"### New repeat failures ({len(d.repeats)})")
    for r in d.repeats:
        out.append(
            f"- {md(r.later.id)} repeats {md(r.earlier.id)} ({md(', '.join(r.reasons))}); "
            "prevent items still undone:"
        )
        out.extend(f"  - {md(u.describe())}" for u in r.items)
    return "\n".join(out).rstrip() + "\n"
