"""The taxonomy file: the shipped default, user edits, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.errors import TaxonomyError
from kb.taxonomy import GROUPS, load_taxonomy
from kb.text import did_you_mean

REPO = Path(__file__).resolve().parents[1]


def test_default_taxonomy_covers_groups_and_practice() -> None:
    t = load_taxonomy()
    assert t.values("severities") == ("SEV1", "SEV2", "SEV3", "SEV4")
    assert {c.group for c in t.categories} == set(GROUPS)
    for slug in ("config", "datastore", "time-and-certificates", "testing-gap", "third-party"):
        assert t.is_valid("categories", slug)
    for slug in ("code-deploy", "config-change", "traffic-surge", "expiry", "hardware"):
        assert t.is_valid("triggers", slug)
    assert set(t.values("detection")) >= {"alert", "customer-report", "internal", "automation"}
    assert "data-loss" in t.values("impacts")


def test_repo_taxonomy_is_the_packaged_default() -> None:
    assert load_taxonomy(REPO / "taxonomy.yml") == load_taxonomy()


def test_did_you_mean() -> None:
    assert did_you_mean("datastor", ["datastore", "network"]) == "did you mean 'datastore'?"
    assert did_you_mean("sev2", ["SEV1", "SEV2"]) == "did you mean 'SEV2'?"
    assert did_you_mean("zzzzzz", ["datastore"]) == ""


def test_malformed_taxonomy_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yml"
    path.write_text(
        "severities:\n  - id: SEV1\n    title: Critical\n"
        "categories:\n  - slug: config\n    title: Config\n    group: technicl\n"
        "triggers: [{slug: deploy, title: Deploy}]\n"
        "detection: [{slug: alert, title: Alert}]\n"
        "impacts: [{slug: outage, title: Outage}]\n"
    )
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(path)
    assert f"{path}:7:5: categories[0].group:" in str(err.value)


def test_duplicate_slug_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yml"
    path.write_text(
        "severities: [{id: SEV1, title: A}]\n"
        "categories: [{slug: a, title: A, group: human}, {slug: a, title: B, group: human}]\n"
        "triggers: [{slug: t, title: T}]\ndetection: [{slug: d, title: D}]\n"
        "impacts: [{slug: i, title: I}]\n"
    )
    with pytest.raises(TaxonomyError, match="'a' is listed twice"):
        load_taxonomy(path)


def test_titles_of_every_vocabulary_and_unknown_values() -> None:
    from kb.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    for kind in ("severities", "categories", "triggers", "detection", "impacts"):
        for entry in getattr(taxonomy, kind):
            key = getattr(entry, "slug", None) or entry.id
            assert taxonomy.term(kind, key) is entry
            assert taxonomy.title(kind, key) == entry.title
    assert taxonomy.term("categories", "SEV1") is None  # a severity is not a category
    assert taxonomy.title("categories", "no-such-category") == "no-such-category"


def _with_terms(path: Path, category: str) -> Path:
    path.write_text(
        "severities: [{id: SEV1, title: A}]\n"
        "categories:\n"
        "  - slug: capacity\n"
        "    title: Capacity\n"
        "    group: technical\n"
        "    keywords: [oom]\n"
        f"{category}"
        "triggers: [{slug: t, title: T}]\ndetection: [{slug: d, title: D}]\n"
        "impacts: [{slug: i, title: I}]\n"
    )
    return path


def test_synonyms_are_phrases_of_every_kind() -> None:
    t = load_taxonomy()
    for kind in ("categories", "triggers", "detection", "impacts"):
        for term in getattr(t, kind):
            if term.slug != "unknown":  # the one trigger with nothing to recognise it by
                assert term.synonyms, f"{kind} {term.slug} has no synonyms"
    capacity = t.category("capacity")
    assert capacity is not None and "out of memory" in capacity.phrases
    assert {"oomkilled", "ran out of"} <= set(capacity.synonyms)


@pytest.mark.parametrize(
    ("synonyms", "expected"),
    [
        ('    synonyms: ["", ok]\n', ":7:16: categories[0].synonyms[0]: an empty word or phrase"),
        (
            '    synonyms: [fine, "out of memory, oom killer"]\n',
            ":7:22: categories[0].synonyms[1]: 'out of memory, oom killer' looks like several",
        ),
        (
            "    synonyms: [a b c d e f g]\n",
            ":7:16: categories[0].synonyms[0]: 'a b c d e f g' has 7 words; a phrase has at most 6",
        ),
        ("    synonyms: [OOM]\n", ":7:5: categories[0].synonyms: 'OOM' is listed twice"),
        ("    synonyms: [memory, 12]\n", ":7:24: categories[0].synonyms[1]: Input should be"),
    ],
)
def test_bad_synonyms_name_file_and_line(tmp_path: Path, synonyms: str, expected: str) -> None:
    path = _with_terms(tmp_path / "taxonomy.yml", synonyms)
    with pytest.raises(TaxonomyError) as err:
        load_taxonomy(path)
    assert str(err.value).startswith(f"{path}{expected}"), str(err.value)
