"""A draft -> the text of a kb postmortem: commented front-matter, then the author's body.

Every inferred value carries a YAML comment saying where it came from, and
suggestions say "confirm", so the person reviewing the draft sees what to check.
The body is another tool's Markdown: it is written inert (kb.safety.inert_markdown),
so whatever the site's raw_html option, an imported report never runs script.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kb.authoring import yaml_quote as quote
from kb.importing.infer import Draft
from kb.safety import inert_markdown
from kb.taxonomy import Taxonomy


@dataclass(frozen=True)
class SourceRecord:
    """Where a draft came from: the `source` field of its front-matter."""

    path: str
    sha256: str
    imported: dt.date


def _comment(text: str, limit: int = 90) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 3].rstrip() + "..."


def _line(key: str, value: str, comment: str) -> str:
    head = f"{key}: {value}" if value else f"{key}:"
    return f"{head}  # {_comment(comment, 120)}"


def _names(values: list[str]) -> str:
    return "[" + ", ".join(quote(v) for v in values) + "]" if values else "[]"


def _choices(taxonomy: Taxonomy, kind: str) -> str:
    return ", ".join(taxonomy.values(kind))  # type: ignore[arg-type]


def _timeline(draft: Draft) -> list[str]:
    timeline = draft.timeline
    note = draft.notes.get("timeline", "")
    if timeline is None or not timeline.moments:
        return [
            f"timeline:  # {_comment(note)}; fill in started (and detected, mitigated, resolved)"
        ]
    zone = (
        f"times in {timeline.zone.label} as the source says"
        if timeline.zone_source
        else f"the source names no time zone: {timeline.zone.label} assumed, check"
    )
    lines = [f"timeline:  # {_comment(zone)}"]
    for name, moment in timeline.moments.items():
        entry = timeline.evidence[name]
        said = f"{entry.raw}: {entry.text}" if entry.text else entry.raw
        lines.append(f"  {name}: {moment.isoformat()}  # {_comment(said, 70)}")
    return lines


def _actions(draft: Draft) -> list[str]:
    if not draft.actions:
        return ["action_items: []"]
    lines = ["action_items:  # from the source; kinds are suggestions: confirm each"]
    for action in draft.actions:
        lines.append(f"  - title: {quote(action.title)}")
        reason = f"suggested by '{action.kind_reason}'" if action.kind_reason else "default"
        lines.append(f"    kind: {action.kind}  # {reason}; prevent | detect | mitigate | process")
        if action.owner:
            lines.append(f"    owner: {quote(action.owner)}")
        if action.due:
            lines.append(f"    due: {action.due.isoformat()}")
        status = action.status
        if status == "done":
            lines.append("    status: done  # done per the source; add 'closed' before review")
        else:
            lines.append(f"    status: {status}")
        if action.ticket:
            lines.append(f"    ticket: {quote(action.ticket)}")
    return lines


def _suggested(words: tuple[str, ...]) -> str:
    return "suggested by the words " + ", ".join(f"'{w}'" for w in words) + ": confirm"


def render(draft: Draft, doc_id: str, source: SourceRecord, taxonomy: Taxonomy) -> str:
    """The full text of the imported draft."""
    severity_note = draft.notes.get("severity") or "not in the source"
    date_note = draft.notes.get("date", "")
    summary_note = draft.notes.get("summary", "")
    lines = [
        "---",
        f"id: {doc_id}",
        "type: postmortem",
        f"title: {quote(draft.title)}  # {_comment(draft.notes.get('title', ''))}",
        "status: draft  # imported by kb import: check every value, then set in-review",
        _line(
            "severity", draft.severity or "", f"{severity_note}; {_choices(taxonomy, 'severities')}"
        ),
        _line("date", draft.date.isoformat(), date_note.removeprefix(f"{draft.date} ")),
        f"authors: {_names(draft.authors)}",
        "reviewers: []",
        f"services: {_names(draft.services)}",
        f"teams: {_names(draft.teams)}",
        f"tags: {_names(draft.tags)}",
        f"summary: {quote(draft.summary)}  # {_comment(summary_note, 60)}",
        *_timeline(draft),
        f"detection:  # not inferred; {_choices(taxonomy, 'detection')}",
    ]
    if draft.trigger is not None:
        lines.append(f"trigger: {draft.trigger.slug}  # {_suggested(draft.trigger.words)}")
    else:
        lines.append(f"trigger:  # no keyword matched; {_choices(taxonomy, 'triggers')}")
    if draft.categories:
        words = tuple(w for c in draft.categories for w in c.words)
        slugs = ", ".join(c.slug for c in draft.categories)
        lines.append(f"categories: [{slugs}]  # {_comment(_suggested(words), 120)}")
    else:
        lines.append("categories: []  # no keyword matched; see taxonomy.yml")
    lines += [
        "impact:",
        '  summary: ""',
        "near_miss: false",
        *_actions(draft),
        "related: []",
        "premortem_risks: []",
        "source:",
        f"  path: {quote(source.path)}",
        f"  sha256: {source.sha256}",
        f"  imported: {source.imported.isoformat()}",
    ]
    if draft.foreign is not None:
        lines.append(
            f"# Front-matter of the original file ({draft.foreign.format}), kept for reference:"
        )
        lines += [f"# {line}".rstrip() for line in draft.foreign.raw.split("\n")]
    lines.append("---")
    return "\n".join(lines) + "\n\n" + inert_markdown(draft.body)
