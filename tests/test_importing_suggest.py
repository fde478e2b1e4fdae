"""Categories and trigger suggested from the taxonomy's keywords and synonyms."""

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
    # The synonym "tls certificate" claims both words; then in text order.
    assert categories[0].words == ("tls certificate", "expired", "expiry")
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


def test_the_knowledge_base_s_classifier_suggests_what_no_keyword_names() -> None:
    from kb.concepts import Thesaurus, concepts_of
    from kb.inference import Text, train_model

    ledger = "The payroll ledger export wrote negative balances into quarterly statements"
    examples = [(Text.of(f"Incident {n}", f"{ledger} {n}."), ["code-bug"]) for n in range(12)]
    examples += [
        (Text.of(f"Incident {n}", f"Rack {n} lost power."), ["hardware"]) for n in range(12)
    ]
    model = train_model(Thesaurus(concepts_of(TAXONOMY)), examples)
    assert model.classifier is not None
    report = f"Incident 99\n{ledger} 99."
    assert suggest(TAXONOMY, report)[0] == []  # no keyword or synonym of any category
    categories, _ = suggest(TAXONOMY, report, model)
    assert [(c.slug, c.words) for c in categories] == [("code-bug", ())]
