"""`kb import`: bring existing Markdown postmortems in as drafts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kb.cli.base import EXIT_OK, EXIT_PROBLEMS, Context, cli, pass_ctx
from kb.cli.output import echo
from kb.errors import UsageError

if TYPE_CHECKING:
    from kb.importing import ImportReport, Outcome
    from kb.importing.run import Status

_NOTE_ORDER = (
    "title",
    "date",
    "timeline",
    "summary",
    "action_items",
    "categories",
    "trigger",
    "severity",
    "links",
    "left empty",
    "note",
)


def _front_matter(text: str) -> list[str]:
    lines = text.split("\n")
    end = lines.index("---", 1)
    return lines[: end + 1]


def _failure(outcome: Outcome) -> str:
    """`path:line: why`, as kb validate says it (line 1 when no line is at fault)."""
    return f"{outcome.source}:{outcome.line or 1}: {outcome.reason}"


def _show(outcome: Outcome, dry_run: bool) -> None:
    if outcome.status == "failed":
        echo(_failure(outcome), err=True)
        return
    if outcome.status == "skipped":
        echo(f"skipped {outcome.source}: {outcome.reason}")
        return
    verb = "would write" if dry_run else "wrote"
    echo(f"{outcome.doc_id} {verb} {outcome.target}  <-  {outcome.source}")
    for key in _NOTE_ORDER:
        if outcome.notes.get(key):
            label = key.replace("_", " ")
            echo(f"  {label + ':':<14}{outcome.notes[key]}")
    if dry_run and outcome.text is not None:
        for line in _front_matter(outcome.text):
            echo(f"    | {line}")


def _totals(report: ImportReport) -> str:
    done: Status = "would import" if report.dry_run else "imported"
    text = (
        f"{len(report.outcomes)} source(s): {report.count(done)} {done}, "
        f"{report.count('skipped')} skipped, {len(report.failed)} failed"
    )
    rates = report.fill_rates()
    if rates["title"][1]:
        parts = []
        for name, (filled, total) in rates.items():
            label = name.replace("_", " ")
            suffix = " with a timeline section" if name == "timeline" else ""
            parts.append(f"{label} {filled}/{total}{suffix}")
        text += "\nfilled in from the text: " + ", ".join(parts)
    return text


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--into",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the drafts, inside the content folder. "
    "Default: content/postmortems/YYYY/ by the incident's year.",
)
@click.option("--dry-run", is_flag=True, help="Write nothing; show what would be written.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option(
    "--timezone",
    "timezone",
    default="UTC",
    show_default=True,
    help="Zone of timeline times when a report names none: UTC, +02:00, CET or Europe/Oslo.",
)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), hidden=True)
@pass_ctx
def import_(
    ctx: Context,
    paths: tuple[Path, ...],
    into: Path | None,
    dry_run: bool,
    fmt: str,
    timezone: str,
    today: object,
) -> int:
    """Turn plain Markdown postmortems (files or folders) into kb drafts.

    Each report becomes a postmortem with status: draft and a fresh id, its text
    kept below new front-matter. Title, date, timeline, summary and action items
    are read from the text where it supports them; categories and trigger are
    suggested from the taxonomy's keywords. A report that was already imported
    (same path and content) is skipped; nothing is overwritten.

    Exit code 0 when every source was imported or skipped, 1 when any failed.
    """
    import datetime as dt

    from kb.importing import Importer, user_zone
    from kb.taxonomy import load_taxonomy

    try:
        zone = user_zone(timezone)
    except ValueError as err:
        raise UsageError(f"--timezone: {err}") from None
    settings = ctx.settings
    day = today.date() if isinstance(today, dt.datetime) else None
    importer = Importer(
        settings,
        load_taxonomy(settings.taxonomy_path),
        zone=zone,
        into=into,
        dry_run=dry_run,
        today=day,
    )
    report = importer.run(paths)
    if not report.outcomes:
        names = ", ".join(str(p) for p in paths)
        raise UsageError(f"no Markdown files in {names} (looked for *.md, *.markdown and similar)")
    if fmt == "json":
        payload = {
            "dry_run": dry_run,
            "sources": [o.as_dict() for o in report.outcomes],
            "filled": {k: {"filled": f, "of": t} for k, (f, t) in report.fill_rates().items()},
        }
        echo(json.dumps(payload, indent=2))
        for outcome in report.failed:
            echo(_failure(outcome), err=True)
    else:
        for outcome in report.outcomes:
            _show(outcome, dry_run)
        echo(_totals(report), err=True)
    return EXIT_PROBLEMS if report.failed else EXIT_OK
