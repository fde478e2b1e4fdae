"""Where every page of the site lives (paths relative to the docs folder).

Generated pages sit in their own folders (categories/, services/, tags/,
timeline/, actions/, trends/, premortems/index.md) next to the authors'
documents. Long listings are split into pages of `page_size` rows:
`<folder>/index.md`, `<folder>/page-2.md`, ...
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from kb.authoring import slugify

HOME = "index.md"
TIMELINE = "timeline/index.md"
PREMORTEMS = "premortems/index.md"
CATEGORIES = "categories/index.md"
SERVICES = "services/index.md"
TAGS = "tags/index.md"
ACTIONS = "actions/index.md"
TRENDS = "trends/index.md"


def page_uris(folder: str, count: int) -> list[str]:
    """The pages of a listing split `count` ways: folder/index.md, folder/page-2.md, ..."""
    return [f"{folder}/index.md"] + [f"{folder}/page-{n}.md" for n in range(2, count + 1)]


def unique_slugs(names: Iterable[str]) -> dict[str, str]:
    """A file-name slug for each free-text name, distinct even when two names slug alike."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(set(names)):
        base = slugify(name) or "x-" + hashlib.sha1(name.encode()).hexdigest()[:8]
        slug, n = base, 2
        while slug in taken or slug.startswith("page-"):
            slug, n = f"{base}-{n}", n + 1
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
