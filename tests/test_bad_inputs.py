"""Every case of the bad-input corpus (tests/badinput.py) gives its problem, and only it.

For each case: `kb validate` prints `path:line:col: ...` with the case's message and
exits 1 (warnings: only with --strict), `--format json` stays valid JSON, `kb index`
leaves the bad file out, keeps every good document searchable and exits 1 (a case
that loads but fails a check against the rest is indexed), and
`kb build` refuses with the same line; nothing prints a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from badinput import BAD, CASES, Case
from conftest import postmortem, premortem

from kb.cli.base import _run


def _kb(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = _run(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _place(case: Case, root: Path) -> None:
    target = root / BAD
    target.parent.mkdir(parents=True, exist_ok=True)
    if case.make is not None:
        case.make(target)
    elif isinstance(case.text, bytes):
        target.write_bytes(case.text)
    else:
        assert case.text is not None
        target.write_bytes(case.text.encode("utf-8"))


@pytest.fixture
def good_kb(kb_root: Path) -> Path:
    """A knowledge base with one good postmortem and one good pre-mortem."""
    (kb_root / "content" / "good.md").write_text(postmortem(title="Pool exhausted at checkout"))
    (kb_root / "content" / "plan.md").write_text(premortem())
    return kb_root


def _reported(output: str, case: Case) -> bool:
    prefix = f"{BAD}:{case.line}:"
    return any(line.startswith(prefix) and case.fragment in line for line in output.splitlines())


def test_the_corpus_is_large_and_every_case_is_distinct() -> None:
    assert len(CASES) >= 80
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_validate_reports_the_case_at_its_line(
    case: Case, good_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _place(case, good_kb)
    code, out, err = _kb(capsys, "validate")
    assert _reported(out, case), out + err
    assert code == (0 if case.strict else 1), out + err
    if case.strict:
        assert _kb(capsys, "validate", "--strict")[0] == 1
    code, out, _ = _kb(capsys, "validate", "--format", "json")
    problems = json.loads(out)
    assert any(p["path"] == BAD and p["line"] == case.line for p in problems), problems
    # The good documents are not blamed for the bad one.
    assert not [p for p in problems if p["path"] != BAD and p["severity"] == "error"], problems


@pytest.mark.parametrize(
    "case", [c for c in CASES if not c.strict], ids=[c.name for c in CASES if not c.strict]
)
def test_index_search_and_build_go_on_without_the_bad_document(
    case: Case, good_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _place(case, good_kb)
    code, out, err = _kb(capsys, "index")
    if case.checked:
        assert code == 0, out + err
        assert "3 documents in the index" in out, out + err
    else:
        assert code == 1, out + err
        assert "2 documents in the index" in out, out + err
    code, out, err = _kb(capsys, "search", "pool exhausted", "--exact", "--format", "json")
    assert code == 0, out + err
    hits = json.loads(out)
    assert [h["id"] for h in hits["results"]] == ["PM-2025-001"], hits
    code, out, err = _kb(capsys, "build")
    assert code == 1, out + err
    assert _reported(out, case), out + err
    assert "The site was not built." in err
    assert not (good_kb / "site").exists()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_folder_import_goes_past_the_bad_file(
    case: Case, kb_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = kb_root / "reports"
    bad = source / "a-bad.md"
    bad.parent.mkdir()
    if case.make is not None:
        case.make(bad)
    else:
        assert case.text is not None
        bad.write_bytes(case.text if isinstance(case.text, bytes) else case.text.encode())
    (source / "z-good.md").write_text("# Cache outage\n\nOn 2025-04-03 the cache fell over.\n")
    code, out, err = _kb(capsys, "import", "reports")
    # The report after the bad file is imported whatever happened to the bad one.
    written = [p.read_text() for p in (kb_root / "content").rglob("*.md")]
    assert any("Cache outage" in text for text in written), out + err
    if code == 1:  # the bad file failed: said once, with a line, and nothing written for it
        assert [line for line in err.splitlines() if line.startswith("reports/a-bad.md:")], err
        assert len(written) == 1
    else:  # taken as a draft, or skipped as a kb document already
        assert code == 0, out + err
    # Whatever import wrote validates.
    assert _kb(capsys, "validate")[0] == 0
