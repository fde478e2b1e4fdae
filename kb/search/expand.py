"""Query expansion by concept: a query that names a failure class finds it in other words.

When the query's words name a taxonomy concept (a category, trigger, detection or
impact, by any of its keywords or synonyms), the query also matches, at a lower
weight than its own words, the documents labelled with that concept (for categories,
also those whose text it was inferred from) and the documents whose text uses the
concept's words. Which concepts a document's text names is worked out when it is
indexed (the `mentions` field, one token per distinct phrase), so a concept costs a
search one posting list, not one phrase query per synonym.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from whoosh import query

from kb.concepts import TOKEN, Concept, Thesaurus, stem
from kb.search.query import Words
from kb.search.schema import FIELD_BOOSTS, SCHEMA

# A concept's match counts this much of what the same match of a query word would.
WEIGHT = 0.4
LABELS = {
    "categories": ("categories", "inferred"),
    "triggers": ("trigger",),
    "detection": ("detection",),
    "impacts": ("impacts",),
}
# A label field weighs as much as this text field (its FIELD_BOOSTS entry).
_LABEL_WEIGHT = {
    "categories": "title",
    "trigger": "title",
    "detection": "title",
    "impacts": "title",
    "inferred": "summary",
}
_ANALYZER = SCHEMA["body"].analyzer
# What does not name a concept: field:value terms, excluded words, operators.
_NOT_WORDS = re.compile(
    r"\b[A-Za-z_]\w*:(?:\"[^\"]*\"|\[[^\]]*\]|\S+)|(?:\bNOT\s+|(?<!\S)-)(?:\"[^\"]*\"|\([^)]*\)|\S+)"
    r"|\b(?:AND|OR|ANDNOT|ANDMAYBE)\b"
)


@dataclass(frozen=True)
class Expansion:
    """A concept the query named, and the query's words that named it."""

    kind: str
    slug: str
    title: str
    words: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {
            "kind": self.kind,
            "slug": self.slug,
            "title": self.title,
            "words": list(self.words),
        }


def named(thesaurus: Thesaurus, text: str) -> list[tuple[Concept, list[str], set[str]]]:
    """(concept, the query's words that name it, its phrases they matched) for each concept
    the query names; field:value terms, NOT-ed words and operators name none, and no
    phrase runs across them ("config OR change" is two words, not the phrase).

    A concept named only by words inside a longer phrase that names another concept is
    left out: "configuration error" names the configuration category, not, through its
    word "error", increased errors.
    """
    found: dict[int, tuple[Concept, list[str], set[str]]] = {}
    last = 0
    for cut in [*_NOT_WORDS.finditer(text), None]:
        segment = text[last : cut.start() if cut else len(text)]
        last = cut.end() if cut else len(text)
        spans = [(m.start(), m.end()) for m in TOKEN.finditer(segment.lower())]
        stems = [stem(segment[a:b].lower()) for a, b in spans]
        matches = list(thesaurus.matches(stems))
        for start, end, phrase, owners in matches:
            inside = any(
                a <= start and end <= b and (b - a) > (end - start) and set(others) - set(owners)
                for a, b, _, others in matches
            )
            if inside:
                continue
            written = segment[spans[start][0] : spans[end - 1][1]]
            for number in owners:
                concept = thesaurus.concepts[number]
                entry = found.setdefault(number, (concept, [], set()))
                if written not in entry[1]:
                    entry[1].append(written)
                entry[2].add(phrase)
    return [found[n] for n in sorted(found)]


def concept_query(concept: Concept, reader: Any) -> Any | None:
    """Documents labelled with the concept or using its words; None when none can."""
    # An author's label says what a document is about as plainly as its title does; an
    # inferred one, as its summary; the concept's words in the text, as the body's words.
    parts: list[Any] = [
        query.Term(field, concept.slug, boost=FIELD_BOOSTS[_LABEL_WEIGHT[field]])
        for field in LABELS[concept.kind]
        if (field, concept.slug) in reader
    ]
    token = f"{concept.kind}:{concept.slug}"
    if ("mentions", token) in reader:
        parts.append(query.Term("mentions", token, boost=FIELD_BOOSTS["body"]))
    return query.Or(parts) if parts else None


def concept_terms(concepts: list[Concept]) -> set[str]:
    """The body's terms of the concepts' words (to show where a document uses them)."""
    return {token.text for c in concepts for phrase in c.phrases for token in _ANALYZER(phrase)}


def expand(
    parsed: Any, text: str, thesaurus: Thesaurus, reader: Any
) -> tuple[Any, list[Expansion]]:
    """The query with its concepts added at a lower weight, and the concepts it names."""
    if isinstance(parsed, query.Every):
        return parsed, []
    extra: list[Any] = []
    found: list[Expansion] = []
    for concept, words, _ in named(thesaurus, text):
        added = concept_query(concept, reader)
        if added is None:
            continue
        extra.append(added)
        found.append(Expansion(concept.kind, concept.slug, concept.title, tuple(words)))
    if not extra:
        return parsed, []
    concepts = query.Or(extra, boost=WEIGHT)
    return _add(parsed, concepts), found


def _add(parsed: Any, concepts: Any) -> Any:
    """`concepts` as one more alternative of the query's OR-ed words.

    Required parts (field:value terms, NOTs, explicit ANDs) stay required; a query of
    only required parts is reordered by the concepts but not widened.
    """
    if isinstance(parsed, query.Or):
        return parsed.__class__([*parsed.subqueries, concepts], boost=parsed.boost)
    if isinstance(parsed, query.And):
        kids = list(parsed.subqueries)
        for n, kid in enumerate(kids):
            if isinstance(kid, Words):  # the optional words beside required terms
                kids[n] = Words([*kid.subqueries, concepts], boost=kid.boost)
                return query.And(kids, boost=parsed.boost)
    return query.AndMaybe(parsed, concepts)
