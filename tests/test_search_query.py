"""Query syntax checks, dates and filters."""

from __future__ import annotations

import datetime as dt

import pytest

from kb.errors import QueryError
from kb.search.query import Filters, filter_query, parse, parse_date


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"connection pool', r'unbalanced quote: the " at column 1 is never closed'),
        ('pool "a" "b', r'the " at column 10 is never closed'),
        ("(timeout OR deadlock", r"'\(' at column 1 is never closed"),
        ("timeout) deadlock", r"'\)' at column 8 has no matching opening bracket"),
        ("servce:checkout", r"unknown field 'servce' at column 1 \(did you mean 'service'\?\)"),
        ("pool zzz:top", r"unknown field 'zzz' at column 6; fields: action, actions"),
        ("date:2025-13", r"bad date '2025-13' in 'date:' at column 1"),
        ("date:yesterday", r"bad date 'yesterday'"),
        ("date:[2025-01 to 2025-02-30]", r"bad date '2025-02-30'"),
        ("pool service:", r"'service:' at column 6 needs a value, e.g. service:checkout"),
        ("pool AND", r"the query ends with 'AND'"),
        ("OR pool", r"the query starts with 'OR'"),
        ("the of and", r"nothing to search for in 'the of and'"),
        ("   ", r"the query is empty"),
    ],
)
def test_malformed_queries_say_what_and_where(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message) as err:
        parse(text)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "text",
    [
        "connection pool exhausted",
        '"connection pool" OR deadlock',
        "failov*",
        "service:checkout severity:SEV1",
        "category:datastore NOT type:premortem",
        "date:2025-03 date:[2024 to 2025-06] date:>2024-12-31",
        "at 09:12 the pool",  # a time is not a field
        '"title:quoted" pool',
        "*",
    ],
)
def test_well_formed_queries_parse(text: str) -> None:
    assert parse(text) is not None


def test_field_aliases_reach_the_index_fields() -> None:
    q = parse("service:Checkout category:datastore severity:SEV1 team:core")
    terms = {(leaf.fieldname, leaf.text) for leaf in q.leaves()}
    assert terms == {
        ("services", "checkout"),
        ("categories", "datastore"),
        ("severity", "sev1"),
        ("teams", "core"),
    }


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2025", False, dt.date(2025, 1, 1)),
        ("2025", True, dt.date(2025, 12, 31)),
        ("2024-02", True, dt.date(2024, 2, 29)),
        ("2025-12", True, dt.date(2025, 12, 31)),
        ("2025-03-14", True, dt.date(2025, 3, 14)),
        ("2025-3-14", False, None),
        ("2025-02-30", False, None),
        ("March", False, None),
    ],
)
def test_parse_date(text: str, end: bool, expected: dt.date | None) -> None:
    assert parse_date(text, end=end) == expected


def test_filter_query_combines_facets() -> None:
    assert filter_query(Filters()) is None
    q = filter_query(
        Filters(
            categories=("Datastore", "capacity"), severities=("SEV1",), since=dt.date(2025, 1, 1)
        )
    )
    text = str(q)
    assert "categories:datastore OR categories:capacity" in text
    assert "severity:sev1" in text
    assert "date:" in text
