"""Categories and a trigger suggested by the taxonomy's keywords; a human confirms them."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from kb.importing import rules
from kb.taxonomy import Taxonomy, Term


@dataclass(frozen=True)
class Suggestion:
    """A taxonomy value the text's words point at, and those words."""

    slug: str
    words: tuple[str, ...]


def _ranked(terms: tuple[Term, ...], text: str) -> list[Suggestion]:
    """Terms by distinct keywords found, then by hits, then by taxonomy order.

    Longer keywords are matched first and claim their words, so "payment
    provider" is not counted again as "provider".
    """
    pairs = sorted(
        ((keyword.lower(), order) for order, term in enumerate(terms) for keyword in term.keywords),
        key=lambda pair: -len(pair[0]),
    )
    taken: list[tuple[int, int]] = []
    words: dict[int, list[str]] = defaultdict(list)
    hits: dict[int, int] = defaultdict(int)
    for keyword, order in pairs:
        for match in re.finditer(rf"(?<!\w){re.escape(keyword)}(?!\w)", text):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            taken.append(match.span())
            hits[order] += 1
            if keyword not in words[order]:
                words[order].append(keyword)
    ranked = sorted(words, key=lambda order: (-len(words[order]), -hits[order], order))
    return [Suggestion(terms[order].slug, tuple(words[order])) for order in ranked]


def suggest(taxonomy: Taxonomy, text: str) -> tuple[list[Suggestion], Suggestion | None]:
    """(categories, trigger) whose keywords occur in `text`, most distinct keywords first."""
    lowered = text.lower()
    categories = _ranked(taxonomy.categories, lowered)[: rules.MAX_CATEGORIES]
    triggers = _ranked(taxonomy.triggers, lowered)
    return categories, triggers[0] if triggers else None
