"""Authoring and checking commands: validate, new, schema."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from kb.cli import complete
from kb.cli.base import EXIT_OK, EXIT_PROBLEMS, Context, cli, pass_ctx
from kb.cli.output import echo
from kb.errors import UsageError

# ---------------------------------------------------------------- validate


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), hidden=True)
@pass_ctx
def validate(ctx: Context, paths: tuple[Path, ...], strict: bool, fmt: str, today: Any) -> int:
    """Check every document (or only PATHS) and report each problem as path:line:col.

    Exit code 0 when clean, 1 when there are errors (or warnings with --strict).
    """
    from kb.knowledge import load_knowledge_base

    kb = load_knowledge_base(
        ctx.settings, only=paths or None, today=today.date() if today else None
    )
    if fmt == "json":
        echo(json.dumps([p.as_dict() for p in kb.problems], indent=2))
    else:
        for problem in kb.problems:
            echo(str(problem))
        errors, warnings = len(kb.errors), len(kb.warnings)
        echo(
            f"{kb.checked} documents checked: {errors} error(s), {warnings} warning(s)",
            err=True,
        )
    if kb.checked == 0:
        where = ", ".join(str(p) for p in paths) or ctx.settings.relative(ctx.settings.content_dir)
        echo(
            f"No postmortems or pre-mortems were found in {where} (a kb document's front-matter "
            "has `type: postmortem` or `type: premortem`)"
            + ("; --strict fails a check that checked nothing." if strict else "."),
            err=True,
        )
    failed = bool(kb.errors) or (strict and (bool(kb.warnings) or kb.checked == 0))
    return EXIT_PROBLEMS if failed else EXIT_OK


# ---------------------------------------------------------------- new


def _interactive() -> bool:
    return sys.stdin.isatty()


def _missing_options(doc_type: str, title: str | None, severity: str | None) -> None:
    """Without a terminal nothing can be asked: name every missing option at once."""
    missing = ["--title"] if title is None else []
    if doc_type == "postmortem" and severity is None:
        missing.append("--severity")
    if missing:
        raise UsageError(
            f"missing {' and '.join(missing)} (not running in a terminal, so kb cannot ask "
            "for them)"
        )


def _severity(value: str, taxonomy: Any) -> str:
    """The taxonomy's spelling of a severity given in any case (sev2 -> SEV2)."""
    for known in taxonomy.values("severities"):
        if known.lower() == value.strip().lower():
            return str(known)
    return value  # kb.authoring says what is wrong, with a did-you-mean


def _ask_severity(taxonomy: Any) -> str:
    """Show each severity with its description, then ask (any case accepted)."""
    for level in taxonomy.severities:
        about = " ".join(level.description.split())
        echo(f"  {level.id:<6} {level.title}" + (f": {about}" if about else ""), err=True)
    ids = list(taxonomy.values("severities"))
    answer = click.prompt(
        "Severity",
        type=click.Choice(ids, case_sensitive=False),
        show_choices=False,
        err=True,
    )
    return _severity(str(answer), taxonomy)


@cli.command()
@click.argument("doc_type", metavar="TYPE", type=click.Choice(["postmortem", "premortem"]))
@click.option("--title", help="Title of the document.")
@click.option(
    "--severity",
    shell_complete=complete.severities,
    help="Severity from the taxonomy, e.g. SEV2, in any case (postmortems).",
)
@click.option(
    "--date",
    "when",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Incident date (postmortem) or session date (pre-mortem); names the file. "
    "Asked in a terminal; in a script, today.",
)
@click.option("--service", "services", multiple=True, help="Affected service (repeatable).")
@click.option("--team", "teams", multiple=True, help="Team involved (repeatable).")
@click.option("--author", "authors", multiple=True, help="Author / facilitator (repeatable).")
@click.option("--project", help="Project name (pre-mortems). Default: the title.")
@click.option("--launch-date", type=click.DateTime(["%Y-%m-%d"]), help="Launch date (pre-mortems).")
@click.option(
    "--path",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (inside the content folder) instead of the default location.",
)
@pass_ctx
def new(
    ctx: Context,
    doc_type: str,
    title: str | None,
    severity: str | None,
    when: Any,
    services: tuple[str, ...],
    teams: tuple[str, ...],
    authors: tuple[str, ...],
    project: str | None,
    launch_date: Any,
    out: Path | None,
) -> int:
    """Write a new postmortem or pre-mortem from the template and print its path.

    The next free id for the year is allocated; an existing file is never overwritten.
    """
    from kb.authoring import NewDocument, create, lock_path
    from kb.taxonomy import load_taxonomy

    settings = ctx.settings
    taxonomy = load_taxonomy(settings.taxonomy_path)
    if severity is not None:
        severity = _severity(severity, taxonomy)
    day = when.date() if when else None
    if _interactive():
        if title is None:
            title = click.prompt("Title", err=True)
        if doc_type == "postmortem" and severity is None:
            severity = _ask_severity(taxonomy)
        if day is None:
            asked = "Incident date" if doc_type == "postmortem" else "Date of the session"
            day = click.prompt(
                f"{asked} (YYYY-MM-DD)",
                default=date.today().isoformat(),
                type=click.DateTime(["%Y-%m-%d"]),
                err=True,
            ).date()
    else:
        _missing_options(doc_type, title, severity)
    request = NewDocument(
        type=doc_type,  # type: ignore[arg-type]
        title=str(title).strip(),
        date=day or date.today(),
        severity=severity,
        services=list(services),
        teams=list(teams),
        authors=list(authors),
        project=project,
        launch_date=launch_date.date() if launch_date else None,
    )
    path, doc_id = create(
        settings.content_dir,
        request,
        taxonomy,
        path=out,
        lock=lock_path(settings.root),
        on_wait=lambda message: echo(f"kb: {message}", err=True),
    )
    echo(f"{doc_id}: {settings.relative(path)}", err=True)
    echo(settings.relative(path))
    return EXIT_OK


# ---------------------------------------------------------------- schema


@cli.command()
@click.option("--type", "doc_type", type=click.Choice(["postmortem", "premortem"]))
@pass_ctx
def schema(ctx: Context, doc_type: str | None) -> int:
    """Print the JSON Schema of the front-matter (taxonomy values as enums)."""
    from kb.schema import json_schema
    from kb.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(ctx.settings.taxonomy_path)
    echo(json.dumps(json_schema(taxonomy, doc_type), indent=2))
    return EXIT_OK
