"""Each file in tests/data/invalid/ triggers one kind of error at a known line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kb.config import load_settings
from kb.knowledge import load_knowledge_base

INVALID = Path(__file__).parent / "data" / "invalid"
EXPECT = re.compile(rb"<!-- expect: (\d+): (.*?) -->")
FIXTURES = sorted(INVALID.glob("*.md"))


def _expectation(path: Path) -> tuple[int, str]:
    """(line, expected text): 'field | fragment' becomes 'field: ...fragment'."""
    match = EXPECT.search(path.read_bytes())
    assert match, f"{path.name} has no expect comment"
    return int(match.group(1)), match.group(2).decode()


def _matches(shown: str, prefix: str, expected: str) -> bool:
    if not shown.startswith(prefix):
        return False
    rest = shown[len(prefix) :]
    if " | " in expected:
        field, fragment = expected.split(" | ", 1)
        return f" {field}: " in rest and fragment in rest
    return expected in rest


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_fixture_reports_its_error_at_its_line(fixture: Path, kb_root: Path) -> None:
    target = kb_root / "content" / "postmortems" / fixture.name
    target.parent.mkdir(parents=True)
    shutil.copy(fixture, target)
    line, fragment = _expectation(fixture)
    kb = load_knowledge_base(load_settings())
    shown = [str(p) for p in kb.errors]
    prefix = f"content/postmortems/{fixture.name}:{line}:"
    assert any(_matches(s, prefix, fragment) for s in shown), shown


def test_there_is_a_fixture_per_kind_of_error() -> None:
    assert len(FIXTURES) >= 20
    assert len({_expectation(f)[1] for f in FIXTURES}) == len(FIXTURES)


def test_all_invalid_fixtures_are_reported_in_one_run(kb_root: Path) -> None:
    for fixture in FIXTURES:
        dest = kb_root / "content" / "bad" / fixture.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(fixture, dest)
    kb = load_knowledge_base(load_settings())
    assert {p.path for p in kb.errors} == {f"content/bad/{f.name}" for f in FIXTURES}
