"""Files to documents: read, split front-matter, parse YAML, validate the model.

Every problem is collected (never raised) with the file line of the offending
key, so one run reports the whole knowledge base. Files without front-matter,
or whose front-matter has no `type:`, are ordinary pages and are left alone.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from kb.errors import YamlError
from kb.files import Stat, read_regular, stat_of
from kb.models import (
    DOC_ID,
    MODELS,
    ActionItem,
    Impact,
    Meta,
    Postmortem,
    Premortem,
    Risk,
    Source,
    Timeline,
)
from kb.problems import Problem, Severity, format_field
from kb.source import KeyLocator, Loc, parse_yaml, split
from kb.taxonomy import Taxonomy
from kb.text import did_you_mean
from kb.wording import describe

# The positions of keys found before in a front-matter text, by text (kb.parsecache).
Positions = Callable[[str], dict[str, list[int]]]


@dataclass(eq=False)
class Document:
    """A validated postmortem or pre-mortem and where it came from."""

    path: Path  # absolute
    shown: str  # the path as people see it in messages
    src_uri: str  # relative to the content folder, POSIX separators
    meta: Meta
    body: str
    body_first_line: int
    locator: KeyLocator = field(repr=False)
    # A partial document (Loaded.partial) lost list items the schema rejected: for each
    # such list, the original index of every item kept, so problems point at the file.
    origin: dict[tuple[str, ...], list[int]] = field(default_factory=dict, repr=False)
    # ... and required keys it lacked, with the placeholder that stands in for each.
    filled: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def id(self) -> str:
        """The document's id, e.g. PM-2025-007."""
        return self.meta.id

    @property
    def type(self) -> str:
        """'postmortem' or 'premortem'."""
        return self.meta.type

    def problem(self, loc: Loc, message: str, severity: Severity = "error") -> Problem:
        """A problem pointing at the line of `loc` in this document."""
        loc = self.original(loc)
        line, column = self.locator.locate(loc)
        return Problem(self.shown, line, column, format_field(loc), message, severity)

    def original(self, loc: Loc) -> Loc:
        """`loc` as written in the file (list indices from before rejected items were dropped)."""
        if not self.origin:
            return loc
        out: list[str | int | None] = []
        for part in loc:
            kept = self.origin.get(tuple(p for p in out if isinstance(p, str)))
            if isinstance(part, int) and kept is not None and part < len(kept):
                part = kept[part]
            out.append(part)
        return tuple(out)


@dataclass
class LoadResult:
    """Documents that loaded, and every problem met on the way."""

    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0  # Markdown pages that are not kb documents
    failed: int = 0  # kb documents that did not load
    # ids of documents that did not load, so references to them do not cascade
    # into false "no document has id" errors.
    unloaded_ids: set[str] = field(default_factory=set)
    # Documents the schema rejected, with the rejected values dropped (see Loaded.partial).
    partial: list[Document] = field(default_factory=list)


# Nested models by field path (indices dropped), for did-you-mean on unknown keys.
_NESTED: dict[tuple[str, ...], type[BaseModel]] = {
    ("timeline",): Timeline,
    ("impact",): Impact,
    ("action_items",): ActionItem,
    ("risks",): Risk,
    ("source",): Source,
}


def _fields_at(model: type[BaseModel], parent: Loc) -> list[str]:
    key = tuple(p for p in parent if isinstance(p, str))
    target = _NESTED.get(key, model) if key else model
    return list(target.model_fields)


def _message(err: Any, model: type[BaseModel]) -> str:
    kind, loc, msg = err["type"], tuple(err["loc"]), err["msg"]
    value = err.get("input")
    if kind == "extra_forbidden":
        hint = did_you_mean(str(loc[-1]), _fields_at(model, loc[:-1]))
        return f"unknown key '{loc[-1]}'" + (f" ({hint})" if hint else "")
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    if kind == "literal_error":
        allowed = [a.strip("'") for a in err["ctx"]["expected"].replace(" or ", ", ").split(", ")]
        hint = did_you_mean(str(value), allowed)
        text = f"'{value}' is not one of {', '.join(allowed)}"
        return f"{text} ({hint})" if hint else text
    if kind in (
        "taxonomy",
        "id_format",
        "naive_datetime",
        "risk_link",
        "risk_status",
        "date_number",
    ):
        return str(msg)
    if kind == "list_type":
        return f"should be a list (write [a, b], or one '- item' per line), got {value!r}"
    if kind in ("model_type", "dict_type"):
        # "Input should be a valid dictionary or instance of ActionItem": say it in our words.
        fields = ", ".join(_fields_at(model, tuple(p for p in loc if isinstance(p, str)))[:4])
        return f"should be a mapping of keys to values ({fields} ...), got {value!r}"
    said = describe(kind, err.get("ctx"), value)
    if said is not None:
        return said
    if isinstance(value, str | int | float | bool) or value is None:
        return f"{msg}, got {value!r}"
    return str(msg)


