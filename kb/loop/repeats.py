"""Repeat failures: an incident the organisation had already promised to prevent.

A later incident *repeats* an earlier one when the two are similar and at least one of
the earlier incident's `prevent` action items was still undone when the later one
started. Pure functions over postmortem front-matter; nothing here reads files.

Similar means: the same service failed (the first one in `services`; the others listed
are services it affected) and they share a category or the trigger, or either names the
other in `related`. Comparing every affected service flagged most incidents of our own
example knowledge base as repeats of most others (a checkout outage also hurts the
mobile API), which a warning nobody can act on would be. (kb's text similarity needs the search index, which validation
must not depend on, so it is not used here.)

Undone at the later start (day `S`, the later incident's `timeline.started`, else its
`date`) means one of:

- status `open` or `in-progress`;
- status `done` with a `closed` date after `S` (closed on `S` itself gets the benefit
  of the doubt: a date cannot say whether the fix landed before the incident began).

A `wont-do` item is a recorded decision not to do it, not a promise left unkept, so it
never makes a repeat; a `done` item with no `closed` date (drafts allow it) counts as done.

The softer signal, a *recurring failure*, needs no action items: the same category in the
same service `count` or more times within the last `months` months.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from kb.config import LoopOptions
from kb.models import ActionItem, Postmortem

# Defaults; the kb plugin's options recurring_count and recurring_months change them.
RECURRING_COUNT = LoopOptions.recurring_count
RECURRING_MONTHS = LoopOptions.recurring_months


def started_on(pm: Postmortem) -> dt.date:
    """The day an incident started: its timeline's start, else its date."""
    return pm.timeline.started.date() if pm.timeline is not None else pm.date


def _start_key(pm: Postmortem) -> tuple[dt.date, float, str]:
    # Same day: by the moment it started (an incident without a timeline first), then id.
    moment = pm.timeline.started.timestamp() if pm.timeline is not None else 0.0
    return (started_on(pm), moment, pm.id)


def undone_on(item: ActionItem, day: dt.date) -> bool:
    """Whether an action item was still undone on `day` (see the module's rule)."""
    if item.status in ("open", "in-progress"):
        return True
    return item.status == "done" and item.closed is not None and item.closed > day


@dataclass(frozen=True)
class Unkept:
    """A `prevent` item of the earlier incident, undone when the later one started."""

    title: str
    owner: str | None
    due: dt.date | None
    status: str
    closed: dt.date | None
    overdue_days: int | None  # days past due on the later start; None: no due date

    def describe(self) -> str:
        """'Title (owner x, overdue 40 days)' in plain words."""
        who = f"owner {self.owner}" if self.owner else "no owner"
        if self.due is None:
            when = "no due date"
        elif self.overdue_days and self.overdue_days > 0:
            when = f"{self.overdue_days} days overdue (due {self.due})"
        else:
            when = f"not yet due (due {self.due})"
        done = f", closed {self.closed}" if self.closed else f", {self.status}"
        return f"{self.title} ({who}, {when}{done})"


@dataclass(frozen=True)
class Repeat:
    """A later incident that an earlier one's unkept `prevent` items could have stopped."""

    earlier: Postmortem
    later: Postmortem
    reasons: tuple[str, ...]  # why the two count as similar
    items: tuple[Unkept, ...]

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {
            "later": {"id": self.later.id, "title": self.later.title, "date": str(self.later.date)},
            "earlier": {
                "id": self.earlier.id,
                "title": self.earlier.title,
                "date": str(self.earlier.date),
            },
            "later_started": str(started_on(self.later)),
            "similar_because": list(self.reasons),
            "unkept_prevent_items": [
                {
                    "title": u.title,
                    "owner": u.owner,
                    "due": str(u.due) if u.due else None,
                    "status": u.status,
                    "closed": str(u.closed) if u.closed else None,
                    "overdue_days": u.overdue_days,
                }
                for u in self.items
            ],
        }


