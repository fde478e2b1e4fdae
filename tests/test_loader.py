"""Loading files: line numbers point at the offending key, every problem is collected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import postmortem, premortem

from kb.config import load_settings
from kb.knowledge import load_knowledge_base
from kb.source import split

Write = Callable[[str, str], Path]


def _errors(**kwargs: object) -> list[str]:
    return [str(p) for p in load_knowledge_base(load_settings(), **kwargs).errors]  # type: ignore[arg-type]


def test_valid_documents_load(write: Write) -> None:
    write("postmortems/2025/a.md", postmortem())
    write("premortems/2025/p.md", premortem())
    kb = load_knowledge_base(load_settings())
    assert kb.errors == []
    assert sorted(d.id for d in kb.documents) == ["PM-2025-001", "PRE-2025-001"]
    doc = kb.by_id["PM-2025-001"]
    assert doc.src_uri == "postmortems/2025/a.md"
    assert doc.body.strip().startswith("## Summary")


def test_a_content_folder_that_is_a_symlink_keeps_the_documents_paths(
    write: Write, kb_root: Path
) -> None:
    # A content folder kept elsewhere and linked in: documents are still named by their
    # path inside it (the site's pages and mkdocs' files are matched by it).
    write("postmortems/2025/a.md", postmortem())
    (kb_root / "content").rename(kb_root / "elsewhere")
    (kb_root / "content").symlink_to(kb_root / "elsewhere", target_is_directory=True)
    kb = load_knowledge_base(load_settings())
    assert [d.src_uri for d in kb.documents] == ["postmortems/2025/a.md"]


def test_pages_without_type_are_left_alone(write: Write) -> None:
    write("index.md", "# Home\n\nWelcome.\n")
    write("guide/how.md", "---\ntitle: How we work\n---\n\nText.\n")
    kb = load_knowledge_base(load_settings())
    assert kb.problems == [] and kb.documents == []


def test_line_of_a_nested_key_is_reported(write: Write) -> None:
    text = postmortem(extra="")
    text = text.replace(
        "    owner: amara.okafor\n", "    owner: amara.okafor\n    priority: high\n"
    )
    path = write("postmortems/x.md", text)
    line = text.splitlines().index("    priority: high") + 1
    assert _errors() == [
        f"content/postmortems/x.md:{line}:5: action_items[0].priority: unknown key 'priority'"
    ]
    assert path.read_text() == text  # validation never touches the file


def test_every_error_in_every_file_in_one_run(write: Write) -> None:
    bad = (
        postmortem().replace("severity: SEV2", "severity: SEV0").replace("kind: detect", "kind: x")
    )
    write("postmortems/one.md", bad)
    write(
        "postmortems/two.md",
        postmortem("PM-2025-002").replace("trigger: config-change", "trigger: nope"),
    )
    errors = _errors()
    assert len(errors) == 3
    assert [e.split(":")[0] for e in errors] == ["content/postmortems/one.md"] * 2 + [
        "content/postmortems/two.md"
    ]


def test_front_matter_after_blank_lines_counts_lines_from_the_file(write: Write) -> None:
    text = "---\n\n\nid: PM-2025-001\ntype: postmortem\ntitle: x\nstatus: draft\ndate: 2025-01-01\nsevrity: SEV1\n---\n"
    write("a.md", text)
    assert _errors() == [
        "content/a.md:9:1: sevrity: unknown key 'sevrity' (did you mean 'severity'?)"
    ]


def test_checking_one_file_still_resolves_references_to_others(write: Write) -> None:
    write("premortems/p.md", premortem())
    pm = postmortem(extra="premortem_risks: [PRE-2025-001#R2]\nrelated: [PM-2025-002]\n")
    target = write("postmortems/a.md", pm)
    write("postmortems/b.md", postmortem("PM-2025-002").replace("severity: SEV2", "severity: BAD"))
    assert _errors(only=[target]) == []
    assert len(_errors()) == 1


def test_split_keeps_body_and_lines() -> None:
    parts = split("---\nid: x\n---\n\nBody\n")
    assert parts.front_matter is not None and "id: x" in parts.front_matter
    assert parts.body.strip() == "Body"
    assert parts.body.split("\n").index("Body") + parts.body_first_line == 5
    assert split("No front matter\n").front_matter is None
