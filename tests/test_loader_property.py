"""Property: any text gives a document or problems, never an exception; the cache agrees.

Hypothesis writes front-matter from kb's own keys, YAML's special characters and
values of every shape (tags, anchors, flow collections, dates, huge numbers, broken
quoting), seeded so that a run is repeatable, and bounded to a few seconds. For
every text, `load_text` must return; every problem must point inside the file; and
a load through the parse cache (first filling it, then reading it back from disk)
must give exactly what an uncached load gives.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.loader import Loaded, load_text
from kb.parsecache import ParsedCache
from kb.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()

KEYS = [
    "id", "type", "title", "status", "date", "severity", "summary", "authors", "services",
    "categories", "trigger", "detection", "timeline", "started", "resolved", "action_items",
    "owner", "due", "kind", "closed", "related", "tags", "risks", "launch_date", "x", "1", "~",
    "true", "<<", "? a", "&a k", "*a",
]  # fmt: skip
SCALARS = [
    "PM-2025-001", "PRE-2025-002", "postmortem", "premortem", "draft", "published", "SEV1",
    "2025-03-01", "2025-03-01T09:00:00+01:00", "2025-02-30", "0", "-1", "1e400", "9" * 5000,
    ".inf", ".nan", "0x1f", "~", "null", "true", "maybe", "yes", "''", '""', "'unclosed",
    '"\\x"', "!!int abc", "!!float x", "!!bool maybe", "!!timestamp [x]", "!!binary aGk=",
    "!!set {a}", "!!python/object:os.system x", "&a [1, *a]", "*a", "*nowhere", "[a, [b",
    "{a: 1, a: 2}", "[]", "{}", "|", ">-", "- a", "%TAG", "@at", "`tick", "é", "\u202e",
    "\t", "\x00", "\ud800",
]  # fmt: skip

words = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12)
scalar = st.one_of(st.sampled_from(SCALARS), words)
line = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}", st.sampled_from(KEYS), scalar),
    st.builds(lambda k, v: f"  {k}: {v}", st.sampled_from(KEYS), scalar),
    st.builds(lambda v: f"  - {v}", scalar),
    st.builds(lambda k: f"{k}:", st.sampled_from(KEYS)),
    words,
)
# A valid published postmortem: most texts are a few edits away from it, so the
# schema, the salvage of partial documents and the checks see realistic input too.
VALID = """\
id: PM-2025-001
type: postmortem
title: Checkout pool exhausted
status: published
date: 2025-03-01
severity: SEV2
authors: [amara.okafor]
summary: The pool ran dry.
services: [checkout]
categories: [capacity]
trigger: config-change
detection: alert
timeline:
  started: 2025-03-01T09:00:00+01:00
  resolved: 2025-03-01T10:00:00+01:00
action_items:
  - title: Raise the limit
    kind: prevent
    owner: amara.okafor
    due: 2025-04-01
    status: open""".splitlines()


@st.composite
def front(draw: Any) -> str:
    """Front-matter: the valid one with a few lines replaced, added or removed."""
    lines = list(VALID) if draw(st.booleans()) else []
    for _ in range(draw(st.integers(0, 4 if lines else 12))):
        at = draw(st.integers(0, len(lines)))
        edit = draw(
            st.sampled_from(["replace", "insert", "delete"]) if lines else st.just("insert")
        )
        if edit == "delete" and at < len(lines):
            del lines[at]
        elif edit == "replace" and at < len(lines):
            lines[at] = draw(line)
        else:
            lines.insert(at, draw(line))
    return "\n".join(lines)


endings = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"])


@st.composite
def documents(draw: Any) -> str:
    """A file's text: usually front-matter between --- lines, sometimes not even that."""
    eol = draw(endings)
    head = draw(front()).replace("\n", eol)
    shape = draw(st.sampled_from(["closed", "closed", "closed", "unclosed", "bom", "raw"]))
    body = draw(words)
    if shape == "raw":
        return head + body
    text = f"---{eol}{head}{eol}" + ("" if shape == "unclosed" else f"---{eol}{body}")
    return "\ufeff" + text if shape == "bom" else text


def _load(text: str, parse: Any = None) -> Loaded:
    kwargs = {"parse": parse} if parse is not None else {}
    return load_text(
        text, Path("content/x.md"), shown="content/x.md", src_uri="x.md", taxonomy=TAXONOMY,
        **kwargs,
    )  # fmt: skip


def _outcome(loaded: Loaded) -> tuple[Any, ...]:
    doc = loaded.document
    meta = doc.meta.model_dump() if doc is not None else None
    return (meta, loaded.problems, loaded.is_document)


@settings(
    max_examples=400,
    derandomize=True,  # seeded: the same texts every run, so a failure repeats
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(documents())
def test_any_text_loads_or_gives_problems_and_the_cache_agrees(text: str) -> None:
    plain = _load(text)  # must not raise, whatever the text
    lines = max(1, text.count("\n") + text.count("\r") + 1)
    for problem in plain.problems:
        assert problem.path == "content/x.md"
        assert 1 <= problem.line <= lines, (problem, text)
        assert problem.message.strip()
    assert plain.document is None or not plain.problems
    with tempfile.TemporaryDirectory() as folder:
        filling = ParsedCache(Path(folder))
        assert _outcome(_load(text, filling.parse)) == _outcome(plain)
        filling.save()
        reading = ParsedCache(Path(folder))
        assert _outcome(_load(text, reading.parse)) == _outcome(plain)
