"""Failure categories inferred from a document's text: the taxonomy's words, and a classifier
trained on the knowledge base's own labelled documents.

One model serves the indexer (a stored field of inferred categories), `kb validate`
(a warning when the text strongly suggests a category the document does not list) and
`kb import` (suggested categories for a draft). Pure: data in, data out.

The classifier is a tf-idf centroid (Rocchio) classifier, written here rather than taken
from scikit-learn: a knowledge base has tens to thousands of labelled documents, each
category needs only its centroid's strongest terms and a threshold, and scikit-learn's
import alone (about a second, with scipy) would cost `kb validate` more than this whole
model does at 10,000 documents. A category's threshold comes from its own members
(leave-one-out similarity) and from the documents not labelled with it, so it predicts
only what resembles its members more than the rest of the collection does.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from kb.concepts import KINDS, STOP_WORDS, Mention, Thesaurus, stems

# How much of a body is read: what went wrong is told early, and reading all of
# 10,000 long documents would cost seconds.
BODY_CHARS = 2500
# A classifier is trained once this many documents carry an author's categories,
# and a category takes part once it has this many examples.
MIN_LABELLED = 20
# Enough to learn every category's usual words; more only costs time (kb validate reads them).
TRAIN_MAX = 1000
MIN_EXAMPLES = 4
CENTROID_TERMS = 150  # the most characteristic terms of each category
# Words: a category is inferred from this many distinct phrases of its own, or from
# WORDS_HEAD when one of them is in the title or summary. The text "strongly suggests"
# it (kb validate warns) when the title and summary hold STRONG_HEAD distinct phrases,
# the whole text WORDS_INFERRED, and the classifier, if it knows the category, agrees.
WORDS_INFERRED, WORDS_HEAD, STRONG_HEAD = 4, 3, 2
MAX_INFERRED = 5


@dataclass
class Text:
    """A document as the model reads it: the stems of its head and of its body's start."""

    head: list[str]  # title and summary: what the author chose to say first
    words: list[str]  # head and body, in order
    scores: dict[int, dict[str, float]] = field(default_factory=dict, repr=False)  # by model
    named: dict[int, list[Mention]] = field(default_factory=dict, repr=False)  # by thesaurus

    @classmethod
    def of(cls, head: str, body: str) -> Text:
        """Read a document's head (title and summary) and body."""
        first = stems(head)
        return cls(first, first + stems(body[:BODY_CHARS]))

    @cached_property
    def features(self) -> Counter[str]:
        """Content words and how often each occurs."""
        counts = Counter(self.words)
        for word in [w for w in counts if len(w) < 3 or w in STOP_WORDS]:
            del counts[word]
        return counts


@dataclass(frozen=True)
class Inferred:
    """A category a text suggests, and the evidence."""

    slug: str
    words: tuple[str, ...]  # the taxonomy's phrases found in the text, most frequent first
    similarity: float | None  # cosine to the category's documents (None: no classifier)
    predicted: bool  # the classifier, where there is one, puts the text in this category
    strong: bool  # strong enough to warn about a category the document does not list
    inferred: bool = True  # enough to index the document as being about it

    def reason(self) -> str:
        """Why, in a few words: the phrases found, or the classifier's verdict."""
        if self.words:
            return ", ".join(self.words[:4])
        return f"like its documents, similarity {self.similarity or 0.0:.2f}"