def similarity(earlier: Postmortem, later: Postmortem) -> tuple[str, ...]:
    """Why two incidents count as similar (empty: they do not)."""
    reasons = []
    if later.id in earlier.related or earlier.id in later.related:
        reasons.append("related link")
    service = primary_service(earlier)
    if service is not None and service == primary_service(later):
        categories = sorted(set(earlier.categories) & set(later.categories))
        shared = [f"category {c}" for c in categories]
        if earlier.trigger is not None and earlier.trigger == later.trigger:
            shared.append(f"trigger {later.trigger}")
        if shared:
            reasons.append(f"same service {service} and {', '.join(shared)}")
    return tuple(reasons)


def primary_service(pm: Postmortem) -> str | None:
    """The service that failed: the first one listed."""
    return pm.services[0] if pm.services else None


def unkept_items(earlier: Postmortem, day: dt.date) -> tuple[Unkept, ...]:
    """The earlier incident's `prevent` items still undone on `day`."""
    return tuple(
        Unkept(
            a.title,
            a.owner,
            a.due,
            a.status,
            a.closed,
            (day - a.due).days if a.due is not None else None,
        )
        for a in earlier.action_items
        if a.kind == "prevent" and undone_on(a, day)
    )


def _last_undone_day(pm: Postmortem) -> dt.date | None:
    # The last day any prevent item was undone (date.max: still is); None: none ever was.
    last: dt.date | None = None
    for a in pm.action_items:
        if a.kind != "prevent":
            continue
        if a.status in ("open", "in-progress"):
            return dt.date.max
        if a.status == "done" and a.closed is not None:
            end = a.closed - dt.timedelta(days=1)  # undone through the day before closing
            last = end if last is None or end > last else last
    return last


def _facets(pm: Postmortem) -> list[str]:
    return [*dict.fromkeys(pm.categories), *([f"trigger:{pm.trigger}"] if pm.trigger else [])]


def _candidates(
    pms: Iterable[Postmortem], since: dt.date | None
) -> Iterator[tuple[Postmortem, dt.date, list[Postmortem], set[str]]]:
    """(later incident, the day it started, similar earlier incidents newest first, the ids
    of those found only through a `related` link).

    Each earlier incident found through the index still had a `prevent` item undone that
    day; one found only through a link may not (`_pair` checks). Incidents are taken
    in start order, and an earlier one is indexed under its failing service and each of
    its categories and its trigger until its last prevent item was closed, so the work
    grows with the pairs found, not with all pairs.
    """
    ordered = sorted(pms, key=_start_key)
    position = {pm.id: n for n, pm in enumerate(ordered)}
    by_id = {pm.id: pm for pm in ordered}
    backlinks: dict[str, list[Postmortem]] = defaultdict(list)
    for pm in ordered:
        for ref in pm.related:
            backlinks[ref].append(pm)
    watch: dict[tuple[str, str], list[tuple[Postmortem, dt.date]]] = defaultdict(list)
    for later in ordered:
        day = started_on(later)
        service = primary_service(later)
        facets = _facets(later) if service is not None else []
        if since is None or day >= since:
            found: dict[str, Postmortem] = {}
            for facet in facets:
                bucket = watch.get((service or "", facet))
                if not bucket:
                    continue
                alive = [(e, until) for e, until in bucket if until >= day]
                if len(alive) < len(bucket):  # days only grow: expired entries stay expired
                    watch[(service or "", facet)] = alive
                for earlier, _ in alive:
                    found.setdefault(earlier.id, earlier)
            linked: set[str] = set()
            here = position[later.id]
            for other in [by_id.get(ref) for ref in later.related] + backlinks.get(later.id, []):
                if other is not None and position[other.id] < here and other.id not in found:
                    found[other.id] = other
                    linked.add(other.id)
            if found:
                newest = sorted(found.values(), key=lambda e: position[e.id], reverse=True)
                yield later, day, newest, linked
        until = _last_undone_day(later)
        if until is not None and until >= day:
            for facet in facets:
                watch[(service or "", facet)].append((later, until))


