"""Query expansion by concept: a query that names a failure class finds it in other words.

When the query's words name a taxonomy concept (a category, trigger, detection or
impact, by any of its keywords or synonyms), the query also matches, at a lower
weight than its own words, the documents labelled with that concept (for categories,
also those whose text it was inferred from) and the documents whose title, summary
or body use the concept's other words. A document scores by its best such phrase
(plus a little for each other one), so a long story full of a concept's words does
not outrank one that uses the query's own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from whoosh import matching, query

from kb.concepts import TOKEN, Concept, Thesaurus, stem
from kb.search.query import Words
from kb.search.schema import FIELD_BOOSTS, SCHEMA

# A concept's match counts this much of what the same match of a query word would.
WEIGHT = 0.4
TIEBREAK = 0.1  # what each further phrase of a concept adds to its best one
LABELS = {
    "categories": ("categories", "inferred"),
    "triggers": ("trigger",),
    "detection": ("detection",),
    "impacts": ("impacts",),
}
TEXT = ("title", "summary", "body")
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


class _BestMatcher(matching.DisjunctionMaxMatcher):  # type: ignore[misc]
    """The best of two matchers on the current document, plus `tiebreak` times the other.

    whoosh 2.7.5's own score() takes the maximum of both sub-matchers even when one of
    them is on a later document, so every document scored like the best one.
    """

    def score(self) -> float:
        a, b = self.a, self.b
        if not a.is_active() or (b.is_active() and b.id() < a.id()):
            return float(b.score())
        if not b.is_active() or a.id() < b.id():
            return float(a.score())
        first, second = float(a.score()), float(b.score())
        return max(first, second) + float(self.tiebreak) * min(first, second)

    def replace(self, minquality: float = 0) -> Any:
        # The search collector never prunes (kb.search.searcher._collect); keep the tiebreak.
        return self


class BestOf(query.DisjunctionMax):  # type: ignore[misc]
    """Documents matching any subquery, scored by the best one plus a little of the others."""

    def _matcher(self, subs: Any, searcher: Any, context: Any) -> Any:
        reader = searcher.reader()
        return self._tree_matcher(
            subs,
            _BestMatcher,
            searcher,
            context,
            lambda q: q.estimate_size(reader),
            tiebreak=self.tiebreak,
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


def _phrase(field: str, words: list[str]) -> Any:
    boost = FIELD_BOOSTS.get(field, 1.0)
    if len(words) == 1:
        return query.Term(field, words[0], boost=boost)
    return query.Phrase(field, words, boost=boost)


def concept_query(concept: Concept, used: set[str], reader: Any) -> Any | None:
    """Documents labelled with the concept or using its other words; None when none can."""
    # An author's label says what a document is about as plainly as its title does; an
    # inferred one, as its summary.
    parts: list[Any] = [
        query.Term(field, concept.slug, boost=FIELD_BOOSTS[_LABEL_WEIGHT[field]])
        for field in LABELS[concept.kind]
        if (field, concept.slug) in reader
    ]
    phrases: list[Any] = []
    seen: set[tuple[str, ...]] = set()
    for phrase in concept.phrases:
        if phrase in used:
            continue
        words = [token.text for token in _ANALYZER(phrase)]
        if not words or tuple(words) in seen:
            continue
        seen.add(tuple(words))
        for field in TEXT:
            if all((field, w) in reader for w in words):
                phrases.append(_phrase(field, words))
    if phrases:
        parts.append(BestOf(phrases, tiebreak=TIEBREAK))
    return query.Or(parts) if parts else None


def expand(
    parsed: Any, text: str, thesaurus: Thesaurus, reader: Any
) -> tuple[Any, list[Expansion]]:
    """The query with its concepts added at a lower weight, and the concepts it names."""
    if isinstance(parsed, query.Every):
        return parsed, []
    extra: list[Any] = []
    found: list[Expansion] = []
    for concept, words, phrases in named(thesaurus, text):
        added = concept_query(concept, phrases, reader)
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
