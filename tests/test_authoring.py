"""`kb new`: ids, paths, no overwrite, and documents that validate as they are."""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import postmortem

from kb import files
from kb.authoring import NewDocument, create, lock_path, next_id, used_ids
from kb.config import load_settings
from kb.errors import AuthoringError, UsageError
from kb.knowledge import load_knowledge_base
from kb.taxonomy import load_taxonomy
from kb.text import slugify

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
    # The new pre-mortem has no risks yet: one warning saying so (issue 18), nothing else.
    assert [(p.severity, p.field) for p in kb.problems] == [("warning", "risks")]
    assert kb.problems[0].path.endswith("2025-03-01-launch.md")
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


# ---------------------------------------------------------------- concurrent runs


def _create_at_the_same_time(content: str, title: str, start: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    create(Path(content), _new(title=title), TAXONOMY)


def _ids_and_files(content: Path) -> tuple[list[str], list[Path]]:
    paths = sorted(content.rglob("*.md"))
    ids = [yaml.safe_load(p.read_text().split("---")[1])["id"] for p in paths]
    return ids, paths


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_creates_never_share_an_id(kb_root: Path, round_: int) -> None:
    content = kb_root / "content"
    (content / "postmortems").mkdir()
    (content / "postmortems" / "old.md").write_text(postmortem("PM-2025-004"))
    context = multiprocessing.get_context("fork")
    start = context.Barrier(8)
    workers = [
        context.Process(target=_create_at_the_same_time, args=(str(content), f"T{i}", start))
        for i in range(8)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    ids, paths = _ids_and_files(content)
    assert len(paths) == 9
    assert sorted(ids) == [f"PM-2025-{n:03d}" for n in range(4, 13)]
    assert [p.name for p in (kb_root / ".kb").iterdir()] == ["ids.lock"]


def test_concurrent_kb_new_commands_never_share_an_id(kb_root: Path) -> None:
    old = kb_root / "content" / "postmortems" / "2024"
    old.mkdir(parents=True)
    for n in range(1, 401):  # reading the ids in use takes a while, as in a real knowledge base
        (old / f"{n}.md").write_text(postmortem(f"PM-2024-{n:03d}", date="2024-01-01"))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kb",
                "new",
                "postmortem",
                "--title",
                f"Run {i}",
                "--severity",
                "SEV2",
                "--date",
                "2025-05-01",
            ],
            cwd=kb_root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    ids, paths = _ids_and_files(kb_root / "content" / "postmortems" / "2025")
    assert len(paths) == 8 and sorted(ids) == [f"PM-2025-{n:03d}" for n in range(1, 9)]
    assert load_knowledge_base(load_settings()).problems == []


def test_a_held_id_lock_makes_create_wait_and_say_so(kb_root: Path) -> None:
    import fcntl

    lock = lock_path(kb_root)
    lock.parent.mkdir()
    said: list[str] = []
    # flock belongs to an open file, so this one blocks create's own open of the lock.
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)

        def release(message: str) -> None:
            said.append(message)
            fcntl.flock(held, fcntl.LOCK_UN)

        _, doc_id = create(kb_root / "content", _new(), TAXONOMY, lock=lock, on_wait=release)
    assert doc_id == "PM-2025-001"
    assert said == [f"waiting for another kb new or kb import to finish writing ({lock})"]


