"""HTML fragments: escaping, mkdocs' URLs in both modes, slots, tables, pager."""

from __future__ import annotations

import html

import pytest

from kb.site.fragments import Urls, external, fill, h, pager, slot, table, ul

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "&amp; already escaped",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_escaped_text_and_attributes_stay_text(value: str) -> None:
    fragment = f'<p title="{h(value)}">{h(value)}</p>'
    assert fragment.count("<") == 2 and fragment.count('"') == 2
    assert html.unescape(fragment.split(">", 1)[1].rsplit("<", 1)[0]) == value


def test_urls_without_directory_urls() -> None:
    urls = Urls(directory_urls=False)
    assert urls.url("postmortems/2025/a.md") == "postmortems/2025/a.html"
    assert urls.url("trends/index.md") == "trends/index.html"
    assert urls.url("trends/x.svg") == "trends/x.svg"
    assert urls.href("categories/config/index.md", "postmortems/2025/a b.md") == (
        "../../postmortems/2025/a%20b.html"
    )
    assert urls.href("index.md", "trends/index.md", "foo") == "trends/index.html#foo"
    assert urls.href("tags/x/page-2.md", "tags/x/index.md") == "index.html"


def test_urls_with_directory_urls() -> None:
    urls = Urls(directory_urls=True)
    assert urls.url("index.md") == ""
    assert urls.url("trends/index.md") == "trends/"
    assert urls.url("postmortems/2025/a.md") == "postmortems/2025/a/"
    # A page at postmortems/2025/a/ is one folder deeper than its file.
    assert urls.href("postmortems/2025/a.md", "categories/config/index.md") == (
        "../../../categories/config/"
    )
    assert urls.href("categories/config/index.md", "postmortems/2025/a.md") == (
        "../../postmortems/2025/a/"
    )
    assert urls.href("trends/index.md", "index.md") == "../"
    assert urls.href("index.md", "index.md") == "./"
    assert urls.href("tags/x/index.md", "tags/x/page-2.md") == "page-2/"


def test_external_links_only_http() -> None:
    assert external("https://t.example/OPS-1?a=1&b=2") == (
        '<a href="https://t.example/OPS-1?a=1&amp;b=2">https://t.example/OPS-1?a=1&amp;b=2</a>'
    )
    for value in ("javascript:alert(1)", "OPS-123", 'https://x.example/"onclick=alert(1)'):
        assert "<a " not in external(value)


def test_slots_are_filled_and_unknown_ones_vanish() -> None:
    rendered = "<h2>A</h2>\n<!--kb:one-->\n<p>x</p>\n<!--kb:two-->"
    assert fill(rendered, {"one": "<ul></ul>"}) == "<h2>A</h2>\n<ul></ul>\n<p>x</p>\n"
    assert slot("listing").strip() == "<!--kb:listing-->"


def test_table_and_list() -> None:
    out = table(["A", "B"], [["1", "<em>2</em>"]], "lr")
    assert '<th align="right">B</th>' in out and '<td align="right"><em>2</em></td>' in out
    assert ul(["x", "y"]) == "<ul>\n<li>x</li>\n<li>y</li>\n</ul>\n"


def test_pager_links_neighbours_and_ends() -> None:
    pages = ["tags/x/index.md"] + [f"tags/x/page-{n}.md" for n in range(2, 21)]
    text = pager(Urls(), pages[9], pages, 9)
    assert text.startswith('<p class="kb-pager">Page 10 of 20')
    assert '<a href="page-9.html">« Previous</a>' in text
    assert '<a href="page-11.html">Next »</a>' in text
    assert '<a href="index.html">1</a>' in text and '<a href="page-20.html">20</a>' in text
    assert ">3</a>" not in text  # far pages are elided
    assert "<strong>10</strong>" in text
    assert pager(Urls(), pages[0], pages[:1], 0) == ""
