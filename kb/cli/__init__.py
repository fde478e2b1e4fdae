"""The `kb` command line: parse options, call one library function, format, exit.

Each feature's commands live in their own module and register on the one
`cli` group. Heavy modules (whoosh, mkdocs, matplotlib) are imported inside
the commands that need them, so `kb --help` and `kb validate` start fast.
"""

import kb.cli.importing  # noqa: F401  (registers import)
from kb.cli import core  # noqa: F401  (registers validate, new, schema)
from kb.cli import init as _init  # noqa: F401  (registers init)
from kb.cli import loop as _loop  # noqa: F401  (registers repeats, digest, export)
from kb.cli import search as _search  # noqa: F401  (registers index, search, similar)
from kb.cli import site as _site  # noqa: F401  (registers build, serve)
from kb.cli.base import cli, main

__all__ = ["cli", "main"]
