"""Save-to-page latency of `kb serve`: the time from saving one document until the
preview serves its page with the change, until the rebuild has ended (every page
consistent), until the server tells the browser to reload after it, and until the search
index has it.

    python tools/preview_bench.py CORPUS [--saves 5] [--title]

CORPUS is a knowledge base (tools/gen_corpus.py makes one). A real `kb serve` runs
on a free port of 127.0.0.1; each save appends a new word to one document's body
(a different document each time, restored at the end), or to its title with --title,
then the script polls the page every 20 ms. The first build (every page rendered,
as `mkdocs serve` does on every save) is reported too.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

WAIT = 900.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, OSError):
        return ""


_EPOCH = re.compile(r"livereload\((\d+), \d+\)")


def _reloaded(base: str, page: str) -> float | None:
    """When the server tells a browser showing `page` to reload: mkdocs' live-reload
    script asks /livereload/EPOCH/ID, which answers once a newer build is visible (after
    the whole rebuild, kb's work after the pages are written included). None: the page
    came from the newest build already."""
    found = _EPOCH.search(page)
    if found is None:
        return None
    epoch = int(found[1])
    deadline = time.perf_counter() + WAIT
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(f"{base}livereload/{epoch}/1", timeout=90) as response:
                newer = int(response.read())
        except (urllib.error.URLError, OSError, ValueError):
            time.sleep(0.05)
            continue
        if newer > epoch:
            return time.perf_counter()
    return None


class Served:
    """A `kb serve` process and its log lines, each with the time it was read."""

    def __init__(self, root: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        self.lines: queue.Queue[tuple[float, str]] = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kb", "serve", "-a", f"127.0.0.1:{self.port}"],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put((time.perf_counter(), line.rstrip()))

    def until_line(self, pattern: str, since: float) -> tuple[float, str]:
        """The first log line matching `pattern` read after `since`."""
        deadline = time.perf_counter() + WAIT
        while True:
            at, line = self.lines.get(timeout=max(0.1, deadline - time.perf_counter()))
            if at >= since and re.search(pattern, line):
                return at, line

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def main() -> int:
    """Run the benchmark and print its results as Markdown rows."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--saves", type=int, default=5)
    parser.add_argument(
        "--title",
        action="store_true",
        help="add the word to the document's title (front-matter) instead of its text",
    )
    args = parser.parse_args()
    root = args.corpus.resolve()
    docs = sorted((root / "content" / "postmortems").rglob("*.md"))
    assert docs, f"no postmortems under {root}/content"
    start = time.perf_counter()
    served = Served(root)
    originals: dict[Path, str] = {}
    page_s, built_s, reload_s, search_s, rendered = [], [], [], [], []
    try:
        at, line = served.until_line(r"Documentation built in", start)
        first = float(re.findall(r"built in ([\d.]+)", line)[0])
        at, _ = served.until_line(r"kb: search index of", start)
        first_search = at - start
        step = max(1, len(docs) // args.saves)
        for n in range(args.saves):
            doc = docs[(n * step + len(docs) // 3) % len(docs)]
            url = served.base + doc.relative_to(root / "content").with_suffix(".html").as_posix()
            word = f"zebrafish{n}quokka"
            originals.setdefault(doc, doc.read_text(encoding="utf-8"))
            time.sleep(1.5)  # the watcher's debounce, so each save is its own rebuild
            saved = time.perf_counter()
            if args.title:  # every page that lists the document follows
                text = re.sub(
                    r"(?m)^title: ([\"']?)(.*?)\1$",
                    rf"title: \1\2 {word}\1",
                    originals[doc],
                    count=1,
                )
            else:
                text = originals[doc] + f"\n\nSaved word {word}.\n"
            doc.write_text(text, encoding="utf-8")
            while word not in (page := _get(url)):
                assert time.perf_counter() - saved < WAIT, "the page never changed"
                time.sleep(0.02)
            page_s.append(time.perf_counter() - saved)
            reloaded = _reloaded(served.base, page)  # the first pass's page, then the rebuild
            if reloaded is not None:
                reload_s.append(reloaded - saved)
            # In the order the preview logs them: the plugin's count, then mkdocs' end.
            at, line = served.until_line(r"kb: \d+ page\(s\) rendered", saved)
            rendered.append(line.split("kb: ", 1)[1])
            at, _ = served.until_line(r"Documentation built in", saved)
            built_s.append(at - saved)
            at, _ = served.until_line(r"kb: search index of", saved)
            search_s.append(at - saved)
    finally:
        served.close()
        for doc, text in originals.items():
            doc.write_text(text, encoding="utf-8")
    count = len(docs) + len(list((root / "content" / "premortems").rglob("*.md")))
    print(f"## kb serve, {count:,} documents, {args.saves} saves (median, min-max)\n")
    print("| step | seconds |")
    print("|---|---|")
    print(f"| first build (every page rendered, as mkdocs serve on each save) | {first:.1f} |")
    print(f"| first search index | {first_search:.1f} (from start) |")
    for name, values in (
        ("save -> edited page served", page_s),
        ("save -> rebuild ended (every page consistent)", built_s),
        ("save -> browser told to reload after the rebuild", reload_s),
        ("save -> search index has it", search_s),
    ):
        if not values:
            print(f"| {name} | - |")
            continue
        print(f"| {name} | {statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f}) |")
    print(f"\nLast rebuild: {rendered[-1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
