"""HTML fragments for the repeated, row-by-row parts of pages: tables, lists, cards, pagers.

Python-Markdown's inline pass costs milliseconds per row, which at thousands of
documents dominated the build. So pages are a short Markdown skeleton (headings
and prose, which mkdocs renders, links and table of contents included) with
slots like `<!--kb:listing-->` that the plugin fills with these fragments after
rendering. Every value is escaped with `h` here, and links point at the final
URLs that mkdocs will give the pages (`Urls`), since mkdocs no longer sees them.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import quote

_SAFE_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$")
_SLOT = re.compile(r"<!--kb:([a-z0-9-]+)-->")


def h(value: object) -> str:
    """Front-matter text as HTML text or attribute value, on one line."""
    # split/join: whitespace runs to one space, ends stripped; twice as fast as a regex.
    return html.escape(" ".join(str(value).split()), quote=True)


class Urls:
    """The URLs mkdocs gives pages and files, and relative links between them."""

    def __init__(self, directory_urls: bool = False) -> None:
        self.directory_urls = directory_urls
        # (folder of src's URL, dst) -> quoted relative link: a build makes tens of
        # thousands of links between a few thousand pages, most of them from the pages
        # of a few folders (postmortems/2025/ ...), and posixpath.relpath is slow (it
        # asks the OS for the working directory twice per call).
        self._links: dict[tuple[str, str], str] = {}
        self._bases: dict[str, str] = {}  # src -> folder of its URL
        self._targets: dict[str, tuple[str, str] | None] = {}  # dst -> (folder, quoted name)
        self._folders: dict[tuple[str, str], str] = {}  # (base, folder) -> relative prefix

    def url(self, src_uri: str) -> str:
        """Site-relative URL of a docs-relative path (mkdocs' rules for .md pages)."""
        if not src_uri.endswith(".md"):
            return src_uri
        stem = src_uri[:-3]
        if not self.directory_urls:
            return stem + ".html"
        folder, name = posixpath.split(stem)
        if name in ("index", "README"):
            return f"{folder}/" if folder else ""
        return f"{stem}/"

    def href(self, src: str, dst: str, anchor: str = "") -> str:
        """The relative URL from page `src` to page or file `dst` (docs-relative paths)."""
        base = self._bases.get(src)
        if base is None:
            here = self.url(src)
            base = here if here.endswith("/") or not here else posixpath.dirname(here)
            base = self._bases[src] = base.rstrip("/")
        link = self._links.get((base, dst))
        if link is None:
            link = self._links[(base, dst)] = self._href(base, dst)
        return link + (f"#{anchor}" if anchor else "")

    def _href(self, base: str, dst: str) -> str:
        if dst not in self._targets:
            there = self.url(dst)
            folder, name = posixpath.split(there)
            self._targets[dst] = (folder, quote(name)) if name else None
        target = self._targets[dst]
        if target is None:  # a folder URL (directory_urls), the home page ...
            return self._folder_href(base, dst)
        # Pages link to thousands of documents in a few folders (postmortems/2025/ ...):
        # the way to each folder is worked out once per page folder.
        folder, name = target
        prefix = self._folders.get((base, folder))
        if prefix is None:
            rel = _relpath(folder, base)
            prefix = self._folders[(base, folder)] = "" if rel == "." else quote(rel) + "/"
        return prefix + name

    def _folder_href(self, base: str, dst: str) -> str:
        there = self.url(dst)
        rel = _relpath(there.rstrip("/"), base)
        if there.endswith("/") or not there:
            rel = "./" if rel == "." else rel + "/"
        return quote(rel, safe="/")

    def a(self, text_html: str, src: str, dst: str, anchor: str = "") -> str:
        """A link; `text_html` must already be escaped."""
        return f'<a href="{self.href(src, dst, anchor)}">{text_html}</a>'


def _relpath(path: str, base: str) -> str:
    # posixpath.relpath for clean relative paths ("" is the top), without its abspath calls.
    to, start = path.split("/") if path else [], base.split("/") if base else []
    common = 0
    for a, b in zip(to, start, strict=False):
        if a != b:
            break
        common += 1
    parts = [".."] * (len(start) - common) + to[common:]
    return "/".join(parts) if parts else "."


def external(value: str) -> str:
    """A link for an http(s) URL, plain escaped text for anything else."""
    text = h(value)
    return f'<a href="{text}">{text}</a>' if _SAFE_URL.match(value) else text


def table(head: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> str:
    """An HTML table; cells must already be escaped HTML. `align`: 'l'/'r' per column."""
    aligns = [' align="right"' if a == "r" else "" for a in (align or "l" * len(head))]
    th = "".join(f"<th{al}>{cell}</th>" for al, cell in zip(aligns, head, strict=True))
    body = "".join(
        "<tr>"
        + "".join(f"<td{al}>{cell}</td>" for al, cell in zip(aligns, row, strict=True))
        + "</tr>\n"
        for row in rows
    )
    return f"<table>\n<thead>\n<tr>{th}</tr>\n</thead>\n<tbody>\n{body}</tbody>\n</table>\n"


def ul(items: Iterable[str]) -> str:
    """A bulleted list; items must already be escaped HTML."""
    return "<ul>\n" + "".join(f"<li>{item}</li>\n" for item in items) + "</ul>\n"


def slot(name: str) -> str:
    """A Markdown block that the plugin later replaces with the fragment called `name`."""
    return f"\n\n<!--kb:{name}-->\n\n"


def fill(rendered: str, fragments: Mapping[str, str], *, keep_unknown: bool = False) -> str:
    """Rendered HTML with every slot replaced by its fragment (unknown slots vanish or stay)."""
    if "<!--kb:" not in rendered:
        return rendered
    if keep_unknown:
        return _SLOT.sub(lambda m: fragments.get(m.group(1), m.group(0)), rendered)
    return _SLOT.sub(lambda m: fragments.get(m.group(1), ""), rendered)


def pager(urls: Urls, src: str, pages: Sequence[str], current: int, window: int = 3) -> str:
    """Links to the other pages of a paginated listing: previous/next, first, nearby, last."""
    if len(pages) < 2:
        return ""
    shown = sorted(
        {0, len(pages) - 1, *range(max(0, current - window), min(len(pages), current + window + 1))}
    )
    parts: list[str] = []
    if current > 0:
        parts.append(urls.a("« Previous", src, pages[current - 1]))
    last = -1
    for i in shown:
        if i - last > 1:
            parts.append("…")
        parts.append(
            f"<strong>{i + 1}</strong>" if i == current else urls.a(str(i + 1), src, pages[i])
        )
        last = i
    if current < len(pages) - 1:
        parts.append(urls.a("Next »", src, pages[current + 1]))
    return (
        f'<p class="kb-pager">Page {current + 1} of {len(pages)}: ' + " · ".join(parts) + "</p>\n"
    )
