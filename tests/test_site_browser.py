"""The built example site in real headless Chromium: links, search, charts, a clean console.

Uses Debian's chromium (`apt-get install chromium`, as .ci/run does) driven by
Playwright's Python package; Playwright's own browser download is never used.
Screenshots of the home, trends, a service and a pre-mortem page (on the example's
configuration and on the README's minimal one) are kept in test-artifacts/.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from kb.config import load_settings
from kb.knowledge import KnowledgeBase, load_knowledge_base
from kb.site.pagefind import filters

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    # .ci/run installs chromium and sets KB_REQUIRE_BROWSER=1, so CI fails instead of skipping.
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and not os.environ.get("KB_REQUIRE_BROWSER"),
        reason="needs Debian's chromium",
    ),
]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """`folder` served on a free port of 127.0.0.1, as a static web server would; its URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def base_url(example_site: Path) -> Iterator[str]:
    with served(example_site) as url:
        yield url


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base(load_settings(REPO))


class Watch:
    """Console errors, page errors and requests to other hosts, across every page opened."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.failed: list[str] = []
        self.notes: list[str] = []  # warnings and index responses, shown when a test fails

    def attach(self, page: Any) -> Any:
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("console", lambda m: m.type == "warning" and self.notes.append(m.text))
        page.on(
            "response",
            lambda r: (
                "pagefind-entry" in r.url
                and self.notes.append(f"{r.status} {r.url} {r.headers.get('content-length')}")
            ),
        )
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(r.url))
        page.on(
            "request",
            lambda r: (
                urlsplit(r.url).hostname not in ("127.0.0.1", None) and self.foreign.append(r.url)
            ),
        )
        return page


@pytest.fixture(scope="module")
def watch() -> Iterator[Watch]:
    seen = Watch()
    yield seen
    # Shown with a failing test's output: what the browser said meanwhile.
    print("browser errors:", seen.errors, "failed requests:", seen.failed, "notes:", seen.notes)


def open_page(browser: Any, watch: Watch, url: str, scheme: str = "light") -> Any:
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    page = watch.attach(context.new_page())
    page.goto(url, wait_until="networkidle")
    return page


def test_category_page_links_to_its_incidents(
    browser: Any, watch: Watch, base_url: str, kb: KnowledgeBase
) -> None:
    counts = Counter(c for d in kb.postmortems for c in d.meta.categories)  # type: ignore[union-attr]
    slug, _n = counts.most_common(1)[0]
    page = open_page(browser, watch, f"{base_url}categories/{slug}/index.html")
    table = page.locator("h2#incidents").locator("xpath=following::table[1]")
    links = table.locator("a")
    titles = {d.meta.title for d in kb.postmortems if slug in d.meta.categories}  # type: ignore[union-attr]
    assert links.count() == len(titles)
    assert {links.nth(i).inner_text() for i in range(links.count())} == titles
    first = links.first.inner_text()
    links.first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("article h1").first.inner_text().strip().rstrip("¶").strip() == first
    page.context.close()


def unique_body_word(kb: KnowledgeBase) -> tuple[str, str]:
    """A word in exactly one postmortem's body and nowhere else in the content (nor its title)."""
    words = re.compile(r"\b[a-z]{9,}\b")
    everywhere: Counter[str] = Counter()
    for path in sorted(kb.settings.content_dir.rglob("*.md")):
        everywhere.update(set(words.findall(path.read_text(encoding="utf-8").lower())))
    for doc in sorted(kb.postmortems, key=lambda d: d.id):
        title = doc.meta.title.lower()
        for word in sorted(set(words.findall(doc.body.lower()))):
            if everywhere[word] == 1 and word not in title:
                return word, doc.meta.title
    raise AssertionError("no word is unique to one document")


