"""Concept search: a query that names a failure class finds it in other words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from search_helpers import INCIDENTS, Doc, write_kb

from kb.config import load_settings
from kb.search import Filters, SearchIndex, update_index
from kb.search.expand import WEIGHT, named

EXTRA = [
    # Labelled with the category, and in none of its words.
    Doc(
        "PM-2025-010",
        "Nightly reports stopped",
        "## Summary\n\nThe reporting host refused new jobs for six hours.\n",
        date="2025-07-01",
        categories=["capacity"],
        services=["reports"],
    ),
    # Not labelled: says it in the category's other words (an inferred category).
    Doc(
        "PM-2025-011",
        "Image resizer pods OOMKilled",
        "## Summary\n\nThe resizer pods were OOMKilled: the memory limit was too low and the\n"
        "OOM killer ended them under memory pressure, so thumbnails ran out of memory.\n",
        date="2025-08-01",
        categories=["code-bug"],
        services=["images"],
    ),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    settings = write_kb(tmp_path_factory.mktemp("kb"), [*INCIDENTS, *EXTRA])
    update_index(settings)
    with SearchIndex(settings) as opened:
        yield opened


def test_a_failure_class_in_other_words_finds_labelled_and_worded_documents(
    index: SearchIndex,
) -> None:
    assert index.search("starvation", exact=True).hits == []
    results = index.search("starvation", limit=20)
    assert [(c.kind, c.slug, c.words) for c in results.concepts] == [
        ("categories", "capacity", ("starvation",))
    ]
    found = [h.id for h in results.hits]
    # Labelled capacity (PM-2025-001, -003, -010) and worded like it (PM-2025-011).
    assert {"PM-2025-001", "PM-2025-003", "PM-2025-010", "PM-2025-011"} <= set(found)
    assert "PM-2025-002" not in found  # an expired certificate is no capacity problem


def test_the_query_s_own_words_rank_above_the_concept(index: SearchIndex) -> None:
    results = index.search("refused", limit=20)
    ids = [h.id for h in results.hits]
    # "refused" is a word of two documents; nothing it names widens the search.
    assert results.concepts == [] and set(ids) == {"PM-2025-002", "PM-2025-010"}
    literal = index.search("exhausted", limit=20)
    ids = [h.id for h in literal.hits]
    assert ids[0] == "PM-2025-001"  # the one that says "exhausted"
    assert literal.hits[0].score > literal.hits[1].score / WEIGHT * 0.5


def test_inferred_categories_are_stored_and_filterable(index: SearchIndex) -> None:
    hit = index.get("PM-2025-011")
    assert hit is not None and hit.categories == ["code-bug"] and "capacity" in hit.inferred
    about = [h.id for h in index.search("*", Filters(about=("capacity",)), limit=20).hits]
    labelled = [h.id for h in index.search("*", Filters(categories=("capacity",)), limit=20).hits]
    assert "PM-2025-011" in about and "PM-2025-011" not in labelled
    assert set(labelled) < set(about)


def test_field_terms_and_excluded_words_name_no_concept(index: SearchIndex) -> None:
    assert index.search("category:capacity").concepts == []
    assert index.search("thumbnails NOT oomkilled").concepts == []
    assert [c.slug for c in index.search("deadlock").concepts] == ["datastore"]
    assert index.search("deadlock", exact=True).concepts == []


def test_a_changed_taxonomy_changes_what_queries_expand_to(tmp_path: Path) -> None:
    settings = write_kb(tmp_path / "kb", INCIDENTS)
    update_index(settings)
    with SearchIndex(settings) as opened:
        assert opened.search("glacier").concepts == []
    from kb.taxonomy import default_taxonomy_text

    text = default_taxonomy_text().replace("synonyms: [resource exhaustion,", "synonyms: [glacier,")
    (settings.root / "taxonomy.yml").write_text(text, encoding="utf-8")
    settings = load_settings(settings.root)
    update_index(settings)
    with SearchIndex(settings) as opened:
        found = opened.search("glacier")
        assert [c.slug for c in found.concepts] == ["capacity"]
        assert found.hits[0].id in ("PM-2025-001", "PM-2025-003")


def test_a_phrase_names_its_concept_not_those_of_its_words(index: SearchIndex) -> None:
    def slugs(text: str) -> list[str]:
        return [concept.slug for concept, _, _ in named(index.thesaurus, text)]

    # "error" alone would name increased errors; inside the phrase it does not.
    assert slugs("configuration error") == ["config"]
    # No phrase across an operator: two words, not the trigger "config change".
    assert slugs("config change") == ["config-change"]
    assert slugs("config OR change") == ["config"]
    assert slugs("config service:change") == ["config"]


def test_snippets_show_the_query_s_words_first_then_the_concept_s(index: SearchIndex) -> None:
    hits = {h.id: h for h in index.search("starvation oomkilled", limit=20).hits}
    # Found by its own word: the snippet shows it.
    own = hits["PM-2025-011"].snippet
    assert own is not None and [own.text[a:b] for a, b in own.spans] == ["OOMKilled"]
    # Found through the concept only: the snippet shows the concept's words.
    other = hits["PM-2025-001"].snippet
    assert other is not None and other.spans
    marked = other.render(lambda w: f"[{w}]")
    assert "[" in marked and "starvation" not in marked.lower()


def test_a_category_the_author_rejected_is_not_inferred(tmp_path: Path) -> None:
    settings = write_kb(tmp_path / "kb", [*INCIDENTS, *EXTRA])
    update_index(settings)
    path = settings.content_dir / EXTRA[1].path
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "categories: [code-bug]\n", "categories: [code-bug]\nnot_categories: [capacity]\n"
        ),
        encoding="utf-8",
    )
    update_index(settings)
    with SearchIndex(settings) as opened:
        hit = opened.get("PM-2025-011")
        assert hit is not None and "capacity" not in hit.inferred
        about = [h.id for h in opened.search("*", Filters(about=("capacity",)), limit=20).hits]
        assert "PM-2025-011" not in about and "PM-2025-010" in about
