"""Closing the learning loop: repeats, digest, export."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING

import click

from kb.cli.base import EXIT_OK, EXIT_PROBLEMS, Context, cli, pass_ctx
from kb.cli.output import echo
from kb.errors import UsageError

if TYPE_CHECKING:
    from kb.knowledge import KnowledgeBase

DAY = click.DateTime(["%Y-%m-%d"])
FORMATS = click.Choice(["text", "json", "markdown"])


def _load(ctx: Context, today: date | None = None) -> KnowledgeBase:
    """The knowledge base; documents with errors are named on stderr and left out."""
    from kb.knowledge import load_knowledge_base

    kb = load_knowledge_base(ctx.settings, today=today)
    for problem in kb.errors:
        echo(f"{problem} (left out)", err=True)
    return kb


def _done(kb: KnowledgeBase, failed: bool = False) -> int:
    if kb.errors:
        files = len({p.path for p in kb.errors})
        echo(f"kb: {files} document(s) with errors were left out; `kb validate` explains", err=True)
        return EXIT_PROBLEMS
    return EXIT_PROBLEMS if failed else EXIT_OK


def _show(text: str) -> None:
    """Print a rendered block (it ends with a newline; nothing at all when empty)."""
    if text:
        echo(text.removesuffix("\n"))


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


# ---------------------------------------------------------------- repeats


@cli.command("repeats")
@click.option(
    "--since", type=DAY, help="Only repeats whose later incident started on or after this day."
)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@pass_ctx
def repeats_command(ctx: Context, since: datetime | None, fmt: str) -> int:
    """List incidents that repeat an earlier one whose prevent items were still undone.

    Similar: the same failing service (the first in `services`) and a shared category or
    trigger, or a `related` link. Newest first, with the unkept items as evidence.
    """
    from kb.loop.render import repeats_markdown, repeats_text
    from kb.loop.repeats import find_repeats
    from kb.models import Postmortem

    kb = _load(ctx)
    pms = [d.meta for d in kb.documents if isinstance(d.meta, Postmortem)]
    found = find_repeats(pms, since=_day(since))
    if fmt == "json":
        echo(json.dumps([r.as_dict() for r in found], indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        _show(repeats_markdown(found))
    else:
        _show(repeats_text(found))
    return _done(kb)


# ---------------------------------------------------------------- digest


def _sections(value: str | None) -> list[str]:
    from kb.loop.digest import SECTIONS

    names = [n.strip() for n in (value or "").split(",") if n.strip()]
    wrong = [n for n in names if n not in SECTIONS]
    if wrong:
        raise UsageError(
            f"--fail-on: unknown section(s) {', '.join(wrong)}; choose from {', '.join(SECTIONS)}"
        )
    return names


@cli.command("digest")
@click.option("--as-of", "as_of", type=DAY, help="The day to report for (default: today).")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--owner", help="Only what this person owns or wrote.")
@click.option("--team", help="Only what belongs to this team's incidents.")
@click.option(
    "--stale-days",
    type=click.IntRange(min=0),
    help="Drafts and in-review postmortems older than this (days since the incident) are "
    "stale. Default: the kb plugin's stale_days option in mkdocs.yml, else 7.",
)
@click.option(
    "--due-days",
    type=click.IntRange(min=0),
    default=14,
    show_default=True,
    help="Show action items due within this many days.",
)
@click.option(
    "--recent-days",
    type=click.IntRange(min=0),
    default=14,
    show_default=True,
    help="Fired tripwires and repeats of incidents that started within this many days.",
)
@click.option(
    "--fail-on",
    "fail_on",
    metavar="SECTIONS",
    help="Exit 1 when any of these sections has entries: overdue, due-soon, stale-drafts, "
    "premortems, risk-reviews, tripwires, repeats (comma-separated).",
)
@pass_ctx
def digest_command(
    ctx: Context,
    as_of: datetime | None,
    fmt: str,
    owner: str | None,
    team: str | None,
    stale_days: int | None,
    due_days: int,
    recent_days: int,
    fail_on: str | None,
) -> int:
    """What needs a human this week: overdue and due action items, stale drafts,
    pre-mortems and risks due for review, fired tripwires and new repeats."""
    from kb.loop.digest import DigestOptions, build_digest
    from kb.loop.render import digest_markdown, digest_text

    names = _sections(fail_on)
    day = _day(as_of) or date.today()
    kb = _load(ctx, today=day)
    stale = stale_days if stale_days is not None else ctx.settings.loop.stale_days
    options = DigestOptions(day, stale, due_days, recent_days, owner, team)
    digest = build_digest(kb.documents, options)
    if fmt == "json":
        echo(json.dumps(digest.as_dict(), indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        _show(digest_markdown(digest))
    else:
        _show(digest_text(digest))
    counts = digest.counts()
    failing = [n for n in names if counts[n]]
    if failing:
        echo(f"kb: --fail-on: {', '.join(f'{n} ({counts[n]})' for n in failing)}", err=True)
    return _done(kb, failed=bool(failing))


# ---------------------------------------------------------------- export


@cli.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv", "ndjson"]),
    required=True,
    help="json: one array; ndjson: one object a line; csv: a header row, lists joined by '; '.",
)
@click.option(
    "--type",
    "types",
    type=click.Choice(["postmortem", "premortem"]),
    multiple=True,
    help="Only documents of this type (repeatable).",
)
@click.option("--fields", help="Comma-separated columns, in this order (default: all).")
@click.option(
    "--action-items", is_flag=True, help="One row per action item instead of per document."
)
@click.option("--today", type=DAY, hidden=True)
@pass_ctx
def export_command(
    ctx: Context,
    fmt: str,
    types: tuple[str, ...],
    fields: str | None,
    action_items: bool,
    today: datetime | None,
) -> int:
    """Every document's front-matter and derived values (time to detect, mitigate and
    resolve; open and overdue action items; realised risks) for spreadsheets and BI tools.

    In CSV, a text cell starting with =, +, -, @, a tab or a carriage return gets a
    leading ' so that no spreadsheet runs it as a formula.
    """
    from kb.loop.export import (
        ACTION_ITEM_FIELDS,
        DOCUMENT_FIELDS,
        action_item_rows,
        document_rows,
        to_csv,
        to_json,
        to_ndjson,
        unknown_fields,
    )
    from kb.text import did_you_mean

    columns = [f.strip() for f in (fields or "").split(",") if f.strip()]
    wrong = unknown_fields(columns, action_items)
    if wrong:
        known = list(ACTION_ITEM_FIELDS if action_items else DOCUMENT_FIELDS)
        hints = [h for w in wrong if (h := did_you_mean(w, known))]
        raise UsageError(
            f"--fields: unknown field(s) {', '.join(wrong)}"
            + (f" ({'; '.join(hints)})" if hints else "")
            + f"; the fields are {', '.join(known)}"
        )
    if action_items and types and "postmortem" not in types:
        raise UsageError(
            "--action-items: action items belong to postmortems; drop --type premortem"
        )
    day = _day(today) or date.today()
    kb = _load(ctx, today=day)
    if action_items:
        header, rows = action_item_rows(kb.documents, day, fields=columns)
    else:
        header, rows = document_rows(kb.documents, day, types=types, fields=columns)
    if fmt == "csv":
        _show(to_csv(header, rows))
    elif fmt == "ndjson":
        _show(to_ndjson(rows))
    else:
        _show(to_json(rows))
    return _done(kb)
