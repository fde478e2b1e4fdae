"""Markdown builders: escaping that holds on rendered HTML, links, tables, units, pager."""

from __future__ import annotations

import datetime as dt

import markdown
import pytest

from kb.site import md
from kb.site.fragments import h

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


@pytest.mark.parametrize("title", ["C#", "Issue #12 ##", "*starred* title", "1. first - second"])
def test_escaped_title_as_a_heading(title: str) -> None:
    import html

    out = render(f"# {md.esc(title)}")
    assert html.unescape(out.split(">", 1)[1].rsplit("</h1>", 1)[0]) == title


def test_link_text_and_relative_href() -> None:
    assert md.href("categories/config/index.md", "postmortems/2025/a b.md") == (
        "../../postmortems/2025/a%20b.md"
    )
    assert md.href("index.md", "trends/index.md", "recurring") == "trends/index.md#recurring"
    out = render(md.link(md.esc("[evil](javascript:x)"), "index.md", "timeline/index.md"))
    assert out.count("<a ") == 1 and 'href="timeline/index.md"' in out


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


def test_front_matter_title_is_quoted_yaml() -> None:
    import yaml

    head = md.front_matter(h('Say "hi" <b>'), search=False)
    data = yaml.safe_load(head.strip().strip("-"))
    assert data == {"title": "Say &quot;hi&quot; &lt;b&gt;", "search": {"exclude": True}}