def search(page: Any, query: str) -> Any:
    """Open kb's search box in the header, type `query`, wait for the results."""
    page.locator(".md-header .kb-search__button").click()
    box = page.locator(".kb-search input.pagefind-ui__search-input")
    box.wait_for(timeout=15_000)
    box.type(query, delay=20)
    # The box searches 100 ms after a keystroke: wait for the results of the whole query,
    # not those of a prefix typed while the machine was slow.
    try:
        page.wait_for_function(
            "q => { const m = document.querySelector('.kb-search .pagefind-ui__message');"
            " return m !== null && /results? for/.test(m.textContent) && m.textContent.includes(q); }",
            arg=query,
            timeout=15_000,
        )
    except Exception as err:
        message = page.locator(".kb-search .pagefind-ui__message")
        shown = message.inner_text() if message.count() else None
        said = f"typed {query!r}; the box holds {box.input_value()!r}, says {shown!r}"
        raise AssertionError(said) from err
    results = page.locator(".kb-search .pagefind-ui__result")
    results.first.wait_for(timeout=15_000)
    # Each result shows a placeholder until its page's data has arrived: wait for them all.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.kb-search .pagefind-ui__result')]"
        ".every(r => r.querySelector('.pagefind-ui__result-link') !== null)",
        timeout=15_000,
    )
    return results


def search_fetching(page: Any, query: str) -> tuple[Any, list[str]]:
    """`search`, and the URLs the page fetched meanwhile."""
    fetched: list[str] = []
    page.on("response", lambda r: fetched.append(r.url))
    return search(page, query), fetched


def test_search_box_finds_a_document_by_a_word_in_its_body(
    browser: Any, watch: Watch, base_url: str, kb: KnowledgeBase
) -> None:
    word, title = unique_body_word(kb)
    page = open_page(browser, watch, f"{base_url}index.html")
    results, fetched = search_fetching(page, word)
    found = results.locator(".pagefind-ui__result-link").all_inner_texts()
    assert found[0] == title, (word, found)
    results.locator(".pagefind-ui__result-link").first.click()
    page.wait_for_load_state("load")
    assert page.locator("article h1").first.inner_text().strip().rstrip("¶").strip() == title
    # Pagefind fetched chunks of its index, never a whole-site index.
    assert any("/pagefind/index/" in u for u in fetched)
    assert not any("search_index" in u for u in fetched)
    page.context.close()


def result_count(page: Any) -> int:
    """The number of results the search box reports ("12 results for ...")."""
    message = page.locator(".kb-search .pagefind-ui__message").inner_text()
    found = re.match(r"(\d+) results? for", message)
    assert found, message
    return int(found.group(1))


def test_search_filters_by_category(
    browser: Any, watch: Watch, base_url: str, kb: KnowledgeBase
) -> None:
    page = open_page(browser, watch, f"{base_url}guide/writing-postmortems.html")
    results = search(page, "database")
    total = result_count(page)
    shown = results.locator(".pagefind-ui__result-link").all_inner_texts()
    # A category that some of the results shown have and some do not.
    by_title = {d.meta.title: d for d in kb.documents}
    has = [set(filters(by_title[t], kb.taxonomy).get("category", [])) for t in shown]
    category = next(c for c in sorted(set().union(*has)) if not all(c in h for h in has))
    label = rf"^\s*{re.escape(category)}\s*\(\d+\)"  # the category's box, "Datastore (4)"
    page.locator(".kb-search label", has_text=re.compile(label)).first.click()
    page.wait_for_function(
        "n => /^\\d+ results? for/.test(document.querySelector('.kb-search .pagefind-ui__message')"
        ".innerText) && parseInt(document.querySelector('.kb-search .pagefind-ui__message')"
        ".innerText) < n",
        arg=total,
        timeout=15_000,
    )
    assert 0 < result_count(page) < total
    for title in results.locator(".pagefind-ui__result-link").all_inner_texts():
        assert category in filters(by_title[title], kb.taxonomy)["category"]
    page.context.close()


@pytest.fixture(scope="module")
def parted_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example site with its search index made in parts, as a big site's is."""
    from kb.site import pagefind
    from kb.site.build import build_site

    site = tmp_path_factory.mktemp("parted") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pagefind, "PART_BYTES", 60_000)
        build_site(load_settings(REPO), site)
    parts = json.loads((site / "pagefind" / pagefind.PARTS).read_text())["merge"]
    assert len(parts) >= 3, parts
    # Every part whole: a part Pagefind left a file of empty, kb indexed again.
    assert [pagefind.incomplete(site / "pagefind" / part) for part in ["", *parts]] == [
        [] for _ in range(len(parts) + 1)
    ]
    with served(site) as url:
        yield url


