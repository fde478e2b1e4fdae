"""A whole `kb import` run on tmp_path knowledge bases, checked with the real loader."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from kb.config import load_settings
from kb.errors import UsageError
from kb.importing import Importer, user_zone
from kb.importing.run import ImportReport, source_label
from kb.knowledge import load_knowledge_base
from kb.models import Postmortem
from kb.taxonomy import load_taxonomy

TODAY = dt.date(2026, 2, 3)

REPORT_A = """\
# Queue backlog

## Summary

Consumers fell behind after a deploy.

## Timeline

| Time             | Event |
| ---------------- | ----- |
| 2024-05-06 10:00 | Deploy of consumer v3 |
| 2024-05-06 10:20 | Alert on queue depth |
| 2024-05-06 11:00 | Rolled back; backlog back to normal |

## Action items

- Alert earlier on queue depth
"""

REPORT_B = """\
# 2024-09-01, DNS outage

## Summary

Resolvers stopped answering.
"""


@pytest.fixture
def kb_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty knowledge base (mkdocs.yml only, default taxonomy) as the working folder."""
    root = tmp_path / "kb"
    root.mkdir()
    (root / "mkdocs.yml").write_text("site_name: test\n", encoding="utf-8")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "queue.md").write_text(REPORT_A, encoding="utf-8")
    (folder / "dns.markdown").write_text(REPORT_B, encoding="utf-8")
    (folder / "README.md").write_text("# About these reports\n", encoding="utf-8")
    (folder / "LICENSE").write_text("MIT\n", encoding="utf-8")
    return folder


def run(root: Path, *paths: Path, **options: object) -> ImportReport:
    settings = load_settings(root)
    importer = Importer(
        settings,
        load_taxonomy(settings.taxonomy_path),
        zone=user_zone(str(options.pop("zone", "UTC"))),
        today=TODAY,
        **options,  # type: ignore[arg-type]
    )
    return importer.run(list(paths))


def valid_postmortems(root: Path) -> list[Postmortem]:
    """Every postmortem of the knowledge base, asserting `kb validate` finds no problem
    (but the warning a draft dated in the future gets)."""
    kb = load_knowledge_base(load_settings(root), today=TODAY)
    assert [str(p) for p in kb.problems if "is in the future" not in p.message] == []
    return [d.meta for d in kb.postmortems if isinstance(d.meta, Postmortem)]


def test_a_folder_becomes_validating_drafts_by_year(kb_dir: Path, sources: Path) -> None:
    report = run(kb_dir, sources)
    assert [(o.source.split("/")[-1], o.status, o.reason) for o in report.outcomes] == [
        ("README.md", "skipped", "not a report (README.md); name the file to import it"),
        ("dns.markdown", "imported", ""),
        ("queue.md", "imported", ""),
    ]
    assert sorted(p.relative_to(kb_dir).as_posix() for p in kb_dir.rglob("*.md")) == [
        "content/postmortems/2024/2024-05-06-queue-backlog.md",
        "content/postmortems/2024/2024-09-01-dns-outage.md",
    ]
    drafts = {pm.title: pm for pm in valid_postmortems(kb_dir)}
    queue, dns = drafts["Queue backlog"], drafts["2024-09-01, DNS outage"]
    assert (dns.id, queue.id) == ("PM-2024-001", "PM-2024-002")
    assert queue.status == dns.status == "draft"
    assert queue.source is not None
    assert queue.source.path == (sources / "queue.md").resolve().as_posix()
    assert queue.source.imported == TODAY
    assert queue.timeline is not None and queue.timeline.mitigated is not None
    assert report.fill_rates() == {
        "title": (2, 2),
        "date": (2, 2),
        "timeline": (1, 1),  # only one of them has a timeline section
        "summary": (2, 2),
        "action_items": (1, 2),
    }


def test_ids_continue_after_those_already_taken(kb_dir: Path, sources: Path) -> None:
    existing = kb_dir / "content" / "postmortems" / "2024" / "old.md"
    existing.parent.mkdir(parents=True)
    existing.write_text(
        "---\nid: PM-2024-007\ntype: postmortem\ntitle: Old\nstatus: draft\ndate: 2024-01-01\n---\n",
        encoding="utf-8",
    )
    report = run(kb_dir, sources / "queue.md")
    assert report.outcomes[0].doc_id == "PM-2024-008"
    assert len(valid_postmortems(kb_dir)) == 2


