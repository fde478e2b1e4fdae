"""When nothing matches: did-you-mean from the index vocabulary, and why."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from search_helpers import INCIDENTS, write_kb

from kb.search import Filters, SearchIndex, update_index


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    settings = write_kb(tmp_path_factory.mktemp("kb"), INCIDENTS)
    update_index(settings)
    with SearchIndex(settings) as opened:
        yield opened


def test_misspelled_words_are_corrected_to_real_words(index: SearchIndex) -> None:
    results = index.search("databse deadlok")
    assert results.hits == []
    # Real words as written in the documents, not stems such as 'databas'.
    assert results.suggestions == ["database deadlock"]
    assert index.search(results.suggestions[0]).hits[0].id == "PM-2024-007"


def test_correction_keeps_the_rest_of_the_query(index: SearchIndex) -> None:
    results = index.search('"retry loop" AND certficate')
    assert results.suggestions == ['"retry loop" AND certificate']


def test_unknown_filter_values_are_named(index: SearchIndex) -> None:
    results = index.search("pool", Filters(categories=("datastor",), services=("nowhere",)))
    assert results.hits == []
    assert results.notes == [
        "no document has category 'datastor' (did you mean 'datastore'?)",
        "no document has service 'nowhere'",
    ]


def test_known_words_that_never_meet(index: SearchIndex) -> None:
    results = index.search("deadlock AND certificate")
    assert results.hits == [] and results.suggestions == []
    assert "no document matches the whole query" in results.notes[0]
    results = index.search("deadlock", Filters(severities=("SEV3",)))
    assert results.notes == ["the words match documents, but none that pass the filters"]


def test_a_word_in_no_document_is_named(index: SearchIndex) -> None:
    results = index.search("deadlock AND zqxjv")
    assert results.hits == [] and results.suggestions == []
    assert results.notes == ["no document contains 'zqxjv' (nor a word close to it)"]
    # A word with a close known word is corrected instead, and not named again.
    results = index.search("deadlok AND zqxjv")
    assert results.suggestions == ["deadlock AND zqxjv"]
    assert results.notes == ["no document contains 'zqxjv' (nor a word close to it)"]
