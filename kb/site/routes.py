"""Where every page of the site lives (paths relative to the docs folder).

Generated pages sit in their own folders (categories/, services/, tags/,
timeline/, actions/, trends/, premortems/index.md) next to the authors'
documents. Long listings are split into pages of `page_size` rows:
`<folder>/index.md`, `<folder>/page-2.md`, ...
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from kb.text import slugify

HOME = "index.md"
TIMELINE = "timeline/index.md"
PREMORTEMS = "premortems/index.md"
CATEGORIES = "categories/index.md"
SERVICES = "services/index.md"
TAGS = "tags/index.md"
ACTIONS = "actions/index.md"
TRENDS = "trends/index.md"
WEEK = "week/index.md"
FEED = "feeds/postmortems.xml"


def category_feed(slug: str) -> str:
    """The Atom feed of one category's published postmortems."""
    return f"feeds/categories/{slug}.xml"


# The names of a listing's later pages (page-2.md, page-3.md ...). A service or tag folder
# with such a name would collide with them when mkdocs gives pages folder URLs
# (services/page-2.md and services/page-2/index.md both become services/page-2/).
_PAGE_NAME = re.compile(r"page-[0-9]+")


def page_uris(folder: str, count: int) -> list[str]:
    """The pages of a listing split `count` ways: folder/index.md, folder/page-2.md, ..."""
    return [f"{folder}/index.md"] + [f"{folder}/page-{n}.md" for n in range(2, count + 1)]


def unique_slugs(names: Iterable[str]) -> dict[str, str]:
    """A file-name slug for each free-text name, distinct even when two names slug alike.

    A slug that is taken, or is the name of a listing's page (`page-2` ...), gets the
    suffix `--2`, `--3` ... of its base. `slugify` never makes `--`, so a suffixed slug
    can meet neither a plain slug nor a page name, nor another base's suffixed slug:
    one counter per base is enough, with no search that could run on.
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    suffixes: dict[str, int] = {}  # base -> last suffix given
    for name in sorted(set(names)):
        base = slugify(name) or "x-" + hashlib.sha1(name.encode()).hexdigest()[:8]
        slug = base
        if slug in taken or _PAGE_NAME.fullmatch(slug):
            suffixes[base] = suffixes.get(base, 1) + 1
            slug = f"{base}--{suffixes[base]}"
        taken.add(slug)
        out[name] = slug
    return out


class Routes:
    """Page locations for services, tags and categories of one knowledge base."""

    def __init__(self, services: Iterable[str], tags: Iterable[str], home: str = HOME) -> None:
        self.home = home
        self._services = unique_slugs(services)
        self._tags = unique_slugs(tags)

    def category_folder(self, slug: str) -> str:
        """Folder of a category's pages."""
        return f"categories/{slug}"

    def service_folder(self, name: str) -> str:
        """Folder of a service's pages."""
        return f"services/{self._services[name]}"

    def tag_folder(self, name: str) -> str:
        """Folder of a tag's pages."""
        return f"tags/{self._tags[name]}"

    def category(self, slug: str) -> str:
        """First page of a category."""
        return self.category_folder(slug) + "/index.md"

    def service(self, name: str) -> str:
        """First page of a service."""
        return self.service_folder(name) + "/index.md"

    def tag(self, name: str) -> str:
        """First page of a tag."""
        return self.tag_folder(name) + "/index.md"

    @staticmethod
    def year(year: int) -> str:
        """Folder of one year of the timeline."""
        return f"timeline/{year}"
