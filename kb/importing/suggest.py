"""Categories and a trigger suggested by the taxonomy's keywords; a human confirms them."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from kb.importing import rules
from kb.taxonomy import Taxonomy, Term


@dataclass(frozen=True)
class Suggestion:
    """A taxonomy value the text's words point at, and those words."""

    slug: str
    words: tuple[str, ...]


@lru_cache(maxsize=16)
def _matcher(terms: tuple[Term, ...]) -> tuple[re.Pattern[str], dict[str, list[int]]]:
    """One pattern for every keyword of a vocabulary, longest first, and keyword -> terms."""
    owners: dict[str, list[int]] = defaultdict(list)
    for order, term in enumerate(terms):
        for keyword in term.keywords:
            owners[keyword.lower()].append(order)
    if not owners:
        return re.compile(r"(?!x)x"), {}
    alternatives = "|".join(re.escape(k) for k in sorted(owners, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), dict(owners)


def _ranked(terms: tuple[Term, ...], text: str) -> list[Suggestion]:
    """Terms by distinct keywords found, then by hits, then by taxonomy order.

    The longest keyword at a place claims its words, so "payment provider" is
    not counted again as "provider".
    """
    pattern, owners = _matcher(terms)
    words: dict[int, list[str]] = defaultdict(list)
    hits: dict[int, int] = defaultdict(int)
    for match in pattern.finditer(text):
        keyword = match.group(0)
        for order in owners[keyword]:
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
