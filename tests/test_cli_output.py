"""Every command prints values from documents with their control characters made visible.

A title holding `ESC ] 0 ; ... BEL ESC [ 2 J` would retitle and clear the terminal
of whoever runs `kb search`; problem messages quote values, so `kb validate` is
as exposed. The tests below run each command on a knowledge base whose titles,
bodies, values and file names hold such sequences, as if stdout were a terminal
(click keeps escape sequences only there), and look for raw control bytes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from conftest import postmortem

from kb.cli import main
from kb.cli.output import clean, render, styled

# YAML double-quoted escapes: \e is ESC, \a is BEL, \x9b is the C1 form of CSI.
TITLE = '"Pool \\e]0;PWNED\\a\\e[2J exhausted \\u202e evil \\x9b"'
SHOWN_TITLE = "Pool \\x1b]0;PWNED\\x07\\x1b[2J exhausted \\u202e evil \\x9b"
BAD_SEVERITY = '"\\e]0;X\\aSEV9"'
EVIL_NAME = "b\x1b]0;N\x07\x1b[2J.md"
# What may not reach the reader: C0 but tab and line feed, DEL, C1, bidi controls.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
OUR_STYLES = re.compile(r"\x1b\[[0-9;]*m")  # kb's own bold and colours


def assert_clean(*streams: str) -> None:
    """No raw control character in the output, once kb's own styling is taken out."""
    for text in streams:
        left = OUR_STYLES.sub("", text)
        assert RAW.search(left) is None, repr(left)


@pytest.fixture(autouse=True)
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make click write escape sequences as it does on a terminal."""
    monkeypatch.setattr(click.utils, "should_strip_ansi", lambda *args, **kwargs: False)


@pytest.fixture
def evil(kb_root: Path) -> Path:
    """A knowledge base with hostile text in a title, a body, a tag, a value and a file name."""
    folder = kb_root / "content" / "postmortems"
    folder.mkdir()
    body = postmortem("PM-2025-001", title=TITLE, extra='tags: ["\\e[2Jtag"]\n')
    body = body.replace("Body text about", "Body \x1b]0;BODY\x07 text about")
    (folder / "a.md").write_text(body, encoding="utf-8")
    bad = postmortem("PM-2025-002", title="Pool two exhausted")
    (folder / EVIL_NAME).write_text(
        bad.replace("severity: SEV2", f"severity: {BAD_SEVERITY}"), encoding="utf-8"
    )
    (folder / "c.md").write_text(
        postmortem("PM-2025-003", title="Pool three connection"), encoding="utf-8"
    )
    return kb_root


def kb(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_clean_makes_controls_visible_and_keeps_layout() -> None:
    assert clean("a\x1b]0;x\x07b") == "a\\x1b]0;x\\x07b"
    assert clean("tab\tand\nline") == "tab\tand\nline"
    assert clean("cr\rdel\x7fc1\x85\x9b") == "cr\\x0ddel\\x7fc1\\x85\\x9b"
    assert clean("\u202eevil\u2066\u2069\u2028") == "\\u202eevil\\u2066\\u2069\\u2028"
    assert clean("caf\u00e9 \u2014 \U0001f525") == "caf\u00e9 \u2014 \U0001f525"
    # A file name that is not UTF-8 arrives surrogate-escaped; show its byte, never raise.
    assert clean("name-\udcff.md") == "name-\\xff.md"


def test_styles_are_applied_after_the_text_is_cleaned() -> None:
    line = render(styled("PM-\x1b[2J1", bold=True), "  title\x07")
    assert line == "\x1b[1mPM-\\x1b[2J1\x1b[0m  title\\x07"


def test_validate_text_and_json(evil: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = kb(capsys, "validate")
    assert code == 1
    assert_clean(out, err)
    assert "b\\x1b]0;N\\x07\\x1b[2J.md:6:1: severity: '\\x1b]0;X\\x07SEV9'" in out
    code, out, err = kb(capsys, "validate", "--format", "json")
    assert_clean(out, err)
    problems = json.loads(out)
    assert problems[0]["message"].startswith("'\x1b]0;X\x07SEV9' is not one of")


def test_index_search_and_similar(evil: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = kb(capsys, "index")
    assert_clean(out, err)
    assert "(left out of the index)" in err
    code, out, err = kb(capsys, "search", "pool")
    assert code == 0
    assert_clean(out, err)
    assert SHOWN_TITLE in out
    assert "Body \\x1b]0;BODY\\x07 text about" in out  # the snippet
    code, out, err = kb(capsys, "search", "pool", "--format", "json")
    assert_clean(out, err)
    titles = {hit["title"] for hit in json.loads(out)["results"]}
    assert "Pool \x1b]0;PWNED\x07\x1b[2J exhausted \u202e evil \x9b" in titles  # exact
    for args in (("similar", "PM-2025-003"), ("similar", "PM-2025-003", "--format", "json")):
        code, out, err = kb(capsys, *args)
        assert code == 0
        assert_clean(out, err)
        assert "PWNED" in out


def test_search_query_echoed_back(evil: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = kb(capsys, "search", "nothing\x07here")
    assert_clean(out, err)
    assert "no documents match 'nothing\\x07here'" in err
    code, out, err = kb(capsys, "search", "nothing\x1b[2J(here")  # a malformed query
    assert code == 2
    assert_clean(out, err)


def test_build_problems(evil: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = kb(capsys, "build", "--site-dir", str(evil / "out"))
    assert code == 1
    assert_clean(out, err)
    assert "\\x1b]0;X\\x07SEV9" in out


def test_import(kb_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sources = tmp_path / "old"
    sources.mkdir()
    text = "# Outage \x1b]0;T\x07 of \u202eDNS\n\n## Summary\n\nResolvers \x1b[2J stopped.\n"
    (sources / "dns\x1b[2J.md").write_text(text, encoding="utf-8")
    (sources / "bad\x1b[2J.md").write_text("---\nsummary: !!int x\x07\n---\n# X\n")
    for extra in ((), ("--dry-run",), ("--format", "json", "--dry-run")):
        code, out, err = kb(capsys, "import", str(sources), *extra)
        assert code == 1
        assert_clean(out, err)
    assert "dns\\x1b[2J.md" in out or "dns\\u001b[2J.md" in out


def test_new_and_usage_errors(kb_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = "content/postmortems/x\x1b[2J.md"
    code, out, err = kb(
        capsys, "new", "postmortem", "--title", "T", "--severity", "SEV2", "--path", path
    )
    assert code == 0
    assert_clean(out, err)
    assert out.strip() == "content/postmortems/x\\x1b[2J.md"
    code, out, err = kb(
        capsys, "new", "postmortem", "--title", "T\x1b]0;X\x07", "--severity", "SEV2"
    )
    assert code == 2
    assert_clean(out, err)
    # click's own messages quote what was typed.
    code, out, err = kb(capsys, "new", "post\x1b[2Jmortem")
    assert code == 2
    assert_clean(out, err)
    assert "post\\x1b[2Jmortem" in err


def test_every_command_prints_through_echo() -> None:
    """kb/cli prints only through kb.cli.output.echo, so no value escapes cleaning."""
    cli_dir = Path(__file__).resolve().parents[1] / "kb" / "cli"
    for module in cli_dir.glob("*.py"):
        if module.name == "output.py":
            continue
        source = module.read_text(encoding="utf-8")
        for forbidden in ("click.echo(", "click.secho(", "print(", "sys.stdout.write", ".show("):
            assert forbidden not in source, f"{module.name} uses {forbidden}"
