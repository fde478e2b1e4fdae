"""The best matching passage of a hit: the paragraph of its file that holds most query terms.

Paragraphs and their file lines rather than whoosh's character fragments, so a
result can point at `path:line` and an editor can jump there. Matching uses the index's own
analyzer, so 'exhausted' in the text lights up for a query of 'exhaustion'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kb.search.schema import SCHEMA, blank_comments

WIDTH = 160
_NUMBERED = re.compile(r"\d+[.)] ")
# `[label]: https://...` and `[^note]: text` (CommonMark allows up to three spaces before)
_DEFINITION = re.compile(r" {0,3}\[[^\]]+\]:(?:\s|$)")
_ANALYZER = SCHEMA["body"].analyzer
_WORD = _ANALYZER.items[0].expression  # the analyzer's own tokenizer pattern
_STEMS: dict[str, str] = {}  # lower-cased word -> its stem ('' when the analyzer drops it)
_STEMS_MAX = 100_000  # a long-running process starts the memo over past this many words


def _could_match(text: str, terms: set[str], prefixes: tuple[str, ...]) -> bool:
    """A quick test before the analyzer runs: whether any word's stem is wanted.

    It never says no to a passage the analyzer would match: same tokens, and
    each distinct word is stemmed once by the analyzer itself.
    """
    for match in _WORD.finditer(text):
        word = match.group().lower()
        stem = _STEMS.get(word)
        if stem is None:
            if len(_STEMS) >= _STEMS_MAX:
                _STEMS.clear()
            stem = _STEMS[word] = next((t.text for t in _ANALYZER(word)), "")
        if stem and (stem in terms or (prefixes and stem.startswith(prefixes))):
            return True
    return False


@dataclass(frozen=True)
class Snippet:
    """A passage of a document with the spans of the words that matched."""

    text: str
    line: int | None  # 1-based line in the file; None when taken from the front-matter
    spans: list[tuple[int, int]] = field(default_factory=list)

    def render(self, mark: Callable[[str], str]) -> str:
        """The text with every matched span passed through `mark`."""
        out, last = [], 0
        for start, end in self.spans:
            out.append(self.text[last:start])
            out.append(mark(self.text[start:end]))
            last = end
        out.append(self.text[last:])
        return "".join(out)

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {"line": self.line, "text": self.text, "highlights": [list(s) for s in self.spans]}


def _matches(text: str, terms: set[str], prefixes: tuple[str, ...]) -> list[tuple[str, int, int]]:
    found = []
    for token in _ANALYZER(text, chars=True, mode="query"):
        stem = token.text
        if stem in terms or (prefixes and stem.startswith(prefixes)):
            found.append((stem, token.startchar, token.endchar))
    return found


def best_line(
    body: str,
    first_line: int,
    terms: Iterable[str],
    prefixes: Iterable[str] = (),
) -> Snippet | None:
    """The passage with the most distinct matching terms (then most matches, then earliest).

    A passage is a paragraph (hard-wrapped lines are joined) or a table row; the
    snippet's line is the file line of its first match.
    """
    wanted, starts = set(terms), tuple(prefixes)
    if not wanted and not starts:
        return None
    best: tuple[int, int] | None = None
    chosen: tuple[str, int] | None = None
    chosen_found: list[tuple[str, int, int]] = []
    for text, number in _passages(blank_comments(body)):
        if not _could_match(text, wanted, starts):
            continue  # most passages: skip the analyzer's token pipeline
        found = _matches(text, wanted, starts)
        if not found:
            continue
        score = (len({stem for stem, _, _ in found}), len(found))
        if best is None or score > best:
            best, chosen, chosen_found = score, (text, number), found
    if chosen is None:
        return None
    text, number = chosen
    first = chosen_found[0][1]
    line = first_line + number + text.count("\n", 0, first)
    flat = text.replace("\n", " ")
    return _trim(flat, [(s, e) for _, s, e in chosen_found], line)


def _passages(body: str) -> Iterable[tuple[str, int]]:
    """(text, 0-based line of its start) of every paragraph, list item, heading or table row.

    Hard-wrapped lines of a paragraph or list item are joined (by newlines, so
    offsets still count lines); headings and table rows stand alone.
    """
    lines = body.split("\n")
    start: int | None = None
    parts: list[str] = []
    definition = False  # inside a link reference or footnote definition
    for number, line in enumerate([*lines, ""]):
        stripped = line.strip()
        if _DEFINITION.match(line) or (definition and stripped and line[:1].isspace()):
            # Link targets and footnotes are references, not the prose a reader wants
            # to see (a footnote's text still counts for ranking: it is indexed).
            if start is not None:
                yield "\n".join(parts), start
                start, parts = None, []
            definition = True
            continue
        definition = False
        alone = stripped.startswith(("|", "#"))
        item = stripped.startswith(("- ", "* ", "+ ")) or bool(_NUMBERED.match(stripped))
        if start is not None and (not stripped or alone or item):
            yield "\n".join(parts), start
            start, parts = None, []
        if not stripped:
            continue
        if alone:
            yield stripped, number
            continue
        if start is None:
            start = number
        parts.append(stripped)


def highlight(text: str, terms: Iterable[str], prefixes: Iterable[str] = ()) -> Snippet:
    """A short text (e.g. the summary) with its matching words marked, trimmed to WIDTH."""
    text = " ".join(text.split())
    found = _matches(text, set(terms), tuple(prefixes))
    return _trim(text, [(s, e) for _, s, e in found], None)


def _trim(text: str, spans: list[tuple[int, int]], line: int | None) -> Snippet:
    """Cut `text` to about WIDTH characters around its first match, on word boundaries."""
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    spans = [(s - lead, e - lead) for s, e in spans]
    if len(text) <= WIDTH:
        return Snippet(text, line, spans)
    first = spans[0][0] if spans else 0
    start = max(0, first - WIDTH // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + WIDTH)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    prefix = "..." if start else ""
    suffix = "..." if end < len(text) else ""
    shift = len(prefix) - start
    kept = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
    return Snippet(prefix + text[start:end] + suffix, line, kept)