def test_a_killed_writer_leaves_no_file_and_its_debris_is_removed(
    kb_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = kb_root / "content"
    folder = content / "postmortems" / "2025"
    folder.mkdir(parents=True)
    stale = folder / f"{files.NEW_PREFIX}old.md.x1y2{files.NEW_SUFFIX}"
    stale.write_text("half a docu")  # what a `kill -9` during a write leaves

    def killed(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "link", killed)
    with pytest.raises(KeyboardInterrupt):
        create(content, _new(), TAXONOMY)
    assert sorted(p.name for p in folder.iterdir()) == []  # nothing at the target, no debris
    monkeypatch.undo()
    path, _ = create(content, _new(), TAXONOMY)
    assert [p.name for p in folder.iterdir()] == [path.name]


# ---------------------------------------------------------------- paths and values


@pytest.mark.parametrize(
    ("rel", "message"),
    [
        ("content/.hidden/x.md", "'.hidden' is hidden"),
        ("content/postmortems/.x.md", "'.x.md' is hidden"),
        ("content/a/../.git/x.md", "'.git' is hidden"),
        ("content/postmortems/x.markdown", "must end in .md"),
        ("content/postmortems/x.MD", "must end in .md"),
        ("content/postmortems/x", "must end in .md"),
        ("content", "outside the content folder"),
        ("mkdocs.md", "outside the content folder"),
    ],
)
def test_paths_kb_would_not_read_are_refused(kb_root: Path, rel: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        create(kb_root / "content", _new(), TAXONOMY, path=kb_root / rel)
    assert list((kb_root / "content").rglob("*")) == []


def test_a_hidden_path_is_a_usage_error_on_the_command_line(
    kb_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kb.cli import main

    args = ["new", "postmortem", "--title", "X", "--severity", "SEV2"]
    with pytest.raises(SystemExit) as exited:
        main([*args, "--path", "content/.hidden/x.md"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.startswith("kb: content/.hidden/x.md: '.hidden' is hidden")


TRICKY_TITLES = [
    "--- not a boundary ---",
    "...",
    "- looks like a list",
    "key: value # not a comment",
    "&anchor *alias !tag %directive @at `tick`",
    "{braces} [brackets] | > ?",
    "yes",
    "null",
    "~",
    "0x1F",
    "2025-03-01",
    "'single' \"double\" \\ backslash",
    "caf\u00e9 \u2014 \U0001f525 \u202eright-to-left\u202c",
    "zero\u200bwidth and BOM\ufeff",
]


@pytest.mark.parametrize("title", TRICKY_TITLES)
def test_any_printable_title_validates_and_reads_back(kb_root: Path, title: str) -> None:
    new = _new(title=f"Case {title}", services=[title], teams=[title], authors=["a", title])
    create(kb_root / "content", new, TAXONOMY)
    kb = load_knowledge_base(load_settings())
    assert [str(p) for p in kb.errors] == []
    meta = kb.documents[0].meta
    assert meta.title == f"Case {title}"
    assert meta.services == [title]


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("title", "A\n---\nid: PM-2025-999", "U+000A"),
        ("title", "bell\x07", "U+0007"),
        ("title", "escape \x1b]0;PWNED\x07", "U+001B"),
        ("title", "c1 \x85", "U+0085"),
        ("title", "separator \u2028", "U+2028"),
        ("title", "not utf-8 \udcff", "not UTF-8"),
        ("project", "p\r", "U+000D"),
    ],
)
def test_control_characters_in_values_are_refused(
    kb_root: Path, field: str, value: str, shown: str
) -> None:
    with pytest.raises(UsageError, match=re.escape(shown)):
        create(kb_root / "content", _new(**{field: value}), TAXONOMY)
    for option, kw in (("--service", "services"), ("--team", "teams"), ("--author", "authors")):
        with pytest.raises(UsageError, match=option):
            create(kb_root / "content", _new(**{kw: ["ok", value]}), TAXONOMY)
    assert list((kb_root / "content").rglob("*.md")) == []


def test_empty_names_are_refused(kb_root: Path) -> None:
    with pytest.raises(UsageError, match="--service is empty"):
        create(kb_root / "content", _new(services=["checkout", "  "]), TAXONOMY)


def test_year_below_1000_gets_a_four_digit_id(kb_root: Path) -> None:
    path, doc_id = create(kb_root / "content", _new(date=date(1, 1, 1)), TAXONOMY)
    assert doc_id == "PM-0001-001"
    assert path.parent.name == "0001"
    assert next_id("premortem", 999, set()) == "PRE-0999-001"


def test_a_named_pipe_in_the_content_folder_does_not_block(kb_root: Path) -> None:
    os.mkfifo(kb_root / "content" / "pipe.md")
    _, doc_id = create(kb_root / "content", _new(), TAXONOMY)
    assert doc_id == "PM-2025-001"
