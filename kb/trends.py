"""Is the organisation learning? Pure functions from documents to counts and distributions.

Durations are heavy-tailed (most incidents end in an hour, a few take days), so
they are summarised by median and 90th percentile, never by mean. Periods are
calendar months ("2025-03") and quarters ("2025-Q1") of the incident date.
Nothing here does I/O or knows about mkdocs or plotting.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

from kb.models import RISK_REF, Postmortem, Premortem
from kb.taxonomy import GROUPS, Taxonomy

UNKNOWN = "unknown"  # bucket for drafts that have not picked a value yet


# ---------------------------------------------------------------- periods


def quarter_of(day: dt.date) -> str:
    """The quarter of a date, e.g. '2025-Q1'."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def month_of(day: dt.date) -> str:
    """The month of a date, e.g. '2025-03'."""
    return f"{day.year}-{day.month:02d}"


def _quarter_index(label: str) -> int:
    year, q = label.split("-Q")
    return int(year) * 4 + int(q) - 1


def _month_index(label: str) -> int:
    year, month = label.split("-")
    return int(year) * 12 + int(month) - 1


def last_quarters(today: dt.date, n: int, first: dt.date | None = None) -> list[str]:
    """The `n` quarters ending with today's, oldest first, not starting before `first`."""
    end = _quarter_index(quarter_of(today))
    start = end - n + 1
    if first is not None:
        start = max(start, min(end, _quarter_index(quarter_of(first))))
    return [f"{i // 4}-Q{i % 4 + 1}" for i in range(start, end + 1)]


def last_months(today: dt.date, n: int, first: dt.date | None = None) -> list[str]:
    """The `n` months ending with today's, oldest first, not starting before `first`."""
    end = _month_index(month_of(today))
    start = end - n + 1
    if first is not None:
        start = max(start, min(end, _month_index(month_of(first))))
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(start, end + 1)]


# ---------------------------------------------------------------- statistics


def median(values: Sequence[float]) -> float | None:
    """The middle value (mean of the two middle ones for an even count); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p% of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


# ---------------------------------------------------------------- counts


@dataclass(frozen=True)
class Counts:
    """Counts per period for several named series (e.g. incidents per month by severity)."""

    periods: list[str]
    series: dict[str, list[int]]

    def total(self, period_index: int) -> int:
        """Sum of every series in one period."""
        return sum(values[period_index] for values in self.series.values())


def _count(
    items: Iterable[tuple[str, Iterable[str]]], periods: list[str], names: Sequence[str]
) -> Counts:
    position = {p: i for i, p in enumerate(periods)}
    series = {name: [0] * len(periods) for name in names}
    for period, keys in items:
        i = position.get(period)
        if i is None:
            continue
        for key in keys:
            if key not in series:
                series[key] = [0] * len(periods)
            series[key][i] += 1
    return Counts(periods, {k: v for k, v in series.items() if any(v) or k in names})


def per_month_by_severity(
    pms: Iterable[Postmortem], months: list[str], taxonomy: Taxonomy
) -> Counts:
    """Incidents per month, one series per severity (most severe first)."""
    items = ((month_of(pm.date), [pm.severity or UNKNOWN]) for pm in pms)
    return _count(items, months, taxonomy.values("severities"))


def per_quarter_by_group(
    pms: Iterable[Postmortem], quarters: list[str], taxonomy: Taxonomy
) -> Counts:
    """Incidents per quarter per category group; an incident counts once in each group it touches."""

    def groups(pm: Postmortem) -> list[str]:
        found = {c.group for slug in pm.categories if (c := taxonomy.category(slug))}
        return [g for g in GROUPS if g in found]

    return _count(((quarter_of(pm.date), groups(pm)) for pm in pms), quarters, GROUPS)


def per_quarter_by_detection(
    pms: Iterable[Postmortem], quarters: list[str], taxonomy: Taxonomy
) -> Counts:
    """Incidents per quarter by how they were detected (alert, customer report ...)."""
    items = ((quarter_of(pm.date), [pm.detection or UNKNOWN]) for pm in pms)
    return _count(items, quarters, taxonomy.values("detection"))


def per_quarter_by_category(pms: Iterable[Postmortem], quarters: list[str]) -> Counts:
    """Incidents per quarter for every category that has any."""
    return _count(((quarter_of(pm.date), pm.categories) for pm in pms), quarters, ())


def per_quarter(pms: Iterable[Postmortem], quarters: list[str]) -> list[int]:
    """Incidents per quarter, each counted once."""
    return _count(((quarter_of(pm.date), ("all",)) for pm in pms), quarters, ("all",)).series["all"]


# ---------------------------------------------------------------- durations


MIN_P90 = 5  # a 90th percentile of fewer values is just the largest one: not shown


@dataclass(frozen=True)
class DurationStats:
    """One duration over the incidents of one period: every value, the median, and the
    90th percentile when there are at least MIN_P90 values (None otherwise)."""

    period: str
    count: int
    median: dt.timedelta | None
    p90: dt.timedelta | None
    values: tuple[float, ...] = ()  # seconds, smallest first

    @property
    def p90_shown(self) -> bool:
        """Whether there are enough values for a 90th percentile."""
        return self.count >= MIN_P90


def summarise(period: str, seconds: Sequence[float]) -> DurationStats:
    """Median, p90 (from MIN_P90 values on) and the values themselves, of durations in seconds."""
    values = tuple(sorted(seconds))
    med = median(values)
    p90 = percentile(values, 90) if len(values) >= MIN_P90 else None
    return DurationStats(
        period,
        len(values),
        dt.timedelta(seconds=med) if med is not None else None,
        dt.timedelta(seconds=p90) if p90 is not None else None,
        values,
    )


def duration_stats(
    pms: Iterable[Postmortem],
    quarters: list[str],
    measure: Callable[[Postmortem], dt.timedelta | None],
) -> list[DurationStats]:
    """Per quarter: the incidents' values of one duration, their median and p90."""
    seconds: dict[str, list[float]] = defaultdict(list)
    for pm in pms:
        value = measure(pm)
        if value is not None:
            seconds[quarter_of(pm.date)].append(value.total_seconds())
    return [summarise(quarter, seconds.get(quarter, [])) for quarter in quarters]


