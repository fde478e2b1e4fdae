"""Categories and trigger suggested from the taxonomy's keywords."""

from __future__ import annotations

from kb.importing.suggest import suggest
from kb.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()


def test_categories_rank_by_distinct_keywords_and_trigger_is_the_best_one() -> None:
    categories, trigger = suggest(
        TAXONOMY,
        "The TLS certificate expired; nobody had an alert, so monitoring missed the expiry.",
    )
    assert [c.slug for c in categories][:2] == ["time-and-certificates", "observability"]
    assert categories[0].words == ("tls", "certificate", "expired", "expiry")  # in text order
    assert trigger is not None and trigger.slug == "expiry"


def test_a_longer_keyword_claims_its_words() -> None:
    categories, _ = suggest(TAXONOMY, "Our payment provider changed its config.")
    third_party = next(c for c in categories if c.slug == "third-party")
    assert third_party.words == ("payment provider",)  # "provider" is not counted again


def test_keywords_match_whole_words_only() -> None:
    categories, trigger = suggest(TAXONOMY, "Retesting the contest deployment")
    slugs = [c.slug for c in categories]
    assert "testing-gap" not in slugs  # "test" is not inside "contest" or "retesting"
    assert slugs == ["deploy"]
    assert trigger is None


def test_no_keyword_no_suggestion() -> None:
    assert suggest(TAXONOMY, "Nothing of note happened.") == ([], None)


def test_at_most_three_categories() -> None:
    text = "config bug capacity database dns deploy certificate security hardware monitoring"
    categories, _ = suggest(TAXONOMY, text)
    assert len(categories) == 3
