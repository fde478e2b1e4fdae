"""The Markdown extension that applies kb's HTML stance (kb.safety) to every page.

Two passes over what Python-Markdown makes of a page:

- a tree pass over the elements Markdown itself built (links, images, attribute
  lists), on every page: dangerous URL attributes go, and so do event handlers
  unless `raw_html: allow`;
- a pass over the raw HTML that Markdown set aside (its "stash"), for the parts of a
  page the authors wrote (the plugin marks them with `authored`): sanitized with nh3,
  or escaped, as the `raw_html` option says. kb's own markup (slots, chart tables)
  lies outside those parts and is never touched. Only what Markdown's raw-HTML readers
  (the block preprocessor and the inline pattern) put in the stash is raw HTML; what
  other extensions stash there (highlighted code, icons) is their output, left as it is.

Sanitizing sees the authored raw HTML of the page in order, with Markdown's own output
in between replaced by markers (Markdown cannot open a raw-text or foreign element,
so its output does not change how the raw HTML parses). When nh3 gives each piece
back unchanged, the page is exactly what Markdown made, byte for byte; otherwise
each piece is replaced by its cleaned form (or shown as text, should nh3 have
dropped a marker with a script's content).
"""

from __future__ import annotations

import html
import re
import secrets
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from kb.safety import RawHtml, defuse_urls, neutralise_tree, sanitize_html

_PLACEHOLDER = re.compile("\x02wzxhzdk:([0-9]+)\x03")
_MARKER = re.compile("\x02([0-9]+)\x03")  # Markdown strips STX/ETX from its input
_LEADING_H1 = re.compile(r"\A[ \t]*\n*#[ \t][^\n<]*(?=\n|\Z)")


class SafeMarkup(Extension):
    """kb's HTML stance for one site; `authored` marks the Markdown its authors wrote."""

    def __init__(self, raw_html: RawHtml = "sanitize") -> None:
        super().__init__()
        self.raw_html: RawHtml = raw_html
        # Authors cannot forge the marks: the token is new for every build.
        token = secrets.token_hex(8)
        self.begin, self.end = f"<!--kb-authored-{token}-->", f"<!--kb-/authored-{token}-->"

    def authored(self, markdown: str) -> str:
        """Markdown written by an author, marked for the raw-HTML pass (unmarked when it
        holds no `<`: then it has no raw HTML, and the marks, themselves raw HTML, cost
        Markdown's raw-HTML readers 3% of the site's Markdown pass)."""
        if self.raw_html == "allow" or "<" not in markdown:
            return markdown
        # mkdocs takes a page's title from its first element when that is an h1: a
        # leading `# heading` without raw HTML stays before the mark (nothing in it to clean).
        head = ""
        found = _LEADING_H1.match(markdown)
        if found is not None:
            head, markdown = found.group(), markdown[found.end() :]
        return f"{head}\n\n{self.begin}\n\n{markdown}\n\n{self.end}\n\n"

    def extendMarkdown(self, md: Markdown) -> None:
        """Register both passes on one page's Markdown instance."""
        handlers = self.raw_html != "allow"
        # After every tree pass (attr_list at 8, toc at 5): attributes are final.
        md.treeprocessors.register(_Attributes(md, handlers), "kb_attributes", 0)
        # In every mode (`allow` still loses dangerous link targets): the stash entries
        # that hold raw HTML on this page; None (readers of a kind kb does not know)
        # counts every entry as raw HTML.
        raw: set[int] | None = None
        inline = md.inlinePatterns["html"]
        if isinstance(inline, InlineProcessor):
            raw = set()
            block = _Recording(md, md.preprocessors["html_block"], raw)
            md.preprocessors.register(block, "html_block", 20)
            md.inlinePatterns.register(_RecordingInline(inline, raw), "html", 90)
        # Before raw_html (30) puts the stash back into the page.
        md.postprocessors.register(_RawHtml(md, self, raw), "kb_raw_html", 35)


class _Recording(Preprocessor):
    """Markdown's raw-HTML block reader, noting which stash entries it made."""

    def __init__(self, md: Markdown, inner: Preprocessor, raw: set[int]) -> None:
        super().__init__(md)
        self.inner, self.raw = inner, raw

    def run(self, lines: list[str]) -> list[str]:
        before = len(self.md.htmlStash.rawHtmlBlocks)
        out = self.inner.run(lines)
        self.raw.update(range(before, len(self.md.htmlStash.rawHtmlBlocks)))
        return out


