"""A report's timeline: its entries (table rows, list items or a heading per timestamp) and
the moments kb records (started, detected, mitigated, resolved), read with the rules' words.

Nothing is invented: a moment is set only from an entry whose date and time can
be read; entries that give only a time take the date of the entry before them.
When the report names no time zone, the caller's default is used and said so.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from kb.importing import rules
from kb.importing.dates import Stamp, Zone, parse_zone, read_stamp, zone_statement
from kb.importing.markdown import Block, heading_key, plain

# What may sit between a timestamp and its text: "10:00 - ...", "10:00: ...", "10:00 \u2014 ...".
_SEPARATORS = ":-\u2013\u2014|,.) "
_MOMENT_PATTERNS: dict[str, tuple[str, re.Pattern[str]]] = {
    moment: (
        pick,
        re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)", re.IGNORECASE
        ),
    )
    for moment, (pick, phrases) in rules.TIMELINE_MOMENTS.items()
}


@dataclass
class Entry:
    """One entry of a timeline, as the report wrote it."""

    raw: str  # the timestamp as written
    text: str  # what happened (plain text)
    date: dt.date | None = None
    time: dt.time | None = None
    zone: Zone | None = None  # a zone written on the entry itself
    next_day: bool = False  # a time-only entry read as the day after the one before it
    carried: bool = False  # the date was not written on the entry but taken from before it

    @property
    def readable(self) -> bool:
        """Whether both a date and a time could be read."""
        return self.date is not None and self.time is not None


@dataclass
class Timeline:
    """The timeline found in a report and the moments read from it."""

    form: str  # "table", "list" or "headings"
    entries: list[Entry]
    zone: Zone
    zone_source: str  # the sentence that named the zone, or "" when the default was used
    moments: dict[str, dt.datetime] = field(default_factory=dict)
    evidence: dict[str, Entry] = field(default_factory=dict)
    problem: str = ""  # why no moment could be read, when none could

    @property
    def first_date(self) -> dt.date | None:
        """The date written on the first entry that has one (carried dates do not count)."""
        return next((e.date for e in self.entries if e.date and not e.carried), None)


def _stamp_from_cells(date_cell: str, time_cell: str) -> Stamp | None:
    text = f"{date_cell} {time_cell}".strip()
    return read_stamp(text)


def _column(keys: list[str], names: tuple[str, ...], skip: set[int]) -> int | None:
    return next((i for i, k in enumerate(keys) if k in names and i not in skip), None)


def _table_entries(block: Block) -> tuple[list[Entry], Zone | None]:
    rows = block.rows()
    if len(rows) < 2:
        return [], None
    header = rows[0]
    keys = [heading_key(cell) for cell in header]
    time_col = _column(keys, rules.TIMELINE_TIME_COLUMNS, set())
    date_col = _column(
        keys, rules.TIMELINE_DATE_COLUMNS, {time_col} if time_col is not None else set()
    )
    if time_col is None and date_col is None:
        # No header names a time: accept the table when its first column reads as timestamps.
        stamps = [read_stamp(row[0]) for row in rows[1:] if row]
        if sum(1 for s in stamps if s is not None) * 2 < len(stamps):
            return [], None
        time_col = 0
    used = {c for c in (time_col, date_col) if c is not None}
    event_col = _column(keys, rules.TIMELINE_EVENT_COLUMNS, used)
    if event_col is None:
        event_col = next((i for i in range(len(header)) if i not in used), None)
    header_zone = None
    for col in used:
        inside = re.search(r"\(([^)]*)\)", header[col])
        if inside:
            header_zone = parse_zone(inside.group(1))
    entries: list[Entry] = []
    for row in rows[1:]:

        def cell(i: int | None, row: list[str] = row) -> str:
            return row[i] if i is not None and i < len(row) else ""

        raw = f"{cell(date_col)} {cell(time_col)}".strip()
        if not raw and not cell(event_col):
            continue
        stamp = _stamp_from_cells(cell(date_col), cell(time_col))
        entries.append(_entry(raw, plain(cell(event_col)), stamp))
    return entries, header_zone


def _entry(raw: str, text: str, stamp: Stamp | None) -> Entry:
    if stamp is None:
        return Entry(raw, text)
    return Entry(stamp.raw or raw, text, stamp.date, stamp.time, stamp.zone)


def _line_entries(block: Block) -> list[Entry]:
    """Entries from list items or paragraph lines that start with a timestamp."""
    texts = [item.text for item in block.items] if block.kind == "list" else block.lines
    entries = []
    for text in texts:
        stamp = read_stamp(text)
        if stamp is None:
            continue
        rest = text[stamp.end :].lstrip(" *_`]").lstrip(_SEPARATORS).strip()
        entries.append(_entry(stamp.raw, plain(rest), stamp))
    return entries


def _prose(blocks: list[Block]) -> str:
    parts = []
    for block in blocks:
        if block.kind == "paragraph":
            parts.append(block.prose)
        elif block.kind == "list":
            parts.extend(item.text for item in block.items)
    return plain(" ".join(parts))


def collect(blocks: list[Block]) -> tuple[str, list[Entry], Zone | None]:
    """Every entry of a timeline section's blocks, its form, and a zone named in a table header."""
    entries: list[Entry] = []
    forms: list[str] = []
    header_zone: Zone | None = None
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "heading":
            body_end = i + 1
            while body_end < len(blocks) and blocks[body_end].kind != "heading":
                body_end += 1
            body = blocks[i + 1 : body_end]
            stamp = read_stamp(block.text)
            if stamp is None:
                i += 1
                continue
            inner = [e for b in body if b.kind in ("list", "paragraph") for e in _line_entries(b)]
            for b in body:
                if b.kind == "table":
                    found, zone = _table_entries(b)
                    inner.extend(found)
                    header_zone = header_zone or zone
            if stamp.time is not None or not inner:
                rest = block.text[stamp.end :].lstrip(" *_`]").lstrip(_SEPARATORS).strip()
                text = plain(" ".join(part for part in (rest, _prose(body)) if part))
                entries.append(_entry(stamp.raw, text, stamp))
                forms.append("headings")
            if inner:
                # A heading that gives only a day dates the timed entries below it.
                for entry in inner:
                    if entry.date is None and entry.time is not None:
                        entry.date = stamp.date
                entries.extend(inner)
                forms.append("list")
            i = body_end
            continue
        if block.kind == "table":
            found, zone = _table_entries(block)
            if found:
                entries.extend(found)
                forms.append("table")
                header_zone = header_zone or zone
        elif block.kind in ("list", "paragraph"):
            found = _line_entries(block)
            if found:
                entries.extend(found)
                forms.append("list")
        i += 1
    form = max(set(forms), key=forms.count) if forms else ""
    return form, entries, header_zone