def filter_counts(page: Any) -> list[str]:
    """The search box's filter values with their counts ("Datastore (4)")."""
    labels = page.locator(".kb-search label").all_inner_texts()
    return sorted(" ".join(t.split()) for t in labels if re.search(r"\(\d+\)", t))


def test_search_in_parts_answers_as_one_index(
    browser: Any, watch: Watch, base_url: str, parted_url: str, kb: KnowledgeBase
) -> None:
    word, title = unique_body_word(kb)
    page = open_page(browser, watch, f"{parted_url}guide/writing-postmortems.html")
    results, fetched = search_fetching(page, word)
    assert results.locator(".pagefind-ui__result-link").first.inner_text() == title
    assert any("/pagefind/part-" in u for u in fetched)  # the other parts were searched
    results.locator(".pagefind-ui__result-link").first.click()
    page.wait_for_load_state("load")
    assert page.locator("article h1").first.inner_text().strip().rstrip("¶").strip() == title
    page.context.close()
    # A common word: as many results, and the same filter counts, as from one index.
    seen = []
    for url in (base_url, parted_url):
        page = open_page(browser, watch, f"{url}index.html")
        search(page, "database")
        page.wait_for_load_state("networkidle")
        seen.append((result_count(page), filter_counts(page)))
        page.context.close()
    assert seen[0] == seen[1] and seen[0][0] > 1 and seen[0][1], seen


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_box_follows_the_colour_scheme(
    browser: Any, watch: Watch, base_url: str, scheme: str
) -> None:
    page = open_page(browser, watch, f"{base_url}index.html", scheme)
    search(page, "checkout")
    panel = page.locator(".kb-search__panel")
    background = panel.evaluate("e => getComputedStyle(e).backgroundColor")
    body = page.evaluate("getComputedStyle(document.querySelector('.md-main')).backgroundColor")
    text = page.locator(".kb-search .pagefind-ui__result-link").first.evaluate(
        "e => getComputedStyle(e).color"
    )
    assert background == page.evaluate("getComputedStyle(document.body).backgroundColor"), (
        background
    )
    light = sum(int(v) for v in re.findall(r"\d+", background)[:3]) > 3 * 128
    assert light == (scheme == "light"), (scheme, background, body)
    assert text != background
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"search-{scheme}.png"))
    page.context.close()


