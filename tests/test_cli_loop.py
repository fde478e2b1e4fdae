"""`kb repeats`, `kb digest` and `kb export` as people run them: every format, exit codes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import postmortem, premortem
from search_helpers import run_kb

Write = Callable[[str, str], Path]
Capsys = pytest.CaptureFixture[str]


@pytest.fixture
def loop_kb(write: Write) -> None:
    """Two similar checkout incidents: the first's prevent item was still open at the second."""
    first = postmortem(title="Pool exhausted").replace(
        "    kind: detect\n    owner: amara.okafor\n    due: 2030-01-01\n",
        "    kind: prevent\n    owner: amara.okafor\n    due: 2025-04-01\n",
    )
    write("postmortems/a.md", first)
    second = postmortem(
        "PM-2025-002",
        title="=cmd|' /C calc'!A0",
        date="2025-05-02",
        extra="premortem_risks:\n  - {risk: PRE-2025-001#R1, tripwire_fired: true}\n",
    )
    write("postmortems/b.md", second)
    draft = (
        postmortem("PM-2025-003", title="Slow search", date="2025-05-20")
        .replace("status: published", "status: draft")
        .replace("services: [checkout]", "services: [search]")
    )
    write("postmortems/c.md", draft)
    write(
        "premortems/p.md",
        premortem(extra="").replace(
            "    owner: priya.raman\n",
            "    owner: priya.raman\n    tripwire: webhook retries > 1% for 10 min\n"
            "    response: pause the ramp\n",
        ),
    )


def test_repeats_text_markdown_json(loop_kb: None, capsys: Capsys) -> None:
    code, out, err = run_kb(["repeats"], capsys)
    assert code == 0 and err == ""
    assert out.splitlines()[:2] == [
        "PM-2025-002 (2025-05-02) =cmd|' /C calc'!A0",
        "  repeats PM-2025-001 (2025-03-14) Pool exhausted",
    ]
    assert (
        "Alert on pool saturation (owner amara.okafor, 31 days overdue (due 2025-04-01), open)"
        in out
    )
    code, out, _ = run_kb(["repeats", "--format", "markdown"], capsys)
    assert out.startswith("## Repeat failures\n\n- **PM-2025-002** =cmd\\|' /C calc'!A0")
    code, out, _ = run_kb(["repeats", "--format", "json"], capsys)
    (pair,) = json.loads(out)
    assert pair["earlier"]["id"] == "PM-2025-001" and pair["later"]["id"] == "PM-2025-002"
    assert pair["unkept_prevent_items"][0]["overdue_days"] == 31
    code, out, _ = run_kb(["repeats", "--since", "2025-06-01", "--format", "json"], capsys)
    assert json.loads(out) == []
    code, _, err = run_kb(["repeats", "--since", "June"], capsys)
    assert code == 2 and "--since" in err


def test_digest_text_markdown_json_and_fail_on(loop_kb: None, capsys: Capsys) -> None:
    code, out, err = run_kb(["digest", "--as-of", "2025-05-10"], capsys)
    assert code == 0 and err == ""
    assert "Overdue action items: 1\n  amara.okafor\n    2025-04-01  39 days overdue" in out
    assert "PRE-2025-001#R1 fired before PM-2025-002 (2025-05-02)" in out
    assert "pause the ramp" in out
    code, out, _ = run_kb(["digest", "--as-of", "2025-06-01", "--format", "markdown"], capsys)
    assert out.startswith("## Review digest, 2025-06-01\n")
    assert "- PM-2025-003 Slow search: draft, 12 days since the incident" in out
    code, out, _ = run_kb(["digest", "--as-of", "2025-05-10", "--format", "json"], capsys)
    data = json.loads(out)
    assert data["counts"]["overdue"] == 1 and data["counts"]["repeats"] == 1
    assert data["tripwires"][0]["tripwire"] == "webhook retries > 1% for 10 min"
    code, _, err = run_kb(
        ["digest", "--as-of", "2025-05-10", "--fail-on", "overdue,stale-drafts"], capsys
    )
    assert code == 1 and err == "kb: --fail-on: overdue (1)\n"
    code, _, _ = run_kb(["digest", "--as-of", "2025-05-10", "--fail-on", "stale-drafts"], capsys)
    assert code == 0
    code, _, err = run_kb(["digest", "--fail-on", "overdue,lateness"], capsys)
    assert code == 2 and "unknown section(s) lateness" in err
    code, out, _ = run_kb(["digest", "--as-of", "2025-05-10", "--owner", "nobody"], capsys)
    assert "Overdue action items: 0" in out


