"""The CI gate never passes vacuously, and kb never answers with a traceback.

A usage problem (no knowledge base, a missing content folder, `--root` that is not
a folder, a taxonomy path that is a folder) is exit 2 with a message saying what was
looked for and where. An unexpected error inside kb is one line and exit 3, so a
crash is never mistaken for a verdict on the documents.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import postmortem

from kb.cli.base import EXIT_BUG, EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, _run


def _kb(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = _run(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_no_knowledge_base_here_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _kb(capsys, "validate", "--strict")
    assert code == EXIT_USAGE
    assert "mkdocs.yml" in err and str(tmp_path) in err


def test_root_that_does_not_exist_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _kb(capsys, "--root", str(tmp_path / "nowhere"), "validate", "--strict")
    assert code == EXIT_USAGE
    assert "nowhere" in err


def test_missing_content_folder_is_a_usage_error(
    kb_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (kb_root / "content").rmdir()
    for command in (["validate", "--strict"], ["index"], ["build"]):
        code, _, err = _kb(capsys, "--root", str(kb_root), *command)
        assert code == EXIT_USAGE, (command, err)
        assert "content" in err, (command, err)


def test_a_taxonomy_that_is_a_folder_is_a_usage_error_not_the_default(
    kb_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (kb_root / "content" / "a.md").write_text(postmortem())
    (kb_root / "taxonomy.yml").mkdir()
    code, _, err = _kb(capsys, "--root", str(kb_root), "validate", "--strict")
    assert code == EXIT_USAGE
    assert "taxonomy.yml" in err


def test_an_empty_knowledge_base_says_so_and_fails_only_strict(
    kb_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _kb(capsys, "--root", str(kb_root), "validate")
    assert code == EXIT_OK
    assert "No postmortems or pre-mortems were found" in err
    code, _, err = _kb(capsys, "--root", str(kb_root), "validate", "--strict")
    assert code == EXIT_PROBLEMS
    assert "checked nothing" in err


def test_an_unexpected_error_is_one_line_and_exit_3(
    kb_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import kb.knowledge

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something kb did not expect")

    monkeypatch.setattr(kb.knowledge, "load_knowledge_base", broken)
    code, out, err = _kb(capsys, "--root", str(kb_root), "validate")
    assert code == EXIT_BUG
    assert out == ""
    assert "internal error (RuntimeError: something kb did not expect)" in err
    assert "--debug" in err
    with pytest.raises(RuntimeError):
        _run(["--root", str(kb_root), "--debug", "validate"])
    # --debug is an option of kb, not a word anywhere on the line: a file named so is a file.
    (kb_root / "--debug").write_text("")
    monkeypatch.chdir(kb_root)
    code, _, err = _kb(capsys, "validate", "--", "--debug")
    assert code == EXIT_BUG and "internal error" in err


def test_a_refusal_by_the_machine_is_one_line_naming_the_file(
    kb_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    import kb.knowledge

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(kb_root / ".kb" / "x"))

    monkeypatch.setattr(kb.knowledge, "load_knowledge_base", full)
    code, _, err = _kb(capsys, "--root", str(kb_root), "validate")
    assert code == EXIT_PROBLEMS
    assert err.strip() == f"kb: {kb_root / '.kb' / 'x'}: No space left on device"
