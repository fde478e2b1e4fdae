"""The example knowledge base a new user sees first: valid, and rich enough to learn from."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kb.config import load_settings
from kb.knowledge import KnowledgeBase, load_knowledge_base
from kb.models import Postmortem, Premortem

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def example() -> KnowledgeBase:
    return load_knowledge_base(load_settings(REPO), today=date(2026, 11, 26))


def test_example_content_validates_without_errors(example: KnowledgeBase) -> None:
    assert [str(p) for p in example.errors] == []


def test_example_content_is_broad(example: KnowledgeBase) -> None:
    pms = [d.meta for d in example.postmortems]
    assert all(isinstance(m, Postmortem) for m in pms)
    assert len(pms) >= 15
    dates = sorted(m.date for m in pms)
    months = (dates[-1].year - dates[0].year) * 12 + dates[-1].month - dates[0].month
    assert months >= 24
    assert len({c for m in pms for c in m.categories}) >= 8  # type: ignore[union-attr]
    assert {m.severity for m in pms} >= {"SEV1", "SEV2", "SEV3", "SEV4"}  # type: ignore[union-attr]
    ttr = [m.time_to_resolve for m in pms if m.time_to_resolve]  # type: ignore[union-attr]
    assert min(ttr).total_seconds() < 3 * 3600 and max(ttr).days >= 1
    assert any(m.related for m in pms)  # type: ignore[union-attr]


def test_action_items_are_mixed(example: KnowledgeBase) -> None:
    items = [a for d in example.postmortems for a in d.meta.action_items]  # type: ignore[union-attr]
    statuses = {a.status for a in items}
    assert {"done", "open"} <= statuses
    assert any(a.is_overdue(example.today) for a in items)


def test_premortem_risks_are_realised_by_some_incidents_and_not_others(
    example: KnowledgeBase,
) -> None:
    pres = [d.meta for d in example.premortems]
    assert len(pres) >= 4
    realised = set(example.realised_by)
    all_risks = {f"{p.id}#{r.id}" for p in pres if isinstance(p, Premortem) for r in p.risks}
    assert realised and realised <= all_risks
    assert all_risks - realised
    # at least four pre-mortems saw at least one of their risks happen
    assert len({ref.split("#")[0] for ref in realised}) >= 4


def test_home_page_and_guide_exist() -> None:
    assert (REPO / "content" / "index.md").is_file()
    guide = (REPO / "content" / "guide" / "writing-postmortems.md").read_text()
    assert "blameless" in guide.lower()
    assert "contributing factor" in guide.lower()
