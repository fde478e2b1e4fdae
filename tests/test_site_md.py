"""Markdown builders: escaping that holds on rendered HTML, links, tables, units, pager."""

from __future__ import annotations

import datetime as dt

import markdown
import pytest

from kb.site import md

HOSTILE = [
    "<script>alert(1)</script>",
    "[x](javascript:alert(1))",
    "![img](http://evil.example/x.png)",
    "<img src=x onerror=alert(1)>",
    "**bold** _it_ `code` {: #id onclick=alert(1) } | pipe",
    "# heading\n- item\n1. one",
    "&lt;already&gt; & ampersand",
    "back\\slash \\<b>",
]


def render(text: str) -> str:
    return markdown.markdown(text, extensions=["tables", "admonition", "attr_list", "toc"])


@pytest.mark.parametrize("value", HOSTILE)
def test_escaped_values_render_as_their_own_text(value: str) -> None:
    import html

    out = render(f"Title: {md.esc(value)}")
    assert "<script" not in out and "<img" not in out and "<a " not in out
    assert "<strong>" not in out and "<em>" not in out and "<code>" not in out
    # What the reader sees is the value itself, whitespace collapsed.
    text = html.unescape(out.removeprefix("<p>").removesuffix("</p>"))
    assert text == "Title: " + " ".join(value.split())


@pytest.mark.parametrize("value", HOSTILE)
def test_escaped_values_keep_table_cells_intact(value: str) -> None:
    out = render(md.table(["A", "B"], [[md.esc(value), "after"]]))
    assert out.count("<td>") == 2
    assert "<td>after</td>" in out


def test_link_text_and_relative_href() -> None:
    assert md.href("categories/config/index.md", "postmortems/2025/a b.md") == (
        "../../postmortems/2025/a%20b.md"
    )
    assert md.href("index.md", "trends/index.md", "recurring") == "trends/index.md#recurring"
    out = render(md.link(md.esc("[evil](javascript:x)"), "index.md", "timeline/index.md"))
    assert out.count("<a ") == 1 and 'href="timeline/index.md"' in out


def test_external_links_only_http() -> None:
    assert md.external("https://jira.example.com/browse/OPS-1") == (
        "[https://jira\\.example\\.com/browse/OPS\\-1](https://jira.example.com/browse/OPS-1)"
    )
    assert "<a " not in render(md.external("javascript:alert(1)"))
    assert "<a " not in render(md.external("OPS-123"))


def test_durations_in_human_units() -> None:
    m = dt.timedelta(minutes=1)
    assert md.duration(None) == md.DASH
    assert md.duration(dt.timedelta(seconds=20)) == "< 1 min"
    assert md.duration(45 * m) == "45 min"
    assert md.duration(60 * m) == "1 h"
    assert md.duration(125 * m) == "2 h 05 min"
    assert md.duration(dt.timedelta(days=3, hours=4, minutes=10)) == "3 d 4 h"
    assert md.duration(dt.timedelta(days=2)) == "2 d"


def test_percent() -> None:
    assert md.percent(None) == md.DASH
    assert md.percent(2 / 3) == "67%"


def test_pager_links_neighbours_and_ends() -> None:
    pages = [f"tags/x/page-{n}.md" for n in range(1, 21)]
    pages[0] = "tags/x/index.md"
    text = md.pager(pages[9], pages, 9)
    assert text.startswith("Page 10 of 20")
    assert "[« Previous](page-9.md)" in text and "[Next »](page-11.md)" in text
    assert "[1](index.md)" in text and "[20](page-20.md)" in text
    assert "[3](page-3.md)" not in text  # far pages are elided
    assert "**10**" in text
    assert md.pager(pages[0], pages[:1], 0) == ""


def test_front_matter_title_is_quoted_yaml() -> None:
    import yaml

    head = md.front_matter(md.esc_attr('Say "hi" <b>'), search=False)
    data = yaml.safe_load(head.strip().strip("-"))
    assert data == {"title": "Say &quot;hi&quot; &lt;b&gt;", "search": {"exclude": True}}