class Classifier:
    """Each category's tf-idf centroid over its most characteristic terms, and a threshold.

    Texts are vectors in the space of those terms (a few thousand words at most), so a
    text costs one pass over its own words that are among them, and one small product.
    """

    def __init__(
        self,
        idf: dict[str, float],
        centroids: dict[str, dict[str, float]],
        thresholds: dict[str, float],
        examples: int,
    ) -> None:
        import numpy as np

        self.centroids = centroids  # slug -> {term: weight}, each of unit length
        self.thresholds = thresholds
        self.examples = examples  # labelled documents it was trained on
        self.slugs = list(centroids)
        terms = sorted({w for centroid in centroids.values() for w in centroid})
        self.index = {w: n for n, w in enumerate(terms)}
        self.idf = {w: idf[w] for w in terms}
        self._idf = np.array([idf[w] for w in terms], dtype=np.float64)
        self.matrix = np.zeros((len(terms), len(self.slugs)), dtype=np.float64)
        for column, slug in enumerate(self.slugs):
            for word, weight in centroids[slug].items():
                self.matrix[self.index[word], column] = weight

    def vector(self, features: Counter[str]) -> tuple[Any, Any]:
        """(term indexes, weights) of a text's unit tf-idf vector over the centroids' terms."""
        import numpy as np

        words = [w for w in features if w in self.index]
        where = np.array([self.index[w] for w in words], dtype=np.int64)
        counts = np.array([features[w] for w in words], dtype=np.float64)
        values = (1 + np.log(counts)) * self._idf[where] if words else counts
        size = float(np.sqrt(values @ values)) or 1.0
        return where, values / size

    def similarities(self, text: Text) -> dict[str, float]:
        """Cosine of the text to each category's centroid."""
        found = text.scores.get(id(self))
        if found is None:
            where, values = self.vector(text.features)
            scores = values @ self.matrix[where]
            found = text.scores[id(self)] = dict(zip(self.slugs, scores.tolist(), strict=True))
        return found

    @classmethod
    def train(cls, examples: Iterable[tuple[Text, Sequence[str]]]) -> Classifier | None:
        """From (text, categories) pairs; None when there are too few to learn from."""
        counted = [(text, set(labels)) for text, labels in examples]
        counted = [(t, labels) for t, labels in counted if labels and t.features]
        total = len(counted)
        if total < MIN_LABELLED:
            return None
        import numpy as np  # only here: a small knowledge base never needs it

        df: Counter[str] = Counter()
        members: dict[str, list[int]] = {}
        for number, (text, labels) in enumerate(counted):
            df.update(text.features.keys())
            for slug in labels:
                members.setdefault(slug, []).append(number)
        idf = {w: math.log((total + 1) / (n + 1)) + 1 for w, n in df.items() if n >= 2}
        wanted = sorted(s for s, numbers in members.items() if MIN_EXAMPLES <= len(numbers) < total)
        if not wanted:
            return None
        # A category's terms: those most of its documents use and few others do.
        chosen: dict[str, list[str]] = {}
        for slug in wanted:
            inside: Counter[str] = Counter()
            for number in members[slug]:
                inside.update(counted[number][0].features.keys())
            share = len(members[slug])
            ranked = sorted(
                (w for w in inside if w in idf), key=lambda w: (-inside[w] / share * idf[w], w)
            )
            chosen[slug] = ranked[:CENTROID_TERMS]
        unit = {slug: dict.fromkeys(terms, 1.0) for slug, terms in chosen.items()}
        space = cls(idf, unit, {}, total)  # the term space, to read vectors in
        column = {slug: n for n, slug in enumerate(space.slugs)}
        mask = (space.matrix > 0).astype(np.float64)
        vectors = [space.vector(text.features) for text, _ in counted]
        sums = np.zeros_like(space.matrix)
        for slug in wanted:
            c = column[slug]
            for number in members[slug]:
                where, values = vectors[number]
                np.add.at(sums[:, c], where, values)
        sums *= mask  # each centroid keeps its own terms only
        sizes = np.sqrt((sums * sums).sum(axis=0))
        sizes[sizes == 0] = 1.0
        centroids = {
            slug: {
                word: float(sums[space.index[word], column[slug]] / sizes[column[slug]])
                for word in chosen[slug]
                if sums[space.index[word], column[slug]] > 0
            }
            for slug in wanted
        }
        model = cls(idf, centroids, {}, total)
        own: dict[str, list[float]] = {slug: [] for slug in wanted}
        rest: dict[str, list[float]] = {slug: [] for slug in wanted}
        square = (sums * sums).sum(axis=0)
        for (text, labels), (where, values) in zip(counted, vectors, strict=True):
            dots = values @ sums[where]  # with each category's sum of member vectors
            mine = (values * values) @ mask[where]  # own weight inside each category's terms
            found = {}
            for slug in wanted:
                c = column[slug]
                found[slug] = float(dots[c] / sizes[c])
                if slug in labels:  # against the centroid of the other members
                    left = math.sqrt(max(float(square[c] - 2 * dots[c] + mine[c]), 1e-12))
                    own[slug].append(float(dots[c] - mine[c]) / left)
                else:
                    rest[slug].append(found[slug])
            text.scores[id(model)] = found
        for slug in wanted:
            others = sorted(rest[slug])
            # As like the category as three in four of its own members are (each against
            # the others), and no less than all but the top 5% of the rest.
            mine = sorted(own[slug])
            at = min(len(others) - 1, int(0.95 * len(others)))
            floor = others[at] if others else 0.0
            model.thresholds[slug] = max(mine[len(mine) // 4], floor)
        return model

    def as_data(self) -> dict[str, Any]:
        """Plain data, to save next to the index."""
        return {
            "idf": self.idf,
            "centroids": self.centroids,
            "thresholds": self.thresholds,
            "examples": self.examples,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Classifier:
        """The classifier `as_data` described."""
        return cls(data["idf"], data["centroids"], data["thresholds"], int(data["examples"]))


class CategoryModel:
    """The taxonomy's words plus, when trained, the classifier: categories of a text."""

    def __init__(self, thesaurus: Thesaurus, classifier: Classifier | None = None) -> None:
        self.thesaurus = thesaurus
        self.classifier = classifier

    def mentions(self, text: Text) -> list[Mention]:
        """Every concept (of any kind) the text names, read once per text."""
        found = text.named.get(id(self.thesaurus))
        if found is None:
            found = text.named[id(self.thesaurus)] = self.thesaurus.mentions_in(
                text.words, KINDS, len(text.head)
            )
        return found

    def rank(self, text: Text) -> list[Inferred]:
        """Every category the text gives any evidence for, best evidence first."""
        everywhere: dict[str, Mention] = {}
        headed: dict[str, int] = {}
        read = text.named.get(id(self.thesaurus))  # every kind, when the indexer asked
        if read is None:
            read = self.thesaurus.mentions_in(text.words, ("categories",), len(text.head))
        for named in read:
            if named.concept.kind != "categories":
                continue
            everywhere[named.concept.slug] = named
            if named.early:
                headed[named.concept.slug] = named.early
        similar = self.classifier.similarities(text) if self.classifier else {}
        thresholds = self.classifier.thresholds if self.classifier else {}
        found = []
        for slug in dict.fromkeys([*everywhere, *similar]):
            mention = everywhere.get(slug)
            distinct = mention.distinct if mention else 0
            similarity = similar.get(slug)
            known = slug in thresholds
            predicted = known and similarity is not None and similarity >= thresholds[slug]
            if not (distinct or predicted):
                continue
            # Words in the title or summary weigh most: that is where authors say what
            # went wrong; words of the story (a rollback, a page) appear everywhere.
            by_words = distinct >= (WORDS_HEAD if slug in headed else WORDS_INFERRED)
            if known and not predicted:
                by_words = by_words and slug in headed  # the classifier doubts it
            strong = (
                headed.get(slug, 0) >= STRONG_HEAD
                and distinct >= WORDS_INFERRED
                and (predicted or not known)
            )
            words = mention.words if mention else ()
            evidence = (strong, predicted, by_words, headed.get(slug, 0), distinct)
            inferred = Inferred(slug, words, similarity, predicted, strong, by_words or predicted)
            found.append((evidence, inferred))
        found.sort(key=lambda pair: pair[0], reverse=True)
        return [inferred for _, inferred in found]

    def infer(self, text: Text) -> list[Inferred]:
        """The categories a document is inferred to be about (at most MAX_INFERRED)."""
        return [i for i in self.rank(text) if i.inferred][:MAX_INFERRED]


def train_model(
    thesaurus: Thesaurus, examples: Iterable[tuple[Text, Sequence[str]]]
) -> CategoryModel:
    """The model of one knowledge base: its (text, categories an author chose) train it."""
    return CategoryModel(thesaurus, Classifier.train(examples))
