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
    fixes = _replacements(index, text, parsed)
    unknown = unknown_words(reader, text, parsed)
    hopeless = [w for w in unknown if not any(text[a:b] == w for a, b in fixes)]
    if hopeless:
        words = ", ".join(f"'{w}'" for w in hopeless)
        notes.insert(0, f"no document contains {words} (nor a word close to it)")
    elif not unknown and not notes:
        notes.append(
            "every word is in the index, but no document matches the whole query; "
            "try fewer words, or fewer AND, NOT and quotes"
            if filters == Filters()
            else "the words match documents, but none that pass the filters"
        )
    corrected = _apply(text, fixes)
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


def _word_spans(parsed: Any) -> dict[tuple[int, int], list[Any]]:
    """The term leaves of the query's written words, by their place in the query text."""
    spans: dict[tuple[int, int], list[Any]] = {}
    for leaf in parsed.leaves():
        if not isinstance(leaf, query.Term):
            continue
        start, end = getattr(leaf, "startchar", None), getattr(leaf, "endchar", None)
        if start is not None and end is not None:
            spans.setdefault((start, end), []).append(leaf)
    return spans


def unknown_words(reader: Any, text: str, parsed: Any) -> list[str]:
    """The words of `text` that no document holds in any field the query searched."""
    found = []
    for (start, end), leaves in sorted(_word_spans(parsed).items()):
        if not any(reader.doc_frequency(leaf.fieldname, leaf.text) for leaf in leaves):
            word = text[start:end]
            if word not in found:
                found.append(word)
    return found


def respelled(index: SearchIndex, text: str, parsed: Any) -> str | None:
    """`text` with every word the index does not know replaced by its closest known word."""
    return _apply(text, _replacements(index, text, parsed))


def _replacements(index: SearchIndex, text: str, parsed: Any) -> dict[tuple[int, int], str]:
    """(start, end) of each unknown title/summary/body word -> the closest known word."""
    reader = index.searcher.reader()
    replacements: dict[tuple[int, int], str] = {}
    for span, leaves in _word_spans(parsed).items():
        words = [leaf for leaf in leaves if leaf.fieldname in _WORD_FIELDS]
        if not words:
            continue
        stem = str(words[0].text)
        if any(reader.doc_frequency(f, stem) for f in _WORD_FIELDS):
            continue
        better = _closest_word(index, reader, text[span[0] : span[1]], stem)
        if better:
            replacements[span] = better
    return replacements


def _apply(text: str, replacements: dict[tuple[int, int], str]) -> str | None:
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
