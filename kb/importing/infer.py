"""One report's text -> a draft: what the text says about each front-matter field, and how
each value was found (or why it was left empty). No I/O and no writing here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from kb.errors import SourceError
from kb.importing import actions as action_rules
from kb.importing import rules
from kb.importing import timeline as timeline_rules
from kb.importing.actions import Action
from kb.importing.dates import Zone, first_date
from kb.importing.foreign import Foreign, split_foreign
from kb.importing.markdown import Block, Section, all_sections, heading_key, parse_blocks, plain
from kb.importing.suggest import Suggestion, suggest
from kb.importing.timeline import Timeline
from kb.inference import CategoryModel
from kb.taxonomy import Taxonomy

_SEVERITY = re.compile(rules.SEVERITY_LINE, re.IGNORECASE | re.MULTILINE)
# Links and images by relative path: they pointed next to the source, not into kb.
_RELATIVE_LINK = re.compile(
    r"\]\((?!https?:|mailto:|#|/)(?P<target>[^)\s]+)[^)]*\)|<img[^>]+src=[\"'](?!https?:|/)(?P<img>[^\"']+)"
)
_HEADING_IN_TEXT = re.compile(r"^ {0,3}#{1,6}\s+\S|^\S.*\n {0,3}(=+|-+)\s*$", re.MULTILINE)


@dataclass
class Draft:
    """What a report's text supports for each field, and notes on how each was found."""

    title: str
    date: dt.date
    body: str
    summary: str = ""
    timeline: Timeline | None = None
    actions: list[Action] = field(default_factory=list)
    categories: list[Suggestion] = field(default_factory=list)
    trigger: Suggestion | None = None
    severity: str | None = None
    authors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    foreign: Foreign | None = None
    has_timeline_section: bool = False
    notes: dict[str, str] = field(default_factory=dict)  # field -> how it was found

    @property
    def moments(self) -> dict[str, dt.datetime]:
        """The timeline moments that could be read (empty when none)."""
        return self.timeline.moments if self.timeline else {}


def _sections(blocks: list[Block]) -> dict[str, Section]:
    names = {name: role for role, names in rules.SECTION_NAMES.items() for name in names}
    found: dict[str, Section] = {}
    for section in all_sections(blocks):
        role = names.get(heading_key(section.heading.text))
        if role is not None and role not in found:
            found[role] = section
    return found


def _title(foreign: Foreign, blocks: list[Block], stem: str) -> tuple[str, str, Block | None]:
    """(title, how it was found, the heading block it came from)."""
    value = foreign.get("title")
    if value is not None and plain(str(value)):
        return plain(str(value)), "from the front-matter", None
    headings = [b for b in blocks if b.kind == "heading" and plain(b.text)]
    top = next((h for h in headings if h.level == 1), None)
    if top is not None:
        how = (
            "from the first heading"
            if len(top.lines) == 1
            else "from the first (underlined) heading"
        )
        return plain(top.text), how, top
    known = {name for names in rules.SECTION_NAMES.values() for name in names}
    first = next((b for b in blocks if b.kind != "html"), None)
    if first is not None and first.kind == "heading" and heading_key(first.text) not in known:
        return plain(first.text), "from the first heading", first
    words = re.sub(r"[-_]+", " ", stem).strip()
    return (words[:1].upper() + words[1:]) or "Imported report", "from the file name", None


def _without_heading(lines: list[str], heading: Block | None, blocks: list[Block]) -> str:
    """The body with the title heading left out when it leads the document."""
    first = next((b for b in blocks if b.kind != "html"), None)
    if heading is None or first is not heading:
        return "\n".join(lines)
    rest = lines[heading.end :]
    while rest and not rest[0].strip():
        rest = rest[1:]
    return "\n".join(lines[: heading.start] + rest)


def _first_lines(blocks: list[Block], title_block: Block | None) -> str:
    """Up to rules.FIRST_LINES lines of text after the title, before the first section."""
    start = blocks.index(title_block) + 1 if title_block in blocks else 0
    lines: list[str] = []
    for block in blocks[start:]:
        if block.kind == "heading":
            break
        lines.extend(line for line in block.lines if line.strip())
        if len(lines) >= rules.FIRST_LINES:
            break
    return "\n".join(lines[: rules.FIRST_LINES])