def _relative(path: Path, base: Path) -> str:
    # `base` is resolved; `path` may lie under a symlink to it (a linked content folder).
    for inner, outer in ((path, base), (path.resolve(), base)):
        try:
            return inner.relative_to(outer).as_posix()
        except ValueError:
            continue
    return path.name


@dataclass
class Loaded:
    """The outcome of loading one file."""

    document: Document | None = None
    problems: list[Problem] = field(default_factory=list)
    is_document: bool = True  # False for ordinary pages (no front-matter `type`)
    # When the schema rejected some values, the document with those values dropped,
    # so rules that need the rest (drafts, timeline order ...) still run in this pass.
    partial: Document | None = None


# Values that stand in for a required key that is missing or was rejected, so the rest of
# the document is still checked in the same run. Each is one no real document has; the
# checks' problems about these keys, or quoting these values, are left out (kb.checks).
PLACEHOLDERS: dict[str, dict[str, Any]] = {
    "postmortem": {"id": "PM-0000-000", "title": "(untitled)", "status": "draft"},
    "premortem": {"id": "PRE-0000-000", "title": "(untitled)"},
}
PLACEHOLDER_DATE = dt.date(1, 1, 1)
# ... and for an action item or risk whose required key is missing or rejected, so the rest
# of the item (its owner, its due date ...) is still checked.
RECORD_PLACEHOLDERS: dict[str, dict[str, Any]] = {
    "action_items": {"title": "(untitled)", "kind": "process"},
    "risks": {"id": "R0", "scenario": "(untitled)", "likelihood": 1, "impact": 1},
}
_RECORDS: dict[str, type[BaseModel]] = {"action_items": ActionItem, "risks": Risk}
_SINGLE: dict[str, type[BaseModel]] = {"timeline": Timeline, "impact": Impact, "source": Source}


@dataclass
class Salvaged:
    """A rejected document with its rejected values dropped (see Loaded.partial)."""

    meta: Meta
    origin: dict[tuple[str, ...], list[int]]  # list -> original index of each item kept
    filled: dict[str, str]  # required key -> the placeholder standing in for it


def _salvage(
    model: type[Postmortem] | type[Premortem],
    data: dict[str, Any],
    errors: list[Any],
    taxonomy: Taxonomy,
) -> Salvaged | None:
    """The document with every rejected value dropped and placeholders for required keys
    that are missing or were dropped; None when even that does not validate."""
    fixed = copy.deepcopy(data)
    origin: dict[tuple[str, ...], list[int]] = {}
    targets = set()
    for err in errors:
        loc = tuple(err["loc"])
        # Inside a list, drop the item; inside a record of a list (an action item, a risk),
        # only the key, so the rest of the record is still checked.
        first = next((i for i, part in enumerate(loc) if isinstance(part, int)), None)
        if first is None:
            targets.add(loc)
        elif first == 1 and loc[0] in _RECORDS and len(loc) > 2:
            targets.add(loc[:3])
        else:
            targets.add(loc[: first + 1])
    for loc in sorted(targets, key=lambda t: (len(t), t), reverse=True):
        parent: Any = fixed
        for part in loc[:-1]:
            parent = parent[part] if isinstance(parent, dict | list) else None
        if isinstance(parent, dict):
            parent.pop(loc[-1], None)
        elif isinstance(parent, list) and isinstance(loc[-1], int) and loc[-1] < len(parent):
            # Deleting from the highest index down keeps the lower ones valid.
            key = tuple(str(p) for p in loc[:-1])
            kept = origin.setdefault(key, list(range(len(parent))))
            del parent[loc[-1]]
            del kept[loc[-1]]
    filled: dict[str, str] = {}
    for name, record in _RECORDS.items():
        items: list[Any] = fixed[name] if isinstance(fixed.get(name), list) else []
        for j, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            for part, info in record.model_fields.items():
                if info.is_required() and part not in item:
                    item[part] = RECORD_PLACEHOLDERS[name][part]
                    original = origin.get((name,), list(range(len(items))))[j]
                    filled[f"{name}[{original}].{part}"] = str(item[part])
    for name, single in _SINGLE.items():
        # A timeline without `started` (or a source without its path) is no timeline.
        value = fixed.get(name)
        required = [k for k, info in single.model_fields.items() if info.is_required()]
        if isinstance(value, dict) and any(k not in value for k in required):
            del fixed[name]
    doc_type = "postmortem" if model is Postmortem else "premortem"
    stand_in = {**PLACEHOLDERS[doc_type], "date": PLACEHOLDER_DATE, "type": doc_type}
    for name, info in model.model_fields.items():
        if info.is_required() and name not in fixed:
            if name not in stand_in:
                return None
            fixed[name] = stand_in[name]
            filled[name] = str(stand_in[name])
    try:
        meta = model.model_validate(fixed, context={"taxonomy": taxonomy})
    except ValidationError:
        return None
    return Salvaged(meta, origin, filled)