class _RecordingInline(InlineProcessor):
    """Markdown's inline raw-HTML pattern, noting which stash entries it made."""

    def __init__(self, inner: InlineProcessor, raw: set[int]) -> None:
        super().__init__(inner.pattern, inner.md)
        self.inner, self.raw = inner, raw

    def handleMatch(  # type: ignore[override]  # Python-Markdown's stubs are looser
        self, m: re.Match[str], data: str
    ) -> tuple[object, int | None, int | None]:
        stash = self.md.htmlStash.rawHtmlBlocks
        before = len(stash)
        out = self.inner.handleMatch(m, data)
        self.raw.update(range(before, len(stash)))
        return out


class _Attributes(Treeprocessor):
    def __init__(self, md: Markdown, handlers: bool) -> None:
        super().__init__(md)
        self.handlers = handlers

    def run(self, root: Element) -> None:
        neutralise_tree(root, handlers=self.handlers)


class _RawHtml(Postprocessor):
    def __init__(self, md: Markdown, ext: SafeMarkup, raw: set[int] | None) -> None:
        super().__init__(md)
        self.ext, self.raw = ext, raw

    def run(self, text: str) -> str:
        stash = self.md.htmlStash.rawHtmlBlocks
        if self.ext.raw_html == "allow":
            for index, entry in enumerate(stash):
                if isinstance(entry, str) and (self.raw is None or index in self.raw):
                    stash[index] = defuse_urls(entry)
            return text
        marks = {self.ext.begin: True, self.ext.end: False}
        inside, authored, seen = False, [], []
        for found in _PLACEHOLDER.finditer(text):
            index = int(found.group(1))
            raw = stash[index] if index < len(stash) else None
            if not isinstance(raw, str):
                continue  # an element an extension stashed: Markdown's, not raw HTML
            mark = marks.get(raw.strip())
            if mark is not None:
                inside = mark
                seen.append(index)
                stash[index] = ""
            elif self.raw is not None and index not in self.raw:
                continue  # another extension's output (highlighted code, an icon ...)
            elif inside:
                authored.append(index)
            elif seen or self.ext.begin in raw:
                # A raw block the author left open swallowed the closing mark.
                authored.append(index)
        if not seen:
            return text
        for index in authored:
            piece = str(stash[index])
            for token in marks:
                piece = piece.replace(token, "")
            stash[index] = piece
        if self.ext.raw_html == "escape":
            for index in authored:
                stash[index] = html.escape(str(stash[index]), quote=False)
        else:
            self._sanitize(authored)
        return _drop_marks(text, seen)

    def _sanitize(self, authored: list[int]) -> None:
        stash = self.md.htmlStash.rawHtmlBlocks
        pieces = [str(stash[i]) for i in authored]
        skeleton = "".join(f"\x02{n}\x03{piece}" for n, piece in enumerate(pieces))
        skeleton += f"\x02{len(pieces)}\x03"
        cleaned = sanitize_html(skeleton)
        if cleaned == skeleton:
            return
        parts = _MARKER.split(cleaned)
        # ['', '0', piece0, '1', piece1, ..., 'n', tail]
        numbers = parts[1::2]
        if numbers != [str(n) for n in range(len(pieces) + 1)]:
            for i in authored:  # a marker went with a script's content: show it all as text
                stash[i] = html.escape(str(stash[i]), quote=False)
            return
        for i, piece in zip(authored, parts[2::2], strict=False):
            stash[i] = piece


def _drop_marks(text: str, marks: list[int]) -> str:
    """The page without the marks' placeholders (and the paragraphs Markdown made for them)."""
    for index in marks:
        placeholder = f"\x02wzxhzdk:{index}\x03"
        at = text.find(placeholder)
        while at >= 0:
            start, end = at, at + len(placeholder)
            if text.startswith("<p>", start - 3):
                start -= 4 if text.startswith("\n", start - 4) else 3
            if text.startswith("</p>", end):
                end += 4
            text = text[:start] + text[end:]
            at = text.find(placeholder, start)
    return text