def test_a_second_run_skips_what_was_imported(kb_dir: Path, sources: Path) -> None:
    run(kb_dir, sources)
    before = sorted(kb_dir.rglob("*.md"))
    report = run(kb_dir, sources)
    assert [o.status for o in report.outcomes] == ["skipped"] * 3
    assert report.outcomes[2].reason == (
        "already imported as PM-2024-002 (content/postmortems/2024/2024-05-06-queue-backlog.md)"
    )
    assert sorted(kb_dir.rglob("*.md")) == before


def test_a_changed_source_is_imported_again_next_to_the_first_draft(
    kb_dir: Path, sources: Path
) -> None:
    run(kb_dir, sources / "queue.md")
    first = kb_dir / "content/postmortems/2024/2024-05-06-queue-backlog.md"
    original = first.read_text(encoding="utf-8")
    (sources / "queue.md").write_text(REPORT_A + "\n- Page the owner\n", encoding="utf-8")
    (outcome,) = run(kb_dir, sources / "queue.md").outcomes
    assert outcome.status == "imported"
    assert outcome.notes["note"] == (
        "the source changed since it was imported as PM-2024-001; imported again"
    )
    assert outcome.target == "content/postmortems/2024/2024-05-06-queue-backlog-2.md"
    assert first.read_text(encoding="utf-8") == original


def test_the_same_content_under_another_name_is_skipped(kb_dir: Path, sources: Path) -> None:
    run(kb_dir, sources / "queue.md")
    copy = sources / "copy-of-queue.md"
    copy.write_bytes((sources / "queue.md").read_bytes())
    (outcome,) = run(kb_dir, copy).outcomes
    assert outcome.status == "skipped"
    assert outcome.reason.startswith(f"same content as {(sources / 'queue.md').resolve()}")


def test_an_existing_file_at_the_target_is_never_overwritten(kb_dir: Path, sources: Path) -> None:
    taken = kb_dir / "content/postmortems/2024/2024-05-06-queue-backlog.md"
    taken.parent.mkdir(parents=True)
    taken.write_text("my own notes\n", encoding="utf-8")
    (outcome,) = run(kb_dir, sources / "queue.md").outcomes
    assert outcome.target == "content/postmortems/2024/2024-05-06-queue-backlog-2.md"
    assert taken.read_text(encoding="utf-8") == "my own notes\n"


def test_dry_run_writes_nothing_and_shows_the_draft(kb_dir: Path, sources: Path) -> None:
    report = run(kb_dir, sources, dry_run=True)
    assert not (kb_dir / "content").exists()
    statuses = [o.status for o in report.outcomes]
    assert statuses == ["skipped", "would import", "would import"]
    queue = report.outcomes[2]
    assert queue.doc_id == "PM-2024-002"
    assert queue.text is not None and queue.text.startswith("---\nid: PM-2024-002\n")


def test_bad_sources_fail_with_a_reason_and_the_rest_goes_on(kb_dir: Path, sources: Path) -> None:
    latin = sources / "latin1.md"
    latin.write_bytes(b"# Caf\xe9 outage\n")
    second_line = sources / "late.md"
    second_line.write_bytes(b"# Title\n\nbad \xff byte\n")
    empty = sources / "empty.md"
    empty.write_bytes(b"")
    pdf = sources / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 binary")
    report = run(kb_dir, latin, second_line, empty, pdf, sources / "queue.md")
    failed = [(Path(o.source).name, o.line, o.reason) for o in report.failed]
    assert failed == [
        ("latin1.md", 1, "not UTF-8 (byte 0xe9); convert it to UTF-8 first"),
        ("late.md", 3, "not UTF-8 (byte 0xff); convert it to UTF-8 first"),
        ("empty.md", None, "empty file"),
        ("report.pdf", None, "not Markdown: looks like a PDF file"),
    ]
    assert report.count("imported") == 1
    assert len(valid_postmortems(kb_dir)) == 1


def test_into_a_folder_inside_the_content_folder(kb_dir: Path, sources: Path) -> None:
    report = run(kb_dir, sources / "dns.markdown", into=kb_dir / "content" / "imported")
    assert report.outcomes[0].target == "content/imported/2024-09-01-dns-outage.md"
    assert len(valid_postmortems(kb_dir)) == 1


def test_into_a_folder_outside_the_content_folder_is_refused(
    kb_dir: Path, sources: Path, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="outside the content folder"):
        run(kb_dir, sources, into=tmp_path / "elsewhere")


