"""What the live preview shows while documents have problems (pure functions).

`kb build` refuses a knowledge base with errors. The preview (`kb serve`) must not:
a build that fails leaves mkdocs' server waiting for a good one, so the browser
hangs. While there are errors the preview is built from the documents that load,
every page opens with a banner listing the problems (`path:line:col: message`, as
`kb validate` prints them), and a document that does not load shows its own
problems in place of its page. The next save that fixes them gives the ordinary
site back.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from kb.problems import Problem
from kb.site.md import esc

# Enough to fix the first few; the rest are one `kb validate` away.
SHOWN = 20


def banner(problems: Sequence[str]) -> str:
    """An HTML banner for the top of every page of the preview, listing the problems."""
    count = len(problems)
    items = "".join(
        f"<li><code>{html.escape(p, quote=False)}</code></li>" for p in problems[:SHOWN]
    )
    more = (
        f"<li>... and {count - SHOWN} more (<code>kb validate</code> lists them all)</li>"
        if count > SHOWN
        else ""
    )
    title = f"{count} problem{'s' if count != 1 else ''} in the knowledge base"
    return (
        '<div class="admonition failure kb-problems" role="alert">'
        f'<p class="admonition-title">{title}</p>'
        "<p>This preview leaves out what does not load; <code>kb build</code> refuses "
        "until every problem is fixed. It reloads on the next save.</p>"
        f"<ul>{items}{more}</ul></div>\n"
    )


def problem_page(shown_path: str, problems: Sequence[str]) -> str:
    """Markdown for the page of a file that did not load: its path and its problems
    (`.` for the whole knowledge base, when nothing loads)."""
    lines = "\n".join(f"    {p}" for p in problems) or f"    {shown_path}: does not load"
    if shown_path == ".":
        return f"# The knowledge base did not load\n\n{lines}\n"
    return (
        f"# {esc(shown_path)}\n\n"
        "This file did not load, so its page is not built. Its problems:\n\n"
        f"{lines}\n"
    )


@dataclass(frozen=True)
class Shown:
    """The problems a preview shows: all of them, and each failing file's own."""

    all: list[str] = field(default_factory=list)
    by_file: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of_problems(cls, problems: Sequence[Problem]) -> Shown:
        """The errors of a knowledge base that loaded."""
        shown = cls([str(p) for p in problems])
        for problem in problems:
            shown.by_file.setdefault(problem.path, []).append(str(problem))
        return shown

    @classmethod
    def of_failure(cls, message: str) -> Shown:
        """Why nothing loads (a broken taxonomy, no content folder)."""
        return cls([message])

    def of_file(self, path: str, *, everything: bool = False) -> list[str]:
        """The problems to show on the page of the file at `path` (all of them when
        `everything`: nothing loaded); empty when the file has none."""
        return self.by_file.get(path, self.all if everything else [])

    def banner(self) -> str:
        """The banner for the top of every page."""
        return banner(self.all)
