"""Search commands: index, search, similar.

whoosh (through kb.search) is imported inside each command, so `kb --help`
and `kb validate` never load it.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from kb.cli import complete
from kb.cli.base import EXIT_OK, EXIT_PROBLEMS, Context, cli, pass_ctx
from kb.cli.output import Styled, echo, styled
from kb.errors import QueryError

if TYPE_CHECKING:
    from kb.config import Settings
    from kb.search import Hit, IndexReport
    from kb.search.snippets import Snippet

BAR_MIN = 100  # files; smaller updates finish before a bar would be worth drawing


class _Bar:
    """A progress callback that draws a bar on a terminal and stays silent otherwise."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._done = 0
        self._on = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self._on or total < BAR_MIN:
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="Indexing", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        """Finish the bar, if one was drawn."""
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _say(message: str) -> None:
    echo(f"kb: {message}", err=True)


def _summary(report: IndexReport) -> str:
    parts = [
        f"{n} {what}"
        for n, what in (
            (report.added, "added"),
            (report.updated, "updated"),
            (report.removed, "removed"),
        )
        if n
    ]
    what = ", ".join(parts) or "no changes"
    how = f"; full build: {report.rebuilt}" if report.rebuilt else ""
    return f"{report.documents} documents in the index ({what}{how}) in {report.seconds:.2f} s"


def _refresh(settings: Settings) -> None:
    """Bring the index up to date before reading it, saying so on stderr."""
    from kb.search import ensure_fresh

    bar = _Bar()
    try:
        report = ensure_fresh(
            settings,
            progress=bar,
            on_wait=_say,
            on_stale=lambda reason: _say(f"updating the search index: {reason}"),
        )
    finally:
        bar.close()
    if report is not None:
        for problem in report.problems:
            echo(f"{problem} (left out of the index)", err=True)
        _say(_summary(report))


# ---------------------------------------------------------------- index


@cli.command("index")
@click.option("--rebuild", is_flag=True, help="Throw the index away and build it again.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Seconds to wait for another kb process that is writing the index.",
)
@pass_ctx
def index_command(ctx: Context, rebuild: bool, wait: float) -> int:
    """Build or update the search index (only files that changed are read again).

    The index lives in .kb/index by default (the kb plugin's `index_dir` option).
    Documents with errors are left out and listed; run `kb validate` for details.
    """
    from kb.search import update_index

    bar = _Bar()
    try:
        report = update_index(
            ctx.settings, rebuild=rebuild, progress=bar, timeout=wait, on_wait=_say
        )
    finally:
        bar.close()
    for problem in report.skipped:
        echo(f"{problem} (left out of the index)", err=True)
    echo(_summary(report))
    if report.skipped:
        files = len({p.path for p in report.skipped})
        _say(f"{files} document(s) with errors are not searchable; `kb validate` explains")
        return EXIT_PROBLEMS  # the index holds every other document
    return EXIT_OK


# ---------------------------------------------------------------- search


def _date(option: str, value: str | None, *, end: bool) -> Any:
    from kb.search import parse_date

    if value is None:
        return None
    parsed = parse_date(value, end=end)
    if parsed is None:
        raise QueryError(f"{option}: bad date '{value}': write YYYY, YYYY-MM or YYYY-MM-DD")
    return parsed


def _snippet(snippet: Snippet) -> list[str | Styled]:
    """The snippet's text with its matched spans highlighted (cleaned, then styled)."""
    parts: list[str | Styled] = []
    last = 0
    for start, end in snippet.spans:
        parts.append(snippet.text[last:start])
        parts.append(styled(snippet.text[start:end], bold=True, fg="yellow"))
        last = end
    parts.append(snippet.text[last:])
    return parts


def _head(hit: Hit) -> str:
    facts = [
        hit.date.isoformat(),
        hit.severity or ("pre-mortem" if hit.type == "premortem" else ""),
    ]
    if hit.categories:
        facts.append(", ".join(hit.categories))
    return " · ".join(f for f in facts if f)


def _show(settings: Settings, hit: Hit, score: bool = True) -> None:
    where = settings.relative(hit.path)
    if hit.snippet and hit.snippet.line:
        where += f":{hit.snippet.line}"
    echo(styled(hit.id, bold=True), f"  {hit.title}")
    echo(f"  {_head(hit)}" + (f" · score {hit.score:.2f}" if score else ""))
    echo(f"  {where}")
    if hit.snippet and hit.snippet.text:
        echo("  ", *_snippet(hit.snippet))


