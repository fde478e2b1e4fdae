"""The headings and slots kb adds around the author's text on a document's page.

A document's page is kb's H1 (unless the author wrote one), the card, the author's
Markdown, then kb's follow-up sections ("Tracked action items", "Related" ...): each a
heading and a slot that the plugin fills after rendering (kb.site.fragments). None of
that is Markdown. `PageOutline`, a Markdown extension, puts it straight into the
element tree that Python-Markdown built from the author's text, so that

- Markdown does not parse kb's own lines on each of thousands of pages (about a tenth
  of a document page's Markdown time went to them and to the slots' HTML comments);
- nothing an author writes (an HTML block left open) can swallow kb's sections;
- kb's headings still get what every heading gets from the tree passes that follow:
  the toc extension's ids, permalinks and table-of-contents entries, mkdocs' anchors.

The plugin puts one marker line on top of the page's Markdown (`PageOutline.mark`);
the extension's first pass takes it off before any other reads the text. The marker
holds a token that is new for every build, so an author cannot write one.

Where things go: the headings before the toc extension runs (tree priority 7, after
attr_list's 8, so no attribute list applies to them), the slots' comments after it
(priority 4: the toc extension does not expect comments in the tree). The card's
slot follows the page's H1; the sections follow the last element Markdown made of
the author's text, before anything a later tree pass appends (footnotes).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Comment, Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

CARD = "card"  # the slot of the card, after the page's H1


@dataclass(frozen=True)
class Outline:
    """What kb adds to one document's page: its H1 (None when the author wrote one) and
    its follow-up sections as (heading, slot name), in order."""

    title: str | None
    sections: tuple[tuple[str, str], ...] = ()


class PageOutline(Extension):
    """Puts each marked page's `Outline` into its element tree."""

    def __init__(self) -> None:
        super().__init__()
        self._prefix = f"kb-outline-{secrets.token_hex(8)}-"
        self._waiting: dict[str, Outline] = {}
        self._count = 0

    def mark(self, outline: Outline) -> str:
        """The line to put on top of a page's Markdown so that it gets `outline`."""
        self._count += 1
        key = str(self._count)
        self._waiting[key] = outline
        return f"{self._prefix}{key}\n\n"

    def take(self, line: str) -> Outline | None:
        """The outline a page's first line marks (once), or None."""
        if not line.startswith(self._prefix):
            return None
        return self._waiting.pop(line[len(self._prefix) :], None)

    def extendMarkdown(self, md: Markdown) -> None:
        """Register the passes on one page's Markdown instance."""
        page = _Page()
        # After normalize_whitespace (30), before every reader of the text.
        md.preprocessors.register(_TakeMark(md, self, page), "kb_outline_mark", 29)
        md.treeprocessors.register(_TextEnd(md, page), "kb_outline_end", 100)
        md.treeprocessors.register(_Headings(md, page), "kb_outline_headings", 7)
        md.treeprocessors.register(_Slots(md, page), "kb_outline_slots", 4)


class _Page:
    """What the passes over one page share."""

    def __init__(self) -> None:
        self.outline: Outline | None = None
        self.text_end: Element | None = None  # the last element made of the author's text
        self.sections: list[tuple[Element, str]] = []


class _TakeMark(Preprocessor):
    def __init__(self, md: Markdown, ext: PageOutline, page: _Page) -> None:
        super().__init__(md)
        self.ext, self.page = ext, page

    def run(self, lines: list[str]) -> list[str]:
        self.page.outline = self.ext.take(lines[0]) if lines else None
        return lines[1:] if self.page.outline is not None else lines


class _TextEnd(Treeprocessor):
    def __init__(self, md: Markdown, page: _Page) -> None:
        super().__init__(md)
        self.page = page

    def run(self, root: Element) -> None:
        self.page.text_end = root[-1] if len(root) else None


class _Headings(Treeprocessor):
    def __init__(self, md: Markdown, page: _Page) -> None:
        super().__init__(md)
        self.page = page

    def run(self, root: Element) -> None:
        outline, page = self.page.outline, self.page
        page.sections = []
        if outline is None:
            return
        at = _after(root, page.text_end)
        for title, name in outline.sections:
            heading = _heading("h2", title)
            root.insert(at, heading)
            page.sections.append((heading, name))
            at += 1
        if outline.title is not None:
            root.insert(0, _heading("h1", outline.title))


class _Slots(Treeprocessor):
    def __init__(self, md: Markdown, page: _Page) -> None:
        super().__init__(md)
        self.page = page

    def run(self, root: Element) -> None:
        if self.page.outline is None:
            return
        for heading, name in self.page.sections:
            root.insert(_after(root, heading), _slot(name))
        root.insert(1 if len(root) and root[0].tag == "h1" else 0, _slot(CARD))


def _after(root: Element, element: Element | None) -> int:
    """The index after `element` among the root's children (the end if it is not one)."""
    for i, child in enumerate(root):
        if child is element:
            return i + 1
    return len(root)


def _heading(tag: str, text: str) -> Element:
    element = Element(tag)
    # One line, as Markdown makes a heading; STX and ETX would read as Markdown's own
    # placeholders to the passes after this one.
    element.text = " ".join(text.replace("\x02", "").replace("\x03", "").split())
    element.tail = "\n"
    return element


def _slot(name: str) -> Element[Any]:
    element = Comment(f"kb:{name}")
    element.tail = "\n\n"
    return element