def _choose_date(candidates: list[tuple[str, dt.date]]) -> tuple[dt.date, str]:
    """The most trusted date, unless the others agree on another one (then say so)."""
    source, chosen = candidates[0]
    votes = Counter(d for _, d in candidates)
    if votes[chosen] == 1:
        best, count = votes.most_common(1)[0]
        if count >= 2 and best != chosen:
            agreeing = [s for s, d in candidates if d == best]
            note = (
                f"{best} from the {agreeing[0]} (the {source} says {chosen}, "
                f"but the {' and the '.join(agreeing)} agree on {best})"
            )
            return best, note
    return chosen, f"{chosen} from the {source}"


def _summary(
    foreign: Foreign, sections: dict[str, Section], blocks: list[Block]
) -> tuple[str, str]:
    value = foreign.get("summary")
    if value is not None and str(value).strip():
        return " ".join(str(value).split()), "from the front-matter"

    def first_paragraph(candidates: list[Block]) -> str:
        for block in candidates:
            if block.kind == "paragraph" and plain(block.prose):
                if re.fullmatch(r"!\[[^\]]*\]\([^)]*\)", block.prose):
                    continue  # an image on its own is not a summary
                return block.prose
        return ""

    section = sections.get("summary")
    if section is not None:
        text = first_paragraph(section.blocks)
        if text:
            return text, f'first paragraph of "{plain(section.heading.text)}"'
    text = first_paragraph(blocks)
    return (text, "first paragraph of the document") if text else ("", "not found")


def _severity(foreign: Foreign, body: str, taxonomy: Taxonomy) -> tuple[str | None, str]:
    written = foreign.get("severity")
    source = "the front-matter"
    if written is None:
        match = _SEVERITY.search(body)
        if match is None:
            return None, ""
        written, source = match.group("value"), "the text"
    value = re.sub(r"\s+", "", str(written)).upper()
    for candidate in (value, f"SEV{value}", re.sub(r"^[A-Z]+", "SEV", value)):
        if taxonomy.is_valid("severities", candidate):
            return candidate, f"{candidate} from {source} ({written!s})"
    return None, f"{source} says {written!s}, which is not a severity of the taxonomy"


def _text_of(section: Section | None) -> str:
    if section is None:
        return ""
    parts = []
    for block in section.blocks:
        if block.kind in ("paragraph", "heading"):
            parts.append(block.prose if block.kind == "paragraph" else block.text)
        elif block.kind == "list":
            parts.extend(item.text for item in block.items)
    return plain(" ".join(parts))


def _early_dates(foreign: Foreign, title: str, first_lines: str) -> list[tuple[str, dt.date]]:
    """Date candidates found before the timeline is read, most trusted first."""
    found: list[tuple[str, dt.date]] = []
    fm_date = foreign.date()
    if fm_date is not None:
        found.append(("front-matter", fm_date))
    for source, text in (("title", title), ("first lines", first_lines)):
        value = first_date(text)
        if value is not None:
            found.append((source, value))
    return found


def _date(
    candidates: list[tuple[str, dt.date]],
    stem: str,
    name_date: dt.date | None,
    fallback: dt.date,
) -> tuple[dt.date, str]:
    """The draft's date and how it was found."""
    if not candidates:
        return fallback, f"{fallback}: no date in the text; the file's modification date"
    date, note = _choose_date(candidates)
    year = re.search(r"(?<!\d)(19|20)\d\d(?!\d)", stem)
    if name_date is None and year and int(year.group(0)) != date.year:
        # A year alone ("pm2022-006") is too little to date a report, but enough to doubt one.
        note += f"; check it: the file name says {year.group(0)}"
    return date, note


def _action_items(section: Section | None, lines: list[str]) -> tuple[list[Action], str]:
    """The action items of the section, and a note on what was found."""
    if section is None:
        return [], "not found"
    found = action_rules.extract(section.blocks, action_rules.link_references(lines))
    heading = plain(section.heading.text)
    if not found:
        return [], f'"{heading}" has no list or table of items'
    return found, f'{len(found)} from "{heading}" (kinds suggested: confirm)'


def check_markdown(text: str, shown: str, suffix: str) -> None:
    """Raise SourceError when a text is empty or is not Markdown."""
    if not text.strip():
        raise SourceError(shown, "empty file")
    if "\x00" in text:
        raise SourceError(shown, "not Markdown: binary content")
    lead = text.lstrip()[:20].lower()
    for start, what in rules.NOT_MARKDOWN_STARTS.items():
        if lead.startswith(start):
            raise SourceError(shown, f"not Markdown: looks like {what}")
    if suffix.lower() not in rules.MARKDOWN_SUFFIXES:
        if suffix.lower() not in rules.MAYBE_MARKDOWN_SUFFIXES:
            raise SourceError(shown, f"not Markdown: a '{suffix}' file")
        if not _HEADING_IN_TEXT.search(text):
            raise SourceError(shown, "not Markdown: no .md suffix and no heading in the text")