def time_to_detect(pm: Postmortem) -> dt.timedelta | None:
    """Start to detection (a `measure` for duration_stats)."""
    return pm.time_to_detect


def time_to_resolve(pm: Postmortem) -> dt.timedelta | None:
    """Start to resolution (a `measure` for duration_stats)."""
    return pm.time_to_resolve


def median_duration(
    pms: Iterable[Postmortem], measure: Callable[[Postmortem], dt.timedelta | None]
) -> dt.timedelta | None:
    """Median of one duration over all incidents that record it."""
    values = [v.total_seconds() for pm in pms if (v := measure(pm)) is not None]
    med = median(values)
    return dt.timedelta(seconds=med) if med is not None else None


# ---------------------------------------------------------------- recurrence


@dataclass(frozen=True)
class Recurring:
    """A category with incidents in several of the recent quarters."""

    category: str
    quarters: list[str]  # the recent quarters that had an incident in it
    incidents: int  # incidents in the window


def recurring_categories(
    pms: Iterable[Postmortem], today: dt.date, window: int = 4, min_quarters: int = 2
) -> list[Recurring]:
    """Categories with incidents in at least `min_quarters` of the last `window` quarters."""
    recent = set(last_quarters(today, window))
    hits: dict[str, set[str]] = defaultdict(set)
    counts: Counter[str] = Counter()
    for pm in pms:
        quarter = quarter_of(pm.date)
        if quarter not in recent:
            continue
        for slug in set(pm.categories):
            hits[slug].add(quarter)
            counts[slug] += 1
    found = [
        Recurring(slug, sorted(quarters), counts[slug])
        for slug, quarters in hits.items()
        if len(quarters) >= min_quarters
    ]
    return sorted(found, key=lambda r: (-len(r.quarters), -r.incidents, r.category))


# ---------------------------------------------------------------- action items