@cli.command("search")
@click.argument("words", nargs=-1, required=True)
@click.option("--type", "doc_type", type=click.Choice(["postmortem", "premortem"]))
@click.option(
    "--category",
    "categories",
    multiple=True,
    shell_complete=complete.categories,
    help="Category slug (repeatable: any of).",
)
@click.option("--service", "services", multiple=True, help="Service (repeatable: any of).")
@click.option(
    "--severity",
    "severities",
    multiple=True,
    shell_complete=complete.severities,
    help="Severity, e.g. SEV1 (repeatable).",
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    shell_complete=complete.statuses,
    help="Status, e.g. published (repeatable).",
)
@click.option("--since", help="Only documents dated on or after: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--until", help="Only documents dated on or before: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_ctx
def search_command(
    ctx: Context,
    words: tuple[str, ...],
    doc_type: str | None,
    categories: tuple[str, ...],
    services: tuple[str, ...],
    severities: tuple[str, ...],
    statuses: tuple[str, ...],
    since: str | None,
    until: str | None,
    limit: int,
    fmt: str,
) -> int:
    """Search postmortems and pre-mortems; '*' lists every document, newest first.

    \b
    Query syntax:
      connection pool          both words (stemmed: 'exhausted' finds 'exhaustion')
      "connection pool"        the phrase
      timeout OR deadlock      either word; also AND, NOT and (brackets)
      failov*                  words starting with 'failov'
      service:checkout         a field: id type title summary body category
                               trigger service team tag severity status
                               detection date author action risk
      date:2025-03  date:[2025-01 to 2025-06]  date:>2024-12-31

    Filters combine with AND; repeating one (--category a --category b) means either.
    The index is brought up to date first when the content changed.
    """
    from kb.search import Filters, SearchIndex

    filters = Filters(
        types=(doc_type,) if doc_type else (),
        categories=categories,
        services=services,
        severities=severities,
        statuses=statuses,
        since=_date("--since", since, end=False),
        until=_date("--until", until, end=True),
    )
    text = " ".join(words)
    settings = ctx.settings
    _refresh(settings)
    with SearchIndex(settings) as index:
        results = index.search(text, filters, limit)
    if fmt == "json":
        out = {
            "query": text,
            "total": results.total,
            "results": [h.as_dict(settings.relative(h.path)) for h in results.hits],
            "suggestions": results.suggestions,
            "notes": results.notes,
        }
        echo(json.dumps(out, indent=2))
        return EXIT_OK
    for number, hit in enumerate(results.hits):
        if number:
            echo()
        _show(settings, hit)
    if not results.hits:
        _say(f"no documents match {text!r}")
        for suggestion in results.suggestions:
            _say(f"did you mean: {suggestion}")
        for note in results.notes:
            _say(note)
    else:
        if results.total > len(results.hits):
            _say(f"showing {len(results.hits)} of {results.total} matches (--limit for more)")
        for suggestion in results.suggestions:
            _say(f"some words are not in any document; did you mean: {suggestion}")
    return EXIT_OK


# ---------------------------------------------------------------- similar


@cli.command("similar")
@click.argument("doc_id", metavar="ID", shell_complete=complete.document_ids)
@click.option("--limit", type=click.IntRange(min=1), default=5, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_ctx
def similar_command(ctx: Context, doc_id: str, limit: int, fmt: str) -> int:
    """The documents most like ID (key terms of its title, summary, body and categories)."""
    from kb.search import SearchIndex, similar

    settings = ctx.settings
    _refresh(settings)
    with SearchIndex(settings) as index:
        found = similar(index, doc_id, limit)
        hits = [index.get(other) for other, _ in found]
    shown = [(h, score) for h, (_, score) in zip(hits, found, strict=True) if h is not None]
    if fmt == "json":
        rows = []
        for hit, score in shown:
            hit.score = score
            rows.append(hit.as_dict(settings.relative(hit.path)))
        echo(json.dumps({"id": doc_id, "similar": rows}, indent=2))
        return EXIT_OK
    for number, (hit, score) in enumerate(shown):
        if number:
            echo()
        hit.score = score
        _show(settings, hit)
    if not shown:
        _say(f"no document shares key terms with {doc_id}")
    return EXIT_OK
