"""Action items from a report's action-items section: checkbox lists, tables, plain lists."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kb.importing import rules
from kb.importing.dates import first_date
from kb.importing.markdown import Block, heading_key, plain

_TICKET = re.compile(rules.TICKET_URL)
_URL = re.compile(r"https?://[^\s)>\]]+")
_TRAILING_STATUS = re.compile(r"\(\s*(?P<word>[^()]{1,20}?)\s*\)\s*\.?$")
_INLINE_LINK = re.compile(r"\[[^\]]*\]\((?P<url>[^)\s]+)[^)]*\)")
_REF_LINK = re.compile(r"\[[^\]]*\]\[(?P<ref>[^\]]+)\]")
_KIND_WORDS = tuple(
    (kind, re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.I))
    for kind, words in rules.ACTION_KINDS
)


@dataclass
class Action:
    """One action item as the report gives it, with a suggested kind."""

    title: str
    kind: str
    kind_reason: str  # the word that suggested the kind, "" when it is the default
    status: str = "open"
    owner: str | None = None
    due: dt.date | None = None
    ticket: str | None = None


def suggest_kind(text: str, heading: str = "") -> tuple[str, str]:
    """(kind, reason) from the words of an item, then of its sub-heading; else the default."""
    for source in (text, heading):
        for kind, pattern in _KIND_WORDS:
            match = pattern.search(source)
            if match:
                return kind, match.group(1).lower()
    return rules.DEFAULT_ACTION_KIND, ""


def _status(word: str) -> str | None:
    return rules.ACTION_STATUS.get(plain(word).strip().lower())


def _ticket(raw: str, references: dict[str, str]) -> str | None:
    urls = [m.group("url") for m in _INLINE_LINK.finditer(raw)]
    urls += [
        references[m.group("ref").lower()]
        for m in _REF_LINK.finditer(raw)
        if m.group("ref").lower() in references
    ]
    urls += _URL.findall(raw)
    return next((u for u in urls if _TICKET.fullmatch(u)), None)


def _from_item(raw: str, checked: bool | None, heading: str, refs: dict[str, str]) -> Action | None:
    title = plain(raw)
    if not title:
        return None
    status = "done" if checked else "open"
    trailing = _TRAILING_STATUS.search(title)
    if checked is None and trailing and _status(trailing.group("word")):
        status = _status(trailing.group("word")) or "open"
    kind, reason = suggest_kind(title, heading)
    return Action(title, kind, reason, status, ticket=_ticket(raw, refs))


def _columns(header: list[str]) -> dict[str, int]:
    keys = [heading_key(cell) for cell in header]
    found: dict[str, int] = {}
    for name, names in rules.ACTION_COLUMNS.items():
        for i, key in enumerate(keys):
            if key in names and i not in found.values():
                found[name] = i
                break
    if "title" not in found:
        free = [i for i in range(len(header)) if i not in found.values()]
        if free:
            found["title"] = free[0]
    return found


def _from_table(block: Block, heading: str, refs: dict[str, str]) -> list[Action]:
    rows = block.rows()
    if len(rows) < 2:
        return []
    columns = _columns(rows[0])
    actions = []
    for row in rows[1:]:

        def cell(name: str, row: list[str] = row) -> str:
            index = columns.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        title = plain(cell("title"))
        if not title:
            continue
        kind, reason = suggest_kind(title, heading)
        status = _status(cell("status")) or "open"
        ticket_cell = cell("ticket")
        ticket = _ticket(ticket_cell, refs) or (plain(ticket_cell) or None)
        actions.append(
            Action(
                title,
                kind,
                reason,
                status,
                owner=plain(cell("owner")) or None,
                due=first_date(cell("due")),
                ticket=ticket or _ticket(cell("title"), refs),
            )
        )
    return actions


def extract(blocks: list[Block], references: dict[str, str] | None = None) -> list[Action]:
    """Every action item in an action-items section's blocks, in order."""
    refs = {k.lower(): v for k, v in (references or {}).items()}
    actions: list[Action] = []
    heading = ""
    skipping = False
    for block in blocks:
        if block.kind == "heading":
            heading = block.text
            skipping = heading_key(block.text) in rules.NOT_ACTION_SUBSECTIONS
        elif skipping:
            continue
        elif block.kind == "list":
            for item in block.items:
                action = _from_item(item.text, item.checked, heading, refs)
                if action is not None:
                    actions.append(action)
        elif block.kind == "table":
            actions.extend(_from_table(block, heading, refs))
    return actions


def link_references(lines: list[str]) -> dict[str, str]:
    """Reference-style link definitions ("[fix-pr]: https://...") by lower-case name."""
    refs = {}
    for line in lines:
        match = re.match(r"^ {0,3}\[(?P<ref>[^\]]+)\]:\s*(?P<url>\S+)", line)
        if match:
            refs[match.group("ref").lower()] = match.group("url")
    return refs
