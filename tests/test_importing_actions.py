"""Action items from checkbox lists, tables and plain lists."""

from __future__ import annotations

import datetime as dt
import textwrap

from kb.importing.actions import Action, extract, link_references, suggest_kind
from kb.importing.markdown import parse_blocks


def actions_of(text: str) -> list[Action]:
    lines = textwrap.dedent(text).strip("\n").split("\n")
    return extract(parse_blocks(lines), link_references(lines))


def test_checkboxes_give_done_and_open() -> None:
    actions = actions_of(
        """
        - [x] Add log metric for disk errors
        - [ ] Enable SMTP for alerts
        """
    )
    assert [(a.title, a.status) for a in actions] == [
        ("Add log metric for disk errors", "done"),
        ("Enable SMTP for alerts", "open"),
    ]


def test_plain_list_items_are_open_unless_they_say_done() -> None:
    actions = actions_of(
        """
        1. Make sure that everybody gets emailed when the site goes down (DONE)
        2. Find a way to switch away from the old proxy (see notes)
        """
    )
    assert [a.status for a in actions] == ["done", "open"]
    assert actions[0].title.endswith("(DONE)")  # the author's words stay


def test_table_with_owner_status_due_and_ticket_columns() -> None:
    actions = actions_of(
        """
        | Action | Owner | Status | Due | Ticket |
        | ------ | ----- | ------ | --- | ------ |
        | Add an alert on queue depth | priya | In progress | 2024-07-01 | OPS-12 |
        | Write the failover runbook | amara | Done | | |
        | Drop the legacy cron | | won't do | | |
        """
    )
    assert [(a.title, a.owner, a.status, a.due, a.ticket) for a in actions] == [
        ("Add an alert on queue depth", "priya", "in-progress", dt.date(2024, 7, 1), "OPS-12"),
        ("Write the failover runbook", "amara", "done", None, None),
        ("Drop the legacy cron", None, "wont-do", None, None),
    ]


def test_unknown_status_word_is_open() -> None:
    (action,) = actions_of(
        """
        | Item | Status |
        | ---- | ------ |
        | Tune the autoscaler | blocked on vendor |
        """
    )
    assert action.status == "open"


def test_subsections_are_walked_but_lessons_inside_are_not_action_items() -> None:
    actions = actions_of(
        """
        ### Investigation

        Perhaps nodes get too old.

        ### What went wrong

        - Nobody could debug it

        ### Process improvements

        1. Improve the alerting
        2. Agree when to recycle nodes

        ### Documentation improvements

        1. Document how to recycle nodes
        """
    )
    assert [a.title for a in actions] == [
        "Improve the alerting",
        "Agree when to recycle nodes",
        "Document how to recycle nodes",
    ]


def test_nested_bullets_belong_to_their_item() -> None:
    actions = actions_of(
        """
        - Improve coverage of probes
            - Reach out to teams
            - Create a dashboard
        - Collect logs from nodes centrally
        """
    )
    assert [a.title for a in actions] == [
        "Improve coverage of probes",
        "Collect logs from nodes centrally",
    ]


def test_links_become_text_and_an_issue_link_becomes_the_ticket() -> None:
    actions = actions_of(
        """
        1. Fix the reflector [Pull Request](https://github.com/org/spawner/pull/81).
        2. Add metrics for the redirector ([issue][metrics-issue])
        3. Read https://example.org/blog first

        [metrics-issue]: https://github.com/org/deploy/issues/2114
        """
    )
    assert [(a.title, a.ticket) for a in actions] == [
        ("Fix the reflector Pull Request.", "https://github.com/org/spawner/pull/81"),
        ("Add metrics for the redirector (issue)", "https://github.com/org/deploy/issues/2114"),
        ("Read https://example.org/blog first", None),
    ]


def test_kind_is_suggested_from_the_item_then_its_heading() -> None:
    assert suggest_kind("Add alerting for cluster capacity") == ("detect", "alerting")
    assert suggest_kind("Roll back faster with a script") == ("mitigate", "roll back")
    assert suggest_kind("Write a wiki article on capacity") == ("process", "wiki")
    assert suggest_kind("Pin the base image", "Process improvements") == ("process", "process")
    assert suggest_kind("Pin the base image") == ("prevent", "")
