"""The command line as users run it: output, exit codes, start-up imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import postmortem


def kb(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `kb` entry point in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        input=stdin if stdin is not None else "",
        check=False,
    )


def test_validate_clean_and_dirty_exit_codes(kb_root: Path) -> None:
    (kb_root / "content" / "a.md").write_text(postmortem())
    ok = kb("validate", cwd=kb_root)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 documents checked: 0 error(s), 0 warning(s)" in ok.stderr
    (kb_root / "content" / "b.md").write_text(postmortem("PM-2025-002").replace("SEV2", "SEV5"))
    bad = kb("validate", cwd=kb_root)
    assert bad.returncode == 1
    assert bad.stdout.startswith("content/b.md:6:1: severity: 'SEV5' is not one of")
    assert "Traceback" not in bad.stderr


def test_validate_json_lists_problems(kb_root: Path) -> None:
    (kb_root / "content" / "b.md").write_text(postmortem().replace("SEV2", "SEV5"))
    out = kb("validate", "--format", "json", cwd=kb_root)
    assert out.returncode == 1
    (problem,) = json.loads(out.stdout)
    assert problem.pop("message").startswith("'SEV5' is not one of SEV1, SEV2, SEV3, SEV4")
    assert problem == {
        "path": "content/b.md",
        "line": 6,
        "column": 1,
        "field": "severity",
        "severity": "error",
    }


def test_strict_turns_warnings_into_failure(kb_root: Path) -> None:
    (kb_root / "content" / "a.md").write_text(postmortem().replace("2030-01-01", "2020-01-01"))
    assert kb("validate", cwd=kb_root).returncode == 0
    strict = kb("validate", "--strict", cwd=kb_root)
    assert strict.returncode == 1
    assert "warning: action_items[0].due: action item" in strict.stdout


def test_usage_errors_exit_2(kb_root: Path) -> None:
    assert kb("validate", "--format", "xml", cwd=kb_root).returncode == 2
    assert kb("validate", "no/such/file.md", cwd=kb_root).returncode == 2
    missing = kb("new", "postmortem", "--severity", "SEV2", cwd=kb_root)
    assert missing.returncode == 2
    assert "missing --title (not running in a terminal" in missing.stderr


def test_new_prints_path_and_refuses_overwrite(kb_root: Path) -> None:
    args = (
        "new",
        "postmortem",
        "--title",
        "Cache stampede",
        "--severity",
        "SEV3",
        "--date",
        "2025-05-02",
    )
    first = kb(*args, "--service", "search", cwd=kb_root)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "content/postmortems/2025/2025-05-02-cache-stampede.md"
    assert "PM-2025-001" in first.stderr
    again = kb(*args, cwd=kb_root)
    assert again.returncode == 1
    assert "already exists; not overwriting it" in again.stderr
    assert kb("validate", cwd=kb_root).returncode == 0


def test_broken_taxonomy_is_one_clear_line(kb_root: Path) -> None:
    (kb_root / "taxonomy.yml").write_text("severities: [\n")
    out = kb("validate", cwd=kb_root)
    assert out.returncode == 1
    assert out.stderr.startswith("kb: ") and "taxonomy.yml:" in out.stderr
    assert "Traceback" not in out.stderr


def test_schema_has_taxonomy_enums(kb_root: Path) -> None:
    out = kb("schema", cwd=kb_root)
    schema = json.loads(out.stdout)
    pm = schema["$defs"]["Postmortem"]["properties"]
    assert pm["severity"]["anyOf"][0]["enum"] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert "datastore" in pm["categories"]["items"]["enum"]
    assert schema["$defs"]["Postmortem"]["additionalProperties"] is False


def test_help_and_validate_do_not_import_mkdocs_or_whoosh(kb_root: Path) -> None:
    probe = (
        "import sys\nfrom kb.cli import main\n"
        "for args in (['--help'], ['validate']):\n"
        "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('mkdocs', 'whoosh', 'material', 'matplotlib'))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=kb_root, capture_output=True, text=True, check=False
    )
    assert "HEAVY []" in out.stderr, out.stderr


def test_every_command_has_help_and_is_documented() -> None:
    from kb.cli import cli

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for name, command in cli.commands.items():
        assert command.help, name
        assert f"kb {name}" in readme, f"`kb {name}` is not documented in README.md"


def test_new_asks_for_missing_values_in_a_terminal(
    kb_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from kb.cli import cli

    monkeypatch.setattr("kb.cli.core._interactive", lambda: True)
    result = CliRunner().invoke(
        cli, ["new", "postmortem", "--date", "2025-02-03"], input="Queue backlog\nSEV3\n"
    )
    assert result.exit_code == 0, result.output
    assert "content/postmortems/2025/2025-02-03-queue-backlog.md" in result.output
    text = (kb_root / "content/postmortems/2025/2025-02-03-queue-backlog.md").read_text()
    assert "severity: SEV3" in text and 'title: "Queue backlog"' in text


def test_new_in_a_terminal_shows_severities_accepts_any_case_and_asks_the_date(
    kb_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from kb.cli import cli

    monkeypatch.setattr("kb.cli.core._interactive", lambda: True)
    result = CliRunner().invoke(
        cli, ["new", "postmortem"], input="Queue backlog\nsev2\n2025-02-03\n"
    )
    assert result.exit_code == 0, result.output
    # Every severity with its title and description, before the question.
    assert "SEV1   Critical: Full outage of a customer-facing product" in result.output
    assert "SEV4   Low" in result.output
    assert "Incident date (YYYY-MM-DD)" in result.output
    # Named by the incident's date, not today's.
    path = kb_root / "content/postmortems/2025/2025-02-03-queue-backlog.md"
    text = path.read_text()
    assert "severity: SEV2" in text and "date: 2025-02-03" in text
    assert "id: PM-2025-001" in text


def test_new_without_a_terminal_names_every_missing_option_at_once(kb_root: Path) -> None:
    missing = kb("new", "postmortem", cwd=kb_root)
    assert missing.returncode == 2
    assert "missing --title and --severity (not running in a terminal" in missing.stderr
    assert not (kb_root / "content" / "postmortems").exists()


def test_new_accepts_a_severity_in_any_case(kb_root: Path) -> None:
    made = kb(
        "new", "postmortem", "--title", "T", "--severity", "sev3", "--date", "2025-01-02",
        cwd=kb_root,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "severity: SEV3" in (kb_root / made.stdout.strip()).read_text()
    wrong = kb("new", "postmortem", "--title", "T", "--severity", "sev9", cwd=kb_root)
    assert wrong.returncode == 2 and "'sev9' is not one of SEV1" in wrong.stderr
