"""What Markdown from authors and from other tools may carry into the site.

The stance (the site applies it through kb.site.markup, `kb import` through
`inert_markdown`):

- A link target whose scheme runs code or smuggles a document in (`javascript:`,
  `vbscript:`, `data:`) is never kept, however it is spelled: any case, entities
  (`java&#x09;script:`), tabs and newlines inside it, spaces before it.
- Raw HTML in authored pages follows the plugin's `raw_html` option: `sanitize` (the
  default) keeps ordinary markup and removes scripts, event handlers, frames, objects,
  forms, styles and dangerous URLs; `escape` shows every tag as text; `allow` passes it
  through as written, for sites whose authors are all trusted, but for dangerous link
  targets, which are replaced even then (`defuse_urls`).
- A body `kb import` copies from another tool is written with every tag shown as
  text and every dangerous link target replaced, whatever the option says, so a
  third-party report can never run script in the site.

The HTML itself is parsed and cleaned by nh3 (ammonia, Rust: an HTML5 parser, an
allowlist of elements and attributes, URL checks); nothing here reads HTML with
regular expressions.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Literal
from xml.etree.ElementTree import Element

import nh3

RawHtml = Literal["sanitize", "escape", "allow"]
RAW_HTML_CHOICES: tuple[RawHtml, ...] = ("sanitize", "escape", "allow")

DANGEROUS_SCHEMES = frozenset({"javascript", "vbscript", "data"})
# Attributes whose value the browser follows or loads as a URL.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "poster", "background", "cite", "xlink:href", "data"}
)

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
# What the WHATWG URL parser drops before it reads the scheme.
_URL_IGNORED = re.compile(r"[\t\n\r]")
_URL_TRIMMED = "".join(chr(c) for c in range(0x21))

# Ordinary authored markup: ammonia's defaults (text, lists, tables, images, details,
# kbd, abbr, sub/sup ...), plus what Markdown and Material put in a page.
_TAGS = set(nh3.ALLOWED_TAGS) | {"picture", "source", "caption", "tfoot"}
_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = {"class", "id", "title", "lang", "dir", "style", "align"}
_ATTRIBUTES["details"] = {"open"}
_ATTRIBUTES["a"] = _ATTRIBUTES.get("a", set()) | {"name"}
_ATTRIBUTES["source"] = {"srcset", "media", "type"}
_ATTRIBUTES["img"] = _ATTRIBUTES.get("img", set()) | {"loading"}
# CSS cannot run script in today's browsers; still keep only layout-free properties.
_STYLE = {
    "text-align",
    "vertical-align",
    "color",
    "background-color",
    "font-weight",
    "font-style",
    "text-decoration",
    "white-space",
    "width",
    "height",
}
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags={"script", "style"},
    attributes=_ATTRIBUTES,
    strip_comments=False,  # kb's own slots are comments; a comment runs nothing
    link_rel=None,  # add nothing: harmless markup must come out as it went in
    filter_style_properties=_STYLE,
)


def dangerous_url(value: str) -> bool:
    """Whether a URL (as written in an attribute, entities and all) would run or load code."""
    text = html.unescape(value)
    text = _URL_IGNORED.sub("", text).strip(_URL_TRIMMED)
    found = _SCHEME.match(text)
    return found is not None and found.group(1).lower() in DANGEROUS_SCHEMES


def sanitize_html(fragment: str) -> str:
    """An HTML fragment with everything that could run script removed (see the module)."""
    return _CLEANER.clean(fragment)


def defuse_urls(fragment: str) -> str:
    """An HTML fragment as written, but for dangerous URL attributes, which point at
    `#unsafe-link-removed` instead (the tags that held one are written anew)."""
    finder = _DangerousUrls(fragment)
    finder.feed(fragment)
    finder.close()
    out = fragment
    for start, end, tag in reversed(finder.edits):
        out = out[:start] + tag + out[end:]
    return out


class _DangerousUrls(HTMLParser):
    """Finds the start tags of a fragment that carry a dangerous URL attribute."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.edits: list[tuple[int, int, str]] = []
        self._line_starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs, closed=True)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]], *, closed: bool) -> None:
        def bad(name: str, value: str | None) -> bool:
            return name in URL_ATTRIBUTES and value is not None and dangerous_url(value)

        if not any(bad(name, value) for name, value in attrs):
            return
        written = self.get_starttag_text() or ""
        line, column = self.getpos()
        start = self._line_starts[line - 1] + column
        parts = [tag]
        for name, value in attrs:
            if value is None:
                parts.append(name)
            else:
                kept = BLOCKED_TARGET if bad(name, value) else value
                parts.append(f'{name}="{html.escape(kept)}"')
        self.edits.append(
            (start, start + len(written), f"<{' '.join(parts)}{' /' if closed else ''}>")
        )


# ---------------------------------------------------------------- imported Markdown

