"""`kb import` on the command line: output, exit codes, options, documentation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kb.cli import main

REPO = Path(__file__).resolve().parents[1]

REPORT = """\
# Login failures

## Summary

Sessions expired early after a config change.

## Timeline

- 2025-01-10 08:00 config change applied
- 08:30 customers reported being logged out
- 09:00 change reverted, logins back to normal

## Action items

- [ ] Alert on session churn
"""


@pytest.fixture
def kb_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "kb"
    root.mkdir()
    (root / "mkdocs.yml").write_text("site_name: test\n", encoding="utf-8")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "login.md").write_text(REPORT, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def kb(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_import_reports_each_draft_and_the_fill_rates(
    kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = kb(capsys, "import", "../old/login.md", "--today", "2026-02-03")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == (
        "PM-2025-001 wrote content/postmortems/2025/2025-01-10-login-failures.md"
        "  <-  ../old/login.md"
    )
    assert "  date:         2025-01-10 from the first timeline entry" in lines
    assert (
        "  timeline:     started, detected, mitigated, resolved from the timeline list "
        "(3 entries); no time zone named: UTC assumed (--timezone)"
    ) in lines
    assert err.splitlines() == [
        "1 source(s): 1 imported, 0 skipped, 0 failed",
        "filled in from the text: title 1/1, date 1/1, timeline 1/1 with a timeline section, "
        "summary 1/1, action items 1/1",
    ]
    code, out, err = kb(capsys, "validate")
    assert code == 0
    assert "1 documents checked: 0 error(s), 0 warning(s)" in err


def test_rerun_skips_and_exits_zero(kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb(capsys, "import", "../old/login.md")
    code, out, err = kb(capsys, "import", "../old/login.md")
    assert code == 0
    assert out.startswith("skipped ../old/login.md: already imported as PM-2025-001")
    assert err.startswith("1 source(s): 0 imported, 1 skipped, 0 failed")


def test_a_failed_source_is_one_line_on_stderr_and_exit_one(
    kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (kb_dir.parent / "old" / "bad.md").write_bytes(b"# T\n\xff\n")
    code, out, err = kb(capsys, "import", "../old/bad.md", "../old/login.md")
    assert code == 1
    assert (
        err.splitlines()[0] == "../old/bad.md:2: not UTF-8 (byte 0xff); convert it to UTF-8 first"
    )
    assert "Traceback" not in err
    assert "PM-2025-001 wrote" in out


def test_dry_run_shows_the_front_matter_and_writes_nothing(
    kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = kb(capsys, "import", "--dry-run", "../old/login.md")
    assert code == 0
    assert "PM-2025-001 would write content/postmortems/2025/" in out
    assert "    | id: PM-2025-001" in out
    assert '    | title: "Login failures"  # from the first heading' in out
    assert not (kb_dir / "content").exists()


def test_json_output(kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = kb(
        capsys, "import", "--format", "json", "--timezone", "+01:00", "../old/login.md"
    )
    assert code == 0
    data = json.loads(out)
    (source,) = data["sources"]
    assert source["status"] == "imported"
    assert source["id"] == "PM-2025-001"
    assert source["path"] == "content/postmortems/2025/2025-01-10-login-failures.md"
    assert "+01:00 assumed" in source["notes"]["timeline"]
    assert data["filled"]["timeline"] == {"filled": 1, "of": 1}
    written = (kb_dir / source["path"]).read_text(encoding="utf-8")
    assert "  started: 2025-01-10T08:00:00+01:00" in written


def test_bad_timezone_is_a_usage_error(kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = kb(capsys, "import", "--timezone", "Nowhere/Atlantis", "../old/login.md")
    assert code == 2
    assert err.startswith("kb: --timezone: unknown time zone 'Nowhere/Atlantis'")


def test_into_outside_the_content_folder_is_a_usage_error(
    kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = kb(capsys, "import", "--into", "../elsewhere", "../old/login.md")
    assert code == 2
    assert "outside the content folder" in err


def test_missing_path_is_a_usage_error(kb_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = kb(capsys, "import", "../old/nope.md")
    assert code == 2
    assert "does not exist" in err


def test_a_folder_without_markdown_is_a_usage_error(
    kb_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (kb_dir.parent / "empty").mkdir()
    code, _, err = kb(capsys, "import", "../empty")
    assert code == 2
    assert err.startswith("kb: no Markdown files in ../empty")


def test_help_and_the_docs_describe_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = kb(capsys, "import", "--help")
    assert code == 0
    assert "Turn plain Markdown postmortems" in out
    page = (REPO / "docs" / "content" / "importing.md").read_text(encoding="utf-8")
    assert page.startswith("# Importing existing postmortems")
    for option in ("--into", "--dry-run", "--timezone"):  # every option: tests/test_docs.py
        assert option in out
        assert option in page


def test_loading_the_cli_does_not_load_the_importer() -> None:
    code = "import sys, kb.cli; print('kb.importing' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