def _date_entries(entries: list[Entry], base: dt.date | None) -> None:
    """Give time-only entries the date of the entry before them (or `base`), rolling past midnight."""
    current = base
    last: dt.datetime | None = None
    for entry in entries:
        if entry.date is not None:
            current = entry.date
        elif entry.time is not None and current is not None:
            entry.date = current
            entry.carried = True
            if last is not None and dt.datetime.combine(current, entry.time) < last:
                if current == dt.date.max:
                    # The day after 9999-12-31 is past the calendar: the entry has a
                    # time but no date that can be written, so it is left unread.
                    entry.date, entry.carried = None, False
                    continue
                entry.date = current + dt.timedelta(days=1)
                entry.next_day = True
                current = entry.date
        if entry.readable:
            assert entry.date is not None and entry.time is not None
            last = dt.datetime.combine(entry.date, entry.time)


def _moment(entry: Entry, zone: Zone) -> dt.datetime:
    assert entry.date is not None and entry.time is not None
    return (entry.zone or zone).localize(dt.datetime.combine(entry.date, entry.time))


def read_moments(timeline: Timeline) -> None:
    """Fill `timeline.moments` from its entries, in the order kb requires."""
    readable = [e for e in timeline.entries if e.readable]
    if not timeline.entries:
        timeline.problem = "no entries with a date or time"
        return

    def matches(moment: str, entry: Entry) -> bool:
        return bool(_MOMENT_PATTERNS[moment][1].search(entry.text))

    def pick(moment: str, low: dt.datetime, high: dt.datetime | None = None) -> Entry | None:
        candidates = [
            e
            for e in readable
            if matches(moment, e)
            and _moment(e, timeline.zone) >= low
            and (high is None or _moment(e, timeline.zone) <= high)
        ]
        if not candidates:
            return None
        return candidates[-1] if _MOMENT_PATTERNS[moment][0] == "last" else candidates[0]

    started = next((e for e in readable if matches("started", e)), None)
    if started is None:
        first = timeline.entries[0]
        if not first.readable:
            timeline.problem = (
                f"the first entry ({first.raw or 'no timestamp'}) has no readable time"
            )
            return
        started = first
    found = {"started": started}
    low = _moment(started, timeline.zone)
    detected = pick("detected", low)
    if detected is not None:
        found["detected"] = detected
        low = _moment(detected, timeline.zone)
    resolved = pick("resolved", low)
    mitigated = pick(
        "mitigated", low, _moment(resolved, timeline.zone) if resolved is not None else None
    )
    if mitigated is not None:
        found["mitigated"] = mitigated
    if resolved is not None:
        found["resolved"] = resolved
    for name in ("started", "detected", "mitigated", "resolved"):
        if name in found:
            timeline.evidence[name] = found[name]
            timeline.moments[name] = _moment(found[name], timeline.zone)


def extract(
    section_blocks: list[Block],
    *,
    document_text: str,
    base_date: dt.date | None,
    default_zone: Zone,
) -> Timeline | None:
    """The timeline of a section's blocks, or None when it has no timestamped entries."""
    form, entries, header_zone = collect(section_blocks)
    if not entries:
        return None
    section_text = "\n".join(line for b in section_blocks for line in b.lines)
    stated = zone_statement(section_text) or zone_statement(document_text)
    if header_zone is not None:
        zone, source = header_zone, "the timeline table's header"
    elif stated is not None:
        zone, source = stated[0], f'"{stated[1]}"'
    else:
        zone, source = default_zone, ""
    _date_entries(entries, base_date)
    timeline = Timeline(form, entries, zone, source)
    read_moments(timeline)
    return timeline
