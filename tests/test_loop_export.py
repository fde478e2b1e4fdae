"""Export rows, CSV escaping of formulas, and the three formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from docfactory import document, postmortem, premortem

from kb.loop.export import (
    action_item_rows,
    csv_cell,
    document_rows,
    to_csv,
    to_json,
    to_ndjson,
    unknown_fields,
)

TODAY = dt.date(2025, 6, 30)


def docs() -> list:
    return [
        document(
            postmortem(
                "PM-2025-001",
                "2025-03-01",
                title='=HYPERLINK("http://evil")',
                services=["+checkout", "-orders"],
                premortem_risks=[{"risk": "PRE-2025-001#R1", "tripwire_fired": True}],
                action_items=[
                    {
                        "title": "@SUM(A1)",
                        "kind": "prevent",
                        "owner": "ada",
                        "due": dt.date(2025, 4, 1),
                        "status": "open",
                    }
                ],
            )
        ),
        document(
            premortem(
                "PRE-2025-001",
                "2025-01-05",
                risks=[
                    {"id": "R1", "scenario": "s", "likelihood": 2, "impact": 4, "tripwire": "t"},
                    {"id": "R2", "scenario": "s", "likelihood": 1, "impact": 1},
                ],
            )
        ),
    ]


def test_document_rows_carry_front_matter_and_derived_values() -> None:
    columns, rows = document_rows(docs(), TODAY)
    assert columns[0] == "id" and "realised_risks" in columns
    pm, pre = rows
    assert pm["id"] == "PM-2025-001" and pm["time_to_detect_minutes"] == 10.0
    assert pm["time_to_resolve_minutes"] == 120.0
    assert (pm["open_action_items"], pm["overdue_action_items"]) == (1, 1)
    assert pm["tripwires_fired"] == ["PRE-2025-001#R1"]
    assert pre["realised_risks"] == ["PRE-2025-001#R1"] and pre["top_risk_score"] == 8
    assert pre["risks_with_tripwire"] == 1 and pre["time_to_detect_minutes"] is None


def test_type_and_fields_narrow_the_rows() -> None:
    columns, rows = document_rows(docs(), TODAY, types=["premortem"], fields=["id", "risks"])
    assert columns == ["id", "risks"] and rows == [{"id": "PRE-2025-001", "risks": 2}]
    assert unknown_fields(["id", "sevrity"], action_items=False) == ["sevrity"]
    assert unknown_fields(["owner"], action_items=True) == []


def test_action_item_rows() -> None:
    _, rows = action_item_rows(docs(), TODAY)
    (row,) = rows
    assert row["document_id"] == "PM-2025-001" and row["owner"] == "ada"
    assert row["overdue"] is True and row["days_overdue"] == 90


def test_csv_escapes_what_a_spreadsheet_would_execute() -> None:
    assert csv_cell("=1+1") == "'=1+1"
    assert csv_cell("+44 20") == "'+44 20" and csv_cell("-x") == "'-x" and csv_cell("@x") == "'@x"
    assert csv_cell("\tx") == "'\tx" and csv_cell("plain = fine") == "plain = fine"
    assert csv_cell(-5) == "-5" and csv_cell(None) == "" and csv_cell(True) == "true"
    assert csv_cell(["+a", "b"]) == "'+a; b"
    columns, rows = document_rows(docs(), TODAY, types=["postmortem"])
    parsed = list(csv.DictReader(io.StringIO(to_csv(columns, rows))))
    assert parsed[0]["title"] == '\'=HYPERLINK("http://evil")'
    assert parsed[0]["services"] == "'+checkout; -orders"
    _, items = action_item_rows(docs(), TODAY)
    assert "'@SUM(A1)" in to_csv(list(items[0]), items)


def test_json_and_ndjson_keep_types() -> None:
    _, rows = document_rows(docs(), TODAY)
    assert json.loads(to_json(rows))[0]["services"] == ["+checkout", "-orders"]
    lines = to_ndjson(rows).splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["type"] == "premortem"
