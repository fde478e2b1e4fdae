"""Take the documentation's screenshot of the example site in headless Chromium.

    python tools/screenshot.py [--page index.html] [--out docs/content/assets/site.png]

Builds the repository's example knowledge base into a temporary folder, serves it on
127.0.0.1 and saves a 1280x860 screenshot of one page (light scheme). Uses Debian's
chromium, as the browser tests do.
"""

from __future__ import annotations

import argparse
import functools
import shutil
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    """Build, serve, shoot."""
    from playwright.sync_api import sync_playwright

    from kb.config import load_settings
    from kb.site.build import build_site

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="index.html")
    parser.add_argument("--out", type=Path, default=REPO / "docs/content/assets/site.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        build_site(load_settings(REPO), site)
        handler = functools.partial(_Quiet, directory=str(site))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                )
                page = browser.new_page(viewport={"width": 1280, "height": 860})
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/{args.page}")
                page.wait_for_load_state("networkidle")
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out))
                browser.close()
        finally:
            server.shutdown()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
