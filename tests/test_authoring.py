"""`kb new`: ids, paths, no overwrite, and documents that validate as they are."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import postmortem

from kb.authoring import NewDocument, create, next_id, slugify, used_ids
from kb.config import load_settings
from kb.errors import AuthoringError, UsageError
from kb.knowledge import load_knowledge_base
from kb.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()


def _new(**kw: object) -> NewDocument:
    data: dict[str, object] = {
        "type": "postmortem",
        "title": "DB failover",
        "date": date(2025, 3, 1),
    }
    data.update(kw)
    return NewDocument(**data)  # type: ignore[arg-type]


def test_slugify() -> None:
    assert slugify("Checkout: 502s after Café deploy!") == "checkout-502s-after-cafe-deploy"
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("!!!") == ""


def test_next_id_per_type_and_year() -> None:
    taken = {"PM-2025-001", "PM-2025-009", "PM-2024-030", "PRE-2025-002"}
    assert next_id("postmortem", 2025, taken) == "PM-2025-010"
    assert next_id("postmortem", 2026, taken) == "PM-2026-001"
    assert next_id("premortem", 2025, taken) == "PRE-2025-003"


def test_create_allocates_ids_and_validates(kb_root: Path) -> None:
    content = kb_root / "content"
    (content / "postmortems").mkdir()
    (content / "postmortems" / "old.md").write_text(postmortem("PM-2025-004"))
    path, doc_id = create(content, _new(severity="SEV2"), TAXONOMY)
    assert doc_id == "PM-2025-005"
    assert path == content / "postmortems" / "2025" / "2025-03-01-db-failover.md"
    _, doc_id2 = create(content, _new(title="Other"), TAXONOMY)
    assert doc_id2 == "PM-2025-006"
    pre, pre_id = create(content, _new(type="premortem", title="Launch"), TAXONOMY)
    assert pre_id == "PRE-2025-001" and pre.parent.name == "2025"
    assert used_ids(content) == {"PM-2025-004", "PM-2025-005", "PM-2025-006", "PRE-2025-001"}
    kb = load_knowledge_base(load_settings())
    assert kb.problems == []
    new_doc = kb.by_id["PM-2025-005"]
    assert new_doc.meta.title == "DB failover"
    for section in (
        "Summary",
        "Impact",
        "Timeline",
        "Contributing factors",
        "What went well",
        "Where we got lucky",
        "Lessons learned",
        "Action items",
    ):
        assert f"## {section}\n" in new_doc.body


def test_create_never_overwrites(kb_root: Path) -> None:
    content = kb_root / "content"
    path, _ = create(content, _new(), TAXONOMY)
    path.write_text("my precious words")
    with pytest.raises(AuthoringError, match="already exists; not overwriting"):
        create(content, _new(), TAXONOMY)
    assert path.read_text() == "my precious words"


def test_paths_outside_the_content_folder_are_refused(kb_root: Path) -> None:
    content = kb_root / "content"
    with pytest.raises(UsageError, match="outside the content folder"):
        create(content, _new(), TAXONOMY, path=kb_root / "elsewhere.md")
    with pytest.raises(UsageError, match="outside the content folder"):
        create(content, _new(), TAXONOMY, path=content / ".." / "x.md")
    with pytest.raises(UsageError, match="no letters or digits"):
        create(content, _new(title="???"), TAXONOMY)
    assert not (kb_root / "elsewhere.md").exists()


def test_titles_with_yaml_specials_round_trip(kb_root: Path) -> None:
    title = 'Deploy: "quoted" #hash & <script>alert(1)</script>'
    create(kb_root / "content", _new(title=title), TAXONOMY)
    kb = load_knowledge_base(load_settings())
    assert kb.problems == []
    assert kb.documents[0].meta.title == title


def test_unknown_severity_is_a_usage_error(kb_root: Path) -> None:
    with pytest.raises(UsageError, match="did you mean 'SEV2'"):
        create(kb_root / "content", _new(severity="sev2x"), TAXONOMY)
