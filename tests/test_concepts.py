"""The taxonomy as a thesaurus: light stems, phrases, and the concepts a text names."""

from __future__ import annotations

import pytest

from kb.concepts import Concept, Thesaurus, concepts_of, stem, stems
from kb.taxonomy import load_taxonomy

THESAURUS = Thesaurus(concepts_of(load_taxonomy()))


@pytest.mark.parametrize(
    "words",
    [
        ("expired", "expires", "expiring", "expire"),
        ("certificate", "certificates"),
        ("exhausted", "exhaustion", "exhausting"),
        ("retries", "retried", "retry"),
        ("throttled", "throttling", "throttle"),
        ("stopped", "stop", "stops"),
    ],
)
def test_inflections_meet(words: tuple[str, ...]) -> None:
    assert len({stem(w) for w in words}) == 1, [stem(w) for w in words]


def test_different_words_stay_apart() -> None:
    assert len({stem(w) for w in ("test", "contest", "testing", "status", "analysis")}) == 4
    assert stems("OOM-killed, twice!") == ["oom", "kill", "twic"]


def test_a_text_names_categories_in_other_words() -> None:
    text = "The pods were OOMKilled, out of memory; then the workers ran out of disk space."
    found = {m.concept.key: m for m in THESAURUS.mentions(text)}
    capacity = found[("categories", "capacity")]
    assert set(capacity.words) == {"oomkilled", "out of memory", "ran out of", "disk space"}
    tls = THESAURUS.mentions("Our TLS certificates expired on Sunday", ("categories",))
    assert tls[0].concept.slug == "time-and-certificates"
    assert tls[0].words == ("tls certificate", "expired")
    # Word order counts: "certificates expired" is not the phrase "expired certificate".
    assert "expired certificate" not in tls[0].words
    assert THESAURUS.mentions("nothing of the kind happened here") == []


def test_the_longest_phrase_claims_its_words() -> None:
    thesaurus = Thesaurus(
        [
            Concept("categories", "third-party", "Vendor", ("payment provider",)),
            Concept("categories", "cloud", "Cloud", ("provider",)),
        ]
    )
    found = thesaurus.mentions("The payment provider failed; the provider said sorry.")
    assert {m.concept.slug: m.phrases for m in found} == {
        "third-party": (("payment provider", 1),),
        "cloud": (("provider", 1),),
    }


def test_early_counts_phrases_before_a_point() -> None:
    words = stems("Disk full. Later the replica lagged and the disk space ran out.")
    (capacity,) = THESAURUS.mentions_in(words, ("categories",), early_end=2)[:1]
    assert capacity.concept.slug == "capacity" and capacity.early == 1
