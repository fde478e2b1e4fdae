"""Small Markdown builders for the pages' skeletons: escaping, links, tables, units.

Every value that comes from front-matter passes through `esc` before it lands in
Markdown, so a title like `<script>` or `[x](javascript:...)` renders as text.
Row-by-row parts of pages are HTML fragments instead (see fragments.py).
"""

from __future__ import annotations

import datetime as dt
import html
import posixpath
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote

# Characters that are Markdown syntax anywhere inside a line: emphasis, code, links and
# images (nothing links without `[`), attribute lists, table cells, and `#`, which a heading
# would strip from the end of a title. `<`, `>` and `&` become entities instead. Line-start
# syntax (lists, quotes, headings) cannot arise: escaped values never start a line, and
# newlines are folded into spaces. Escaping less keeps Markdown's inline pass cheap.
_SPECIAL = re.compile(r"([\\`*_{}\[\]#|])")
_SPACE = re.compile(r"\s+")
DASH = "\N{EN DASH}"  # shown where a value is unknown or missing
TIMES = "\N{MULTIPLICATION SIGN}"


def esc(value: object) -> str:
    """Front-matter text as inline Markdown that renders literally, on one line (for HTML
    text or attributes, kb.site.fragments.h)."""
    text = html.escape(_SPACE.sub(" ", str(value)).strip(), quote=False)
    return _SPECIAL.sub(r"\\\1", text)


def href(src: str, dst: str, anchor: str = "") -> str:
    """The relative link from page `src` to page or file `dst` (both docs-relative)."""
    rel = posixpath.relpath(dst, posixpath.dirname(src) or ".")
    return quote(rel, safe="/") + (f"#{anchor}" if anchor else "")


def link(text_md: str, src: str, dst: str, anchor: str = "") -> str:
    """A Markdown link; `text_md` must already be escaped Markdown."""
    return f"[{text_md}]({href(src, dst, anchor)})"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> str:
    """A Markdown table; cells must already be escaped Markdown. `align`: one char per column."""
    aligns = align or "l" * len(headers)
    rule = {"l": "---", "r": "--:", "c": ":-:"}
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join(rule[a] for a in aligns) + "|",
    ]
    lines.extend("| " + " | ".join(cell or " " for cell in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"


def duration(value: dt.timedelta | None) -> str:
    """A duration in human units: '45 min', '2 h 05 min', '3 d 4 h'; an en dash when unknown."""
    if value is None:
        return DASH
    minutes = round(value.total_seconds() / 60)
    if minutes < 1:
        return "< 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {mins:02d} min" if mins else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def hours(value: dt.timedelta | None) -> float | None:
    """A duration in hours (for charts), None when unknown."""
    return None if value is None else value.total_seconds() / 3600


def percent(value: float | None) -> str:
    """A share as a whole percentage, an en dash when there is nothing to divide."""
    return DASH if value is None else f"{round(value * 100)}%"


def front_matter(title: str, *, search: bool = True) -> str:
    """Front-matter for a generated page (title already escaped for templates)."""
    lines = ["---", f"title: {_yaml_str(title)}"]
    if not search:
        lines += ["search:", "  exclude: true"]
    return "\n".join(lines) + "\n---\n\n"


def _yaml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
