"""Relevance over the example content: what an engineer types, and what must come first.

Each query must put its expected document in the top 3. The mean reciprocal rank
over the whole table is printed, so ranking changes show up in the test output.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kb.config import load_settings
from kb.search import Filters, SearchIndex, update_index

REPO = Path(__file__).resolve().parents[1]

# (query, filters, the document that must be in the top 3)
TABLE: list[tuple[str, Filters, str]] = [
    ("connection pool exhausted", Filters(), "PM-2024-004"),
    ("pgbouncer clients waiting", Filters(), "PM-2024-004"),
    ("tls handshake failed certificate expired", Filters(), "PM-2024-002"),
    ("token not valid yet clock drift", Filters(), "PM-2025-007"),
    ("kafka consumer lag emails delayed", Filters(), "PM-2024-001"),
    ("customers charged twice webhook", Filters(), "PM-2024-003"),
    ("pods OOMKilled heap", Filters(), "PM-2025-004"),
    ("cache stampede", Filters(), "PM-2024-005"),
    ("sms 429 login codes", Filters(), "PM-2025-001"),
    ("discount applied to whole basket", Filters(), "PM-2025-002"),
    ("sequential scans after major version upgrade", Filters(), "PM-2025-003"),
    ("WAL disk full replication slot", Filters(), "PM-2025-009"),
    ("deadlock out of stock", Filters(), "PM-2025-011"),
    ("account takeover login attempts", Filters(), "PM-2026-001"),
    ("403 from WAF on large request bodies", Filters(), "PM-2026-002"),
    ("daylight saving time offset", Filters(), "PM-2026-003"),
    ("READONLY errors after failover", Filters(), "PM-2026-004"),
    ("task retry appended duplicate rows", Filters(), "PM-2026-005"),
    ("dns resolution timeouts", Filters(), "PM-2026-006"),
    ("replica not promoted", Filters(), "PM-2026-007"),
    ("points credited twice", Filters(), "PM-2026-008"),
    ("app crashes on launch", Filters(), "PM-2026-009"),
    ("retry storm", Filters(categories=("dependency",)), "PM-2026-010"),
    ("accents zero results", Filters(), "PM-2025-008"),
    ("terraform destroyed redis", Filters(), "PM-2025-006"),
    ("failover", Filters(categories=("network",)), "PM-2026-004"),
    (
        "slots oversold",
        Filters(since=dt.date(2025, 1, 1), until=dt.date(2025, 12, 31)),
        "PM-2025-005",
    ),
    ("slots", Filters(types=("premortem",)), "PRE-2025-002"),
    ("postgres upgrade", Filters(types=("premortem",)), "PRE-2025-001"),
    ("black friday", Filters(types=("premortem",), since=dt.date(2025, 1, 1)), "PRE-2025-004"),
    ("sms provider throughput", Filters(severities=("SEV2", "SEV3")), "PM-2025-010"),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    root = tmp_path_factory.mktemp("larkspur")
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copy(REPO / "taxonomy.yml", root / "taxonomy.yml")
    settings = load_settings(root)
    report = update_index(settings)
    assert report.skipped == [], "the example content must index cleanly"
    with SearchIndex(settings) as opened:
        yield opened


def _rank(index: SearchIndex, text: str, filters: Filters, expected: str) -> int | None:
    hits = index.search(text, filters, limit=10).hits
    ids = [h.id for h in hits]
    return ids.index(expected) + 1 if expected in ids else None


@pytest.mark.parametrize(("text", "filters", "expected"), TABLE, ids=[t[0] for t in TABLE])
def test_expected_document_in_top_three(
    index: SearchIndex, text: str, filters: Filters, expected: str
) -> None:
    rank = _rank(index, text, filters, expected)
    assert rank is not None and rank <= 3, f"{expected} ranked {rank} for {text!r}"


def test_mean_reciprocal_rank(index: SearchIndex, capsys: pytest.CaptureFixture[str]) -> None:
    ranks = [_rank(index, text, filters, expected) for text, filters, expected in TABLE]
    mrr = sum(1 / r for r in ranks if r) / len(ranks)
    firsts = sum(1 for r in ranks if r == 1)
    with capsys.disabled():
        print(
            f"\nsearch relevance: MRR {mrr:.3f} over {len(TABLE)} queries "
            f"({firsts} first, ranks {ranks})"
        )
    assert len(TABLE) >= 15
    assert mrr >= 0.8
