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
    from kb.search.expand import Expansion
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


# Like grep: a search that finds nothing exits 1 (its JSON is still printed).
EXIT_NOTHING = EXIT_PROBLEMS


def _json(
    query: str,
    total: int,
    rows: list[dict[str, Any]],
    concepts: list[dict[str, Any]],
    suggestions: list[str],
    notes: list[str],
) -> str:
    """The one JSON shape of `kb search` and `kb similar` (the query of similar is the id)."""
    out = {
        "query": query,
        "total": total,
        "results": rows,
        "concepts": concepts,
        "suggestions": suggestions,
        "notes": notes,
    }
    return json.dumps(out, indent=2)


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
    if hit.inferred:
        facts.append("inferred: " + ", ".join(hit.inferred))
    return " · ".join(f for f in facts if f)


def _concepts(concepts: list[Expansion]) -> str:
    """'capacity (out of memory), expiry (lapsed)': what a search expanded to."""
    return ", ".join(f"{c.slug} ({', '.join(c.words)})" for c in concepts)


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
@click.option(
    "--about",
    "about",
    multiple=True,
    shell_complete=complete.categories,
    help="Category slug, labelled or inferred from the text (repeatable: any of).",
)
@click.option("--since", help="Only documents dated on or after: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--until", help="Only documents dated on or before: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option(
    "--exact",
    is_flag=True,
    help="Search the words only: no expansion to the taxonomy concepts they name.",
)
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
    about: tuple[str, ...],
    since: str | None,
    until: str | None,
    limit: int,
    exact: bool,
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

    A query that names a failure class (a category, trigger, detection or impact
    of the taxonomy, in any of its keywords or synonyms) also finds, ranked below
    the query's own words, documents labelled with it or using its other words;
    --exact turns that off. --category matches the categories authors chose,
    --about also those inferred from the text.

    Filters combine with AND; repeating one (--category a --category b) means either.
    The index is brought up to date first when the content changed.
    Exits 1 when nothing matches, as grep does.
    """
    from kb.search import Filters, SearchIndex

    filters = Filters(
        types=(doc_type,) if doc_type else (),
        categories=categories,
        services=services,
        severities=severities,
        statuses=statuses,
        about=about,
        since=_date("--since", since, end=False),
        until=_date("--until", until, end=True),
    )
    text = " ".join(words)
    settings = ctx.settings
    _refresh(settings)
    with SearchIndex(settings) as index:
        results = index.search(text, filters, limit, exact=exact)
    found = EXIT_OK if results.hits else EXIT_NOTHING
    concepts = [c.as_dict() for c in results.concepts]
    if fmt == "json":
        rows = [h.as_dict(settings.relative(h.path)) for h in results.hits]
        echo(_json(text, results.total, rows, concepts, results.suggestions, results.notes))
        return found
    if results.concepts:
        _say(f"also searched for: {_concepts(results.concepts)} (--exact: the words only)")
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
    return found


# ---------------------------------------------------------------- similar


@cli.command("similar")
@click.argument("doc_id", metavar="ID", shell_complete=complete.document_ids)
@click.option("--limit", type=click.IntRange(min=1), default=5, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@pass_ctx
def similar_command(ctx: Context, doc_id: str, limit: int, fmt: str) -> int:
    """The documents most like ID, and why: what went wrong and how it is told.

    Ranked by the key terms of its title, summary and body, its categories (chosen
    and inferred from the text), trigger and services. Exits 1 when none is alike.
    """
    from kb.search import SearchIndex
    from kb.search.morelike import similar, why

    settings = ctx.settings
    _refresh(settings)
    with SearchIndex(settings) as index:
        found = similar(index, doc_id, limit)
        shown = []
        for other, score in found:
            hit = index.get(other)
            if hit is not None:
                hit.score = score
                shown.append((hit, why(index, doc_id, other)))
    code = EXIT_OK if shown else EXIT_NOTHING
    notes = [] if shown else [f"no document shares key terms with {doc_id}"]
    if fmt == "json":
        rows = []
        for hit, reasons in shown:
            row = hit.as_dict(settings.relative(hit.path))
            row["why"] = reasons.as_dict()
            rows.append(row)
        echo(_json(doc_id, len(rows), rows, [], [], notes))
        return code
    for number, (hit, reasons) in enumerate(shown):
        if number:
            echo()
        _show(settings, hit)
        echo("  why: " + "; ".join(reasons.reasons()))
    for note in notes:
        _say(note)
    return code
