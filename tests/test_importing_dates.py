"""Dates, times and time zones as reports write them."""

from __future__ import annotations

import datetime as dt

import pytest

from kb.importing.dates import (
    find_dates,
    find_time,
    parse_zone,
    read_stamp,
    user_zone,
    zone_statement,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-03-31 12:06", dt.date(2021, 3, 31)),
        ("2021/03/31", dt.date(2021, 3, 31)),
        ("31.03.2021", dt.date(2021, 3, 31)),
        ("### Sep 29 2017 08:59", dt.date(2017, 9, 29)),
        ("On September 29, 2017 we", dt.date(2017, 9, 29)),
        ("On Wednesday 31st March 2021,", dt.date(2021, 3, 31)),
        ("On Monday 20. January 2020 one node", dt.date(2020, 1, 20)),
        ("2017-09-29-504.md", dt.date(2017, 9, 29)),
        ("incident_2021-03-31", dt.date(2021, 3, 31)),
        ("2021-03-31T12:06:00Z", dt.date(2021, 3, 31)),
    ],
)
def test_date_formats(text: str, expected: dt.date) -> None:
    assert [f.value for f in find_dates(text)] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "pm2021-004-adfs-outage",  # a report number, not a date
        "version 2019.03.24.1",  # a longer number
        "2021/22-??-?? HH:mm",  # unreadable
        "2021-02-30",  # impossible
        "On Monday 20. January",  # no year
    ],
)
def test_not_dates(text: str) -> None:
    assert find_dates(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13:50", dt.time(13, 50)),
        ("8:54", dt.time(8, 54)),
        ("17:14pm", dt.time(17, 14)),  # says pm twice; not shifted again
        ("5:14pm", dt.time(17, 14)),
        ("7:01am", dt.time(7, 1)),
        ("12:00am", dt.time(0, 0)),
        ("ca. 18:30", dt.time(18, 30)),
        ("10:45:12", dt.time(10, 45, 12)),
    ],
)
def test_times(text: str, expected: dt.time) -> None:
    found = find_time(text)
    assert found is not None and found.value == expected


@pytest.mark.parametrize("text", ["HH:mm", "??:??", "Kubernetes 1.15", "25:00"])
def test_not_times(text: str) -> None:
    assert find_time(text) is None


@pytest.mark.parametrize(
    ("text", "offset", "label"),
    [
        ("CET", 60, "CET (+01:00)"),
        ("CEST (UTC+2)", 120, "UTC+2 (+02:00)"),  # the explicit offset wins
        ("PST (UTC-7)", -420, "UTC-7 (-07:00)"),
        ("Central European Time (CET)", 60, "CET (+01:00)"),
        ("UTC+1 (Zurich time)", 60, "UTC+1 (+01:00)"),
        ("GMT+2", 120, "GMT+2 (+02:00)"),
        ("UTC", 0, "UTC"),
    ],
)
def test_zones(text: str, offset: int, label: str) -> None:
    zone = parse_zone(text)
    assert zone is not None
    assert zone.tz.utcoffset(None) == dt.timedelta(minutes=offset)
    assert zone.label == label


def test_iana_zone_follows_daylight_saving() -> None:
    zone = parse_zone("Europe/Copenhagen")
    assert zone is not None
    summer = zone.localize(dt.datetime(2020, 6, 9, 12, 0))
    winter = zone.localize(dt.datetime(2020, 1, 9, 12, 0))
    assert summer.utcoffset() == dt.timedelta(hours=2)
    assert winter.utcoffset() == dt.timedelta(hours=1)


def test_zone_statement_is_found_in_a_sentence() -> None:
    found = zone_statement("Some text.\n\nAll times in CEST (UTC+2)\n")
    assert found is not None
    assert found[0].label == "UTC+2 (+02:00)"
    assert found[1] == "All times in CEST (UTC+2)"
    assert zone_statement("All times are approximate.") is None


@pytest.mark.parametrize(
    ("text", "date", "time", "zone"),
    [
        ("2022-06-02 10:00 - Problem starts", dt.date(2022, 6, 2), dt.time(10, 0), None),
        ("14:00", None, dt.time(14, 0), None),
        ("2018-01-11", dt.date(2018, 1, 11), None, None),
        ("2018-07-08 ca. 18:30", dt.date(2018, 7, 8), dt.time(18, 30), None),
        ("~2025-03-03 19:30", dt.date(2025, 3, 3), dt.time(19, 30), None),
        ("**2020-01-01 10:00 UTC** - text", dt.date(2020, 1, 1), dt.time(10, 0), "UTC"),
        ("2020-12-21 HH:mm", dt.date(2020, 12, 21), None, None),
    ],
)
def test_read_stamp(
    text: str, date: dt.date | None, time: dt.time | None, zone: str | None
) -> None:
    stamp = read_stamp(text)
    assert stamp is not None
    assert (stamp.date, stamp.time) == (date, time)
    assert (stamp.zone.label if stamp.zone else None) == zone


@pytest.mark.parametrize("text", ["All times in CET.", "1. a list item", "around the clock"])
def test_read_stamp_needs_a_timestamp_at_the_start(text: str) -> None:
    assert read_stamp(text) is None


def test_user_zone_accepts_offsets_names_and_abbreviations() -> None:
    assert user_zone("UTC").label == "UTC"
    assert user_zone("+02:00").label == "+02:00"
    assert user_zone("-7").tz.utcoffset(None) == dt.timedelta(hours=-7)
    assert user_zone("Europe/Oslo").label == "Europe/Oslo"
    assert user_zone("cet").label == "CET (+01:00)"
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        user_zone("Mars/Olympus")
