"""The `kb` group, its shared context, and the translation of errors into exit codes."""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import click

from kb.cli.output import echo, set_color, show_click_error
from kb.config import Settings, load_settings
from kb.errors import KbError, QueryError, UsageError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
EXIT_BUG = 3  # kb itself failed: never a verdict on the documents


class Context:
    """Per-invocation state shared by the commands (and the global options)."""

    def __init__(self, root: Path | None = None, *, debug: bool = False) -> None:
        self.root = root
        self.debug = debug
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        """The knowledge base's settings, read once."""
        if self._settings is None:
            self._settings = load_settings(self.root)
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
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the output, or not. Default: only on a terminal, never with NO_COLOR set.",
)
@click.version_option(package_name="kb", prog_name="kb")
@click.pass_context
def cli(ctx: click.Context, root: Path | None, debug: bool, color: bool | None) -> None:
    """kb: a knowledge base of postmortems and pre-mortems.

    Documents are Markdown files with YAML front-matter under the content folder;
    the vocabulary (severities, categories, triggers ...) lives in taxonomy.yml.
    """
    # `_run` passes the Context in, so it can read --debug once the command has failed.
    state = ctx.ensure_object(Context)
    state.root, state.debug = root, debug
    set_color(color)


def _exit_code(err: KbError) -> int:
    if isinstance(err, UsageError | QueryError):
        return EXIT_USAGE
    return EXIT_PROBLEMS


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the command is, so it cleans up as for Ctrl+C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_HANDLER_PID = [0]  # the process that installed `_terminate`
_RECEIVED: list[int] = []  # signals `_terminate` turned into Terminated


def _terminate(signum: int, frame: FrameType | None) -> None:
    # A second signal ends the process at once, should the cleanup itself hang.
    signal.signal(signum, signal.SIG_DFL)
    if os.getpid() != _HANDLER_PID[0]:
        # A forked child (an index worker) signalled before it reset its handlers:
        # end as the default action would, without a traceback from the copy.
        os.kill(os.getpid(), signum)
        return
    _RECEIVED.append(signum)
    raise Terminated(signum)


def _unraisable(hook: Callable[[Any], object]) -> Callable[[Any], object]:
    """`sys.unraisablehook` for a Terminated raised where Python cannot propagate it (a
    finaliser, an at-fork callback): the signal is delivered again, so the command still
    stops at its next step instead of going on to the end."""

    def redeliver(unraisable: Any) -> object:
        error = unraisable.exc_value
        if isinstance(error, Terminated):
            signal.signal(error.signum, _terminate)
            os.kill(os.getpid(), error.signum)
            return None
        return hook(unraisable)

    return redeliver


@contextmanager
def _terminations_raise() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP raise Terminated instead of killing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = ("SIGTERM", "SIGHUP")
    _HANDLER_PID[0] = os.getpid()
    saved = {s: signal.signal(s, _terminate) for n in names if (s := getattr(signal, n, None))}
    saved_hook = sys.unraisablehook
    sys.unraisablehook = _unraisable(saved_hook)
    try:
        yield
    finally:
        sys.unraisablehook = saved_hook
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def _stopped(err: BaseException) -> int:
    """The exit code of a command stopped by a signal: 128 + its number, as shells use."""
    if isinstance(err, Terminated):
        echo("Terminated.", err=True)
        return 128 + err.signum
    echo("Interrupted.", err=True)
    return 130


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the command, turn kb errors into messages and exit codes."""
    _RECEIVED.clear()
    with _terminations_raise():
        code = _run(sys.argv[1:] if argv is None else argv)
        if _RECEIVED and code != 128 + _RECEIVED[0]:
            # The signal came where its exception could not propagate and the command
            # went on to the end: still say it was stopped, as the signal asked.
            code = _stopped(Terminated(_RECEIVED[0]))
    if argv is None:
        # The process ends here: move everything it built out of the cyclic collector's
        # reach, so the interpreter does not walk millions of objects (a built site's
        # pages, the index) in a final collection just to free memory the OS reclaims.
        gc.freeze()
    sys.exit(code)


def _run(args: list[str]) -> int:
    state = Context()
    set_color(None)  # a --color of an earlier call in this process does not carry over
    try:
        code = cli.main(args=args, prog_name="kb", standalone_mode=False, obj=state)
    except click.exceptions.Abort as err:
        if isinstance(err.__context__, Terminated):
            return _stopped(err.__context__)  # click turns KeyboardInterrupt into Abort
        echo("Aborted.", err=True)
        return 130
    except click.ClickException as err:
        show_click_error(err)
        return err.exit_code
    except KbError as err:
        if state.debug:
            raise
        echo(f"kb: {err}", err=True)
        return _exit_code(err)
    except KeyboardInterrupt as err:
        return _stopped(err)
    except OSError as err:
        if state.debug:
            raise
        # The machine said no (disk full, permission denied ...): say what and where.
        where = f"{err.filename}: " if err.filename else ""
        echo(f"kb: {where}{err.strerror or err}", err=True)
        return EXIT_PROBLEMS
    except Exception as err:  # the last resort: a bug in kb must not print a traceback
        if state.debug:
            raise
        echo(
            f"kb: internal error ({type(err).__name__}: {err}). This is a bug in kb, not in "
            "your documents; run the command again with --debug for the details and report it.",
            err=True,
        )
        return EXIT_BUG
    return code if isinstance(code, int) else EXIT_OK