def test_no_date_in_the_text_uses_the_file_date(kb_dir: Path, sources: Path) -> None:
    undated = sources / "undated.md"
    undated.write_text("# Mystery slowness\n\nThings were slow.\n", encoding="utf-8")
    stamp = dt.datetime(2023, 7, 14, 12, 0).timestamp()
    os.utime(undated, (stamp, stamp))
    (outcome,) = run(kb_dir, undated).outcomes
    assert outcome.doc_id == "PM-2023-001"
    assert outcome.notes["date"] == (
        "2023-07-14: no date in the text; the file's modification date"
    )
    assert outcome.filled["date"] is False
    (pm,) = valid_postmortems(kb_dir)
    assert pm.date == dt.date(2023, 7, 14)


def test_default_zone_is_used_and_said_when_the_report_names_none(
    kb_dir: Path, sources: Path
) -> None:
    (outcome,) = run(kb_dir, sources / "queue.md", zone="Europe/Oslo").outcomes
    assert "no time zone named: Europe/Oslo assumed (--timezone)" in outcome.notes["timeline"]
    (pm,) = valid_postmortems(kb_dir)
    assert pm.timeline is not None
    assert pm.timeline.started.isoformat() == "2024-05-06T10:00:00+02:00"


def test_done_checkboxes_validate_in_a_draft(kb_dir: Path, sources: Path) -> None:
    done = sources / "done.md"
    done.write_text(
        "# Done things 2024-01-02\n\n## Action items\n\n- [x] Fixed it\n", encoding="utf-8"
    )
    run(kb_dir, done)
    (pm,) = valid_postmortems(kb_dir)
    assert [(a.status, a.closed) for a in pm.action_items] == [("done", None)]


def test_source_label_is_relative_inside_the_knowledge_base(kb_dir: Path, tmp_path: Path) -> None:
    assert source_label(kb_dir / "wiki" / "a.md", kb_dir) == "wiki/a.md"
    assert source_label(tmp_path / "a.md", kb_dir) == (tmp_path / "a.md").resolve().as_posix()


def test_kb_documents_are_not_imported_again(kb_dir: Path, sources: Path) -> None:
    run(kb_dir, sources / "queue.md")
    (outcome,) = run(kb_dir, kb_dir / "content").outcomes
    assert outcome.status == "skipped"
    assert outcome.reason == "already a kb document (PM-2024-001)"


# ---------------------------------------------------------------- bad sources in a folder

BAD_FRONT_MATTER = {
    "int.md": ("summary: !!int abc", 2, "'abc' is not a valid whole number"),
    "int-empty.md": ("summary: !!int ''", 2, "is not a valid whole number"),
    "float.md": ("summary: !!float abc", 2, "'abc' is not a valid number"),
    "bool.md": ("summary: !!bool maybe", 2, "'maybe' is not a valid true or false value"),
    "timestamp.md": ("date: !!timestamp x", 2, "'x' is not a valid date or timestamp"),
    "timestamp-list.md": ("date: !!timestamp [x]", 2, "must be a single value"),
    "digits.md": ("summary: 1" + "0" * 5000, 2, "digits is too long"),
    "alias.md": ("tags: &t [a, *t]", 2, "front-matter:"),
    "python.md": ("x: !!python/object/apply:os.system [echo]", 2, "is not allowed"),
    "toml.md": ("", 1, "invalid TOML"),
}


def test_a_folder_import_goes_past_every_bad_file(kb_dir: Path, sources: Path) -> None:
    for name, (line, _, _) in BAD_FRONT_MATTER.items():
        if name == "toml.md":
            text = "+++\nn = 1" + "0" * 5000 + "\n+++\n# T\n"
        else:
            text = f"---\n{line}\n---\n# Report {name}\n\n## Summary\n\nIt broke.\n"
        (sources / name).write_text(text, encoding="utf-8")
    (sources / "zz-last.md").write_text(REPORT_B.replace("DNS", "Last"), encoding="utf-8")
    report = run(kb_dir, sources)
    failed = {Path(o.source).name: (o.line, o.reason) for o in report.failed}
    assert set(failed) == set(BAD_FRONT_MATTER)
    for name, (_, line, fragment) in BAD_FRONT_MATTER.items():
        assert failed[name][0] == line, name
        assert fragment in failed[name][1], (name, failed[name])
    imported = [Path(o.source).name for o in report.outcomes if o.status == "imported"]
    assert imported == ["dns.markdown", "queue.md", "zz-last.md"]
    assert len(valid_postmortems(kb_dir)) == 3


