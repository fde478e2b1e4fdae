"""Reading Markdown files: split front-matter from body, parse YAML safely, find key lines.

Parsing is the hot path of every command, so the YAML is loaded once with
libyaml's C loader when present; the node tree that knows line numbers is only
composed again for files that turn out to have problems.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, ClassVar

import yaml
from frontmatter.default_handlers import YAMLHandler

from kb.errors import YamlError

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_Base):  # type: ignore[valid-type,misc]
    """libyaml's safe loader with kb's rules for values (see `guard_constructors`)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        """A mapping, refusing a key written twice (YAML forbids it; PyYAML keeps the last)."""
        _refuse_duplicates(self, node)
        return super().construct_mapping(node, deep=deep)


class ValueProblem(yaml.YAMLError):
    """One value cannot be what its YAML says it is; `mark` is where it was written.

    `earlier` is the 0-based YAML line of an earlier occurrence (duplicate keys).
    """

    def __init__(self, message: str, mark: Any, earlier: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problem_mark = mark
        self.earlier = earlier


def _scalar_text(node: yaml.Node) -> str:
    text = str(node.value) if isinstance(node, yaml.ScalarNode) else "a list or mapping"
    return text if len(text) <= 40 else text[:37] + "..."


def _checked(kind: str, construct: Callable[[Any, yaml.Node], Any]) -> Any:
    """A constructor of `kind` values that turns a bad value into a ValueProblem at its line."""

    def build(loader: Any, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise ValueProblem(
                f"a {kind} must be a single value, not a list or mapping", node.start_mark
            )
        try:
            return construct(loader, node)
        except Exception as err:  # any failure of a built-in constructor is a bad value
            digits = sum(c.isdigit() for c in node.value)
            if kind == "whole number" and digits > _MAX_DIGITS:
                message = (
                    f"a number of {digits:,} digits is too long (at most {_MAX_DIGITS:,}); "
                    "quote it to keep it as text"
                )
            else:
                message = f"'{_scalar_text(node)}' is not a valid {kind}"
                if isinstance(err, ValueError) and kind == "date or timestamp":
                    message += f" ({err})"
            raise ValueProblem(message, node.start_mark) from None

    return build


def _timestamp(loader: Any, node: Any) -> Any:
    value = node.value
    if not yaml.SafeLoader.timestamp_regexp.match(value):
        raise ValueError("not of the form YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+HH:MM")
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        # An impossible date (2025-02-30) stays a string, so the schema reports it in
        # the words it uses for every other bad date.
        return loader.construct_scalar(node)


def _refused(loader: Any, node: yaml.Node) -> Any:
    tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
    raise ValueProblem(_refused_message(tag), node.start_mark)


def _refused_message(tag: str) -> str:
    return (
        f"the tag {tag} is not allowed: front-matter is loaded safely and "
        "may hold only plain values (strings, numbers, dates, lists, mappings)"
    )


# Python refuses to turn longer digit strings into int (CVE-2020-10735); say so in words.
_MAX_DIGITS = sys.get_int_max_str_digits() or 4300
_CONSTRUCTORS = yaml.SafeLoader.yaml_constructors


def guard_constructors(loader: type[yaml.SafeLoader]) -> None:
    """Give `loader` kb's value rules: bad numbers, booleans and dates are ValueProblems
    at their line (never a Python exception), and !!binary, !!set, !!omap, !!pairs are
    refused like any other tag. Used for front-matter, taxonomy.yml and mkdocs.yml."""
    for tag, kind in (
        ("int", "whole number"),
        ("float", "number"),
        ("bool", "true or false value"),
    ):
        full = f"tag:yaml.org,2002:{tag}"
        loader.add_constructor(full, _checked(kind, _CONSTRUCTORS[full]))
    loader.add_constructor("tag:yaml.org,2002:timestamp", _checked("date or timestamp", _timestamp))
    for tag in ("binary", "set", "omap", "pairs"):
        loader.add_constructor(f"tag:yaml.org,2002:{tag}", _refused)


guard_constructors(_SafeLoader)


# The merge key, and `=` (PyYAML's "value" key, which its own constructor reads as text).
_SPECIAL_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


def _refuse_duplicates(loader: Any, node: yaml.MappingNode) -> None:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag in _SPECIAL_KEYS:
            continue  # `<<: *base` may be overridden by the keys written beside it
        try:
            key = loader.construct_object(key_node, deep=True)
            hash(key)
        except TypeError:
            continue  # an unhashable key: PyYAML's own error follows
        _note_key(seen, key, key_node)


def _note_key(seen: dict[Any, int], key: Any, key_node: yaml.Node) -> None:
    # Keys that Python holds equal (1, 1.0 and true) would also overwrite each other.
    first = seen.get(key)
    if first is not None:
        raise ValueProblem(f"duplicate key '{_scalar_text(key_node)}'", key_node.start_mark, first)
    seen[key] = key_node.start_mark.line


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

Loc = tuple[str | int | None, ...]


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
        return _refused_message(tag)
    return None


def parse_yaml(text: str, first_line: int = 1) -> Any:
    """Load YAML safely; raise YamlError with the file line of any error.

    YamlError is the only exception any text can cause: bad values, duplicate keys,
    refused tags, recursive or exploding aliases and absurd nesting are all reported.
    """
    try:
        value = _load(text)
    except yaml.YAMLError as err:
        raise _problem(err, first_line, text) from None
    except RecursionError:
        raise YamlError(
            f"front-matter is nested too deeply (at most {MAX_DEPTH} levels)", first_line, 1
        ) from None
    except UnicodeEncodeError as err:  # a lone surrogate: text that no file could hold
        line = first_line + text.count("\n", 0, err.start)
        raise YamlError("front-matter holds a character that is not text", line, 1) from None
    return value


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))
_PLAIN_SCALARS = {
    tag: _SafeLoader.yaml_constructors[tag]
    for tag in (f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "timestamp"))
}
# Anchors, aliases, explicit tags and merge keys need PyYAML's full constructor.
_NEEDS_FULL = ("&", "*", "!", "<<")
MAX_DEPTH = 50  # lists and mappings inside each other; real front-matter uses 3 or 4
MAX_NODES = 100_000  # values once aliases are expanded; real front-matter has hundreds