@dataclass(frozen=True)
class FollowThrough:
    """What happened to action items: opened and closed per quarter, and where they stand."""

    quarters: list[str]
    opened: list[int]  # by the quarter of the incident that raised them
    closed: list[int]  # done or won't-do, by the quarter of their closed date
    total: int
    done: int
    wont_do: int
    open: int
    overdue: int

    @property
    def completion_rate(self) -> float | None:
        """Done as a share of the items that were meant to be done (won't-do excluded)."""
        meant = self.total - self.wont_do
        return self.done / meant if meant else None


def follow_through(pms: Iterable[Postmortem], quarters: list[str], today: dt.date) -> FollowThrough:
    """Opened vs closed action items per quarter, the completion rate and overdue items now."""
    position = {q: i for i, q in enumerate(quarters)}
    opened, closed = [0] * len(quarters), [0] * len(quarters)
    total = done = wont_do = still_open = overdue = 0
    for pm in pms:
        raised = position.get(quarter_of(pm.date))
        for item in pm.action_items:
            total += 1
            if raised is not None:
                opened[raised] += 1
            if item.closed is not None and (i := position.get(quarter_of(item.closed))) is not None:
                closed[i] += 1
            if item.status == "done":
                done += 1
            elif item.status == "wont-do":
                wont_do += 1
            else:
                still_open += 1
                overdue += item.is_overdue(today)
    return FollowThrough(quarters, opened, closed, total, done, wont_do, still_open, overdue)


# ---------------------------------------------------------------- foresight


@dataclass(frozen=True)
class Foresight:
    """How well pre-mortems saw incidents coming.

    `anticipated`: incidents that name an existing pre-mortem risk in `premortem_risks`,
    the one link an author confirmed. `possible`: the other incidents that an earlier
    pre-mortem's risk overlaps (see `possible_links`), candidates for a link, not counted
    as anticipated.
    """

    incidents: int
    anticipated: list[str] = field(default_factory=list)  # ids of linked incidents
    risks: int = 0
    materialised: list[str] = field(default_factory=list)  # 'PRE-...#R2' refs that happened
    possible: list[str] = field(default_factory=list)  # ids of unlinked, overlapping incidents

    @property
    def incident_rate(self) -> float | None:
        """Share of incidents linked to a pre-mortem risk."""
        return len(self.anticipated) / self.incidents if self.incidents else None

    @property
    def risk_rate(self) -> float | None:
        """Share of pre-mortem risks that materialised."""
        return len(self.materialised) / self.risks if self.risks else None


def linked_risks(pm: Postmortem, pres: Iterable[Premortem]) -> list[tuple[Premortem, str]]:
    """(pre-mortem, risk id) pairs this incident names in `premortem_risks` that exist."""
    named = {m.groups() for ref in pm.premortem_risks if (m := RISK_REF.match(ref))}
    return [(pre, r.id) for pre in pres for r in pre.risks if (pre.id, r.id) in named]


class HeldRisk(NamedTuple):
    """A pre-mortem's risk, with what orders it: when the pre-mortem was held, the ids."""

    held_on: dt.date
    premortem_id: str
    risk_id: str
    ref: str  # 'PRE-...#R2'
    premortem: Premortem


# incident id -> the risks that overlap it without a link, and the
# inverse, 'PRE-...#R2' -> incident ids
@dataclass(frozen=True)
class Candidates:
    """Possible links between incidents and earlier pre-mortem risks, both ways.

    Both list newest first: `by_incident` an incident's risks by the date of their
    pre-mortem (then its id and the risk's), `by_risk` a risk's incidents by date (then
    id). A risk can overlap thousands of incidents, of which a page shows a few."""

    by_incident: dict[str, list[HeldRisk]]
    by_risk: dict[str, list[str]]


_NEWEST = itemgetter(0, 1, 2)  # held on, pre-mortem id, risk id
_REFERENCE = itemgetter(3)