def infer(
    text: str,
    *,
    shown: str,
    stem: str,
    suffix: str = ".md",
    fallback_date: dt.date,
    taxonomy: Taxonomy,
    default_zone: Zone,
    model: CategoryModel | None = None,
) -> Draft:
    """Read one report's text into a draft; raise SourceError when it cannot be one.

    Categories are suggested by `model` (by default the taxonomy's words alone).
    """
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    check_markdown(text, shown, suffix)
    foreign = split_foreign(text, shown)
    if not foreign.body.strip() and foreign.get("title") is None:
        raise SourceError(shown, "empty report: front-matter only, no text")
    lines = foreign.body.split("\n")
    blocks = parse_blocks(lines)
    sections = _sections(blocks)
    notes: dict[str, str] = {}

    title, notes["title"], title_block = _title(foreign, blocks, stem)
    body = _without_heading(lines, title_block, blocks).strip("\n") + "\n"

    early = _early_dates(foreign, title, _first_lines(blocks, title_block))
    name_date = first_date(stem)
    section = sections.get("timeline")

    def read_timeline(base: dt.date | None) -> Timeline | None:
        if section is None:
            return None
        return timeline_rules.extract(
            section.blocks, document_text=foreign.body, base_date=base, default_zone=default_zone
        )

    base = early[0][1] if early else name_date
    timeline = read_timeline(base)
    late = (
        [("first timeline entry", timeline.first_date)] if timeline and timeline.first_date else []
    )
    late += [("file name", name_date)] if name_date else []
    date, notes["date"] = _date(early + late, stem, name_date, fallback_date)
    if date != base:
        timeline = read_timeline(date)  # times that give no date belong to the chosen day
    notes["timeline"] = _timeline_note(timeline, section is not None)
    summary, notes["summary"] = _summary(foreign, sections, blocks)
    found_actions, notes["action_items"] = _action_items(sections.get("action_items"), lines)

    suggest_text = " ".join(
        [title, summary] + [_text_of(sections.get(role)) for role in rules.SUGGEST_FROM]
    )
    categories, trigger = suggest(taxonomy, suggest_text, model)
    notes["categories"] = (
        "suggested: " + ", ".join(c.slug for c in categories) + " (confirm)"
        if categories
        else "no keyword of the taxonomy matched"
        + (" and the classifier saw none" if model and model.classifier else "")
    )
    notes["trigger"] = (
        f"suggested: {trigger.slug} (confirm)" if trigger else "no keyword of the taxonomy matched"
    )
    relative = [m.group("target") or m.group("img") for m in _RELATIVE_LINK.finditer(body)]
    if relative:
        notes["links"] = (
            f"{len(relative)} relative link(s) or image(s), e.g. {relative[0]}: "
            "copy the files next to the draft or fix the links"
        )
    severity, severity_note = _severity(foreign, foreign.body, taxonomy)
    if severity_note:
        notes["severity"] = severity_note

    return Draft(
        title=title,
        date=date,
        body=body,
        summary=summary,
        timeline=timeline,
        actions=found_actions,
        categories=categories,
        trigger=trigger,
        severity=severity,
        authors=foreign.names("authors"),
        tags=foreign.names("tags"),
        services=foreign.names("services"),
        teams=foreign.names("teams"),
        foreign=foreign if foreign.format else None,
        has_timeline_section=section is not None,
        notes=notes,
    )


def _timeline_note(timeline: Timeline | None, has_section: bool) -> str:
    if timeline is None:
        return "no timeline section" if not has_section else "the timeline has no timestamps"
    entries = f"{len(timeline.entries)} entries"
    if not timeline.moments:
        return f"not read: {timeline.problem} ({entries})"
    zone = (
        f"times in {timeline.zone.label} as stated ({timeline.zone_source})"
        if timeline.zone_source
        else f"no time zone named: {timeline.zone.label} assumed (--timezone)"
    )
    moments = ", ".join(timeline.moments)
    extra = ""
    if any(e.next_day for e in timeline.entries):
        extra = "; a time earlier than the one before it was read as the next day"
    return f"{moments} from the timeline {timeline.form} ({entries}); {zone}{extra}"