def luminance(css_colour: str) -> float:
    """0 (black) to 1 (white) for a computed CSS colour like 'rgb(51, 51, 51)' or 'rgba(...)'."""
    r, g, b = (int(v) for v in re.findall(r"[\d.]+", css_colour)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def chart_inks(page: Any) -> list[tuple[str, str]]:
    """For each chart on the page: the computed fill of its title text and the page's
    background behind it."""
    return page.evaluate(
        """() => [...document.querySelectorAll('svg.kb-chart')].map(svg => {
            const text = svg.querySelector('text');
            let el = svg, bg = 'rgba(0, 0, 0, 0)';
            while (el && (bg === 'rgba(0, 0, 0, 0)' || bg === 'transparent')) {
                bg = getComputedStyle(el).backgroundColor; el = el.parentElement;
            }
            return [getComputedStyle(text).fill, bg];
        })"""
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_trend_charts_are_visible(browser: Any, watch: Watch, base_url: str, scheme: str) -> None:
    page = open_page(browser, watch, f"{base_url}trends/index.html", scheme)
    charts = page.locator("svg.kb-chart")
    assert charts.count() == 6  # each chart once, whichever the scheme
    assert page.locator("img[src$='.svg#only-light'], img[src$='.svg#only-dark']").count() == 0
    for i in range(charts.count()):
        svg = charts.nth(i)
        svg.scroll_into_view_if_needed()
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
    # The ink follows the scheme: dark on the light page, light on the dark (slate) one.
    for ink, background in chart_inks(page):
        assert abs(luminance(ink) - luminance(background)) > 0.45, (ink, background)
    # The numbers are under each chart, one click away, with n for every distribution.
    details = page.locator("details.kb-data")
    assert details.count() == 6
    details.first.locator("summary").click()
    assert details.first.locator("table").is_visible()
    assert "Incidents (n)" in (
        page.locator("#time-to-detect ~ details table").first.text_content() or ""
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"trends-{scheme}.png"), full_page=True)
    page.context.close()


def test_material_toggle_recolours_the_charts(browser: Any, watch: Watch, base_url: str) -> None:
    # The reader's own toggle (data-md-color-scheme), not only the system's preference.
    page = open_page(browser, watch, f"{base_url}trends/index.html", "light")
    before = chart_inks(page)[0][0]
    page.locator("form.md-header__option label").first.click()
    page.wait_for_function("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    ink, background = chart_inks(page)[0]
    assert ink != before and luminance(ink) > 0.6 and luminance(background) < 0.3
    page.context.close()


def test_service_and_premortem_pages(
    browser: Any, watch: Watch, base_url: str, kb: KnowledgeBase
) -> None:
    counts = Counter(s for d in kb.postmortems for s in d.meta.services)
    service = counts.most_common(1)[0][0]
    page = open_page(browser, watch, f"{base_url}services/index.html")
    page.locator("table a", has_text=service).first.click()
    page.wait_for_load_state("networkidle")
    chart = page.locator("svg.kb-chart")
    assert chart.count() == 1 and chart.first.is_visible()
    for heading in ("Incidents per quarter", "Time to resolve", "Open action items"):
        assert page.locator("article h2", has_text=heading).count() == 1, heading
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "service.png"), full_page=True)
    page.context.close()

    pre = max(kb.premortems, key=lambda d: len(d.meta.risks))  # type: ignore[union-attr]
    page = open_page(browser, watch, base_url + pre.src_uri.replace(".md", ".html"))
    matrix = page.locator("table.kb-matrix")
    assert matrix.is_visible()
    assert matrix.locator("tbody tr").count() == 5
    assert matrix.locator("tbody td").count() == 25
    links = matrix.locator("a")
    assert links.count() == len(pre.meta.risks)  # type: ignore[union-attr]
    links.first.click()  # a cell's risk jumps to its row in the register
    target = page.evaluate("location.hash")
    assert target.startswith("#risk-r") and page.locator(target).is_visible()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "premortem.png"), full_page=True)
    page.context.close()


def test_home_panel_and_action_items_on_a_phone(browser: Any, watch: Watch, base_url: str) -> None:
    page = open_page(browser, watch, f"{base_url}index.html")
    panel = page.locator("#what-we-keep-learning + p + ul")
    assert panel.locator("svg.kb-spark").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
    page.context.close()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = watch.attach(context.new_page())
    phone.goto(f"{base_url}actions/index.html", wait_until="networkidle")
    table = phone.locator("article table").first
    # No sideways scrolling: neither the page nor the table is wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    wrap = "t => { const w = t.closest('.md-typeset__scrollwrap') || t.parentElement;"
    assert table.evaluate(wrap + " return w.scrollWidth <= w.clientWidth + 1; }")
    # Ids never wrap: each incident id sits on one line.
    ids = table.locator("tbody tr td:nth-child(3) a")
    heights = {round(ids.nth(i).bounding_box()["height"]) for i in range(min(5, ids.count()))}
    assert len(heights) == 1
    context.close()


MINIMAL = """\
site_name: Minimal KB
docs_dir: content
theme:
  name: material
plugins:
  - search
  - kb:
      today: 2026-12-07
"""


