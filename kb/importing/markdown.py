"""Just enough Markdown structure for the importer: blocks, headings, sections, lists, tables.

This is not a renderer. It cuts a report into the blocks a reader sees
(headings, paragraphs, lists, tables, code) so the rules can ask "the first
paragraph of the Summary section" or "the rows of the Timeline table". Code
blocks are recognised first, so nothing inside them is mistaken for structure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "list", "table", "code", "html", "rule"]

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_MARKER = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_CHECKBOX = re.compile(r"^\[(?P<mark>[ xX])\][ \t]+")
_TABLE_DELIMITER = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_HTML = re.compile(r"^ {0,3}<(?:[a-zA-Z][\w-]*|!--|/[a-zA-Z])")


@dataclass
class ListItem:
    """One item of a list: the text of its first paragraph, and the lines nested under it."""

    text: str
    line: int  # 0-based index of the marker line
    checked: bool | None = None  # None: not a checkbox
    children: list[str] = field(default_factory=list)  # raw lines below the first paragraph


@dataclass
class Block:
    """A run of lines a reader sees as one thing."""

    kind: BlockKind
    start: int  # 0-based index of the first line
    lines: list[str]
    level: int = 0  # headings: 1-6
    text: str = ""  # headings: the heading text
    items: list[ListItem] = field(default_factory=list)  # lists: top-level items only

    @property
    def end(self) -> int:
        """0-based index just past the block's last line."""
        return self.start + len(self.lines)

    @property
    def prose(self) -> str:
        """A paragraph's lines joined by spaces (hard wraps undone)."""
        return " ".join(line.strip() for line in self.lines).strip()

    def rows(self) -> list[list[str]]:
        """A table's cells, header row first, delimiter row left out."""
        return [
            split_row(line)
            for i, line in enumerate(self.lines)
            if not (i == 1 and _TABLE_DELIMITER.match(line))
        ]


@dataclass
class Section:
    """A heading and every block up to the next heading of the same or a higher level."""

    heading: Block
    blocks: list[Block]

    def subsections(self) -> list[Section]:
        """Sections one level (or more) below this heading, in order."""
        return sections_of(self.blocks)


def split_row(line: str) -> list[str]:
    """The cells of a table row, with escaped pipes kept inside cells."""
    row = line.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)]


def _is_table_start(lines: list[str], i: int) -> bool:
    line = lines[i]
    if "|" not in line or i + 1 >= len(lines):
        return False
    return "-" in lines[i + 1] and bool(_TABLE_DELIMITER.match(lines[i + 1]))


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


def _fence_end(lines: list[str], i: int) -> int:
    """Index just past a fenced code block that opens at line i."""
    opener = _FENCE.match(lines[i].lstrip())
    fence = opener.group(1) if opener else "```"
    j = i + 1
    while j < len(lines):
        if lines[j].strip().startswith(fence[0] * len(fence)) and not lines[j].strip().strip(
            fence[0]
        ):
            return j + 1
        j += 1
    return j


def parse_blocks(lines: list[str]) -> list[Block]:
    """Cut lines into blocks; line indices in the blocks are indices into `lines`."""
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if _FENCE.match(line):
            end = _fence_end(lines, i)
            blocks.append(Block("code", i, lines[i:end]))
            i = end
            continue
        atx = _ATX.match(line)
        if atx:
            blocks.append(
                Block("heading", i, [line], len(atx.group(1)), (atx.group(2) or "").strip())
            )
            i += 1
            continue
        if _is_table_start(lines, i):
            end = i + 2
            while end < len(lines) and lines[end].strip() and "|" in lines[end]:
                end += 1
            blocks.append(Block("table", i, lines[i:end]))
            i = end
            continue
        if _MARKER.match(line) and not _RULE.match(line):
            block, i = _parse_list(lines, i)
            blocks.append(block)
            continue
        if _RULE.match(line):
            blocks.append(Block("rule", i, [line]))
            i += 1
            continue
        if _HTML.match(line):
            end = i + 1
            while end < len(lines) and lines[end].strip():
                end += 1
            blocks.append(Block("html", i, lines[i:end]))
            i = end
            continue
        if _indent(line) >= 4:
            end = i + 1
            while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) >= 4):
                end += 1
            while end > i + 1 and not lines[end - 1].strip():
                end -= 1
            blocks.append(Block("code", i, lines[i:end]))
            i = end
            continue
        end = i + 1
        while end < len(lines):
            nxt = lines[end]
            if not nxt.strip() or _FENCE.match(nxt) or _ATX.match(nxt) or _HTML.match(nxt):
                break
            if _SETEXT.match(nxt):
                break
            if _MARKER.match(nxt) and _indent(nxt) < 4:
                break
            if _is_table_start(lines, end):
                break
            end += 1
        if end < len(lines) and _SETEXT.match(lines[end]):
            level = 1 if lines[end].strip().startswith("=") else 2
            text = " ".join(line.strip() for line in lines[i:end])
            blocks.append(Block("heading", i, lines[i : end + 1], level, text))
            i = end + 1
            continue
        blocks.append(Block("paragraph", i, lines[i:end]))
        i = end
    return blocks