def test_export_json_ndjson_csv(loop_kb: None, capsys: Capsys) -> None:
    code, out, err = run_kb(["export", "--format", "json", "--today", "2025-05-10"], capsys)
    assert code == 0 and err == ""
    rows = json.loads(out)
    assert [r["id"] for r in rows] == ["PM-2025-003", "PM-2025-002", "PM-2025-001", "PRE-2025-001"]
    assert rows[2]["overdue_action_items"] == 1 and rows[2]["time_to_mitigate_minutes"] == 40.0
    assert rows[3]["realised_risks"] == ["PRE-2025-001#R1"]
    code, out, _ = run_kb(["export", "--format", "ndjson", "--type", "premortem"], capsys)
    (line,) = out.splitlines()
    assert json.loads(line)["risks_with_tripwire"] == 1
    code, out, _ = run_kb(
        ["export", "--format", "csv", "--fields", "id,title,services", "--type", "postmortem"],
        capsys,
    )
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["id", "title", "services"]
    assert ["PM-2025-002", "'=cmd|' /C calc'!A0", "checkout"] in table
    code, out, _ = run_kb(["export", "--format", "csv", "--action-items"], capsys)
    items = list(csv.DictReader(io.StringIO(out)))
    assert len(items) == 3 and {i["kind"] for i in items} == {"prevent", "detect"}


def test_export_usage_errors_and_documents_with_errors(
    loop_kb: None, write: Write, capsys: Capsys
) -> None:
    code, _, err = run_kb(["export", "--format", "json", "--fields", "id,sevrity"], capsys)
    assert code == 2 and "unknown field(s) sevrity (did you mean 'severity'?)" in err
    code, _, err = run_kb(["export", "--format", "xml"], capsys)
    assert code == 2
    write("postmortems/bad.md", postmortem("PM-2025-009").replace("SEV2", "SEV9"))
    code, out, err = run_kb(["export", "--format", "json"], capsys)
    assert code == 1 and len(json.loads(out)) == 4
    assert "content/postmortems/bad.md:6:1: severity:" in err and "(left out)" in err


def test_stale_days_comes_from_the_kb_plugin_options(
    loop_kb: None, kb_root: Path, capsys: Capsys
) -> None:
    args = ["digest", "--as-of", "2025-06-01", "--format", "json"]
    code, out, _ = run_kb(args, capsys)
    assert [s["doc_id"] for s in json.loads(out)["stale_drafts"]] == ["PM-2025-003"]
    mkdocs = "site_name: test\ndocs_dir: content\nplugins:\n  - kb:\n      stale_days: 30\n"
    (kb_root / "mkdocs.yml").write_text(mkdocs)
    code, out, _ = run_kb(args, capsys)
    assert code == 0 and json.loads(out)["stale_drafts"] == []
    code, out, _ = run_kb([*args, "--stale-days", "3"], capsys)
    assert len(json.loads(out)["stale_drafts"]) == 1
    (kb_root / "mkdocs.yml").write_text(mkdocs.replace("30", "-1"))
    code, _, err = run_kb(args, capsys)
    assert code == 1 and "the kb plugin's stale_days must be a whole number of at least 0" in err
