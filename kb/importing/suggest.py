"""Categories and a trigger suggested for a draft; a human confirms them.

The same model as the index and `kb validate` (kb.inference): the taxonomy's keywords
and synonyms, and, when the knowledge base has enough labelled postmortems, the
classifier trained on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kb.concepts import Thesaurus, concepts_of
from kb.importing import rules
from kb.inference import CategoryModel, Text
from kb.taxonomy import Taxonomy


@dataclass(frozen=True)
class Suggestion:
    """A taxonomy value the text's words point at, and those words."""

    slug: str
    words: tuple[str, ...]


@lru_cache(maxsize=4)
def words_model(taxonomy: Taxonomy) -> CategoryModel:
    """The model of the taxonomy's words alone (no classifier)."""
    return CategoryModel(Thesaurus(concepts_of(taxonomy)))


def suggest(
    taxonomy: Taxonomy, text: str, model: CategoryModel | None = None
) -> tuple[list[Suggestion], Suggestion | None]:
    """(categories, trigger) the text points at, best evidence first.

    Categories need a phrase of the taxonomy in the text or the classifier's vote;
    the longest phrase at a place claims its words ("payment provider" is not
    counted again as "provider").
    """
    model = model or words_model(taxonomy)
    ranked = model.rank(Text.of(text, ""))
    categories = [
        Suggestion(found.slug, found.words) for found in ranked if found.words or found.predicted
    ][: rules.MAX_CATEGORIES]
    triggers = model.thesaurus.mentions(text, ("triggers",))
    trigger = Suggestion(triggers[0].concept.slug, triggers[0].words) if triggers else None
    return categories, trigger
