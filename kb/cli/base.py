"""The `kb` group, its shared context, and the translation of errors into exit codes."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import click

from kb.config import Settings, load_settings
from kb.errors import ContentError, KbError, QueryError, UsageError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class Context:
    """Per-invocation state shared by the commands."""

    def __init__(self, root: Path | None) -> None:
        self._root = root
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        """The knowledge base's settings, read once."""
        if self._settings is None:
            self._settings = load_settings(self._root)
        return self._settings


pass_ctx = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="KB_ROOT",
    help="Knowledge base folder (holds mkdocs.yml). Default: found from the current folder up.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(package_name="kb", prog_name="kb")
@click.pass_context
def cli(ctx: click.Context, root: Path | None, debug: bool) -> None:
    """kb: a knowledge base of postmortems and pre-mortems.

    Documents are Markdown files with YAML front-matter under the content folder;
    the vocabulary (severities, categories, triggers ...) lives in taxonomy.yml.
    """
    ctx.obj = Context(root)


def _exit_code(err: KbError) -> int:
    if isinstance(err, UsageError | QueryError):
        return EXIT_USAGE
    return EXIT_PROBLEMS


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the command, turn kb errors into messages and exit codes."""
    code = _run(sys.argv[1:] if argv is None else argv)
    if argv is None:
        # The process ends here: move everything it built out of the cyclic collector's
        # reach, so the interpreter does not walk millions of objects (a built site's
        # pages, the index) in a final collection just to free memory the OS reclaims.
        gc.freeze()
    sys.exit(code)


def _run(args: list[str]) -> int:
    debug = "--debug" in args
    try:
        code = cli.main(args=args, prog_name="kb", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except KbError as err:
        if debug:
            raise
        if isinstance(err, ContentError):
            for problem in err.problems:
                click.echo(str(problem), err=True)
        else:
            click.echo(f"kb: {err}", err=True)
        return _exit_code(err)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    return code if isinstance(code, int) else EXIT_OK
