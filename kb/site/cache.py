"""What one site build keeps for the next: drawn charts and similar-incident rankings.

Drawing the charts with matplotlib and ranking every postmortem's similar
incidents from the search index are the two parts of a build that cost the
most CPU beyond mkdocs' own work, and between two builds they seldom change:
a category's chart only changes with its incidents, the ranking only with the
search index. Both are kept under the plugin's `cache_dir` (default
`.kb/cache`, beside the search index; `.kb/` is not committed):

    charts/<key>.svg   a chart's light-scheme SVG; the key hashes everything that is
                       drawn (title, periods, values, colours ...) and the drawing code
    similar.json       the last ranking, with the key it was computed for (the search
                       index's state, the postmortems shown and the limit)
    front-matter.json  every document's parsed front-matter (kb.parsecache)

Any entry can be deleted at any time, and a missing, unreadable or mismatched
one is simply computed again: the cache can make a build faster, never
different. Entries are written to a temporary file and renamed into place, so
an interrupted build or two builds at once never leave half an entry. A cache
that cannot be written (read-only checkout, full disk) is skipped silently.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from kb.files import write_atomically
from kb.site.charts import Chart

CHARTS_KEPT = 1000  # charts on disk at most; the least recently used go first


@cache
def _drawing_version() -> str:
    """What else decides a chart's SVG: kb's drawing code and matplotlib's version."""
    from importlib import metadata

    from kb.site import charts

    code = Path(charts.__file__).read_bytes()
    try:
        plotter = metadata.version("matplotlib")
    except metadata.PackageNotFoundError:
        plotter = "?"
    return hashlib.sha256(code + plotter.encode()).hexdigest()


def chart_key(chart: Chart) -> str:
    """A name for the chart's drawing that changes whenever the drawing would."""
    return hashlib.sha256((_drawing_version() + repr(chart)).encode()).hexdigest()[:40]


class ChartStore:
    """Drawn charts by key, as SVG files in `folder`/charts."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder) / "charts"

    def get(self, chart: Chart) -> str | None:
        """The chart's light SVG as drawn before, or None."""
        path = self.folder / f"{chart_key(chart)}.svg"
        try:
            svg = path.read_text(encoding="utf-8")
            os.utime(path)  # recently used: pruned last
        except (OSError, UnicodeDecodeError):
            return None
        # A file cut short by a full disk or a crash is not a chart.
        return svg if svg.rstrip().endswith("</svg>") else None

    def put(self, chart: Chart, svg: str) -> None:
        """Keep a drawn chart (quietly not, when the folder cannot be written)."""
        with contextlib.suppress(OSError):
            write_atomically(self.folder / f"{chart_key(chart)}.svg", svg)

    def prune(self, keep: int = CHARTS_KEPT) -> int:
        """Remove all but the `keep` most recently used charts; how many went."""
        try:
            entries = [(p.stat().st_mtime_ns, p) for p in self.folder.glob("*.svg")]
        except OSError:
            return 0
        if len(entries) <= keep:
            return 0
        entries.sort(reverse=True)
        removed = 0
        for _, path in entries[keep:]:
            try:
                path.unlink()
                removed += 1
            except OSError:
                pass
        return removed


class RankingStore:
    """The last similar-incident ranking and the key it was computed for."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / "similar.json"

    def get(self, key: str) -> dict[str, list[tuple[str, float]]] | None:
        """The ranking stored for `key`, or None (missing, unreadable, other key)."""
        try:
            data: Any = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        ranking = data.get("similar")
        if not isinstance(ranking, dict):
            return None
        try:
            return {
                str(doc): [(str(other), float(score)) for other, score in pairs]
                for doc, pairs in ranking.items()
            }
        except (TypeError, ValueError):
            return None

    def put(self, key: str, ranking: dict[str, list[tuple[str, float]]]) -> None:
        """Keep a ranking for `key`, replacing the one before."""
        with contextlib.suppress(OSError):
            write_atomically(
                self.path, json.dumps({"key": key, "similar": ranking}, separators=(",", ":"))
            )


def ranking_key(index_state: str, shown: list[str], limit: int) -> str:
    """The key of a ranking: the search index's state, the postmortems shown, the limit."""
    digest = hashlib.sha256("\n".join(shown).encode()).hexdigest()
    return f"{index_state}|{limit}|{digest}"
