"""From what people type to a whoosh query: strict syntax checks, field aliases, filters.

whoosh's parser forgives everything (an unclosed quote or an unknown field
silently becomes plain words), which hides mistakes. The query is checked first,
so a malformed one fails with a one-line QueryError saying where and why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from whoosh import qparser, query

from kb.errors import QueryError
from kb.search.schema import DEFAULT_FIELDS, FIELD_BOOSTS, QUERY_FIELDS, SCHEMA
from kb.text import closest

_FIELD = re.compile(r"(?:(?<=^)|(?<=[\s(+-]))([A-Za-z_]\w*):")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_OPERATORS = ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE")
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_TEXT_FIELDS = ("title", "summary", "body", "actions", "risks")


class Words(query.Or):  # type: ignore[misc]
    """The implicit OR of a query's words (an explicit OR stays a plain Or).

    Scores are plain BM25F sums, so a document matching more of the words scores
    higher. whoosh's coordination bonus (`Or(scale=...)`) is not used: its formula
    multiplies by (terms - 1) / terms, which is 0 for a word found in one field
    only, and a document's score changes as matchers are replaced during top-k
    collection.
    """


class _WordsGroup(qparser.OrGroup):  # type: ignore[misc]
    qclass = Words


@dataclass(frozen=True)
class Filters:
    """Facet filters: values within one facet are OR-ed, facets are AND-ed."""

    types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    since: dt.date | None = None
    until: dt.date | None = None
    about: tuple[str, ...] = ()  # categories, labelled or inferred from the text

    def facets(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """(index field, values) of each facet that is set."""
        for name, values in (
            ("type", self.types),
            ("categories", self.categories),
            ("services", self.services),
            ("severity", self.severities),
            ("status", self.statuses),
        ):
            if values:
                yield name, values


def _parser() -> qparser.QueryParser:
    # Words are OR-ed and their scores summed, so documents that match more of them
    # rank higher: someone describing a symptom in five words still finds the
    # incident that used four.
    parser = qparser.MultifieldParser(
        list(DEFAULT_FIELDS),
        SCHEMA,
        fieldboosts=FIELD_BOOSTS,
        group=_WordsGroup,
    )
    aliases: dict[str, list[str]] = defaultdict(list)
    for alias, name in QUERY_FIELDS.items():
        if alias != name:
            aliases[name].append(alias)
    parser.add_plugin(qparser.FieldAliasPlugin(dict(aliases)))
    parser.add_plugin(qparser.GtLtPlugin())
    return parser


_PARSER = _parser()


def parse(text: str) -> Any:
    """The whoosh query for `text`; raises QueryError with what is wrong and where."""
    if not text.strip():
        raise QueryError("the query is empty; type some words, or '*' for every document")
    if text.strip() == "*":
        return query.Every()
    check_syntax(text)
    parsed = _require_constraints(_PARSER.parse(text, normalize=False)).normalize()
    for problem in _errors(parsed):
        raise QueryError(f"cannot understand the query {text!r}: {problem}")
    if parsed is query.NullQuery or not _searches_words(parsed, text):
        raise QueryError(
            f"nothing to search for in {text!r}: every word is too short or too common "
            "to be indexed"
        )
    return parsed


def _require_constraints(q: Any) -> Any:
    """Within the implicit OR of words, make `field:value` terms and NOTs required.

    `pool service:checkout` means pool-ish documents of the checkout service, not
    anything about pools or anything of checkout.
    """
    if isinstance(q, Words):
        kids = [_require_constraints(c) for c in q.subqueries]
        required = [c for c in kids if c.is_leaf() or isinstance(c, query.Not)]
        optional = [c for c in kids if not (c.is_leaf() or isinstance(c, query.Not))]
        if not required:
            return Words(optional, boost=q.boost)
        if optional:
            required.append(Words(optional))
        return query.And(required, boost=q.boost)
    if isinstance(q, query.CompoundQuery):
        return q.__class__([_require_constraints(c) for c in q.subqueries], boost=q.boost)
    if isinstance(q, query.Not):
        return query.Not(_require_constraints(q.query), boost=q.boost)
    return q


def _searches_words(parsed: Any, text: str) -> bool:
    """Whether the query looks for something: a text field, a named field, or everything."""
    if isinstance(parsed, query.Every) or _FIELD.search(_outside_quotes(text)):
        return True
    return any(getattr(leaf, "fieldname", None) in _TEXT_FIELDS for leaf in parsed.leaves())


def _errors(q: Any) -> Iterator[str]:
    error = getattr(q, "error", None)
    if error:
        yield str(error)
    for child in q.children():
        yield from _errors(child)


def check_syntax(text: str) -> None:
    """Raise QueryError for unbalanced quotes or brackets, unknown fields, bad dates, dangling operators."""
    outside = _outside_quotes(text)
    _check_brackets(outside)
    for match in _FIELD.finditer(outside):
        name = match.group(1)
        column = match.start(1) + 1
        if name not in QUERY_FIELDS:
            hint = closest(name, list(QUERY_FIELDS))
            raise QueryError(
                f"unknown field '{name}' at column {column}"
                + (f" (did you mean '{hint}'?)" if hint else "")
                + "; fields: "
                + ", ".join(sorted(QUERY_FIELDS))
            )
        value = text[match.end() :]
        if not value or value[0].isspace() or value[0] == ")":
            raise QueryError(f"'{name}:' at column {column} needs a value, e.g. {_example(name)}")
        if QUERY_FIELDS[name] == "date":
            _check_date_value(name, value, column)
    words = outside.replace("(", " ").replace(")", " ").split()
    if words and words[0] in ("AND", "OR", "ANDNOT", "ANDMAYBE"):
        raise QueryError(f"the query starts with '{words[0]}': put a word before it")
    if words and words[-1] in _OPERATORS:
        raise QueryError(f"the query ends with '{words[-1]}': put a word after it")


def _outside_quotes(text: str) -> str:
    """The text with every quoted phrase masked by NULs (same length, so columns still match)."""
    out = []
    start = None
    for i, char in enumerate(text):
        if char == '"':
            if start is None:
                start = i
            else:
                out.append("\0" * (i - start + 1))
                start = None
            continue
        if start is None:
            out.append(char)
    if start is not None:
        raise QueryError(f'unbalanced quote: the " at column {start + 1} is never closed')
    return "".join(out)


def _check_brackets(text: str) -> None:
    stack: list[tuple[str, int]] = []
    for i, char in enumerate(text):
        if char in _CLOSERS:
            stack.append((char, i))
        elif char in _CLOSERS.values():
            if not stack or _CLOSERS[stack[-1][0]] != char:
                raise QueryError(f"'{char}' at column {i + 1} has no matching opening bracket")
            stack.pop()
    if stack:
        char, i = stack[-1]
        raise QueryError(f"'{char}' at column {i + 1} is never closed")


def _example(name: str) -> str:
    examples = {
        "date": "date:2025-03 or date:[2025-01-01 to 2025-06-30]",
        "severity": "severity:SEV1",
        "services": "service:checkout",
        "categories": "category:datastore",
        "type": "type:premortem",
    }
    return examples.get(QUERY_FIELDS[name], f"{name}:word")


def _check_date_value(name: str, value: str, column: int) -> None:
    if value[0] in "[{":
        end = value.find("]" if value[0] == "[" else "}")
        parts = re.split(r"\s+to\s+|\s+to$|^to\s+", value[1:end].strip(), flags=re.IGNORECASE)
    else:
        parts = [value.split()[0].rstrip(")").lstrip("<>=")]
    for part in parts:
        part = part.strip()
        if part and parse_date(part) is None:
            raise QueryError(
                f"bad date '{part}' in '{name}:' at column {column}: "
                "write YYYY, YYYY-MM or YYYY-MM-DD"
            )


def parse_date(text: str, *, end: bool = False) -> dt.date | None:
    """YYYY, YYYY-MM or YYYY-MM-DD as the first day of that period (the last with `end`)."""
    match = _DATE.match(text.strip())
    if match is None:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        if month is None:
            return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
        if day is None:
            first = dt.date(year, month, 1)
            if not end:
                return first
            following = dt.date(year + month // 12, month % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(year, month, day)
    except ValueError:
        return None


def facet_values(field: str, value: str) -> list[str]:
    """A filter value as the index stores it (lower-cased like the field's analyzer does)."""
    tokens = list(SCHEMA[field].process_text(value, mode="query"))
    return tokens or [value.strip().lower()]


def filter_query(filters: Filters) -> Any | None:
    """The whoosh filter for `filters`, or None when nothing is filtered."""
    parts: list[Any] = []
    for field, values in filters.facets():
        terms = [query.Term(field, t) for v in values for t in facet_values(field, v)]
        parts.append(query.Or(terms) if len(terms) > 1 else terms[0])
    if filters.about:
        parts.append(
            query.Or(
                [
                    query.Term(field, t)
                    for v in filters.about
                    for field in ("categories", "inferred")
                    for t in facet_values(field, v)
                ]
            )
        )
    if filters.since or filters.until:
        start = dt.datetime.combine(filters.since, dt.time.min) if filters.since else None
        end = dt.datetime.combine(filters.until, dt.time.max) if filters.until else None
        parts.append(query.DateRange("date", start, end))
    if not parts:
        return None
    return query.And(parts) if len(parts) > 1 else parts[0]
