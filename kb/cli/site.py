"""Site commands: build (validate, then a strict build swapped into place) and serve."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from kb.cli.base import EXIT_OK, EXIT_PROBLEMS, Context, cli, pass_ctx
from kb.cli.output import echo


class _Echo(logging.Handler):
    """Shows mkdocs' log records the way mkdocs' own command line does."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        echo(self.format(record), err=True)


@contextmanager
def mkdocs_logs(level: int) -> Iterator[None]:
    """Print mkdocs' messages at `level` and above while the block runs."""
    logger = logging.getLogger("mkdocs")
    handler = _Echo(level)
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def _checked(checked: int, errors: int, warnings: int) -> str:
    note = " (kb validate lists them)" if warnings else ""
    return f"{checked} documents checked: {errors} error(s), {warnings} warning(s){note}"


def _kib(size: int) -> str:
    return f"{size / 1024:,.0f} KB" if size < 10 * 1024 * 1024 else f"{size / 1024 / 1024:,.1f} MB"


@cli.command()
@click.option(
    "-d",
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Build into this folder instead of mkdocs.yml's site_dir.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Parse, draw and rank everything afresh; neither read nor write .kb/cache.",
)
@pass_ctx
def build(ctx: Context, site_dir: Path | None, no_cache: bool) -> int:
    """Validate every document, then build the static site.

    Invalid documents are reported as path:line:col like `kb validate` and stop the
    build (exit 1). The build is strict (a broken link fails it) and goes to a
    temporary folder that replaces the site folder only when it succeeded. Parsed
    front-matter, charts and similar incidents computed by an earlier build are reused
    from the cache folder (the plugin's cache_dir, .kb/cache by default) when nothing
    they depend on changed.
    """
    from kb.errors import ContentError
    from kb.init import setup_advice
    from kb.session import BuildSession
    from kb.site.build import build_site

    settings = ctx.settings
    try:
        with (
            BuildSession(None if no_cache else settings.cache_dir) as session,
            mkdocs_logs(logging.WARNING),
        ):
            result = build_site(settings, site_dir, session=session)
    except ContentError as err:
        # The same lines as `kb validate` (errors only: warnings do not stop a build).
        for problem in err.problems:
            echo(str(problem))
        echo(_checked(err.checked, len(err.problems), err.warnings), err=True)
        echo("The site was not built.", err=True)
        return EXIT_PROBLEMS
    echo(_checked(result.checked, 0, result.warnings), err=True)
    for note in result.notes:
        echo(f"kb: {note}", err=True)
    advice = setup_advice(settings.root, settings.content_dir, settings.taxonomy_path)
    if advice is not None:
        echo(f"kb: {advice}", err=True)
    largest, size = result.largest_page
    echo(
        f"Built {result.pages:,} pages into {settings.relative(result.site_dir)} "
        f"in {result.seconds:.1f} s: {_kib(result.total_bytes)} in all, "
        f"largest page {largest} ({_kib(size)}), search index {_kib(result.search_index_bytes)}."
    )
    return EXIT_OK


@cli.command()
@click.option(
    "-a",
    "--dev-addr",
    default="127.0.0.1:8000",
    show_default=True,
    metavar="IP:PORT",
    help="Address to serve the preview on.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in a browser.")
@click.option(
    "--poll",
    is_flag=True,
    help="Find saves by listing the content folder twice a second, as mkdocs does, instead "
    "of by file events (for folders whose events do not arrive: Docker on a Mac, network "
    "mounts).",
)
@pass_ctx
def serve(ctx: Context, dev_addr: str, open_browser: bool, poll: bool) -> int:
    """Serve a live preview of the site that rebuilds whenever a document changes.

    Nothing is written to the site folder. Stop it with Ctrl+C.
    """
    from kb.site.build import serve_site

    with mkdocs_logs(logging.INFO):
        serve_site(ctx.settings, dev_addr, open_browser=open_browser, poll=poll)
    return EXIT_OK
