"""The one exception tree of kb.

    KbError                      root; every error kb raises on purpose; optional path, line
    +-- ConfigError              mkdocs.yml / kb settings cannot be read
    +-- TaxonomyError            taxonomy.yml is malformed
    +-- YamlError                a front-matter is not valid YAML (line and column)
    +-- ContentError             documents have problems (carries every one)
    +-- UsageError               the user asked for something impossible
    +-- AuthoringError           `kb new` / `kb import` cannot write a document
    |   +-- SourceError          `kb import`: one source cannot be read as a report
    +-- SearchError              the index cannot be built or read
    |   +-- QueryError           a malformed search query
    +-- SiteError                the site cannot be built
    +-- WorkerError              the helper process failed or was lost

An error that is about one place in one file says so in `path` and `line`, and
its str() reads `path:line: message`, as kb's messages always do. The CLI and
the mkdocs plugin translate these for people; library code never prints or
exits. This module imports nothing else from kb at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.problems import Problem


class KbError(Exception):
    """Root of every error kb raises on purpose; `path` and `line` when it is about one place."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        where = f"{path}:{line}: " if path and line else f"{path}: " if path else ""
        super().__init__(where + message)

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross from the helper process to the build: rebuild them from their
        # state, whatever their constructor takes.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(kind: type[KbError], args: tuple[object, ...], state: dict[str, object]) -> KbError:
    error = kind.__new__(kind)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ConfigError(KbError):
    """Settings (mkdocs.yml, kb plugin options) cannot be read."""


class TaxonomyError(KbError):
    """The taxonomy file is malformed."""


class YamlError(KbError):
    """A front-matter is not valid YAML (or uses a refused tag); `line` is 1-based in the file."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message, line=line)
        self.column = column


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


class WorkerError(KbError):
    """The helper process failed, or its result could not be read."""


class ContentError(KbError):
    """Documents have errors: `problems` lists every one; `checked` documents were read
    and `warnings` more problems only fail a strict check."""

    def __init__(self, problems: Sequence[Problem], *, checked: int = 0, warnings: int = 0) -> None:
        self.problems = list(problems)
        self.checked = checked
        self.warnings = warnings
        first = "\n".join(str(p) for p in self.problems[:20])
        more = len(self.problems) - 20
        super().__init__(first + (f"\n... and {more} more" if more > 0 else ""))


class SourceError(AuthoringError):
    """One source given to `kb import` cannot be read as a report (path:line: reason)."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        super().__init__(message, path=path, line=line)
        self.reason = message
