"""Reading Markdown files: split front-matter from body, parse YAML safely, find key lines.

Parsing is the hot path of every command, so the YAML is loaded once with
libyaml's C loader when present; the node tree that knows line numbers is only
composed again for files that turn out to have problems.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_Base):  # type: ignore[valid-type,misc]
    """libyaml's safe loader; impossible dates stay strings so the schema reports them."""


# The timestamps front-matter nearly always holds: a date, or a date and time to the second
# with an optional UTC offset. For these datetime's own ISO parser gives what PyYAML's
# regex-based constructor gives, several times faster; every other form goes to PyYAML.
_ISO_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)?)?")


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    value = node.value
    try:
        if _ISO_TIMESTAMP.fullmatch(value):
            if len(value) == 10:
                return dt.date.fromisoformat(value)
            return dt.datetime.fromisoformat(value)
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        return loader.construct_scalar(node)  # type: ignore[arg-type]


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)

_SHAPE_TAGS = {
    yaml.ScalarNode: "tag:yaml.org,2002:str",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
    yaml.MappingNode: "tag:yaml.org,2002:map",
}


class _ShapeLoader(_Base):  # type: ignore[valid-type,misc]
    """Composes the node tree without resolving implicit tags.

    Locating a key needs only the tree's shape, key texts and marks; the regex
    matching of implicit tag resolution was two thirds of the compose time
    (tools/bench.py, BENCHMARKS.md), and a warning on many documents composes each.
    """

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        return _SHAPE_TAGS[kind]

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


_HANDLER = YAMLHandler()

Loc = tuple[str | int, ...]


class YamlProblem(Exception):
    """The front-matter is not valid YAML (or uses a refused tag); line is 1-based in the file."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class Split:
    """A Markdown file cut into its YAML front-matter and its body."""

    front_matter: str | None  # None when the file has no front-matter
    body: str
    fm_first_line: int  # 1-based file line of the first front-matter line
    body_first_line: int  # 1-based file line where the body starts
    unclosed: bool = False  # opened with '---' but never closed


def split(text: str) -> Split:
    """Cut a file's text into front-matter and body (python-frontmatter's YAML boundaries)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.startswith("---") or not _HANDLER.detect(text):
        return Split(None, text, 1, 1)
    try:
        fm, body = _HANDLER.split(text)
    except ValueError:
        return Split(None, text, 1, 1, unclosed=True)
    offset = text.find(fm)
    fm_first_line = text.count("\n", 0, offset) + 1
    body_offset = text.find(body, offset + len(fm)) if body else len(text)
    body_first_line = text.count("\n", 0, body_offset) + 1
    return Split(fm, body, fm_first_line, body_first_line)


def _refused_tag(err: yaml.YAMLError) -> str | None:
    text = str(err)
    if "could not determine a constructor for the tag" in text:
        found = re.search(r"tag '([^']+)'", text)
        tag = (found.group(1) if found else "?").replace("tag:yaml.org,2002:", "!!")
        return (
            f"the tag {tag} is not allowed: front-matter is loaded safely and "
            "may hold only plain values (strings, numbers, dates, lists, mappings)"
        )
    return None


def parse_yaml(text: str, first_line: int = 1) -> Any:
    """Load YAML safely; raise YamlProblem with the file line of any error."""
    try:
        return _load(text)
    except yaml.YAMLError as err:
        raise _problem(err, first_line) from None


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))
_PLAIN_SCALARS = {
    tag: _SafeLoader.yaml_constructors[tag]
    for tag in (f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "timestamp"))
}
# Anchors, aliases, explicit tags and merge keys need PyYAML's full constructor.
_NEEDS_FULL = ("&", "*", "!", "<<")


class _Unusual(Exception):
    """The node tree holds something only the full constructor handles."""


def _load(text: str) -> Any:
    # PyYAML's generic constructor (recursion guards, generator-based mappings, a
    # per-node cache for aliases) was a third of the YAML time at 10,000 documents
    # (cProfile, BENCHMARKS.md). Front-matter is almost always plain mappings, lists and
    # scalars: build those directly from libyaml's node tree with the same scalar
    # constructors, and hand anything unusual to yaml.load so results and errors match.
    if any(mark in text for mark in _NEEDS_FULL):
        return yaml.load(text, Loader=_SafeLoader)
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _build(loader, node)
    except _Unusual:
        return yaml.load(text, Loader=_SafeLoader)
    finally:
        loader.dispose()


def _build(loader: Any, node: yaml.Node) -> Any:
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag == _MAP:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node)
            if not isinstance(key, Hashable):
                raise _Unusual
            out[key] = _build(loader, value_node)
        return out
    if tag == _SEQ:
        return [_build(loader, child) for child in node.value]
    construct = _PLAIN_SCALARS.get(tag)
    if construct is None or not isinstance(node, yaml.ScalarNode):
        raise _Unusual
    return construct(loader, node)


def _problem(err: yaml.YAMLError, first_line: int) -> YamlProblem:
    # Point at the construct that is broken (context) rather than where the parser gave up.
    context_mark = getattr(err, "context_mark", None)
    problem_mark = getattr(err, "problem_mark", None)
    mark = context_mark or problem_mark
    line = first_line + (mark.line if mark else 0)
    column = (mark.column + 1) if mark else 1
    message = _refused_tag(err)
    if message is None:
        problem = getattr(err, "problem", None) or str(err)
        context = getattr(err, "context", None)
        message = f"invalid YAML: {context + ', ' if context else ''}{problem}"
        if context_mark and problem_mark and problem_mark.line != context_mark.line:
            message += f" (noticed at line {first_line + problem_mark.line})"
    return YamlProblem(message, line, column)


class KeyLocator:
    """Finds the file line and column of a field path in a YAML text (composed on demand)."""

    def __init__(self, text: str, first_line: int) -> None:
        self._text = text
        self._first_line = first_line
        self._root: yaml.Node | None = None
        self._composed = False

    def _node(self) -> yaml.Node | None:
        if not self._composed:
            self._composed = True
            try:
                self._root = yaml.compose(self._text, Loader=_ShapeLoader)
            except yaml.YAMLError:
                self._root = None
        return self._root

    def release(self) -> None:
        """Forget the composed tree; the next lookup composes it again."""
        self._root = None
        self._composed = False

    def start(self) -> tuple[int, int]:
        """(line, column) of the front-matter's opening `---` (line 1 when there is none)."""
        return (self._first_line - 1 if self._first_line > 1 else 1), 1

    def has(self, loc: Loc) -> bool:
        """Whether the author wrote the key at `loc`."""
        return self._find(loc)[1]

    def locate(self, loc: Loc) -> tuple[int, int]:
        """(line, column) of the deepest part of `loc` present; the key itself for mappings."""
        best = self._find(loc)[0]
        if best is None:
            return self.start()
        mark = best.start_mark
        return self._first_line + mark.line, mark.column + 1

    def _find(self, loc: Loc) -> tuple[yaml.Node | None, bool]:
        node = self._node()
        depth = 0
        best: yaml.Node | None = None if loc else node
        for part in loc:
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                for key, value in node.value:
                    if key.value == part:
                        best = key
                        node = value
                        depth += 1
                        break
                else:
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if 0 <= part < len(node.value):
                    node = node.value[part]
                    best = node
                    depth += 1
                else:
                    break
            else:
                break
        return best, depth == len(loc)
