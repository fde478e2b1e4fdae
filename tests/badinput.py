"""The bad-input corpus: documents that must each give one clear problem, never a crash.

Every case is a file (or a file-system entry) placed at content/postmortems/bad.md of a
knowledge base that also holds good documents. `line` is where the problem must point
and `fragment` a piece of its message; `strict` marks cases that are warnings (they fail
only `kb validate --strict`). tests/test_bad_inputs.py runs them through `validate`,
`index`, `search`, `build` and `import`. Every bug found in kb's handling of bad input
adds a case here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BAD = "content/postmortems/bad.md"

# Line numbers below count from this text: `---` is line 1, `id:` line 2 ... `date:`
# line 6, and whatever a case adds starts on line 7.
HEAD = """\
---
id: PM-2025-901
type: postmortem
title: A bad input case
status: draft
date: 2025-03-01
"""
BODY = "---\n\nThe body of a bad input case.\n"


def doc(extra: str = "", **replace: str) -> str:
    """The case document: HEAD with lines replaced by key, then `extra`, then the body."""
    head = HEAD
    for key, value in replace.items():
        old = next(line for line in head.splitlines() if line.startswith(f"{key}:"))
        head = head.replace(old, f"{key}: {value}")
    return head + extra + ("\n" if extra and not extra.endswith("\n") else "") + BODY


PUBLISHED = """\
severity: SEV3
authors: [amara.okafor]
summary: A case that is otherwise complete.
timeline:
  started: 2025-03-01T09:00:00+01:00
  resolved: 2025-03-01T10:00:00+01:00
detection: alert
trigger: config-change
categories: [config]
action_items:
  - title: Fix it
    kind: prevent
    owner: amara.okafor
    due: 2025-04-01
    status: done
    closed: 2025-03-20