def test_an_unexpected_error_in_one_file_is_reported_and_the_rest_imported(
    kb_dir: Path, sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.importing import run as run_module

    real = run_module.infer

    def flaky(text: str, **kw: object) -> object:
        if kw["stem"] == "dns":
            raise RuntimeError("something kb never expected")
        return real(text, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(run_module, "infer", flaky)
    report = run(kb_dir, sources)
    (failed,) = report.failed
    assert Path(failed.source).name == "dns.markdown"
    assert failed.reason == (
        "kb failed on this file (RuntimeError: something kb never expected); "
        "please report it with the file"
    )
    assert report.count("imported") == 1


def test_the_cli_reports_each_bad_file_and_exits_one(
    kb_dir: Path, sources: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kb.cli import main

    (sources / "bad.md").write_text("---\nsummary: !!int abc\n---\n# X\n", encoding="utf-8")
    (sources / "tl.md").write_text(
        "# Late\n\n## Timeline\n\n- 9999-12-31 23:00 started\n- 00:30 detected\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exited:
        main(["import", str(sources)])
    err = capsys.readouterr().err
    assert exited.value.code == 1
    assert f"{sources / 'bad.md'}:2: front-matter: 'abc' is not a valid whole number" in err
    assert "Traceback" not in err
    assert "5 source(s): 3 imported, 1 skipped, 1 failed" in err
    assert len(valid_postmortems(kb_dir)) == 3


def test_entries_that_are_not_regular_files_fail_without_blocking(
    kb_dir: Path, sources: Path
) -> None:
    os.mkfifo(sources / "pipe.md")
    (sources / "gone.md").symlink_to(sources / "nowhere.md")
    report = run(kb_dir, sources)
    failed = {Path(o.source).name: o.reason for o in report.failed}
    assert failed == {
        "gone.md": "cannot read: No such file or directory",
        "pipe.md": "cannot read: it is a named pipe (FIFO), and kb reads only regular files",
    }
    assert report.count("imported") == 2


# ---------------------------------------------------------------- writing


def test_a_write_cut_short_leaves_no_draft_and_the_next_run_cleans_up(
    kb_dir: Path, sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb import files

    def killed(*args: object) -> None:
        raise KeyboardInterrupt  # stands for the moment a kill arrives

    monkeypatch.setattr(files.os, "link", killed)
    with pytest.raises(KeyboardInterrupt):
        run(kb_dir, sources / "queue.md")
    folder = kb_dir / "content" / "postmortems" / "2024"
    assert list(folder.iterdir()) == []
    # What SIGKILL leaves (no `finally` runs): a hidden temporary file, removed next time.
    (folder / f"{files.NEW_PREFIX}x.md.abc{files.NEW_SUFFIX}").write_text("half")
    monkeypatch.undo()
    (outcome,) = run(kb_dir, sources / "queue.md").outcomes
    assert outcome.status == "imported"
    assert [p.name for p in folder.iterdir()] == ["2024-05-06-queue-backlog.md"]


def test_a_file_that_appears_at_the_target_is_never_overwritten(
    kb_dir: Path, sources: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kb.importing import run as run_module

    target = kb_dir / "content/postmortems/2024/2024-05-06-queue-backlog.md"
    real = run_module.write_new

    def someone_else_first(path: Path, text: str) -> None:
        path.write_text("written by someone else\n", encoding="utf-8")
        real(path, text)

    monkeypatch.setattr(run_module, "write_new", someone_else_first)
    (outcome,) = run(kb_dir, sources / "queue.md").outcomes
    assert outcome.status == "failed"
    assert "appeared while importing; not overwriting it" in outcome.reason
    assert target.read_text(encoding="utf-8") == "written by someone else\n"


def test_an_import_waits_for_the_id_lock_and_reads_the_ids_once_it_has_it(
    kb_dir: Path, sources: Path
) -> None:
    import fcntl

    from kb.authoring import lock_path

    lock = lock_path(kb_dir)
    lock.parent.mkdir(parents=True)
    said: list[str] = []
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a `kb new` holds it

        def other_writer_finishes(message: str) -> None:
            said.append(message)
            other = kb_dir / "content" / "postmortems" / "2024" / "other.md"
            other.parent.mkdir(parents=True)
            other.write_text("---\nid: PM-2024-001\n---\n", encoding="utf-8")
            fcntl.flock(held, fcntl.LOCK_UN)

        settings = load_settings(kb_dir)
        report = Importer(
            settings,
            load_taxonomy(settings.taxonomy_path),
            zone=user_zone("UTC"),
            today=TODAY,
            on_wait=other_writer_finishes,
        ).run([sources / "queue.md"])
    assert said == [f"waiting for another kb new or kb import to finish writing ({lock})"]
    assert report.outcomes[0].doc_id == "PM-2024-002"
