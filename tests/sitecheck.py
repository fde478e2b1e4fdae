"""Helpers for tests of built sites: parse pages, check internal links, write a small KB."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml


@dataclass
class Parsed:
    """What a test needs from one HTML page."""

    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)  # (tag, url) of href/src
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)  # inline script bodies
    text: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Parsed()
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        d = dict(attrs)
        self.out.tags.append((tag, d))
        if d.get("id"):
            self.out.ids.add(str(d["id"]))
        for key in ("href", "src"):
            if d.get(key):
                self.out.links.append((tag, str(d[key])))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.out.scripts if self._in_script else self.out.text).append(data)


def parse(path: Path) -> Parsed:
    """Parse one HTML file."""
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.out


def broken_links(site: Path) -> list[str]:
    """Every internal href/src (and #fragment) in the site that does not resolve."""
    pages = {p.relative_to(site).as_posix(): parse(p) for p in site.rglob("*.html")}
    broken = []
    for page, parsed in pages.items():
        if page == "404.html":  # served for any missing URL, so mkdocs makes its links absolute
            continue
        for _tag, url in parsed.links:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith(("mailto:", "data:")):
                continue
            target = page
            if parts.path:
                target = posixpath.normpath(
                    posixpath.join(posixpath.dirname(page), unquote(parts.path))
                )
                if (site / target).is_dir():
                    target = posixpath.join(target, "index.html")
                if not (site / target).is_file():
                    broken.append(f"{page}: {url}")
                    continue
            fragment = parts.fragment
            checkable = target in pages and not fragment.startswith(("only-", "__"))
            if fragment and checkable and fragment not in pages[target].ids:
                broken.append(f"{page}: {url} (no id {fragment})")
    return broken


MKDOCS_YML = """\
site_name: Test knowledge base
docs_dir: content
site_dir: site
use_directory_urls: {directory_urls}
strict: true
theme:
  name: material
  font: false
plugins:
  - kb:
      today: {today}
      page_size: {page_size}
markdown_extensions:
  - tables
  - admonition
  - attr_list
  - toc:
      permalink: true
"""


def write_kb(
    root: Path,
    fronts: list[dict[str, Any]],
    *,
    today: str = "2025-06-30",
    page_size: int = 100,
    body: str = "## Summary\n\nBody text.\n",
    directory_urls: bool = False,
) -> Path:
    """A knowledge base on disk: mkdocs.yml with the kb plugin and one file per front-matter."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(
        MKDOCS_YML.format(
            today=today, page_size=page_size, directory_urls=str(directory_urls).lower()
        )
    )
    for front in fronts:
        folder = "postmortems" if front["type"] == "postmortem" else "premortems"
        path = root / "content" / folder / str(front["date"].year) / f"{front['id'].lower()}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n\n"
        path.write_text(text + body, encoding="utf-8")
    return root


def pagefind_records(site: Path) -> dict[str, dict[str, Any]]:
    """What Pagefind indexed of a built site: url -> {content, filters, meta ...}.

    Pagefind writes each indexed page as a gzipped fragment, `pagefind_dcd` + JSON.
    """
    import gzip
    import json

    out = {}
    # The index's parts (kb-parts.json) each have their own fragments.
    for path in sorted((site / "pagefind").glob("**/fragment/*")):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd"), path
        record = json.loads(data[len(b"pagefind_dcd") :])
        out[record["url"]] = record
    return out
