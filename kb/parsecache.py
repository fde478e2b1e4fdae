"""Front-matter parsed by an earlier site build, found again by the hash of its text.

Parsing the YAML is most of what loading a knowledge base costs (about 0.3 ms
per document with libyaml), and between two builds nearly every document is
unchanged. `ParsedCache` keeps each front-matter's parsed value under the
SHA-1 of its text in one JSON file, so an entry can never go stale: edited
front-matter has another hash and is parsed again. Everything after the
parsing (schema, taxonomy, cross-document checks) runs as always, so the
problems reported are the same with or without the cache.

JSON and not pickle or marshal: the file lives in a cache folder that CI may
restore from elsewhere, and reading it must never run or crash anything.
Dates and times, which JSON lacks, are written as one-key objects with a NUL
in the key, which YAML front-matter cannot produce in practice; a value that
does not fit (a NUL key, a non-string key, a type JSON cannot hold) is simply
not kept. Only the entries used by the latest run are written back, so the
file never holds more than the knowledge base.

Beside each value, the cache keeps the positions (line within the text, column)
of the keys that problems pointed at (`positions`, filled by
kb.source.KeyLocator): finding them means composing the YAML again, and a large
knowledge base's warnings point at the same keys from one run to the next.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kb.errors import YamlError
from kb.files import read_regular, write_atomically
from kb.source import parse_yaml, split

FILE = "front-matter.json"
VERSION = 2  # bump when parse_yaml's results, or the positions kept, change shape
_DATE, _TIME = "\x00date", "\x00datetime"


class _Unfit(Exception):
    """A value the JSON form cannot hold faithfully."""


_PLAIN = (str, int, float, bool, type(None))  # what JSON holds as it is


def _encode(value: Any) -> Any:
    # Exact types, most frequent first: this walk runs over every node of every
    # document a first build parses.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [v if type(v) is str else _encode(v) for v in value]
    if kind is dict:
        for key in value:
            if type(key) is not str or key.startswith("\x00"):
                raise _Unfit
        return {k: v if type(v) is str else _encode(v) for k, v in value.items()}
    if kind is dt.datetime:
        return {_TIME: value.isoformat()}
    if kind is dt.date:
        return {_DATE: value.isoformat()}
    raise _Unfit


def _decode(value: Any) -> Any:
    kind = type(value)
    if kind is list:
        return [v if type(v) is str else _decode(v) for v in value]
    if kind is dict:
        if len(value) == 1:
            if _DATE in value:
                return dt.date.fromisoformat(value[_DATE])
            if _TIME in value:
                return dt.datetime.fromisoformat(value[_TIME])
        return {k: v if type(v) is str else _decode(v) for k, v in value.items()}
    return value


class ParsedCache:
    """Parsed front-matter by hash: read from `folder` at start, written back by `save`."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / FILE
        self._old: dict[str, Any] = {}
        self._new: dict[str, Any] = {}
        self._places_old: dict[str, dict[str, list[int]]] = {}
        self._places_new: dict[str, dict[str, list[int]]] = {}
        self._changed = False
        self._pending = False  # an earlier run's changes, not written yet (next_run)
        self._saved_now = False  # save() ran in this run
        self._last: tuple[str | None, str] = (None, "")  # (text, key) of the latest lookup
        self._ahead: dict[str, Any] = {}  # entries parsed by `parse_ahead`, not used yet
        self._arrived: Callable[[], dict[str, Any]] | None = None
        self.hits = 0
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("version") == VERSION:
            entries, places = data.get("entries"), data.get("positions")
            if isinstance(entries, dict):
                self._old = entries
            if isinstance(places, dict):
                self._places_old = {k: v for k, v in places.items() if isinstance(v, dict)}

    def _key(self, text: str) -> str:
        if self._last[0] is not text:  # parse, then positions, of the same text
            self._last = (text, _key(text))
        return self._last[1]

    def known(self) -> frozenset[str]:
        """The keys of the entries the cache held when it was read."""
        return frozenset(self._old)

    def expect(self, arrived: Callable[[], dict[str, Any]]) -> None:
        """Entries being parsed elsewhere (`parse_ahead`): `arrived()` gives those that
        came since it was last called. Parsing never waits for them: a text whose entry
        has not come yet is parsed here."""
        self._arrived = arrived

    def parse(self, text: str, first_line: int = 1) -> Any:
        """parse_yaml(text, first_line), from the cache when this text was parsed before."""
        key = self._key(text)
        kept = self._old.get(key)
        if kept is not None:
            try:
                value = _decode(kept)
            except (TypeError, ValueError):  # a damaged entry: parse instead
                pass
            else:
                self._new[key] = kept
                self.hits += 1
                return value
        if self._arrived is not None:
            self._ahead.update(self._arrived())
        ahead = self._ahead.pop(key, None)
        if ahead is not None:
            with contextlib.suppress(TypeError, ValueError):
                value = _decode(ahead)
                self._new[key] = ahead
                self._changed = True
                return value
        value = parse_yaml(text, first_line)  # a YamlError is raised, not kept
        try:
            self._new[key] = _encode(value)
            self._changed = True
        except _Unfit:
            pass
        return value

    def keep(self, text: str) -> None:
        """Count this front-matter's entry and positions as used by this run: its
        document was taken over from the last run without parsing (kb.loader.Reloads)."""
        key = self._key(text)
        kept = self._old.get(key)
        if kept is not None:
            self._new[key] = kept
        places = self._places_old.get(key)
        if places is not None:  # the very dict the document's locator adds to
            self._places_new[key] = places

    def __len__(self) -> int:
        """How many entries the cache held when it was read."""
        return len(self._old)

    def positions(self, text: str) -> dict[str, list[int]]:
        """The positions found before in this text; kb.source.KeyLocator adds to it."""
        key = self._key(text)
        found = self._places_new.get(key)
        if found is None:
            found = self._places_new[key] = dict(self._places_old.get(key, {}))
        return found

    def next_run(self) -> None:
        """Start another run (a session that loads again) from the entries the last one
        used; what the last one changed is written by a later `save` unless it was saved."""
        if not self._saved_now:
            self._pending = self._pending or self._differs()
        self._saved_now = False
        self._old, self._new, self._changed = self._new, {}, False
        self._places_old, self._places_new = self._places_new, {}

    def _places(self) -> dict[str, dict[str, list[int]]]:
        return {k: v for k, v in self._places_new.items() if v and k in self._new}

    def _differs(self) -> bool:
        """Whether this run's entries or positions differ from those it started from."""
        found_more = any(
            len(v) > len(self._places_old.get(k, ())) for k, v in self._places().items()
        )
        return self._changed or found_more or self._new.keys() != self._old.keys()

    def save(self) -> None:
        """Write back the entries this run used, unless they are what the file holds."""
        if self._saved_now:
            return
        if self._pending or self._differs():
            # dumps, not dump: json.dump writes through a Python-level generator, 3x slower.
            text = json.dumps(
                {"version": VERSION, "entries": self._new, "positions": self._places()},
                separators=(",", ":"),
            )
            with contextlib.suppress(OSError):  # a read-only checkout: no cache, same results
                write_atomically(self.path, text)
        self._pending, self._saved_now = False, True


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def parse_ahead(paths: list[Path], known: frozenset[str]) -> dict[str, Any]:
    """The entries `ParsedCache.parse` would make for these files' front-matter, except
    those whose key is in `known`. kb.session has the helper process run it over half
    of the files while the command parses the other half.

    A file that cannot be read, or whose front-matter does not parse, is left out: the
    loader parses it in turn and reports what is wrong with it."""
    entries: dict[str, Any] = {}
    for path in paths:
        try:
            front = split(read_regular(path).decode("utf-8")).front_matter
        except (OSError, UnicodeDecodeError):
            continue
        if front is None or (key := _key(front)) in known:
            continue
        with contextlib.suppress(YamlError, _Unfit):
            entries[key] = _encode(parse_yaml(front))
    return entries
