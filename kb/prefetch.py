"""Front-matter parsed ahead in the helper process, for loads that must parse most files.

A load with no parse cache (a fresh clone, `kb validate`, a build after the
cache was cleared) spends most of its time in the YAML parser, one file after
the other. `Prefetched` hands the files at the end of the list to a helper
process (kb.background), in chunks taken from the end backwards, while this
process parses from the front: the two meet in the middle. Results come back
keyed by the front-matter text itself, so a file edited between the two reads
simply misses and is parsed here, and nothing the helper returns can stand for
other text. A file the helper cannot read or parse is left to this process,
which reports the problem with its line as always.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kb.background import Pending, Worker
from kb.source import YamlProblem, parse_yaml, split

PREFETCH_MIN = 2000  # below this, starting the helper costs about what it saves (measured)
CHUNK = 250  # files per task: small enough that the helper's first results come early
SHARE = 0.5  # of the files handed out, from the end: the two halves take about as long

_MISSING = object()


def parse_files(paths: Sequence[str]) -> dict[str, Any]:
    """front-matter text -> parsed value, for each of `paths` that reads and parses cleanly.

    Runs in the helper process.
    """
    found: dict[str, Any] = {}
    for name in paths:
        try:
            parts = split(Path(name).read_bytes().decode("utf-8"))
            if parts.front_matter is not None and not parts.unclosed:
                found[parts.front_matter] = parse_yaml(parts.front_matter, parts.fm_first_line)
        except (OSError, UnicodeDecodeError, YamlProblem, RecursionError):
            continue  # this process reads it again and reports the problem
    return found


class Prefetched:
    """A `parse` that takes what the helper has parsed so far, and parses the rest itself."""

    def __init__(self, worker: Worker, paths: Sequence[Path], share: float = SHARE) -> None:
        first = len(paths) - int(len(paths) * share)
        tail = [str(p) for p in paths[first:]]
        # Last chunk first: this process works forwards, the helper backwards.
        self._pending: list[Pending[dict[str, Any]]] = [
            worker.submit(parse_files, tail[start : start + CHUNK])
            for start in reversed(range(0, len(tail), CHUNK))
        ]
        self._found: dict[str, Any] = {}
        self.used = 0  # values taken from the helper

    def parse(self, text: str, first_line: int = 1) -> Any:
        """parse_yaml(text, first_line), taken from the helper's results when they hold it."""
        if self._pending:
            self._collect()
        value = self._found.pop(text, _MISSING)  # each value goes to one document only
        if value is _MISSING:
            return parse_yaml(text, first_line)
        self.used += 1
        return value

    def _collect(self) -> None:
        waiting = []
        for pending in self._pending:
            if not pending.done():
                waiting.append(pending)
                continue
            try:
                self._found.update(pending.result())
            except Exception:  # the helper failed: those files are parsed here
                continue
        self._pending = waiting


def should_prefetch(files: int, cached: int) -> bool:
    """Whether a load of `files` files, `cached` of them likely in the parse cache, gains."""
    return files - cached >= PREFETCH_MIN
