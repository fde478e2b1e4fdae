"""Corrected spellings from the index vocabulary, and why nothing matched.

The index keeps stems ('databas'), which are no words to suggest, so a close
stem is turned back into the word it came from by reading one document that
holds it. This runs only for searches that found nothing.
"""

from __future__ import annotations

import contextlib
import difflib
from collections import Counter
from typing import TYPE_CHECKING, Any

from whoosh import query

from kb.search.query import Filters, facet_values
from kb.search.schema import SCHEMA
from kb.text import closest

if TYPE_CHECKING:
    from kb.search.searcher import SearchIndex

_WORD_FIELDS = ("title", "body", "summary")
_LABELS = {
    "type": "type",
    "categories": "category",
    "services": "service",
    "severity": "severity",
    "status": "status",
}


def explain_nothing(
    index: SearchIndex, text: str, parsed: Any, filters: Filters
) -> tuple[list[str], list[str]]:
    """(corrected query strings, notes) for a search that found nothing."""
    reader = index.searcher.reader()
    notes = list(_unknown_filter_values(reader, filters))
    corrected = respelled(index, text, parsed)
    if not corrected and not notes and filters == Filters():
        notes.append(
            "every word is in the index, but no document matches the whole query; "
            "try fewer words, or fewer AND, NOT and quotes"
        )
    elif not corrected and not notes:
        notes.append("the words match documents, but none that pass the filters")
    return ([corrected] if corrected else []), notes


def _unknown_filter_values(reader: Any, filters: Filters) -> list[str]:
    notes = []
    for field, values in filters.facets():
        known = [str(t) for t in reader.field_terms(field)]
        for value in values:
            for token in facet_values(field, value):
                if token in known:
                    continue
                hint = closest(token, known)
                notes.append(
                    f"no document has {_LABELS[field]} '{value}'"
                    + (f" (did you mean '{hint}'?)" if hint else "")
                )
    return notes


def respelled(index: SearchIndex, text: str, parsed: Any) -> str | None:
    """`text` with every word the index does not know replaced by its closest known word."""
    reader = index.searcher.reader()
    replacements: dict[tuple[int, int], str] = {}
    for leaf in parsed.leaves():
        if not isinstance(leaf, query.Term) or leaf.fieldname not in _WORD_FIELDS:
            continue
        span = (getattr(leaf, "startchar", None), getattr(leaf, "endchar", None))
        if span[0] is None or span[1] is None or span in replacements:
            continue
        if any(reader.doc_frequency(f, leaf.text) for f in _WORD_FIELDS):
            continue
        word = text[span[0] : span[1]]
        better = _closest_word(index, reader, word, str(leaf.text))
        if better:
            replacements[(span[0], span[1])] = better
    if not replacements:
        return None
    out = text
    for (start, end), word in sorted(replacements.items(), reverse=True):
        out = out[:start] + word + out[end:]
    return out


def _closest_word(index: SearchIndex, reader: Any, word: str, stem: str) -> str | None:
    """The known word closest to `word`: titles' and summaries' own words, or body stems
    turned back into the word they came from."""
    lowered = word.lower()
    maxdist = 1 if len(lowered) <= 4 else 2
    words: Counter[str] = Counter()
    for field in ("title", "summary"):
        for near in reader.terms_within(field, lowered, maxdist, prefix=1):
            words[str(near)] += 1
    for near in list(reader.terms_within("body", stem, maxdist, prefix=1))[:5]:
        surface = _surface(index, reader, "body", str(near))
        if surface:
            words[surface] += 1
    words.pop(lowered, None)
    if not words:
        return None

    def rank(item: tuple[str, int]) -> tuple[float, int]:
        near, seen = item
        return difflib.SequenceMatcher(None, lowered, near).ratio(), seen

    return max(words.items(), key=rank)[0]


def _surface(index: SearchIndex, reader: Any, field: str, stem: str) -> str | None:
    """The most common written form of `stem` in one document that holds it."""
    postings = reader.postings(field, stem)
    if not postings.is_active():
        return None
    stored = index.searcher.stored_fields(postings.id())
    texts = [str(stored.get("title", "")), str(stored.get("summary", ""))]
    if field == "body":
        with contextlib.suppress(OSError, UnicodeDecodeError):
            texts.append((index.settings.content_dir / str(stored["path"])).read_text("utf-8"))
    forms: Counter[str] = Counter()
    analyzer = SCHEMA["body"].analyzer
    for text in texts:
        for token in analyzer(text, chars=True, mode="query"):
            if token.text == stem:
                forms[text[token.startchar : token.endchar].lower()] += 1
    return forms.most_common(1)[0][0] if forms else None
