"""The review digest: what needs a human this week, as of one day.

Pure: documents and options in, a `Digest` out. Sections:

- overdue action items (open or in progress, due before the day), by owner then oldest;
- action items due within `due_days` (the day itself included);
- drafts and in-review postmortems more than `stale_days` days after their incident
  date (the only date a document carries; practice is to review within about five
  working days, hence a default of 7 calendar days);
- pre-mortems still `open` (not reviewed) whose `review_after` has passed, or whose
  launch has passed; and risks whose own `review_after` has passed while they are open
  or being mitigated;
- tripwires that fired and repeats, for incidents that started within `recent_days`.

`owner` keeps items, documents and risks that person owns or wrote (a pre-mortem: its
facilitator or a participant); `team` keeps what belongs to incidents of that team
(pre-mortems have no team, so a team filter leaves them out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from kb.config import LoopOptions
from kb.loader import Document
from kb.loop.repeats import Repeat, find_repeats, started_on
from kb.loop.tripwires import fired_tripwires
from kb.models import ActionItem, Postmortem, Premortem

STALE_DAYS = LoopOptions.stale_days  # the kb plugin's stale_days option changes it
DUE_DAYS = 14
RECENT_DAYS = 14

# The sections `--fail-on` can name, in the order they are shown.
SECTIONS = (
    "overdue",
    "due-soon",
    "stale-drafts",
    "premortems",
    "risk-reviews",
    "tripwires",
    "repeats",
)


@dataclass(frozen=True)
class DigestOptions:
    """How far the digest looks, and whose work it shows."""

    as_of: dt.date
    stale_days: int = STALE_DAYS
    due_days: int = DUE_DAYS
    recent_days: int = RECENT_DAYS
    owner: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class ItemDue:
    """An open action item with where it comes from."""

    doc_id: str
    doc_title: str
    path: str
    teams: tuple[str, ...]
    title: str
    kind: str
    owner: str | None
    due: dt.date
    status: str
    ticket: str | None
    days: int  # overdue: days past due; due soon: days left


@dataclass(frozen=True)
class Stale:
    """A draft or in-review postmortem waiting too long."""

    doc_id: str
    title: str
    path: str
    status: str
    date: dt.date
    age_days: int
    authors: tuple[str, ...]
    teams: tuple[str, ...]


@dataclass(frozen=True)
class PremortemDue:
    """A pre-mortem not yet reviewed though its review date or launch has passed."""

    doc_id: str
    title: str
    path: str
    reason: str
    since: dt.date
    days: int


@dataclass(frozen=True)
class RiskReview:
    """A risk whose own review date has passed while it is open or being mitigated."""

    doc_id: str
    risk_id: str
    scenario: str
    owner: str | None
    status: str
    review_after: dt.date
    days: int


@dataclass(frozen=True)
class Fired:
    """A tripwire an incident says fired before it."""

    incident_id: str
    incident_title: str
    date: dt.date
    risk: str  # PRE-...#R2
    scenario: str
    tripwire: str
    response: str


@dataclass
class Digest:
    """Every section of the digest (see the module docstring)."""

    options: DigestOptions
    overdue: list[ItemDue] = field(default_factory=list)
    due_soon: list[ItemDue] = field(default_factory=list)
    stale: list[Stale] = field(default_factory=list)
    premortems: list[PremortemDue] = field(default_factory=list)
    risk_reviews: list[RiskReview] = field(default_factory=list)
    tripwires: list[Fired] = field(default_factory=list)
    repeats: list[Repeat] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Entries per section, by the names `--fail-on` takes."""
        return {
            "overdue": len(self.overdue),
            "due-soon": len(self.due_soon),
            "stale-drafts": len(self.stale),
            "premortems": len(self.premortems),
            "risk-reviews": len(self.risk_reviews),
            "tripwires": len(self.tripwires),
            "repeats": len(self.repeats),
        }

    def overdue_by_owner(self) -> list[tuple[str, list[ItemDue]]]:
        """Overdue items grouped by owner (most overdue owner first), oldest item first."""
        groups: dict[str, list[ItemDue]] = {}
        for item in self.overdue:
            groups.setdefault(item.owner or "(no owner)", []).append(item)
        return sorted(groups.items(), key=lambda kv: (-kv[1][0].days, kv[0]))

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output (dates as ISO strings)."""

        def plain(value: object) -> object:
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        return {
            "as_of": self.options.as_of.isoformat(),
            "options": plain(asdict(self.options)),
            "counts": self.counts(),
            "overdue": [plain(asdict(i)) for i in self.overdue],
            "due_soon": [plain(asdict(i)) for i in self.due_soon],
            "stale_drafts": [plain(asdict(s)) for s in self.stale],
            "premortems": [plain(asdict(p)) for p in self.premortems],
            "risk_reviews": [plain(asdict(r)) for r in self.risk_reviews],
            "tripwires": [plain(asdict(f)) for f in self.tripwires],
            "repeats": [r.as_dict() for r in self.repeats],
        }


def _item(doc: Document, pm: Postmortem, item: ActionItem, days: int) -> ItemDue:
    assert item.due is not None
    return ItemDue(
        pm.id,
        pm.title,
        doc.shown,
        tuple(pm.teams),
        item.title,
        item.kind,
        item.owner,
        item.due,
        item.status,
        item.ticket,
        days,
    )


def build_digest(documents: Sequence[Document], options: DigestOptions) -> Digest:
    """The digest of these documents as of `options.as_of`."""
    day, owner, team = options.as_of, options.owner, options.team
    out = Digest(options)
    pm_docs = [(d, d.meta) for d in documents if isinstance(d.meta, Postmortem)]
    pre_docs = [(d, d.meta) for d in documents if isinstance(d.meta, Premortem)]
    soon = day + dt.timedelta(days=options.due_days)
    for doc, pm in pm_docs:
        if team is not None and team not in pm.teams:
            continue
        for item in pm.open_action_items:
            if item.due is None or (owner is not None and item.owner != owner):
                continue
            if item.due < day:
                out.overdue.append(_item(doc, pm, item, (day - item.due).days))
            elif item.due <= soon:
                out.due_soon.append(_item(doc, pm, item, (item.due - day).days))
        age = (day - pm.date).days
        mine = owner is None or owner in pm.authors
        if pm.status != "published" and age > options.stale_days and mine:
            out.stale.append(
                Stale(
                    pm.id,
                    pm.title,
                    doc.shown,
                    pm.status,
                    pm.date,
                    age,
                    tuple(pm.authors),
                    tuple(pm.teams),
                )
            )
    out.overdue.sort(key=lambda i: (i.due, i.doc_id, i.title))
    out.due_soon.sort(key=lambda i: (i.due, i.doc_id, i.title))
    out.stale.sort(key=lambda s: (-s.age_days, s.doc_id))
    if team is None:
        for doc, pre in pre_docs:
            _premortem(out, doc, pre, day, owner)
        out.premortems.sort(key=lambda p: (-p.days, p.doc_id))
        out.risk_reviews.sort(key=lambda r: (-r.days, r.doc_id, r.risk_id))
    _recent(out, [pm for _, pm in pm_docs], [pre for _, pre in pre_docs], options)
    return out


def _premortem(out: Digest, doc: Document, pre: Premortem, day: dt.date, owner: str | None) -> None:
    mine = owner is None or owner == pre.facilitator or owner in pre.participants
    if pre.status == "open" and mine:
        due: tuple[dt.date, str] | None = None
        if pre.review_after is not None and pre.review_after < day:
            due = (
                pre.review_after,
                f"review_after {pre.review_after} has passed and it is not reviewed",
            )
        elif pre.launch_date is not None and pre.launch_date < day:
            due = pre.launch_date, f"launched {pre.launch_date} and not reviewed since"
        if due is not None:
            since, reason = due
            out.premortems.append(
                PremortemDue(pre.id, pre.title, doc.shown, reason, since, (day - since).days)
            )
    for risk in pre.risks:
        if owner is not None and risk.owner != owner and not (mine and risk.owner is None):
            continue
        when = risk.review_after
        if when is not None and when < day and risk.status in ("open", "mitigating"):
            out.risk_reviews.append(
                RiskReview(
                    pre.id, risk.id, risk.scenario, risk.owner, risk.status, when, (day - when).days
                )
            )


def _recent(
    out: Digest, pms: list[Postmortem], pres: list[Premortem], options: DigestOptions
) -> None:
    since = options.as_of - dt.timedelta(days=options.recent_days)
    team, owner = options.team, options.owner
    recent = [pm for pm in pms if since <= started_on(pm) <= options.as_of]
    if team is not None:
        recent = [pm for pm in recent if team in pm.teams]
    for f in fired_tripwires(recent, pres):
        if owner is not None and f.risk.owner != owner:
            continue
        out.tripwires.append(
            Fired(
                f.incident.id,
                f.incident.title,
                f.incident.date,
                f"{f.premortem.id}#{f.risk.id}",
                f.risk.scenario,
                f.risk.tripwire,
                f.risk.response,
            )
        )
    for repeat in find_repeats(pms, since=since):
        if started_on(repeat.later) > options.as_of:
            continue
        if team is not None and team not in repeat.later.teams + repeat.earlier.teams:
            continue
        if owner is not None and all(u.owner != owner for u in repeat.items):
            continue
        out.repeats.append(repeat)
