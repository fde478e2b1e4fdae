"""The one exception tree of kb.

    KbError                      root; every error kb raises on purpose
    +-- ConfigError              mkdocs.yml / kb settings cannot be read
    +-- TaxonomyError            taxonomy.yml is malformed
    +-- ContentError             documents have problems (carries the list)
    +-- UsageError               the user asked for something impossible
    +-- AuthoringError           `kb new` / `kb import` cannot write a document
    |   +-- SourceError          `kb import`: one source cannot be read as a report
    +-- SearchError              the index cannot be built or read
    |   +-- QueryError           a malformed search query
    +-- SiteError                the site cannot be built

The CLI and the mkdocs plugin translate these for people; library code never
prints or exits. This module imports nothing else from kb.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class KbError(Exception):
    """Root of every error kb raises on purpose."""


class ConfigError(KbError):
    """Settings (mkdocs.yml, kb plugin options) cannot be read."""


class TaxonomyError(KbError):
    """The taxonomy file is malformed."""


class UsageError(KbError):
    """The user asked for something that cannot be done (exit code 2)."""


class AuthoringError(KbError):
    """A new or imported document cannot be written."""


class SearchError(KbError):
    """The search index cannot be built or read."""


class QueryError(SearchError):
    """A search query is malformed."""


class SiteError(KbError):
    """The static site cannot be built."""


class ContentError(KbError):
    """One or more documents have problems; `problems` lists every one."""

    def __init__(self, problems: Sequence[Any]) -> None:
        self.problems = list(problems)
        first = "\n".join(str(p) for p in self.problems[:20])
        more = len(self.problems) - 20
        super().__init__(first + (f"\n... and {more} more" if more > 0 else ""))


class SourceError(AuthoringError):
    """One source given to `kb import` cannot be read as a report (path:line: reason)."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")