"""


@dataclass(frozen=True)
class Case:
    """One bad input and the problem it must give."""

    name: str
    line: int
    fragment: str
    text: str | bytes | None = None
    # Makes the entry itself (symlinks, pipes) when it is not plain text.
    make: Callable[[Path], None] | None = None
    strict: bool = False  # a warning: only --strict fails
    # The document loads; a check of it against the rest fails. It is indexed (search
    # finds what is there) but the site is not built.
    checked: bool = False


def _deep_block(levels: int) -> str:
    lines = ["nest:"]
    for depth in range(1, levels):
        lines.append("  " * depth + f"k{depth}:")
    lines.append("  " * levels + "leaf: 1")
    return "\n".join(lines) + "\n"


def _laughs() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcde", "bcdef", strict=False):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def _symlink(target: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        os.symlink(target, path)

    return make


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _inside_link(path: Path) -> None:
    # A link to a folder inside the content folder that leads back up: read once, no loop.
    (path.parent / "loop").symlink_to("..", target_is_directory=True)
    path.write_text(doc(extra="summary: !!int abc"))


BIG = "9" * 5000
CASES: list[Case] = [
    # --- values that made PyYAML's constructors raise
    Case("int-tag-on-text", 7, "'abc' is not a valid whole number", doc("summary: !!int abc")),
    Case("int-tag-on-empty", 7, "is not a valid whole number", doc("summary: !!int ''")),
    Case("float-tag-on-text", 7, "'abc' is not a valid number", doc("summary: !!float abc")),
    Case(
        "bool-tag-on-maybe",
        7,
        "'maybe' is not a valid true or false",
        doc("near_miss: !!bool maybe"),
    ),
    Case(
        "timestamp-tag-on-text",
        6,
        "'x' is not a valid date or timestamp",
        doc(date="!!timestamp x"),
    ),
    Case("timestamp-tag-on-list", 6, "must be a single value", doc(date="!!timestamp [x]")),
    Case("int-tag-on-list", 7, "must be a single value", doc("summary: !!int [1]")),
    Case("huge-integer", 7, "5,000 digits is too long", doc(f"summary: {BIG}")),
    Case("huge-integer-nested", 8, "digits is too long", doc(f"impact:\n  users_affected: {BIG}")),
    Case("huge-integer-key", 7, "invalid YAML", doc(f"{BIG}: x")),  # keys stop at 1,024
    Case("recursive-alias", 7, "(a cycle)", doc("tags: &t [a, *t]")),
    Case("recursive-alias-mapping", 7, "(a cycle)", doc("impact: &i {summary: x, more: *i}")),
    Case("alias-explosion", 8, "more than 100,000 values", doc(_laughs())),
    Case("deep-block-nesting", 58, "nested too deeply", doc(_deep_block(60))),
    Case("deep-flow-nesting", 7, "maximum nesting depth", doc("tags: " + "[" * 3000 + "]" * 3000)),
    # --- silently accepted before
    Case(
        "duplicate-key",
        8,
        "duplicate key 'severity' (first written on line 7)",
        doc("severity: SEV3\nseverity: SEV1"),
    ),
    Case(
        "duplicate-key-of-head",
        7,
        "duplicate key 'status' (first written on line 5)",
        doc("status: published"),
    ),
    Case(
        "duplicate-nested-key",
        9,
        "duplicate key 'summary' (first written on line 8)",
        doc("impact:\n  summary: a\n  summary: b"),
    ),
    Case(
        "duplicate-key-in-list-item",
        10,
        "duplicate key 'kind'",
        doc("action_items:\n  - title: x\n    kind: prevent\n    kind: detect"),
    ),
    Case("duplicate-key-int-and-float", 8, "duplicate key '1.0'", doc("1: a\n1.0: b")),
    Case(
        "arabic-indic-digits-in-id",
        2,
        "should look like PM-2025-007",
        doc(id="PM-\u0662\u0660\u0662\u0665-\u0660\u0669\u0660"),
    ),
    Case(
        "fullwidth-digits-in-id",
        2,
        "should look like PM-2025-007",
        doc(id="PM-\uff12\uff10\uff12\uff15-\uff19\uff10\uff11"),
    ),
    Case(
        "related-id-non-ascii",
        8,
        "should look like",
        doc("related:\n  - PM-\u0662\u0660\u0662\u0665-\u0660\u0660\u0661"),
    ),
    Case("date-as-zero", 6, "a date is written YYYY-MM-DD, not as a number", doc(date="0")),
    Case("date-as-float", 6, "not as a number", doc(date="1.5")),
    Case(
        "due-as-seconds",
        10,
        "not as a number",
        doc("action_items:\n  - title: x\n    kind: prevent\n    due: 86400"),
    ),
    Case("timeline-as-epoch", 8, "not as a number", doc("timeline:\n  started: 1700000000")),
    Case("binary-tag", 7, "the tag !!binary is not allowed", doc("summary: !!binary aGVsbG8=")),
    Case("set-tag", 7, "the tag !!set is not allowed", doc("tags: !!set {a, b}")),
    Case("omap-tag", 7, "the tag !!omap is not allowed", doc("tags: !!omap [a: 1]")),
    Case("pairs-tag", 7, "the tag !!pairs is not allowed", doc("tags: !!pairs [a: 1]")),
    Case(
        "python-object-tag",
        7,
        "is not allowed",
        doc("summary: !!python/object/apply:os.system [ls]"),
    ),
    Case("python-name-tag", 7, "is not allowed", doc("summary: !!python/name:os.system")),
    Case("local-tag", 7, "the tag !shout is not allowed", doc("summary: !shout hello")),
    Case(
        "future-incident-published",
        6,
        "is in the future",
        doc(PUBLISHED, status="published", date="2999-01-01"),
        checked=True,
    ),
    Case(
        "future-timeline-published",
        12,
        "is in the future",
        doc(PUBLISHED.replace("resolved: 2025-03-01", "resolved: 9999-12-31"), status="published"),
        checked=True,
    ),
    Case("future-incident-draft", 6, "is in the future", doc(date="2999-01-01"), strict=True),
    Case(
        "due-far-ahead",
        10,
        "years from now",
        doc("action_items:\n  - title: x\n    kind: prevent\n    due: 9999-12-31"),
        strict=True,
    ),
    Case(
        "closed-in-future",
        11,
        "is in the future",
        doc(
            "action_items:\n  - title: x\n    kind: prevent\n    status: done\n"
            "    closed: 2998-01-01"
        ),
        strict=True,
    ),
    Case("integer-key", 7, "the key 1 is not a name", doc("1: one")),
    Case("null-key", 7, "the key ~ is not a name", doc("~: c")),
    Case("bool-key", 7, "the key true is not a name", doc("true: x")),
    Case("integer-key-nested", 8, "impact: the key 3 is not a name", doc("impact:\n  3: x")),
    # --- broken YAML
    Case("unclosed-flow-list", 7, "invalid YAML", doc("tags: [a, b\nsummary: x")),
    Case("unclosed-quote", 7, "invalid YAML", doc('summary: "never closed\nseverity: SEV3')),
    Case("bad-indentation", 9, "invalid YAML", doc("tags:\n  - a\n - b")),
    Case("tab-indentation", 8, "invalid YAML", doc("impact:\n\tsummary: x")),
    Case("mapping-in-plain-scalar", 7, "invalid YAML", doc("summary: a: b")),
    Case("undefined-alias", 7, "invalid YAML", doc("tags: *nowhere")),
    Case("unhashable-key", 7, "invalid YAML", doc("[a, b]: x")),
    Case("mapping-as-key", 7, "invalid YAML", doc("? {a: 1}\n: x")),
    Case("bell-character", 7, "invalid YAML", doc("summary: ring \x07 ring")),
    Case("nul-character", 7, "invalid YAML", doc("summary: a\x00b")),
    Case("directive-inside", 8, "invalid YAML", doc("%YAML 1.1\nsummary: x")),
    Case("second-document-marker", 8, "invalid YAML", doc("...\nsummary: x")),
    Case("unclosed-front-matter", 1, "is never closed", HEAD + "summary: x\n\nno closing line\n"),
    Case(
        "front-matter-a-list",
        2,
        "must be a mapping",
        "---\n- id: PM-2025-901\n- type: postmortem\n---\nbody\n",
    ),
    Case("front-matter-a-string", 2, "must be a mapping", "---\njust words\n---\nbody\n"),
    # --- wrong types, one per field
    Case("title-list", 4, "title: expected text, got a list", doc(title="[a, b]")),
    Case("title-empty", 4, "title: must not be empty, got ''", doc(title="''")),
    Case("status-number", 5, "status: '5' is not one of", doc(status="5")),
    Case(
        "status-unknown", 5, "'done' is not one of draft, in-review, published", doc(status="done")
    ),
    Case("type-unknown", 3, "is not a document type", doc(type="incident")),
    Case(
        "type-missing-with-id",
        2,
        "missing required key 'type'",
        "---\nid: PM-2025-901\ntitle: x\n---\nbody\n",
    ),
    Case(
        "date-missing",
        1,
        "missing required key 'date'",
        HEAD.replace("date: 2025-03-01\n", "") + BODY,
    ),
    Case(
        "date-impossible",
        6,
        "date: expected a date like 2025-03-14 (day value is outside",
        doc(date="2025-02-30"),
    ),
    Case("date-words", 6, "date: expected a date like 2025-03-14", doc(date="last tuesday")),
    Case("severity-list", 7, "severity: expected text, got a list", doc("severity: [SEV1]")),
    Case("severity-unknown", 7, "'SEV9' is not one of", doc("severity: SEV9")),
    Case("authors-string", 7, "authors: should be a list", doc("authors: amara")),
    Case("services-mapping", 7, "services: should be a list", doc("services: {a: 1}")),
    Case("tags-nested-list", 7, "tags[0]: expected text, got a list", doc("tags: [[a]]")),
    Case(
        "summary-mapping",
        7,
        "summary: expected text, got a mapping of keys",
        doc("summary: {a: b}"),
    ),
    Case(
        "timeline-string",
        7,
        "timeline: should be a mapping of keys to values",
        doc("timeline: soon"),
    ),
    Case(
        "timeline-naive", 8, "has no UTC offset", doc("timeline:\n  started: 2025-03-01T09:00:00")
    ),
    Case(
        "timeline-words",
        8,
        "timeline.started: expected a timestamp with its UTC offset",
        doc("timeline:\n  started: the morning"),
    ),
    Case(
        "timeline-unknown-key",
        9,
        "unknown key 'ended'",
        doc("timeline:\n  started: 2025-03-01T09:00:00Z\n  ended: 2025-03-01T10:00:00Z"),
    ),
    Case("detection-number", 7, "detection: expected text, got 3", doc("detection: 3")),
    Case("trigger-unknown", 7, "trigger:", doc("trigger: gremlins")),
    Case("categories-string", 7, "categories: should be a list", doc("categories: dns")),
    Case("category-unknown", 7, "categories[0]:", doc("categories: [gremlins]")),
    Case("impact-list", 7, "impact: should be a mapping of keys to values", doc("impact: [1]")),
    Case(
        "users-affected-negative",
        8,
        "impact.users_affected: expected at least 0, got -5",
        doc("impact:\n  users_affected: -5"),
    ),
    Case(
        "users-affected-words",
        8,
        "impact.users_affected: expected a whole number, got 'many'",
        doc("impact:\n  users_affected: many"),
    ),
    Case(
        "slo-breached-words",
        8,
        "impact.slo_breached: expected true or false, got 'perhaps'",
        doc("impact:\n  slo_breached: perhaps"),
    ),
    Case("near-miss-number", 7, "near_miss: expected true or false, got 2", doc("near_miss: 2")),
    Case(
        "action-items-string",
        7,
        "action_items: should be a list (write [a, b]",
        doc("action_items: x"),
    ),
    Case(
        "action-item-a-word",
        8,
        "action_items[0]: should be a mapping of keys to values (title,",
        doc("action_items:\n  - maybe"),
    ),
    Case(
        "action-item-kind",
        9,
        "action_items[0].kind: 'fix' is not one of",
        doc("action_items:\n  - title: x\n    kind: fix"),
    ),
    Case(
        "action-item-status",
        10,
        "'finished' is not one of",
        doc("action_items:\n  - title: x\n    kind: prevent\n    status: finished"),
    ),
    Case(
        "action-item-no-title",
        8,
        "missing required key 'title'",
        doc("action_items:\n  - kind: prevent"),
    ),
    Case("related-bad-id", 8, "related[0]: 'INC-1' should look like", doc("related:\n  - INC-1")),
    Case(
        "related-self",
        7,
        "cannot be related to itself",
        doc("related: [PM-2025-901]"),
        checked=True,
    ),
    Case(
        "premortem-risk-bad-ref",
        8,
        "should look like PRE-2025-002#R3",
        doc("premortem_risks:\n  - PRE-2025-001"),
    ),
    Case(
        "source-bad-sha",
        9,
        "source.sha256: expected a SHA-256: 64 hexadecimal digits (0-9, a-f), got 'nothex'",
        doc("source:\n  path: a.md\n  sha256: nothex"),
    ),
    Case(
        "unknown-key", 7, "unknown key 'severty' (did you mean 'severity'?)", doc("severty: SEV3")
    ),
    Case("id-wrong-year-shape", 2, "should look like PM-2025-007", doc(id="PM-25-901")),
    # --- encodings and line endings
    Case("latin-1", 7, "file is not valid UTF-8", doc("summary: caf\u00e9").encode("latin-1")),
    Case("utf-16", 1, "file is not valid UTF-8", doc("summary: x").encode("utf-16")),
    Case("utf-8-bom", 7, "'SEV9' is not one of", b"\xef\xbb\xbf" + doc("severity: SEV9").encode()),
    Case("crlf", 7, "'SEV9' is not one of", doc("severity: SEV9").replace("\n", "\r\n")),
    Case("cr-only", 1, "carriage return only", doc("severity: SEV9").replace("\n", "\r")),
    # --- the file system
    Case("fifo", 1, "it is a named pipe (FIFO), and kb reads only regular files", make=_fifo),
    Case("symlink-outside", 1, "outside the content folder", make=_symlink("/etc/hostname")),
    Case(
        "symlink-nowhere",
        1,
        "is a symbolic link that leads nowhere",
        make=_symlink("/nonexistent/x.md"),
    ),
    Case("symlink-loop-inside", 7, "is not a valid whole number", make=_inside_link),
]
