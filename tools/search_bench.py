"""The site's search in a browser: bytes fetched for the first query and time to the
first result, kb's Pagefind search against Material's search on the same corpus.

    python tools/search_bench.py CORPUS [--query WORD ...] [--runs N] [--no-build]

CORPUS is a knowledge base (tools/gen_corpus.py makes one). The script builds it
with `kb build` (into site/, Pagefind) and with plain mkdocs and Material's search
plugin (tools/baselines.py, into site-plain/), unless --no-build; serves each
folder on 127.0.0.1 and, in headless Chromium (Playwright, Debian's chromium),
opens a document page, opens the search box, types the query and waits for the
first result (timed in the page: see WATCH). Reported per query, the median and
range of --runs fresh browser contexts: every byte the search fetched (index, its
code, its worker), the time to the first result shown from opening the page and
from its load event (the search's own latency: opening the box, loading the
search code, the query), and Pagefind's share of the kb build.
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
from typing import Any, ClassVar, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

T = TypeVar("T")
CHROMIUM = "/usr/bin/chromium"
SEARCH_FILES = re.compile(r"/(pagefind|search)/|search\.js")


class _Counting(SimpleHTTPRequestHandler):
    """Serves the site quietly and counts the bytes of the search's files it sends (the
    server counts them: asking the browser for each response's body slows it down)."""

    sent: ClassVar[dict[str, int]] = {}

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def copyfile(self, source: Any, outputfile: Any) -> None:
        data = source.read()
        if SEARCH_FILES.search(self.path):
            self.sent[self.path] = self.sent.get(self.path, 0) + len(data)
        outputfile.write(data)


def _serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Counting, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


# Timed in the page, not by polling it from outside: Playwright looks for an element
# at growing intervals (up to 500 ms apart), which rounds a result shown at 0.8 s up
# to 1.1 s. A MutationObserver notes the moment the first result is in the page and
# visible, on the page's own clock (milliseconds since it was opened).
WATCH = """
window.__kbBench = {first: null};
document.addEventListener("DOMContentLoaded", () => {
  const seen = () => {
    const hit = document.querySelector(window.__kbBenchResult || "#none");
    if (hit && window.__kbBench.first === null && hit.getClientRects().length) {
      window.__kbBench.first = performance.now();
      watcher.disconnect();
    }
  };
  const watcher = new MutationObserver(seen);
  watcher.observe(document.body, {childList: true, subtree: true, attributes: true});
});
"""
RESULT = {"kb": ".kb-search .pagefind-ui__result", "material": ".md-search-result__item"}


def _measure(browser: Any, url: str, query: str, kind: str) -> tuple[int, float, float, int]:
    """(search bytes fetched, seconds from opening the page to the first result, seconds
    from the page's load event to it, results)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(f"window.__kbBenchResult = {RESULT[kind]!r};" + WATCH)
    page = context.new_page()
    _Counting.sent.clear()
    page.goto(url, wait_until="load")
    if kind == "kb":
        page.locator(".kb-search__button").click()
        box = page.locator(".kb-search input.pagefind-ui__search-input")
    else:
        page.locator("label.md-search__icon, .md-search__input").first.click()
        box = page.locator("input.md-search__input")
    box.wait_for(timeout=120_000)
    box.focus()
    page.keyboard.type(query)
    page.locator(RESULT[kind]).first.wait_for(timeout=600_000)
    first, loaded = page.evaluate(
        "[window.__kbBench.first, performance.getEntriesByType('navigation')[0].loadEventEnd]"
    )
    assert first is not None, "the result was shown before the page was watched"
    page.wait_for_load_state("networkidle")
    count = page.locator(RESULT[kind]).count()
    context.close()
    return sum(_Counting.sent.values()), first / 1000, (first - loaded) / 1000, count


def _middle(values: list[T]) -> T:
    return values[len(values) // 2]


def _spread(seconds: list[float]) -> str:
    return f"{_middle(seconds):.2f} s ({seconds[0]:.2f}-{seconds[-1]:.2f})"


def main() -> int:
    """Build both sites (unless --no-build), time each query on each, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument(
        "--query", action="append", help="a query to time (repeatable; default: timeout)"
    )
    parser.add_argument("--runs", type=int, default=3, help="fresh browser contexts per query")
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

    queries = args.query or ["timeout"]
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for kind, folder in (("kb", root / "site"), ("material", root / "site-plain")):
            server, base = _serve(folder)
            try:
                for query in queries:
                    runs = [
                        _measure(browser, base + doc.as_posix(), query, kind)
                        for _ in range(args.runs)
                    ]
                    rows.append((kind, query, runs))
            finally:
                server.shutdown()
        browser.close()
    documents = len(list((root / "content").rglob("*.md")))
    print(f"## Site search, {documents:,} Markdown files, median (range) of {args.runs} runs\n")
    print(
        "| search | query | bytes fetched for the first query | page opened -> first result "
        "| page loaded -> first result | results |"
    )
    print("|---|---|---|---|---|---|")
    for kind, query, runs in rows:
        name = "kb (Pagefind)" if kind == "kb" else "Material search plugin"
        size, opened, loaded, count = (sorted(r[i] for r in runs) for i in range(4))
        print(
            f"| {name} | {query} | {_middle(size):,} | {_spread(opened)} | {_spread(loaded)} "
            f"| {_middle(count)} shown |"
        )
    if share:
        print(f"\n{share}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
