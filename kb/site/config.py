"""Options of the `kb` mkdocs plugin (the `kb:` entry under `plugins:` in mkdocs.yml)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c

from kb.safety import RAW_HTML_CHOICES


class _AtLeast(c.Type[int]):
    """An integer option with a lower bound."""

    def __init__(self, minimum: int, default: int) -> None:
        super().__init__(int, default=default)
        self.minimum = minimum

    def run_validation(self, value: object) -> int:
        number = super().run_validation(value)
        if number < self.minimum:
            raise base.ValidationError(f"must be at least {self.minimum}, got {number}")
        return number


class _Day(c.OptionallyRequired[dt.date]):
    """A date written as YYYY-MM-DD."""

    def run_validation(self, value: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise base.ValidationError(f"expected a date like 2025-06-30, got {value!r}") from None


class KbConfig(base.Config):  # type: ignore[no-untyped-call]
    """The plugin's options; `taxonomy` and `index_dir` are shared with the kb command line."""

    taxonomy = c.Type(str, default="taxonomy.yml")  # relative to mkdocs.yml
    index_dir = c.Type(str, default=".kb/index")  # used by `kb search`; accepted here
    page_size = _AtLeast(10, default=100)  # rows per page of a long listing
    similar_limit = _AtLeast(0, default=5)  # similar incidents shown per postmortem
    today = c.Optional(_Day())  # build as if on this day (reproducible sites); default: today
    # Parsed front-matter, drawn charts and the similar-incident ranking, kept for the next
    # build (kb.site.cache); relative to mkdocs.yml. `cache: false` (or `kb build --no-cache`) computes everything.
    # The learning loop (kb.loop): a recurring failure is recurring_count incidents in one
    # category and service within recurring_months; drafts are stale after stale_days.
    recurring_count = _AtLeast(2, default=3)
    recurring_months = _AtLeast(1, default=12)
    stale_days = _AtLeast(0, default=7)
    # The site's numbers (home, trends, foresight, categories, services, recurring failures,
    # early warning) count published postmortems; true counts in-review ones too.
    count_in_review = c.Type(bool, default=False)
    cache = c.Type(bool, default=True)
    cache_dir = c.Type(str, default=".kb/cache")
    # Raw HTML in the pages authors write (kb.safety): `sanitize` keeps ordinary markup and
    # drops anything that runs script; `escape` shows every tag as text; `allow` trusts it.
    raw_html = c.Choice(RAW_HTML_CHOICES, default="sanitize")
    # The site's search (kb.site.pagefind): a Pagefind index of the built pages and a search
    # box in the header. `false` leaves search to whoever else provides it (Material's
    # `search` plugin, which downloads the whole index: fine for small sites).
    pagefind = c.Type(bool, default=True)


def internet_fetches(config: Any) -> list[str]:
    """What a validated mkdocs config makes every page load from the internet, in words."""
    out = []
    theme = config.get("theme")
    if theme is not None and getattr(theme, "name", None) == "material":
        font = theme.get("font")
        if font is not False:
            out.append(
                "theme.font is not false, so Material loads Google Fonts from "
                "fonts.googleapis.com on every page (set `font: false` under `theme:` "
                "to keep the site offline and private)"
            )
    for key in ("extra_css", "extra_javascript"):
        for item in config.get(key) or []:
            url = str(getattr(item, "path", item))
            if url.startswith(("http://", "https://", "//")):
                out.append(f"{key} loads {url} from the internet")
    return out
