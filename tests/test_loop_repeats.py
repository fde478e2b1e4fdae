"""The repeat-failure rule and recurring failures, on small sets of incidents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from docfactory import document, postmortem

from kb.loop.repeats import find_repeats, months_before, recurring_failures, similarity
from kb.models import Postmortem

D = dt.date.fromisoformat


def pm(doc_id: str, day: str, **fields: Any) -> Postmortem:
    meta = document(postmortem(doc_id, day, **fields)).meta
    assert isinstance(meta, Postmortem)
    return meta


def item(kind: str = "prevent", status: str = "open", **fields: Any) -> dict[str, Any]:
    out = {"title": f"{kind} it", "kind": kind, "owner": "ada", "due": D("2025-02-01")}
    out.update(status=status, **fields)
    return out


EARLY = dict(services=["checkout"], categories=["datastore"], trigger="config-change")


def test_open_prevent_item_makes_a_repeat_with_its_evidence() -> None:
    first = pm("PM-2025-001", "2025-01-10", action_items=[item()], **EARLY)
    second = pm("PM-2025-002", "2025-03-03", **EARLY)
    (repeat,) = find_repeats([second, first])
    assert (repeat.earlier.id, repeat.later.id) == ("PM-2025-001", "PM-2025-002")
    assert repeat.reasons == (
        "same service checkout and category datastore, trigger config-change",
    )
    (unkept,) = repeat.items
    assert unkept.overdue_days == 30  # due 2025-02-01, the later one started 2025-03-03
    assert "ada" in unkept.describe() and "30 days overdue" in unkept.describe()


def test_item_closed_the_day_before_is_no_repeat_but_after_is() -> None:
    before = item(status="done", closed=D("2025-03-02"))
    first = pm("PM-2025-001", "2025-01-10", action_items=[before], **EARLY)
    second = pm("PM-2025-002", "2025-03-03", **EARLY)
    assert find_repeats([first, second]) == []
    after = item(status="done", closed=D("2025-03-04"))
    first = pm("PM-2025-001", "2025-01-10", action_items=[after], **EARLY)
    (repeat,) = find_repeats([first, second])
    assert repeat.items[0].closed == D("2025-03-04")


def test_item_closed_on_the_day_the_later_one_started_gets_the_benefit_of_the_doubt() -> None:
    same_day = item(status="done", closed=D("2025-03-03"))
    first = pm("PM-2025-001", "2025-01-10", action_items=[same_day], **EARLY)
    assert find_repeats([first, pm("PM-2025-002", "2025-03-03", **EARLY)]) == []


def test_wont_do_and_other_kinds_never_make_a_repeat() -> None:
    items = [item(status="wont-do", closed=D("2025-01-20")), item(kind="detect")]
    first = pm("PM-2025-001", "2025-01-10", action_items=items, **EARLY)
    assert find_repeats([first, pm("PM-2025-002", "2025-03-03", **EARLY)]) == []


def test_item_with_no_due_date_counts_and_says_so() -> None:
    first = pm("PM-2025-001", "2025-01-10", action_items=[item(due=None)], **EARLY)
    (repeat,) = find_repeats([first, pm("PM-2025-002", "2025-03-03", **EARLY)])
    assert repeat.items[0].overdue_days is None
    assert "no due date" in repeat.items[0].describe()


def test_done_without_a_closed_date_counts_as_done() -> None:
    draft = dict(EARLY, status="draft")
    first = pm("PM-2025-001", "2025-01-10", action_items=[item(status="done")], **draft)
    assert find_repeats([first, pm("PM-2025-002", "2025-03-03", **EARLY)]) == []


def test_an_earlier_incident_without_a_timeline_uses_its_date() -> None:
    first = pm("PM-2025-001", "2025-01-10", action_items=[item()], timeline=None, **EARLY)
    later = pm("PM-2025-002", "2025-01-10", **EARLY)  # same day, with a start time
    (repeat,) = find_repeats([later, first])
    assert repeat.earlier.id == "PM-2025-001"


def test_similarity_needs_the_same_failing_service_and_category_or_trigger() -> None:
    a = pm("PM-2025-001", "2025-01-10", **EARLY)
    other_service = pm("PM-2025-002", "2025-03-03", **dict(EARLY, services=["search"]))
    assert similarity(a, other_service) == ()
    # checkout only affected here: search failed (the first service listed)
    affected = pm("PM-2025-005", "2025-03-03", **dict(EARLY, services=["search", "checkout"]))
    assert similarity(a, affected) == ()
    only_trigger = pm("PM-2025-003", "2025-03-03", **dict(EARLY, categories=["capacity"]))
    assert similarity(a, only_trigger) == ("same service checkout and trigger config-change",)
    neither = pm(
        "PM-2025-004",
        "2025-03-03",
        **dict(EARLY, categories=["capacity"], trigger="traffic-surge"),
    )
    assert similarity(a, neither) == ()


def test_a_related_link_in_either_direction_is_enough() -> None:
    first = pm("PM-2025-001", "2025-01-10", action_items=[item()], services=["a"])
    second = pm("PM-2025-002", "2025-03-03", services=["b"], related=["PM-2025-001"])
    (repeat,) = find_repeats([first, second])
    assert repeat.reasons == ("related link",)
    back = pm(
        "PM-2025-001", "2025-01-10", action_items=[item()], services=["a"], related=["PM-2025-002"]
    )
    (repeat,) = find_repeats([back, pm("PM-2025-002", "2025-03-03", services=["b"])])
    assert repeat.later.id == "PM-2025-002"


def test_newest_first_and_since() -> None:
    first = pm("PM-2025-001", "2025-01-10", action_items=[item()], **EARLY)
    second = pm("PM-2025-002", "2025-03-03", **EARLY)
    third = pm("PM-2025-003", "2025-05-05", **EARLY)
    pairs = [(r.earlier.id, r.later.id) for r in find_repeats([first, second, third])]
    assert pairs == [("PM-2025-001", "PM-2025-003"), ("PM-2025-001", "PM-2025-002")]
    since = find_repeats([first, second, third], since=D("2025-04-01"))
    assert [(r.earlier.id, r.later.id) for r in since] == [("PM-2025-001", "PM-2025-003")]


def test_recurring_failures_count_category_and_service_in_the_window() -> None:
    pms = [
        pm(f"PM-2025-00{i}", day, **EARLY)
        for i, day in enumerate(["2025-01-05", "2025-04-05", "2025-09-05"], start=1)
    ]
    pms.append(pm("PM-2024-001", "2024-06-01", **EARLY))  # outside 12 months of 2025-10-01
    (found,) = recurring_failures(pms, D("2025-10-01"), count=3, months=12)
    assert (found.category, found.service, len(found.incidents)) == ("datastore", "checkout", 3)
    assert found.incidents[0].id == "PM-2025-003"
    assert recurring_failures(pms, D("2025-10-01"), count=4, months=12) == []
    assert len(recurring_failures(pms, D("2025-10-01"), count=4, months=24)) == 1


def test_months_before_clamps_to_the_end_of_the_month() -> None:
    assert months_before(D("2025-03-31"), 1) == D("2025-02-28")
    assert months_before(D("2025-01-15"), 12) == D("2024-01-15")


def test_newest_repeats_names_a_few_and_counts_the_rest() -> None:
    from kb.loop.repeats import newest_repeats

    earlier = [
        pm(f"PM-2025-00{i}", f"2025-01-0{i}", action_items=[item()], **EARLY) for i in range(1, 6)
    ]
    later = pm("PM-2025-010", "2025-03-03", **EARLY)
    everything = find_repeats([*earlier, later])
    assert len([r for r in everything if r.later.id == "PM-2025-010"]) == 5
    found = {f.later.id: f for f in newest_repeats([*earlier, later], limit=2)}
    newest = found["PM-2025-010"]
    assert [r.earlier.id for r in newest.shown] == ["PM-2025-005", "PM-2025-004"]
    assert newest.more == 3
    # Pairs come newest later incident first, and for each, its newest earlier one first.
    assert [(r.later.id, r.earlier.id) for r in everything[:2]] == [
        ("PM-2025-010", "PM-2025-005"),
        ("PM-2025-010", "PM-2025-004"),
    ]