@pytest.fixture(scope="module")
def minimal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example content under the README's minimal mkdocs.yml: no palette, fonts on."""
    from kb.site.build import build_site

    root = tmp_path_factory.mktemp("minimal")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "taxonomy.yml", root / "taxonomy.yml")
    (root / "mkdocs.yml").write_text(MINIMAL, encoding="utf-8")
    site = build_site(load_settings(root), root / "site").site_dir
    with served(site) as url:
        yield url


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_minimal_configuration_shows_each_chart_once_and_readably(
    browser: Any, minimal_url: str, scheme: str
) -> None:
    watch = Watch()
    page = open_page(browser, watch, f"{minimal_url}trends/", scheme)
    charts = page.locator("svg.kb-chart")
    assert charts.count() == 6
    assert all(charts.nth(i).is_visible() for i in range(6))
    assert page.locator("article img").count() == 0  # no second copy anywhere
    # Without a palette Material stays light even when the system prefers dark: so do the
    # charts' ink and text.
    for ink, background in chart_inks(page):
        assert abs(luminance(ink) - luminance(background)) > 0.45, (ink, background)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"minimal-trends-{scheme}.png"), full_page=True)
    page.context.close()
    # What it loads from elsewhere is exactly what the build warned about: Google Fonts.
    assert watch.foreign and all("fonts.g" in url for url in watch.foreign), watch.foreign


def test_minimal_configuration_service_and_premortem_pages(
    browser: Any, minimal_url: str, kb: KnowledgeBase
) -> None:
    watch = Watch()
    page = open_page(browser, watch, f"{minimal_url}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "minimal-home.png"), full_page=True)
    page.goto(f"{minimal_url}services/", wait_until="networkidle")
    page.locator("article table a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("svg.kb-chart").count() == 1
    page.screenshot(path=str(ARTIFACTS / "minimal-service.png"), full_page=True)
    pre = max(kb.premortems, key=lambda d: len(d.meta.risks))  # type: ignore[union-attr]
    page.goto(minimal_url + pre.src_uri.replace(".md", "/"), wait_until="networkidle")
    assert page.locator("table.kb-matrix tbody td").count() == 25
    page.screenshot(path=str(ARTIFACTS / "minimal-premortem.png"), full_page=True)
    page.context.close()


def test_a_site_with_nothing_to_search_says_so(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Pagefind makes no index of no pages: the box must not claim the index is missing.
    from kb.site.build import build_site

    root = tmp_path_factory.mktemp("empty")
    (root / "content").mkdir()
    shutil.copy(REPO / "taxonomy.yml", root / "taxonomy.yml")
    (root / "mkdocs.yml").write_text(
        "site_name: Empty KB\ndocs_dir: content\ntheme:\n  name: material\n  font: false\n"
        "plugins:\n  - kb\n",
        encoding="utf-8",
    )
    site = build_site(load_settings(root), root / "site").site_dir
    seen = Watch()  # its own: the box's script is not there to load, which the browser logs
    with served(site) as url:
        page = open_page(browser, seen, url)
        page.locator(".md-header .kb-search__button").click()
        note = page.locator(".kb-search .kb-search__note")
        note.wait_for(timeout=15_000)
        assert "Nothing to search yet" in note.inner_text()
        page.context.close()
    assert [e for e in seen.errors if "404" not in e] == [] and seen.foreign == []


def test_console_clean_and_nothing_loaded_from_elsewhere(
    browser: Any, watch: Watch, base_url: str, kb: KnowledgeBase
) -> None:
    for path in (
        "index.html",
        "actions/index.html",
        kb.premortems[0].src_uri.replace(".md", ".html"),
    ):
        open_page(browser, watch, base_url + path).context.close()
    assert watch.errors == [] and watch.failed == []
    assert watch.foreign == []  # works offline: no CDN fonts or scripts


def test_site_opens_from_disk(browser: Any, example_site: Path) -> None:
    watch = Watch()
    page = open_page(browser, watch, (example_site / "trends" / "index.html").as_uri())
    charts = page.locator("svg.kb-chart")
    assert charts.count() == 6
    assert all(charts.nth(i).is_visible() for i in range(6))
    page.locator("nav.md-nav--primary a", has_text="Categories").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/categories/index.html")
    assert page.locator("article h1").first.inner_text().startswith("Categories")
    # Only the search needs a web server (browsers refuse Pagefind's fetches from disk):
    # the box says so instead of failing.
    page.locator(".md-header .kb-search__button").click()
    note = page.locator(".kb-search__note")
    assert "kb serve" in note.inner_text()
    assert watch.errors == [] and watch.failed == [] and watch.foreign == []
    page.context.close()
