"""Front-matter written by other tools: YAML (`---`), TOML (`+++`) and JSON (`{ }`).

python-frontmatter finds the boundaries. Its TOML handler needs the `toml`
package; Python 3.11 reads TOML itself (tomllib), so a small handler on tomllib
takes its place and kb needs no extra dependency.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler

from kb.errors import SourceError, YamlError
from kb.importing import rules
from kb.importing.dates import first_date
from kb.source import parse_yaml


class TomlHandler(BaseHandler):
    """TOML front-matter between `+++` lines, read with the standard library."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        """Parse the TOML text."""
        return tomllib.loads(fm)


_HANDLERS: tuple[tuple[str, BaseHandler], ...] = (
    ("yaml", YAMLHandler()),
    ("toml", TomlHandler()),
    ("json", JSONHandler()),
)


@dataclass
class Foreign:
    """A source cut into the front-matter another tool wrote (if any) and its Markdown body."""

    format: str | None  # "yaml", "toml", "json" or None
    data: dict[str, Any]
    raw: str  # the front-matter text as written ("" when there is none)
    body: str
    body_first_line: int  # 1-based line of the body in the source

    def get(self, field: str) -> Any:
        """The value of a kb field under any of the keys other tools use for it."""
        lowered = {str(k).lower(): v for k, v in self.data.items()}
        for key in rules.FRONT_MATTER_KEYS.get(field, (field,)):
            value = lowered.get(key)
            if value not in (None, "", []):
                return value
        return None

    def date(self) -> dt.date | None:
        """The front-matter date, whatever type the tool wrote it as."""
        value = self.get("date")
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        return first_date(str(value)) if value is not None else None

    def names(self, field: str) -> list[str]:
        """A list-like field (authors, tags ...) as names, from a list or a comma-separated text."""
        value = self.get(field)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        out = []
        for item in items:
            name = item.get("name") if isinstance(item, dict) else item
            text = str(name).strip() if name is not None else ""
            if text and len(text) <= 200 and text not in out:
                out.append(text)
        return out


def _load(fmt: str, handler: BaseHandler, text: str, shown: str, first_line: int) -> Any:
    if fmt == "yaml":
        try:
            return parse_yaml(text, first_line)
        except YamlError as err:
            raise SourceError(shown, f"front-matter: {err.message}", err.line) from None
    name = fmt.upper()
    try:
        return handler.load(text)
    except tomllib.TOMLDecodeError as err:
        where = re.search(r"\s*\(at line (\d+), column \d+\)", str(err))
        line = first_line + int(where.group(1)) - 1 if where else first_line
        message = str(err)[: where.start()] if where else str(err)
        raise SourceError(shown, f"front-matter: invalid TOML: {message}", line) from None
    except json.JSONDecodeError as err:
        line = first_line + err.lineno - 1
        raise SourceError(shown, f"front-matter: invalid JSON: {err.msg}", line) from None
    except RecursionError:
        raise SourceError(
            shown, f"front-matter: {name} nested too deeply to read", first_line
        ) from None
    except ValueError as err:
        # Both parsers turn digits into int, which refuses more than 4,300 of them.
        detail = str(err).split(":")[0]
        raise SourceError(shown, f"front-matter: invalid {name}: {detail}", first_line) from None


def split_foreign(text: str, shown: str) -> Foreign:
    """Cut a source's text into front-matter (of any supported tool) and body."""
    for fmt, handler in _HANDLERS:
        if not handler.detect(text):
            continue
        try:
            fm, body = handler.split(text)
        except ValueError:
            continue  # an opening boundary with no closing one: not front-matter
        # The text handed over starts on line 1 (with the newline ending the opening
        # boundary, or JSON's "{"); keys start on line 2 unless it is JSON.
        data = _load(fmt, handler, fm, shown, 1)
        if data is None:
            data = {}
        if isinstance(data, str):
            continue  # a Markdown file that opens with a thematic break, not front-matter
        if not isinstance(data, dict):
            line = 1 if fmt == "json" else 2
            raise SourceError(shown, "front-matter is not a mapping of keys to values", line)
        if body.startswith("\n"):
            body = body[1:]  # the end of the closing boundary's line
        body_offset = len(text) - len(body)
        body_first_line = text.count("\n", 0, body_offset) + 1
        raw = text[:body_offset].rstrip("\n")
        return Foreign(fmt, data, raw, body, body_first_line)
    return Foreign(None, {}, "", text, 1)