class _Unusual(Exception):
    """The node tree holds something only the full constructor handles."""


def _load(text: str) -> Any:
    # PyYAML's generic constructor (recursion guards, generator-based mappings, a
    # per-node cache for aliases) was a third of the YAML time at 10,000 documents
    # (cProfile, BENCHMARKS.md). Front-matter is almost always plain mappings, lists and
    # scalars: build those directly from libyaml's node tree with the same scalar
    # constructors, and hand anything unusual to yaml.load so results and errors match.
    if any(mark in text for mark in _NEEDS_FULL):
        return _load_full(text)
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _build(loader, node, 0)
    except _Unusual:
        return _load_full(text)
    finally:
        loader.dispose()


def _load_full(text: str) -> Any:
    value = yaml.load(text, Loader=_SafeLoader)
    # Aliases share one object among several places: a recursive one (`&t [a, *t]`) is a
    # cycle that JSON, pydantic and every later walk would choke on, and a few nested
    # ones ("billion laughs") expand into more values than memory holds.
    problem = _shape_problem(value)
    if problem:
        line = _alias_line(text)
        raise yaml.YAMLError(problem) if line is None else ValueProblem(problem, _Mark(line))
    return value


class _Mark:
    def __init__(self, line: int) -> None:
        self.line = line
        self.column = 0


def _alias_line(text: str) -> int | None:
    found = re.search(r"(?<![^\s\[{,:-])\*[^\s,\]}]+", text)
    return text.count("\n", 0, found.start()) if found else None


def _shape_problem(value: Any) -> str | None:
    """Why a constructed value cannot be front-matter (a cycle, too deep, too big), or None."""
    size = 0
    on_path: set[int] = set()

    def walk(item: Any, depth: int) -> str | None:
        nonlocal size
        size += 1
        if size > MAX_NODES:
            return f"aliases expand front-matter to more than {MAX_NODES:,} values"
        if not isinstance(item, dict | list):
            return None
        if depth > MAX_DEPTH:
            return f"front-matter is nested too deeply (at most {MAX_DEPTH} levels)"
        if id(item) in on_path:
            return "an alias refers to the list or mapping that contains it (a cycle)"
        on_path.add(id(item))
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            found = walk(child, depth + 1)
            if found:
                return found
        on_path.discard(id(item))
        return None

    return walk(value, 0)


def _build(loader: Any, node: yaml.Node, depth: int) -> Any:
    tag = node.tag
    if tag == _STR:
        return node.value
    if depth > MAX_DEPTH:
        raise ValueProblem(
            f"front-matter is nested too deeply (at most {MAX_DEPTH} levels)", node.start_mark
        )
    if tag == _MAP:
        out: dict[Any, Any] = {}
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = _build(loader, key_node, depth + 1)
            if not isinstance(key, Hashable):
                raise _Unusual
            _note_key(seen, key, key_node)
            out[key] = _build(loader, value_node, depth + 1)
        return out
    if tag == _SEQ:
        return [_build(loader, child, depth + 1) for child in node.value]
    construct = _PLAIN_SCALARS.get(tag)
    if construct is None or not isinstance(node, yaml.ScalarNode):
        raise _Unusual
    return construct(loader, node)


# Contexts whose mark is the start of a whole block (often the front-matter's first key),
# where the place the parser gave up says more.
_WIDE_CONTEXTS = ("while parsing a block", "while constructing")