def load_text(
    text: str,
    path: Path,
    *,
    shown: str,
    src_uri: str,
    taxonomy: Taxonomy,
    parse: Callable[[str, int], Any] = parse_yaml,
    positions: Positions | None = None,
) -> Loaded:
    """Parse one file's text into a document, or the problems that prevent it.

    `parse` is parse_yaml, or a cache's version of it, and `positions` the cache's
    keeper of key positions (kb.parsecache).
    """
    parts = split(text)
    if parts.unclosed:
        message = "front-matter opened with --- is never closed (add a line with --- after it)"
        return Loaded(problems=[Problem(shown, 1, 1, "", message)])
    if parts.front_matter is None:
        if text.startswith("---\r") and not text.startswith("---\r\n"):
            message = (
                "lines end in a carriage return only (classic Mac OS), so the front-matter "
                "is not seen; save the file with LF or CRLF line endings"
            )
            return Loaded(problems=[Problem(shown, 1, 1, "", message)])
        return Loaded(is_document=False)
    try:
        data = parse(parts.front_matter, parts.fm_first_line)
    except YamlError as err:
        return Loaded(problems=[Problem(shown, err.line or 1, err.column, "", err.message)])
    known = positions(parts.front_matter) if positions is not None else None
    locator = KeyLocator(parts.front_matter, parts.fm_first_line, known)

    def problem(loc: Loc, message: str) -> Problem:
        line, column = locator.locate(loc)
        return Problem(shown, line, column, format_field(loc), message)

    def schema_problem(err: Any, model: type[BaseModel]) -> Problem:
        loc = tuple(err["loc"])
        if err["type"] == "invalid_key":
            # pydantic names a key that is not text by its str(); point at the key itself.
            key = err.get("input")
            line, column = locator.locate((*loc[:-1], key))
            written = (
                "~" if key is None else str(key).lower() if isinstance(key, bool) else repr(key)
            )
            message = f"the key {written} is not a name: keys are words such as 'severity'"
            return Problem(shown, line, column, format_field(loc[:-1]), message)
        return problem(loc, _message(err, model))

    if not isinstance(data, dict):
        if data is None:
            return Loaded(is_document=False)
        return Loaded(problems=[problem((), "front-matter must be a mapping of keys to values")])
    doc_type = data.get("type")
    if doc_type is None:
        if isinstance(data.get("id"), str) and DOC_ID.match(data["id"]):
            return Loaded(
                problems=[problem(("id",), "missing required key 'type' (postmortem or premortem)")]
            )
        return Loaded(is_document=False)
    model = MODELS.get(str(doc_type))
    if model is None:
        hint = did_you_mean(str(doc_type), list(MODELS))
        msg = f"'{doc_type}' is not a document type: use postmortem or premortem"
        return Loaded(problems=[problem(("type",), msg + (f" ({hint})" if hint else ""))])

    def document(meta: Meta, salvaged: Salvaged | None = None) -> Document:
        return Document(
            path,
            shown,
            src_uri,
            meta,
            parts.body,
            parts.body_first_line,
            locator,
            salvaged.origin if salvaged else {},
            salvaged.filled if salvaged else {},
        )

    try:
        meta = model.model_validate(data, context={"taxonomy": taxonomy})
    except ValidationError as err:
        errors = err.errors()
        salvaged = _salvage(model, data, errors, taxonomy)
        return Loaded(
            problems=[schema_problem(e, model) for e in errors],
            partial=document(salvaged.meta, salvaged) if salvaged else None,
        )
    return Loaded(document=document(meta))


