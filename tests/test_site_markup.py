"""Raw HTML and dangerous links in the Markdown authors write, in the built site and in Chromium.

The plugin's `raw_html` option: `sanitize` (default) keeps ordinary markup and drops
what runs, `escape` shows tags as text, `allow` passes them through. Dangerous link
targets (`javascript:` ...) go in every mode.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from docfactory import postmortem
from sitecheck import parse, write_kb

from kb.config import load_settings
from kb.safety import dangerous_url
from kb.site.build import build_site

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

BODY = """\
## Summary

The queue backed up. <b>Bold words</b> stay, and so does this table:

<table><tr><td class="num">42</td></tr></table>

<script>window.pwned = "script";</script>

<img src="missing.png" onerror="window.pwned = 'onerror'">

<a id="evil" href="javascript:window.pwned='link'">raw link</a>

[markdown link](javascript:window.pwned='md') and ![image](JAVASCRIPT:window.pwned='img')

Paragraph with a handler.
{: onclick="window.pwned='attr'" }

```sh
echo "<script>kept as code</script>"
```
"""

GUIDE = """\
# How we write postmortems

Our own page. <span onmouseover="window.pwned='guide'">hover</span>

<iframe src="https://example.com/embed"></iframe>
"""


def _build(tmp_path: Path, mode: str | None) -> Path:
    root = write_kb(tmp_path / "kb", [postmortem("PM-2025-001", "2025-03-01")], body=BODY)
    if mode is not None:
        config = root / "mkdocs.yml"
        text = config.read_text().replace(
            "      page_size:", f"      raw_html: {mode}\n      page_size:"
        )
        config.write_text(text)
    (root / "content" / "guide").mkdir()
    (root / "content" / "guide" / "writing.md").write_text(GUIDE)
    return build_site(load_settings(root), root / "site").site_dir


def _live(page: Path) -> list[str]:
    """What in a built page could run: script elements of ours, handlers, dangerous URLs."""
    found = []
    parsed = parse(page)
    for tag, attrs in parsed.tags:
        if tag in ("iframe", "object", "embed"):
            found.append(tag)
        for name, value in attrs.items():
            if name.startswith("on") or (
                name in ("href", "src", "action") and value and dangerous_url(value)
            ):
                found.append(f"{tag} {name}")
    found += [s for s in parsed.scripts if "pwned" in s]
    return found


DOC = "postmortems/2025/pm-2025-001.html"
GUIDE_PAGE = "guide/writing.html"


@pytest.mark.parametrize("mode", [None, "sanitize", "escape"])
def test_authored_html_cannot_run_in_the_safe_modes(tmp_path: Path, mode: str | None) -> None:
    site = _build(tmp_path, mode)
    for page in (DOC, GUIDE_PAGE):
        assert _live(site / page) == [], page
    html = (site / DOC).read_text(encoding="utf-8")
    assert "kept as code" in html  # code blocks are the author's text, shown
    guide = parse(site / GUIDE_PAGE)
    assert "How we write postmortems" in " ".join(guide.text)  # the title still comes through
    if mode == "escape":
        assert "&lt;b&gt;Bold words&lt;/b&gt;" in html
    else:
        assert "<b>Bold words</b>" in html and '<td class="num">42</td>' in html


def test_allow_passes_raw_html_but_never_a_dangerous_link(tmp_path: Path) -> None:
    site = _build(tmp_path, "allow")
    html = (site / DOC).read_text(encoding="utf-8")
    assert 'window.pwned = "script"' in html  # trusted authors get their markup
    found = _live(site / DOC)
    assert not [f for f in found if f.endswith(("href", "src"))]
    assert "a href" not in " ".join(found)


def test_a_bad_raw_html_option_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="raw_html"):
        _build(tmp_path, "yes-please")


@pytest.mark.browser
@pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("KB_REQUIRE_BROWSER"),
    reason="needs Debian's chromium",
)
def test_nothing_runs_in_chromium(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    site = _build(tmp_path, None)
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page: Any = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            for rel in (DOC, GUIDE_PAGE):
                page.goto((site / rel).as_uri(), wait_until="load")
                for selector in ("a", "p", "span", "img"):
                    for element in page.query_selector_all(f"article {selector}"):
                        if element.is_visible():
                            element.hover()
                            element.click(no_wait_after=True, modifiers=["Alt"])
                    page.goto((site / rel).as_uri(), wait_until="load")
                assert page.evaluate("window.pwned === undefined"), rel
        finally:
            browser.close()
    assert dialogs == []


def test_an_imported_report_runs_nothing_even_with_raw_html_allowed(tmp_path: Path) -> None:
    from kb.cli.base import _run

    root = _build(tmp_path, "allow").parent
    report = tmp_path / "their-report.md"
    report.write_text("# Cache outage on 2025-04-02\n\n" + BODY, encoding="utf-8")
    cwd = Path.cwd()
    os.chdir(root)
    try:
        assert _run(["import", str(report), "--into", "content/postmortems/2025"]) == 0
    finally:
        os.chdir(cwd)
    site = build_site(load_settings(root), root / "site").site_dir
    page = next(p for p in site.rglob("*cache-outage*.html"))
    assert _live(page) == []
    html = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;window.pwned" in html  # shown as the report's words


@pytest.mark.parametrize("mode", ["sanitize", "escape"])
def test_text_without_raw_html_renders_the_same_unmarked(mode: str) -> None:
    # Text with no `<` is left unmarked (the marks cost Markdown's raw-HTML readers time):
    # the page must be what the marked text gives, entities, handlers and all.
    import markdown

    from kb.site.markup import SafeMarkup

    text = (
        "# Title\n\n## Summary\n\nFish &amp; chips, 3 > 2, `a < b` is code... no, it is "
        "not: this sentence has none.\n\n| a | b |\n| - | - |\n| 1 | 2 |\n\n"
        "A handler.\n{: onclick=\"window.pwned='attr'\" }\n\n[x](javascript:alert(1))\n"
    ).replace("`a < b`", "`a`")
    assert "<" not in text
    ext = SafeMarkup(mode)  # type: ignore[arg-type]
    assert ext.authored(text) == text

    def render(source: str) -> str:
        extensions: list[Any] = ["tables", "attr_list", "toc", ext]
        return markdown.Markdown(extensions=extensions).convert(source)

    marked = f"\n\n{ext.begin}\n\n{text}\n\n{ext.end}\n\n"
    ours = render(text)
    assert ours == render(marked).strip()  # the marks leave blank lines at most
    assert "onclick" not in ours and "javascript:" not in ours and "&amp;" in ours
