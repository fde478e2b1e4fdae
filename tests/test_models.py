"""Derived values of the models: durations, risk scores, open and overdue action items."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from kb.models import ActionItem, Postmortem, Premortem
from kb.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()


def _pm(**changes: object) -> Postmortem:
    data: dict[str, object] = {
        "id": "PM-2025-001",
        "type": "postmortem",
        "title": "t",
        "status": "draft",
        "date": "2025-03-14",
        "timeline": {
            "started": "2025-03-14T09:00:00+01:00",
            "detected": "2025-03-14T09:12:00+01:00",
            "mitigated": "2025-03-14T10:00:00+01:00",
            "resolved": "2025-03-16T09:00:00+01:00",
        },
    }
    data.update(changes)
    return Postmortem.model_validate(data, context={"taxonomy": TAXONOMY})


def test_durations_are_derived_from_the_timeline() -> None:
    pm = _pm()
    assert pm.time_to_detect == timedelta(minutes=12)
    assert pm.time_to_mitigate == timedelta(hours=1)
    assert pm.time_to_resolve == timedelta(days=2)


def test_durations_across_offsets_use_absolute_time() -> None:
    pm = _pm(timeline={"started": "2025-03-14T09:00:00+01:00", "detected": "2025-03-14T08:30:00Z"})
    assert pm.time_to_detect == timedelta(minutes=30)
    assert pm.time_to_resolve is None


def test_open_and_overdue_action_items() -> None:
    items = [
        {"title": "a", "kind": "prevent", "due": "2025-01-01", "status": "open"},
        {
            "title": "b",
            "kind": "detect",
            "due": "2025-01-01",
            "status": "done",
            "closed": "2025-01-02",
        },
        {"title": "c", "kind": "process", "due": "2026-01-01", "status": "in-progress"},
        {"title": "d", "kind": "mitigate", "status": "wont-do"},
    ]
    pm = _pm(action_items=items)
    assert [a.title for a in pm.open_action_items] == ["a", "c"]
    assert [a.title for a in pm.overdue_action_items(date(2025, 6, 1))] == ["a"]
    assert [a.title for a in pm.overdue_action_items(date(2026, 6, 1))] == ["a", "c"]


def test_risk_score_is_likelihood_times_impact() -> None:
    pre = Premortem.model_validate(
        {
            "id": "PRE-2025-001",
            "type": "premortem",
            "title": "t",
            "date": "2025-01-01",
            "risks": [{"id": "R1", "scenario": "s", "likelihood": 4, "impact": 5}],
        }
    )
    assert pre.risks[0].score == 20
    assert pre.risk("R1") is pre.risks[0]
    assert pre.risk("R9") is None


def test_taxonomy_values_are_checked_only_with_a_taxonomy_in_context() -> None:
    data = {
        "id": "PM-2025-001",
        "type": "postmortem",
        "title": "t",
        "status": "draft",
        "date": "2025-03-14",
        "severity": "SEV7",
    }
    assert Postmortem.model_validate(data).severity == "SEV7"
    with pytest.raises(ValidationError, match="'SEV7' is not one of SEV1"):
        Postmortem.model_validate(data, context={"taxonomy": TAXONOMY})


def test_action_item_defaults_to_open() -> None:
    item = ActionItem(title="x", kind="prevent")
    assert item.is_open
    assert not item.is_overdue(date(2100, 1, 1))
