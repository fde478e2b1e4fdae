"""The taxonomy as a thesaurus: which categories, triggers, detections and impacts a text names.

Every taxonomy entry is a concept named by its keywords and synonyms. Text and phrases
are compared as sequences of light stems (lower case, common English endings removed),
so "certificates expire" matches the phrase "certificate expired"; word order counts.
No I/O and no whoosh: `kb validate`, `kb import`, the indexer and the query all use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.taxonomy import Taxonomy

KINDS = ("categories", "triggers", "detection", "impacts")
TOKEN = re.compile(r"[a-z0-9]+")  # a word: letters and digits (of lower-cased text)
# Words too common to carry meaning on their own (phrases keep them: "out of memory").
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "which",
        "while",
        "who",
        "will",
        "with",
        "would",
        "you",
    ]
)
_STEMS: dict[str, str] = {}
_STEMS_MAX = 200_000


def _strip(word: str) -> str:
    """A light English stem: plural and verb endings off, so inflections meet."""
    if len(word) <= 3 or word.isdigit():
        return word
    if (word.endswith("ies") and len(word) > 4) or (word.endswith("ied") and len(word) > 4):
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed", "ions", "ion"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # stopped -> stop
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def stem(word: str) -> str:
    """The light stem of one lower-case word (memoised)."""
    found = _STEMS.get(word)
    if found is None:
        if len(_STEMS) >= _STEMS_MAX:
            _STEMS.clear()
        found = _STEMS[word] = _strip(word)
    return found


def stems(text: str) -> list[str]:
    """The text's words as light stems, in order (stop words kept: phrases need them)."""
    known = _STEMS
    return [known[w] if w in known else stem(w) for w in TOKEN.findall(text.lower())]


@dataclass(frozen=True)
class Concept:
    """One taxonomy entry and every phrase that names it."""

    kind: str  # one of KINDS
    slug: str
    title: str
    phrases: tuple[str, ...]  # as written in the taxonomy

    @property
    def key(self) -> tuple[str, str]:
        """(kind, slug): unique across the taxonomy."""
        return (self.kind, self.slug)


def concepts_of(taxonomy: Taxonomy) -> list[Concept]:
    """Every category, trigger, detection and impact of the taxonomy as a concept."""
    found = []
    for kind in KINDS:
        for term in getattr(taxonomy, kind):
            found.append(Concept(kind, term.slug, term.title, term.phrases))
    return found


@dataclass(frozen=True)
class Mention:
    """A concept named in a text: the phrases that name it, and how often each occurs."""

    concept: Concept
    phrases: tuple[tuple[str, int], ...]  # (phrase as written in the taxonomy, occurrences)
    early: int = 0  # distinct phrases found before a given point (e.g. in the title)

    @property
    def distinct(self) -> int:
        """How many different phrases of the concept occur."""
        return len(self.phrases)

    @property
    def hits(self) -> int:
        """How many times any of its phrases occurs."""
        return sum(n for _, n in self.phrases)

    @property
    def words(self) -> tuple[str, ...]:
        """The phrases found, most frequent first."""
        return tuple(p for p, _ in self.phrases)


Starts = dict[str, list[tuple[tuple[str, ...], str, list[int]]]]


class Thesaurus:
    """Finds the concepts a text names.

    Within one kind (categories, triggers ...), the longest phrase at a place claims
    its words; kinds do not compete ("configuration change" names the trigger and
    "configuration" still names the category).
    """

    def __init__(self, concepts: Iterable[Concept]) -> None:
        self.concepts = list(concepts)
        # kind -> first stem -> [(stems of the phrase, phrase as written, concept indexes)],
        # longest first
        self._starts: dict[str, Starts] = {}
        for kind in dict.fromkeys(c.kind for c in self.concepts):
            table: dict[tuple[str, ...], tuple[str, list[int]]] = {}
            for number, concept in enumerate(self.concepts):
                if concept.kind != kind:
                    continue
                for phrase in concept.phrases:
                    key = tuple(stems(phrase))
                    if not key or (len(key) == 1 and key[0] in STOP_WORDS):
                        continue
                    written, owners = table.setdefault(key, (phrase, []))
                    if number not in owners:
                        owners.append(number)
            starts: Starts = {}
            for key, (written, owners) in table.items():
                starts.setdefault(key[0], []).append((key, written, owners))
            for entries in starts.values():
                entries.sort(key=lambda entry: -len(entry[0]))
            self._starts[kind] = starts

    def matches(
        self, words: list[str], kinds: Iterable[str] = KINDS
    ) -> Iterator[tuple[int, int, str, list[int]]]:
        """(start, end, phrase, concept indexes) of each phrase of `kinds` in a list of stems."""
        for kind in kinds:
            starts = self._starts.get(kind)
            if not starts:
                continue
            claimed = 0  # words before this belong to a phrase already found
            for at in [i for i, word in enumerate(words) if word in starts]:
                if at < claimed:
                    continue
                for key, written, owners in starts[words[at]]:
                    if len(key) == 1 or tuple(words[at : at + len(key)]) == key:
                        yield at, at + len(key), written, owners
                        claimed = at + len(key)
                        break

    def mentions(self, text: str, kinds: Iterable[str] = KINDS) -> list[Mention]:
        """The concepts of `kinds` that `text` names, most distinct phrases first."""
        return self.mentions_in(stems(text), kinds)

    def mentions_in(
        self, words: list[str], kinds: Iterable[str] = KINDS, early_end: int = 0
    ) -> list[Mention]:
        """The concepts a list of stems names; `early` counts phrases before `early_end`."""
        counts: dict[int, dict[str, int]] = {}
        early: dict[int, set[str]] = {}
        for start, _, written, owners in self.matches(words, kinds):
            for number in owners:
                seen = counts.setdefault(number, {})
                seen[written] = seen.get(written, 0) + 1
                if start < early_end:
                    early.setdefault(number, set()).add(written)
        found = []
        for number, seen in counts.items():
            # most frequent first, ties in the order found
            ranked = sorted(seen.items(), key=lambda item: -item[1])
            found.append(Mention(self.concepts[number], tuple(ranked), len(early.get(number, ()))))
        found.sort(key=lambda m: (-m.distinct, -m.hits, m.concept.key))
        return found

    def concept(self, kind: str, slug: str) -> Concept | None:
        """The concept of one taxonomy entry, if any."""
        return next((c for c in self.concepts if c.key == (kind, slug)), None)