# Python-Markdown's code span (markdown.inlinepatterns.BACKTICK_RE), on one line only.
_CODE_SPAN = re.compile(r"(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)(`+)([^\n]+?)(?<!`)\2(?!`)")
# `<` that the HTML tokenizer would read as the start of a tag, comment or declaration.
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
# Markdown's autolinks (<https://...>, <mailto:...>, <a@b.c>), kept as links.
_AUTOLINK = re.compile(r"<(?:(?:https?|ftp)://|mailto:)[^<>\s\"'`]*>|<[^<>\s!\"'`]+@[^@<>\s\"'`]+>")
# Link and image targets: `](target` and reference definitions `[label]: target`.
_TARGET = re.compile(
    r"(\]\(\s*<?|^[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?)((?:[^\s()<>]|\([^\s()<>]*\))+)", re.MULTILINE
)
# Raw HTML that Markdown stashes but that is only a character: `&lt;`, `&#60;` ...
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
BLOCKED_TARGET = "#unsafe-link-removed"


def inert_markdown(text: str) -> str:
    """Markdown from another tool made unable to run script in the site, whatever its options.

    Every `<` that could open an HTML tag, comment or declaration becomes `&lt;`, so
    the markup shows as text (code spans and Markdown autolinks stay as they are);
    link and image targets with a dangerous scheme become `#unsafe-link-removed`.
    Python-Markdown then checks the result: if it still finds raw HTML, a dangerous
    link or an event handler (an attribute list) anywhere, read differently than
    here, every `<` is escaped, code spans included, and every `[` and `{` too.
    """
    out = _defuse(text, keep_code=True)
    if not _inert(out):
        out = _defuse(text, keep_code=False)
        out = re.sub(r"(?<!\\)([\[{])", r"\\\1", out)
    return out


def _defuse(text: str, *, keep_code: bool) -> str:
    pieces, at = [], 0
    spans = _CODE_SPAN.finditer(text) if keep_code else iter(())
    for span in spans:
        pieces.append(_defuse_prose(text[at : span.start()]))
        pieces.append(span.group(0))
        at = span.end()
    pieces.append(_defuse_prose(text[at:]))
    return "".join(pieces)


def _defuse_prose(text: str) -> str:
    text = _TARGET.sub(
        lambda m: m.group(1) + (BLOCKED_TARGET if dangerous_url(m.group(2)) else m.group(2)),
        text,
    )
    out, at = [], 0
    for found in _TAG_OPEN.finditer(text):
        start = found.start()
        if start < at:
            continue  # inside an autolink already kept
        link = _AUTOLINK.match(text, start)
        out.append(text[at:start])
        if link is not None:
            out.append(link.group(0))
            at = link.end()
        else:
            out.append("&lt;")
            at = start + 1
    out.append(text[at:])
    return "".join(out)


def _inert(markdown_text: str) -> bool:
    """Whether Python-Markdown, configured as kb's site is, finds no raw HTML, no
    dangerous link target and no event handler (attribute lists) in this text."""
    import markdown
    from markdown.treeprocessors import Treeprocessor

    found: list[tuple[Element, str]] = []

    class _Look(Treeprocessor):
        def run(self, root: Element) -> None:
            found.extend(unsafe_attributes(root, handlers=True))

    md = markdown.Markdown(extensions=["tables", "admonition", "attr_list", "toc"])
    md.treeprocessors.register(_Look(md), "kb_look", 0)
    md.convert(markdown_text)
    raw = [b for b in md.htmlStash.rawHtmlBlocks if not _ENTITY.fullmatch(str(b))]
    return not raw and not found


# Python-Markdown keeps `&` of entities in attributes as this placeholder until the end.
_AMP = "\x02amp\x03"


def unsafe_attributes(root: Element, *, handlers: bool) -> list[tuple[Element, str]]:
    """(element, attribute) pairs in this element tree that must go: dangerous URLs, and
    event handlers (`on...`) when `handlers` is true."""
    out = []
    for element in root.iter():
        for name, value in element.attrib.items():
            lower = name.lower()
            if (handlers and lower.startswith("on")) or (
                lower in URL_ATTRIBUTES and dangerous_url(value.replace(_AMP, "&"))
            ):
                out.append((element, name))
    return out


def neutralise_tree(root: Element, *, handlers: bool) -> None:
    """Defuse every attribute `unsafe_attributes` names in Markdown's element tree: a
    dangerous URL becomes `#unsafe-link-removed` (links and images keep a target, as
    mkdocs expects), an event handler is removed."""
    for element, name in unsafe_attributes(root, handlers=handlers):
        if name.lower() in URL_ATTRIBUTES:
            element.attrib[name] = BLOCKED_TARGET
        else:
            del element.attrib[name]


__all__ = [
    "BLOCKED_TARGET",
    "DANGEROUS_SCHEMES",
    "RAW_HTML_CHOICES",
    "URL_ATTRIBUTES",
    "RawHtml",
    "dangerous_url",
    "defuse_urls",
    "inert_markdown",
    "neutralise_tree",
    "sanitize_html",
    "unsafe_attributes",
]
