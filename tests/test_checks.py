"""Rules across fields and documents: duplicates, references, drafts, warnings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from conftest import postmortem, premortem

from kb.config import load_settings
from kb.knowledge import KnowledgeBase, load_knowledge_base

Write = Callable[[str, str], Path]


def _kb(today: date = date(2025, 6, 1)) -> KnowledgeBase:
    return load_knowledge_base(load_settings(), today=today)


def test_duplicate_ids_name_both_files(write: Write) -> None:
    write("postmortems/a.md", postmortem())
    write("postmortems/b.md", postmortem(title="Another"))
    errors = [str(p) for p in _kb().errors]
    assert any(
        e.startswith("content/postmortems/a.md:2:1: id:")
        and "also used by content/postmortems/b.md" in e
        for e in errors
    )
    assert any(
        e.startswith("content/postmortems/b.md:2:1:") and "postmortems/a.md" in e for e in errors
    )


def test_unresolved_related_with_did_you_mean(write: Write) -> None:
    write("postmortems/a.md", postmortem(extra="related: [PM-2025-020]\n"))
    write("postmortems/b.md", postmortem("PM-2025-002"))
    (error,) = _kb().errors
    assert "no document has id 'PM-2025-020' (did you mean 'PM-2025-002'?)" in error.message
    assert error.field == "related[0]"


def test_premortem_risk_references(write: Write) -> None:
    write("premortems/p.md", premortem())
    write("postmortems/ok.md", postmortem(extra="premortem_risks: [PRE-2025-001#R2]\n"))
    write(
        "postmortems/bad.md",
        postmortem("PM-2025-002", extra="premortem_risks: [PRE-2025-001#R7]\n"),
    )
    write(
        "postmortems/notpre.md",
        postmortem("PM-2025-003", extra="premortem_risks: [PM-2025-001#R1]\n"),
    )
    kb = _kb()
    messages = sorted(p.message for p in kb.errors)
    assert messages == [
        "'PM-2025-001#R1' should look like PRE-2025-002#R3",
        "PRE-2025-001 has no risk 'R7' (it has R1, R2)",
    ]
    assert [d.id for d in kb.realised_by["PRE-2025-001#R2"]] == ["PM-2025-001"]


def test_references_to_a_broken_document_are_not_reported_twice(write: Write) -> None:
    write("premortems/p.md", premortem().replace("likelihood: 3", "likelihood: 9"))
    write("postmortems/a.md", postmortem(extra="premortem_risks: [PRE-2025-001#R1]\n"))
    errors = _kb().errors
    assert [e.path for e in errors] == ["content/premortems/p.md"]


def test_drafts_may_be_incomplete_published_may_not(write: Write) -> None:
    draft = (
        "---\nid: PM-2025-001\ntype: postmortem\ntitle: t\nstatus: draft\ndate: 2025-01-01\n---\n"
    )
    write("postmortems/d.md", draft)
    assert _kb().problems == []
    write("postmortems/d.md", draft.replace("status: draft", "status: published"))
    fields = {p.message.split("'")[1] for p in _kb().errors}
    assert fields == {
        "severity",
        "authors",
        "summary",
        "timeline",
        "detection",
        "trigger",
        "categories",
    }


def test_open_action_items_need_owner_and_due_once_final(write: Write) -> None:
    text = (
        postmortem().replace("    owner: amara.okafor\n", "").replace("    due: 2030-01-01\n", "")
    )
    write("postmortems/a.md", text)
    assert sorted(p.field for p in _kb().errors) == ["action_items[0].due", "action_items[0].owner"]


def test_warnings_overdue_and_no_action_items(write: Write) -> None:
    write("postmortems/a.md", postmortem())
    write(
        "postmortems/b.md",
        postmortem("PM-2025-002").split("action_items:")[0] + "---\n",
    )
    kb = _kb(today=date(2030, 6, 1))
    assert kb.errors == []
    warnings = sorted(str(w) for w in kb.warnings)
    assert len(warnings) == 2
    assert "action item 'Alert on pool saturation' is overdue (due 2030-01-01, open)" in warnings[0]
    assert "published with no action items" in warnings[1]
    assert _kb(today=date(2029, 1, 1)).warnings[0].message == "published with no action items"


def test_closed_only_with_done_or_wont_do(write: Write) -> None:
    write(
        "postmortems/a.md",
        postmortem().replace("    status: open", "    status: open\n    closed: 2025-04-01"),
    )
    (error,) = _kb().errors
    assert error.field == "action_items[0].closed"


def test_schema_errors_and_rule_errors_come_in_one_run(write: Write) -> None:
    text = (
        postmortem()
        .replace("severity: SEV2", "severity: SEV9")
        .replace("mitigated: 2025-03-14T09:40", "mitigated: 2025-03-14T09:05")
        .replace("summary: Checkout failed for some customers after a pool change.", "summary: ''")
    )
    write("postmortems/a.md", text)
    fields = sorted(p.field for p in _kb().errors)
    assert fields == ["severity", "summary", "timeline.mitigated"]


def test_validate_warns_on_the_incident_that_repeats_one_with_unkept_prevent_items(
    write: Write,
) -> None:
    # Its one action item, due 2030, is still open: make it a prevent item.
    first = postmortem().replace("    kind: detect\n", "    kind: prevent\n")
    write("postmortems/a.md", first)
    write("postmortems/b.md", postmortem("PM-2025-002", date="2025-05-02"))
    kb = _kb()
    (warning,) = [p for p in kb.warnings if "repeats" in p.message]
    assert warning.path == "content/postmortems/b.md" and warning.line == 2
    assert warning.message.startswith(
        "repeats PM-2025-001 (2025-03-14, same service checkout and category config, "
        "category datastore, trigger config-change)"
    )
    assert "Alert on pool saturation (owner amara.okafor, not yet due (due 2030-01-01), open)" in (
        warning.message
    )
    assert not kb.errors


def test_text_that_strongly_suggests_an_unlisted_category_warns(write: Write) -> None:
    oom = postmortem(title="Checkout pods OOMKilled after the API ran out of memory").replace(
        "Body text about the connection pool.",
        "The memory limit was too low for the new cache, and the OOM killer ended the pods.",
    )
    write("postmortems/a.md", oom)
    listed = postmortem("PM-2025-002", title="Search pods OOMKilled when they ran out of memory")
    write("postmortems/b.md", listed.replace("[config, datastore]", "[config, capacity]"))
    warnings = [str(p) for p in _kb().warnings if "suggests" in p.message]
    assert warnings == [
        "content/postmortems/a.md:18:1: warning: categories: text suggests `capacity` "
        "(oomkilled, ran out of, memory limit, oom killer); add it to categories, "
        "or to not_categories to rule it out"
    ]


def _two_suggestions(extra: str = "") -> str:
    """A postmortem whose text strongly suggests capacity and network, listing neither."""
    return postmortem(
        title="Pods OOMKilled as they ran out of memory, then DNS resolution failed at the load balancer",
        extra=extra,
    ).replace(
        "Body text about the connection pool.",
        "The memory limit was too low and the OOM killer ended the pods; they ran out of "
        "memory. DNS resolution then failed, the load balancer routing broke, packet loss.",
    )


def test_not_categories_silences_the_suggestion_for_the_listed_slug_only(write: Write) -> None:
    write("postmortems/a.md", _two_suggestions())
    suggested = sorted(p.message.split("`")[1] for p in _kb().warnings if "suggests" in p.message)
    assert suggested == ["capacity", "network"]
    write("postmortems/a.md", _two_suggestions("not_categories: [network]\n"))
    kb = _kb()
    assert not kb.errors
    suggested = [p.message.split("`")[1] for p in kb.warnings if "suggests" in p.message]
    assert suggested == ["capacity"]


def test_an_unknown_not_category_is_an_error_at_its_line_with_did_you_mean(write: Write) -> None:
    write("postmortems/a.md", _two_suggestions("not_categories: [capacity, netwrk]\n"))
    errors = [str(p) for p in _kb().errors]
    assert len(errors) == 1
    assert errors[0].startswith("content/postmortems/a.md:25:28: ")
    assert "not_categories[1]" in errors[0] and "did you mean 'network'" in errors[0]


def test_a_category_both_listed_and_rejected_is_an_error(write: Write) -> None:
    write("postmortems/a.md", postmortem(extra="not_categories: [datastore]\n"))
    (error,) = _kb().errors
    assert str(error) == (
        "content/postmortems/a.md:25:18: not_categories[0]: "
        "`datastore` is in both categories and not_categories; keep it in one"
    )


def test_a_premortem_with_no_risks_is_a_warning(write: Write) -> None:
    write("premortems/a.md", premortem().split("risks:")[0] + "---\n\nNo risks yet.\n")
    write("premortems/b.md", premortem("PRE-2025-002").split("risks:")[0] + "risks: []\n---\n")
    kb = _kb()
    assert not kb.errors
    found = sorted(str(p) for p in kb.warnings if "no risks" in p.message)
    assert len(found) == 2
    assert found[0].startswith(
        "content/premortems/a.md:2:1: warning: id: a pre-mortem with no risks"
    )
    assert (
        found[1].startswith("content/premortems/b.md:")
        and "warning: risks: a pre-mortem" in found[1]
    )


def _problems(kb: KnowledgeBase) -> set[tuple[int, str, str]]:
    return {(p.line, p.field, p.message) for p in kb.problems}


# A published postmortem with schema errors beside problems only rules can see: one of
# each kind the schema rejects, next to a timeline out of order, an open item without
# `due`, a related id that resolves nowhere and a risk reference to a missing pre-mortem.
BROKEN = (
    postmortem(
        extra=(
            "related: [PM-2024-999]\n"
            "premortem_risks: ['PRE-2024-001#R1']\n"
            "impact:\n  users_affected: about 12k\n"
        )
    )
    .replace("severity: SEV2", "severity: SEV9")
    .replace("detected: 2025-03-14T09:10:00+01:00", "detected: 2025-03-14T08:10:00+01:00")
    .replace("mitigated: 2025-03-14T09:40:00+01:00", "mitigated: 2025-03-14 09:40")
    .replace(
        "action_items:\n",
        "action_items:\n  - title: Broken item\n    kind: prevnt\n    owner: a\n    due: 2030-01-01\n",
    )
    .replace("    due: 2030-01-01\n    status: open\n", "    status: open\n")
)
FIXES = (
    ("severity: SEV9", "severity: SEV2"),
    ("mitigated: 2025-03-14 09:40", "mitigated: 2025-03-14T09:40:00+01:00"),
    ("users_affected: about 12k", "users_affected: 12000"),
    ("kind: prevnt", "kind: prevent"),
)


def test_one_run_reports_what_fixing_the_schema_errors_would_reveal(write: Write) -> None:
    path = write("postmortems/a.md", BROKEN)
    first = _kb()
    fields = {p.field for p in first.errors}
    # Held back before: the order of the moments left, the other item's `due`, the references.
    assert {
        "timeline.detected",
        "action_items[1].due",
        "related[0]",
        "premortem_risks[0]",
    } <= fields
    # ... each at its own line of the file, even though a rejected item before it was dropped.
    lines = path.read_text().splitlines()
    due = next(p for p in first.errors if p.field == "action_items[1].due")
    assert lines[due.line - 1].strip() == "- title: Alert on pool saturation"
    # Fixing everything the schema rejected reveals nothing new.
    text = BROKEN
    for old, new in FIXES:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text)
    second = _kb()
    assert _problems(second) <= _problems(first), _problems(second) - _problems(first)
    assert not any("is required" in p.message for p in first.errors)  # nothing said twice


def test_a_rejected_value_is_not_reported_again_as_missing(write: Write) -> None:
    write("postmortems/a.md", postmortem().replace("severity: SEV2", "severity: SEV9"))
    assert [p.field for p in _kb().errors] == ["severity"]


def test_duplicate_id_is_found_while_the_other_file_has_schema_errors(write: Write) -> None:
    write("postmortems/a.md", postmortem())
    write("postmortems/b.md", postmortem(title="Other").replace("SEV2", "SEV9"))
    fields = sorted((p.path, p.field) for p in _kb().errors)
    assert ("content/postmortems/a.md", "id") in fields
    assert ("content/postmortems/b.md", "id") in fields


def test_a_missing_or_rejected_required_key_does_not_hide_the_rest(write: Write) -> None:
    text = (
        postmortem(extra="related: [PM-2023-404]\n")
        .replace("title: Checkout errors\n", "")
        .replace("date: 2025-03-14\n", "date: 2025-02-30\n")
        .replace("detected: 2025-03-14T09:10", "detected: 2025-03-14T08:10")
    )
    write("postmortems/a.md", text)
    write(
        "postmortems/b.md",
        postmortem("PM-2025-12", title="Bad id", extra="related: [PM-2023-405]\n"),
    )
    errors = {(p.path.rsplit("/", 1)[-1], p.field) for p in _kb().errors}
    assert errors == {
        ("a.md", "title"),  # missing
        ("a.md", "date"),  # impossible
        ("a.md", "timeline.detected"),  # still checked
        ("a.md", "related[0]"),  # still resolved
        ("b.md", "id"),  # malformed
        ("b.md", "related[0]"),  # still resolved
    }


def test_placeholders_never_show(write: Write) -> None:
    # A pre-mortem dated after the incident is a warning that quotes the incident's date;
    # with the date rejected, kb has no date to compare, so it says nothing.
    write("premortems/p.md", premortem("PRE-2025-001", date="2025-06-01"))
    write(
        "postmortems/a.md",
        postmortem(extra="premortem_risks: ['PRE-2025-001#R1']\n").replace(
            "date: 2025-03-14\n", "date: someday\n"
        ),
    )
    write("postmortems/b.md", postmortem("PM-2025-7").replace("id: PM-2025-7", "id: 7"))
    write("postmortems/c.md", postmortem("PM-2025-003", extra="related: [PM-0000-001]\n"))
    problems = _kb().problems
    text = "\n".join(str(p) for p in problems)
    assert "0001-01-01" not in text and "0000-000" not in text and "(untitled)" not in text
    assert {p.field for p in problems if p.path.endswith("a.md")} == {"date"}


def test_the_rest_of_an_action_item_is_checked_when_one_of_its_values_is_rejected(
    write: Write,
) -> None:
    # The item's kind is wrong and it has no due date; the other item has no title.
    text = (
        postmortem().replace(
            "    kind: detect\n    owner: amara.okafor\n    due: 2030-01-01\n",
            "    kind: detekt\n    owner: amara.okafor\n",
        )
        + ""
    )
    text = text.replace(
        "action_items:\n", "action_items:\n  - kind: process\n    owner: a\n    due: 2020-01-01\n"
    )
    write("postmortems/a.md", text)
    problems = {(p.field, p.severity) for p in _kb().problems}
    assert problems == {
        ("action_items[0].title", "error"),  # missing
        ("action_items[1].kind", "error"),  # rejected
        ("action_items[1].due", "error"),  # still checked: open, out of draft, no due
    }
    assert "(untitled)" not in "\n".join(str(p) for p in _kb().problems)
