"""kb's HTML stance (kb.safety): dangerous link targets, sanitized raw HTML, inert imports."""

from __future__ import annotations

from html.parser import HTMLParser

import markdown
import pytest

from kb.safety import BLOCKED_TARGET, dangerous_url, defuse_urls, inert_markdown, sanitize_html


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "  javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "java&#x09;script:alert(1)",
        "&#106;avascript:alert(1)",
        "\x01javascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:image/svg+xml;base64,PHN2Zz4=",
    ],
)
def test_dangerous_link_targets_are_recognised_however_spelled(url: str) -> None:
    assert dangerous_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://status.example.com/incidents/42",
        "mailto:sre@example.com",
        "../postmortems/2025/pm-2025-001.md",
        "#timeline",
        "javascript-notes.md",
        "notes/data:thing.md",
    ],
)
def test_ordinary_links_are_kept(url: str) -> None:
    assert not dangerous_url(url)


def test_sanitize_keeps_ordinary_markup_and_drops_what_runs() -> None:
    kept = '<details><summary>Logs</summary><p class="x">a <kbd>Ctrl</kbd><br></p></details>'
    assert sanitize_html(kept) == kept
    cleaned = sanitize_html(
        '<p onclick="alert(1)">hi</p><script>alert(2)</script>'
        '<a href="javascript:alert(3)">x</a><img src=x onerror=alert(4)>'
        "<iframe src=https://example.com></iframe><style>body{}</style>"
    )
    for gone in ("onclick", "<script", "alert(2)", "javascript:", "onerror", "<iframe", "<style"):
        assert gone not in cleaned
    assert "<p>hi</p>" in cleaned and "<img" in cleaned


def _site_html(text: str) -> str:
    """HTML as kb's site renders the Markdown when raw HTML is allowed."""
    return markdown.Markdown(extensions=["tables", "admonition", "attr_list", "toc"]).convert(text)


class _Live(HTMLParser):
    """What in a page could run: script elements, event handlers, dangerous URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("script", "iframe", "object", "embed"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (
                name in ("href", "src") and value is not None and dangerous_url(value)
            ):
                self.found.append(f"{tag} {name}={value}")


def _live(html: str) -> tuple[list[str], list[str]]:
    parser = _Live()
    parser.feed(html)
    return parser.found, parser.tags


HOSTILE_IMPORT = """\
## Summary

The cache fell over. <script>alert(1)</script> See [the runbook](javascript:alert(2))
and ![graph](JaVaScRiPt:alert(3)) or [ref].

<img src=x onerror=alert(4)>

<div onclick="alert(5)">block</div>

Use `<script>` tags in `code`, and keep <https://example.com/a> as a link.

[ref]: data:text/html,<script>alert(7)</script>
"""


def test_an_imported_body_cannot_run_script_even_with_raw_html_allowed() -> None:
    html = _site_html(inert_markdown(HOSTILE_IMPORT))
    found, tags = _live(html)
    assert found == [] and "div" not in tags  # the raw <div> is text; ![graph] stays an image
    # The words are all still there, as text: only the markup is defused.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<code>&lt;script&gt;</code>" in html  # code spans stay code
    assert '<a href="https://example.com/a">' in html  # autolinks stay links
    assert html.count(BLOCKED_TARGET) == 3


def test_an_attribute_list_with_a_handler_is_shown_as_text() -> None:
    text = 'Paragraph.\n{: onclick="alert(6)" }\n\nMore, with `<b>` in code.\n'
    html = _site_html(inert_markdown(text))
    assert _live(html)[0] == []
    assert "onclick" in html  # as text in the paragraph, not as an attribute


def test_an_ordinary_report_imports_unchanged() -> None:
    report = (
        "## Timeline\n\n| time | what |\n|---|---|\n| 10:00 | alert `p99 > 800ms` |\n\n"
        "See [the dashboard](https://grafana.example.com/d/1) and <https://example.com>.\n"
    )
    assert inert_markdown(report) == report


def test_defuse_urls_replaces_only_dangerous_targets() -> None:
    fragment = (
        '<p>keep <a href="https://example.com" title="x">ok</a></p>\n'
        "<a id=evil HREF='java&#x09;script:alert(1)'>bad</a><img src=\"data:,x\"/>"
        "<script>var a = '<a href=\"javascript:x\">';</script>"
    )
    out = defuse_urls(fragment)
    assert out.startswith('<p>keep <a href="https://example.com" title="x">ok</a></p>\n')
    assert f'<a id="evil" href="{BLOCKED_TARGET}">bad</a>' in out
    assert f'<img src="{BLOCKED_TARGET}" />' in out
    assert "java" not in out.split("<script>")[0] and "data:" not in out
