"""The review digest: each section, the owner and team filters, and its renderings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from docfactory import document, postmortem, premortem

from kb.loop.digest import DigestOptions, build_digest
from kb.loop.render import digest_markdown, digest_text

D = dt.date.fromisoformat
AS_OF = D("2025-06-30")


def item(title: str, due: str, owner: str = "ada", **fields: Any) -> dict[str, Any]:
    out = {"title": title, "kind": "detect", "owner": owner, "due": D(due), "status": "open"}
    out.update(fields)
    return out


def docs() -> list[Any]:
    return [
        document(
            postmortem(
                "PM-2025-001",
                "2025-03-01",
                teams=["payments"],
                action_items=[
                    item("Old alert", "2025-04-01"),
                    item("Older runbook", "2025-03-15", owner="bo"),
                    item("Soon dashboard", "2025-07-10"),
                    item("Later test", "2025-08-30"),
                    item("Done one", "2025-04-01", status="done", closed=D("2025-04-02")),
                ],
            )
        ),
        document(postmortem("PM-2025-002", "2025-06-10", status="draft", authors=["cy"])),
        document(postmortem("PM-2025-003", "2025-06-27", status="in-review", teams=["search"])),
        document(
            premortem(
                "PRE-2025-001",
                "2025-05-01",
                launch_date=D("2025-06-01"),
                facilitator="dee",
                risks=[
                    {
                        "id": "R1",
                        "scenario": "Queue backs up",
                        "likelihood": 2,
                        "impact": 3,
                        "owner": "dee",
                        "review_after": D("2025-06-15"),
                        "status": "mitigating",
                        "tripwire": "queue depth > 10k",
                        "response": "pause the import",
                    },
                    {
                        "id": "R2",
                        "scenario": "Accepted one",
                        "likelihood": 1,
                        "impact": 1,
                        "review_after": D("2025-06-15"),
                        "status": "accepted",
                    },
                ],
            )
        ),
        document(
            premortem("PRE-2025-002", "2025-05-01", review_after=D("2025-06-20"), status="open")
        ),
        document(
            premortem("PRE-2025-003", "2025-05-01", launch_date=D("2025-06-01"), status="reviewed")
        ),
        document(
            postmortem(
                "PM-2025-004",
                "2025-06-25",
                premortem_risks=[{"risk": "PRE-2025-001#R1", "tripwire_fired": True}],
            )
        ),
    ]


def test_every_section() -> None:
    d = build_digest(docs(), DigestOptions(AS_OF))
    assert [(i.title, i.days) for i in d.overdue] == [("Older runbook", 107), ("Old alert", 90)]
    assert [(o, [i.title for i in items]) for o, items in d.overdue_by_owner()] == [
        ("bo", ["Older runbook"]),
        ("ada", ["Old alert"]),
    ]
    assert [(i.title, i.days) for i in d.due_soon] == [("Soon dashboard", 10)]
    # 20 days after its incident: stale; PM-2025-003 is 3 days old: not yet.
    assert [(s.doc_id, s.age_days) for s in d.stale] == [("PM-2025-002", 20)]
    assert [(p.doc_id, p.days) for p in d.premortems] == [
        ("PRE-2025-001", 29),
        ("PRE-2025-002", 10),
    ]
    assert "launched 2025-06-01" in d.premortems[0].reason
    assert [(r.doc_id, r.risk_id) for r in d.risk_reviews] == [("PRE-2025-001", "R1")]
    assert [(f.incident_id, f.risk) for f in d.tripwires] == [("PM-2025-004", "PRE-2025-001#R1")]
    assert d.counts()["overdue"] == 2 and d.counts()["repeats"] == 0


def test_owner_and_team_filters() -> None:
    mine = build_digest(docs(), DigestOptions(AS_OF, owner="bo"))
    assert [i.title for i in mine.overdue] == ["Older runbook"] and not mine.due_soon
    assert not mine.stale and not mine.premortems and not mine.tripwires
    dee = build_digest(docs(), DigestOptions(AS_OF, owner="dee"))
    assert [p.doc_id for p in dee.premortems] == ["PRE-2025-001"]
    assert [f.risk for f in dee.tripwires] == ["PRE-2025-001#R1"]
    team = build_digest(docs(), DigestOptions(AS_OF, team="payments"))
    assert len(team.overdue) == 2 and not team.stale and not team.premortems


def test_stale_days_and_due_days_are_options() -> None:
    d = build_digest(docs(), DigestOptions(AS_OF, stale_days=2, due_days=90))
    assert [s.doc_id for s in d.stale] == ["PM-2025-002", "PM-2025-003"]
    assert [i.title for i in d.due_soon] == ["Soon dashboard", "Later test"]


def test_text_and_markdown() -> None:
    d = build_digest(docs(), DigestOptions(AS_OF))
    text = digest_text(d)
    assert "Review digest as of 2025-06-30" in text
    assert "    2025-03-15  107 days overdue: Older runbook (PM-2025-001, payments)" in text
    assert "PRE-2025-001#R1 fired before PM-2025-004" in text and "pause the import" in text
    markdown = digest_markdown(d)
    assert markdown.startswith("## Review digest, 2025-06-30\n")
    assert "### Overdue action items (2)" in markdown
    assert "- **bo**\n  - 2025-03-15 (**107 days overdue**): Older runbook" in markdown