def find_repeats(pms: Iterable[Postmortem], since: dt.date | None = None) -> list[Repeat]:
    """Every (earlier, later) repeat pair, the newest later incident first.

    `since` keeps only pairs whose later incident started on or after that day.
    """
    groups: list[list[Repeat]] = []  # per later incident, in start order
    for later, day, earlier, _ in _candidates(pms, since):
        groups.append([r for other in earlier for r in _pair(other, later, day)])
    return [r for group in reversed(groups) for r in group]


@dataclass(frozen=True)
class RepeatsOf:
    """The newest repeats of one later incident, and how many more there are."""

    later: Postmortem
    shown: list[Repeat]
    more: int  # further earlier incidents it repeats


def newest_repeats(
    pms: Iterable[Postmortem], limit: int, since: dt.date | None = None
) -> list[RepeatsOf]:
    """Per later incident, its `limit` newest repeats and a count of the rest.

    For warnings and pages: an old prevent item left open can make hundreds of pairs
    in a large knowledge base, and naming them all helps nobody (`kb repeats` does).
    """
    out = []
    for later, day, earlier, linked in _candidates(pms, since):
        shown: list[Repeat] = []
        more = 0
        for other in earlier:
            if len(shown) < limit:
                shown.extend(_pair(other, later, day))
            elif other.id not in linked or any(
                a.kind == "prevent" and undone_on(a, day) for a in other.action_items
            ):
                more += 1  # similar by construction; the index holds only undone ones
        if shown:
            out.append(RepeatsOf(later, shown, more))
    return out[::-1]


def _pair(earlier: Postmortem, later: Postmortem, day: dt.date) -> list[Repeat]:
    if earlier.id == later.id:
        return []
    reasons = similarity(earlier, later)
    if not reasons:
        return []
    items = unkept_items(earlier, day)
    return [Repeat(earlier, later, reasons, items)] if items else []


def repeats_of(repeats: Sequence[Repeat], doc_id: str) -> tuple[list[Repeat], list[Repeat]]:
    """(repeats where `doc_id` is the later incident, repeats where it is the earlier one)."""
    return (
        [r for r in repeats if r.later.id == doc_id],
        [r for r in repeats if r.earlier.id == doc_id],
    )


# ---------------------------------------------------------------- recurring failures


@dataclass(frozen=True)
class RecurringFailure:
    """The same category in the same service, `count` or more times in the window."""

    category: str
    service: str
    incidents: tuple[Postmortem, ...]  # newest first
    first_day: dt.date  # the window: first_day .. as_of
    as_of: dt.date


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (clamped to the month's end)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def recurring_failures(
    pms: Iterable[Postmortem],
    as_of: dt.date,
    count: int = RECURRING_COUNT,
    months: int = RECURRING_MONTHS,
) -> list[RecurringFailure]:
    """Category and service pairs with `count` or more incidents in the `months` before `as_of`.

    The window is (as_of minus `months` calendar months, as_of], by incident date. Most
    incidents first, then by category and service.
    """
    first = months_before(as_of, months)
    groups: dict[tuple[str, str], list[Postmortem]] = defaultdict(list)
    for pm in pms:
        if not first < pm.date <= as_of:
            continue
        for category in dict.fromkeys(pm.categories):
            for service in dict.fromkeys(pm.services):
                groups[(category, service)].append(pm)
    out = [
        RecurringFailure(
            category,
            service,
            tuple(sorted(found, key=lambda p: (p.date, p.id), reverse=True)),
            first + dt.timedelta(days=1),
            as_of,
        )
        for (category, service), found in groups.items()
        if len(found) >= count
    ]
    return sorted(out, key=lambda r: (-len(r.incidents), r.category, r.service))
