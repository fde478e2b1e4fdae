"""Documents as rows for spreadsheets and BI tools: front-matter plus derived values.

One row per document (`document_rows`), or one per action item (`action_item_rows`).
Values stay typed (lists, numbers, booleans, None) for JSON and NDJSON; `to_csv`
flattens lists with "; " and escapes every text cell a spreadsheet would run as a
formula (one starting with =, +, -, @, a tab or a carriage return gets a leading ').
Durations are in minutes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from kb.loader import Document
from kb.loop.tripwires import links_by_risk
from kb.models import Postmortem, Premortem

Row = dict[str, Any]

POSTMORTEM_FIELDS = (
    "id",
    "type",
    "title",
    "status",
    "severity",
    "date",
    "authors",
    "reviewers",
    "services",
    "teams",
    "tags",
    "summary",
    "started",
    "detected",
    "mitigated",
    "resolved",
    "time_to_detect_minutes",
    "time_to_mitigate_minutes",
    "time_to_resolve_minutes",
    "detection",
    "trigger",
    "categories",
    "impact_summary",
    "users_affected",
    "slo_breached",
    "impact_categories",
    "near_miss",
    "action_items",
    "open_action_items",
    "overdue_action_items",
    "related",
    "premortem_risks",
    "tripwires_fired",
    "path",
)
PREMORTEM_FIELDS = (
    "id",
    "type",
    "title",
    "status",
    "date",
    "project",
    "launch_date",
    "review_after",
    "facilitator",
    "participants",
    "services",
    "tags",
    "risks",
    "top_risk_score",
    "realised_risks",
    "risks_with_tripwire",
    "path",
)
# Every document field, in a stable order: postmortem fields, then pre-mortem-only ones.
DOCUMENT_FIELDS = POSTMORTEM_FIELDS + tuple(
    f for f in PREMORTEM_FIELDS if f not in POSTMORTEM_FIELDS
)
ACTION_ITEM_FIELDS = (
    "document_id",
    "document_title",
    "document_status",
    "severity",
    "date",
    "services",
    "teams",
    "item",
    "title",
    "kind",
    "owner",
    "due",
    "status",
    "ticket",
    "closed",
    "overdue",
    "days_overdue",
)


def _minutes(value: dt.timedelta | None) -> float | None:
    return round(value.total_seconds() / 60, 1) if value is not None else None


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _postmortem(doc: Document, pm: Postmortem, today: dt.date) -> Row:
    t = pm.timeline
    return {
        "id": pm.id,
        "type": pm.type,
        "title": pm.title,
        "status": pm.status,
        "severity": pm.severity,
        "date": _iso(pm.date),
        "authors": list(pm.authors),
        "reviewers": list(pm.reviewers),
        "services": list(pm.services),
        "teams": list(pm.teams),
        "tags": list(pm.tags),
        "summary": pm.summary,
        "started": _iso(t.started) if t else None,
        "detected": _iso(t.detected) if t else None,
        "mitigated": _iso(t.mitigated) if t else None,
        "resolved": _iso(t.resolved) if t else None,
        "time_to_detect_minutes": _minutes(pm.time_to_detect),
        "time_to_mitigate_minutes": _minutes(pm.time_to_mitigate),
        "time_to_resolve_minutes": _minutes(pm.time_to_resolve),
        "detection": pm.detection,
        "trigger": pm.trigger,
        "categories": list(pm.categories),
        "impact_summary": pm.impact.summary,
        "users_affected": pm.impact.users_affected,
        "slo_breached": pm.impact.slo_breached,
        "impact_categories": list(pm.impact.categories),
        "near_miss": pm.near_miss,
        "action_items": len(pm.action_items),
        "open_action_items": len(pm.open_action_items),
        "overdue_action_items": len(pm.overdue_action_items(today)),
        "related": list(pm.related),
        "premortem_risks": [str(r) for r in pm.premortem_risks],
        "tripwires_fired": [str(r) for r in pm.premortem_risks if r.tripwire_fired],
        "path": doc.src_uri,
    }


def _premortem(doc: Document, pre: Premortem, realised: set[str]) -> Row:
    return {
        "id": pre.id,
        "type": pre.type,
        "title": pre.title,
        "status": pre.status,
        "date": _iso(pre.date),
        "project": pre.project,
        "launch_date": _iso(pre.launch_date),
        "review_after": _iso(pre.review_after),
        "facilitator": pre.facilitator,
        "participants": list(pre.participants),
        "services": list(pre.services),
        "tags": list(pre.tags),
        "risks": len(pre.risks),
        "top_risk_score": max((r.score for r in pre.risks), default=None),
        "realised_risks": [f"{pre.id}#{r.id}" for r in pre.risks if f"{pre.id}#{r.id}" in realised],
        "risks_with_tripwire": sum(1 for r in pre.risks if r.tripwire),
        "path": doc.src_uri,
    }


def unknown_fields(fields: Sequence[str], action_items: bool) -> list[str]:
    """The names in `fields` that are not export fields."""
    known = ACTION_ITEM_FIELDS if action_items else DOCUMENT_FIELDS
    return [f for f in fields if f not in known]


def document_rows(
    documents: Iterable[Document],
    today: dt.date,
    *,
    types: Sequence[str] = (),
    fields: Sequence[str] = (),
) -> tuple[list[str], list[Row]]:
    """(columns, one row per document), newest first; `types` and `fields` narrow them.

    Without `fields`, the columns are those of the types exported (a field a type does
    not have is None in its rows).
    """
    everything = list(documents)
    docs = sorted(
        (d for d in everything if not types or d.meta.type in types),
        key=lambda d: (d.meta.date, d.id),
        reverse=True,
    )
    # A risk is realised by any incident, exported or not.
    realised = set(links_by_risk(d.meta for d in everything if isinstance(d.meta, Postmortem)))
    kinds: set[str] = {d.meta.type for d in docs} or set(types)
    if fields:
        columns = list(fields)
    elif kinds == {"premortem"}:
        columns = list(PREMORTEM_FIELDS)
    elif kinds == {"postmortem"}:
        columns = list(POSTMORTEM_FIELDS)
    else:
        columns = list(DOCUMENT_FIELDS)
    rows = []
    for doc in docs:
        if isinstance(doc.meta, Postmortem):
            full = _postmortem(doc, doc.meta, today)
        else:
            full = _premortem(doc, doc.meta, realised)
        rows.append({c: full.get(c) for c in columns})
    return columns, rows


def action_item_rows(
    documents: Iterable[Document], today: dt.date, *, fields: Sequence[str] = ()
) -> tuple[list[str], list[Row]]:
    """(columns, one row per action item), by incident newest first, in the file's order."""
    columns = list(fields) if fields else list(ACTION_ITEM_FIELDS)
    docs = sorted(
        (d for d in documents if isinstance(d.meta, Postmortem)),
        key=lambda d: (d.meta.date, d.id),
        reverse=True,
    )
    rows = []
    for doc in docs:
        pm = doc.meta
        assert isinstance(pm, Postmortem)
        for n, item in enumerate(pm.action_items, start=1):
            overdue = item.is_overdue(today)
            full: Row = {
                "document_id": pm.id,
                "document_title": pm.title,
                "document_status": pm.status,
                "severity": pm.severity,
                "date": _iso(pm.date),
                "services": list(pm.services),
                "teams": list(pm.teams),
                "item": n,
                "title": item.title,
                "kind": item.kind,
                "owner": item.owner,
                "due": _iso(item.due),
                "status": item.status,
                "ticket": item.ticket,
                "closed": _iso(item.closed),
                "overdue": overdue,
                "days_overdue": (today - item.due).days if overdue and item.due else None,
            }
            rows.append({c: full[c] for c in columns})
    return columns, rows


# ---------------------------------------------------------------- formats

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """One CSV cell: lists joined with '; ', None empty, text a spreadsheet would run escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)  # our own numbers: a negative one is a number, not a formula
    text = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(columns: Sequence[str], rows: Iterable[Row]) -> str:
    """CSV with a header row (RFC 4180 quoting; \\n line ends, which every reader takes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row[c]) for c in columns])
    return buffer.getvalue()


def to_json(rows: Sequence[Row]) -> str:
    """A JSON array of the rows."""
    return json.dumps(list(rows), indent=2, ensure_ascii=False) + "\n"


def to_ndjson(rows: Iterable[Row]) -> str:
    """One JSON object per line."""
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