def _problem(err: yaml.YAMLError, first_line: int, text: str = "") -> YamlError:
    # Point at the construct that is broken (an unclosed quote or bracket: the context)
    # rather than where the parser gave up, unless the context is a whole block.
    context_mark = getattr(err, "context_mark", None)
    problem_mark = getattr(err, "problem_mark", None)
    context: str = getattr(err, "context", None) or ""
    if context.startswith(_WIDE_CONTEXTS) and problem_mark is not None:
        context_mark = None
    mark = context_mark or problem_mark
    line = first_line + (mark.line if mark else 0)
    column = (mark.column + 1) if mark else 1
    position = getattr(err, "position", None)  # a reader error: a character offset
    if mark is None and isinstance(position, int) and text:
        line = first_line + text.count("\n", 0, position)
        column = position - (text.rfind("\n", 0, position) + 1) + 1
    if isinstance(err, ValueProblem):
        message = err.message
        if err.earlier is not None:
            message += (
                f" (first written on line {first_line + err.earlier}): "
                "a key may appear once in a mapping; keep one"
            )
        return YamlError(message, line, column)
    refused = _refused_tag(err)
    if refused is not None:
        return YamlError(refused, line, column)
    problem = getattr(err, "problem", None) or str(err)
    message = f"invalid YAML: {context + ', ' if context else ''}{problem}"
    if context_mark and problem_mark and problem_mark.line != context_mark.line:
        message += f" (noticed at line {first_line + problem_mark.line})"
    return YamlError(message, line, column)


def _key_is(key: yaml.Node, part: str | int | None) -> bool:
    if isinstance(part, str):
        return bool(key.value == part)
    # A key that is not text (`1:`, `~:`, `true:`): compare what YAML makes of it.
    if not isinstance(key, yaml.ScalarNode) or key.style not in (None, ""):  # plain, unquoted
        return False
    try:
        value = yaml.load(key.value, Loader=_SafeLoader)
    except yaml.YAMLError:
        return False
    return bool(value == part and type(value) is type(part))


class KeyLocator:
    """Finds the file line and column of a field path in a YAML text (composed on demand).

    `known` holds positions found before in the same text (kb.parsecache keeps them
    between runs) and receives those found now: most documents' warnings point at the
    same keys run after run, and composing the text to find them again was a quarter
    of loading a large knowledge base."""

    # The one locator whose tree is composed, and that tree. A document's problems are
    # mostly located together, so one tree serves them; keeping every document's tree
    # until loading ended held 380 MiB at 10,000 documents that the process never got
    # back (its small objects were interleaved with the documents that stay).
    _holder: ClassVar[tuple[KeyLocator, yaml.Node | None] | None] = None

    def __init__(
        self, text: str, first_line: int, known: dict[str, list[int]] | None = None
    ) -> None:
        self._text = text
        self._first_line = first_line
        self._known = known

    def _node(self) -> yaml.Node | None:
        held = KeyLocator._holder
        if held is not None and held[0] is self:
            return held[1]
        KeyLocator._holder = None  # the previous tree goes before this one is composed
        try:
            root = yaml.compose(self._text, Loader=_ShapeLoader)
        except yaml.YAMLError:
            root = None
        KeyLocator._holder = (self, root)
        return root

    @property
    def text(self) -> str:
        """The front-matter text it locates keys in."""
        return self._text

    @staticmethod
    def release() -> None:
        """Forget the composed tree kept; the next lookup composes its text again."""
        KeyLocator._holder = None

    def start(self) -> tuple[int, int]:
        """(line, column) of the front-matter's opening `---` (line 1 when there is none)."""
        return (self._first_line - 1 if self._first_line > 1 else 1), 1

    def has(self, loc: Loc) -> bool:
        """Whether the author wrote the key at `loc`."""
        return bool(self._position(loc)[2])

    def locate(self, loc: Loc) -> tuple[int, int]:
        """(line, column) of the deepest part of `loc` present; the key itself for mappings."""
        line, column, _ = self._position(loc)
        if line < 0:
            return self.start()
        return self._first_line + line, column

    def _position(self, loc: Loc) -> list[int]:
        # [line within the text (-1: none found), column, whether all of `loc` is there]
        key = None
        if self._known is not None:
            with contextlib.suppress(TypeError, ValueError):
                key = json.dumps(loc)
            found = self._known.get(key) if key is not None else None
            if isinstance(found, list) and len(found) == 3 and all(type(v) is int for v in found):
                return found
        best, whole = self._find(loc)
        if best is None:
            position = [-1, 1, int(whole)]
        else:
            position = [best.start_mark.line, best.start_mark.column + 1, int(whole)]
        if key is not None and self._known is not None:
            self._known[key] = position
        return position

    def _find(self, loc: Loc) -> tuple[yaml.Node | None, bool]:
        node = self._node()
        depth = 0
        best: yaml.Node | None = None if loc else node
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if _key_is(key, part):
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
