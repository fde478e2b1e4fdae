"""Timeline entries in their three forms, and the moments read from them."""

from __future__ import annotations

import datetime as dt
import textwrap

from kb.importing.dates import UTC, user_zone
from kb.importing.markdown import parse_blocks
from kb.importing.timeline import Timeline, extract


def timeline_of(text: str, *, base: dt.date | None = None, zone: str = "UTC") -> Timeline:
    lines = textwrap.dedent(text).strip("\n").split("\n")
    found = extract(
        parse_blocks(lines),
        document_text="\n".join(lines),
        base_date=base,
        default_zone=user_zone(zone),
    )
    assert found is not None
    return found


def iso(timeline: Timeline) -> dict[str, str]:
    return {k: v.isoformat() for k, v in timeline.moments.items()}


def test_table_with_stated_zone_and_explicit_labels() -> None:
    timeline = timeline_of(
        """
        All times in CET.

        | Time             | Event |
        | ---------------- | ----- |
        | 2022-01-25 10:21 | **Detection:** many alerts about i/o timeouts |
        | 2022-01-25 10:49 | Started a full node rollover |
        | 2022-01-25 15:00 | **Recovery:** uncordoned the node |
        | 2022-01-26 09:36 | Limits set through IaC |
        """
    )
    assert timeline.form == "table"
    assert timeline.zone_source == '"All times in CET"'
    assert iso(timeline) == {
        "started": "2022-01-25T10:21:00+01:00",
        "detected": "2022-01-25T10:21:00+01:00",
        "resolved": "2022-01-25T15:00:00+01:00",
    }


def test_zone_in_the_table_header_and_separate_date_and_time_columns() -> None:
    timeline = timeline_of(
        """
        | Date       | Time (UTC+2) | What happened |
        | ---------- | ------------ | ------------- |
        | 2023-05-01 | 09:00        | Deploy of v2 |
        | 2023-05-01 | 09:12        | Alert fired for errors |
        | 2023-05-01 | 09:30        | Rolled back to v1 |
        | 2023-05-01 | 09:41        | Error rate back to normal |
        """
    )
    assert iso(timeline) == {
        "started": "2023-05-01T09:00:00+02:00",
        "detected": "2023-05-01T09:12:00+02:00",
        "mitigated": "2023-05-01T09:30:00+02:00",
        "resolved": "2023-05-01T09:41:00+02:00",
    }


def test_list_form_with_inline_zone_and_the_default_zone_for_the_rest() -> None:
    timeline = timeline_of(
        """
        - 2024-02-03 21:10 UTC: disk on db-1 filled up
        - 22:25: customers reported failed checkouts
        - 22:50 - failed over to db-2, errors stop
        """,
        zone="Europe/Oslo",
    )
    assert timeline.form == "list"
    assert timeline.zone_source == ""  # nothing stated: the default was used
    assert iso(timeline) == {
        "started": "2024-02-03T21:10:00+00:00",
        "detected": "2024-02-03T22:25:00+01:00",
        "mitigated": "2024-02-03T22:50:00+01:00",
    }


def test_heading_per_timestamp_with_dates_carried_and_a_label_after_a_dash() -> None:
    timeline = timeline_of(
        """
        All times in CET

        ### 2022-06-02 10:00 - Problem starts

        Launches stopped.

        ### 21:00 - Team alerted

        A user told us.

        ### 21:24 - Quota object deleted and issue goes away

        Fixed.
        """
    )
    assert timeline.form == "headings"
    assert iso(timeline) == {
        "started": "2022-06-02T10:00:00+01:00",
        "detected": "2022-06-02T21:00:00+01:00",
        "resolved": "2022-06-02T21:24:00+01:00",
    }


def test_time_earlier_than_the_one_before_is_the_next_day() -> None:
    timeline = timeline_of(
        """
        ### 2019-03-24 23:40

        Start of incident.

        ### 00:15

        Incident resolved.
        """
    )
    assert iso(timeline)["resolved"] == "2019-03-25T00:15:00+00:00"
    assert timeline.entries[1].next_day