def possible_links(pms: Sequence[Postmortem], pres: Sequence[Premortem]) -> Candidates:
    """Risks that may have foreseen an incident the incident does not name.

    A risk overlaps an incident when its pre-mortem was held on or before the incident
    date, covers one of the incident's services (or lists no services) and the risk
    shares one of the incident's categories. Risks the incident already names are left
    out. The risks are indexed by (category, service), so the work grows with the number
    of documents, not with their product.
    """
    index: dict[tuple[str, str | None], list[HeldRisk]] = defaultdict(list)
    for pre in pres:
        scope: list[str | None] = list(pre.services) if pre.services else [None]
        for risk in pre.risks:
            held = HeldRisk(pre.date, pre.id, risk.id, f"{pre.id}#{risk.id}", pre)
            for slug in dict.fromkeys(risk.categories):
                for service in scope:
                    index[(slug, service)].append(held)
    # Each bucket in date order, so an incident reads only the risks held before it.
    for bucket in index.values():
        bucket.sort(key=_held_on)
    by_incident: dict[str, list[HeldRisk]] = {}
    by_risk: dict[str, list[str]] = defaultdict(list)
    for pm in sorted(pms, key=_dated, reverse=True):
        found: dict[str, HeldRisk] = {}  # reference -> the risk (one object in every bucket)
        services: list[str | None] = [*pm.services, None]
        for slug in dict.fromkeys(pm.categories):
            for service in services:
                risks = index.get((slug, service))
                if risks:
                    before = risks[: bisect_right(risks, pm.date, key=_held_on)]
                    found.update(zip(map(_REFERENCE, before), before, strict=True))
        for link in pm.premortem_risks:
            found.pop(str(link), None)
        if found:
            # The lists share the risks: a large knowledge base has a million pairs.
            by_incident[pm.id] = sorted(found.values(), key=_NEWEST, reverse=True)
            for risk_ref in found:
                by_risk[risk_ref].append(pm.id)
    return Candidates(by_incident, dict(by_risk))


def _dated(pm: Postmortem) -> tuple[dt.date, str]:
    return pm.date, pm.id


def _held_on(entry: HeldRisk) -> dt.date:
    return entry.held_on


def foresight(
    pms: Sequence[Postmortem],
    pres: Sequence[Premortem],
    candidates: Candidates | None = None,
) -> Foresight:
    """Share of incidents linked to a pre-mortem risk, share of risks that materialised,
    and the incidents that are only possibly anticipated (an overlap, no link).

    `candidates`: `possible_links` of these pre-mortems and any incidents including
    these, when the caller has it already (an incident's overlaps depend on it alone)."""
    refs = {f"{pre.id}#{risk.id}" for pre in pres for risk in pre.risks}
    anticipated = [pm.id for pm in pms if any(str(ref) in refs for ref in pm.premortem_risks)]
    linked = set(anticipated)
    overlap = (candidates or possible_links(pms, pres)).by_incident
    possible = [pm.id for pm in pms if pm.id in overlap and pm.id not in linked]
    happened = sorted({str(ref) for pm in pms for ref in pm.premortem_risks if ref in refs})
    return Foresight(len(pms), anticipated, len(refs), happened, possible)


# ---------------------------------------------------------------- headline


@dataclass(frozen=True)
class Headline:
    """The numbers on the home page."""

    quarter: str
    this_quarter: int
    previous_quarter: str
    last_quarter: int
    median_resolve: dt.timedelta | None  # over the last four quarters
    resolved: int  # how many incidents of the last four quarters that median rests on
    open_actions: int
    overdue_actions: int


def headline(pms: Sequence[Postmortem], today: dt.date) -> Headline:
    """Incidents this quarter vs last, median time to resolve, open and overdue action items."""
    previous, current = last_quarters(today, 2)
    per_quarter = Counter(quarter_of(pm.date) for pm in pms)
    year = set(last_quarters(today, 4))
    recent = [pm for pm in pms if quarter_of(pm.date) in year]
    items = [a for pm in pms for a in pm.action_items if a.is_open]
    return Headline(
        quarter=current,
        this_quarter=per_quarter[current],
        previous_quarter=previous,
        last_quarter=per_quarter[previous],
        median_resolve=median_duration(recent, time_to_resolve),
        resolved=sum(1 for pm in recent if pm.time_to_resolve is not None),
        open_actions=len(items),
        overdue_actions=sum(a.is_overdue(today) for a in items),
    )
