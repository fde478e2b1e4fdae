"""Inferred categories: the taxonomy's words, the classifier trained on labelled documents."""

from __future__ import annotations

import itertools

from kb.concepts import Thesaurus, concepts_of
from kb.inference import MIN_LABELLED, Classifier, Text, train_model
from kb.taxonomy import load_taxonomy

THESAURUS = Thesaurus(concepts_of(load_taxonomy()))

# Made-up incidents of two kinds, in words the taxonomy does not list for either.
PAYROLL = "The payroll ledger export wrote negative balances into the quarterly statements"
HOSTS = "A hypervisor rebooted and the bare metal fleet lost its blades in rack seven"
FILLERS = ["on Monday", "during the night", "for the second time", "after lunch", "again"]


def _examples(count: int) -> list[tuple[Text, list[str]]]:
    out = []
    for n, filler in zip(range(count), itertools.cycle(FILLERS), strict=False):
        if n % 2:
            out.append((Text.of(f"Incident {n}", f"{PAYROLL} {filler}."), ["code-bug"]))
        else:
            out.append((Text.of(f"Incident {n}", f"{HOSTS} {filler}."), ["hardware"]))
    return out


def test_too_few_labelled_documents_train_nothing() -> None:
    assert Classifier.train(_examples(MIN_LABELLED - 1)) is None
    model = train_model(THESAURUS, _examples(MIN_LABELLED - 1))
    assert model.classifier is None


def test_the_classifier_learns_categories_from_the_documents_own_words() -> None:
    model = train_model(THESAURUS, _examples(30))
    assert model.classifier is not None and model.classifier.examples == 30
    # None of these words is a taxonomy phrase: only the classifier can tell.
    text = Text.of("Ledger", "The payroll export wrote negative quarterly statements twice.")
    inferred = model.infer(text)
    assert [i.slug for i in inferred] == ["code-bug"]
    assert inferred[0].predicted and inferred[0].words == ()
    assert inferred[0].reason().startswith("like its documents, similarity ")
    hosts = model.infer(Text.of("Blades lost", f"{HOSTS} once more."))
    assert [i.slug for i in hosts] == ["hardware"]


def test_a_saved_classifier_gives_the_same_answers() -> None:
    trained = Classifier.train(_examples(30))
    assert trained is not None
    again = Classifier.from_data(trained.as_data())
    text = Text.of("Ledger", PAYROLL)
    assert again.similarities(text) == trained.similarities(Text.of("Ledger", PAYROLL))


def test_words_in_the_title_or_summary_are_strong_evidence() -> None:
    model = train_model(THESAURUS, [])
    head = "Pods OOMKilled: the API ran out of memory"
    body = "The memory limit was too low; the OOM killer ended the pods under load."
    (capacity,) = [i for i in model.infer(Text.of(head, body)) if i.slug == "capacity"]
    assert capacity.strong and capacity.inferred
    assert capacity.reason() == "oomkilled, ran out of, memory limit, oom killer"
    # The same words told only in passing, deep in the story, are no warning.
    passing = model.infer(Text.of("Checkout errors", body + " The OOMKilled pods restarted."))
    assert all(not i.strong for i in passing)
