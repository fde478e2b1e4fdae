"""What the index holds: the whoosh schema, field boosts, and a document's indexed fields.

Text fields use stemmed English analysis; facets (type, severity, status,
categories, services ...) are exact lower-cased keywords; the date is sortable
and range-filterable. Bump SCHEMA_VERSION whenever the schema or what goes into
a field changes: an index written by another version is rebuilt automatically.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from whoosh import analysis, fields, formats, query
from whoosh.util.times import datetime_to_long

if TYPE_CHECKING:
    from kb.loader import Document

SCHEMA_VERSION = 4

_TEXT = analysis.StemmingAnalyzer()
_NAMES = analysis.SimpleAnalyzer()
_LOWER_ID = analysis.IDAnalyzer(lowercase=True)
# Comma-separated values, lower-cased; stop words go, so that a query word like
# 'the' (dropped from text fields) does not demand a service or tag named 'the'.
_VALUES = analysis.KeywordAnalyzer(lowercase=True, commas=True) | analysis.StopFilter()


class _Date(fields.DATETIME):  # type: ignore[misc]
    """A date field whose exclusive range ends mean what people expect.

    whoosh widens a partial date to its whole period first, so `date:<2025` would
    still include 2025; here it ends before the period and `date:>2025` starts after it.
    """

    def parse_range(
        self,
        fieldname: str,
        start: str | None,
        end: str | None,
        startexcl: bool,
        endexcl: bool,
        boost: float = 1.0,
    ) -> Any:
        if start is None and end is None:
            return query.Every(fieldname, boost=boost)
        low = high = None
        if start is not None:
            at = self._parse_datestring(start)
            low = datetime_to_long(at.ceil()) + 1 if startexcl else datetime_to_long(at.floor())
        if end is not None:
            at = self._parse_datestring(end)
            high = datetime_to_long(at.floor()) - 1 if endexcl else datetime_to_long(at.ceil())
        return query.NumericRange(fieldname, low, high, boost=boost, constantscore=True)


def _values() -> fields.KEYWORD:
    return fields.KEYWORD(stored=True, scorable=True, analyzer=_VALUES)


SCHEMA = fields.Schema(
    path=fields.ID(stored=True, unique=True),
    id=fields.ID(stored=True, analyzer=_LOWER_ID),
    type=fields.ID(stored=True),
    # Unstemmed words of titles and summaries (whoosh's spelling sub-fields) feed
    # "did you mean"; the body's words would cost as much again as the body itself.
    title=fields.TEXT(analyzer=_TEXT, stored=True, spelling=True),
    summary=fields.TEXT(analyzer=_TEXT, stored=True, spelling=True),
    # Term vectors let `similar` read a document's key terms without re-reading and
    # re-analysing its file (0.15 ms against 1.1 ms a document, measured).
    body=fields.TEXT(analyzer=_TEXT, vector=formats.Frequency()),
    actions=fields.TEXT(analyzer=_TEXT),
    risks=fields.TEXT(analyzer=_TEXT),
    categories=_values(),
    # Categories inferred from the text (kb.inference): their own field, so ranking and
    # filters can tell them from the categories an author chose.
    inferred=_values(),
    # Every taxonomy concept the text names ("categories:capacity"), once per distinct
    # phrase: concept search reads one posting list per concept instead of every phrase.
    mentions=fields.KEYWORD(scorable=True, analyzer=_VALUES),
    impacts=_values(),
    trigger=_values(),  # scorable, as `similar` ranks by it
    services=_values(),
    teams=_values(),
    tags=_values(),
    severity=fields.ID(stored=True, analyzer=_LOWER_ID),
    status=fields.ID(stored=True, analyzer=_LOWER_ID),
    detection=fields.ID(stored=True, analyzer=_LOWER_ID),
    date=_Date(stored=True, sortable=True),
    authors=fields.TEXT(analyzer=_NAMES, phrase=False),
)

# BM25F weights of the fields a plain word is searched in (query time, so tuning
# them never needs a rebuild).
FIELD_BOOSTS: dict[str, float] = {
    "title": 4.0,
    "summary": 2.5,
    "body": 1.0,
    "actions": 1.5,
    "risks": 1.5,
    "categories": 1.5,
    "services": 2.0,
    "tags": 1.5,
}
DEFAULT_FIELDS: tuple[str, ...] = tuple(FIELD_BOOSTS)

# Names people may type before a colon in a query, and the field each one means.
QUERY_FIELDS: dict[str, str] = {
    **{name: name for name in SCHEMA.names() if not name.startswith("spell_")},
    "category": "categories",
    "impact": "impacts",
    "service": "services",
    "team": "teams",
    "tag": "tags",
    "author": "authors",
    "action": "actions",
    "risk": "risks",
}
del QUERY_FIELDS["path"]

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def blank_comments(text: str) -> str:
    """The text with HTML comments (template guidance) removed, keeping line numbers."""
    return _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _joined(values: list[str]) -> str:
    return ",".join(v.replace(",", " ") for v in values)


def fields_for(doc: Document, path: str) -> dict[str, Any]:
    """The indexed fields of one document; `path` is its file relative to the content folder."""
    from kb.models import Postmortem

    meta = doc.meta
    out: dict[str, Any] = {
        "path": path,
        "id": meta.id,
        "type": meta.type,
        "title": meta.title,
        "status": meta.status,
        "date": dt.datetime(meta.date.year, meta.date.month, meta.date.day),
        "services": _joined(meta.services),
        "tags": _joined(meta.tags),
        "body": blank_comments(doc.body),
    }
    if isinstance(meta, Postmortem):
        out |= {
            "summary": meta.summary,
            "severity": meta.severity or "",
            "trigger": meta.trigger or "",
            "detection": meta.detection or "",
            "categories": _joined(meta.categories),
            "impacts": _joined(meta.impact.categories),
            "teams": _joined(meta.teams),
            "authors": "\n".join(meta.authors),
            "actions": "\n".join(item.title for item in meta.action_items),
        }
    else:
        categories = dict.fromkeys(c for risk in meta.risks for c in risk.categories)
        people = [meta.facilitator] if meta.facilitator else []
        out |= {
            "summary": meta.project if meta.project != meta.title else "",
            "categories": _joined(list(categories)),
            "authors": "\n".join([*people, *meta.participants]),
            "risks": "\n".join(f"{r.scenario}\n{r.mitigation}" for r in meta.risks),
        }
    return {k: v for k, v in out.items() if v != ""}
