"""Categories and a trigger suggested by the taxonomy's keywords; a human confirms them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.importing import rules
from kb.taxonomy import Taxonomy, Term


@dataclass(frozen=True)
class Suggestion:
    """A taxonomy value the text's words point at, and those words."""

    slug: str
    words: tuple[str, ...]


def _hits(term: Term, text: str) -> tuple[tuple[str, ...], int]:
    words = []
    count = 0
    for keyword in term.keywords:
        found = re.findall(rf"(?<!\w){re.escape(keyword.lower())}(?!\w)", text)
        if found:
            words.append(keyword)
            count += len(found)
    return tuple(words), count


def _ranked(terms: tuple[Term, ...], text: str) -> list[Suggestion]:
    scored = []
    for order, term in enumerate(terms):
        words, count = _hits(term, text)
        if words:
            scored.append((-len(words), -count, order, Suggestion(term.slug, words)))
    return [s for *_, s in sorted(scored, key=lambda x: x[:3])]


def suggest(taxonomy: Taxonomy, text: str) -> tuple[list[Suggestion], Suggestion | None]:
    """(categories, trigger) whose keywords occur in `text`, most distinct keywords first."""
    lowered = text.lower()
    categories = _ranked(taxonomy.categories, lowered)[: rules.MAX_CATEGORIES]
    triggers = _ranked(taxonomy.triggers, lowered)
    return categories, triggers[0] if triggers else None