def test_a_day_heading_dates_the_times_listed_under_it() -> None:
    timeline = timeline_of(
        """
        ### 2020-01-20

        - 13:50 node starts failing
        - 14:05 we noticed the alert
        """
    )
    assert iso(timeline) == {
        "started": "2020-01-20T13:50:00+00:00",
        "detected": "2020-01-20T14:05:00+00:00",
    }


def test_time_only_entries_take_the_base_date_when_nothing_came_before() -> None:
    timeline = timeline_of(
        """
        - 09:00 deploy starts
        - 09:05 alert fires
        """,
        base=dt.date(2021, 5, 4),
    )
    assert iso(timeline)["started"] == "2021-05-04T09:00:00+00:00"
    assert timeline.first_date is None  # the date was not written in the timeline


def test_no_moment_when_the_first_entry_has_no_time() -> None:
    timeline = timeline_of(
        """
        | Time             | Event |
        | ---------------- | ----- |
        | 2020-12-21 HH:mm | Script created |
        | 2022-06-07 08:30 | Namespace excluded |
        """
    )
    assert timeline.moments == {}
    assert timeline.problem == "the first entry (2020-12-21) has no readable time"
    assert timeline.first_date == dt.date(2020, 12, 21)


def test_moments_never_go_backwards() -> None:
    # The only "resolved" entry is before the detection: kb's order forbids it, so it is left out.
    timeline = timeline_of(
        """
        | Time             | Event |
        | ---------------- | ----- |
        | 2018-03-26 10:34 | Success rate reaches 0% |
        | 2018-03-26 10:55 | Everything returns to normal |
        | 2018-03-26 15:00 | Dip noticed on a dashboard |
        """
    )
    assert iso(timeline) == {
        "started": "2018-03-26T10:34:00+00:00",
        "detected": "2018-03-26T15:00:00+00:00",
    }


def test_the_last_resolution_wins_and_mitigation_stays_before_it() -> None:
    timeline = timeline_of(
        """
        | Time             | Event |
        | ---------------- | ----- |
        | 2018-07-30 11:20 | We notice launches failing |
        | 2018-07-30 11:22 | Pod deleted, launches return to normal |
        | 2018-07-30 12:19 | Failing again; rolled back the chart |
        | 2018-07-30 15:11 | Repository banned, behaviour returns to normal |
        """
    )
    assert iso(timeline) == {
        "started": "2018-07-30T11:20:00+00:00",
        "detected": "2018-07-30T11:20:00+00:00",
        "mitigated": "2018-07-30T12:19:00+00:00",
        "resolved": "2018-07-30T15:11:00+00:00",
    }


def test_a_section_without_timestamps_is_no_timeline() -> None:
    lines = ["We do not know when it started.", "", "- Somebody noticed"]
    assert extract(parse_blocks(lines), document_text="", base_date=None, default_zone=UTC) is None


def test_a_time_after_the_last_day_of_the_calendar_is_left_unread() -> None:
    # 9999-12-31 23:40 then 00:15 would be 10000-01-01, which no date can hold.
    timeline = timeline_of(
        """
        - 9999-12-31 23:40 deploy started
        - 00:15 alert detected
        - 23:50 resolved
        """
    )
    assert [e.date for e in timeline.entries] == [dt.date.max, None, dt.date.max]
    assert not timeline.entries[1].readable and not timeline.entries[1].next_day
    assert iso(timeline) == {
        "started": "9999-12-31T23:40:00+00:00",
        "resolved": "9999-12-31T23:50:00+00:00",
    }


def test_the_first_day_of_the_calendar_reads() -> None:
    timeline = timeline_of(
        """
        - 0001-01-01 00:10 +05:00 deploy started
        - 00:05 -05:00 alert detected
        """
    )
    assert iso(timeline)["started"] == "0001-01-01T00:10:00+05:00"
    assert timeline.entries[1].date == dt.date(1, 1, 2)
