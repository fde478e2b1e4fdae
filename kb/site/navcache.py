"""Render Material's navigation sidebar once per folder for pages the nav does not list.

Every page embeds the site navigation (Material's `partials/nav.html`), and
rendering it is about a quarter of the theme's time per page. kb's bounded nav
lists index pages, never the documents. For a page that is not in the nav,
nothing in that partial depends on the page except the folder its URL is in
(relative links): no item is active, none is the page itself, and no table of
contents is folded into it. So the documents of one folder (postmortems/2025/
...) all get the same sidebar markup, and `share_nav` renders it once per
folder and reuses the text.

Only Material's own templates, in the versions this was checked against
(`VERIFIED`: the tests build every page both ways and compare them byte for
byte), are trusted with this: with another Material, a theme override of the
nav partials (custom_dir), or an active nav item (the nav lists the page being
rendered), the partial renders as usual. The reuse goes through Jinja's
documented compiled-template attribute `root_render_func`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

NAV_TEMPLATE = "partials/nav.html"
# The templates that produce the nav partial's output; all must be Material's own.
_NAV_PARTS = (NAV_TEMPLATE, "partials/nav-item.html", "partials/logo.html", "partials/source.html")
# The Material releases whose nav partials were checked (inclusive bounds).
VERIFIED = ((9, 5, 0), (9, 8, 2))
MAX_FOLDERS = 512  # with directory URLs every page is its own folder: stop keeping then

Render = Callable[[Any], Iterator[str]]


def folder_key(url: str) -> str:
    """What relative links from a page at `url` depend on (mkdocs' get_relative_url rule)."""
    head, tail = posixpath.split(url)
    return head if "." in tail else url


class SharedNav:
    """A replacement render function for the nav partial that reuses its output per folder."""

    def __init__(self, original: Render, nav: Any) -> None:
        self.original = original
        self._items = list(_walk(nav.items))
        self._text: dict[str, str] = {}
        self.reused = 0

    def __call__(self, context: Any) -> Iterator[str]:
        key = self._key(context.get("page"))
        if key is None:
            yield from self.original(context)
            return
        text = self._text.get(key)
        if text is None:
            text = "".join(self.original(context))
            if len(self._text) < MAX_FOLDERS:
                self._text[key] = text
        else:
            self.reused += 1
        yield text

    def _key(self, page: Any) -> str | None:
        # A page the nav lists is active while it renders, and so are its sections.
        url = getattr(page, "url", None)
        if not isinstance(url, str) or any(item.active for item in self._items):
            return None
        return folder_key(url)


def _walk(items: list[Any]) -> Iterator[Any]:
    for item in items:
        yield item
        yield from _walk(getattr(item, "children", None) or [])


def material_version() -> tuple[int, ...] | None:
    """The installed Material's version as numbers, or None when it is not installed."""
    try:
        text = version("mkdocs-material")
    except PackageNotFoundError:
        return None
    return tuple(int(part) for part in re.findall(r"[0-9]+", text)[:3])


def share_nav(env: Any, nav: Any) -> SharedNav | None:
    """Make the environment's nav partial reuse its output per folder; None if not safe."""
    found = material_version()
    if found is None or not VERIFIED[0] <= found <= VERIFIED[1]:
        return None  # a Material nobody checked: render the nav as Material does
    try:
        templates = [env.get_template(name) for name in _NAV_PARTS]
    except Exception:  # a theme without these partials: nothing to share
        return None
    if not all(_is_material(t.filename) for t in templates):
        return None
    template = templates[0]
    original = getattr(template, "_kb_original", None) or template.root_render_func
    shared = SharedNav(original, nav)
    template._kb_original = original
    template.root_render_func = shared
    return shared


def _is_material(filename: str | None) -> bool:
    if not filename:
        return False
    try:
        import material
    except ImportError:
        return False
    root = Path(material.__file__).resolve().parent / "templates"
    return root in Path(filename).resolve().parents
