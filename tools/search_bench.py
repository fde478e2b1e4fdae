"""The site's search in a browser: bytes fetched for the first query and time to the
first result, kb's Pagefind search against Material's search on the same corpus.

    python tools/search_bench.py CORPUS [--query WORD] [--no-build]

CORPUS is a knowledge base (tools/gen_corpus.py makes one). The script builds it
with `kb build` (into site/, Pagefind) and with plain mkdocs and Material's search
plugin (tools/baselines.py, into site-plain/), unless --no-build; serves each
folder on 127.0.0.1 and, in headless Chromium (Playwright, Debian's chromium),
opens a document page, opens the search box, types the query and waits for the
first result. Reported: every byte the search fetched (index, its code, its
worker), the time to the first result shown from opening the page and from its
load event (the search's own latency: opening the box, loading the search code,
the query), and Pagefind's share of the kb build.
"""

from __future__ import annotations

import argparse
import functools
import re
import subprocess
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

CHROMIUM = "/usr/bin/chromium"
SEARCH_FILES = re.compile(r"/(pagefind|search)/|search\.js")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _measure(browser: Any, url: str, query: str, kind: str) -> tuple[int, float, float, int]:
    """(search bytes fetched, seconds from opening the page to the first result, seconds
    from the page's load event to it, results)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    fetched: dict[str, int] = {}

    def seen(response: Any) -> None:
        if SEARCH_FILES.search(response.url):
            try:
                fetched[response.url] = len(response.body())
            except Exception:  # a body the browser did not keep (a redirect)
                fetched.setdefault(response.url, 0)

    context.on("response", seen)
    start = time.perf_counter()
    page.goto(url, wait_until="load")
    loaded = time.perf_counter()
    if kind == "kb":
        page.locator(".kb-search__button").click()
        box = page.locator(".kb-search input.pagefind-ui__search-input")
        result = page.locator(".kb-search .pagefind-ui__result").first
    else:
        page.locator("label.md-search__icon, .md-search__input").first.click()
        box = page.locator("input.md-search__input")
        result = page.locator(".md-search-result__item").first
    box.wait_for(timeout=120_000)
    box.focus()
    page.keyboard.type(query)
    result.wait_for(timeout=600_000)
    seconds = time.perf_counter() - start
    after_load = time.perf_counter() - loaded
    page.wait_for_load_state("networkidle")
    count = page.locator(
        ".kb-search .pagefind-ui__result" if kind == "kb" else ".md-search-result__item"
    ).count()
    context.close()
    return sum(fetched.values()), seconds, after_load, count


def main() -> int:
    """Build both sites (unless --no-build), measure one query on each, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--query", default="timeout")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    root = args.corpus.resolve()
    share = ""
    if not args.no_build:
        import baselines

        plain = baselines.plain_mkdocs_config(root, root / "mkdocs-plain.yml")
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "kb", "build"], cwd=root, capture_output=True, text=True
        )
        kb_seconds = time.perf_counter() - start
        assert out.returncode == 0, out.stdout + out.stderr
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(plain)], cwd=root, check=True
        )
        from kb.site.pagefind import index_site

        again = index_site(root / "site")  # the same step the build ended with, timed alone
        share = (
            f"kb build {kb_seconds:.1f} s (`kb build` as a process); Pagefind over its "
            f"{again.pages:,} pages {again.seconds:.1f} s ({again.seconds / kb_seconds:.0%} of "
            f"the build); index {again.bytes / 1e6:.1f} MB in all"
        )
    doc = next((root / "site" / "postmortems").rglob("*.html")).relative_to(root / "site")
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for kind, folder in (("kb", root / "site"), ("material", root / "site-plain")):
            server, base = _serve(folder)
            try:
                rows.append((kind, *_measure(browser, base + doc.as_posix(), args.query, kind)))
            finally:
                server.shutdown()
        browser.close()
    documents = len(list((root / "content").rglob("*.md")))
    print(f"## Site search, {documents:,} Markdown files, query {args.query!r}\n")
    print(
        "| search | bytes fetched for the first query | page opened -> first result "
        "| page loaded -> first result | results |"
    )
    print("|---|---|---|---|---|")
    for kind, size, seconds, after_load, count in rows:
        name = "kb (Pagefind)" if kind == "kb" else "Material search plugin"
        print(f"| {name} | {size:,} | {seconds:.2f} s | {after_load:.2f} s | {count} shown |")
    if share:
        print(f"\n{share}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
