"""Writing a draft: front-matter that validates and reads back as inferred, body verbatim."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
import yaml

from kb.importing.dates import UTC
from kb.importing.infer import infer
from kb.importing.render import SourceRecord, quote, render
from kb.models import Postmortem
from kb.source import split
from kb.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()
RECORD = SourceRecord("/old/wiki/db.md", "a" * 64, dt.date(2026, 1, 2))

SOURCE = textwrap.dedent(
    """\
    ---
    title: 'Database "failover" #2: it''s back'
    layout: post
    ---

    ## Summary

    A replica failover left writes failing.

    ## Timeline

    All times in CET.

    - 2024-05-06 10:00 replication lag starts
    - 10:12 alert: writes failing
    - 10:30 failed over to the old primary
    - 10:45 writes back to normal

    ## Action items

    - [x] Alert on replication lag
    - [ ] Document the failover runbook
    """
)


def rendered() -> tuple[str, dict]:  # type: ignore[type-arg]
    draft = infer(
        SOURCE,
        shown="db.md",
        stem="db",
        fallback_date=dt.date(2000, 1, 1),
        taxonomy=TAXONOMY,
        default_zone=UTC,
    )
    text = render(draft, "PM-2024-003", RECORD, TAXONOMY)
    parts = split(text)
    assert parts.front_matter is not None
    return text, yaml.safe_load(parts.front_matter)


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        'with "quotes" and \\ backslash',
        "colon: and # hash",
        "tab\tand\nnewline",
        "\x07bell",
        "line\u2028separator",
        "ünïcödé ✓",
        "'single'",
        "- dash",
        "@at",
        "null",
        "2021-01-01",
    ],
)
def test_quote_reads_back_exactly(value: str) -> None:
    assert yaml.safe_load(f"key: {quote(value)}") == {"key": value}


def test_rendered_draft_validates_and_reads_back_what_was_inferred() -> None:
    _, data = rendered()
    pm = Postmortem.model_validate(data, context={"taxonomy": TAXONOMY})
    assert pm.id == "PM-2024-003"
    assert pm.status == "draft"
    assert pm.title == 'Database "failover" #2: it\'s back'
    assert pm.date == dt.date(2024, 5, 6)
    assert pm.summary == "A replica failover left writes failing."
    assert pm.timeline is not None
    assert pm.timeline.started.isoformat() == "2024-05-06T10:00:00+01:00"
    assert pm.timeline.resolved is not None
    assert pm.timeline.resolved.isoformat() == "2024-05-06T10:45:00+01:00"
    assert [(a.title, a.status, a.kind) for a in pm.action_items] == [
        ("Alert on replication lag", "done", "detect"),
        ("Document the failover runbook", "open", "process"),
    ]
    assert pm.source is not None
    assert (pm.source.path, pm.source.sha256, pm.source.imported) == (
        "/old/wiki/db.md",
        "a" * 64,
        dt.date(2026, 1, 2),
    )
    assert "datastore" in pm.categories


def test_comments_say_where_values_came_from_and_what_to_confirm() -> None:
    text, _ = rendered()
    lines = {line.split(":")[0].strip(): line for line in text.split("\n") if ":" in line}
    assert lines["date"].endswith("# from the first timeline entry")
    assert "# times in CET (+01:00) as the source says" in lines["timeline"]
    assert "confirm" in lines["categories"] and "'replica'" in lines["categories"]
    assert "# suggested by 'alert'" in text
    assert "# done per the source; add 'closed' before review" in text
    assert "severity:  # not in the source; SEV1, SEV2, SEV3, SEV4" in text


def test_the_original_front_matter_is_kept_as_comments_and_the_body_verbatim() -> None:
    text, data = rendered()
    assert "layout" not in data
    assert "# layout: post" in text
    body = text.split("\n---\n", 1)[1]
    assert body == "\n" + SOURCE.split("---\n\n", 1)[1]