def _parse_list(lines: list[str], i: int) -> tuple[Block, int]:
    """A list starting at line i: its top-level items, each with its nested lines."""
    first = _MARKER.match(lines[i])
    assert first is not None
    base = _indent(lines[i])
    items: list[ListItem] = []
    start = i
    current: list[str] = []
    in_paragraph = False
    item: ListItem | None = None

    def finish() -> None:
        if item is not None:
            item.text = " ".join(part for part in current if part).strip()

    while i < len(lines):
        line = lines[i]
        marker = _MARKER.match(line)
        if not line.strip():
            # A blank line ends the list unless what follows belongs to it.
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j >= len(lines):
                break
            nxt = lines[j]
            nxt_marker = _MARKER.match(nxt)
            if nxt_marker and _indent(nxt) <= base + 1:
                in_paragraph = False
                i = j
                continue
            if _indent(nxt) > base and item is not None:
                in_paragraph = False
                item.children.extend(lines[i:j])
                i = j
                continue
            break
        if marker and _indent(line) <= base + 1:
            finish()
            text = line[marker.end() :]
            checkbox = _CHECKBOX.match(text)
            checked = None
            if checkbox:
                checked = checkbox.group("mark") in "xX"
                text = text[checkbox.end() :]
            item = ListItem("", i, checked)
            items.append(item)
            current = [text.strip()]
            in_paragraph = True
            i += 1
            continue
        if item is None:
            break
        if _FENCE.match(line.lstrip()) and _indent(line) > base:
            end = _fence_end([x.lstrip() for x in lines], i)
            item.children.extend(lines[i:end])
            in_paragraph = False
            i = end
            continue
        stripped_marker = _MARKER.match(line.lstrip())
        if in_paragraph and not (stripped_marker and _indent(line) > base):
            if _ATX.match(line) or (_indent(line) <= base and _is_table_start(lines, i)):
                break
            if _indent(line) <= base and (_FENCE.match(line) or _HTML.match(line)):
                break
            current.append(line.strip())
            i += 1
            continue
        if _indent(line) > base:
            in_paragraph = False
            item.children.append(line)
            i += 1
            continue
        break
    finish()
    while i > start and not lines[i - 1].strip():
        i -= 1
    return Block("list", start, lines[start:i], items=items), i


def sections_of(blocks: list[Block]) -> list[Section]:
    """The top-most sections among `blocks` (nested ones are inside them)."""
    headings = [b for b in blocks if b.kind == "heading"]
    if not headings:
        return []
    top = min(h.level for h in headings)
    out: list[Section] = []
    current: Section | None = None
    for block in blocks:
        if block.kind == "heading" and block.level <= top:
            current = Section(block, [])
            out.append(current)
        elif current is not None:
            current.blocks.append(block)
    return out


def all_sections(blocks: list[Block]) -> Iterator[Section]:
    """Every section at every level, in document order."""
    for index, block in enumerate(blocks):
        if block.kind != "heading":
            continue
        body: list[Block] = []
        for later in blocks[index + 1 :]:
            if later.kind == "heading" and later.level <= block.level:
                break
            body.append(later)
        yield Section(block, body)


def plain(text: str) -> str:
    """Inline Markdown reduced to its words: links to their text, emphasis and code marks gone."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])([*_])(?!\s)(.+?)(?<!\s)\1(?![\w*])", r"\2", text)
    text = text.replace("`", "")
    return re.sub(r"\s+", " ", text).strip()


def heading_key(text: str) -> str:
    """A heading as the rules compare it: plain, lower-case, no numbering, colon or parenthetical."""
    key = plain(text).lower()
    key = re.sub(r"^\s*(?:\d+(?:\.\d+)*\.?|[ivx]+\.)\s+", "", key)
    key = re.sub(r"\s*\([^)]*\)\s*", " ", key)
    return key.strip().rstrip(":").strip()
