"""Reading dates, times of day and time zones as reports write them (formats live in rules)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kb.importing import rules

_DATES = tuple(
    # Not inside a longer number (versions, IP addresses); "T" may follow, as in ISO 8601.
    re.compile(r"(?<![A-Za-z0-9/.])" + pattern + r"(?![0-9/]|\.\d|[A-SU-Za-su-z])", re.IGNORECASE)
    for pattern in rules.DATE_FORMATS
)
_APPROX = "|".join(re.escape(word) for word in sorted(rules.APPROXIMATE, key=len, reverse=True))
_TIME = re.compile(r"(?<![\w:.])(?:(?:" + _APPROX + r")\s*)?" + rules.TIME_FORMAT, re.IGNORECASE)
_OFFSET = re.compile(rules.ZONE_OFFSET, re.IGNORECASE)
_STATEMENTS = tuple(re.compile(p, re.IGNORECASE) for p in rules.ZONE_STATEMENTS)
_IANA = re.compile(r"\b[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_+-]+)+\b")


@dataclass(frozen=True)
class Found:
    """A date or time found in a text, and where."""

    start: int
    end: int


@dataclass(frozen=True)
class FoundDate(Found):
    """A calendar date found in a text."""

    value: dt.date


@dataclass(frozen=True)
class FoundTime(Found):
    """A time of day found in a text."""

    value: dt.time


@dataclass(frozen=True)
class Zone:
    """A time zone and how a report named it."""

    tz: dt.tzinfo
    label: str  # e.g. "CET (+01:00)", "Europe/Oslo", "UTC"

    def localize(self, moment: dt.datetime) -> dt.datetime:
        """`moment` (naive) in this zone."""
        return moment.replace(tzinfo=self.tz)


UTC = Zone(dt.UTC, "UTC")


def find_dates(text: str) -> list[FoundDate]:
    """Every calendar date in `text`, in order of appearance (impossible dates left out)."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []
    for pattern in _DATES:
        for match in pattern.finditer(text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            value = _date(match)
            if value is not None:
                found.append(FoundDate(match.start(), match.end(), value))
                taken.append((match.start(), match.end()))
    return sorted(found, key=lambda f: f.start)


def _date(match: re.Match[str]) -> dt.date | None:
    groups = match.groupdict()
    month = rules.MONTHS.get(groups["mon"].lower()) if groups.get("mon") else None
    if month is None:
        month = int(groups["m"]) if groups.get("m") else 0
    try:
        return dt.date(int(groups["y"]), month, int(groups["d"]))
    except ValueError:
        return None


def first_date(text: str) -> dt.date | None:
    """The first calendar date in `text`, if any."""
    found = find_dates(text)
    return found[0].value if found else None


def find_time(text: str) -> FoundTime | None:
    """The first time of day in `text` ("13:50", "8:54", "17:14pm", "7:01am", "ca. 18:30")."""
    for match in _TIME.finditer(text):
        hour, minute = int(match.group("H")), int(match.group("M"))
        second = int(match.group("S") or 0)
        ampm = (match.group("ampm") or "").replace(".", "").lower()
        # "17:14pm" says the same thing twice; only a 12-hour time is shifted.
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        try:
            value = dt.time(hour, minute, second)
        except ValueError:
            continue
        return FoundTime(match.start(), match.end(), value)
    return None


def _fixed(minutes: int, label: str) -> Zone:
    if minutes == 0 and label in ("UTC", "Z", "UTC+0", "UTC+00:00"):
        return UTC
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    offset = f"{sign}{hours:02d}:{mins:02d}"
    tz = dt.timezone(dt.timedelta(minutes=minutes))
    return Zone(tz, label if label == offset else f"{label} ({offset})")


@cache
def _iana(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_zone(text: str) -> Zone | None:
    """A time zone named in `text`: an explicit offset first, then a name or abbreviation."""
    offset = _OFFSET.search(text)
    if offset:
        minutes = int(offset.group("h")) * 60 + int(offset.group("m") or 0)
        if minutes <= 14 * 60:
            sign = -1 if offset.group("sign") == "-" else 1
            return _fixed(sign * minutes, offset.group(0).strip().upper())
    for match in _IANA.finditer(text):
        zone = _iana(match.group(0))
        if zone is not None:
            return Zone(zone, match.group(0))
    lowered = text.lower()
    for name, abbreviation in rules.ZONE_NAMES.items():
        if re.search(rf"\b{re.escape(name)}\b", lowered):
            return _fixed(rules.ZONE_ABBREVIATIONS[abbreviation], abbreviation.upper())
    for word in re.findall(r"[a-z]+", lowered):
        if word in rules.ZONE_ABBREVIATIONS and (word != "z" or lowered.strip() == "z"):
            return _fixed(rules.ZONE_ABBREVIATIONS[word], word.upper())
    return None


def zone_statement(text: str) -> tuple[Zone, str] | None:
    """The zone of a sentence like "All times in CET." and that sentence, if `text` has one."""
    for pattern in _STATEMENTS:
        for match in pattern.finditer(text):
            zone = parse_zone(match.group("zone"))
            if zone is not None:
                return zone, match.group(0).strip()
    return None


def user_zone(text: str) -> Zone:
    """A zone given on the command line: UTC, +02:00, CET or an IANA name like Europe/Oslo."""
    text = text.strip()
    zone = _iana(text) if "/" in text else None
    if zone is not None:
        return Zone(zone, text)
    if text.upper() in ("UTC", "Z"):
        return UTC
    offset = re.fullmatch(r"(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?", text)
    if offset and int(offset.group("h")) <= 14:
        minutes = int(offset.group("h")) * 60 + int(offset.group("m") or 0)
        minutes = -minutes if offset.group("sign") == "-" else minutes
        return _fixed(
            minutes,
            f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}",
        )
    found = parse_zone(text)
    if found is None:
        raise ValueError(
            f"unknown time zone {text!r}: use UTC, an offset like +02:00, "
            "an abbreviation like CET, or a name like Europe/Oslo"
        )
    return found


@dataclass(frozen=True)
class Stamp:
    """A timestamp at the start of a text: its date and time when readable, and its zone."""

    date: dt.date | None
    time: dt.time | None
    zone: Zone | None
    end: int  # index in the text just past the stamp
    raw: str  # the stamp as written


_LEAD = re.compile(r"^[\s*_`>\[]*(?:(?:" + _APPROX + r")\s*)?")
_GAP = re.compile(r"^(?:\s*,?\s*(?:at\s+)?|T)", re.IGNORECASE)
_INLINE_ZONE = re.compile(
    r"^\s*\(?(?P<zone>(?:UTC|GMT)\s*[+-]\s*\d{1,2}(?::?\d{2})?|[+-]\d{2}:?\d{2}|[A-Za-z]{1,5})\)?(?!\w)"
)


def read_stamp(text: str) -> Stamp | None:
    """The date and/or time a text starts with ("2021-03-31 12:06", "14:00 UTC", "Sep 29 2017")."""
    pos = _LEAD.match(text).end()  # type: ignore[union-attr]
    date = None
    dates = find_dates(text[pos:])
    if dates and dates[0].start == 0:
        date = dates[0].value
        pos += dates[0].end
    after_date = pos
    if date is not None:
        pos += _GAP.match(text[pos:]).end()  # type: ignore[union-attr]
    time = None
    found = find_time(text[pos:])
    if found and not text[pos : pos + found.start].strip():
        time = found.value
        pos += found.end
    elif date is None:
        return None
    else:
        pos = after_date
    zone = None
    if time is not None:
        inline = _INLINE_ZONE.match(text[pos:])
        if inline:
            zone = parse_zone(inline.group("zone"))
            if zone is not None:
                pos += inline.end()
    return Stamp(date, time, zone, pos, text[:pos].strip(" *_`[>"))
