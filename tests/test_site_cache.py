"""What one build keeps for the next: charts and the similar-incident ranking."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from search_helpers import write_example_kb

from kb.config import Settings
from kb.loader import Document
from kb.session import BuildSession
from kb.site import generate as gen
from kb.site.cache import ChartStore, RankingStore, chart_key, ranking_key
from kb.site.charts import Chart
from kb.site.ranking import SimilarMap


def here(cache: Path | None = None) -> BuildSession:
    """A session that runs its helper work in this process, with this cache folder."""
    return BuildSession(cache, background=False)


def chart(title: str, value: float = 1.0) -> Chart:
    return Chart(
        f"categories/{title}.svg", title, "bars", ["2025-Q1", "2025-Q2"], {"n": [value, 2]}
    )


def test_a_chart_is_found_again_only_while_nothing_drawn_changes(tmp_path: Path) -> None:
    store = ChartStore(tmp_path)
    assert store.get(chart("dns")) is None
    store.put(chart("dns"), "<svg>dns</svg>\n")
    assert store.get(chart("dns")) == "<svg>dns</svg>\n"
    assert store.get(chart("dns", value=3.0)) is None  # another number, another drawing
    assert store.get(chart("tls")) is None
    assert chart_key(chart("dns")) == chart_key(chart("dns"))
    assert not list(store.folder.glob(".*.tmp"))  # written by rename, nothing left over


def test_a_cut_short_or_unreadable_chart_is_drawn_again(tmp_path: Path) -> None:
    store = ChartStore(tmp_path)
    store.put(chart("dns"), "<svg>dns</svg>")
    path = store.folder / f"{chart_key(chart('dns'))}.svg"
    path.write_text("<svg>dn")  # a crash or a full disk halfway through
    assert store.get(chart("dns")) is None
    path.write_bytes(b"\xff\xfe<svg></svg>")
    assert store.get(chart("dns")) is None


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "charts").write_text("a file where the folder should be")
    store = ChartStore(tmp_path)
    store.put(chart("dns"), "<svg></svg>")  # no exception
    assert store.get(chart("dns")) is None
    ranking = RankingStore(tmp_path / "charts")
    ranking.put("k", {"PM-1": []})
    assert ranking.get("k") is None


def test_prune_keeps_the_most_recently_used(tmp_path: Path) -> None:
    store = ChartStore(tmp_path)
    names = [f"c{i}" for i in range(5)]
    for age, name in enumerate(reversed(names)):
        store.put(chart(name), "<svg></svg>")
        path = store.folder / f"{chart_key(chart(name))}.svg"
        os.utime(path, (1_000_000 + age, 1_000_000 + age))  # c4 oldest ... c0 newest
    store.get(chart("c4"))  # used just now
    assert store.prune(keep=2) == 3
    assert store.get(chart("c4")) is not None and store.get(chart("c0")) is not None
    assert [store.get(chart(n)) for n in ("c1", "c2", "c3")] == [None, None, None]
    assert store.prune(keep=2) == 0


def test_a_ranking_is_kept_for_its_key_only(tmp_path: Path) -> None:
    store = RankingStore(tmp_path)
    ranking = {"PM-2": [("PM-1", 3.25), ("PM-3", 0.5)], "PM-1": []}
    key = ranking_key("g1/abc", ["PM-1", "PM-2"], 5)
    assert store.get(key) is None
    store.put(key, ranking)
    assert store.get(key) == ranking
    for other in (
        ranking_key("g1/abd", ["PM-1", "PM-2"], 5),  # the index changed
        ranking_key("g1/abc", ["PM-1"], 5),  # a postmortem is no longer shown
        ranking_key("g1/abc", ["PM-1", "PM-2"], 3),  # another limit
    ):
        assert store.get(other) is None


@pytest.mark.parametrize(
    "text", ["{", "[]", '{"key": "k"}', '{"key": "k", "similar": {"PM-1": [["PM-2"]]}}']
)
def test_a_damaged_ranking_file_is_computed_again(tmp_path: Path, text: str) -> None:
    (tmp_path / "similar.json").write_text(text)
    assert RankingStore(tmp_path).get("k") is None


def test_charts_kept_by_one_build_are_not_drawn_by_the_next(tmp_path: Path) -> None:
    charts = [chart("dns"), chart("tls")]
    gen._SVG_CACHE.clear()
    first = gen.ChartJob(charts, tmp_path / "a", here(tmp_path / "cache"))
    assert first.drawn == 2
    first.wait()
    gen._SVG_CACHE.clear()  # a new process: only the folder remembers
    second = gen.ChartJob(charts, tmp_path / "b", here(tmp_path / "cache"))
    assert second.drawn == 0
    for name in ("dns.svg", "tls.svg"):
        made = (tmp_path / "a" / "categories" / name).read_text()
        assert made.startswith("<?xml") and made == (tmp_path / "b/categories" / name).read_text()
    gen._SVG_CACHE.clear()
    changed = gen.ChartJob(
        [chart("dns", value=7.0), chart("tls")], tmp_path / "c", here(tmp_path / "cache")
    )
    assert changed.drawn == 1
    changed.wait()
    uncached = gen.ChartJob([chart("dns", value=7.0)], tmp_path / "d", here())
    assert uncached.drawn == 0  # drawn earlier in this process
    gen._SVG_CACHE.clear()
    assert gen.ChartJob(charts, tmp_path / "e", here()).drawn == 2


def test_the_ranking_is_read_back_until_the_index_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kb.search
    from kb.knowledge import load_knowledge_base
    from kb.search import update_index
    from kb.site.similar import similar_later

    settings = write_example_kb(tmp_path)
    items = load_knowledge_base(settings).documents

    def ranked(
        settings: Settings, docs: list[Document], limit: int, cache: Path | None = None
    ) -> tuple[SimilarMap, str]:
        with here(cache) as session:
            return similar_later(docs, settings, limit, session)()

    update_index(settings)
    cache = tmp_path / ".kb" / "cache"
    computed = []
    real = kb.search.similar_map

    def counting(*args: object, **kwargs: object) -> object:
        computed.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(kb.search, "similar_map", counting)
    fresh = ranked(settings, items, 3, cache)
    assert fresh[1] == "text" and len(computed) == 1
    assert ranked(settings, items, 3, cache) == fresh and len(computed) == 1  # read back
    assert ranked(settings, items, 3) == fresh and len(computed) == 2  # no cache: computed
    assert ranked(settings, items, 2, cache)[0] != fresh[0] and len(computed) == 3
    # Editing a document and updating the index makes the kept ranking useless.
    page = next((tmp_path / "content" / "postmortems").rglob("*.md"))
    page.write_text(page.read_text() + "\nA new paragraph about certificate expiry.\n")
    update_index(settings)
    ranked(settings, items, 2, cache)
    assert len(computed) == 4


def test_a_kept_ranking_needs_no_helper_process(tmp_path: Path) -> None:
    from kb.knowledge import load_knowledge_base
    from kb.search import update_index
    from kb.site.similar import similar_later

    settings = write_example_kb(tmp_path)
    docs = load_knowledge_base(settings).documents
    update_index(settings)
    cache = tmp_path / ".kb" / "cache"
    with BuildSession(cache) as first:
        computed = similar_later(docs, settings, 3, first)()
        assert first.started and computed[1] == "text"
    with BuildSession(cache) as second:
        assert similar_later(docs, settings, 3, second)() == computed
        assert not second.started
    with BuildSession() as third:
        assert similar_later(docs, settings, 3, third)() == computed  # no cache: computed again
        assert third.started
    second.close()
