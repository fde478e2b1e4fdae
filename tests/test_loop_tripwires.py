"""Risk lifecycle and the early-warning counts of tripwires."""

from __future__ import annotations

from typing import Any

from docfactory import document, postmortem, premortem

from kb.loop.tripwires import (
    early_warning,
    fired_tripwires,
    links_by_risk,
    overall_early_warning,
    risk_state,
)
from kb.models import Postmortem, Premortem


def risk(rid: str, **fields: Any) -> dict[str, Any]:
    out = {"id": rid, "scenario": f"{rid} happens", "likelihood": 2, "impact": 3}
    out.update(fields)
    return out


def metas() -> tuple[list[Postmortem], Premortem]:
    pre = document(
        premortem(
            "PRE-2025-001",
            "2025-01-05",
            risks=[
                risk("R1", tripwire="p99 > 800 ms for 10 min", response="roll back"),
                risk("R2", tripwire="queue depth > 10k"),
                risk("R3", tripwire="error rate > 2%"),
                risk("R4"),  # realised, but nobody wrote a tripwire
                risk("R5", tripwire="never realised"),
            ],
        )
    ).meta
    links = [
        [{"risk": "PRE-2025-001#R1", "tripwire_fired": True}, "PRE-2025-001#R4"],
        [{"risk": "PRE-2025-001#R1", "tripwire_fired": False}],  # R1 again: counted once
        [{"risk": "PRE-2025-001#R2", "tripwire_fired": False}],
        ["PRE-2025-001#R3"],  # has a tripwire; the incident does not say
    ]
    pms = [
        document(postmortem(f"PM-2025-00{i}", f"2025-0{i + 1}-10", premortem_risks=refs)).meta
        for i, refs in enumerate(links, start=1)
    ]
    assert isinstance(pre, Premortem)
    return [p for p in pms if isinstance(p, Postmortem)], pre


def test_early_warning_counts_realised_risks_once() -> None:
    pms, pre = metas()
    counts = early_warning(pre, links_by_risk(pms))
    assert (counts.realised, counts.with_tripwire) == (4, 3)
    assert (counts.fired, counts.not_fired, counts.unknown) == (1, 1, 1)
    assert counts.fired_refs == ["PRE-2025-001#R1"]
    assert counts.sentence() == (
        "3 of 4 realised risks had a tripwire; of those 3, 1 fired before the incident, "
        "1 did not and for 1 the incident does not say."
    )
    assert overall_early_warning([pre, pre], links_by_risk(pms)).realised == 8


def test_no_realised_risk_says_so() -> None:
    _, pre = metas()
    assert early_warning(pre, {}).sentence() == "No risk has been realised by an incident yet."


def test_realised_is_derived_and_old_statuses_map() -> None:
    pms, pre = metas()
    links = links_by_risk(pms)
    r1, r5 = pre.risks[0], pre.risks[4]
    assert risk_state(r1, "PRE-2025-001#R1" in links) == "realised"
    assert risk_state(r5, "PRE-2025-001#R5" in links) == "open"
    old = document(
        premortem("PRE-2025-002", "2025-01-05", risks=[risk("R1", status="resolved")])
    ).meta
    assert isinstance(old, Premortem) and old.risks[0].status == "mitigated"


def test_fired_tripwires_newest_first_and_since() -> None:
    pms, pre = metas()
    (fired,) = fired_tripwires(pms, [pre])
    assert (fired.incident.id, fired.risk.id) == ("PM-2025-001", "R1")
    import datetime as dt

    assert fired_tripwires(pms, [pre], since=dt.date(2025, 3, 1)) == []


def _problems(front: str) -> list[str]:
    from pathlib import Path

    from docfactory import TAXONOMY

    from kb.loader import load_text

    text = f"---\n{front}---\n\nBody.\n"
    loaded = load_text(text, Path("/kb/x.md"), shown="x.md", src_uri="x.md", taxonomy=TAXONOMY)
    return [str(p) for p in loaded.problems]


def test_bad_risk_links_and_a_typed_realised_status_are_clear_errors() -> None:
    head = "id: PM-2025-001\ntype: postmortem\ntitle: t\nstatus: draft\ndate: 2025-01-01\n"
    assert _problems(
        head + "premortem_risks:\n  - PRE-2025-001#R1\n  - {risk: PRE-2025-001#R2, fired: yes}\n"
    ) == [
        "x.md:9:5: premortem_risks[1]: unknown key 'fired' in a pre-mortem risk link; use risk "
        "and tripwire_fired, e.g. {risk: PRE-2025-002#R3, tripwire_fired: true}"
    ]
    assert _problems(
        head + "premortem_risks:\n  - {risk: PRE-2025-001#R2, tripwire_fired: maybe}\n"
    ) == ["x.md:8:5: premortem_risks[0]: tripwire_fired must be true or false, got 'maybe'"]
    pre = (
        "id: PRE-2025-001\ntype: premortem\ntitle: t\ndate: 2025-01-01\nrisks:\n"
        "  - {id: R1, scenario: s, likelihood: 1, impact: 1, status: realised}\n"
    )
    (problem,) = _problems(pre)
    assert problem.startswith("x.md:7:") and "'realised' is set by kb" in problem
