"""Snippets: the passage with most query terms, its file line, and trimming."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.search import snippets
from kb.search.snippets import WIDTH, best_line, highlight
from kb.source import split

EXAMPLE = Path(__file__).resolve().parents[1] / "content"

BODY = """\
## Summary

The pool ran dry.

A retry loop held connections open while the pool
was exhausted, so requests waited.

| 09:00 | pool exhausted, connections refused |

<!-- guidance: pool pool pool exhausted connections -->
"""


def test_passage_with_most_distinct_terms_wins() -> None:
    snippet = best_line(BODY, 10, {"pool", "exhaust", "connect"})
    assert snippet is not None
    # The paragraph and the table row both hold all three; the paragraph comes first.
    assert snippet.text.startswith("A retry loop held connections open")
    assert snippet.line == 10 + 4
    assert [snippet.text[s:e] for s, e in snippet.spans] == [
        "connections",
        "pool",
        "exhausted",
    ]


def test_comments_and_blank_lines_never_match() -> None:
    snippet = best_line(BODY, 1, {"guidanc"})
    assert snippet is None


def test_single_line_passages() -> None:
    snippet = best_line(BODY, 1, {"refus"})
    assert snippet is not None
    assert snippet.text == "| 09:00 | pool exhausted, connections refused |"
    assert snippet.line == 8


def test_prefix_matches() -> None:
    snippet = best_line(BODY, 1, set(), ["dr"])
    assert snippet is not None and snippet.line == 3
    assert [snippet.text[s:e] for s, e in snippet.spans] == ["dry"]


def test_long_passages_are_trimmed_around_the_first_match() -> None:
    text = "word " * 100 + "needle " + "word " * 100
    snippet = best_line(text, 1, {"needl"})
    assert snippet is not None
    assert len(snippet.text) <= WIDTH + 6
    assert snippet.text.startswith("...") and snippet.text.endswith("...")
    ((start, end),) = snippet.spans
    assert snippet.text[start:end] == "needle"
    assert snippet.render(lambda w: f"[{w}]").count("[needle]") == 1


def test_highlight_short_text() -> None:
    snippet = highlight("Checkout   connection\npool exhausted", {"pool"})
    assert snippet.line is None
    assert snippet.render(str.upper) == "Checkout connection POOL exhausted"
    assert snippet.as_dict()["highlights"] == [[20, 24]]


def test_the_quick_word_test_never_changes_the_snippet(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every example document, with stems, prefixes, dotted names and stop words as terms:
    # skipping passages that cannot match must pick exactly what the analyzer alone picks.
    bodies = [split(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLE.rglob("*.md"))]
    asks = [
        ({"pool", "exhaust", "connect"}, ()),
        ({"failov", "replica"}, ("promot",)),
        ({"certif", "expir", "tl"}, ()),
        (set(), ("dns",)),
        ({"the", "api.example.com", "oomkil"}, ("heap",)),
    ]
    picked = [
        best_line(parts.body, parts.body_first_line, terms, prefixes)
        for parts in bodies
        for terms, prefixes in asks
    ]
    assert sum(s is not None for s in picked) > 30
    monkeypatch.setattr(snippets, "_could_match", lambda text, terms, prefixes: True)
    again = [
        best_line(parts.body, parts.body_first_line, terms, prefixes)
        for parts in bodies
        for terms, prefixes in asks
    ]
    assert picked == again


def test_link_and_footnote_definitions_are_never_the_snippet() -> None:
    body = (
        "The pool ran dry after the deploy.\n"
        "\n"
        "[pool-docs]: https://example.org/pool/exhausted/connections\n"
        "[^1]: Pool exhausted: connections refused, see the pool dashboard\n"
        "    and the pool exhausted runbook.\n"
        " [^2]: pool pool pool\n"
    )
    snippet = best_line(body, 1, {"pool", "exhaust", "connect"})
    assert snippet is not None
    assert snippet.text == "The pool ran dry after the deploy." and snippet.line == 1
    assert best_line("[x]: https://example.org/pool\n", 1, {"pool"}) is None