def load_file(
    path: Path,
    *,
    taxonomy: Taxonomy,
    content_dir: Path,
    shown: str | None = None,
    parse: Callable[[str, int], Any] = parse_yaml,
    positions: Positions | None = None,
) -> Loaded:
    """Read and parse one file; unreadable or non-UTF-8 files become problems."""
    shown = shown or str(path)
    try:
        raw = read_regular(path)
    except OSError as err:
        return Loaded(problems=[Problem(shown, 1, 1, "", f"cannot read file: {err.strerror}")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        return Loaded(problems=[Problem(shown, line, 1, "", "file is not valid UTF-8")])
    return load_text(
        text,
        path,
        shown=shown,
        src_uri=_relative(path, content_dir),
        taxonomy=taxonomy,
        parse=parse,
        positions=positions,
    )


_ID_LINE = re.compile(r"^id:[ \t]*['\"]?((?:PM|PRE)-[0-9]{4}-[0-9]{3,})['\"]?[ \t]*$", re.M)


def _remember_id(path: Path, into: set[str]) -> None:
    # The id of a document that did not load, so that references to it are not also
    # reported; from the YAML when it parses, else from a plain `id:` line.
    try:
        front_matter = split(read_regular(path).decode("utf-8")).front_matter or ""
    except (OSError, UnicodeDecodeError):
        return
    try:
        data = parse_yaml(front_matter)
    except YamlError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        into.add(data["id"])
    elif found := _ID_LINE.search(front_matter):
        into.add(found.group(1))


def display_path(path: Path, cwd: Path) -> str:
    """`path` relative to the working directory when it is inside it."""
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


class Reloads:
    """The documents a session's last load made, by path, with each file's stat stamp
    when it was read: the next load takes a document again while its file is unchanged,
    instead of reading, parsing and validating it (kb serve loads after every save,
    and a save changes one file of thousands).

    Only files that loaded are kept; the others are read again. `kept` is called with
    the front-matter text of each document taken again (kb.parsecache counts it used).
    """

    def __init__(self, kept: Callable[[str], None] | None = None) -> None:
        self._last: dict[str, tuple[Stat, Loaded]] = {}
        self._loaded: dict[str, tuple[Stat, Loaded]] = {}
        self._made_with: object = None
        self._kept = kept
        self.taken = 0  # documents the latest load took again

    def start(self, made_with: object) -> None:
        """Begin a load; documents made with other settings are not taken again."""
        self._last = self._loaded if made_with == self._made_with else {}
        self._loaded, self._made_with, self.taken = {}, made_with, 0

    def find(self, path: Path) -> tuple[Stat | None, Loaded | None]:
        """The file's stamp now, and what the last load made of it if it is unchanged.
        Stamped before it is read: a write during the read shows in the next load."""
        try:
            stamp = stat_of(os.stat(path))
        except OSError:
            return None, None
        before = self._last.get(str(path))
        if before is None or before[0] != stamp:
            return stamp, None
        loaded = before[1]
        self.taken += 1
        if self._kept is not None and loaded.document is not None:
            self._kept(loaded.document.locator.text)
        return stamp, loaded

    def remember(self, path: Path, stamp: Stat | None, loaded: Loaded) -> None:
        """Keep what this load made of a file, for the next."""
        if stamp is not None and loaded.document is not None:
            self._loaded[str(path)] = (stamp, loaded)


def load_documents(
    paths: Iterable[Path],
    *,
    taxonomy: Taxonomy,
    content_dir: Path,
    parse: Callable[[str, int], Any] = parse_yaml,
    positions: Positions | None = None,
    reloads: Reloads | None = None,
) -> LoadResult:
    """Load every file in `paths`; collect documents and all problems. With `reloads`,
    a file unchanged since the last load with the same settings is not read again."""
    result = LoadResult()
    cwd = Path.cwd().resolve()
    content_dir = content_dir.resolve()
    if reloads is not None:
        reloads.start((taxonomy, content_dir, cwd))
    for path in paths:
        path = path if path.is_absolute() else (cwd / path)
        stamp, loaded = reloads.find(path) if reloads is not None else (None, None)
        if loaded is None:
            loaded = load_file(
                path,
                taxonomy=taxonomy,
                content_dir=content_dir,
                shown=display_path(path, cwd),
                parse=parse,
                positions=positions,
            )
        if reloads is not None:
            reloads.remember(path, stamp, loaded)
        result.problems.extend(loaded.problems)
        if loaded.document is not None:
            result.documents.append(loaded.document)
        elif loaded.is_document:
            result.failed += 1
            if loaded.partial is not None:
                result.partial.append(loaded.partial)
            if loaded.partial is not None and "id" not in loaded.partial.filled:
                result.unloaded_ids.add(loaded.partial.id)
            else:
                _remember_id(path, result.unloaded_ids)
        else:
            result.skipped += 1
    return result
