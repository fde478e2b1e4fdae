"""The top results are the best-scoring of all matches, and the total counts every match.

On an index of a thousand generated documents in several segments, where whoosh's
pruning of OR queries once dropped documents that belonged in the top ten.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh.index import open_dir

TOOLS = Path(__file__).resolve().parents[1] / "tools"
sys.path.insert(0, str(TOOLS))

import gen_corpus  # noqa: E402
from bench_tasks import queries  # noqa: E402

from kb.config import load_settings  # noqa: E402
from kb.search import SearchIndex, store, update_index  # noqa: E402
from kb.search.query import parse  # noqa: E402

DOCS = 1000


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SearchIndex, Any]]:
    root = tmp_path_factory.mktemp("topk") / "kb"
    gen_corpus.generate(root, DOCS, seed=1)
    settings = load_settings(root)
    update_index(settings)
    folder = store.current(settings.index_dir)
    assert folder is not None
    with SearchIndex(settings) as index, open_dir(str(folder)).searcher() as plain:
        yield index, plain


def test_the_top_ten_and_the_total_are_those_of_scoring_every_match(
    indexed: tuple[SearchIndex, Any],
) -> None:
    index, plain = indexed
    wrong = []
    for text, _ in queries(120, 1):
        found = index.search(text, limit=10, exact=True)
        every = plain.search(parse(text), limit=None)  # every match, scored, no pruning
        best = sorted((round(hit.score, 6) for hit in every), reverse=True)[:10]
        got = [round(hit.score, 6) for hit in found.hits]
        if got != best or found.total != len(every):
            wrong.append((text, got, best, found.total, len(every)))
    assert wrong == []
