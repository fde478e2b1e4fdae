"""`kb init`: start a knowledge base in a folder."""

from __future__ import annotations

from pathlib import Path

import click

from kb.cli.base import EXIT_OK, cli
from kb.cli.output import echo


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@cli.command()
@click.argument(
    "folder", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--name", help="The site's name. Default: from the folder's name.")
@click.option(
    "--ci",
    type=click.Choice(["github", "gitlab"]),
    help="Also write a CI workflow: validate on every pull request, publish the site on main.",
)
def init(folder: Path, name: str | None, ci: str | None) -> int:
    """Start a knowledge base in FOLDER (default: here): mkdocs.yml, taxonomy.yml, content/.

    Never overwrites a file; refuses a folder that already has an mkdocs.yml.
    """
    from kb.init import init as write

    result = write(folder, name=name, ci=ci)
    for path in result.written:
        echo(f"wrote {_shown(path)}")
    for path, reason in result.kept:
        echo(f"kept  {_shown(path)}: {reason}")
    where = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
    echo(
        f"Next: {where}kb new postmortem --title '...' --date YYYY-MM-DD && kb build "
        "(kb serve previews the site as you write)",
        err=True,
    )
    return EXIT_OK
